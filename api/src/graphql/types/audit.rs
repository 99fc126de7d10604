//! The audit log as auditors see it.

use crate::graphql::loaders::load_record;
use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use terrane_domain::audit::{self as domain, ActorKind as DomainActorKind};
use terrane_domain::ids::{ApiKeyId, UserId};

use super::identity::{ApiKey, User};
use super::realignment::Realignment;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::{ApiError, RequestContext};

/// What kind of principal acted.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// A user with a session.
    User,
    /// An API key.
    ApiKey,
    /// The server itself.
    System,
}

/// Who did something.
pub struct AuditActor(pub domain::Actor);

#[Object]
impl AuditActor {
    /// User, API key or system.
    async fn kind(&self) -> ActorKind {
        match self.0.kind {
            DomainActorKind::User => ActorKind::User,
            DomainActorKind::ApiKey => ActorKind::ApiKey,
            DomainActorKind::System => ActorKind::System,
        }
    }
    /// Global id of the user or API key.
    async fn id(&self) -> Option<ID> {
        let kind = match self.0.kind {
            DomainActorKind::User => NodeKind::User,
            DomainActorKind::ApiKey => NodeKind::ApiKey,
            DomainActorKind::System => return None,
        };
        self.0.id.map(|id| encode(kind, id))
    }
    /// The user, when a user acted.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let (DomainActorKind::User, Some(id)) = (self.0.kind, self.0.id) else {
            return Ok(None);
        };
        let loaders = RequestContext::of(ctx)?.loaders()?;
        Ok(loaders
            .records
            .load_one(UserId::from_uuid(id))
            .await
            .map_err(ApiError::from)?
            .map(User::from))
    }
    /// The API key, when a key acted.
    async fn api_key(&self, ctx: &Context<'_>) -> Result<Option<ApiKey>> {
        let (DomainActorKind::ApiKey, Some(id)) = (self.0.kind, self.0.id) else {
            return Ok(None);
        };
        Ok(load_record(ctx, ApiKeyId::from_uuid(id)).await?.map(ApiKey))
    }
}

/// One entry of the tenant's hash-chained audit log.
pub struct AuditEvent(pub domain::AuditEvent);

#[Object]
impl AuditEvent {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::AuditEvent, self.0.id)
    }
    /// Position in the tenant's chain: 1, 2, 3, ... without gaps.
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    /// When it happened (microsecond precision).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who acted.
    async fn actor(&self) -> AuditActor {
        AuditActor(self.0.actor)
    }
    /// What happened, e.g. `territory.moved`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of thing it happened to, e.g. `Territory`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Global id of the thing it happened to.
    async fn entity_id(&self) -> Option<ID> {
        let kind = NodeKind::from_name(&self.0.entity_type)?;
        self.0.entity_id.map(|id| encode(kind, id))
    }
    /// The realignment it was part of.
    async fn realignment(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        let Some(id) = self.0.realignment_id else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Realignment))
    }
    /// Why, in the actor's words.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The id of the HTTP request that caused it.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The entity before (null when created).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The entity after (null when deleted).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// Hash of the previous event (64 zeros for the first).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    /// SHA-256 of `prevHash` followed by this event's canonical bytes.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// The result of recomputing the tenant's audit chain.
#[derive(SimpleObject)]
pub struct AuditIntegrity {
    /// Whether every event checked out.
    pub ok: bool,
    /// How many events were checked.
    pub checked_events: u64,
    /// The first event that does not fit, if any.
    pub first_bad_seq: Option<i64>,
    /// The hash of the last event: keep it to detect later tampering.
    pub head_hash: String,
}

impl From<domain::ChainReport> for AuditIntegrity {
    fn from(r: domain::ChainReport) -> Self {
        Self {
            ok: r.ok,
            checked_events: r.checked_events,
            first_bad_seq: r.first_bad_seq,
            head_hash: r.head_hash,
        }
    }
}
