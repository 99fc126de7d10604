//! Verifying an export offline: read it line by line (memory bounded by the longest line),
//! recompute every hash with the domain's own sealing code and check the links, optionally
//! against a head hash kept from before.

use std::fmt;
use std::io::{BufRead, Read};

use terrane_domain::audit::{ChainFault, SliceSummary, SliceVerifier};

use super::line::ExportLine;

/// No event is anywhere near this long; a longer line is refused rather than read into memory.
const MAX_LINE_BYTES: u64 = 64 << 20;

/// The first thing wrong with an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A line that is not an export event.
    Unreadable {
        /// 1-based line number.
        line: u64,
        /// Why.
        reason: String,
    },
    /// An event that does not fit the chain.
    Broken {
        /// 1-based line number.
        line: u64,
        /// The event's seq.
        seq: i64,
        /// Why.
        fault: ChainFault,
    },
    /// Every event fits, but the export does not chain onto the kept head.
    NotChainedOnto {
        /// The head hash the auditor kept.
        kept_head: String,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unreadable { line, reason } => write!(f, "line {line}: {reason}"),
            Failure::Broken { line, seq, fault } => write!(f, "line {line} (seq {seq}): {fault}"),
            Failure::NotChainedOnto { kept_head } => write!(
                f,
                "the export does not chain onto {kept_head}: neither its first event's prevHash \
                 nor any event's hash is that hash"
            ),
        }
    }
}

/// What verifying an export found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The events that checked out, and the export's head hash.
    pub summary: SliceSummary,
    /// The head hash the export was checked against, if any.
    pub kept_head: Option<String>,
    /// The first thing wrong, if anything.
    pub failure: Option<Failure>,
}

impl VerifyReport {
    /// Whether every event checked out (and chains onto the kept head, when one was given).
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }

    /// The seq of the first event that does not fit the chain.
    pub fn first_bad_seq(&self) -> Option<i64> {
        match self.failure {
            Some(Failure::Broken { seq, .. }) => Some(seq),
            _ => None,
        }
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        write!(f, "events checked: {}", s.checked_events)?;
        if let (Some(first), Some(last)) = (s.first_seq, s.last_seq) {
            write!(f, " (seq {first}..={last})")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "head hash:      {}",
            s.head_hash.as_deref().unwrap_or("-")
        )?;
        if let Some(kept) = &self.kept_head {
            let verdict = if s.chains_onto_kept_head == Some(true) {
                "chained onto"
            } else {
                "not chained onto"
            };
            writeln!(f, "kept head:      {kept} ({verdict})")?;
        }
        match &self.failure {
            None => write!(f, "OK"),
            Some(failure) => write!(f, "FAILED: {failure}"),
        }
    }
}

