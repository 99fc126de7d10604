//! Applying rep and quota changes: who staffs a territory (at most one OWNER, any number of
//! OVERLAYs, only active reps, only live territories) and what quota it carries.

use super::change::{SetMember, SetQuota};
use super::effect::{MemberEffect, QuotaEffect};
use super::problem::{Problem, ProblemCode};
use super::state::AlignmentState;
use crate::ids::TerritoryId;
use crate::rep::MemberRole;

/// Gives a rep a role on a territory or takes it away.
pub(super) fn set_member(
    state: &mut AlignmentState,
    index: usize,
    c: &SetMember,
) -> Result<MemberEffect, Problem> {
    let before = state.member_role(c.territory_id, c.rep_id);
    if let Some(expected) = c.expected.filter(|e| *e != before) {
        let shown = |r: Option<MemberRole>| r.map_or("none", MemberRole::as_str);
        return Err(Problem::new(
            index,
            ProblemCode::StaleVersion,
            "role",
            format!(
                "the rep's role here is {}, not the {} expected",
                shown(before),
                shown(expected)
            ),
        ));
    }
    if let Some(role) = c.role {
        if state.territory(c.territory_id).is_none() {
            return Err(Problem::new(
                index,
                ProblemCode::TerritoryNotFound,
                "territoryId",
                "no such territory",
            ));
        }
        match state.reps.get(&c.rep_id) {
            None => {
                return Err(Problem::new(
                    index,
                    ProblemCode::RepNotFound,
                    "repId",
                    "no such rep",
                ));
            }
            Some(false) => {
                return Err(Problem::new(
                    index,
                    ProblemCode::RepInactive,
                    "repId",
                    "the rep is deactivated",
                ));
            }
            Some(true) => {}
        }
        if role == MemberRole::Owner {
            let owner = state
                .members_of(c.territory_id)
                .into_iter()
                .find(|(rep, r)| *r == MemberRole::Owner && *rep != c.rep_id);
            if let Some((owner, _)) = owner {
                return Err(Problem::new(
                    index,
                    ProblemCode::OwnerTaken,
                    "role",
                    format!("the territory already has an owner (rep {owner}); unassign it first"),
                ));
            }
        }
    }
    if before == c.role {
        return Err(Problem::new(
            index,
            ProblemCode::NothingToChange,
            "repId",
            match c.role {
                Some(_) => "the rep already has this role on the territory",
                None => "the rep is not a member of the territory",
            },
        ));
    }
    let members = state.members.entry(c.territory_id).or_default();
    match c.role {
        Some(role) => members.insert(c.rep_id, role),
        None => members.remove(&c.rep_id),
    };
    Ok(MemberEffect {
        change_index: index,
        territory_id: c.territory_id,
        rep_id: c.rep_id,
        before,
        after: c.role,
    })
}

/// Takes every member off a territory that was just deleted.
pub(super) fn release_members(
    state: &mut AlignmentState,
    index: usize,
    territory: TerritoryId,
) -> Vec<MemberEffect> {
    let members = state.members_of(territory);
    state.members.remove(&territory);
    members
        .into_iter()
        .map(|(rep_id, role)| MemberEffect {
            change_index: index,
            territory_id: territory,
            rep_id,
            before: Some(role),
            after: None,
        })
        .collect()
}

