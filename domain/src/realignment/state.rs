//! The alignment state a realignment is applied to: the live territories with their tree and
//! codes, and only the accounts (and account counts) the realignment touches.

use std::collections::HashMap;

use super::apply::assign;
use super::change::AssignAccounts;
use super::effect::AccountsEffect;
use super::problem::Problem;
use crate::account::Amount;
use crate::assignment::Assignment;
use crate::ids::{AccountId, RepId, TerritoryId};
use crate::quota::QuotaKey;
use crate::rep::MemberRole;
use crate::territory::{Hierarchy, Territory, TerritoryCode};

/// The part of a tenant's alignment state that realignments change: every live territory, and
/// the current assignment of the accounts the realignment touches (a tenant may have millions,
/// so the store loads only those) with the account counts of the territories it deletes.
#[derive(Debug, Clone, Default)]
pub struct AlignmentState {
    pub(super) territories: HashMap<TerritoryId, Territory>,
    pub(super) hierarchy: Hierarchy,
    pub(super) codes: HashMap<TerritoryCode, TerritoryId>,
    /// Known accounts and where they are (`None`: unassigned).
    pub(super) assignments: HashMap<AccountId, Option<Assignment>>,
    /// How many accounts each territory holds.
    pub(super) account_counts: HashMap<TerritoryId, u64>,
    /// The current members of the territories the realignment staffs or deletes.
    pub(super) members: HashMap<TerritoryId, HashMap<RepId, MemberRole>>,
    /// The reps it staffs with, and whether each is active (`None`: no such rep).
    pub(super) reps: HashMap<RepId, bool>,
    /// The quotas it sets, as they are now.
    pub(super) quotas: HashMap<QuotaKey, Option<Amount>>,
}

impl AlignmentState {
    /// Builds the state from the tenant's live territories.
    pub fn new(territories: impl IntoIterator<Item = Territory>) -> Self {
        let mut state = Self::default();
        for t in territories {
            state.put(t);
        }
        state
    }

    /// Adds the accounts a realignment touches, with their current assignments.
    pub fn with_accounts(
        mut self,
        accounts: impl IntoIterator<Item = (AccountId, Option<Assignment>)>,
    ) -> Self {
        self.assignments.extend(accounts);
        self
    }

    /// Adds how many accounts each territory holds.
    pub fn with_account_counts(
        mut self,
        counts: impl IntoIterator<Item = (TerritoryId, u64)>,
    ) -> Self {
        self.account_counts.extend(counts);
        self
    }

    /// Adds the current members of some territories (every member of each one listed).
    pub fn with_members(
        mut self,
        members: impl IntoIterator<Item = (TerritoryId, RepId, MemberRole)>,
    ) -> Self {
        for (territory, rep, role) in members {
            self.members.entry(territory).or_default().insert(rep, role);
        }
        self
    }

    /// Adds the reps the realignment staffs with and whether each is active.
    pub fn with_reps(mut self, reps: impl IntoIterator<Item = (RepId, bool)>) -> Self {
        self.reps.extend(reps);
        self
    }

    /// Adds the current value of the quotas the realignment sets (`None`: not set).
    pub fn with_quotas(
        mut self,
        quotas: impl IntoIterator<Item = (QuotaKey, Option<Amount>)>,
    ) -> Self {
        self.quotas.extend(quotas);
        self
    }

    /// A rep's role on a territory, if any (only for territories the store loaded members of).
    pub fn member_role(&self, territory: TerritoryId, rep: RepId) -> Option<MemberRole> {
        self.members.get(&territory)?.get(&rep).copied()
    }

    /// The members of a territory, sorted by rep.
    pub fn members_of(&self, territory: TerritoryId) -> Vec<(RepId, MemberRole)> {
        let mut members: Vec<_> = self
            .members
            .get(&territory)
            .map(|m| m.iter().map(|(r, role)| (*r, *role)).collect())
            .unwrap_or_default();
        members.sort_unstable();
        members
    }

    /// A quota's current amount (`None`: not set or not loaded).
    pub fn quota(&self, key: &QuotaKey) -> Option<Amount> {
        self.quotas.get(key).copied().flatten()
    }

    /// Where a known account is: `None` when unknown, `Some(None)` when unassigned.
    pub fn assignment(&self, account: AccountId) -> Option<Option<Assignment>> {
        self.assignments.get(&account).copied()
    }

    /// How many accounts a territory holds.
    pub fn account_count(&self, territory: TerritoryId) -> u64 {
        self.account_counts.get(&territory).copied().unwrap_or(0)
    }

