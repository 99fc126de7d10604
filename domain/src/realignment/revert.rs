//! Undoing a realignment. What a realignment did is summed up as its [`Footprint`] (each
//! territory's state before and after it, each moved account's first and last place); the
//! revert is computed from that alone, and refused while later changes touched the same things.

use std::collections::{BTreeMap, HashMap};

use super::change::{
    AccountTarget, AssignAccounts, Change, RestoreTerritories, SetMember, SetQuota,
};
use super::effect::{AccountMove, Effect, MemberEffect, QuotaEffect, TerritoryEffect};
use super::problem::{Problem, ProblemCode};
use super::state::AlignmentState;
use crate::account::Amount;
use crate::ids::{AccountId, RepId, TerritoryId};
use crate::quota::QuotaKey;
use crate::rep::MemberRole;
use crate::territory::{HierarchyError, MAX_DEPTH, Territory};

/// What a realignment changed, net of its intermediate steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Footprint {
    /// Each territory it touched: its state before and after (`None`: absent).
    pub territories: BTreeMap<TerritoryId, (Option<Territory>, Option<Territory>)>,
    /// Each account it moved: where it was before and where it ended.
    pub moves: BTreeMap<AccountId, AccountMove>,
    /// Each (territory, rep) whose role it changed: before and after (`None`: not a member).
    pub members: BTreeMap<(TerritoryId, RepId), (Option<MemberRole>, Option<MemberRole>)>,
    /// Each quota it changed: before and after (`None`: not set).
    pub quotas: BTreeMap<QuotaKey, (Option<Amount>, Option<Amount>)>,
}

impl Footprint {
    /// Sums up the effects of one application, in order.
    pub fn of(effects: &[Effect]) -> Self {
        let mut footprint = Self::default();
        for effect in effects {
            match effect {
                Effect::Territory(t) => footprint.add_territory(t),
                Effect::Accounts(a) => a.moves.iter().for_each(|m| footprint.add_move(*m)),
                Effect::Member(m) => footprint.add_member(m),
                Effect::Quota(q) => footprint.add_quota(q),
            }
        }
        footprint
    }

    /// Records a territory step: the first `before` and the last `after` count.
    pub fn add_territory(&mut self, t: &TerritoryEffect) {
        self.territories
            .entry(t.territory_id)
            .and_modify(|(_, after)| after.clone_from(&t.after))
            .or_insert_with(|| (t.before.clone(), t.after.clone()));
    }

    /// Records an account move: the first `from` and the last `to` count.
    pub fn add_move(&mut self, m: AccountMove) {
        self.moves
            .entry(m.account_id)
            .and_modify(|known| known.to = m.to)
            .or_insert(m);
    }

    /// Records a role change: the first `before` and the last `after` count.
    pub fn add_member(&mut self, m: &MemberEffect) {
        self.members
            .entry((m.territory_id, m.rep_id))
            .and_modify(|(_, after)| *after = m.after)
            .or_insert((m.before, m.after));
    }

    /// Records a quota change: the first `before` and the last `after` count.
    pub fn add_quota(&mut self, q: &QuotaEffect) {
        self.quotas
            .entry(q.key)
            .and_modify(|(_, after)| *after = q.after)
            .or_insert((q.before, q.after));
    }

    /// The territories whose members it changed (a revert loads their current members).
    pub fn staffed_territories(&self) -> Vec<TerritoryId> {
        let mut ids: Vec<_> = self.members.keys().map(|(t, _)| *t).collect();
        ids.dedup();
        ids
    }

    /// The accounts it moved (a revert loads their current places).
    pub fn account_ids(&self) -> Vec<AccountId> {
        self.moves.keys().copied().collect()
    }

