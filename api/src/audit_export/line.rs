//! One line of an export: an audit event as JSON, every field its hash covers and nothing else.
//! Ids are the stored UUIDs (what is hashed), not GraphQL global ids.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use terrane_domain::audit::{Actor, ActorKind, AuditEvent};
use terrane_domain::ids::{AuditEventId, RealignmentId};
use uuid::Uuid;

/// Who acted, as written in an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineActor {
    /// `USER`, `API_KEY` or `SYSTEM`.
    pub kind: String,
    /// The user's or key's id; null for the system.
    pub id: Option<Uuid>,
}

/// An audit event as written in an export. Unknown fields are refused when reading, so every
/// field a reader sees is one the hash covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportLine {
    /// Position in the tenant's chain.
    pub seq: i64,
    /// The event's id.
    pub id: Uuid,
    /// When, RFC 3339 in UTC to the microsecond (`2027-01-31T09:30:00.000000Z`).
    pub at: String,
    /// Who acted.
    pub actor: LineActor,
    /// What happened, e.g. `territory.moved`.
    pub action: String,
    /// The kind of entity, e.g. `Territory`.
    pub entity_type: String,
    /// Which entity.
    pub entity_id: Option<Uuid>,
    /// The realignment the event belongs to.
    pub realignment_id: Option<Uuid>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// Why, in the actor's words.
    pub reason: Option<String>,
    /// The entity before.
    pub before: Option<Value>,
    /// The entity after.
    pub after: Option<Value>,
    /// The previous event's hash.
    pub prev_hash: String,
    /// `SHA-256(prevHash || canonical bytes of the event)`, lower-case hex.
    pub hash: String,
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem(pub String);

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `at` as the server writes and hashes it.
fn canonical_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl From<&AuditEvent> for ExportLine {
    fn from(e: &AuditEvent) -> Self {
        Self {
            seq: e.seq,
            id: e.id.as_uuid(),
            at: canonical_time(e.at),
            actor: LineActor {
                kind: e.actor.kind.as_str().to_owned(),
                id: e.actor.id,
            },
            action: e.action.clone(),
            entity_type: e.entity_type.clone(),
            entity_id: e.entity_id,
            realignment_id: e.realignment_id.map(|r| r.as_uuid()),
            request_id: e.request_id.clone(),
            reason: e.reason.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

impl ExportLine {
    /// Parses one line of an export.
    pub fn parse(line: &[u8]) -> Result<Self, LineProblem> {
        serde_json::from_slice(line).map_err(|e| LineProblem(format!("not an export event: {e}")))
    }

    /// The event the line stands for. `at` must be in the exact form the server hashes, so
    /// no text in the file escapes the hash.
    pub fn into_event(self) -> Result<AuditEvent, LineProblem> {
        let at = DateTime::parse_from_rfc3339(&self.at)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .filter(|t| canonical_time(*t) == self.at)
            .ok_or_else(|| {
                LineProblem(format!(
                    "at: {:?} is not a UTC time to the microsecond like 2027-01-31T09:30:00.000000Z",
                    self.at
                ))
            })?;
        let kind = ActorKind::parse(&self.actor.kind).ok_or_else(|| {
            LineProblem(format!("actor.kind: unknown kind {:?}", self.actor.kind))
        })?;
        Ok(AuditEvent {
            seq: self.seq,
            id: AuditEventId::from_uuid(self.id),
            at,
            actor: Actor {
                kind,
                id: self.actor.id,
            },
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            realignment_id: self.realignment_id.map(RealignmentId::from_uuid),
            request_id: self.request_id,
            reason: self.reason,
            before: self.before,
            after: self.after,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}
