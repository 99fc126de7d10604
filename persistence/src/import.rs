//! CSV import of accounts: streamed in batches inside one transaction, upserted by external id,
//! placed by the engine, and audited as one event. All-or-nothing (the default) rolls back the
//! whole file when any row is bad; skip-invalid keeps the good rows. Either way every bad row is
//! reported with its line number, and nothing half-written is left.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use sha2::{Digest, Sha256};
use terrane_domain::account::{Account, CsvColumns};
use terrane_domain::assignment::Engine;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::AccountId;
use terrane_domain::realignment::{AccountTarget, AssignAccounts, Change};
use uuid::Uuid;

use crate::accounts::row;
use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::realignments::{RealignmentRecord, RealignmentRequest};
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

struct Progress {
    created: u64,
    updated: u64,
    targets: Vec<AccountTarget>,
    digest: Sha256,
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
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let (rules, geography) = self.engine_inputs(&txn).await?;
        let engine = Engine::new(&rules, &geography);

        let mut progress = Progress {
            created: 0,
            updated: 0,
            targets: Vec::new(),
            digest: Sha256::new(),
        };
        let mut errors = Vec::new();
        let mut failed = 0u64;
        let mut seen: HashSet<String> = HashSet::new();
        let mut batch: Vec<Account> = Vec::with_capacity(BATCH);
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
            if let Some(external_id) = columns
                .external_id(&fields)
                .filter(|id| !seen.insert((*id).to_owned()))
            {
                fail(
                    line,
                    format!("duplicate external_id '{external_id}' (an earlier row has it)"),
                );
                continue;
            }
            match columns.account(&fields) {
                Ok(account) => batch.push(account),
                Err(problems) => fail(line, problems.join("; ")),
            }
            if batch.len() >= BATCH {
                self.flush(&txn, &engine, std::mem::take(&mut batch), &mut progress)
                    .await?;
            }
        }
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
        self.flush(&txn, &engine, batch, &mut progress).await?;

        let Progress {
            created,
            updated,
            targets,
            digest,
        } = progress;
        let moved = targets.len();
        let realignment = if targets.is_empty() {
            None
        } else {
            let request = RealignmentRequest {
                title: format!("Place {moved} imported accounts"),
                reason: Some("account import".to_owned()),
                changes: vec![Change::AssignAccounts(AssignAccounts { moves: targets })],
            };
            match self.apply_in(&txn, request, ctx, now).await? {
                Ok(applied) => Some(applied.realignment),
                Err(problems) => {
                    return Err(StoreError::corrupt(format!(
                        "placing imported accounts failed: {problems:?}"
                    )));
                }
            }
        };
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
                json!({ "created": created, "updated": updated, "failed": failed, "placed": moved, "digest": hex::encode(digest.finalize()) }),
            ),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(ImportReport {
            created,
            updated,
            failed,
            errors,
            committed: true,
            placed: u64::try_from(moved).unwrap_or(u64::MAX),
            realignment,
        }))
    }

    /// Upserts one batch and decides where its accounts go.
    async fn flush<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        engine: &Engine<'_>,
        mut batch: Vec<Account>,
        progress: &mut Progress,
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tenant = self.tid();
        let now = Utc::now();
        let external_ids: Vec<String> = batch
            .iter()
            .map(|a| a.external_id.as_str().to_owned())
            .collect();
        let existing: HashMap<String, Uuid> = account::Entity::find()
            .select_only()
            .column(account::Column::ExternalId)
            .column(account::Column::Id)
            .filter(account::Column::TenantId.eq(tenant))
            .filter(account::Column::ExternalId.is_in(external_ids))
            .into_tuple::<(String, Uuid)>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        for account in &mut batch {
            match existing.get(account.external_id.as_str()) {
                Some(id) => {
                    account.id = AccountId::from_uuid(*id);
                    progress.updated += 1;
                }
                None => progress.created += 1,
            }
            progress
                .digest
                .update(account.snapshot().to_string().as_bytes());
            progress.digest.update(b"\n");
        }
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
        account::Entity::insert_many(rows)
            .on_conflict(upsert)
            .exec_without_returning(txn)
            .await?;

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
        for ((account, from), decision) in batch.iter().zip(froms).zip(engine.decide_all(&facts)) {
            let to = decision.next_for(from);
            if to != from {
                progress.targets.push(AccountTarget {
                    account_id: account.id,
                    to,
                });
            }
        }
        Ok(())
    }
}
