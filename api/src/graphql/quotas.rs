//! Quotas: the fiscal calendar, setting and spreading quotas (realignment changes, so audited
//! and revertable), and the performance and balance views. Recording sales is in `actuals`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::Utc;
use rust_decimal::Decimal;
use terrane_domain::account::Amount;
use terrane_domain::identity::Permission;
use terrane_domain::ids::TerritoryId;
use terrane_domain::quota::{self, Period, QuotaKey};
use terrane_domain::realignment::{Change, SetQuota};
use terrane_persistence::{FiscalSettings, RealignmentRequest};

use crate::auth::RoleGuard;
use crate::graphql::ids::{NodeKind, decode_as};
use crate::graphql::loaders::load_record;
use crate::graphql::staffing::territory_records;
use crate::graphql::types::{
    Balance, BalanceMeasure, BalanceRowView, FiscalCalendar, Metric, PerformanceRow, QuotaSummary,
    Realignment, Territory,
};
use crate::graphql::{ApiError, RequestContext, UserError};

/// Set the fiscal calendar and the monitoring threshold.
#[derive(InputObject)]
pub struct SetFiscalCalendarInput {
    /// Month (1-12) the fiscal year starts in.
    pub start_month: u32,
    /// Percentage points attainment may trail pace before UNDERPERFORMING (default: unchanged).
    pub underperforming_threshold: Option<f64>,
}

/// Set one territory's quota for one period.
#[derive(InputObject)]
pub struct SetQuotaInput {
    /// The territory.
    pub territory_id: ID,
    /// `FY2027`, `FY2027-Q1` or `FY2027-M01`.
    pub period: String,
    /// What it counts.
    #[graphql(default)]
    pub metric: Metric,
    /// The amount (zero or more, at most two decimals).
    pub amount: Decimal,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Spread a yearly (or quarterly) figure over its parts by seasonality weights.
#[derive(InputObject)]
pub struct SpreadQuotaInput {
    /// The territory.
    pub territory_id: ID,
    /// A year (4 weights: quarters; 12: months, quarters summed from them) or a quarter (3).
    pub period: String,
    /// What it counts.
    #[graphql(default)]
    pub metric: Metric,
    /// The whole amount.
    pub amount: Decimal,
    /// Relative weights, e.g. `[1, 1, 1.2, 1.5]`.
    pub weights: Vec<Decimal>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// The calendar after setting it.
#[derive(SimpleObject)]
pub struct FiscalCalendarPayload {
    /// The calendar (null when refused).
    pub fiscal_calendar: Option<FiscalCalendar>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// The territory and its quotas after a quota change.
#[derive(SimpleObject)]
pub struct QuotaPayload {
    /// The territory (null when refused).
    pub territory: Option<Territory>,
    /// Each quota set, with its children's total.
    pub quotas: Vec<QuotaSummary>,
    /// The realignment that set them.
    pub realignment: Option<Realignment>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

fn period(text: &str) -> Result<Period, UserError> {
    Period::parse(text).map_err(|e| UserError::new("period", "UNKNOWN_PERIOD", e.to_string()))
}

pub(crate) fn amount(field: &str, value: Decimal) -> Result<Amount, UserError> {
    Amount::new(value).map_err(|e| UserError::new(field, "INVALID_AMOUNT", format!("{field}: {e}")))
}

fn calendar_view(s: FiscalSettings) -> FiscalCalendar {
    let today = Utc::now().date_naive();
    FiscalCalendar {
        start_month: s.calendar.start_month(),
        underperforming_threshold: s.underperforming_threshold * 100.0,
        current_year: s.calendar.year_of(today).label(),
        current_quarter: s.calendar.quarter_of(today).label(),
    }
}

/// Applies quota changes as one realignment and answers with the territory's summaries.
async fn set_quotas(
    ctx: &Context<'_>,
    territory: TerritoryId,
    metric: Metric,
    amounts: Vec<(Period, Amount)>,
    title: String,
    reason: Option<String>,
) -> Result<QuotaPayload> {
    let request = RequestContext::of(ctx)?;
    let scope = request.scope()?;
    let changes = amounts
        .iter()
        .map(|(p, a)| {
            Change::SetQuota(SetQuota {
                expected: None,
                key: QuotaKey {
                    territory_id: territory,
                    period: *p,
                    metric: metric.into(),
                },
                amount: Some(*a),
            })
        })
        .collect();
    let applied = scope
        .apply_realignment(
            RealignmentRequest {
                title,
                reason,
                changes,
            },
            &request.write_context()?,
        )
        .await
        .map_err(ApiError::from)?;
    let applied = match applied {
        Ok(applied) => applied,
        Err(problems) => {
            return Ok(QuotaPayload {
                territory: None,
                quotas: vec![],
                realignment: None,
                user_errors: problems.into_iter().map(UserError::from).collect(),
            });
        }
    };
    let mut quotas = Vec::with_capacity(amounts.len());
    for (p, _) in &amounts {
        let summaries = scope
            .quota_summaries(&[territory], *p, metric.into())
            .await
            .map_err(ApiError::from)?;
        if let Some(s) = summaries.get(&territory) {
            quotas.push(QuotaSummary::new(p.label(), *s));
        }
    }
    Ok(QuotaPayload {
        territory: load_record(ctx, territory).await?.map(Territory),
        quotas,
        realignment: Some(Realignment(applied.realignment)),
        user_errors: vec![],
    })
}

fn quota_refused(errors: Vec<UserError>) -> QuotaPayload {
    QuotaPayload {
        territory: None,
        quotas: vec![],
        realignment: None,
        user_errors: errors,
    }
}

/// Quota, performance and balance queries.
#[derive(Default)]
pub struct QuotaQuery;

#[Object]
impl QuotaQuery {
    /// The tenant's fiscal calendar.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn fiscal_calendar(&self, ctx: &Context<'_>) -> Result<FiscalCalendar> {
        let settings = RequestContext::of(ctx)?
            .scope()?
            .fiscal_settings()
            .await
            .map_err(ApiError::from)?;
        Ok(calendar_view(settings))
    }