/// Sets or clears a quota. Setting needs a live territory; clearing does not (a revert may
/// clear the quota of a territory it is about to delete, in either order).
pub(super) fn set_quota(
    state: &mut AlignmentState,
    index: usize,
    c: &SetQuota,
) -> Result<QuotaEffect, Problem> {
    if c.amount.is_some() && state.territory(c.key.territory_id).is_none() {
        return Err(Problem::new(
            index,
            ProblemCode::TerritoryNotFound,
            "territoryId",
            "no such territory",
        ));
    }
    let before = state.quota(&c.key);
    if let Some(expected) = c.expected.filter(|e| *e != before) {
        let shown =
            |a: Option<crate::account::Amount>| a.map_or("not set".into(), |a| a.to_string());
        return Err(Problem::new(
            index,
            ProblemCode::StaleVersion,
            "amount",
            format!(
                "the quota is {}, not the {} expected",
                shown(before),
                shown(expected)
            ),
        ));
    }
    if before == c.amount {
        return Err(Problem::new(
            index,
            ProblemCode::NothingToChange,
            "amount",
            "the quota already has this amount",
        ));
    }
    state.quotas.insert(c.key, c.amount);
    Ok(QuotaEffect {
        change_index: index,
        key: c.key,
        before,
        after: c.amount,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Amount;
    use crate::ids::RepId;
    use crate::quota::{Metric, Period, QuotaKey};
    use crate::realignment::{Change, DeleteTerritory, Effect, apply};
    use crate::territory::{Territory, TerritoryCode, TerritoryName};

    fn territory() -> Territory {
        Territory {
            id: TerritoryId::new(),
            parent_id: None,
            name: TerritoryName::parse("West").unwrap(),
            code: TerritoryCode::parse("W").unwrap(),
            boundary: None,
            version: 1,
        }
    }

    fn member(t: TerritoryId, r: RepId, role: Option<MemberRole>) -> Change {
        Change::SetMember(SetMember {
            expected: None,
            territory_id: t,
            rep_id: r,
            role,
        })
    }

    #[test]
    fn one_owner_many_overlays_and_only_active_reps() {
        let t = territory();
        let (ada, bo, cy, gone) = (RepId::new(), RepId::new(), RepId::new(), RepId::new());
        let state = AlignmentState::new([t.clone()]).with_reps([
            (ada, true),
            (bo, true),
            (cy, true),
            (gone, false),
        ]);
        let owner = Some(MemberRole::Owner);
        let overlay = Some(MemberRole::Overlay);
        let ok = apply(
            state.clone(),
            &[
                member(t.id, ada, owner),
                member(t.id, bo, overlay),
                member(t.id, cy, overlay),
            ],
        )
        .unwrap();
        assert_eq!(ok.state.members_of(t.id).len(), 3);

        let second = apply(ok.state.clone(), &[member(t.id, bo, owner)]).unwrap_err();
        assert_eq!(second[0].code, ProblemCode::OwnerTaken);
        // Handing over: the owner steps down first, in the same realignment.
        let handed = apply(
            ok.state.clone(),
            &[member(t.id, ada, None), member(t.id, bo, owner)],
        )
        .unwrap();
        assert_eq!(handed.state.member_role(t.id, bo), owner);

        let codes = |changes: &[Change]| -> Vec<ProblemCode> {
            apply(state.clone(), changes)
                .unwrap_err()
                .iter()
                .map(|p| p.code)
                .collect()
        };
        assert_eq!(
            codes(&[member(t.id, gone, overlay)]),
            [ProblemCode::RepInactive]
        );
        assert_eq!(
            codes(&[member(t.id, RepId::new(), overlay)]),
            [ProblemCode::RepNotFound]
        );
        assert_eq!(
            codes(&[member(TerritoryId::new(), ada, overlay)]),
            [ProblemCode::TerritoryNotFound]
        );
        assert_eq!(
            codes(&[member(t.id, ada, None)]),
            [ProblemCode::NothingToChange]
        );
    }

    #[test]
    fn a_member_change_expecting_another_role_is_stale() {
        let t = territory();
        let ada = RepId::new();
        let state = AlignmentState::new([t.clone()])
            .with_reps([(ada, true)])
            .with_members([(t.id, ada, MemberRole::Overlay)]);
        let change = |expected| {
            Change::SetMember(SetMember {
                expected: Some(expected),
                territory_id: t.id,
                rep_id: ada,
                role: Some(MemberRole::Owner),
            })
        };
        let stale = apply(state.clone(), &[change(None)]).unwrap_err();
        assert_eq!(stale[0].code, ProblemCode::StaleVersion);
        let ok = apply(state, &[change(Some(MemberRole::Overlay))]).unwrap();
        assert_eq!(ok.state.member_role(t.id, ada), Some(MemberRole::Owner));
    }

    #[test]
    fn deleting_a_territory_releases_its_members() {
        let t = territory();
        let ada = RepId::new();
        let state = AlignmentState::new([t.clone()])
            .with_reps([(ada, true)])
            .with_members([(t.id, ada, MemberRole::Owner)]);
        let applied = apply(
            state,
            &[Change::DeleteTerritory(DeleteTerritory {
                id: t.id,
                expected_version: None,
            })],
        )
        .unwrap();
        assert!(applied.effects.iter().any(|e| matches!(e,
            Effect::Member(m) if m.rep_id == ada && m.after.is_none())));
        assert!(applied.state.members_of(t.id).is_empty());
    }

    #[test]
    fn quotas_are_set_and_cleared_on_live_territories() {
        let t = territory();
        let key = QuotaKey {
            territory_id: t.id,
            period: Period::parse("FY2027").unwrap(),
            metric: Metric::Revenue,
        };
        let amount = Some(Amount::parse("1000000.01").unwrap());
        let state = AlignmentState::new([t.clone()]);
        let set = apply(
            state.clone(),
            &[Change::SetQuota(SetQuota {
                key,
                amount,
                expected: None,
            })],
        )
        .unwrap();
        assert_eq!(set.state.quota(&key), amount);
        let again = apply(
            set.state.clone(),
            &[Change::SetQuota(SetQuota {
                key,
                amount,
                expected: None,
            })],
        )
        .unwrap_err();
        assert_eq!(again[0].code, ProblemCode::NothingToChange);
        // Expecting the quota unset when it is set: stale, nothing applied.
        let other = Some(Amount::parse("5").unwrap());
        let stale = SetQuota {
            key,
            amount: other,
            expected: Some(None),
        };
        let refused = apply(set.state.clone(), &[Change::SetQuota(stale)]).unwrap_err();
        assert_eq!(refused[0].code, ProblemCode::StaleVersion);
        let current = SetQuota {
            expected: Some(amount),
            ..stale
        };
        let ok = apply(set.state.clone(), &[Change::SetQuota(current)]).unwrap();
        assert_eq!(ok.state.quota(&key), other);
        let elsewhere = QuotaKey {
            territory_id: TerritoryId::new(),
            ..key
        };
        let missing = apply(
            state,
            &[Change::SetQuota(SetQuota {
                expected: None,
                key: elsewhere,
                amount,
            })],
        )
        .unwrap_err();
        assert_eq!(missing[0].code, ProblemCode::TerritoryNotFound);
    }
}
