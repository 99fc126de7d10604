//! Quotas, performance and balance as clients see them.

use async_graphql::{Enum, SimpleObject};
use rust_decimal::Decimal;
use terrane_domain::quota::Metric as DomainMetric;

use super::Territory;

/// What a quota or an actual counts.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Metric {
    /// Money booked.
    #[default]
    Revenue,
    /// Units sold.
    Units,
}

impl From<Metric> for DomainMetric {
    fn from(m: Metric) -> Self {
        match m {
            Metric::Revenue => Self::Revenue,
            Metric::Units => Self::Units,
        }
    }
}

impl From<DomainMetric> for Metric {
    fn from(m: DomainMetric) -> Self {
        match m {
            DomainMetric::Revenue => Self::Revenue,
            DomainMetric::Units => Self::Units,
        }
    }
}

/// Which measure a balance view compares.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
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

impl From<BalanceMeasure> for terrane_persistence::BalanceMeasure {
    fn from(m: BalanceMeasure) -> Self {
        match m {
            BalanceMeasure::AccountCount => Self::AccountCount,
            BalanceMeasure::Potential => Self::Potential,
            BalanceMeasure::Workload => Self::Workload,
            BalanceMeasure::Quota => Self::Quota,
        }
    }
}

/// A territory's quota for a period beside its children's.
#[derive(SimpleObject)]
pub struct QuotaSummary {
    /// The period, e.g. `FY2027-Q1`.
    pub period: String,
    /// Its own quota (null: not set).
    pub amount: Option<Decimal>,
    /// The sum of its children's quotas for the period.
    pub children_total: Decimal,
    /// How many children have one.
    pub children_with_quota: u64,
    /// amount − childrenTotal (null without a quota): non-zero means the children do not add up.
    pub gap: Option<Decimal>,
}

impl QuotaSummary {
    /// From the store's summary.
    pub fn new(period: String, s: terrane_persistence::QuotaSummary) -> Self {
        Self {
            period,
            amount: s.amount.map(|a| a.value()),
            children_total: s.children_total.value(),
            children_with_quota: s.children_with_quota,
            gap: s.amount.map(|a| a.value() - s.children_total.value()),
        }
    }
}

/// One territory against its quota in a period.
#[derive(SimpleObject)]
pub struct PerformanceRow {
    /// The territory.
    pub territory: Territory,
    /// Its quota (null: not set).
    pub quota: Option<Decimal>,
    /// Sales credited to it and its descendants in the period.
    pub actual: Decimal,
    /// actual / quota in percent (null without a quota).
    pub attainment: Option<f64>,
    /// Share of the period elapsed, in percent: where attainment should be by now.
    pub pace: f64,
    /// 1 = best attainment; territories without quota come last.
    pub rank: u64,
    /// Attainment trails pace by more than the tenant's threshold.
    pub underperforming: bool,
}

/// One child in a balance view.
#[derive(SimpleObject)]
pub struct BalanceRowView {
    /// The territory.
    pub territory: Territory,
    /// Accounts in its subtree.
    pub account_count: u64,
    /// Their potential.
    pub potential: Decimal,
    /// Their workload.
    pub workload: Decimal,
    /// Its quota for the period asked (null: not asked or not set).
    pub quota: Option<Decimal>,
    /// Deviation of the chosen measure from the siblings' mean, in percent.
    pub deviation: f64,
}

/// Siblings side by side.
#[derive(SimpleObject)]
pub struct Balance {
    /// Which measure `deviation` and `coefficientOfVariation` compare.
    pub measure: BalanceMeasure,
    /// Standard deviation over mean of that measure (0 = perfectly even).
    pub coefficient_of_variation: f64,
    /// One row per child.
    pub rows: Vec<BalanceRowView>,
}

/// The tenant's fiscal calendar and monitoring threshold.
#[derive(SimpleObject)]
pub struct FiscalCalendar {
    /// Month (1-12) the fiscal year starts in; FY2027 is the year that ends in 2027.
    pub start_month: u32,
    /// Attainment may trail pace by this many percentage points before UNDERPERFORMING.
    pub underperforming_threshold: f64,
    /// The fiscal year today falls in, e.g. `FY2027`.
    pub current_year: String,
    /// The fiscal quarter today falls in, e.g. `FY2027-Q2`.
    pub current_quarter: String,
}

/// A recorded sale.
#[derive(SimpleObject)]
pub struct Actual {
    /// Global id of the account.
    pub account_id: async_graphql::ID,
    /// The territory credited (null: the account was in none that day).
    pub territory: Option<Territory>,
    /// The day of the sale, `YYYY-MM-DD`.
    pub date: String,
    /// How much.
    pub amount: Decimal,
    /// The sale's own id in your system, when given.
    pub reference: Option<String>,
}