    /// Each child of `parentId` (every territory when omitted) against its quota for `period`:
    /// actual (its subtree's sales credited by date), attainment and pace in percent, rank, and
    /// UNDERPERFORMING when attainment trails pace by more than the tenant's threshold.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn performance(
        &self,
        ctx: &Context<'_>,
        period: String,
        parent_id: Option<ID>,
        #[graphql(default)] metric: Metric,
    ) -> Result<Vec<PerformanceRow>> {
        let period = Period::parse(&period).map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let parent: Option<TerritoryId> = parent_id
            .as_ref()
            .map(|p| decode_as(p, NodeKind::Territory))
            .transpose()?;
        let scope = RequestContext::of(ctx)?.scope()?;
        if let Some(p) = parent
            && scope.territory(p).await.map_err(ApiError::from)?.is_none()
        {
            return Err(ApiError::NotFound("territory").into());
        }
        let rows = scope
            .performance(period, parent, metric.into(), Utc::now().date_naive())
            .await
            .map_err(ApiError::from)?;
        let ids: Vec<TerritoryId> = rows.iter().map(|r| r.territory.id).collect();
        let territories = territory_records(ctx, &ids).await?;
        Ok(rows
            .into_iter()
            .zip(territories)
            .map(|(r, territory)| PerformanceRow {
                territory,
                quota: r.quota.map(|q| q.value()),
                actual: r.actual.value(),
                attainment: r.attainment.map(|a| a * 100.0),
                pace: r.pace * 100.0,
                rank: u64::try_from(r.rank).unwrap_or(u64::MAX),
                underperforming: r.underperforming,
            })
            .collect())
    }

