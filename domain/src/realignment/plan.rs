//! The changes a user plans in a draft realignment. They are higher-level than [`Change`]s
//! (merge two territories, split one along a boundary, re-run the engine over a subtree) and are
//! expanded into primitive changes against the state at the moment they are applied. Each keeps
//! the base it was planned against (territory versions, accounts' places), so applying a draft
//! after someone else changed the same things is refused as a conflict instead of overwriting.

use super::change::{CreateTerritory, MoveTerritory, SetMember, SetQuota, UpdateTerritory};
use super::state::AlignmentState;
use crate::ids::{AccountId, TerritoryId};
use crate::territory::{Boundary, TerritoryCode, TerritoryName};

/// One planned change.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanChange {
    /// Move accounts into a territory (or out of every territory).
    MoveAccounts(MoveAccounts),
    /// Create a territory.
    CreateTerritory(CreateTerritory),
    /// Rename, re-code or re-draw a territory.
    UpdateTerritory(UpdateTerritory),
    /// Put a territory under another parent.
    MoveTerritory(MoveTerritory),
    /// Delete a territory, its accounts going to another one if named.
    DeleteTerritory(DeletePlan),
    /// Fold one territory into another: its accounts, children and boundary go to `into`.
    MergeTerritories(MergeTerritories),
    /// Cut part of a territory off into a new sibling, with the accounts inside that part.
    SplitTerritory(SplitTerritory),
    /// Decide the accounts of a territory's subtree (or every account) again with the engine.
    RerunAssignment(RerunAssignment),
    /// Give a rep a role on a territory, or take it away (`assignRep` / `unassignRep`).
    SetMember(SetMember),
    /// Set a territory's quota for a period.
    SetQuota(SetQuota),
}

/// Move accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveAccounts {
    /// The accounts.
    pub account_ids: Vec<AccountId>,
    /// Where they go; `None` leaves them unassigned.
    pub to: Option<TerritoryId>,
    /// Pin them there (rules and boundaries no longer move them).
    pub pin: bool,
    /// Where each account was when the change was planned (`None`: unassigned).
    pub expected_from: Vec<(AccountId, Option<TerritoryId>)>,
}

/// Delete a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletePlan {
    /// Which territory.
    pub id: TerritoryId,
    /// Where its accounts go; without it, deleting a territory that holds accounts is refused.
    pub reassign_accounts_to: Option<TerritoryId>,
    /// The version it was planned against.
    pub expected_version: Option<i64>,
}

/// Merge `from_id` into `into_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeTerritories {
    /// The territory that disappears.
    pub from_id: TerritoryId,
    /// The territory that takes its accounts, children and boundary.
    pub into_id: TerritoryId,
    /// The version of `from_id` it was planned against.
    pub from_version: Option<i64>,
    /// The version of `into_id` it was planned against.
    pub into_version: Option<i64>,
}

/// Split a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitTerritory {
    /// The territory to split (it must have a boundary).
    pub id: TerritoryId,
    /// The id the new territory gets.
    pub new_id: TerritoryId,
    /// The part to cut off (intersected with the territory's boundary).
    pub boundary: Boundary,
    /// The new territory's name.
    pub new_name: TerritoryName,
    /// The new territory's code.
    pub new_code: TerritoryCode,
    /// The version it was planned against.
    pub expected_version: Option<i64>,
}

/// Re-run the assignment engine.
#[derive(Debug, Clone, PartialEq)]
pub struct RerunAssignment {
    /// Only the accounts now in this territory or below it; `None`: every account.
    pub territory_id: Option<TerritoryId>,
}

impl PlanChange {
    /// Records the base the change is planned against: current versions of the territories it
    /// edits (unless the client gave one) and the current place of each account it moves.
    /// `state` must know the accounts of a `MoveAccounts` change.
    pub fn with_base(mut self, state: &AlignmentState) -> Self {
        let version = |id: TerritoryId| state.territory(id).map(|t| t.version);
        match &mut self {
            PlanChange::MoveAccounts(c) => {
                c.expected_from = c
                    .account_ids
                    .iter()
                    .filter_map(|id| {
                        let place = state.assignment(*id)?;
                        Some((*id, place.map(|a| a.territory_id)))
                    })
                    .collect();
            }
            PlanChange::CreateTerritory(_) | PlanChange::RerunAssignment(_) => {}
            // The rules (one OWNER, live territory, active rep) are checked when applied; the
            // base is the rep's role there now.
            PlanChange::SetMember(c) => {
                c.expected = c
                    .expected
                    .or(Some(state.member_role(c.territory_id, c.rep_id)));
            }
            // `state` must know the quota (the store loads those a plan sets).
            PlanChange::SetQuota(c) => {
                c.expected = c.expected.or(Some(state.quota(&c.key)));
            }
            PlanChange::UpdateTerritory(c) => {
                c.expected_version = c.expected_version.or_else(|| version(c.id));
            }
            PlanChange::MoveTerritory(c) => {
                c.expected_version = c.expected_version.or_else(|| version(c.id));
            }
            PlanChange::DeleteTerritory(c) => {
                c.expected_version = c.expected_version.or_else(|| version(c.id));
            }
            PlanChange::MergeTerritories(c) => {
                c.from_version = c.from_version.or_else(|| version(c.from_id));
                c.into_version = c.into_version.or_else(|| version(c.into_id));
            }
            PlanChange::SplitTerritory(c) => {
                c.expected_version = c.expected_version.or_else(|| version(c.id));
            }
        }
        self
    }

