//! Hashing and verifying the chain. The canonical bytes are the event's fields as JSON with
//! sorted keys and no whitespace, so any reader in any language can recompute them.

use chrono::SecondsFormat;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::event::AuditEvent;

/// The `prev_hash` of a tenant's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The bytes that are hashed: every field except `prev_hash` and `hash`, as compact JSON with
/// keys in lexicographic order (serde_json's map is ordered).
pub fn canonical_bytes(event: &AuditEvent) -> Vec<u8> {
    let canonical: Value = json!({
        "seq": event.seq,
        "id": event.id,
        "at": event.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "actorKind": event.actor.kind.as_str(),
        "actorId": event.actor.id,
        "action": event.action,
        "entityType": event.entity_type,
        "entityId": event.entity_id,
        "realignmentId": event.realignment_id,
        "requestId": event.request_id,
        "reason": event.reason,
        "before": event.before,
        "after": event.after,
    });
    canonical.to_string().into_bytes()
}

/// `SHA-256(prev_hash || bytes)` as lower-case hex; `prev_hash` is taken as its hex text.
pub fn chain_hash(prev_hash: &str, bytes: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(bytes);
    hex::encode(hasher.finalize())
}

/// Why an event does not fit where it stands in a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainFault {
    /// Its `seq` is not the one after the previous event's (an event removed, inserted or
    /// reordered).
    #[error("seq {found} where seq {expected} was expected")]
    SeqGap {
        /// The seq that would continue the chain.
        expected: i64,
        /// The seq the event has.
        found: i64,
    },
    /// Its `prev_hash` is not the previous event's hash.
    #[error("prevHash {found} is not the previous event's hash {expected}")]
    BrokenLink {
        /// The previous event's hash ([`GENESIS_HASH`] before the first event).
        expected: String,
        /// The event's `prev_hash`.
        found: String,
    },
    /// Its `hash` is not the hash of its content: some field was changed.
    #[error("hash {stored} does not match its content (recomputed {computed})")]
    HashMismatch {
        /// The event's `hash`.
        stored: String,
        /// `SHA-256(prev_hash || canonical bytes)` of the event as it stands.
        computed: String,
    },
}

/// Checks one event against the `seq` and `prev_hash` that would continue a chain, and its own
/// hash against its content. The single definition of "fits", shared by every verifier.
pub fn check_link(
    event: &AuditEvent,
    expected_seq: i64,
    expected_prev_hash: &str,
) -> Result<(), ChainFault> {
    if event.seq != expected_seq {
        return Err(ChainFault::SeqGap {
            expected: expected_seq,
            found: event.seq,
        });
    }
    if event.prev_hash != expected_prev_hash {
        return Err(ChainFault::BrokenLink {
            expected: expected_prev_hash.to_owned(),
            found: event.prev_hash.clone(),
        });
    }
    let computed = chain_hash(&event.prev_hash, &canonical_bytes(event));
    if event.hash != computed {
        return Err(ChainFault::HashMismatch {
            stored: event.hash.clone(),
            computed,
        });
    }
    Ok(())
}

/// The outcome of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Whether every event checked out.
    pub ok: bool,
    /// How many events were checked.
    pub checked_events: u64,
    /// The first event that does not fit (wrong seq, wrong link or wrong hash).
    pub first_bad_seq: Option<i64>,
    /// The hash of the last event checked ([`GENESIS_HASH`] when none).
    pub head_hash: String,
}

