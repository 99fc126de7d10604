//! Property test: for random states and random change lists, applying the changes and then the
//! inverse computed from their footprint gives back exactly the original tree, boundaries and
//! assignments, rep roles and quotas — including swapped codes and parents, owners handed between
//! reps, deletions (which release members) and re-creations.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::account::Amount;
use crate::assignment::{Assignment, Source};
use crate::ids::{AccountId, RepId, TerritoryId};
use crate::quota::{Metric, Period, QuotaKey};
use crate::realignment::apply::apply_one;
use crate::realignment::{
    AlignmentState, CreateTerritory, DeleteTerritory, MoveTerritory, SetMember, SetQuota,
    UpdateTerritory, apply,
};
use crate::rep::MemberRole;
use crate::territory::{Boundary, Territory, TerritoryCode, TerritoryName};

/// One random step, its ids picked by index among what exists when it runs.
#[derive(Debug, Clone)]
enum Step {
    Create {
        parent: Option<usize>,
        code: u8,
        boxed: bool,
    },
    Update {
        target: usize,
        code: Option<u8>,
        name: u8,
        boxed: Option<bool>,
    },
    Move {
        target: usize,
        parent: Option<usize>,
    },
    Delete {
        target: usize,
    },
    Assign {
        accounts: Vec<usize>,
        to: Option<usize>,
        pinned: bool,
    },
    Staff {
        territory: usize,
        rep: usize,
        role: Option<bool>,
    },
    Quota {
        territory: usize,
        amount: Option<u8>,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (proptest::option::of(0..12usize), 0..10u8, any::<bool>()).prop_map(
            |(parent, code, boxed)| Step::Create {
                parent,
                code,
                boxed
            }
        ),
        (
            0..12usize,
            proptest::option::of(0..10u8),
            0..5u8,
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(target, code, name, boxed)| Step::Update {
                target,
                code,
                name,
                boxed
            }),
        (0..12usize, proptest::option::of(0..12usize))
            .prop_map(|(target, parent)| Step::Move { target, parent }),
        (0..12usize).prop_map(|target| Step::Delete { target }),
        (
            proptest::collection::vec(0..8usize, 1..5),
            proptest::option::of(0..12usize),
            any::<bool>()
        )
            .prop_map(|(accounts, to, pinned)| Step::Assign {
                accounts,
                to,
                pinned
            }),
        (0..12usize, 0..3usize, proptest::option::of(any::<bool>())).prop_map(
            |(territory, rep, role)| Step::Staff {
                territory,
                rep,
                role
            }
        ),
        (0..12usize, proptest::option::of(0..4u8))
            .prop_map(|(territory, amount)| Step::Quota { territory, amount }),
    ]
}

fn reps() -> Vec<RepId> {
    // Fixed ids, so every case shares the same three reps.
    (1..=3u128)
        .map(|n| RepId::from_uuid(uuid::Uuid::from_u128(n)))
        .collect()
}

fn quarter() -> Period {
    Period::parse("FY2027-Q1").unwrap()
}

fn code(n: u8) -> TerritoryCode {
    TerritoryCode::parse(&format!("C{n}")).unwrap()
}

fn boundary(seed: usize) -> Boundary {
    let x = seed as f64;
    Boundary::rectangle(x, 0.0, x + 1.0, 1.0).unwrap()
}

fn change_for(state: &AlignmentState, accounts: &[AccountId], step: &Step) -> Option<Change> {
    let reps = reps();
    let mut ids: Vec<TerritoryId> = state.territories().map(|t| t.id).collect();
    ids.sort();
    let pick = |i: usize| ids.get(i % ids.len().max(1)).copied();
    Some(match step {
        Step::Create {
            parent,
            code: c,
            boxed,
        } => Change::CreateTerritory(CreateTerritory {
            id: TerritoryId::new(),
            name: TerritoryName::parse("New").unwrap(),
            code: code(*c),
            parent_id: parent.and_then(pick),
            boundary: boxed.then(|| boundary(usize::from(*c))),
        }),
        Step::Update {
            target,
            code: c,
            name,
            boxed,
        } => Change::UpdateTerritory(UpdateTerritory {
            id: pick(*target)?,
            name: Some(TerritoryName::parse(&format!("Name {name}")).unwrap()),
            code: c.map(code),
            boundary: boxed.map(|b| b.then(|| boundary(*target))),
            expected_version: None,
        }),
        Step::Move { target, parent } => Change::MoveTerritory(MoveTerritory {
            id: pick(*target)?,
            parent_id: parent.and_then(pick),
            expected_version: None,
        }),
        Step::Delete { target } => Change::DeleteTerritory(DeleteTerritory {
            id: pick(*target)?,
            expected_version: None,
        }),
        Step::Assign {
            accounts: picked,
            to,
            pinned,
        } => {
            let to = to.and_then(pick).map(|territory_id| Assignment {
                territory_id,
                source: Source::Manual,
                rule_id: None,
                pinned: *pinned,
            });
            Change::AssignAccounts(AssignAccounts {
                moves: picked
                    .iter()
                    .map(|i| AccountTarget {
                        account_id: accounts[i % accounts.len()],
                        to,
                    })
                    .collect(),
            })
        }
        Step::Staff {
            territory,
            rep,
            role,
        } => Change::SetMember(SetMember {
            expected: None,
            territory_id: pick(*territory)?,
            rep_id: reps[rep % reps.len()],
            role: role.map(|owner| {
                if owner {
                    MemberRole::Owner
                } else {
                    MemberRole::Overlay
                }
            }),
        }),
        Step::Quota { territory, amount } => Change::SetQuota(SetQuota {
            expected: None,
            key: QuotaKey {
                territory_id: pick(*territory)?,
                period: quarter(),
                metric: Metric::Revenue,
            },
            amount: amount.map(|a| Amount::from_hundredths(i64::from(a) * 100)),
        }),
    })
}

