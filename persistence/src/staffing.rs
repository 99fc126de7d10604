//! Rep roles and quotas on the write path: loading what a realignment needs to decide (every
//! open membership and every rep's active flag — a tenant has thousands at most — and the quotas
//! it sets), writing role and quota changes as closed and opened intervals, and reading back
//! what a realignment changed for its revert.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};
use terrane_domain::account::Amount;
use terrane_domain::ids::{RealignmentId, RepId, TerritoryId};
use terrane_domain::quota::{Metric, Period, QuotaKey};
use terrane_domain::realignment::{AlignmentState, Change, Footprint, MemberEffect, QuotaEffect};
use terrane_domain::rep::MemberRole;
use uuid::Uuid;

use crate::entity::{quota, rep, territory_member};
use crate::error::StoreError;
use crate::revert::footprint_side;

/// Adds every open membership and every rep's active flag to `state`.
pub(crate) async fn with_staff<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    state: AlignmentState,
) -> Result<AlignmentState, StoreError> {
    let members = territory_member::Entity::find()
        .filter(territory_member::Column::TenantId.eq(tenant))
        .filter(territory_member::Column::ValidTo.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            let role = role_of(&m.role)?;
            Ok((
                TerritoryId::from_uuid(m.territory_id),
                RepId::from_uuid(m.rep_id),
                role,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let reps: Vec<(Uuid, bool)> = rep::Entity::find()
        .select_only()
        .column(rep::Column::Id)
        .column(rep::Column::Active)
        .filter(rep::Column::TenantId.eq(tenant))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(state
        .with_members(members)
        .with_reps(reps.into_iter().map(|(id, a)| (RepId::from_uuid(id), a))))
}

/// Adds the current amount of every quota `changes` (or a revert's `footprint`) sets.
pub(crate) async fn with_quotas<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    state: AlignmentState,
    keys: &[QuotaKey],
) -> Result<AlignmentState, StoreError> {
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        let mut any = Condition::any();
        for key in chunk {
            any = any.add(
                Condition::all()
                    .add(quota::Column::TerritoryId.eq(key.territory_id.as_uuid()))
                    .add(quota::Column::Period.eq(key.period.label()))
                    .add(quota::Column::Metric.eq(key.metric.as_str())),
            );
        }
        let rows = quota::Entity::find()
            .filter(quota::Column::TenantId.eq(tenant))
            .filter(quota::Column::ValidTo.is_null())
            .filter(any)
            .all(conn)
            .await?;
        for row in rows {
            found.push((
                key_of(&row)?,
                Some(Amount::from_hundredths(row.amount_hundredths)),
            ));
        }
    }
    let known: std::collections::HashSet<QuotaKey> = found.iter().map(|(k, _)| *k).collect();
    let unset: Vec<_> = keys
        .iter()
        .filter(|k| !known.contains(*k))
        .map(|k| (*k, None))
        .collect();
    Ok(state.with_quotas(found.into_iter().chain(unset)))
}

/// The quotas a list of changes sets.
pub(crate) fn quota_keys(changes: &[Change]) -> Vec<QuotaKey> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::SetQuota(q) => Some(q.key),
            _ => None,
        })
        .collect()
}

