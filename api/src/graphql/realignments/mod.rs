//! The realignment workflow (drafts, preview, apply now or on a date, revert, discard) and the
//! time-travel queries over alignment history.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use terrane_domain::identity::Permission;
use terrane_domain::ids::{AccountId, RealignmentId, TerritoryId};
use terrane_domain::realignment::{Problem, ProblemCode};
use terrane_persistence::{RealignmentRecord, StoredChange};

mod inputs;

pub use inputs::*;

use crate::auth::RoleGuard;
use crate::graphql::ids::{NodeKind, decode_as};
use crate::graphql::loaders::load_record;
use crate::graphql::pagination::{Conn, connection, page_request};
use crate::graphql::types::{
    AssignmentInterval, Realignment, RealignmentChange, RealignmentStatus, Territory,
    TerritorySnapshot,
};
use crate::graphql::{ApiError, RequestContext, UserError};

/// Most territories `territoriesAt` returns.
const MAX_TERRITORIES_AT: i32 = 10_000;

/// Realignment and history queries.
#[derive(Default)]
pub struct RealignmentQuery;

#[Object]
impl RealignmentQuery {
    /// One realignment of the caller's tenant.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn realignment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Realignment>> {
        let id: RealignmentId = decode_as(&id, NodeKind::Realignment)?;
        Ok(load_record(ctx, id).await?.map(Realignment))
    }

    /// Realignments, newest first, optionally of one status.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAlignment)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn realignments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<RealignmentStatus>,
    ) -> Result<Conn<Realignment>> {
        let page = page_request(first, after, |k| k.parse::<RealignmentId>().ok())?;
        let had_cursor = page.after.is_some();
        let rows = RequestContext::of(ctx)?
            .scope()?
            .realignments(status.map(Into::into), page)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(
            rows,
            had_cursor,
            |r| r.id.to_string(),
            Realignment,
        ))
    }

    /// The territory an account was in at `at` (as it is now; null when the account was
    /// unassigned then, or the territory is gone — see `accountAssignmentAt` for the full answer).
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn account_territory_at(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        at: DateTime<Utc>,
    ) -> Result<Option<Territory>> {
        let Some(interval) = assignment_at(ctx, &account_id, at).await? else {
            return Ok(None);
        };
        Ok(load_record(ctx, interval.territory_id)
            .await?
            .map(Territory))
    }

    /// Where an account was at `at`: the interval covering it, with the territory as it was.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn account_assignment_at(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
        at: DateTime<Utc>,
    ) -> Result<Option<AssignmentInterval>> {
        Ok(assignment_at(ctx, &account_id, at)
            .await?
            .map(AssignmentInterval))
    }

    /// Every interval an account spent in a territory, oldest first, with the realignment (and
    /// so the actor and reason) that began and ended each.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn account_history(
        &self,
        ctx: &Context<'_>,
        account_id: ID,
    ) -> Result<Vec<AssignmentInterval>> {
        let id: AccountId = decode_as(&account_id, NodeKind::Account)?;
        Ok(RequestContext::of(ctx)?
            .scope()?
            .account_history(id)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(AssignmentInterval)
            .collect())
    }

    /// A territory as it was at `at`: name, code, parent, boundary. Null when it did not exist.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn territory_at(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: DateTime<Utc>,
    ) -> Result<Option<TerritorySnapshot>> {
        let id: TerritoryId = decode_as(&id, NodeKind::Territory)?;
        Ok(RequestContext::of(ctx)?
            .scope()?
            .territory_at(id, at)
            .await
            .map_err(ApiError::from)?
            .map(TerritorySnapshot))
    }

    /// The hierarchy as it stood at `at`: every territory that existed then, as it was, by code.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn territories_at(
        &self,
        ctx: &Context<'_>,
        at: DateTime<Utc>,
        #[graphql(default = 1000)] first: i32,
    ) -> Result<Vec<TerritorySnapshot>> {
        if !(1..=MAX_TERRITORIES_AT).contains(&first) {
            return Err(ApiError::BadUserInput(format!(
                "first must be between 1 and {MAX_TERRITORIES_AT}"
            ))
            .into());
        }
        let limit = u64::try_from(first).unwrap_or(1);
        Ok(RequestContext::of(ctx)?
            .scope()?
            .territories_at(at, limit)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(TerritorySnapshot)
            .collect())
    }
}

async fn assignment_at(
    ctx: &Context<'_>,
    account_id: &ID,
    at: DateTime<Utc>,
) -> Result<Option<terrane_persistence::AssignmentInterval>, ApiError> {
    let id: AccountId = decode_as(account_id, NodeKind::Account)?;
    Ok(RequestContext::of(ctx)?
        .scope()?
        .account_territory_at(id, at)
        .await?)
}

/// The realignment `id` names, or a top-level NOT_FOUND when the caller's tenant has none.
async fn existing(ctx: &Context<'_>, id: &ID) -> Result<RealignmentId, ApiError> {
    let id: RealignmentId = decode_as(id, NodeKind::Realignment)?;
    let found: Option<RealignmentRecord> = load_record(ctx, id).await?;
    found.map(|r| r.id).ok_or(ApiError::NotFound("realignment"))
}

