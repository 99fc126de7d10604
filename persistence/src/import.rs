//! CSV import of accounts: streamed in batches inside one transaction, upserted by external id,
//! placed by the engine batch by batch under one realignment, and audited. All-or-nothing (the
//! default) rolls back the whole file when any row is bad; skip-invalid keeps the good rows.
//! Either way every bad row is reported with its line number, and nothing half-written is left.
//!
//! Memory stays bounded by the batch, whatever the file size: nothing is kept per row. A
//! duplicate external id is found in the batch, or in the store as a row this import already
//! wrote (it carries the import's `updated_at` stamp; the import holds the tenant's write lock,
//! so no other writer can have used that microsecond).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, DurationRound, TimeDelta};
use std::io::Read;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use sha2::{Digest, Sha256};
use terrane_domain::account::{Account, CsvColumns};
use terrane_domain::assignment::Engine;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::AccountId;
use terrane_domain::realignment::AccountTarget;
use uuid::Uuid;

use crate::account_totals;
use crate::accounts::row;
use crate::bulk_moves::BulkMoves;
use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::realignments::RealignmentRecord;
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, moves};

/// Rows written per batch.
const BATCH: usize = 1_000;
/// Row errors kept in the report (the count of failed rows is always exact).
const MAX_REPORTED_ERRORS: usize = 1_000;

/// What to do with bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Any bad row: import nothing.
    AllOrNothing,
    /// Import the good rows, report the bad ones.
    SkipInvalid,
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// The outcome of an import.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// New accounts written.
    pub created: u64,
    /// Existing accounts (same external id) updated.
    pub updated: u64,
    /// Bad rows.
    pub failed: u64,
    /// The first bad rows, with line numbers.
    pub errors: Vec<RowError>,
    /// Whether anything was written.
    pub committed: bool,
    /// How many imported accounts were placed into (or moved to) a territory.
    pub placed: u64,
    /// The realignment that placed the imported accounts, if any moved.
    pub realignment: Option<RealignmentRecord>,
}

/// What the import has written so far.
struct Progress {
    created: u64,
    updated: u64,
    /// The import's `updated_at` stamp (microseconds, as every store keeps them).
    stamp: DateTime<Utc>,
    placement: BulkMoves,
    /// Over the imported accounts' snapshots, in file order.
    digest: Sha256,
}

/// A parsed row waiting for its batch.
struct Pending {
    line: u64,
    account: Account,
}

