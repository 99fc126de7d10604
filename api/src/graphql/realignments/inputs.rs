//! Inputs of the realignment workflow: the typed change a draft holds (a `@oneOf` input), its
//! conversion into a validated planned change, and the payloads.

use async_graphql::{ID, InputObject, Json, MaybeUndefined, OneofObject, SimpleObject};
use chrono::{DateTime, Utc};
use terrane_domain::account::Amount;
use terrane_domain::ids::{AccountId, TerritoryId};
use terrane_domain::quota::{Period, QuotaKey};
use terrane_domain::realignment::{
    CreateTerritory, DeletePlan, MergeTerritories, MoveAccounts, MoveTerritory, PlanChange,
    Problem, RerunAssignment, SetMember, SetQuota, SplitTerritory, UpdateTerritory,
};
use terrane_domain::territory::{TerritoryCode, TerritoryName};

use crate::graphql::ids::{NodeKind, decode_as};
use crate::graphql::territories::parse_boundary;
use crate::graphql::types::{Realignment, RealignmentChange};
use crate::graphql::{ApiError, UserError};

/// Most accounts one `moveAccounts` change may name.
const MAX_ACCOUNTS_PER_CHANGE: usize = 100_000;

/// One change of a draft realignment: exactly one field is set.
#[derive(OneofObject)]
pub enum RealignmentChangeInput {
    /// Move accounts into a territory (or out of every territory).
    MoveAccounts(MoveAccountsChange),
    /// Create a territory (its id is in the added change's `territoryId`).
    CreateTerritory(CreateTerritoryChange),
    /// Rename, re-code or re-draw a territory.
    UpdateTerritory(UpdateTerritoryChange),
    /// Put a territory under another parent (null: make it a root).
    MoveTerritory(MoveTerritoryChange),
    /// Delete a territory, its accounts going to `reassignAccountsTo` if given.
    DeleteTerritory(DeleteTerritoryChange),
    /// Fold `fromId` into `intoId`: accounts, children and boundary (union) go to `into`.
    MergeTerritories(MergeTerritoriesChange),
    /// Cut the part of a territory inside `boundary` into a new sibling, with its accounts.
    SplitTerritory(SplitTerritoryChange),
    /// Decide the accounts of a territory's subtree again with the engine (pins stay).
    RerunAssignment(RerunAssignmentChange),
    /// Give a rep a role on a territory (one OWNER per territory).
    AssignRep(AssignRepChange),
    /// Take a rep off a territory.
    UnassignRep(UnassignRepChange),
    /// Set a territory's quota for a period.
    SetQuota(SetQuotaChange),
}

/// Give a rep a role on a territory.
#[derive(InputObject)]
pub struct AssignRepChange {
    /// The territory.
    pub territory_id: ID,
    /// The rep.
    pub rep_id: ID,
    /// OWNER or OVERLAY.
    pub role: crate::graphql::types::MemberRole,
}

/// Take a rep off a territory.
#[derive(InputObject)]
pub struct UnassignRepChange {
    /// The territory.
    pub territory_id: ID,
    /// The rep.
    pub rep_id: ID,
}

/// Set a territory's quota for a period.
#[derive(InputObject)]
pub struct SetQuotaChange {
    /// The territory.
    pub territory_id: ID,
    /// `FY2027`, `FY2027-Q1` or `FY2027-M01`.
    pub period: String,
    /// What it counts.
    #[graphql(default)]
    pub metric: crate::graphql::types::Metric,
    /// The amount (zero or more, at most two decimals).
    pub amount: rust_decimal::Decimal,
}

/// Move accounts.
#[derive(InputObject)]
pub struct MoveAccountsChange {
    /// The accounts.
    pub account_ids: Vec<ID>,
    /// Where they go; null leaves them unassigned.
    pub to_territory_id: Option<ID>,
    /// Pin them there.
    #[graphql(default)]
    pub pin: bool,
}

