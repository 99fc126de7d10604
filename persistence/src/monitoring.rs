//! The screens sales leaders open each week: performance against quota, balance between
//! siblings, coverage gaps and owner suggestions. Each is a handful of grouped queries (never
//! one per territory); the arithmetic is the domain's.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use terrane_domain::account::{Amount, Location};
use terrane_domain::ids::{RepId, TerritoryId};
use terrane_domain::quota::{Metric, Period, ranks, roll_up, standing};
use terrane_domain::realignment::spread;
use terrane_domain::rep::{Candidate, Suggestion, TerritoryProfile, suggest};
use terrane_domain::territory::Territory;
use uuid::Uuid;

use crate::account_totals::{self, Tops};
use crate::entity::{account, actual_total, assignment, territory, territory_member};
use crate::error::StoreError;
use crate::metrics::TerritoryMetrics;
use crate::records::TerritoryRecord;
use crate::reps::RepRecord;
use crate::scope::TenantScope;
use crate::{metrics, quotas, territories};

/// One territory's standing in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct PerformanceRow {
    /// The territory.
    pub territory: Territory,
    /// Its quota (`None`: not set).
    pub quota: Option<Amount>,
    /// Sales credited to it and everything below it in the period.
    pub actual: Amount,
    /// Actual over quota (1.0 = 100 %).
    pub attainment: Option<f64>,
    /// Share of the period elapsed.
    pub pace: f64,
    /// 1 = best attainment among the rows.
    pub rank: usize,
    /// Trails the pace by more than the tenant's threshold.
    pub underperforming: bool,
}

/// One child in a balance view.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceLine {
    /// The territory.
    pub territory: Territory,
    /// Its subtree's accounts, summed.
    pub metrics: TerritoryMetrics,
    /// Its quota for the period, when asked and set.
    pub quota: Option<Amount>,
    /// Deviation of the chosen measure from the siblings' mean, in percent.
    pub deviation: f64,
}

/// Which measure a balance view compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceMeasure {
    /// Number of accounts.
    AccountCount,
    /// Summed potential.
    Potential,
    /// Summed workload.
    Workload,
    /// Quota for the period.
    Quota,
}

/// Siblings side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceView {
    /// Standard deviation over mean of the chosen measure (0 = perfectly even).
    pub coefficient_of_variation: f64,
    /// One line per child.
    pub lines: Vec<BalanceLine>,
}

/// Where staffing falls short.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// Live territories without an OWNER.
    pub unowned: Vec<Territory>,
    /// Accounts sitting in those territories.
    pub accounts_in_unowned: u64,
    /// Active reps whose owned territories' workload exceeds their capacity: (rep, load).
    pub over_capacity: Vec<(RepRecord, f64)>,
}

#[derive(Debug, FromQueryResult)]
struct Sum {
    territory_id: Option<Uuid>,
    total: i64,
}

#[derive(Debug, FromQueryResult)]
struct Trait {
    industry: Option<String>,
    segment: Option<String>,
    n: i64,
    lat: Option<f64>,
    lon: Option<f64>,
    located: i64,
    workload: Option<i64>,
}

/// Sales per territory (direct) in `[from, to)` — both first days of months, as every
/// fiscal period's bounds are — from the monthly totals.
async fn actuals_between<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    metric: Metric,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<TerritoryId, i64>, StoreError> {
    let total = Expr::expr(Func::sum(Expr::col(actual_total::Column::AmountHundredths)))
        .cast_as(Alias::new("BIGINT"));
    let query = Query::select()
        .column(actual_total::Column::TerritoryId)
        .expr_as(total, Alias::new("total"))
        .from(actual_total::Entity)
        .and_where(Expr::col(actual_total::Column::TenantId).eq(tenant))
        .and_where(Expr::col(actual_total::Column::Metric).eq(metric.as_str()))
        .and_where(Expr::col(actual_total::Column::Month).gte(from))
        .and_where(Expr::col(actual_total::Column::Month).lt(to))
        .group_by_col(actual_total::Column::TerritoryId)
        .to_owned();
    let statement = conn.get_database_backend().build(&query);
    Ok(Sum::find_by_statement(statement)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|s| Some((TerritoryId::from_uuid(s.territory_id?), s.total)))
        .collect())
}