    /// The geography index over every live territory with a boundary, deeper ones preferred.
    pub fn geo_index(&self) -> crate::assignment::GeoIndex {
        crate::assignment::GeoIndex::build(self.territories.values().filter_map(|t| {
            let depth = u32::try_from(self.hierarchy.depth(t.id)).unwrap_or(u32::MAX);
            t.boundary.as_ref().map(|b| (t.id, depth, b))
        }))
    }

    /// A fingerprint of everything the geography index depends on (each bounded territory's id,
    /// version and depth): equal fingerprints mean an index built earlier can be reused.
    pub fn geo_signature(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut keys: Vec<(TerritoryId, i64, usize)> = self
            .territories
            .values()
            .filter(|t| t.boundary.is_some())
            .map(|t| (t.id, t.version, self.hierarchy.depth(t.id)))
            .collect();
        keys.sort_unstable();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        keys.hash(&mut hasher);
        hasher.finish()
    }

    /// A territory by id.
    pub fn territory(&self, id: TerritoryId) -> Option<&Territory> {
        self.territories.get(&id)
    }

    /// The territory tree.
    pub fn hierarchy(&self) -> &Hierarchy {
        &self.hierarchy
    }

    /// Every live territory, in no particular order.
    pub fn territories(&self) -> impl Iterator<Item = &Territory> {
        self.territories.values()
    }

    /// The known accounts and where each is (`None`: unassigned).
    pub fn accounts(&self) -> impl Iterator<Item = (AccountId, Option<Assignment>)> + '_ {
        self.assignments.iter().map(|(id, a)| (*id, *a))
    }

    /// Number of live territories.
    pub fn len(&self) -> usize {
        self.territories.len()
    }

    /// Whether there are no territories.
    pub fn is_empty(&self) -> bool {
        self.territories.is_empty()
    }

    /// Applies one batch of a bulk account move: `accounts` are the batch's accounts with their
    /// current assignments, `targets` where they go. Validates like an `AssignAccounts` change at
    /// position `index`, then forgets the batch's accounts so a stream of batches (an import of
    /// millions of rows) keeps memory bounded by the batch size.
    pub fn assign_batch(
        &mut self,
        index: usize,
        accounts: impl IntoIterator<Item = (AccountId, Option<Assignment>)>,
        targets: &AssignAccounts,
    ) -> Result<AccountsEffect, Vec<Problem>> {
        self.assignments.extend(accounts);
        let outcome = assign(self, index, targets);
        self.assignments.clear();
        outcome
    }

    pub(super) fn put(&mut self, t: Territory) {
        if let Some(old) = self.territories.get(&t.id) {
            // Only drop the code's entry if it is still ours (a restore may hand codes around).
            if self.codes.get(&old.code) == Some(&t.id) {
                self.codes.remove(&old.code);
            }
        }
        self.hierarchy.set_parent(t.id, t.parent_id);
        self.codes.insert(t.code.clone(), t.id);
        self.territories.insert(t.id, t);
    }

    pub(super) fn take(&mut self, id: TerritoryId) -> Option<Territory> {
        let t = self.territories.remove(&id)?;
        if self.codes.get(&t.code) == Some(&id) {
            self.codes.remove(&t.code);
        }
        self.hierarchy.remove(id);
        Some(t)
    }

    pub(super) fn code_owner(&self, code: &TerritoryCode) -> Option<TerritoryId> {
        self.codes.get(code).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realignment::{AccountTarget, ProblemCode};

    #[test]
    fn a_batch_is_validated_applied_and_then_forgotten() {
        let (a, b) = (AccountId::new(), AccountId::new());
        let mut state = AlignmentState::default();
        let unknown_territory = Assignment {
            territory_id: TerritoryId::new(),
            source: crate::assignment::Source::Manual,
            rule_id: None,
            pinned: false,
        };
        let refused = state
            .assign_batch(
                0,
                [(a, None)],
                &AssignAccounts {
                    moves: vec![AccountTarget {
                        account_id: a,
                        to: Some(unknown_territory),
                    }],
                },
            )
            .unwrap_err();
        assert_eq!(refused[0].code, ProblemCode::TerritoryNotFound);

        let effect = state
            .assign_batch(
                0,
                [(b, Some(unknown_territory))],
                &AssignAccounts {
                    moves: vec![AccountTarget {
                        account_id: b,
                        to: None,
                    }],
                },
            )
            .unwrap();
        assert_eq!(effect.moves.len(), 1);
        assert_eq!(
            state.assignment(b),
            None,
            "the batch's accounts are not kept"
        );
    }
}