    /// The territory versions this change was planned against: (territory, version, field).
    pub fn base_versions(&self) -> Vec<(TerritoryId, i64, &'static str)> {
        let at = |id, v: Option<i64>, field| v.map(|v| (id, v, field));
        match self {
            PlanChange::UpdateTerritory(c) => {
                at(c.id, c.expected_version, "id").into_iter().collect()
            }
            PlanChange::MoveTerritory(c) => {
                at(c.id, c.expected_version, "id").into_iter().collect()
            }
            PlanChange::DeleteTerritory(c) => {
                at(c.id, c.expected_version, "id").into_iter().collect()
            }
            PlanChange::SplitTerritory(c) => {
                at(c.id, c.expected_version, "id").into_iter().collect()
            }
            PlanChange::MergeTerritories(c) => [
                at(c.from_id, c.from_version, "fromId"),
                at(c.into_id, c.into_version, "intoId"),
            ]
            .into_iter()
            .flatten()
            .collect(),
            _ => vec![],
        }
    }

    /// The same change without its base (checked once, up front, against the state the whole
    /// plan starts from: a plan may change one territory twice).
    pub fn without_base(&self) -> PlanChange {
        let mut c = self.clone();
        match &mut c {
            PlanChange::MoveAccounts(m) => m.expected_from.clear(),
            PlanChange::UpdateTerritory(u) => u.expected_version = None,
            PlanChange::MoveTerritory(m) => m.expected_version = None,
            PlanChange::DeleteTerritory(d) => d.expected_version = None,
            PlanChange::SplitTerritory(s) => s.expected_version = None,
            PlanChange::MergeTerritories(m) => {
                m.from_version = None;
                m.into_version = None;
            }
            PlanChange::SetQuota(q) => q.expected = None,
            PlanChange::SetMember(m) => m.expected = None,
            PlanChange::CreateTerritory(_) | PlanChange::RerunAssignment(_) => {}
        }
        c
    }

    /// The accounts this change names explicitly (the store loads where they are).
    pub fn account_ids(&self) -> Vec<AccountId> {
        match self {
            PlanChange::MoveAccounts(c) => c.account_ids.clone(),
            _ => vec![],
        }
    }

    /// The territories whose accounts this change needs to know, with whether their whole
    /// subtree counts (the store loads those accounts, with their facts when `needs_facts`).
    pub fn account_territories(&self) -> Vec<(TerritoryId, bool)> {
        match self {
            PlanChange::DeleteTerritory(DeletePlan {
                id,
                reassign_accounts_to: Some(_),
                ..
            }) => vec![(*id, false)],
            PlanChange::MergeTerritories(c) => vec![(c.from_id, false)],
            PlanChange::SplitTerritory(c) => vec![(c.id, false)],
            PlanChange::RerunAssignment(RerunAssignment {
                territory_id: Some(id),
            }) => vec![(*id, true)],
            _ => vec![],
        }
    }

    /// Whether expanding it needs the facts (location, fields) of those accounts.
    pub fn needs_facts(&self) -> bool {
        matches!(
            self,
            PlanChange::SplitTerritory(_) | PlanChange::RerunAssignment(_)
        )
    }

    /// Whether it re-runs the engine over every account of the tenant.
    pub fn is_full_rerun(&self) -> bool {
        matches!(
            self,
            PlanChange::RerunAssignment(RerunAssignment { territory_id: None })
        )
    }

    /// The wire and storage name of its type.
    pub fn kind(&self) -> &'static str {
        match self {
            PlanChange::MoveAccounts(_) => "moveAccounts",
            PlanChange::CreateTerritory(_) => "createTerritory",
            PlanChange::UpdateTerritory(_) => "updateTerritory",
            PlanChange::MoveTerritory(_) => "moveTerritory",
            PlanChange::DeleteTerritory(_) => "deleteTerritory",
            PlanChange::MergeTerritories(_) => "mergeTerritories",
            PlanChange::SplitTerritory(_) => "splitTerritory",
            PlanChange::RerunAssignment(_) => "rerunAssignment",
            PlanChange::SetMember(c) if c.role.is_some() => "assignRep",
            PlanChange::SetMember(_) => "unassignRep",
            PlanChange::SetQuota(_) => "setQuota",
        }
    }
}
