//! Recorded sales (actuals). Each is credited, when it is written, to the territory that held
//! its account on the sale's date ([`credit`]), so a realignment later in the quarter does not
//! rewrite whose sale it was. Monthly totals per territory are kept in the same transaction, so
//! performance views sum thousands of rows, not millions. A sale may carry its own reference,
//! recorded once per tenant. Files are read by [`csv_rows`].

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use terrane_domain::account::{Amount, ExternalId};
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::{AccountId, ActualId, TerritoryId};
use terrane_domain::quota::Metric;
use uuid::Uuid;

mod credit;
mod csv_rows;

use credit::{Intervals, credit, intervals};
use csv_rows::parse;

use crate::audit;
use crate::entity::{account, actual, actual_total};
use crate::error::StoreError;
use crate::import::RowError;
use crate::scope::{TenantScope, WriteContext};

/// Rows per batched statement (8 columns).
const BATCH: usize = 2_000;

/// A sale to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActual {
    /// The account sold to.
    pub account_id: AccountId,
    /// The day of the sale.
    pub sold_on: NaiveDate,
    /// How much.
    pub amount: Amount,
    /// The sale's own id in the source system (an invoice or order number): a sale with a
    /// reference is recorded once, however often it is sent.
    pub reference: Option<ExternalId>,
}

/// A recorded sale.
#[derive(Debug, Clone, PartialEq)]
pub struct ActualRecord {
    /// Id.
    pub id: ActualId,
    /// The account sold to.
    pub account_id: AccountId,
    /// The territory credited (`None`: the account was in none that day).
    pub territory_id: Option<TerritoryId>,
    /// The day of the sale.
    pub sold_on: NaiveDate,
    /// How much.
    pub amount: Amount,
    /// The sale's own id in the source system, when given.
    pub reference: Option<ExternalId>,
}

/// Why a sale was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ActualRefusal {
    /// No such account in this tenant.
    AccountNotFound,
    /// Results are recorded after they happen.
    FutureDate,
    /// A sale with this reference is already recorded.
    DuplicateReference,
}

/// What an import recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActualsImport {
    /// Rows recorded.
    pub recorded: u64,
    /// Their total.
    pub total: Amount,
}

/// Per (territory, first day of the month): the sum and number of sales.
pub(crate) type MonthTotals = HashMap<(Uuid, NaiveDate), (i64, i64)>;