/// The workload each rep carries as OWNER (accounts directly in the territories it owns).
async fn owner_loads<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
) -> Result<HashMap<RepId, f64>, StoreError> {
    let owned: Vec<(Uuid, Uuid)> = territory_member::Entity::find()
        .select_only()
        .column(territory_member::Column::TerritoryId)
        .column(territory_member::Column::RepId)
        .filter(territory_member::Column::TenantId.eq(tenant))
        .filter(territory_member::Column::ValidTo.is_null())
        .filter(territory_member::Column::Role.eq("OWNER"))
        .into_tuple()
        .all(conn)
        .await?;
    let territories: Vec<TerritoryId> = owned
        .iter()
        .map(|(t, _)| TerritoryId::from_uuid(*t))
        .collect();
    let metrics = metrics::direct_metrics(conn, tenant, &territories).await?;
    let mut loads: HashMap<RepId, f64> = HashMap::new();
    for (territory, rep) in owned {
        let workload = metrics
            .get(&TerritoryId::from_uuid(territory))
            .map_or(0, |m| m.workload.hundredths().unwrap_or(0));
        *loads.entry(RepId::from_uuid(rep)).or_default() += workload as f64 / 100.0;
    }
    Ok(loads)
}

impl TenantScope<'_> {
    /// Each child of `parent` (every territory when `None`) against its quota for `period`:
    /// actuals rolled up over its subtree, attainment, the pace of the period as of `today`,
    /// rank and the UNDERPERFORMING flag.
    pub async fn performance(
        &self,
        period: Period,
        parent: Option<TerritoryId>,
        metric: Metric,
        today: NaiveDate,
    ) -> Result<Vec<PerformanceRow>, StoreError> {
        let db = self.conn().await?;
        let tenant = self.tid();
        let settings = quotas::settings_in(&db, tenant).await?;
        let state = territories::load_state(&db, tenant).await?;
        let mut listed: Vec<Territory> = match parent {
            Some(p) => state
                .hierarchy()
                .children(p)
                .into_iter()
                .filter_map(|c| state.territory(c).cloned())
                .collect(),
            None => state.territories().cloned().collect(),
        };
        listed.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        let (from, to) = settings.calendar.range(period);
        let direct = actuals_between(&db, tenant, metric, from, to).await?;
        let rolled = roll_up(state.hierarchy(), &direct);
        let ids: Vec<TerritoryId> = listed.iter().map(|t| t.id).collect();
        let quotas = quotas::quotas_of(&db, tenant, &ids, period, metric).await?;
        let pace = settings.calendar.elapsed(period, today);
        let standings: Vec<_> = listed
            .iter()
            .map(|t| {
                let actual = Amount::from_hundredths(rolled.get(&t.id).copied().unwrap_or(0));
                let quota = quotas.get(&t.id).copied();
                let s = standing(
                    quota.map_or(Amount::ZERO.value(), |q| q.value()),
                    actual.value(),
                    pace,
                    settings.underperforming_threshold,
                );
                (quota, actual, s)
            })
            .collect();
        let ranked = ranks(
            &standings
                .iter()
                .map(|(_, _, s)| s.attainment)
                .collect::<Vec<_>>(),
        );
        Ok(listed
            .into_iter()
            .zip(standings)
            .zip(ranked)
            .map(|((territory, (quota, actual, s)), rank)| PerformanceRow {
                territory,
                quota,
                actual,
                attainment: s.attainment,
                pace: s.pace,
                rank,
                underperforming: s.underperforming,
            })
            .collect())
    }

    /// The children of `parent` (the roots when `None`) side by side: accounts, potential and
    /// workload of each subtree, quota for `period`, and each one's deviation from the
    /// siblings' mean in `measure`, with the coefficient of variation.
    pub async fn balance(
        &self,
        parent: Option<TerritoryId>,
        period: Option<Period>,
        metric: Metric,
        measure: BalanceMeasure,
    ) -> Result<BalanceView, StoreError> {
        let db = self.conn().await?;
        let tenant = self.tid();
        let mut children: Vec<Territory> = territories::live(tenant)
            .filter(match parent {
                Some(p) => territory::Column::ParentId.eq(p.as_uuid()),
                None => territory::Column::ParentId.is_null(),
            })
            .all(&db)
            .await?
            .into_iter()
            .map(|m| TerritoryRecord::try_from(m).map(|r| r.territory))
            .collect::<Result<_, _>>()?;
        children.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        // Each child's subtree summed from the kept totals, in one query.
        let sums = account_totals::subtree_sums(&db, tenant, Tops::ChildrenOf(parent)).await?;
        let child_ids: Vec<TerritoryId> = children.iter().map(|c| c.id).collect();
        let quotas = match period {
            Some(p) => quotas::quotas_of(&db, tenant, &child_ids, p, metric).await?,
            None => HashMap::new(),
        };
        let values: Vec<f64> = children
            .iter()
            .map(|c| {
                let m = sums.get(&c.id).copied().unwrap_or_default();
                let hundredths = |a: Amount| a.hundredths().unwrap_or(0) as f64 / 100.0;
                match measure {
                    BalanceMeasure::AccountCount => m.account_count as f64,
                    BalanceMeasure::Potential => hundredths(m.potential),
                    BalanceMeasure::Workload => hundredths(m.workload),
                    BalanceMeasure::Quota => quotas.get(&c.id).map_or(0.0, |q| hundredths(*q)),
                }
            })
            .collect();
        let (deviations, cv) = spread(&values);
        Ok(BalanceView {
            coefficient_of_variation: cv,
            lines: children
                .into_iter()
                .zip(deviations)
                .map(|(territory, deviation)| BalanceLine {
                    metrics: sums.get(&territory.id).copied().unwrap_or_default(),
                    quota: quotas.get(&territory.id).copied(),
                    territory,
                    deviation,
                })
                .collect(),
        })
    }

    /// Territories without an owner, the accounts in them, and reps over capacity.
    pub async fn coverage(&self) -> Result<Coverage, StoreError> {
        let db = self.conn().await?;
        let tenant = self.tid();
        let state = territories::load_state(&db, tenant).await?;
        let mut unowned: Vec<Territory> = state
            .territories()
            .filter(|t| {
                !state
                    .members_of(t.id)
                    .iter()
                    .any(|(_, role)| *role == terrane_domain::rep::MemberRole::Owner)
            })
            .cloned()
            .collect();
        unowned.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        let ids: Vec<TerritoryId> = unowned.iter().map(|t| t.id).collect();
        let accounts_in_unowned = metrics::direct_metrics(&db, tenant, &ids)
            .await?
            .values()
            .map(|m| m.account_count)
            .sum();
        let loads = owner_loads(&db, tenant).await?;
        let rep_ids: Vec<RepId> = loads.keys().copied().collect();
        let reps = crate::reps::reps_by_ids(&db, tenant, &rep_ids).await?;
        let mut over_capacity: Vec<(RepRecord, f64)> = reps
            .into_iter()
            .filter(|r| r.active)
            .filter_map(|r| {
                let load = loads.get(&r.id).copied().unwrap_or(0.0);
                (load > r.fields.capacity.hours()).then_some((r, load))
            })
            .collect();
        over_capacity.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(Coverage {
            unowned,
            accounts_in_unowned,
            over_capacity,
        })
    }

    /// Active reps ranked to own `territory` (its whole subtree's accounts count), best first;
    /// `None` when there is no such territory.
    pub async fn owner_suggestions(
        &self,
        territory: TerritoryId,
    ) -> Result<Option<Vec<(RepRecord, Suggestion)>>, StoreError> {
        let db = self.conn().await?;
        let tenant = self.tid();
        let state = territories::load_state(&db, tenant).await?;
        if state.territory(territory).is_none() {
            return Ok(None);
        }
        let subtree: Vec<Uuid> = state
            .territories()
            .filter(|t| t.id == territory || state.hierarchy().ancestors(t.id).contains(&territory))
            .map(|t| t.id.as_uuid())
            .collect();
        let query = Query::select()
            .column((account::Entity, account::Column::Industry))
            .column((account::Entity, account::Column::Segment))
            .expr_as(
                Expr::expr(Func::count(Expr::col((
                    account::Entity,
                    account::Column::Id,
                ))))
                .cast_as(Alias::new("BIGINT")),
                Alias::new("n"),
            )
            .expr_as(
                Expr::expr(Func::sum(Expr::col((
                    account::Entity,
                    account::Column::Lat,
                ))))
                .cast_as(Alias::new("DOUBLE PRECISION")),
                Alias::new("lat"),
            )
            .expr_as(
                Expr::expr(Func::sum(Expr::col((
                    account::Entity,
                    account::Column::Lon,
                ))))
                .cast_as(Alias::new("DOUBLE PRECISION")),
                Alias::new("lon"),
            )
            .expr_as(
                Expr::expr(Func::count(Expr::col((
                    account::Entity,
                    account::Column::Lat,
                ))))
                .cast_as(Alias::new("BIGINT")),
                Alias::new("located"),
            )
            .expr_as(
                Expr::expr(Func::sum(Expr::col((
                    account::Entity,
                    account::Column::WorkloadHundredths,
                ))))
                .cast_as(Alias::new("BIGINT")),
                Alias::new("workload"),
            )
            .from(assignment::Entity)
            .inner_join(
                account::Entity,
                account_totals::the_account(
                    (assignment::Entity, assignment::Column::TenantId),
                    (assignment::Entity, assignment::Column::AccountId),
                ),
            )
            .and_where(Expr::col((assignment::Entity, assignment::Column::TenantId)).eq(self.tid()))
            .and_where(
                Expr::col((assignment::Entity, assignment::Column::TerritoryId)).is_in(subtree),
            )
            .group_by_col((account::Entity, account::Column::Industry))
            .group_by_col((account::Entity, account::Column::Segment))
            .to_owned();
        let statement = db.get_database_backend().build(&query);
        let groups = Trait::find_by_statement(statement).all(&db).await?;
        let located: i64 = groups.iter().map(|g| g.located).sum();
        let (lat, lon) = groups.iter().fold((0.0, 0.0), |(la, lo), g| {
            (la + g.lat.unwrap_or(0.0), lo + g.lon.unwrap_or(0.0))
        });
        let profile = TerritoryProfile {
            traits: groups
                .iter()
                .map(|g| {
                    (
                        g.industry.clone(),
                        g.segment.clone(),
                        u64::try_from(g.n).unwrap_or(0),
                    )
                })
                .collect(),
            centroid: (located > 0)
                .then(|| Location::new(lat / located as f64, lon / located as f64).ok())
                .flatten(),
            workload: groups.iter().filter_map(|g| g.workload).sum::<i64>() as f64 / 100.0,
        };
        let loads = owner_loads(&db, tenant).await?;
        let reps: Vec<RepRecord> = crate::entity::rep::Entity::find()
            .filter(crate::entity::rep::Column::TenantId.eq(self.tid()))
            .filter(crate::entity::rep::Column::Active.eq(true))
            .all(&db)
            .await?
            .into_iter()
            .map(RepRecord::try_from)
            .collect::<Result<_, _>>()?;
        let candidates: Vec<Candidate> = reps
            .iter()
            .map(|r| Candidate {
                rep_id: r.id,
                skills: r.fields.skills.clone(),
                home_base: r.fields.home_base,
                capacity: r.fields.capacity,
                load: loads.get(&r.id).copied().unwrap_or(0.0),
            })
            .collect();
        let by_id: HashMap<RepId, RepRecord> = reps.into_iter().map(|r| (r.id, r)).collect();
        Ok(Some(
            suggest(&profile, &candidates)
                .into_iter()
                .filter_map(|s| by_id.get(&s.rep_id).cloned().map(|r| (r, s)))
                .collect(),
        ))
    }
}
