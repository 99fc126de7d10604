//! Inputs and payloads of the territory mutations, and their conversion into validated
//! domain changes.

use async_graphql::{ID, InputObject, Json, MaybeUndefined, SimpleObject};
use terrane_domain::ids::TerritoryId;
use terrane_domain::realignment::{
    Change, CreateTerritory, DeleteTerritory, MoveTerritory, UpdateTerritory,
};
use terrane_domain::territory::{Boundary, TerritoryCode, TerritoryName};

use crate::graphql::ids::{NodeKind, decode_as};
use crate::graphql::types::{Realignment, Territory};
use crate::graphql::{ApiError, UserError};

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
    /// Where its accounts go (placed by hand, not pinned); without it, a territory that holds
    /// accounts is not deleted (HAS_ACCOUNTS).
    pub reassign_accounts_to: Option<ID>,
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

/// Longest reason a change may carry.
const MAX_REASON_CHARS: usize = 2_000;

pub(crate) fn parse_reason(reason: Option<String>, errors: &mut Vec<UserError>) -> Option<String> {
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

pub(crate) fn parse_boundary(
    value: &serde_json::Value,
    errors: &mut Vec<UserError>,
) -> Option<Boundary> {
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

pub(super) fn parse_optional_id(id: Option<&ID>) -> Result<Option<TerritoryId>, ApiError> {
    id.map(|id| decode_as(id, NodeKind::Territory)).transpose()
}

/// A validated change, its reason and a title, or the input errors.
pub(super) type Parsed = Result<(Vec<Change>, Option<String>, String), Vec<UserError>>;

impl CreateTerritoryInput {
    pub(super) fn into_change(self) -> Result<Parsed, ApiError> {
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
                Ok((vec![Change::CreateTerritory(change)], reason, title))
            }
            _ => Err(errors),
        })
    }
}

impl UpdateTerritoryInput {
    pub(super) fn into_change(self) -> Result<Parsed, ApiError> {
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
            vec![Change::UpdateTerritory(change)],
            reason,
            "Update territory".to_owned(),
        )))
    }
}

impl MoveTerritoryInput {
    pub(super) fn into_change(self) -> Result<Parsed, ApiError> {
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
            vec![Change::MoveTerritory(change)],
            reason,
            "Move territory".to_owned(),
        )))
    }
}

impl DeleteTerritoryInput {
    pub(super) fn into_change(self) -> Result<Parsed, ApiError> {
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
            vec![Change::DeleteTerritory(change)],
            reason,
            "Delete territory".to_owned(),
        )))
    }
}