    /// What changed since: every territory whose current state is not the one this realignment
    /// left (by content), and every account that is no longer where it put it. Empty when a
    /// revert is safe. `state` must know the footprint's accounts.
    pub fn conflicts(&self, state: &AlignmentState) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (id, (_, after)) in &self.territories {
            let now = state.territory(*id);
            let same = match (after, now) {
                (None, None) => true,
                // By content, not version: a restore moves versions on, and undoing a stack of
                // realignments newest first must find each older one's result in place.
                (Some(a), Some(n)) => {
                    Territory {
                        version: n.version,
                        ..a.clone()
                    } == *n
                }
                _ => false,
            };
            if !same {
                problems.push(Problem::new(
                    0,
                    ProblemCode::Conflict,
                    "id",
                    format!("territory {id} was changed by a later realignment"),
                ));
            }
        }
        for (id, m) in &self.moves {
            if state.assignment(*id).flatten() != m.to {
                problems.push(Problem::new(
                    0,
                    ProblemCode::Conflict,
                    "accountIds",
                    format!("account {id} was moved by a later realignment"),
                ));
            }
        }
        for ((territory, rep), (_, after)) in &self.members {
            if state.member_role(*territory, *rep) != *after {
                problems.push(Problem::new(
                    0,
                    ProblemCode::Conflict,
                    "repId",
                    format!(
                        "rep {rep} on territory {territory} was changed by a later realignment"
                    ),
                ));
            }
        }
        for (key, (_, after)) in &self.quotas {
            if state.quota(key) != *after {
                problems.push(Problem::new(
                    0,
                    ProblemCode::Conflict,
                    "amount",
                    format!(
                        "the {} quota of territory {} was changed by a later realignment",
                        key.period.label(),
                        key.territory_id
                    ),
                ));
            }
        }
        problems
    }

    /// The changes that take the state back to before: every territory to its state before and
    /// every account to its place before, in one [`RestoreTerritories`] checked as a whole, with
    /// rep roles and quotas set back around it.
    pub fn inverse(&self) -> Vec<Change> {
        let territories: Vec<_> = self
            .territories
            .iter()
            .filter(|(_, (before, after))| before != after)
            .map(|(id, (before, _))| (*id, before.clone()))
            .collect();
        let accounts: Vec<_> = self
            .moves
            .values()
            .filter(|m| m.from != m.to)
            .map(|m| AccountTarget {
                account_id: m.account_id,
                to: m.from,
            })
            .collect();
        let changed_members = self
            .members
            .iter()
            .filter(|(_, (before, after))| before != after);
        // Members leave before territories are restored (a territory it created goes away
        // empty), and join after (a territory it deleted comes back first); OVERLAYs are set
        // before OWNERs, so an owner handed from one rep to another is first given up.
        let (leaving, mut joining): (Vec<_>, Vec<_>) = changed_members
            .map(|((territory_id, rep_id), (before, _))| SetMember {
                expected: None,
                territory_id: *territory_id,
                rep_id: *rep_id,
                role: *before,
            })
            .partition(|m| m.role.is_none());
        joining.sort_by_key(|m| m.role != Some(MemberRole::Overlay));
        let quotas = self
            .quotas
            .iter()
            .filter(|(_, (before, after))| before != after)
            .map(|(key, (before, _))| SetQuota {
                expected: None,
                key: *key,
                amount: *before,
            });
        let mut changes: Vec<Change> = leaving.into_iter().map(Change::SetMember).collect();
        if !territories.is_empty() || !accounts.is_empty() {
            changes.push(Change::RestoreTerritories(RestoreTerritories {
                territories,
                accounts,
            }));
        }
        changes.extend(joining.into_iter().map(Change::SetMember));
        changes.extend(quotas.map(Change::SetQuota));
        changes
    }
}