/// Create a territory.
#[derive(InputObject)]
pub struct CreateTerritoryChange {
    /// Name.
    pub name: String,
    /// Code, unique in the tenant.
    pub code: String,
    /// Parent; a root when null.
    pub parent_id: Option<ID>,
    /// GeoJSON Polygon or MultiPolygon.
    pub boundary: Option<Json<serde_json::Value>>,
}

/// Update a territory. Omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateTerritoryChange {
    /// The territory.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New code.
    pub code: Option<String>,
    /// New boundary; null removes it.
    pub boundary: MaybeUndefined<Json<serde_json::Value>>,
    /// The version planned against (default: its version when the change is added).
    pub expected_version: Option<i64>,
}

/// Move a territory.
#[derive(InputObject)]
pub struct MoveTerritoryChange {
    /// The territory.
    pub id: ID,
    /// New parent; null makes it a root.
    pub parent_id: Option<ID>,
    /// The version planned against (default: its version when the change is added).
    pub expected_version: Option<i64>,
}

/// Delete a territory.
#[derive(InputObject)]
pub struct DeleteTerritoryChange {
    /// The territory.
    pub id: ID,
    /// Where its accounts go (placed by hand, not pinned).
    pub reassign_accounts_to: Option<ID>,
    /// The version planned against (default: its version when the change is added).
    pub expected_version: Option<i64>,
}

/// Merge two territories.
#[derive(InputObject)]
pub struct MergeTerritoriesChange {
    /// The territory that disappears.
    pub from_id: ID,
    /// The territory that takes over.
    pub into_id: ID,
}

/// Split a territory.
#[derive(InputObject)]
pub struct SplitTerritoryChange {
    /// The territory (it must have a boundary).
    pub id: ID,
    /// The part to cut off, GeoJSON Polygon or MultiPolygon.
    pub boundary: Json<serde_json::Value>,
    /// The new territory's name.
    pub new_name: String,
    /// The new territory's code.
    pub new_code: String,
}

/// Re-run the engine.
#[derive(InputObject)]
pub struct RerunAssignmentChange {
    /// The territory whose subtree's accounts are decided again.
    pub territory_id: ID,
}

fn territory(id: &ID) -> Result<TerritoryId, ApiError> {
    decode_as(id, NodeKind::Territory)
}

fn optional(id: Option<&ID>) -> Result<Option<TerritoryId>, ApiError> {
    id.map(territory).transpose()
}

/// A user error on `input.changes.<index>.<field>`.
pub(super) fn change_error(index: usize, field: &str, code: &str, message: String) -> UserError {
    UserError {
        field: Some(vec![
            "input".to_owned(),
            "changes".to_owned(),
            index.to_string(),
            field.to_owned(),
        ]),
        message,
        code: code.to_owned(),
    }
}

/// A problem with a planned change, pointing at that change.
pub(crate) fn plan_error(p: Problem) -> UserError {
    let field = p.field.first().cloned().unwrap_or_default();
    change_error(p.change_index, &field, p.code.as_str(), p.message)
}