fn payload(outcome: Result<RealignmentRecord, Vec<Problem>>) -> RealignmentPayload {
    match outcome {
        Ok(record) => RealignmentPayload {
            realignment: Some(Realignment(record)),
            user_errors: vec![],
        },
        Err(problems) => RealignmentPayload {
            realignment: None,
            user_errors: problems.into_iter().map(user_error).collect(),
        },
    }
}

/// Problems with a planned change point at it; others (status, conflicts) at the input.
fn user_error(p: Problem) -> UserError {
    match p.code {
        ProblemCode::InvalidStatus => UserError::from(p),
        _ => plan_error(p),
    }
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Realignment workflow mutations (ADMIN and MANAGER).
#[derive(Default)]
pub struct RealignmentMutation;

#[Object]
impl RealignmentMutation {
    /// Open an empty draft realignment.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn create_realignment(
        &self,
        ctx: &Context<'_>,
        input: CreateRealignmentInput,
    ) -> Result<RealignmentPayload> {
        let title = input.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > 200 {
            return Ok(RealignmentPayload {
                realignment: None,
                user_errors: vec![UserError::invalid("title", "must be 1 to 200 characters")],
            });
        }
        let request = RequestContext::of(ctx)?;
        let record = request
            .scope()?
            .create_realignment(title, trimmed(input.reason), &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(payload(Ok(record)))
    }

    /// Add changes to a draft. Each records what it is planned against (territory versions,
    /// where the accounts are), so applying after someone else changed those is a CONFLICT.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn add_realignment_changes(
        &self,
        ctx: &Context<'_>,
        input: AddRealignmentChangesInput,
    ) -> Result<AddRealignmentChangesPayload> {
        let id = existing(ctx, &input.realignment_id).await?;
        let mut errors = Vec::new();
        let mut planned = Vec::new();
        if input.changes.is_empty() || input.changes.len() > 100 {
            errors.push(UserError::invalid(
                "changes",
                "add 1 to 100 changes at a time",
            ));
        }
        for (index, change) in input.changes.into_iter().enumerate() {
            if let Some(change) = change.into_plan(index, &mut errors)? {
                planned.push(change);
            }
        }
        if !errors.is_empty() {
            return Ok(AddRealignmentChangesPayload {
                realignment: None,
                added: vec![],
                user_errors: errors,
            });
        }
        let request = RequestContext::of(ctx)?;
        let scope = request.scope()?;
        match scope
            .add_realignment_changes(id, planned, &request.write_context()?)
            .await
            .map_err(ApiError::from)?
        {
            Ok((record, ids)) => {
                let added: Vec<StoredChange> = scope
                    .realignment_changes(id)
                    .await
                    .map_err(ApiError::from)?
                    .into_iter()
                    .filter(|c| c.id.is_some_and(|i| ids.contains(&i)))
                    .collect();
                Ok(AddRealignmentChangesPayload {
                    realignment: Some(Realignment(record)),
                    added: added.into_iter().map(RealignmentChange).collect(),
                    user_errors: vec![],
                })
            }
            Err(problems) => Ok(AddRealignmentChangesPayload {
                realignment: None,
                added: vec![],
                user_errors: problems.into_iter().map(user_error).collect(),
            }),
        }
    }

    /// Remove one change from a draft.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn remove_realignment_change(
        &self,
        ctx: &Context<'_>,
        input: RemoveRealignmentChangeInput,
    ) -> Result<RealignmentPayload> {
        let id = existing(ctx, &input.realignment_id).await?;
        let Ok(change_id) = input.change_id.parse::<uuid::Uuid>() else {
            return Err(ApiError::BadUserInput("changeId is not a change id".into()).into());
        };
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .remove_realignment_change(id, change_id, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(payload(outcome))
    }

    /// Apply a draft now, or on `effectiveAt` (SCHEDULED; the server applies it then). Refused
    /// with its problems — CONFLICT where what it was planned against has changed — and then
    /// nothing is applied.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn apply_realignment(
        &self,
        ctx: &Context<'_>,
        input: ApplyRealignmentInput,
    ) -> Result<RealignmentPayload> {
        let id = existing(ctx, &input.id).await?;
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .apply_draft(id, input.effective_at, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(payload(outcome))
    }

    /// Revert an applied realignment with a new one, linked to it, that restores what it
    /// changed; refused with CONFLICT where later realignments changed the same things.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn revert_realignment(
        &self,
        ctx: &Context<'_>,
        input: RevertRealignmentInput,
    ) -> Result<RealignmentPayload> {
        let id = existing(ctx, &input.id).await?;
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .revert_realignment(id, trimmed(input.reason), &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(payload(outcome))
    }

    /// Discard a draft or a scheduled realignment; nothing of it is applied.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn discard_realignment(
        &self,
        ctx: &Context<'_>,
        input: DiscardRealignmentInput,
    ) -> Result<RealignmentPayload> {
        let id = existing(ctx, &input.id).await?;
        let request = RequestContext::of(ctx)?;
        let outcome = request
            .scope()?
            .discard_realignment(id, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(payload(outcome))
    }
}