/// Verifies an NDJSON export read from `reader`, stopping at the first fault. Blank lines are
/// skipped. With `kept_head`, the export must also chain onto that hash. Only reading can fail;
/// everything wrong with the content is in the report.
pub fn verify_ndjson<R: BufRead>(
    mut reader: R,
    kept_head: Option<&str>,
) -> std::io::Result<VerifyReport> {
    let mut verifier = kept_head.map_or_else(SliceVerifier::new, SliceVerifier::with_kept_head);
    let mut failure = None;
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)?;
        if read == 0 {
            break;
        }
        line += 1;
        if read as u64 > MAX_LINE_BYTES {
            failure = Some(Failure::Unreadable {
                line,
                reason: format!("longer than {} MiB", MAX_LINE_BYTES >> 20),
            });
            break;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let event = match ExportLine::parse(&buf).and_then(ExportLine::into_event) {
            Ok(event) => event,
            Err(problem) => {
                failure = Some(Failure::Unreadable {
                    line,
                    reason: problem.0,
                });
                break;
            }
        };
        if let Err(fault) = verifier.push(&event) {
            failure = Some(Failure::Broken {
                line,
                seq: event.seq,
                fault,
            });
            break;
        }
    }
    let summary = verifier.summary().clone();
    let kept_head = kept_head.map(str::to_ascii_lowercase);
    if failure.is_none()
        && let Some(kept) = &kept_head
        && summary.chains_onto_kept_head != Some(true)
    {
        failure = Some(Failure::NotChainedOnto {
            kept_head: kept.clone(),
        });
    }
    Ok(VerifyReport {
        summary,
        kept_head,
        failure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::json;
    use terrane_domain::audit::{Actor, AuditEvent, GENESIS_HASH, NewAuditEvent};

    /// A chain of `n` events whose payloads hold coordinates with every digit significant,
    /// as NDJSON lines the way the server writes them.
    fn export(n: usize) -> (Vec<AuditEvent>, Vec<String>) {
        let mut prev = GENESIS_HASH.to_owned();
        let events: Vec<AuditEvent> = (0..n)
            .map(|i| {
                let event = NewAuditEvent {
                    actor: Actor::SYSTEM,
                    action: "territory.updated".into(),
                    entity_type: "Territory".into(),
                    entity_id: Some(uuid::Uuid::now_v7()),
                    realignment_id: None,
                    request_id: Some(format!("req-{i}")),
                    reason: Some("tidy".into()),
                    before: None,
                    after: Some(json!({ "boundary": [[-114.35932276721131, 36.17497165324023 + i as f64]] })),
                }
                .seal(i as i64 + 1, Utc.timestamp_opt(1_800_000_000 + i as i64, 987_654_321).unwrap(), &prev);
                prev = event.hash.clone();
                event
            })
            .collect();
        let lines = events
            .iter()
            .map(|e| serde_json::to_string(&ExportLine::from(e)).unwrap())
            .collect();
        (events, lines)
    }

    fn verify(lines: &[String], head: Option<&str>) -> VerifyReport {
        verify_ndjson(lines.join("\n").as_bytes(), head).unwrap()
    }

    #[test]
    fn an_export_verifies_and_names_its_head() {
        let (events, lines) = export(4);
        let report = verify(&lines, None);
        assert!(report.ok(), "{report}");
        assert_eq!(report.summary.checked_events, 4);
        assert_eq!(
            report.summary.head_hash.as_deref(),
            Some(events[3].hash.as_str())
        );
        assert!(report.to_string().ends_with("OK"));
        // A later slice, with a trailing newline and a blank line, verifies on its own.
        let slice = format!("{}\n\n{}\n", lines[2], lines[3]);
        assert!(verify_ndjson(slice.as_bytes(), None).unwrap().ok());
    }

    #[test]
    fn an_edited_line_fails_at_its_seq() {
        let (_, mut lines) = export(4);
        lines[2] = lines[2].replace("\"tidy\"", "\"forged\"");
        let report = verify(&lines, None);
        assert_eq!(report.first_bad_seq(), Some(3));
        assert!(matches!(
            report.failure,
            Some(Failure::Broken {
                line: 3,
                fault: ChainFault::HashMismatch { .. },
                ..
            })
        ));
        assert_eq!(report.summary.checked_events, 2);
        assert!(
            report.to_string().contains("FAILED: line 3 (seq 3)"),
            "{report}"
        );
    }

    #[test]
    fn text_outside_the_hash_is_refused() {
        let (_, lines) = export(2);
        let extra = lines[1].replacen('{', "{\"note\":\"trust me\",", 1);
        let at = lines[1].replace(".987654Z", ".987654321Z");
        for bad in [extra, at, "not json".to_owned()] {
            let report = verify(&[lines[0].clone(), bad], None);
            assert!(
                matches!(report.failure, Some(Failure::Unreadable { line: 2, .. })),
                "{report}"
            );
        }
    }

    #[test]
    fn a_kept_head_must_be_chained_onto() {
        let (events, lines) = export(5);
        let later = &lines[2..];
        assert!(verify(later, Some(&events[1].hash)).ok());
        assert!(verify(later, Some(&events[3].hash.to_ascii_uppercase())).ok());
        let report = verify(later, Some(&events[0].hash));
        assert!(matches!(
            report.failure,
            Some(Failure::NotChainedOnto { .. })
        ));
        assert!(!verify(&[], Some(&events[0].hash)).ok());
    }
}