/// Checks a chain event by event, so a caller can stream millions of events through it.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
    first_bad: Option<i64>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// Starts at the genesis of a chain.
    pub fn new() -> Self {
        Self::starting_after(0, GENESIS_HASH)
    }

    /// Starts after event `seq` whose hash is `hash` (to check a later slice of a chain).
    pub fn starting_after(seq: i64, hash: &str) -> Self {
        Self {
            next_seq: seq + 1,
            prev_hash: hash.to_owned(),
            checked: 0,
            first_bad: None,
        }
    }

    /// Checks the next event. After the first bad one, later events are still counted but the
    /// report keeps naming the first.
    pub fn push(&mut self, event: &AuditEvent) {
        self.checked += 1;
        let fits = check_link(event, self.next_seq, &self.prev_hash).is_ok();
        if !fits && self.first_bad.is_none() {
            self.first_bad = Some(event.seq.min(self.next_seq));
        }
        self.next_seq = event.seq + 1;
        self.prev_hash = event.hash.clone();
    }

    /// The report so far.
    pub fn report(&self) -> ChainReport {
        ChainReport {
            ok: self.first_bad.is_none(),
            checked_events: self.checked,
            first_bad_seq: self.first_bad,
            head_hash: self.prev_hash.clone(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::audit::{Actor, ActorKind, NewAuditEvent};
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use uuid::Uuid;

    /// A valid chain of `n` events from genesis (shared with the slice verifier's tests).
    pub(crate) fn chain(n: usize) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (0..n)
            .map(|i| {
                let event = NewAuditEvent {
                    actor: Actor { kind: ActorKind::User, id: Some(Uuid::now_v7()) },
                    action: "territory.created".into(),
                    entity_type: "Territory".into(),
                    entity_id: Some(Uuid::now_v7()),
                    realignment_id: None,
                    request_id: Some(format!("req-{i}")),
                    reason: Some("because".into()),
                    before: None,
                    after: Some(json!({ "name": format!("T{i}"), "version": 1, "boundary": [[1.5, -2.25]] })),
                }
                .seal(i as i64 + 1, Utc.timestamp_opt(1_800_000_000 + i as i64, 123_456_789).unwrap(), &prev);
                prev = event.hash.clone();
                event
            })
            .collect()
    }

    fn verify(events: &[AuditEvent]) -> ChainReport {
        let mut v = ChainVerifier::new();
        events.iter().for_each(|e| v.push(e));
        v.report()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let events = chain(5);
        let report = verify(&events);
        assert!(report.ok);
        assert_eq!(report.checked_events, 5);
        assert_eq!(report.head_hash, events[4].hash);
        assert_eq!(events[0].prev_hash, GENESIS_HASH);
    }

    #[test]
    fn removal_reorder_and_insertion_are_detected() {
        let mut removed = chain(5);
        removed.remove(2);
        assert_eq!(verify(&removed).first_bad_seq, Some(3));

        let mut swapped = chain(5);
        swapped.swap(1, 2);
        assert_eq!(verify(&swapped).first_bad_seq, Some(2));

        let mut inserted = chain(5);
        let extra = inserted[1].clone();
        inserted.insert(2, extra);
        assert!(!verify(&inserted).ok);
    }

    #[test]
    fn timestamps_are_hashed_to_the_microsecond() {
        let event = &chain(1)[0];
        assert_eq!(event.at.timestamp_subsec_nanos(), 123_456_000);
    }

    proptest! {
        /// Editing any field of any event breaks the chain exactly at that event.
        #[test]
        fn any_edit_breaks_the_chain_at_that_event(n in 1usize..12, target in 0usize..12, field in 0usize..9, text in "[a-z]{1,8}") {
            let mut events = chain(n);
            let target = target % n;
            let e = &mut events[target];
            match field {
                0 => e.action.push_str(&text),
                1 => e.entity_type = text.clone(),
                2 => e.reason = Some(text.clone()),
                3 => e.after = Some(json!({ "name": text })),
                4 => e.before = Some(json!(text)),
                5 => e.at += chrono::Duration::microseconds(1),
                6 => e.actor.id = Some(Uuid::now_v7()),
                7 => e.request_id = None,
                _ => e.entity_id = None,
            }
            let report = verify(&events);
            prop_assert!(!report.ok);
            prop_assert_eq!(report.first_bad_seq, Some(target as i64 + 1));
        }
    }
}
