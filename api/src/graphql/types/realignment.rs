//! Realignments as clients see them.

use crate::graphql::loaders::load_record;
use async_graphql::Json;
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use terrane_domain::ids::AccountId;
use terrane_domain::realignment::RealignmentStatus as DomainStatus;
use terrane_persistence::{RealignmentRecord, StoredChange};

use super::account::{Account, AssignmentSource};
use super::audit::AuditActor;
use super::impact::RealignmentImpact;
use super::territory::Territory;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::pagination::{Conn, connection, page_request};
use crate::graphql::{ApiError, RequestContext, UserError};

/// Where a realignment is in its life.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RealignmentStatus {
    /// Holds changes; nothing applied.
    Draft,
    /// Applied.
    Applied,
    /// Dropped unapplied.
    Discarded,
    /// Waiting for its `effectiveAt`; the server applies it then.
    Scheduled,
    /// Its scheduled apply was refused; `problems` says why.
    Failed,
}

impl From<DomainStatus> for RealignmentStatus {
    fn from(s: DomainStatus) -> Self {
        match s {
            DomainStatus::Draft => Self::Draft,
            DomainStatus::Applied => Self::Applied,
            DomainStatus::Discarded => Self::Discarded,
            DomainStatus::Scheduled => Self::Scheduled,
            DomainStatus::Failed => Self::Failed,
        }
    }
}

impl From<RealignmentStatus> for DomainStatus {
    fn from(s: RealignmentStatus) -> Self {
        match s {
            RealignmentStatus::Draft => Self::Draft,
            RealignmentStatus::Applied => Self::Applied,
            RealignmentStatus::Discarded => Self::Discarded,
            RealignmentStatus::Scheduled => Self::Scheduled,
            RealignmentStatus::Failed => Self::Failed,
        }
    }
}

/// One change of a realignment, as stored: for a draft, the planned change with the base it was
/// planned against; for a realignment applied at once, the change it made.
pub struct RealignmentChange(pub StoredChange);

#[Object]
impl RealignmentChange {
    /// Its id within the realignment (what `removeRealignmentChange` takes).
    async fn id(&self) -> Option<ID> {
        self.0.id.map(|id| ID(id.to_string()))
    }
    /// Position, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Its type, e.g. `moveAccounts` or `splitTerritory`.
    async fn r#type(&self) -> Option<&str> {
        self.0.description["type"].as_str()
    }
    /// The territory it is about (for `createTerritory` and `splitTerritory`: the new one).
    async fn territory_id(&self) -> Option<ID> {
        let d = &self.0.description;
        ["newId", "id", "fromId", "territoryId"]
            .iter()
            .find_map(|k| d[*k].as_str())
            .and_then(|s| s.parse::<uuid::Uuid>().ok())
            .map(|id| encode(NodeKind::Territory, id))
    }
    /// Every field of the change (ids as stored UUIDs).
    async fn details(&self) -> Json<serde_json::Value> {
        Json(self.0.description.clone())
    }
}

/// A list of changes to alignment state, applied together. Every territory mutation is one.
pub struct Realignment(pub RealignmentRecord);

#[Object]
impl Realignment {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Realignment, self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Why it was made.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Status.
    async fn status(&self) -> RealignmentStatus {
        self.0.status.into()
    }
    /// Who created it.
    async fn created_by(&self) -> AuditActor {
        AuditActor(self.0.created_by)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was applied.
    async fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.0.applied_at
    }
    /// When it takes (or took) effect, for a scheduled apply.
    async fn effective_at(&self) -> Option<DateTime<Utc>> {
        self.0.effective_at
    }
    /// Who applied or scheduled it.
    async fn applied_by(&self) -> Option<AuditActor> {
        self.0.applied_by.map(AuditActor)
    }
    /// The realignment this one reverts.
    async fn reverts(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        let Some(id) = self.0.reverts else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Realignment))
    }
    /// The realignment that reverted this one.
    async fn reverted_by(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        let Some(id) = self.0.reverted_by else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Realignment))
    }
    /// Why its scheduled apply was refused (status FAILED).
    async fn problems(&self) -> Vec<UserError> {
        self.0
            .problems
            .iter()
            .cloned()
            .map(UserError::from)
            .collect()
    }
    /// Its changes, in order.
    async fn changes(&self, ctx: &Context<'_>) -> Result<Vec<RealignmentChange>> {
        Ok(RequestContext::of(ctx)?
            .scope()?
            .realignment_changes(self.0.id)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(RealignmentChange)
            .collect())
    }
    /// What applying it now would do (DRAFT and SCHEDULED only; null otherwise): computed
    /// against the current state each time it is asked for.
    async fn impact(&self, ctx: &Context<'_>) -> Result<Option<RealignmentImpact>> {
        let preview = RequestContext::of(ctx)?
            .scope()?
            .preview_realignment(self.0.id)
            .await
            .map_err(ApiError::from)?;
        Ok(preview.map(|preview| RealignmentImpact {
            problems: preview
                .problems
                .iter()
                .cloned()
                .map(crate::graphql::realignments::plan_error)
                .collect(),
            preview,
        }))
    }
    /// SHA-256 over its stored move rows, recomputed now (see `MoveDigest` in the README): equal to
    /// the `digest` its audit event recorded unless a move row was changed since.
    async fn move_digest(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(RequestContext::of(ctx)?
            .scope()?
            .realignment_move_digest(self.0.id)
            .await
            .map_err(ApiError::from)?)
    }
    /// The accounts it moves (or, for a draft, would move), in account order.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(first, child_complexity)")]
    async fn moves(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<RealignmentMove>> {
        let page = page_request(first, after, |k| k.parse::<AccountId>().ok())?;
        let had_cursor = page.after.is_some();
        let rows = RequestContext::of(ctx)?
            .scope()?
            .realignment_moves(self.0.id, page)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(
            rows,
            had_cursor,
            |m| m.account_id.to_string(),
            RealignmentMove,
        ))
    }
}

/// One account's move in a realignment.
pub struct RealignmentMove(pub terrane_domain::realignment::AccountMove);

#[Object]
impl RealignmentMove {
    /// The account.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(load_record(ctx, self.0.account_id).await?.map(Account))
    }
    /// The territory it leaves; null when it was unassigned.
    async fn from(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        let Some(id) = self.0.from.map(|f| f.territory_id) else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Territory))
    }
    /// The territory it goes to; null when it becomes unassigned.
    async fn to(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        let Some(to) = self.0.to else { return Ok(None) };
        Ok(load_record(ctx, to.territory_id).await?.map(Territory))
    }
    /// Why it goes there.
    async fn source(&self) -> Option<AssignmentSource> {
        self.0.to.map(|t| t.source.into())
    }
}