impl TenantScope<'_> {
    /// Imports accounts from CSV. `Ok(Err(message))` when the header itself is unusable.
    pub async fn import_accounts<R: Read>(
        &self,
        input: R,
        mode: ImportMode,
        ctx: &WriteContext,
    ) -> Result<Result<ImportReport, String>, StoreError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let columns = match reader.headers() {
            Ok(header) => match CsvColumns::from_header(header.iter()) {
                Ok(columns) => columns,
                Err(message) => return Ok(Err(message)),
            },
            Err(e) => return Ok(Err(format!("unreadable header: {e}"))),
        };
        let txn = self.begin_write().await?;
        let now = Utc::now()
            .duration_trunc(TimeDelta::microseconds(1))
            .map_err(|e| StoreError::corrupt(format!("clock: {e}")))?;
        let (rules, geography, state) = self.engine_inputs(&txn).await?;
        let engine = Engine::new(&rules, &geography);

        let mut progress = Progress {
            created: 0,
            updated: 0,
            stamp: now,
            placement: BulkMoves::new(
                self.tid(),
                state,
                "Place imported accounts".to_owned(),
                Some("account import".to_owned()),
                ctx,
                now,
            ),
            digest: Sha256::new(),
        };
        let mut errors = Vec::new();
        let mut failed = 0u64;
        let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
        let mut record = csv::StringRecord::new();
        let mut fail = |line: u64, message: String| {
            failed += 1;
            if errors.len() < MAX_REPORTED_ERRORS {
                errors.push(RowError { line, message });
            }
        };
        loop {
            let line = reader.position().line() + 1;
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    fail(line, format!("unreadable row: {e}"));
                    continue;
                }
            }
            let line = record.position().map_or(line, |p| p.line());
            let fields: Vec<&str> = record.iter().collect();
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            match columns.account(&fields) {
                Ok(account) => batch.push(Pending { line, account }),
                Err(problems) => fail(line, problems.join("; ")),
            }
            if batch.len() >= BATCH {
                let rows = std::mem::take(&mut batch);
                self.flush(&txn, &engine, rows, &mut progress, &mut fail)
                    .await?;
            }
        }
        self.flush(&txn, &engine, batch, &mut progress, &mut fail)
            .await?;
        if failed > 0 && mode == ImportMode::AllOrNothing {
            // Dropping the transaction rolls back every batch already written.
            return Ok(Ok(ImportReport {
                created: 0,
                updated: 0,
                failed,
                errors,
                committed: false,
                placed: 0,
                realignment: None,
            }));
        }

        let Progress {
            created,
            updated,
            placement,
            digest,
            ..
        } = progress;
        let placed = placement.moved();
        let realignment = placement
            .finish(&txn, ctx, |n| format!("Place {n} imported accounts"))
            .await?;
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "accounts.imported".into(),
            entity_type: "Account".into(),
            entity_id: None,
            realignment_id: realignment.as_ref().map(|r| r.id),
            request_id: ctx.request_id.clone(),
            reason: None,
            before: None,
            after: Some(
                json!({ "created": created, "updated": updated, "failed": failed, "placed": placed, "digest": hex::encode(digest.finalize()) }),
            ),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        if self.pool.get_database_backend() == sea_orm::DbBackend::Postgres {
            // A bulk load leaves PostgreSQL's statistics stale until autovacuum gets round to
            // it, and the next bulk move would plan scans instead of index lookups meanwhile.
            // ANALYZE needs the owner's rights: an owner-defined function of migration 020.
            self.pool
                .execute_unprepared("SELECT terrane_analyze_alignment()")
                .await?;
        }
        Ok(Ok(ImportReport {
            created,
            updated,
            failed,
            errors,
            committed: true,
            placed,
            realignment,
        }))
    }

    /// Drops the batch's duplicates (reported through `fail`), upserts the rest and places them.
    async fn flush<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        engine: &Engine<'_>,
        pending: Vec<Pending>,
        progress: &mut Progress,
        fail: &mut impl FnMut(u64, String),
    ) -> Result<(), StoreError> {
        if pending.is_empty() {
            return Ok(());
        }
        let tenant = self.tid();
        let external_ids: Vec<String> = pending
            .iter()
            .map(|p| p.account.external_id.as_str().to_owned())
            .collect();
        let existing: HashMap<String, (Uuid, DateTime<Utc>)> = account::Entity::find()
            .select_only()
            .column(account::Column::ExternalId)
            .column(account::Column::Id)
            .column(account::Column::UpdatedAt)
            .filter(account::Column::TenantId.eq(tenant))
            .filter(account::Column::ExternalId.is_in(external_ids))
            .into_tuple::<(String, Uuid, DateTime<Utc>)>()
            .all(txn)
            .await?
            .into_iter()
            .map(|(external_id, id, updated_at)| (external_id, (id, updated_at)))
            .collect();
        let mut in_batch: HashSet<&str> = HashSet::with_capacity(pending.len());
        let mut batch: Vec<Account> = Vec::with_capacity(pending.len());
        for Pending { line, account } in &pending {
            let external_id = account.external_id.as_str();
            let known = existing.get(external_id);
            let earlier = known.is_some_and(|(_, at)| *at == progress.stamp);
            if earlier || !in_batch.insert(external_id) {
                fail(
                    *line,
                    format!("duplicate external_id '{external_id}' (an earlier row has it)"),
                );
                continue;
            }
            let mut account = account.clone();
            match known {
                Some((id, _)) => {
                    account.id = AccountId::from_uuid(*id);
                    progress.updated += 1;
                }
                None => progress.created += 1,
            }
            progress
                .digest
                .update(account.snapshot().to_string().as_bytes());
            progress.digest.update(b"\n");
            batch.push(account);
        }
        if batch.is_empty() {
            return Ok(());
        }
        let now = progress.stamp;
        let rows = batch
            .iter()
            .map(|a| row(tenant, a, now))
            .collect::<Result<Vec<_>, _>>()?;
        let upsert = OnConflict::columns([account::Column::TenantId, account::Column::ExternalId])
            .update_columns([
                account::Column::Name,
                account::Column::Lat,
                account::Column::Lon,
                account::Column::Address,
                account::Column::Industry,
                account::Column::Segment,
                account::Column::PotentialHundredths,
                account::Column::WorkloadHundredths,
                account::Column::Attributes,
                account::Column::UpdatedAt,
            ])
            .value(
                account::Column::Version,
                Expr::col((account::Entity, account::Column::Version)).add(1),
            )
            .to_owned();
        // Updated accounts count in their territories' totals: out at the old weights, back at
        // the new (new accounts are in no territory yet, so they count nowhere until placed).
        let updated: Vec<Uuid> = batch
            .iter()
            .filter(|a| existing.contains_key(a.external_id.as_str()))
            .map(|a| a.id.as_uuid())
            .collect();
        account_totals::count_accounts(txn, tenant, &updated, -1).await?;
        account::Entity::insert_many(rows)
            .on_conflict(upsert)
            .exec_without_returning(txn)
            .await?;
        account_totals::count_accounts(txn, tenant, &updated, 1).await?;
        let ids: Vec<Uuid> = batch.iter().map(|a| a.id.as_uuid()).collect();

        let current: HashMap<Uuid, assignment::Model> = assignment::Entity::find()
            .filter(assignment::Column::TenantId.eq(tenant))
            .filter(assignment::Column::AccountId.is_in(ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|m| (m.account_id, m))
            .collect();
        let mut froms = Vec::with_capacity(batch.len());
        let mut facts = Vec::with_capacity(batch.len());
        for account in &batch {
            let from = current
                .get(&account.id.as_uuid())
                .map(moves::to_assignment)
                .transpose()?;
            facts.push(account.facts(from.filter(|a| a.pinned).map(|a| a.territory_id)));
            froms.push(from);
        }
        let mut targets = Vec::new();
        for ((account, from), decision) in batch.iter().zip(froms).zip(engine.decide_all(&facts)) {
            let to = decision.next_for(from);
            if to != from {
                targets.push(AccountTarget {
                    account_id: account.id,
                    to,
                });
            }
        }
        if let Err(problems) = progress.placement.extend(txn, targets).await? {
            // The engine only places into live territories, loaded under this same lock.
            return Err(StoreError::corrupt(format!(
                "placing imported accounts failed: {problems:?}"
            )));
        }
        Ok(())
    }
}