/// Ends a rep's open interval on a territory and opens the new one.
pub(crate) async fn write_member<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    m: &MemberEffect,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if m.before.is_some() {
        territory_member::Entity::update_many()
            .col_expr(territory_member::Column::ValidTo, Expr::value(now))
            .col_expr(
                territory_member::Column::EndedByRealignmentId,
                Expr::value(realignment.as_uuid()),
            )
            .filter(territory_member::Column::TenantId.eq(tenant))
            .filter(territory_member::Column::TerritoryId.eq(m.territory_id.as_uuid()))
            .filter(territory_member::Column::RepId.eq(m.rep_id.as_uuid()))
            .filter(territory_member::Column::ValidTo.is_null())
            .exec(conn)
            .await?;
    }
    if let Some(role) = m.after {
        territory_member::Entity::insert(territory_member::ActiveModel {
            tenant_id: Set(tenant),
            id: Set(Uuid::now_v7()),
            territory_id: Set(m.territory_id.as_uuid()),
            rep_id: Set(m.rep_id.as_uuid()),
            role: Set(role.as_str().to_owned()),
            valid_from: Set(now),
            valid_to: Set(None),
            realignment_id: Set(realignment.as_uuid()),
            ended_by_realignment_id: Set(None),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Ends a quota's open interval and opens the new one.
pub(crate) async fn write_quota<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    q: &QuotaEffect,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let period = q.key.period.label();
    if q.before.is_some() {
        quota::Entity::update_many()
            .col_expr(quota::Column::ValidTo, Expr::value(now))
            .col_expr(
                quota::Column::EndedByRealignmentId,
                Expr::value(realignment.as_uuid()),
            )
            .filter(quota::Column::TenantId.eq(tenant))
            .filter(quota::Column::TerritoryId.eq(q.key.territory_id.as_uuid()))
            .filter(quota::Column::Period.eq(period.clone()))
            .filter(quota::Column::Metric.eq(q.key.metric.as_str()))
            .filter(quota::Column::ValidTo.is_null())
            .exec(conn)
            .await?;
    }
    if let Some(amount) = q.after {
        let hundredths = amount
            .hundredths()
            .ok_or_else(|| StoreError::corrupt("quota amount out of range"))?;
        quota::Entity::insert(quota::ActiveModel {
            tenant_id: Set(tenant),
            id: Set(Uuid::now_v7()),
            territory_id: Set(q.key.territory_id.as_uuid()),
            period: Set(period),
            metric: Set(q.key.metric.as_str().to_owned()),
            amount_hundredths: Set(hundredths),
            valid_from: Set(now),
            valid_to: Set(None),
            realignment_id: Set(realignment.as_uuid()),
            ended_by_realignment_id: Set(None),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// Adds to `footprint` the roles and quotas realignment `id` changed: rows it ended hold the
/// state before, rows it opened (and did not end itself) the state after.
pub(crate) async fn add_to_footprint<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    id: RealignmentId,
    footprint: &mut Footprint,
) -> Result<(), StoreError> {
    let ours = id.as_uuid();
    let members = territory_member::Entity::find()
        .filter(territory_member::Column::TenantId.eq(tenant))
        .filter(
            Condition::any()
                .add(territory_member::Column::RealignmentId.eq(ours))
                .add(territory_member::Column::EndedByRealignmentId.eq(ours)),
        )
        .all(conn)
        .await?;
    for m in members {
        let opened = m.realignment_id == ours;
        let ended = m.ended_by_realignment_id == Some(ours);
        let role = role_of(&m.role)?;
        let entry = footprint
            .members
            .entry((
                TerritoryId::from_uuid(m.territory_id),
                RepId::from_uuid(m.rep_id),
            ))
            .or_default();
        if let Some(side) = footprint_side(entry, opened, ended) {
            *side = Some(role);
        }
    }
    let quotas = quota::Entity::find()
        .filter(quota::Column::TenantId.eq(tenant))
        .filter(
            Condition::any()
                .add(quota::Column::RealignmentId.eq(ours))
                .add(quota::Column::EndedByRealignmentId.eq(ours)),
        )
        .all(conn)
        .await?;
    for q in quotas {
        let opened = q.realignment_id == ours;
        let ended = q.ended_by_realignment_id == Some(ours);
        let amount = Amount::from_hundredths(q.amount_hundredths);
        let entry = footprint.quotas.entry(key_of(&q)?).or_default();
        if let Some(side) = footprint_side(entry, opened, ended) {
            *side = Some(amount);
        }
    }
    Ok(())
}

pub(crate) fn role_of(stored: &str) -> Result<MemberRole, StoreError> {
    MemberRole::parse(stored).map_err(|_| StoreError::corrupt(format!("member role {stored}")))
}

pub(crate) fn key_of(row: &quota::Model) -> Result<QuotaKey, StoreError> {
    Ok(QuotaKey {
        territory_id: TerritoryId::from_uuid(row.territory_id),
        period: Period::parse(&row.period)
            .map_err(|_| StoreError::corrupt(format!("quota period {}", row.period)))?,
        metric: Metric::parse(&row.metric)
            .ok_or_else(|| StoreError::corrupt(format!("quota metric {}", row.metric)))?,
    })
}