impl RealignmentChangeInput {
    /// The validated change, or what is wrong with it (paths under `input.changes.<index>`).
    /// Malformed ids are top-level errors, like everywhere else.
    pub(super) fn into_plan(
        self,
        index: usize,
        errors: &mut Vec<UserError>,
    ) -> Result<Option<PlanChange>, ApiError> {
        let mut invalid = |field: &str, message: String| {
            errors.push(change_error(index, field, "VALIDATION", message));
        };
        let name = |field: &str, text: &str, invalid: &mut dyn FnMut(&str, String)| {
            TerritoryName::parse(text)
                .map_err(|e| invalid(field, e.to_string()))
                .ok()
        };
        let code = |field: &str, text: &str, invalid: &mut dyn FnMut(&str, String)| {
            TerritoryCode::parse(text)
                .map_err(|e| invalid(field, e.to_string()))
                .ok()
        };
        let boundary = |value: &serde_json::Value, invalid: &mut dyn FnMut(&str, String)| {
            let mut found = Vec::new();
            let parsed = parse_boundary(value, &mut found);
            for e in found {
                invalid("boundary", e.message);
            }
            parsed
        };
        Ok(match self {
            RealignmentChangeInput::MoveAccounts(c) => {
                if c.account_ids.is_empty() || c.account_ids.len() > MAX_ACCOUNTS_PER_CHANGE {
                    invalid(
                        "accountIds",
                        format!("name between 1 and {MAX_ACCOUNTS_PER_CHANGE} accounts"),
                    );
                    return Ok(None);
                }
                let account_ids = c
                    .account_ids
                    .iter()
                    .map(|id| decode_as::<AccountId>(id, NodeKind::Account))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(PlanChange::MoveAccounts(MoveAccounts {
                    account_ids,
                    to: optional(c.to_territory_id.as_ref())?,
                    pin: c.pin,
                    expected_from: vec![],
                }))
            }
            RealignmentChangeInput::CreateTerritory(c) => {
                let parent_id = optional(c.parent_id.as_ref())?;
                let name = name("name", &c.name, &mut invalid);
                let code = code("code", &c.code, &mut invalid);
                let boundary = c.boundary.as_ref().map(|b| boundary(&b.0, &mut invalid));
                match (name, code, boundary) {
                    (Some(name), Some(code), None) => Some((name, code, None)),
                    (Some(name), Some(code), Some(Some(b))) => Some((name, code, Some(b))),
                    _ => None,
                }
                .map(|(name, code, boundary)| {
                    PlanChange::CreateTerritory(CreateTerritory {
                        id: TerritoryId::new(),
                        name,
                        code,
                        parent_id,
                        boundary,
                    })
                })
            }
            RealignmentChangeInput::UpdateTerritory(c) => {
                let id = territory(&c.id)?;
                let name = c.name.as_deref().map(|n| name("name", n, &mut invalid));
                let code = c.code.as_deref().map(|n| code("code", n, &mut invalid));
                let boundary = match &c.boundary {
                    MaybeUndefined::Undefined => None,
                    MaybeUndefined::Null => Some(None),
                    MaybeUndefined::Value(b) => Some(boundary(&b.0, &mut invalid)),
                };
                let broken = matches!(name, Some(None))
                    || matches!(code, Some(None))
                    || matches!(&c.boundary, MaybeUndefined::Value(_))
                        && matches!(boundary, Some(None));
                (!broken).then(|| {
                    PlanChange::UpdateTerritory(UpdateTerritory {
                        id,
                        name: name.flatten(),
                        code: code.flatten(),
                        boundary,
                        expected_version: c.expected_version,
                    })
                })
            }
            RealignmentChangeInput::MoveTerritory(c) => {
                Some(PlanChange::MoveTerritory(MoveTerritory {
                    id: territory(&c.id)?,
                    parent_id: optional(c.parent_id.as_ref())?,
                    expected_version: c.expected_version,
                }))
            }
            RealignmentChangeInput::DeleteTerritory(c) => {
                Some(PlanChange::DeleteTerritory(DeletePlan {
                    id: territory(&c.id)?,
                    reassign_accounts_to: optional(c.reassign_accounts_to.as_ref())?,
                    expected_version: c.expected_version,
                }))
            }
            RealignmentChangeInput::MergeTerritories(c) => {
                Some(PlanChange::MergeTerritories(MergeTerritories {
                    from_id: territory(&c.from_id)?,
                    into_id: territory(&c.into_id)?,
                    from_version: None,
                    into_version: None,
                }))
            }
            RealignmentChangeInput::SplitTerritory(c) => {
                let id = territory(&c.id)?;
                let name = name("newName", &c.new_name, &mut invalid);
                let code = code("newCode", &c.new_code, &mut invalid);
                let cut = boundary(&c.boundary.0, &mut invalid);
                match (name, code, cut) {
                    (Some(new_name), Some(new_code), Some(boundary)) => {
                        Some(PlanChange::SplitTerritory(SplitTerritory {
                            id,
                            new_id: TerritoryId::new(),
                            boundary,
                            new_name,
                            new_code,
                            expected_version: None,
                        }))
                    }
                    _ => None,
                }
            }
            RealignmentChangeInput::RerunAssignment(c) => {
                Some(PlanChange::RerunAssignment(RerunAssignment {
                    territory_id: Some(territory(&c.territory_id)?),
                }))
            }
            RealignmentChangeInput::AssignRep(c) => Some(PlanChange::SetMember(SetMember {
                expected: None,
                territory_id: territory(&c.territory_id)?,
                rep_id: decode_as(&c.rep_id, NodeKind::Rep)?,
                role: Some(c.role.into()),
            })),
            RealignmentChangeInput::UnassignRep(c) => Some(PlanChange::SetMember(SetMember {
                expected: None,
                territory_id: territory(&c.territory_id)?,
                rep_id: decode_as(&c.rep_id, NodeKind::Rep)?,
                role: None,
            })),
            RealignmentChangeInput::SetQuota(c) => {
                let territory_id = territory(&c.territory_id)?;
                let period = Period::parse(&c.period)
                    .map_err(|e| {
                        errors.push(change_error(
                            index,
                            "period",
                            "UNKNOWN_PERIOD",
                            e.to_string(),
                        ))
                    })
                    .ok();
                let amount = Amount::new(c.amount)
                    .map_err(|e| {
                        errors.push(change_error(
                            index,
                            "amount",
                            "INVALID_AMOUNT",
                            format!("amount: {e}"),
                        ))
                    })
                    .ok();
                match (period, amount) {
                    (Some(period), Some(amount)) => Some(PlanChange::SetQuota(SetQuota {
                        expected: None,
                        key: QuotaKey {
                            territory_id,
                            period,
                            metric: c.metric.into(),
                        },
                        amount: Some(amount),
                    })),
                    _ => None,
                }
            }
        })
    }
}

