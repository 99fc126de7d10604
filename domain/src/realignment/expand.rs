//! Applying a plan: each planned change is expanded into primitive [`Change`]s against the state
//! the earlier ones left, then applied. Problems carry the planned change's position; a base that
//! moved on since planning (a territory's version, an account's place) is a `CONFLICT`.

use std::collections::HashMap;

use super::apply::{Applied, apply_one, existing};
use super::change::{
    AccountTarget, AssignAccounts, Change, CreateTerritory, DeleteTerritory, MoveTerritory,
    UpdateTerritory,
};
use super::plan::{DeletePlan, MergeTerritories, MoveAccounts, PlanChange, SplitTerritory};
use super::problem::{Problem, ProblemCode};
use super::state::AlignmentState;
use crate::assignment::{AccountFacts, Assignment, Engine, GeoIndex, Rule, Source};
use crate::ids::{AccountId, TerritoryId};

/// What expanding a plan may need besides the state.
#[derive(Debug, Default)]
pub struct PlanInputs<'a> {
    /// The tenant's assignment rules, in evaluation order.
    pub rules: &'a [Rule],
    /// Facts of the accounts a split or a re-run decides.
    pub facts: HashMap<AccountId, AccountFacts>,
}

/// Applies `plan` in order to `state` (which must know every account the plan names or whose
/// territory it empties: see [`PlanChange::account_ids`] and [`PlanChange::account_territories`]).
pub fn apply_plan(
    mut state: AlignmentState,
    plan: &[PlanChange],
    inputs: &PlanInputs<'_>,
) -> Result<Applied, Vec<Problem>> {
    let conflicts = base_conflicts(&state, plan);
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut effects = Vec::new();
    let mut problems = Vec::new();
    for (index, planned) in plan.iter().enumerate() {
        let changes = match expand(&state, index, &planned.without_base(), inputs) {
            Ok(changes) => changes,
            Err(mut found) => {
                problems.append(&mut found);
                continue;
            }
        };
        for change in &changes {
            match apply_one(&mut state, index, change) {
                Ok(mut done) => effects.append(&mut done),
                Err(found) => {
                    problems.extend(found.into_iter().map(stale_is_conflict));
                    break;
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(Applied { state, effects })
    } else {
        Err(problems)
    }
}

/// Where the state the plan starts from is not what its changes were planned against: a
/// territory at another version, an account somewhere else.
fn base_conflicts(state: &AlignmentState, plan: &[PlanChange]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, planned) in plan.iter().enumerate() {
        for (id, version, field) in planned.base_versions() {
            if let Some(now) = state.territory(id).filter(|t| t.version != version) {
                problems.push(Problem::new(
                    index,
                    ProblemCode::Conflict,
                    field,
                    format!(
                        "territory {} is at version {}, not the {version} this change was planned against",
                        now.code, now.version
                    ),
                ));
            }
        }
        if let PlanChange::SetQuota(c) = planned
            && let Some(expected) = c.expected
            && state.quota(&c.key) != expected
        {
            problems.push(Problem::new(
                index,
                ProblemCode::Conflict,
                "amount",
                format!(
                    "the {} quota of this territory was changed since the draft was planned",
                    c.key.period.label()
                ),
            ));
        }
        if let PlanChange::SetMember(c) = planned
            && let Some(expected) = c.expected
            && state.member_role(c.territory_id, c.rep_id) != expected
        {
            problems.push(Problem::new(
                index,
                ProblemCode::Conflict,
                "repId",
                "the rep's role on this territory was changed since the draft was planned",
            ));
        }
        if let PlanChange::MoveAccounts(c) = planned {
            for (account, expected) in &c.expected_from {
                let now = state
                    .assignment(*account)
                    .map(|a| a.map(|a| a.territory_id));
                if now.is_some_and(|now| now != *expected) {
                    problems.push(Problem::new(
                        index,
                        ProblemCode::Conflict,
                        "accountIds",
                        format!("account {account} was moved by someone else since the draft was planned"),
                    ));
                }
            }
        }
    }
    problems
}

/// Versions given with a change are checked against the state the change meets.
fn stale_is_conflict(mut problem: Problem) -> Problem {
    if problem.code == ProblemCode::StaleVersion {
        problem.code = ProblemCode::Conflict;
        problem.message = format!("changed since the draft was planned: {}", problem.message);
    }
    problem
}

fn expand(
    state: &AlignmentState,
    index: usize,
    planned: &PlanChange,
    inputs: &PlanInputs<'_>,
) -> Result<Vec<Change>, Vec<Problem>> {
    match planned {
        PlanChange::MoveAccounts(c) => move_accounts(c),
        PlanChange::CreateTerritory(c) => Ok(vec![Change::CreateTerritory(c.clone())]),
        PlanChange::UpdateTerritory(c) => Ok(vec![Change::UpdateTerritory(c.clone())]),
        PlanChange::MoveTerritory(c) => Ok(vec![Change::MoveTerritory(c.clone())]),
        PlanChange::DeleteTerritory(c) => Ok(delete(state, c)),
        PlanChange::MergeTerritories(c) => merge(state, index, c).map_err(|p| vec![p]),
        PlanChange::SplitTerritory(c) => split(state, index, c, inputs).map_err(|p| vec![p]),
        PlanChange::RerunAssignment(c) => Ok(rerun(state, c.territory_id, inputs)),
        PlanChange::SetMember(c) => Ok(vec![Change::SetMember(*c)]),
        PlanChange::SetQuota(c) => Ok(vec![Change::SetQuota(*c)]),
    }
}

fn move_accounts(c: &MoveAccounts) -> Result<Vec<Change>, Vec<Problem>> {
    let to = c.to.map(|territory_id| Assignment {
        territory_id,
        source: Source::Manual,
        rule_id: None,
        pinned: c.pin,
    });
    Ok(vec![Change::AssignAccounts(AssignAccounts {
        moves: c
            .account_ids
            .iter()
            .map(|account_id| AccountTarget {
                account_id: *account_id,
                to,
            })
            .collect(),
    })])
}

/// The accounts the state knows in `territory`, with where they are.
fn accounts_in(
    state: &AlignmentState,
    territory: TerritoryId,
) -> impl Iterator<Item = (AccountId, Assignment)> + '_ {
    state
        .accounts()
        .filter_map(move |(id, a)| a.filter(|a| a.territory_id == territory).map(|a| (id, a)))
}

fn delete(state: &AlignmentState, c: &DeletePlan) -> Vec<Change> {
    let mut changes = Vec::new();
    if let Some(target) = c.reassign_accounts_to {
        let to = Assignment {
            territory_id: target,
            source: Source::Manual,
            rule_id: None,
            pinned: false,
        };
        let moves: Vec<_> = accounts_in(state, c.id)
            .map(|(account_id, _)| AccountTarget {
                account_id,
                to: Some(to),
            })
            .collect();
        if !moves.is_empty() {
            changes.push(Change::AssignAccounts(AssignAccounts { moves }));
        }
    }
    changes.push(Change::DeleteTerritory(DeleteTerritory {
        id: c.id,
        expected_version: c.expected_version,
    }));
    changes
}

fn merge(
    state: &AlignmentState,
    index: usize,
    c: &MergeTerritories,
) -> Result<Vec<Change>, Problem> {
    let from = existing(state, index, c.from_id, c.from_version).map_err(stale_is_conflict)?;
    let into = existing(state, index, c.into_id, c.into_version).map_err(stale_is_conflict)?;
    if from.id == into.id {
        return Err(Problem::new(
            index,
            ProblemCode::NothingToChange,
            "intoId",
            "a territory cannot be merged into itself",
        ));
    }
    let mut changes = Vec::new();
    // Accounts keep how they were placed; only the territory changes.
    let moves: Vec<_> = accounts_in(state, from.id)
        .map(|(account_id, a)| AccountTarget {
            account_id,
            to: Some(Assignment {
                territory_id: into.id,
                ..a
            }),
        })
        .collect();
    if !moves.is_empty() {
        changes.push(Change::AssignAccounts(AssignAccounts { moves }));
    }
    for child in state.hierarchy().children(from.id) {
        changes.push(Change::MoveTerritory(MoveTerritory {
            id: child,
            parent_id: Some(into.id),
            expected_version: None,
        }));
    }
    let boundary = match (&from.boundary, &into.boundary) {
        (Some(a), Some(b)) => Some(b.union(a).map_err(|e| {
            Problem::new(index, ProblemCode::InvalidBoundary, "fromId", e.to_string())
        })?),
        (Some(a), None) => Some(a.clone()),
        (None, _) => None,
    };
    if let Some(boundary) = boundary.filter(|b| into.boundary.as_ref() != Some(b)) {
        changes.push(Change::UpdateTerritory(UpdateTerritory {
            id: into.id,
            name: None,
            code: None,
            boundary: Some(Some(boundary)),
            expected_version: None,
        }));
    }
    changes.push(Change::DeleteTerritory(DeleteTerritory {
        id: from.id,
        expected_version: None,
    }));
    Ok(changes)
}

fn split(
    state: &AlignmentState,
    index: usize,
    c: &SplitTerritory,
    inputs: &PlanInputs<'_>,
) -> Result<Vec<Change>, Problem> {
    let current = existing(state, index, c.id, c.expected_version).map_err(stale_is_conflict)?;
    let invalid =
        |message: String| Problem::new(index, ProblemCode::InvalidBoundary, "boundary", message);
    let whole = current
        .boundary
        .as_ref()
        .ok_or_else(|| invalid("the territory has no boundary to split".to_owned()))?;
    let taken = whole
        .intersection(&c.boundary)
        .map_err(|e| invalid(format!("the cut does not overlap the territory: {e}")))?;
    let kept = whole
        .difference(&c.boundary)
        .map_err(|e| invalid(format!("the cut leaves nothing of the territory: {e}")))?;
    let inside = GeoIndex::build([(c.new_id, 0, &taken)]);
    let moves: Vec<_> = accounts_in(state, c.id)
        .filter(|(account, _)| {
            inputs
                .facts
                .get(account)
                .and_then(|f| f.location)
                .is_some_and(|[lon, lat]| inside.locate(lon, lat).is_some())
        })
        .map(|(account_id, a)| AccountTarget {
            account_id,
            to: Some(Assignment {
                territory_id: c.new_id,
                ..a
            }),
        })
        .collect();
    let mut changes = vec![
        Change::CreateTerritory(CreateTerritory {
            id: c.new_id,
            name: c.new_name.clone(),
            code: c.new_code.clone(),
            parent_id: current.parent_id,
            boundary: Some(taken),
        }),
        Change::UpdateTerritory(UpdateTerritory {
            id: c.id,
            name: None,
            code: None,
            boundary: Some(Some(kept)),
            expected_version: None,
        }),
    ];
    if !moves.is_empty() {
        changes.push(Change::AssignAccounts(AssignAccounts { moves }));
    }
    Ok(changes)
}

/// The engine's decision for every account in `territory`'s subtree (or every known account),
/// against the geography of the state as it now is; pinned accounts stay.
fn rerun(
    state: &AlignmentState,
    territory: Option<TerritoryId>,
    inputs: &PlanInputs<'_>,
) -> Vec<Change> {
    let in_scope = |a: &Option<Assignment>| match territory {
        None => true,
        Some(root) => a.is_some_and(|a| {
            a.territory_id == root || state.hierarchy().ancestors(a.territory_id).contains(&root)
        }),
    };
    let mut accounts: Vec<(AccountId, Option<Assignment>)> = state
        .accounts()
        .filter(|(id, a)| in_scope(a) && inputs.facts.contains_key(id))
        .collect();
    accounts.sort_by_key(|(id, _)| *id);
    let facts: Vec<AccountFacts> = accounts
        .iter()
        .filter_map(|(id, a)| {
            inputs.facts.get(id).map(|f| AccountFacts {
                pinned_to: a.filter(|a| a.pinned).map(|a| a.territory_id),
                ..f.clone()
            })
        })
        .collect();
    let geography = state.geo_index();
    let engine = Engine::new(inputs.rules, &geography);
    let moves: Vec<_> = accounts
        .iter()
        .zip(engine.decide_all(&facts))
        .filter_map(|((account_id, from), decision)| {
            let to = decision.next_for(*from);
            (to != *from).then_some(AccountTarget {
                account_id: *account_id,
                to,
            })
        })
        .collect();
    if moves.is_empty() {
        vec![]
    } else {
        vec![Change::AssignAccounts(AssignAccounts { moves })]
    }
}
