//! Checking a slice of a chain held outside the server, such as an auditor's export. A slice
//! may start anywhere, so its first event is taken at its word for its place (unless it claims
//! to be the first of all, seq 1, which must follow the genesis hash); every later event must
//! continue it. A head hash the holder kept from before says whether the slice continues the
//! chain they already trust.

use super::chain::{ChainFault, GENESIS_HASH, check_link};
use super::event::AuditEvent;

/// What a slice that checked out (so far) covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SliceSummary {
    /// How many events fit.
    pub checked_events: u64,
    /// The seq of the first event.
    pub first_seq: Option<i64>,
    /// The seq of the last event that fit.
    pub last_seq: Option<i64>,
    /// The hash of the last event that fit: the slice's head.
    pub head_hash: Option<String>,
    /// With a kept head: whether the slice chains onto it (the first event's `prev_hash` is the
    /// kept head, or some event's hash is). `None` without one.
    pub chains_onto_kept_head: Option<bool>,
}

/// Checks a slice event by event, holding only the last event's seq and hash, so a caller can
/// stream millions of events through it. Stop at the first fault: the summary then covers the
/// events before it.
#[derive(Debug, Clone, Default)]
pub struct SliceVerifier {
    kept_head: Option<String>,
    summary: SliceSummary,
}

impl SliceVerifier {
    /// A verifier with nothing kept from before.
    pub fn new() -> Self {
        Self::default()
    }

    /// A verifier that also tells whether the slice chains onto `kept_head` (hashes are
    /// compared as lower-case hex).
    pub fn with_kept_head(kept_head: &str) -> Self {
        Self {
            kept_head: Some(kept_head.to_ascii_lowercase()),
            summary: SliceSummary {
                chains_onto_kept_head: Some(false),
                ..SliceSummary::default()
            },
        }
    }

    /// Checks the next event of the slice.
    pub fn push(&mut self, event: &AuditEvent) -> Result<(), ChainFault> {
        let s = &mut self.summary;
        let (expected_seq, expected_prev) = match (&s.last_seq, &s.head_hash) {
            (Some(seq), Some(hash)) => (seq + 1, hash.as_str()),
            // The first event: seq 1 opens the chain; a later one is where the slice starts,
            // and a seq below 1 exists in no chain.
            _ if event.seq <= 1 => (1, GENESIS_HASH),
            _ => (event.seq, event.prev_hash.as_str()),
        };
        check_link(event, expected_seq, expected_prev)?;
        if let Some(kept) = &self.kept_head {
            let first_follows = s.first_seq.is_none() && event.prev_hash == *kept;
            if first_follows || event.hash == *kept {
                s.chains_onto_kept_head = Some(true);
            }
        }
        s.first_seq.get_or_insert(event.seq);
        s.last_seq = Some(event.seq);
        s.head_hash = Some(event.hash.clone());
        s.checked_events += 1;
        Ok(())
    }

    /// What the events that fit cover.
    pub fn summary(&self) -> &SliceSummary {
        &self.summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::tests::chain;

    fn verify(
        events: &[AuditEvent],
        kept: Option<&str>,
    ) -> Result<SliceSummary, (i64, ChainFault)> {
        let mut v = kept.map_or_else(SliceVerifier::new, SliceVerifier::with_kept_head);
        for e in events {
            v.push(e).map_err(|fault| (e.seq, fault))?;
        }
        Ok(v.summary().clone())
    }

    #[test]
    fn a_whole_chain_and_a_later_slice_verify() {
        let events = chain(6);
        let whole = verify(&events, None).unwrap();
        assert_eq!(whole.checked_events, 6);
        assert_eq!((whole.first_seq, whole.last_seq), (Some(1), Some(6)));
        assert_eq!(whole.head_hash.as_deref(), Some(events[5].hash.as_str()));
        assert_eq!(whole.chains_onto_kept_head, None);
        let slice = verify(&events[2..5], None).unwrap();
        assert_eq!((slice.first_seq, slice.last_seq), (Some(3), Some(5)));
        assert_eq!(verify(&[], None).unwrap(), SliceSummary::default());
    }

    #[test]
    fn faults_name_the_event_and_why() {
        let mut edited = chain(5);
        edited[3].reason = Some("forged".into());
        assert!(matches!(
            verify(&edited, None),
            Err((4, ChainFault::HashMismatch { .. }))
        ));

        let mut gap = chain(5);
        gap.remove(2);
        assert_eq!(
            verify(&gap, None).unwrap_err(),
            (
                4,
                ChainFault::SeqGap {
                    expected: 3,
                    found: 4
                }
            )
        );

        // Re-sealing a forged event fixes its own hash but not the next event's link.
        let mut resealed = chain(5);
        resealed[1].reason = Some("forged".into());
        resealed[1].hash = crate::audit::chain_hash(
            &resealed[1].prev_hash,
            &crate::audit::canonical_bytes(&resealed[1]),
        );
        assert!(matches!(
            verify(&resealed, None),
            Err((3, ChainFault::BrokenLink { .. }))
        ));

        // A slice claiming to open the chain must follow the genesis hash.
        let mut fake_start = chain(3)[1..].to_vec();
        fake_start[0].seq = 1;
        assert!(matches!(
            verify(&fake_start, None),
            Err((1, ChainFault::BrokenLink { .. }))
        ));
    }

    #[test]
    fn a_kept_head_before_or_inside_the_slice_is_chained_onto() {
        let events = chain(6);
        let slice = &events[3..];
        let before = &events[2].hash;
        let inside = &events[4].hash;
        for kept in [before, inside, &events[5].hash] {
            assert_eq!(
                verify(slice, Some(kept)).unwrap().chains_onto_kept_head,
                Some(true)
            );
        }
        assert_eq!(
            verify(slice, Some(&inside.to_ascii_uppercase()))
                .unwrap()
                .chains_onto_kept_head,
            Some(true)
        );
        for kept in [&events[0].hash, &"ab".repeat(32)] {
            assert_eq!(
                verify(slice, Some(kept)).unwrap().chains_onto_kept_head,
                Some(false)
            );
        }
        assert_eq!(
            verify(&[], Some(before)).unwrap().chains_onto_kept_head,
            Some(false)
        );
    }
}
