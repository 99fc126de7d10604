//! Applying a list of changes to the alignment state: a pure function from (state, changes) to
//! either the new state with one effect per change, or every problem found.

use super::change::{
    AssignAccounts, Change, CreateTerritory, DeleteTerritory, MoveTerritory, UpdateTerritory,
};
use super::effect::{AccountMove, AccountsEffect, Effect, TerritoryEffect};
use super::problem::{Problem, ProblemCode};
use super::staffing;
use super::state::AlignmentState;
use crate::assignment::Assignment;
use crate::ids::{AccountId, TerritoryId};
use crate::territory::{HierarchyError, Territory, TerritoryCode};

/// The result of applying a realignment.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The state after every change.
    pub state: AlignmentState,
    /// One effect per change, in order.
    pub effects: Vec<Effect>,
}

/// Applies `changes` in order to `state`. Each change sees the state the earlier ones left.
/// Returns every problem found (a change that fails is skipped so later ones are still checked),
/// or the new state and effects when there are none.
pub fn apply(mut state: AlignmentState, changes: &[Change]) -> Result<Applied, Vec<Problem>> {
    let mut effects = Vec::with_capacity(changes.len());
    let mut problems = Vec::new();
    for (index, change) in changes.iter().enumerate() {
        match apply_one(&mut state, index, change) {
            Ok(mut done) => effects.append(&mut done),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if problems.is_empty() {
        Ok(Applied { state, effects })
    } else {
        Err(problems)
    }
}

/// Applies one change (reported as change `index`) to `state`, or leaves the state untouched
/// and returns why it cannot be applied.
pub(super) fn apply_one(
    state: &mut AlignmentState,
    index: usize,
    change: &Change,
) -> Result<Vec<Effect>, Vec<Problem>> {
    let (territory_id, outcome) = match change {
        Change::CreateTerritory(c) => (c.id, create(state, index, c)),
        Change::UpdateTerritory(c) => (c.id, update(state, index, c)),
        Change::MoveTerritory(c) => (c.id, move_to(state, index, c)),
        Change::DeleteTerritory(c) => (c.id, delete(state, index, c)),
        Change::AssignAccounts(c) => {
            return assign(state, index, c).map(|effect| vec![Effect::Accounts(effect)]);
        }
        Change::RestoreTerritories(c) => return super::revert::restore(state, index, c),
        Change::SetMember(c) => {
            return staffing::set_member(state, index, c)
                .map(|effect| vec![Effect::Member(effect)])
                .map_err(|problem| vec![problem]);
        }
        Change::SetQuota(c) => {
            return staffing::set_quota(state, index, c)
                .map(|effect| vec![Effect::Quota(effect)])
                .map_err(|problem| vec![problem]);
        }
    };
    let (before, after) = outcome.map_err(|problem| vec![problem])?;
    let deleted = after.is_none();
    match &after {
        Some(t) => state.put(t.clone()),
        None => {
            state.take(territory_id);
        }
    }
    let mut effects = vec![Effect::Territory(Box::new(TerritoryEffect {
        change_index: index,
        action: change.action(),
        territory_id,
        before,
        after,
    }))];
    if deleted {
        // A deleted territory is staffed by no one from then on.
        effects.extend(
            staffing::release_members(state, index, territory_id)
                .into_iter()
                .map(Effect::Member),
        );
    }
    Ok(effects)
}

type Outcome = Result<(Option<Territory>, Option<Territory>), Problem>;

fn create(state: &AlignmentState, index: usize, c: &CreateTerritory) -> Outcome {
    if state.territory(c.id).is_some() {
        return Err(Problem::new(
            index,
            ProblemCode::CodeTaken,
            "id",
            "a territory with this id already exists",
        ));
    }
    state
        .hierarchy()
        .check_new(c.parent_id)
        .map_err(|e| hierarchy_problem(index, e))?;
    check_code_free(state, index, &c.code, None)?;
    let territory = Territory {
        id: c.id,
        parent_id: c.parent_id,
        name: c.name.clone(),
        code: c.code.clone(),
        boundary: c.boundary.clone(),
        version: 1,
    };
    Ok((None, Some(territory)))
}

fn update(state: &AlignmentState, index: usize, c: &UpdateTerritory) -> Outcome {
    let current = existing(state, index, c.id, c.expected_version)?;
    let mut next = current.clone();
    if let Some(name) = &c.name {
        next.name = name.clone();
    }
    if let Some(code) = &c.code {
        check_code_free(state, index, code, Some(c.id))?;
        next.code = code.clone();
    }
    if let Some(boundary) = &c.boundary {
        next.boundary = boundary.clone();
    }
    if next == *current {
        return Err(Problem::new(
            index,
            ProblemCode::NothingToChange,
            "id",
            "the update changes nothing",
        ));
    }
    next.version += 1;
    Ok((Some(current.clone()), Some(next)))
}

fn move_to(state: &AlignmentState, index: usize, c: &MoveTerritory) -> Outcome {
    let current = existing(state, index, c.id, c.expected_version)?;
    if current.parent_id == c.parent_id {
        return Err(Problem::new(
            index,
            ProblemCode::NothingToChange,
            "parentId",
            "the territory already has this parent",
        ));
    }
    state
        .hierarchy()
        .check_move(c.id, c.parent_id)
        .map_err(|e| hierarchy_problem(index, e))?;
    let mut next = current.clone();
    next.parent_id = c.parent_id;
    next.version += 1;
    Ok((Some(current.clone()), Some(next)))
}

/// Validates every move, then applies them to the state; moves to where an account already is
/// are dropped.
pub(super) fn assign(
    state: &mut AlignmentState,
    index: usize,
    c: &AssignAccounts,
) -> Result<AccountsEffect, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut targets: std::collections::BTreeMap<AccountId, Option<Assignment>> = Default::default();
    for m in &c.moves {
        if state.assignment(m.account_id).is_none() {
            problems.push(Problem::new(
                index,
                ProblemCode::AccountNotFound,
                "accountIds",
                format!("account {} not found", m.account_id),
            ));
        } else if let Some(to) = m.to.filter(|to| state.territory(to.territory_id).is_none()) {
            problems.push(Problem::new(
                index,
                ProblemCode::TerritoryNotFound,
                "territoryId",
                format!("territory {} not found", to.territory_id),
            ));
        } else {
            targets.insert(m.account_id, m.to);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut moves = Vec::new();
    for (account_id, to) in targets {
        let from = state.assignments.get(&account_id).copied().flatten();
        if from == to {
            continue;
        }
        if let Some(n) = from.and_then(|f| state.account_counts.get_mut(&f.territory_id)) {
            *n = n.saturating_sub(1);
        }
        if let Some(t) = to {
            *state.account_counts.entry(t.territory_id).or_default() += 1;
        }
        state.assignments.insert(account_id, to);
        moves.push(AccountMove {
            account_id,
            from,
            to,
        });
    }
    Ok(AccountsEffect {
        change_index: index,
        moves,
    })
}

fn delete(state: &AlignmentState, index: usize, c: &DeleteTerritory) -> Outcome {
    let current = existing(state, index, c.id, c.expected_version)?;
    let accounts = state.account_count(c.id);
    if accounts > 0 {
        return Err(Problem::new(
            index,
            ProblemCode::HasAccounts,
            "id",
            format!(
                "the territory holds {accounts} accounts; move them to another territory first"
            ),
        ));
    }
    let children = state.hierarchy().children(c.id).len();
    if children > 0 {
        return Err(Problem::new(
            index,
            ProblemCode::HasChildren,
            "id",
            format!("the territory has {children} child territories; move or delete them first"),
        ));
    }
    Ok((Some(current.clone()), None))
}

pub(super) fn existing(
    state: &AlignmentState,
    index: usize,
    id: TerritoryId,
    expected: Option<i64>,
) -> Result<&Territory, Problem> {
    let current = state
        .territory(id)
        .ok_or_else(|| Problem::new(index, ProblemCode::NotFound, "id", "territory not found"))?;
    match expected {
        Some(v) if v != current.version => Err(Problem::new(
            index,
            ProblemCode::StaleVersion,
            "expectedVersion",
            format!(
                "the territory is at version {}, not {v}; reload and try again",
                current.version
            ),
        )),
        _ => Ok(current),
    }
}

pub(super) fn check_code_free(
    state: &AlignmentState,
    index: usize,
    code: &TerritoryCode,
    except: Option<TerritoryId>,
) -> Result<(), Problem> {
    match state.code_owner(code) {
        Some(owner) if Some(owner) != except => Err(Problem::new(
            index,
            ProblemCode::CodeTaken,
            "code",
            format!("code {code} is already used by another territory"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn hierarchy_problem(index: usize, e: HierarchyError) -> Problem {
    let code = match e {
        HierarchyError::ParentNotFound => ProblemCode::ParentNotFound,
        HierarchyError::Cycle => ProblemCode::Cycle,
        HierarchyError::TooDeep { .. } => ProblemCode::DepthExceeded,
    };
    Problem::new(index, code, "parentId", e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::TerritoryName;

    fn create_change(code: &str, parent: Option<TerritoryId>) -> (TerritoryId, Change) {
        let id = TerritoryId::new();
        let change = Change::CreateTerritory(CreateTerritory {
            id,
            name: TerritoryName::parse(code).unwrap(),
            code: TerritoryCode::parse(code).unwrap(),
            parent_id: parent,
            boundary: None,
        });
        (id, change)
    }

    #[test]
    fn creates_a_small_tree_in_one_realignment() {
        let (root, c1) = create_change("ROOT", None);
        let (child, c2) = create_change("CHILD", Some(root));
        let applied = apply(AlignmentState::default(), &[c1, c2]).unwrap();
        assert_eq!(applied.state.len(), 2);
        assert_eq!(applied.state.hierarchy().parent(child), Some(root));
        assert_eq!(applied.effects.len(), 2);
        assert!(
            applied.effects.iter().all(
                |e| matches!(e, Effect::Territory(t) if t.before.is_none() && t.after.is_some())
            )
        );
    }

    #[test]
    fn reports_every_problem_and_applies_nothing() {
        let (_, c1) = create_change("A", None);
        let (_, dup) = create_change("a", None);
        let (_, orphan) = create_change("B", Some(TerritoryId::new()));
        let problems = apply(AlignmentState::default(), &[c1, dup, orphan]).unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| (p.change_index, p.code)).collect();
        assert_eq!(
            codes,
            vec![
                (1, ProblemCode::CodeTaken),
                (2, ProblemCode::ParentNotFound)
            ]
        );
    }

    #[test]
    fn update_bumps_version_and_checks_expected_version() {
        let (id, c1) = create_change("A", None);
        let state = apply(AlignmentState::default(), &[c1]).unwrap().state;
        let rename = |expected| {
            Change::UpdateTerritory(UpdateTerritory {
                id,
                name: Some(TerritoryName::parse("Alpha").unwrap()),
                code: None,
                boundary: None,
                expected_version: expected,
            })
        };
        let stale = apply(state.clone(), &[rename(Some(7))]).unwrap_err();
        assert_eq!(stale[0].code, ProblemCode::StaleVersion);
        let applied = apply(state, &[rename(Some(1))]).unwrap();
        let Effect::Territory(effect) = &applied.effects[0] else {
            panic!("a territory effect")
        };
        let after = effect.after.as_ref().unwrap();
        assert_eq!((after.name.as_str(), after.version), ("Alpha", 2));
    }

    #[test]
    fn code_may_be_kept_or_reused_after_delete() {
        let (a, c1) = create_change("A", None);
        let state = apply(AlignmentState::default(), &[c1]).unwrap().state;
        let same_code = Change::UpdateTerritory(UpdateTerritory {
            id: a,
            name: Some(TerritoryName::parse("Renamed").unwrap()),
            code: Some(TerritoryCode::parse("A").unwrap()),
            boundary: None,
            expected_version: None,
        });
        assert!(apply(state.clone(), &[same_code]).is_ok());
        let delete = Change::DeleteTerritory(DeleteTerritory {
            id: a,
            expected_version: None,
        });
        let (_, again) = create_change("A", None);
        assert!(apply(state, &[delete, again]).is_ok());
    }

    fn geography(territory_id: TerritoryId) -> Assignment {
        Assignment {
            territory_id,
            source: crate::assignment::Source::Geography,
            rule_id: None,
            pinned: false,
        }
    }

    #[test]
    fn account_moves_are_checked_applied_and_counted() {
        let (west, c1) = create_change("WEST", None);
        let (east, c2) = create_change("EAST", None);
        let (a, b, unknown) = (AccountId::new(), AccountId::new(), AccountId::new());
        let state = apply(AlignmentState::default(), &[c1, c2])
            .unwrap()
            .state
            .with_accounts([(a, Some(geography(west))), (b, None)])
            .with_account_counts([(west, 1)]);

        let assign = |moves: Vec<(AccountId, Option<Assignment>)>| {
            Change::AssignAccounts(crate::realignment::AssignAccounts {
                moves: moves
                    .into_iter()
                    .map(|(account_id, to)| crate::realignment::AccountTarget { account_id, to })
                    .collect(),
            })
        };
        // Deleting WEST is refused while it holds an account...
        let delete_west = Change::DeleteTerritory(DeleteTerritory {
            id: west,
            expected_version: None,
        });
        assert_eq!(
            apply(state.clone(), std::slice::from_ref(&delete_west)).unwrap_err()[0].code,
            ProblemCode::HasAccounts
        );
        // ...and allowed once the same realignment moved it away; the no-op move is dropped.
        let applied = apply(
            state.clone(),
            &[
                assign(vec![(a, Some(geography(east))), (b, None)]),
                delete_west,
            ],
        )
        .unwrap();
        let Effect::Accounts(effect) = &applied.effects[0] else {
            panic!("an accounts effect")
        };
        assert_eq!(
            effect.moves,
            vec![AccountMove {
                account_id: a,
                from: Some(geography(west)),
                to: Some(geography(east))
            }]
        );
        assert_eq!(applied.state.account_count(east), 1);
        assert_eq!(effect.digest().len(), 64);

        let problems = apply(
            state,
            &[assign(vec![
                (unknown, None),
                (b, Some(geography(TerritoryId::new()))),
            ])],
        )
        .unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| p.code).collect();
        assert_eq!(
            codes,
            vec![ProblemCode::AccountNotFound, ProblemCode::TerritoryNotFound]
        );
    }

    #[test]
    fn delete_refused_with_children_and_move_refused_into_own_subtree() {
        let (root, c1) = create_change("ROOT", None);
        let (child, c2) = create_change("CHILD", Some(root));
        let state = apply(AlignmentState::default(), &[c1, c2]).unwrap().state;
        let delete = Change::DeleteTerritory(DeleteTerritory {
            id: root,
            expected_version: None,
        });
        assert_eq!(
            apply(state.clone(), &[delete]).unwrap_err()[0].code,
            ProblemCode::HasChildren
        );
        let cycle = Change::MoveTerritory(MoveTerritory {
            id: root,
            parent_id: Some(child),
            expected_version: None,
        });
        assert_eq!(
            apply(state, &[cycle]).unwrap_err()[0].code,
            ProblemCode::Cycle
        );
    }
}