/// Adds sales to the monthly totals (created or incremented, in the caller's transaction).
pub(crate) async fn add_to_totals<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    totals: &MonthTotals,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
    let entries: Vec<_> = totals.iter().collect();
    for chunk in entries.chunks(BATCH) {
        let rows =
            chunk.iter().map(
                |((territory, month), (amount, sales))| actual_total::ActiveModel {
                    tenant_id: Set(tenant),
                    metric: Set(Metric::Revenue.as_str().to_owned()),
                    month: Set(*month),
                    territory_id: Set(*territory),
                    amount_hundredths: Set(*amount),
                    sales: Set(*sales),
                },
            );
        let on_conflict = OnConflict::columns([
            actual_total::Column::TenantId,
            actual_total::Column::Metric,
            actual_total::Column::Month,
            actual_total::Column::TerritoryId,
        ])
        .value(
            actual_total::Column::AmountHundredths,
            Expr::col((actual_total::Entity, actual_total::Column::AmountHundredths))
                .add(Expr::cust("excluded.amount_hundredths")),
        )
        .value(
            actual_total::Column::Sales,
            Expr::col((actual_total::Entity, actual_total::Column::Sales))
                .add(Expr::cust("excluded.sales")),
        )
        .to_owned();
        actual_total::Entity::insert_many(rows)
            .on_conflict(on_conflict)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The first day of `day`'s calendar month.
pub(crate) fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    rows: &[ActualRecord],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut totals = MonthTotals::new();
    for r in rows {
        if let Some(territory) = r.territory_id {
            let entry = totals
                .entry((territory.as_uuid(), month_of(r.sold_on)))
                .or_default();
            entry.0 += r.amount.hundredths().unwrap_or(0);
            entry.1 += 1;
        }
    }
    add_to_totals(conn, tenant, &totals).await?;
    for chunk in rows.chunks(BATCH) {
        let models = chunk.iter().map(|r| {
            Ok(actual::ActiveModel {
                tenant_id: Set(tenant),
                id: Set(r.id.as_uuid()),
                account_id: Set(r.account_id.as_uuid()),
                territory_id: Set(r.territory_id.map(|t| t.as_uuid())),
                sold_on: Set(r.sold_on),
                metric: Set(Metric::Revenue.as_str().to_owned()),
                amount_hundredths: Set(r
                    .amount
                    .hundredths()
                    .ok_or_else(|| StoreError::corrupt("actual amount out of range"))?),
                reference: Set(r.reference.as_ref().map(|x| x.as_str().to_owned())),
                created_at: Set(now),
            })
        });
        let models = models.collect::<Result<Vec<_>, StoreError>>()?;
        actual::Entity::insert_many(models)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Which of `references` the tenant has already recorded.
async fn recorded_references<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    references: &[&str],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in references.chunks(BATCH) {
        let rows: Vec<Option<String>> = actual::Entity::find()
            .select_only()
            .column(actual::Column::Reference)
            .filter(actual::Column::TenantId.eq(tenant))
            .filter(actual::Column::Reference.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}

impl TenantScope<'_> {
    /// Records one sale, credited to the territory that held the account that day.
    pub async fn record_actual(
        &self,
        sale: NewActual,
        ctx: &WriteContext,
    ) -> Result<Result<ActualRecord, ActualRefusal>, StoreError> {
        let now = Utc::now();
        if sale.sold_on > now.date_naive() {
            return Ok(Err(ActualRefusal::FutureDate));
        }
        let txn = self.begin_write().await?;
        let account = sale.account_id.as_uuid();
        let exists = account::Entity::find()
            .filter(account::Column::TenantId.eq(self.tid()))
            .filter(account::Column::Id.eq(account))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            return Ok(Err(ActualRefusal::AccountNotFound));
        }
        if let Some(reference) = &sale.reference
            && !recorded_references(&txn, self.tid(), &[reference.as_str()])
                .await?
                .is_empty()
        {
            return Ok(Err(ActualRefusal::DuplicateReference));
        }
        let history = intervals(&txn, self.tid(), &[account]).await?;
        let record = ActualRecord {
            id: ActualId::new(),
            account_id: sale.account_id,
            territory_id: credit(history.get(&account), sale.sold_on, now)
                .map(TerritoryId::from_uuid),
            sold_on: sale.sold_on,
            amount: sale.amount,
            reference: sale.reference.clone(),
        };
        insert(&txn, self.tid(), std::slice::from_ref(&record), now).await?;
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "actual.recorded".into(),
            entity_type: "Account".into(),
            entity_id: Some(account),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: None,
            after: Some(json!({
                "actualId": record.id,
                "soldOn": record.sold_on.to_string(),
                "amount": record.amount.value().to_string(),
                "territoryId": record.territory_id,
                "reference": record.reference.as_ref().map(|r| r.as_str()),
            })),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(record))
    }

    /// Imports sales from CSV (`account` — the account's external id —, `date` as YYYY-MM-DD,
    /// `amount`, optionally `reference`): all rows or, with every bad row listed by line, none.
    /// A row whose reference is already recorded is a bad row, so sending a file of referenced
    /// sales twice records them once.
    pub async fn import_actuals(
        &self,
        csv_text: &str,
        ctx: &WriteContext,
    ) -> Result<Result<ActualsImport, Vec<RowError>>, StoreError> {
        let now = Utc::now();
        let parsed = match parse(csv_text, now.date_naive()) {
            Ok(rows) => rows,
            Err(errors) => return Ok(Err(errors)),
        };
        let txn = self.begin_write().await?;
        let mut ids: HashMap<String, Uuid> = HashMap::new();
        let externals: Vec<String> = {
            let mut e: Vec<String> = parsed
                .iter()
                .map(|r| r.account.as_str().to_owned())
                .collect();
            e.sort_unstable();
            e.dedup();
            e
        };
        for chunk in externals.chunks(BATCH) {
            let found: Vec<(String, Uuid)> = account::Entity::find()
                .select_only()
                .column(account::Column::ExternalId)
                .column(account::Column::Id)
                .filter(account::Column::TenantId.eq(self.tid()))
                .filter(account::Column::ExternalId.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&txn)
                .await?;
            ids.extend(found);
        }
        let references: Vec<&str> = parsed
            .iter()
            .filter_map(|r| r.reference.as_ref().map(|x| x.as_str()))
            .collect();
        let recorded = recorded_references(&txn, self.tid(), &references).await?;
        let mut refused: Vec<RowError> = Vec::new();
        for row in &parsed {
            if !ids.contains_key(row.account.as_str()) {
                refused.push(RowError {
                    line: row.line,
                    message: format!("no account has external id '{}'", row.account.as_str()),
                });
            }
            if let Some(r) = row
                .reference
                .as_ref()
                .filter(|r| recorded.contains(r.as_str()))
            {
                refused.push(RowError {
                    line: row.line,
                    message: format!("reference: '{}' is already recorded", r.as_str()),
                });
            }
        }
        if !refused.is_empty() {
            return Ok(Err(refused));
        }
        let accounts: Vec<Uuid> = ids.values().copied().collect();
        let mut history = Intervals::new();
        for chunk in accounts.chunks(BATCH) {
            history.extend(intervals(&txn, self.tid(), chunk).await?);
        }
        let mut digest = Sha256::new();
        let mut total: i64 = 0;
        let records: Vec<ActualRecord> = parsed
            .iter()
            .filter_map(|row| {
                let account = *ids.get(row.account.as_str())?;
                let (day, amount) = (row.day, row.amount);
                digest.update(format!("{account},{day},{}\n", amount.value()));
                total = total.saturating_add(amount.hundredths().unwrap_or(0));
                Some(ActualRecord {
                    id: ActualId::new(),
                    account_id: AccountId::from_uuid(account),
                    territory_id: credit(history.get(&account), day, now)
                        .map(TerritoryId::from_uuid),
                    sold_on: day,
                    amount,
                    reference: row.reference.clone(),
                })
            })
            .collect();
        insert(&txn, self.tid(), &records, now).await?;
        let outcome = ActualsImport {
            recorded: u64::try_from(records.len()).unwrap_or(u64::MAX),
            total: Amount::from_hundredths(total),
        };
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "actuals.imported".into(),
            entity_type: "Tenant".into(),
            entity_id: Some(self.tid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: None,
            after: Some(json!({
                "rows": outcome.recorded,
                "total": outcome.total.value().to_string(),
                "digest": hex::encode(digest.finalize()),
            })),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(outcome))
    }
}