/// Open a draft realignment.
#[derive(InputObject)]
pub struct CreateRealignmentInput {
    /// Short title.
    pub title: String,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Add changes to a draft.
#[derive(InputObject)]
pub struct AddRealignmentChangesInput {
    /// The draft.
    pub realignment_id: ID,
    /// The changes, appended in order.
    pub changes: Vec<RealignmentChangeInput>,
}

/// Remove one change from a draft.
#[derive(InputObject)]
pub struct RemoveRealignmentChangeInput {
    /// The draft.
    pub realignment_id: ID,
    /// The change (its `id`).
    pub change_id: ID,
}

/// Apply a draft now, or schedule it.
#[derive(InputObject)]
pub struct ApplyRealignmentInput {
    /// The draft.
    pub id: ID,
    /// When it takes effect; in the future, the realignment is SCHEDULED and the server applies
    /// it then. Omitted: applied now. A time not in the future is refused (INVALID_EFFECTIVE_AT).
    pub effective_at: Option<DateTime<Utc>>,
}

/// Revert an applied realignment.
#[derive(InputObject)]
pub struct RevertRealignmentInput {
    /// The realignment to revert.
    pub id: ID,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Discard a draft or scheduled realignment.
#[derive(InputObject)]
pub struct DiscardRealignmentInput {
    /// The realignment.
    pub id: ID,
}

/// A realignment after a workflow step.
#[derive(SimpleObject)]
pub struct RealignmentPayload {
    /// The realignment; null when refused.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// A draft after changes were added.
#[derive(SimpleObject)]
pub struct AddRealignmentChangesPayload {
    /// The draft; null when refused.
    pub realignment: Option<Realignment>,
    /// The changes just added, in order (with their ids and any new territory's id).
    pub added: Vec<RealignmentChange>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}
