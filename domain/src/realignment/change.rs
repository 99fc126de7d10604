//! The typed changes a realignment holds. Values inside are already validated; whether they fit
//! the current state is decided by [`super::apply`].

use serde_json::{Value, json};

use crate::account::Amount;
use crate::assignment::Assignment;
use crate::ids::{AccountId, RepId, TerritoryId};
use crate::quota::QuotaKey;
use crate::rep::MemberRole;
use crate::territory::{Boundary, Territory, TerritoryCode, TerritoryName};

/// One change to alignment state.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Create a territory.
    CreateTerritory(CreateTerritory),
    /// Rename, re-code or re-draw a territory.
    UpdateTerritory(UpdateTerritory),
    /// Put a territory (and its subtree) under another parent, or make it a root.
    MoveTerritory(MoveTerritory),
    /// Delete a territory that has no children.
    DeleteTerritory(DeleteTerritory),
    /// Put accounts into territories (or take them out of any).
    AssignAccounts(AssignAccounts),
    /// Set several territories back to given states at once (how a revert undoes territory
    /// changes: swapped codes or parents only make sense restored together).
    RestoreTerritories(RestoreTerritories),
    /// Give a rep a role on a territory, or take it away.
    SetMember(SetMember),
    /// Set a territory's quota for a period, or clear it.
    SetQuota(SetQuota),
}

/// A rep's role on a territory from now on: `Some` assigns (or changes the role), `None`
/// unassigns. A territory has at most one OWNER at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetMember {
    /// The territory.
    pub territory_id: TerritoryId,
    /// The rep.
    pub rep_id: RepId,
    /// The role, or `None` to take the rep off the territory.
    pub role: Option<MemberRole>,
    /// The role the rep is expected to have on the territory now (`Some(None)`: none), when the
    /// caller planned against one — a draft records it — so staffing someone changed since is
    /// a conflict. `None`: no expectation.
    pub expected: Option<Option<MemberRole>>,
}

/// A territory's quota for one period and metric: `Some` sets it, `None` clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetQuota {
    /// Which quota.
    pub key: QuotaKey,
    /// The amount, or `None` to clear it.
    pub amount: Option<Amount>,
    /// The amount it is expected to have now (`Some(None)`: not set), when the caller planned
    /// against one — a draft records it — so a quota someone changed since is a conflict, not
    /// silently overwritten. `None`: no expectation.
    pub expected: Option<Option<Amount>>,
}

/// Territories and accounts to set back, all at once: each territory to a whole state (`Some`
/// re-creates or rewrites it, its version still moving forward; `None` deletes it), each account
/// to a place. Checked as a whole, on the result: codes unique, parents present, no cycle, depth
/// within the limit, every account's territory present, deleted territories left empty. (Undoing
/// a realignment step by step can pass through impossible states, e.g. two swapped codes.)
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreTerritories {
    /// The territories and the states they get.
    pub territories: Vec<(TerritoryId, Option<Territory>)>,
    /// The accounts and the places they get.
    pub accounts: Vec<AccountTarget>,
}

/// Where each of some accounts should now be.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignAccounts {
    /// One entry per account; an account listed twice ends where its last entry says.
    pub moves: Vec<AccountTarget>,
}

/// One account's new place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountTarget {
    /// The account.
    pub account_id: AccountId,
    /// Its new assignment; `None` leaves it unassigned.
    pub to: Option<Assignment>,
}

/// Create a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTerritory {
    /// The id it will have (chosen up front so a realignment can refer to it).
    pub id: TerritoryId,
    /// Name.
    pub name: TerritoryName,
    /// Code, unique in the tenant.
    pub code: TerritoryCode,
    /// Parent, or `None` for a root.
    pub parent_id: Option<TerritoryId>,
    /// Boundary, if any.
    pub boundary: Option<Boundary>,
}

/// Change a territory's own fields. `None` leaves a field alone.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateTerritory {
    /// Which territory.
    pub id: TerritoryId,
    /// New name.
    pub name: Option<TerritoryName>,
    /// New code.
    pub code: Option<TerritoryCode>,
    /// New boundary; `Some(None)` removes it.
    pub boundary: Option<Option<Boundary>>,
    /// Refuse with `STALE_VERSION` unless the territory is at this version.
    pub expected_version: Option<i64>,
}