/// Applies a [`RestoreTerritories`] change: every target state at once, checked as a whole.
pub(super) fn restore(
    state: &mut AlignmentState,
    index: usize,
    c: &RestoreTerritories,
) -> Result<Vec<Effect>, Vec<Problem>> {
    let problem = |code, field: &str, message: String| Problem::new(index, code, field, message);
    let targets: HashMap<TerritoryId, Option<&Territory>> = c
        .territories
        .iter()
        .map(|(id, t)| (*id, t.as_ref()))
        .collect();
    // The tree and codes as they would be once every target is in place.
    let mut after: HashMap<TerritoryId, &Territory> = state
        .territories()
        .filter(|t| !targets.contains_key(&t.id))
        .map(|t| (t.id, t))
        .collect();
    after.extend(targets.iter().filter_map(|(id, t)| t.map(|t| (*id, t))));

    let mut problems = Vec::new();
    let mut codes = HashMap::new();
    for t in after.values() {
        if let Some(other) = codes.insert(&t.code, t.id) {
            problems.push(problem(
                super::ProblemCode::CodeTaken,
                "code",
                format!("code {} would be used by both {} and {other}", t.code, t.id),
            ));
        }
        if let Some(parent) = t.parent_id.filter(|p| !after.contains_key(p)) {
            problems.push(problem(
                ProblemCode::ParentNotFound,
                "parentId",
                format!("territory {} would have a missing parent {parent}", t.id),
            ));
        }
    }
    let hierarchy =
        crate::territory::Hierarchy::from_pairs(after.values().map(|t| (t.id, t.parent_id)));
    if !hierarchy.is_acyclic() {
        problems.push(problem(
            ProblemCode::Cycle,
            "parentId",
            HierarchyError::Cycle.to_string(),
        ));
    } else if let Some(depth) = after
        .keys()
        .map(|id| hierarchy.depth(*id))
        .find(|d| *d > MAX_DEPTH)
    {
        problems.push(problem(
            ProblemCode::DepthExceeded,
            "parentId",
            HierarchyError::TooDeep { depth }.to_string(),
        ));
    }
    // Accounts: known, going to territories that will exist; deleted territories end up empty.
    let mut left: HashMap<TerritoryId, i64> = targets
        .iter()
        .filter(|(_, t)| t.is_none())
        .map(|(id, _)| {
            (
                *id,
                i64::try_from(state.account_count(*id)).unwrap_or(i64::MAX),
            )
        })
        .collect();
    for m in &c.accounts {
        let Some(from) = state.assignment(m.account_id) else {
            problems.push(problem(
                ProblemCode::AccountNotFound,
                "accountIds",
                format!("account {} not found", m.account_id),
            ));
            continue;
        };
        if let Some(to) = m.to.filter(|to| !after.contains_key(&to.territory_id)) {
            problems.push(problem(
                ProblemCode::TerritoryNotFound,
                "territoryId",
                format!("territory {} would not exist", to.territory_id),
            ));
        }
        for (territory, delta) in [
            (from.map(|f| f.territory_id), -1),
            (m.to.map(|t| t.territory_id), 1),
        ] {
            if let Some(n) = territory.and_then(|t| left.get_mut(&t)) {
                *n += delta;
            }
        }
    }
    for (id, n) in left.into_iter().filter(|(_, n)| *n > 0) {
        problems.push(problem(
            ProblemCode::HasAccounts,
            "id",
            format!("territory {id} would still hold {n} accounts"),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut effects = Vec::new();
    for (id, target) in &c.territories {
        let before = state.territory(*id).cloned();
        let same = match (&before, target) {
            (Some(b), Some(t)) => {
                Territory {
                    version: b.version,
                    ..t.clone()
                } == *b
            }
            (None, None) => true,
            _ => false,
        };
        if same {
            continue;
        }
        let after = target.clone().map(|mut t| {
            t.version = before
                .as_ref()
                .map_or(t.version, |b| b.version.max(t.version))
                + 1;
            t
        });
        effects.push(Effect::Territory(Box::new(TerritoryEffect {
            change_index: index,
            action: "territory.restored",
            territory_id: *id,
            before,
            after,
        })));
    }
    // Remove first, then put: a code handed from one territory to another lands on its new owner.
    for effect in &effects {
        if let Effect::Territory(t) = effect {
            state.take(t.territory_id);
        }
    }
    for effect in &effects {
        if let Effect::Territory(t) = effect
            && let Some(after) = &t.after
        {
            state.put(after.clone());
        }
    }
    let deleted: Vec<TerritoryId> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Territory(t) if t.after.is_none() => Some(t.territory_id),
            _ => None,
        })
        .collect();
    for id in deleted {
        let released = super::staffing::release_members(state, index, id);
        effects.extend(released.into_iter().map(Effect::Member));
    }
    if !c.accounts.is_empty() {
        let moves = AssignAccounts {
            moves: c.accounts.clone(),
        };
        effects.push(Effect::Accounts(super::apply::assign(
            state, index, &moves,
        )?));
    }
    Ok(effects)
}

#[cfg(test)]
#[path = "revert_tests.rs"]
mod tests;
