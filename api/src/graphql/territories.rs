//! Territory queries and mutations. Every mutation is a realignment of one change, applied at
//! once through the store's single write path.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject};
use terrane_domain::identity::Permission;
use terrane_domain::ids::{RealignmentId, TerritoryId};
use terrane_domain::realignment::{
    Change, CreateTerritory, DeleteTerritory, MoveTerritory, ProblemCode, UpdateTerritory,
};
use terrane_domain::territory::{Boundary, TerritoryCode, TerritoryName};
use terrane_persistence::{RealignmentRequest, TerritoryFilter};

use super::ids::{NodeKind, decode_as, encode};
use super::pagination::{Conn, connection, page_request};
use super::types::{Realignment, Territory};
use super::{ApiError, RequestContext, UserError};
use crate::auth::RoleGuard;

/// Longest reason a change may carry.
const MAX_REASON_CHARS: usize = 2_000;

/// Create a territory.
#[derive(InputObject)]
pub struct CreateTerritoryInput {
    /// Display name.
    pub name: String,
    /// Code, unique in the tenant: letters, digits, `-`, `_`, `.`; stored upper-case.
    pub code: String,
    /// Parent territory; a root when null.
    pub parent_id: Option<ID>,
    /// GeoJSON Polygon or MultiPolygon.
    pub boundary: Option<Json<serde_json::Value>>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Change a territory's name, code or boundary. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateTerritoryInput {
    /// The territory.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New code.
    pub code: Option<String>,
    /// New boundary; null removes it.
    pub boundary: MaybeUndefined<Json<serde_json::Value>>,
    /// Refuse with STALE_VERSION unless the territory is still at this version.
    pub expected_version: Option<i64>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Move a territory (with its subtree) under another parent.
#[derive(InputObject)]
pub struct MoveTerritoryInput {
    /// The territory.
    pub id: ID,
    /// The new parent; null makes it a root.
    pub parent_id: Option<ID>,
    /// Refuse with STALE_VERSION unless the territory is still at this version.
    pub expected_version: Option<i64>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Delete a territory that has no children.
#[derive(InputObject)]
pub struct DeleteTerritoryInput {
    /// The territory.
    pub id: ID,
    /// Refuse with STALE_VERSION unless the territory is still at this version.
    pub expected_version: Option<i64>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// The territory after a change.
#[derive(SimpleObject)]
pub struct TerritoryPayload {
    /// The territory; null when refused.
    pub territory: Option<Territory>,
    /// The realignment that made the change.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// The outcome of a delete.
#[derive(SimpleObject)]
pub struct DeleteTerritoryPayload {
    /// The id of the deleted territory; null when refused.
    pub deleted_territory_id: Option<ID>,
    /// The realignment that made the change.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

fn parse_reason(reason: Option<String>, errors: &mut Vec<UserError>) -> Option<String> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())?;
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.push(UserError::invalid(
            "reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Some(reason)
}

fn parse_boundary(value: &serde_json::Value, errors: &mut Vec<UserError>) -> Option<Boundary> {
    Boundary::from_geojson(value)
        .map_err(|e| {
            errors.push(UserError::new(
                "boundary",
                "INVALID_BOUNDARY",
                e.to_string(),
            ))
        })
        .ok()
}

fn parse_optional_id(id: Option<&ID>) -> Result<Option<TerritoryId>, ApiError> {
    id.map(|id| decode_as(id, NodeKind::Territory)).transpose()
}

/// A validated change, its reason and a title, or the input errors.
type Parsed = Result<(Change, Option<String>, String), Vec<UserError>>;

impl CreateTerritoryInput {
    fn into_change(self) -> Result<Parsed, ApiError> {
        let parent_id = parse_optional_id(self.parent_id.as_ref())?;
        let mut errors = Vec::new();
        let name = TerritoryName::parse(&self.name)
            .map_err(|e| errors.push(UserError::invalid("name", e)))
            .ok();
        let code = TerritoryCode::parse(&self.code)
            .map_err(|e| errors.push(UserError::invalid("code", e)))
            .ok();
        let boundary = self
            .boundary
            .as_ref()
            .map(|b| parse_boundary(&b.0, &mut errors));
        let reason = parse_reason(self.reason, &mut errors);
        Ok(match (name, code, boundary) {
            (Some(name), Some(code), boundary) if errors.is_empty() => {
                let title = format!("Create territory {code}");
                let change = CreateTerritory {
                    id: TerritoryId::new(),
                    name,
                    code,
                    parent_id,
                    boundary: boundary.flatten(),
                };
                Ok((Change::CreateTerritory(change), reason, title))
            }
            _ => Err(errors),
        })
    }
}

impl UpdateTerritoryInput {
    fn into_change(self) -> Result<Parsed, ApiError> {
        let id: TerritoryId = decode_as(&self.id, NodeKind::Territory)?;
        let mut errors = Vec::new();
        let name = self.name.map(|n| {
            TerritoryName::parse(&n)
                .map_err(|e| errors.push(UserError::invalid("name", e)))
                .ok()
        });
        let code = self.code.map(|c| {
            TerritoryCode::parse(&c)
                .map_err(|e| errors.push(UserError::invalid("code", e)))
                .ok()
        });
        let boundary = match &self.boundary {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(b) => Some(parse_boundary(&b.0, &mut errors)),
        };
        let reason = parse_reason(self.reason, &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let change = UpdateTerritory {
            id,
            name: name.flatten(),
            code: code.flatten(),
            boundary,
            expected_version: self.expected_version,
        };
        Ok(Ok((
            Change::UpdateTerritory(change),
            reason,
            "Update territory".to_owned(),
        )))
    }
}

impl MoveTerritoryInput {
    fn into_change(self) -> Result<Parsed, ApiError> {
        let id: TerritoryId = decode_as(&self.id, NodeKind::Territory)?;
        let parent_id = parse_optional_id(self.parent_id.as_ref())?;
        let mut errors = Vec::new();
        let reason = parse_reason(self.reason, &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let change = MoveTerritory {
            id,
            parent_id,
            expected_version: self.expected_version,
        };
        Ok(Ok((
            Change::MoveTerritory(change),
            reason,
            "Move territory".to_owned(),
        )))
    }
}

impl DeleteTerritoryInput {
    fn into_change(self) -> Result<Parsed, ApiError> {
        let id: TerritoryId = decode_as(&self.id, NodeKind::Territory)?;
        let mut errors = Vec::new();
        let reason = parse_reason(self.reason, &mut errors);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let change = DeleteTerritory {
            id,
            expected_version: self.expected_version,
        };
        Ok(Ok((
            Change::DeleteTerritory(change),
            reason,
            "Delete territory".to_owned(),
        )))
    }
}

/// What applying a one-change realignment gave: the realignment, or the user errors.
struct Outcome {
    realignment: Option<Realignment>,
    user_errors: Vec<UserError>,
}

/// Applies one change as a realignment. A change to a territory that does not exist in the
/// caller's tenant is a top-level NOT_FOUND, exactly as for an id that exists nowhere.
async fn apply_one(ctx: &Context<'_>, parsed: Parsed) -> Result<Outcome, ApiError> {
    let (change, reason, title) = match parsed {
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
        changes: vec![change],
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

/// Territory queries.
#[derive(Default)]
pub struct TerritoryQuery;

#[Object]
impl TerritoryQuery {
    /// One territory; null when it does not exist in your tenant.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn territory(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Territory>> {
        let id: TerritoryId = decode_as(&id, NodeKind::Territory)?;
        let loaders = RequestContext::of(ctx)?.loaders()?;
        Ok(loaders
            .records
            .load_one(id)
            .await
            .map_err(ApiError::from)?
            .map(Territory))
    }

    /// Territories in creation order, optionally only the children of `parentId` or those whose
    /// name or code contains `search`.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
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
        let loaders = RequestContext::of(ctx)?.loaders()?;
        Ok(loaders
            .records
            .load_one(id)
            .await
            .map_err(ApiError::from)?
            .map(Realignment))
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
        let id = parsed.as_ref().ok().map(|(c, _, _)| c.territory_id());
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
        let outcome = apply_one(ctx, input.into_change()?).await?;
        let territory = reload(ctx, &outcome, id).await?;
        Ok(TerritoryPayload {
            territory,
            realignment: outcome.realignment,
            user_errors: outcome.user_errors,
        })
    }

    /// Move a territory, with everything under it, under another parent (or to the top).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn move_territory(
        &self,
        ctx: &Context<'_>,
        input: MoveTerritoryInput,
    ) -> Result<TerritoryPayload> {
        let id: TerritoryId = decode_as(&input.id, NodeKind::Territory)?;
        let outcome = apply_one(ctx, input.into_change()?).await?;
        let territory = reload(ctx, &outcome, id).await?;
        Ok(TerritoryPayload {
            territory,
            realignment: outcome.realignment,
            user_errors: outcome.user_errors,
        })
    }

    /// Delete a territory; refused while it has children.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn delete_territory(
        &self,
        ctx: &Context<'_>,
        input: DeleteTerritoryInput,
    ) -> Result<DeleteTerritoryPayload> {
        let id: TerritoryId = decode_as(&input.id, NodeKind::Territory)?;
        let outcome = apply_one(ctx, input.into_change()?).await?;
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