type Picture = (
    BTreeMap<TerritoryId, (Option<TerritoryId>, String, String, Option<String>)>,
    BTreeMap<AccountId, Option<Assignment>>,
    BTreeMap<(TerritoryId, RepId), MemberRole>,
    BTreeMap<QuotaKey, Amount>,
);

/// Everything a revert must restore (versions move forward, so they are left out).
fn picture(state: &AlignmentState) -> Picture {
    let territories = state
        .territories()
        .map(|t: &Territory| {
            (
                t.id,
                (
                    t.parent_id,
                    t.name.as_str().to_owned(),
                    t.code.as_str().to_owned(),
                    t.boundary.as_ref().map(Boundary::to_geojson_string),
                ),
            )
        })
        .collect();
    let members = state
        .members
        .iter()
        .flat_map(|(t, m)| m.iter().map(|(r, role)| ((*t, *r), *role)))
        .collect();
    let quotas = state
        .quotas
        .iter()
        .filter_map(|(k, a)| a.map(|a| (*k, a)))
        .collect();
    (territories, state.accounts().collect(), members, quotas)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn apply_then_revert_restores_the_state(
        setup in proptest::collection::vec(step(), 0..10),
        steps in proptest::collection::vec(step(), 1..10),
    ) {
        let accounts: Vec<AccountId> = (0..8).map(|_| AccountId::new()).collect();
        let mut state = AlignmentState::default()
            .with_accounts(accounts.iter().map(|a| (*a, None)))
            .with_reps(reps().into_iter().map(|r| (r, true)));
        // A random starting state, built from whichever setup steps apply.
        for s in &setup {
            if let Some(change) = change_for(&state, &accounts, s) {
                let mut trial = state.clone();
                if apply_one(&mut trial, 0, &change).is_ok() {
                    state = trial;
                }
            }
        }
        let original = picture(&state);
        // The realignment: the random steps that apply, in order.
        let mut changes = Vec::new();
        let mut after = state.clone();
        for s in &steps {
            if let Some(change) = change_for(&after, &accounts, s) {
                let mut trial = after.clone();
                if apply_one(&mut trial, 0, &change).is_ok() {
                    after = trial;
                    changes.push(change);
                }
            }
        }
        let applied = apply(state, &changes).unwrap();
        let footprint = Footprint::of(&applied.effects);
        prop_assert!(footprint.conflicts(&applied.state).is_empty());
        let reverted = apply(applied.state, &footprint.inverse());
        prop_assert!(reverted.is_ok(), "{:?}", reverted.err());
        prop_assert_eq!(picture(&reverted.unwrap().state), original);
    }
}

#[test]
fn a_later_change_to_the_same_territory_or_account_is_a_conflict() {
    let west = TerritoryId::new();
    let account = AccountId::new();
    let create = Change::CreateTerritory(CreateTerritory {
        id: west,
        name: TerritoryName::parse("West").unwrap(),
        code: code(1),
        parent_id: None,
        boundary: None,
    });
    let manual = Assignment {
        territory_id: west,
        source: Source::Manual,
        rule_id: None,
        pinned: false,
    };
    let assign = Change::AssignAccounts(AssignAccounts {
        moves: vec![AccountTarget {
            account_id: account,
            to: Some(manual),
        }],
    });
    let start = AlignmentState::default().with_accounts([(account, None)]);
    let applied = apply(start, &[create, assign]).unwrap();
    let footprint = Footprint::of(&applied.effects);

    let later = Change::UpdateTerritory(UpdateTerritory {
        id: west,
        name: Some(TerritoryName::parse("Renamed").unwrap()),
        code: None,
        boundary: None,
        expected_version: None,
    });
    let unassign = Change::AssignAccounts(AssignAccounts {
        moves: vec![AccountTarget {
            account_id: account,
            to: None,
        }],
    });
    let moved_on = apply(applied.state, &[later, unassign]).unwrap().state;
    let codes: Vec<_> = footprint
        .conflicts(&moved_on)
        .iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(codes, vec![ProblemCode::Conflict, ProblemCode::Conflict]);
}
