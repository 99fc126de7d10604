//! The tenant's fiscal calendar and monitoring threshold, and reading quotas: a territory's
//! quota for a period beside the sum of its children's, so a gap shows at a glance. Quotas are
//! written only as realignment changes (see [`crate::staffing`]).

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;
use terrane_domain::account::Amount;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::TerritoryId;
use terrane_domain::quota::{FiscalCalendar, Metric, Period};

use crate::audit;
use crate::entity::{quota, tenant, territory};
use crate::error::StoreError;
use crate::scope::{TenantScope, WriteContext};

/// How a tenant measures its periods and flags territories.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiscalSettings {
    /// The fiscal calendar.
    pub calendar: FiscalCalendar,
    /// A territory whose attainment trails the period's pace by more than this (a fraction)
    /// is UNDERPERFORMING.
    pub underperforming_threshold: f64,
}

/// Why fiscal settings were refused.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsRefusal {
    /// Quotas exist: moving the year's start would silently change what their periods mean.
    CalendarInUse,
}

/// A territory's quota for one period and metric, beside its children's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaSummary {
    /// Its own quota (`None`: not set).
    pub amount: Option<Amount>,
    /// The sum of its live children's quotas for the same period.
    pub children_total: Amount,
    /// How many of its children have a quota.
    pub children_with_quota: u64,
}

pub(crate) async fn settings_in<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
) -> Result<FiscalSettings, StoreError> {
    let row = tenant::Entity::find_by_id(tenant)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::corrupt("tenant row missing"))?;
    let month = u32::try_from(row.fiscal_start_month).unwrap_or(0);
    Ok(FiscalSettings {
        calendar: FiscalCalendar::new(month)
            .map_err(|_| StoreError::corrupt("fiscal start month"))?,
        underperforming_threshold: row.underperforming_threshold,
    })
}

/// Current quotas of `territories` for one period and metric, on a connection the caller holds.
pub(crate) async fn quotas_of<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    territories: &[TerritoryId],
    period: Period,
    metric: Metric,
) -> Result<HashMap<TerritoryId, Amount>, StoreError> {
    let mut out = HashMap::with_capacity(territories.len());
    for chunk in territories.chunks(5_000) {
        let rows: Vec<(uuid::Uuid, i64)> = quota::Entity::find()
            .select_only()
            .column(quota::Column::TerritoryId)
            .column(quota::Column::AmountHundredths)
            .filter(quota::Column::TenantId.eq(tenant))
            .filter(quota::Column::Period.eq(period.label()))
            .filter(quota::Column::Metric.eq(metric.as_str()))
            .filter(quota::Column::ValidTo.is_null())
            .filter(quota::Column::TerritoryId.is_in(chunk.iter().map(|t| t.as_uuid())))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(
            rows.into_iter()
                .map(|(t, a)| (TerritoryId::from_uuid(t), Amount::from_hundredths(a))),
        );
    }
    Ok(out)
}

impl TenantScope<'_> {
    /// The tenant's fiscal calendar and threshold.
    pub async fn fiscal_settings(&self) -> Result<FiscalSettings, StoreError> {
        settings_in(&self.conn().await?, self.tid()).await
    }

    /// Sets the fiscal calendar and threshold (audited). Moving the start month is refused once
    /// quotas exist.
    pub async fn set_fiscal_settings(
        &self,
        settings: FiscalSettings,
        ctx: &WriteContext,
    ) -> Result<Result<FiscalSettings, SettingsRefusal>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let before = settings_in(&txn, self.tid()).await?;
        if before.calendar != settings.calendar {
            let quotas = quota::Entity::find()
                .filter(quota::Column::TenantId.eq(self.tid()))
                .count(&txn)
                .await?;
            if quotas > 0 {
                return Ok(Err(SettingsRefusal::CalendarInUse));
            }
        }
        tenant::Entity::update(tenant::ActiveModel {
            id: Set(self.tid()),
            fiscal_start_month: Set(i32::try_from(settings.calendar.start_month()).unwrap_or(1)),
            underperforming_threshold: Set(settings.underperforming_threshold),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let snapshot = |s: &FiscalSettings| {
            json!({
                "startMonth": s.calendar.start_month(),
                "underperformingThreshold": s.underperforming_threshold,
            })
        };
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "tenant.fiscal_settings_set".into(),
            entity_type: "Tenant".into(),
            entity_id: Some(self.tid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: Some(snapshot(&before)),
            after: Some(snapshot(&settings)),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(settings))
    }

    /// Current quotas of `territories` for one period and metric.
    pub async fn quotas_of(
        &self,
        territories: &[TerritoryId],
        period: Period,
        metric: Metric,
    ) -> Result<HashMap<TerritoryId, Amount>, StoreError> {
        quotas_of(&self.conn().await?, self.tid(), territories, period, metric).await
    }

    /// Each of `territories`' quota beside its children's total (two queries, for DataLoaders).
    pub async fn quota_summaries(
        &self,
        territories: &[TerritoryId],
        period: Period,
        metric: Metric,
    ) -> Result<HashMap<TerritoryId, QuotaSummary>, StoreError> {
        let db = self.conn().await?;
        let mut children: Vec<(uuid::Uuid, Option<uuid::Uuid>)> = Vec::new();
        for chunk in territories.chunks(5_000) {
            let rows: Vec<(uuid::Uuid, Option<uuid::Uuid>)> = territory::Entity::find()
                .select_only()
                .column(territory::Column::Id)
                .column(territory::Column::ParentId)
                .filter(territory::Column::TenantId.eq(self.tid()))
                .filter(territory::Column::DeletedAt.is_null())
                .filter(territory::Column::ParentId.is_in(chunk.iter().map(|t| t.as_uuid())))
                .into_tuple()
                .all(&db)
                .await?;
            children.extend(rows);
        }
        let mut ids: Vec<TerritoryId> = territories.to_vec();
        ids.extend(children.iter().map(|(c, _)| TerritoryId::from_uuid(*c)));
        let quotas = quotas_of(&db, self.tid(), &ids, period, metric).await?;
        let mut out: HashMap<TerritoryId, QuotaSummary> = territories
            .iter()
            .map(|t| {
                let summary = QuotaSummary {
                    amount: quotas.get(t).copied(),
                    children_total: Amount::ZERO,
                    children_with_quota: 0,
                };
                (*t, summary)
            })
            .collect();
        for (child, parent) in children {
            let (Some(parent), Some(amount)) = (
                parent.map(TerritoryId::from_uuid),
                quotas.get(&TerritoryId::from_uuid(child)),
            ) else {
                continue;
            };
            if let Some(summary) = out.get_mut(&parent) {
                let total = summary.children_total.hundredths().unwrap_or(0)
                    + amount.hundredths().unwrap_or(0);
                summary.children_total = Amount::from_hundredths(total);
                summary.children_with_quota += 1;
            }
        }
        Ok(out)
    }
}
