//! An audit event, before and after it joins the chain.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::chain::{canonical_bytes, chain_hash};
use crate::ids::{AuditEventId, RealignmentId};

/// What kind of principal acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A user logged in with a session.
    User,
    /// An API key.
    ApiKey,
    /// The server itself (seeding, scheduled work).
    System,
}

impl ActorKind {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::ApiKey => "API_KEY",
            Self::System => "SYSTEM",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::User, Self::ApiKey, Self::System]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// User, API key or the system.
    pub kind: ActorKind,
    /// The user's or key's id; `None` for the system.
    pub id: Option<Uuid>,
}

impl Actor {
    /// The server itself.
    pub const SYSTEM: Actor = Actor {
        kind: ActorKind::System,
        id: None,
    };
}

/// An event about to be appended: everything but its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    /// Who acted.
    pub actor: Actor,
    /// What happened, e.g. `territory.moved`.
    pub action: String,
    /// The kind of thing it happened to, e.g. `Territory`.
    pub entity_type: String,
    /// The thing it happened to.
    pub entity_id: Option<Uuid>,
    /// The realignment it was part of.
    pub realignment_id: Option<RealignmentId>,
    /// The HTTP request that caused it.
    pub request_id: Option<String>,
    /// Why, in the actor's words.
    pub reason: Option<String>,
    /// The entity before (`None` when created).
    pub before: Option<Value>,
    /// The entity after (`None` when deleted).
    pub after: Option<Value>,
}

/// An event in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Position in the tenant's chain, from 1, without gaps.
    pub seq: i64,
    /// Its id.
    pub id: AuditEventId,
    /// When, to the microsecond (the precision every store keeps).
    pub at: DateTime<Utc>,
    /// Who acted.
    pub actor: Actor,
    /// What happened.
    pub action: String,
    /// Kind of entity.
    pub entity_type: String,
    /// Which entity.
    pub entity_id: Option<Uuid>,
    /// Realignment it belongs to.
    pub realignment_id: Option<RealignmentId>,
    /// Request that caused it.
    pub request_id: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Entity before.
    pub before: Option<Value>,
    /// Entity after.
    pub after: Option<Value>,
    /// Hash of the previous event ([`super::GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// `SHA-256(prev_hash || canonical bytes of this event)`, lower-case hex.
    pub hash: String,
}

impl NewAuditEvent {
    /// Seals the event as number `seq` after an event whose hash is `prev_hash`.
    pub fn seal(self, seq: i64, at: DateTime<Utc>, prev_hash: &str) -> AuditEvent {
        let mut event = AuditEvent {
            seq,
            id: AuditEventId::new(),
            at: at.trunc_subsecs(6),
            actor: self.actor,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            realignment_id: self.realignment_id,
            request_id: self.request_id,
            reason: self.reason,
            before: self.before,
            after: self.after,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        event.hash = chain_hash(prev_hash, &canonical_bytes(&event));
        event
    }
}
