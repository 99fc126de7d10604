//! Re-running the assignment engine over every account: as a draft that lists the moves it
//! would make (nothing changes), or applied at once as one realignment.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use terrane_domain::assignment::Engine;
use terrane_domain::realignment::{
    AccountMove, AccountTarget, PlanChange, Problem, RealignmentStatus, RerunAssignment,
};
use uuid::Uuid;

use crate::accounts::AccountRecord;
use crate::bulk_moves::BulkMoves;
use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::realignment_record::{
    RealignmentRecord, insert_realignment, realignment_event, record_changes, retitle,
};
use crate::realignments::RealignmentRequest;
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, move_rows, moves};

/// Accounts read and decided per step: bounds memory whatever the tenant's size.
const PAGE: u64 = 20_000;

/// What a run did or would do.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The realignment: APPLIED, or a DRAFT holding the planned moves.
    pub realignment: RealignmentRecord,
    /// How many accounts move.
    pub moved: u64,
}

impl TenantScope<'_> {
    /// Decides every account again (pins stay) and applies the moves, or keeps them as a draft.
    /// Accounts are read, decided and written a page at a time, so memory stays bounded.
    pub async fn run_assignment(
        &self,
        apply: bool,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<Result<RunOutcome, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let (rules, geography, state) = self.engine_inputs(&txn).await?;
        let engine = Engine::new(&rules, &geography);
        let title = |moved: u64| format!("Re-run assignment ({moved} accounts move)");

        let mut sink = if apply {
            Sink::Apply(Box::new(BulkMoves::new(
                tenant,
                state,
                title(0),
                reason.clone(),
                ctx,
                now,
            )))
        } else {
            let record = RealignmentRecord::new(
                title(0),
                reason.clone(),
                RealignmentStatus::Draft,
                ctx.actor,
                now,
            );
            insert_realignment(&txn, tenant, &record).await?;
            Sink::Draft { record, moved: 0 }
        };
        if let Err(problems) = self.run_pages(&txn, &engine, &mut sink).await? {
            return Ok(Err(problems));
        }

        let outcome = match sink {
            Sink::Apply(bulk) => {
                let moved = bulk.moved();
                let realignment = match bulk.finish(&txn, ctx, title).await? {
                    Some(realignment) => realignment,
                    // Nothing moved: record the (empty) run so the caller has a realignment.
                    None => {
                        let applied = self
                            .apply_in(
                                &txn,
                                RealignmentRequest {
                                    title: title(0),
                                    reason,
                                    changes: vec![],
                                },
                                ctx,
                                now,
                            )
                            .await?;
                        match applied {
                            Ok(applied) => applied.realignment,
                            Err(problems) => return Ok(Err(problems)),
                        }
                    }
                };
                RunOutcome { realignment, moved }
            }
            Sink::Draft { mut record, moved } => {
                record.title = title(moved);
                self.finish_draft(&txn, &record, moved, ctx).await?;
                RunOutcome {
                    realignment: record,
                    moved,
                }
            }
        };
        txn.commit().await?;
        Ok(Ok(outcome))
    }

    /// Reads every account a page at a time, decides it, and hands the page's moves to `sink`.
    async fn run_pages<C: ConnectionTrait>(
        &self,
        txn: &C,
        engine: &Engine<'_>,
        sink: &mut Sink,
    ) -> Result<Result<(), Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let mut after: Option<Uuid> = None;
        loop {
            let mut query = account::Entity::find().filter(account::Column::TenantId.eq(tenant));
            if let Some(after) = after {
                query = query.filter(account::Column::Id.gt(after));
            }
            let page = query
                .order_by_asc(account::Column::Id)
                .limit(PAGE)
                .all(txn)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let planned = self.decide_page(txn, engine, page).await?;
            match sink {
                Sink::Apply(bulk) => {
                    let targets = planned
                        .iter()
                        .map(|m| AccountTarget {
                            account_id: m.account_id,
                            to: m.to,
                        })
                        .collect();
                    if let Err(problems) = bulk.extend(txn, targets).await? {
                        return Ok(Err(problems));
                    }
                }
                Sink::Draft { record, moved } => {
                    moves::write_rows(txn, tenant, record.id, &planned).await?;
                    *moved += u64::try_from(planned.len()).unwrap_or(u64::MAX);
                }
            }
        }
        Ok(Ok(()))
    }

    /// Applies a drafted (or scheduled) engine run inside `txn`: the engine decides again now
    /// (the plan was a snapshot), and the moves are written under the draft's own id.
    pub(crate) async fn apply_drafted_run<C: ConnectionTrait>(
        &self,
        txn: &C,
        record: RealignmentRecord,
        ctx: &WriteContext,
        now: chrono::DateTime<Utc>,
    ) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
        use crate::entity::realignment_move;
        realignment_move::Entity::delete_many()
            .filter(realignment_move::Column::TenantId.eq(self.tid()))
            .filter(realignment_move::Column::RealignmentId.eq(record.id.as_uuid()))
            .exec(txn)
            .await?;
        let (rules, geography, state) = self.engine_inputs(txn).await?;
        let engine = Engine::new(&rules, &geography);
        let bulk = BulkMoves::resume(self.tid(), state, record, ctx, now);
        let mut sink = Sink::Apply(Box::new(bulk));
        if let Err(problems) = self.run_pages(txn, &engine, &mut sink).await? {
            return Ok(Err(problems));
        }
        let Sink::Apply(bulk) = sink else {
            return Err(StoreError::corrupt("engine run lost its sink"));
        };
        let title = |moved: u64| format!("Re-run assignment ({moved} accounts move)");
        bulk.finish(txn, ctx, title)
            .await?
            .map(Ok)
            .ok_or_else(|| StoreError::corrupt("a resumed run always has its realignment"))
    }

    /// Decides one page of accounts: the moves the engine would make.
    async fn decide_page<C: ConnectionTrait>(
        &self,
        txn: &C,
        engine: &Engine<'_>,
        page: Vec<account::Model>,
    ) -> Result<Vec<AccountMove>, StoreError> {
        let ids: Vec<Uuid> = page.iter().map(|m| m.id).collect();
        let current: HashMap<Uuid, assignment::Model> = assignment::Entity::find()
            .filter(assignment::Column::TenantId.eq(self.tid()))
            .filter(assignment::Column::AccountId.is_in(ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|m| (m.account_id, m))
            .collect();
        let mut accounts = Vec::with_capacity(page.len());
        let mut facts = Vec::with_capacity(page.len());
        for model in page {
            let from = current
                .get(&model.id)
                .map(moves::to_assignment)
                .transpose()?;
            let record = AccountRecord::try_from(model)?;
            facts.push(
                record
                    .account
                    .facts(from.filter(|a| a.pinned).map(|a| a.territory_id)),
            );
            accounts.push((record.account.id, from));
        }
        Ok(accounts
            .into_iter()
            .zip(engine.decide_all(&facts))
            .filter_map(|((account_id, from), decision)| {
                let to = decision.next_for(from);
                (to != from).then_some(AccountMove {
                    account_id,
                    from,
                    to,
                })
            })
            .collect())
    }

    /// Titles a drafted run, records its change and its audit event (with the stored rows' digest).
    async fn finish_draft<C: ConnectionTrait>(
        &self,
        txn: &C,
        record: &RealignmentRecord,
        moved: u64,
        ctx: &WriteContext,
    ) -> Result<(), StoreError> {
        let tenant = self.tid();
        retitle(txn, tenant, record).await?;
        // The draft's plan: re-run the engine over every account (decided again when applied).
        let change = PlanChange::RerunAssignment(RerunAssignment { territory_id: None });
        record_changes(txn, tenant, record.id, &[change.to_json()]).await?;
        let digest = move_rows::stored_digest(txn, tenant, record.id).await?;
        let event = realignment_event(
            ctx,
            record,
            "realignment.drafted",
            json!({ "title": record.title, "moves": moved, "digest": digest.finish() }),
        );
        audit::append(txn, self.tenant_id, vec![event], record.created_at).await?;
        Ok(())
    }
}

/// Where a run's decided moves go.
enum Sink {
    /// Applied as they are decided, under one realignment.
    Apply(Box<BulkMoves>),
    /// Stored as the move rows of a draft.
    Draft {
        record: RealignmentRecord,
        moved: u64,
    },
}