/// Move a territory under a new parent.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveTerritory {
    /// Which territory.
    pub id: TerritoryId,
    /// New parent, or `None` to make it a root.
    pub parent_id: Option<TerritoryId>,
    /// Refuse with `STALE_VERSION` unless the territory is at this version.
    pub expected_version: Option<i64>,
}

/// Delete a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteTerritory {
    /// Which territory.
    pub id: TerritoryId,
    /// Refuse with `STALE_VERSION` unless the territory is at this version.
    pub expected_version: Option<i64>,
}

impl Change {
    /// The audit action this change produces.
    pub fn action(&self) -> &'static str {
        match self {
            Change::CreateTerritory(_) => "territory.created",
            Change::UpdateTerritory(_) => "territory.updated",
            Change::MoveTerritory(_) => "territory.moved",
            Change::DeleteTerritory(_) => "territory.deleted",
            Change::AssignAccounts(_) => "accounts.assigned",
            Change::RestoreTerritories(_) => "territory.restored",
            Change::SetMember(c) if c.role.is_some() => "member.assigned",
            Change::SetMember(_) => "member.unassigned",
            Change::SetQuota(c) if c.amount.is_some() => "quota.set",
            Change::SetQuota(_) => "quota.cleared",
        }
    }

    /// The territory this change is about, for changes about one territory.
    pub fn territory_id(&self) -> Option<TerritoryId> {
        match self {
            Change::CreateTerritory(c) => Some(c.id),
            Change::UpdateTerritory(c) => Some(c.id),
            Change::MoveTerritory(c) => Some(c.id),
            Change::DeleteTerritory(c) => Some(c.id),
            Change::SetMember(c) => Some(c.territory_id),
            Change::SetQuota(c) => Some(c.key.territory_id),
            Change::AssignAccounts(_) | Change::RestoreTerritories(_) => None,
        }
    }

    /// The accounts this change moves (the store loads their current assignments).
    pub fn account_ids(&self) -> Vec<AccountId> {
        match self {
            Change::AssignAccounts(c) => c.moves.iter().map(|m| m.account_id).collect(),
            Change::RestoreTerritories(c) => c.accounts.iter().map(|m| m.account_id).collect(),
            _ => vec![],
        }
    }

    /// A JSON description, as stored with the realignment.
    pub fn to_json(&self) -> Value {
        match self {
            Change::CreateTerritory(c) => json!({
                "type": "createTerritory",
                "id": c.id,
                "name": c.name.as_str(),
                "code": c.code.as_str(),
                "parentId": c.parent_id,
                "boundary": c.boundary.as_ref().map(Boundary::to_geojson_value),
            }),
            Change::UpdateTerritory(c) => {
                let mut v = json!({ "type": "updateTerritory", "id": c.id });
                if let Some(name) = &c.name {
                    v["name"] = json!(name.as_str());
                }
                if let Some(code) = &c.code {
                    v["code"] = json!(code.as_str());
                }
                if let Some(boundary) = &c.boundary {
                    v["boundary"] = json!(boundary.as_ref().map(Boundary::to_geojson_value));
                }
                if let Some(expected) = c.expected_version {
                    v["expectedVersion"] = json!(expected);
                }
                v
            }
            Change::MoveTerritory(c) => json!({
                "type": "moveTerritory",
                "id": c.id,
                "parentId": c.parent_id,
                "expectedVersion": c.expected_version,
            }),
            Change::DeleteTerritory(c) => json!({
                "type": "deleteTerritory",
                "id": c.id,
                "expectedVersion": c.expected_version,
            }),
            Change::AssignAccounts(c) => json!({
                "type": "assignAccounts",
                "count": c.moves.len(),
            }),
            Change::RestoreTerritories(c) => json!({
                "type": "restoreTerritories",
                "territories": c.territories.iter().map(|(id, state)| json!({
                    "id": id,
                    "state": state.as_ref().map(Territory::snapshot),
                })).collect::<Vec<_>>(),
                "accounts": c.accounts.len(),
            }),
            Change::SetMember(c) => json!({
                "type": if c.role.is_some() { "assignRep" } else { "unassignRep" },
                "territoryId": c.territory_id,
                "repId": c.rep_id,
                "role": c.role.map(MemberRole::as_str),
            }),
            Change::SetQuota(c) => json!({
                "type": "setQuota",
                "territoryId": c.key.territory_id,
                "period": c.key.period.label(),
                "metric": c.key.metric.as_str(),
                "amount": c.amount.map(|a| a.value().to_string()),
            }),
        }
    }
}
