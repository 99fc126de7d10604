//! Territory queries and mutations. Every mutation is a realignment of one change, applied at
//! once through the store's single write path.

use crate::graphql::loaders::load_record;
use async_graphql::{Context, ID, Object, Result};
use terrane_domain::assignment::{Assignment, Source};
use terrane_domain::identity::Permission;
use terrane_domain::ids::{RealignmentId, TerritoryId};
use terrane_domain::realignment::{AccountTarget, AssignAccounts, Change, ProblemCode};
use terrane_persistence::{RealignmentRequest, TerritoryFilter};

mod inputs;

pub use inputs::*;

use crate::auth::RoleGuard;
use crate::graphql::ids::{NodeKind, decode_as, encode};
use crate::graphql::pagination::{Conn, connection, page_request};
use crate::graphql::types::{Realignment, Territory};
use crate::graphql::{ApiError, RequestContext, UserError};

/// What applying a one-change realignment gave: the realignment, or the user errors.
struct Outcome {
    realignment: Option<Realignment>,
    user_errors: Vec<UserError>,
}

/// Applies one change as a realignment. A change to a territory that does not exist in the
/// caller's tenant is a top-level NOT_FOUND, exactly as for an id that exists nowhere.
async fn apply_one(ctx: &Context<'_>, parsed: Parsed) -> Result<Outcome, ApiError> {
    let (changes, reason, title) = match parsed {
        Ok(parsed) => parsed,
        Err(user_errors) => {
            return Ok(Outcome {
                realignment: None,
                user_errors,
            });
        }
    };
    let request = RequestContext::of(ctx)?;
    let scope = request.scope()?;
    let realignment = RealignmentRequest {
        title,
        reason,
        changes,
    };
    match scope
        .apply_realignment(realignment, &request.write_context()?)
        .await?
    {
        Ok(applied) => Ok(Outcome {
            realignment: Some(Realignment(applied.realignment)),
            user_errors: vec![],
        }),
        Err(problems) if problems.iter().any(|p| p.code == ProblemCode::NotFound) => {
            Err(ApiError::NotFound("territory"))
        }
        Err(problems) => Ok(Outcome {
            realignment: None,
            user_errors: problems.into_iter().map(UserError::from).collect(),
        }),
    }
}

/// The territory's state after a successful change.
async fn reload(
    ctx: &Context<'_>,
    outcome: &Outcome,
    id: TerritoryId,
) -> Result<Option<Territory>, ApiError> {
    if outcome.realignment.is_none() {
        return Ok(None);
    }
    Ok(RequestContext::of(ctx)?
        .scope()?
        .territory(id)
        .await?
        .map(Territory))
}

/// Applies a change to territory `id` and answers with the territory as it now stands.
async fn apply_and_reload(
    ctx: &Context<'_>,
    id: TerritoryId,
    parsed: Parsed,
) -> Result<TerritoryPayload> {
    let outcome = apply_one(ctx, parsed).await?;
    let territory = reload(ctx, &outcome, id).await?;
    Ok(TerritoryPayload {
        territory,
        realignment: outcome.realignment,
        user_errors: outcome.user_errors,
    })
}

/// Territory queries.
#[derive(Default)]
pub struct TerritoryQuery;

#[Object]
impl TerritoryQuery {
    /// One territory; null when it does not exist in your tenant.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn territory(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Territory>> {
        let id: TerritoryId = decode_as(&id, NodeKind::Territory)?;
        Ok(load_record(ctx, id).await?.map(Territory))
    }

    /// Territories in creation order, optionally only the children of `parentId` or those whose
    /// name or code contains `search`.
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAlignment)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn territories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        parent_id: Option<ID>,
        search: Option<String>,
    ) -> Result<Conn<Territory>> {
        let page = page_request(first, after, |k| k.parse::<TerritoryId>().ok())?;
        let had_cursor = page.after.is_some();
        let filter = TerritoryFilter {
            parent_id: parse_optional_id(parent_id.as_ref())?,
            search,
        };
        let rows = RequestContext::of(ctx)?
            .scope()?
            .territories(&filter, page)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(
            rows,
            had_cursor,
            |t| t.territory.id.to_string(),
            Territory,
        ))
    }

    /// One realignment; null when it does not exist in your tenant.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn realignment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Realignment>> {
        let id: RealignmentId = decode_as(&id, NodeKind::Realignment)?;
        Ok(load_record(ctx, id).await?.map(Realignment))
    }
}

/// Territory mutations.
#[derive(Default)]
pub struct TerritoryMutation;

#[Object]
impl TerritoryMutation {
    /// Create a territory.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn create_territory(
        &self,
        ctx: &Context<'_>,
        input: CreateTerritoryInput,
    ) -> Result<TerritoryPayload> {
        let parsed = input.into_change()?;
        let id = parsed
            .as_ref()
            .ok()
            .and_then(|(c, _, _)| c.first().and_then(Change::territory_id));
        let outcome = apply_one(ctx, parsed).await?;
        let territory = match id {
            Some(id) => reload(ctx, &outcome, id).await?,
            None => None,
        };
        Ok(TerritoryPayload {
            territory,
            realignment: outcome.realignment,
            user_errors: outcome.user_errors,
        })
    }

    /// Rename, re-code or re-draw a territory.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn update_territory(
        &self,
        ctx: &Context<'_>,
        input: UpdateTerritoryInput,
    ) -> Result<TerritoryPayload> {
        let id: TerritoryId = decode_as(&input.id, NodeKind::Territory)?;
        apply_and_reload(ctx, id, input.into_change()?).await
    }

    /// Move a territory, with everything under it, under another parent (or to the top).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn move_territory(
        &self,
        ctx: &Context<'_>,
        input: MoveTerritoryInput,
    ) -> Result<TerritoryPayload> {
        let id: TerritoryId = decode_as(&input.id, NodeKind::Territory)?;
        apply_and_reload(ctx, id, input.into_change()?).await
    }

    /// Delete a territory; refused while it has children, or accounts unless
    /// `reassignAccountsTo` names where they go (in the same realignment).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn delete_territory(
        &self,
        ctx: &Context<'_>,
        input: DeleteTerritoryInput,
    ) -> Result<DeleteTerritoryPayload> {
        let id: TerritoryId = decode_as(&input.id, NodeKind::Territory)?;
        let target = parse_optional_id(input.reassign_accounts_to.as_ref())?;
        let mut parsed = input.into_change()?;
        if let (Some(target), Ok((changes, _, _))) = (target, &mut parsed) {
            let scope = RequestContext::of(ctx)?.scope()?;
            let to = Assignment {
                territory_id: target,
                source: Source::Manual,
                rule_id: None,
                pinned: false,
            };
            let moves = scope
                .account_ids_in(id)
                .await
                .map_err(ApiError::from)?
                .into_iter()
                .map(|account_id| AccountTarget {
                    account_id,
                    to: Some(to),
                })
                .collect();
            changes.insert(0, Change::AssignAccounts(AssignAccounts { moves }));
        }
        let outcome = apply_one(ctx, parsed).await?;
        let deleted_territory_id = outcome
            .realignment
            .as_ref()
            .map(|_| encode(NodeKind::Territory, id));
        Ok(DeleteTerritoryPayload {
            deleted_territory_id,
            realignment: outcome.realignment,
            user_errors: outcome.user_errors,
        })
    }
}