    /// The children of `parentId` (the roots when omitted) side by side — accounts, potential,
    /// workload and (with `period`) quota of each subtree — with each one's deviation from the
    /// siblings' mean in `measure` and the coefficient of variation.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn balance(
        &self,
        ctx: &Context<'_>,
        parent_id: Option<ID>,
        period: Option<String>,
        #[graphql(default)] metric: Metric,
        #[graphql(default_with = "BalanceMeasure::Workload")] measure: BalanceMeasure,
    ) -> Result<Balance> {
        let period = period
            .map(|p| Period::parse(&p).map_err(|e| ApiError::BadUserInput(e.to_string())))
            .transpose()?;
        if measure == BalanceMeasure::Quota && period.is_none() {
            return Err(ApiError::BadUserInput("measure QUOTA needs a period".into()).into());
        }
        let parent: Option<TerritoryId> = parent_id
            .as_ref()
            .map(|p| decode_as(p, NodeKind::Territory))
            .transpose()?;
        let scope = RequestContext::of(ctx)?.scope()?;
        if let Some(p) = parent
            && scope.territory(p).await.map_err(ApiError::from)?.is_none()
        {
            return Err(ApiError::NotFound("territory").into());
        }
        let view = scope
            .balance(parent, period, metric.into(), measure.into())
            .await
            .map_err(ApiError::from)?;
        let ids: Vec<TerritoryId> = view.lines.iter().map(|l| l.territory.id).collect();
        let territories = territory_records(ctx, &ids).await?;
        Ok(Balance {
            measure,
            coefficient_of_variation: view.coefficient_of_variation,
            rows: view
                .lines
                .into_iter()
                .zip(territories)
                .map(|(l, territory)| BalanceRowView {
                    territory,
                    account_count: l.metrics.account_count,
                    potential: l.metrics.potential.value(),
                    workload: l.metrics.workload.value(),
                    quota: l.quota.map(|q| q.value()),
                    deviation: l.deviation,
                })
                .collect(),
        })
    }
}

/// Quota mutations: the fiscal calendar, setting and spreading quotas.
#[derive(Default)]
pub struct QuotaMutation;

#[Object]
impl QuotaMutation {
    /// Set the fiscal year's start month (refused with CALENDAR_IN_USE once quotas exist) and
    /// the UNDERPERFORMING threshold.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn set_fiscal_calendar(
        &self,
        ctx: &Context<'_>,
        input: SetFiscalCalendarInput,
    ) -> Result<FiscalCalendarPayload> {
        let refused = |e: UserError| FiscalCalendarPayload {
            fiscal_calendar: None,
            user_errors: vec![e],
        };
        let calendar = match quota::FiscalCalendar::new(input.start_month) {
            Ok(c) => c,
            Err(e) => return Ok(refused(UserError::invalid("startMonth", e))),
        };
        let request = RequestContext::of(ctx)?;
        let scope = request.scope()?;
        let current = scope.fiscal_settings().await.map_err(ApiError::from)?;
        let threshold = match input.underperforming_threshold {
            None => current.underperforming_threshold,
            Some(t) if t.is_finite() && (0.0..=100.0).contains(&t) => t / 100.0,
            Some(t) => {
                return Ok(refused(UserError::invalid(
                    "underperformingThreshold",
                    format!("must be 0 to 100 percentage points, not {t}"),
                )));
            }
        };
        let settings = FiscalSettings {
            calendar,
            underperforming_threshold: threshold,
        };
        let outcome = scope
            .set_fiscal_settings(settings, &request.write_context()?)
            .await
            .map_err(ApiError::from)?;
        Ok(match outcome {
            Ok(s) => FiscalCalendarPayload {
                fiscal_calendar: Some(calendar_view(s)),
                user_errors: vec![],
            },
            Err(_) => refused(UserError::new(
                "startMonth",
                "CALENDAR_IN_USE",
                "quotas exist: moving the fiscal year's start would change what their periods mean",
            )),
        })
    }

    /// Set a territory's quota for one period (a one-change realignment, audited).
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn set_quota(&self, ctx: &Context<'_>, input: SetQuotaInput) -> Result<QuotaPayload> {
        let territory: TerritoryId = decode_as(&input.territory_id, NodeKind::Territory)?;
        let parsed = (period(&input.period), amount("amount", input.amount));
        let (p, a) = match parsed {
            (Ok(p), Ok(a)) => (p, a),
            (p, a) => {
                return Ok(quota_refused(
                    [p.err(), a.err()].into_iter().flatten().collect(),
                ));
            }
        };
        let title = format!("Set {} quota", p.label());
        set_quotas(
            ctx,
            territory,
            input.metric,
            vec![(p, a)],
            title,
            input.reason,
        )
        .await
    }

    /// Spread an amount over a period's quarters or months by weights: the period and every
    /// part get their quota in one realignment, and the parts add up to the cent.
    #[graphql(guard = "RoleGuard::new(Permission::WriteAlignment)")]
    async fn spread_quota(
        &self,
        ctx: &Context<'_>,
        input: SpreadQuotaInput,
    ) -> Result<QuotaPayload> {
        let territory: TerritoryId = decode_as(&input.territory_id, NodeKind::Territory)?;
        let (p, whole) = match (period(&input.period), amount("amount", input.amount)) {
            (Ok(p), Ok(a)) => (p, a),
            (p, a) => {
                return Ok(quota_refused(
                    [p.err(), a.err()].into_iter().flatten().collect(),
                ));
            }
        };
        let plan = match quota::spread_over(p, whole.value(), &input.weights) {
            Ok(plan) => plan,
            Err(e) => {
                return Ok(quota_refused(vec![UserError::new(
                    "weights",
                    "INVALID_WEIGHTS",
                    e.to_string(),
                )]));
            }
        };
        let mut amounts = Vec::with_capacity(plan.len());
        for (part, value) in plan {
            match amount("amount", value) {
                Ok(a) => amounts.push((part, a)),
                Err(e) => return Ok(quota_refused(vec![e])),
            }
        }
        let title = format!("Spread {} quota", p.label());
        set_quotas(ctx, territory, input.metric, amounts, title, input.reason).await
    }
}
