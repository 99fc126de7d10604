//! A bulk account move written a batch at a time under one realignment, so placing the accounts
//! of a million-row import (or re-running the engine over every account) keeps memory bounded
//! by the batch, not the file. Each batch is validated by the domain like any `AssignAccounts`
//! change; the realignment gets one audit event at the end, whose digest is computed from the
//! move rows as stored.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use terrane_domain::realignment::{
    AccountMove, AccountTarget, AlignmentState, AssignAccounts, Problem, RealignmentStatus,
};

use crate::account_totals;
use crate::error::StoreError;
use crate::realignment_record::{
    RealignmentRecord, insert_realignment, realignment_event, record_changes, retitle,
    update_realignment,
};
use crate::realignments::moves_summary;
use crate::scope::WriteContext;
use crate::{audit, move_rows, moves};

/// An open bulk move: the realignment row is written with the first batch that moves anything.
pub(crate) struct BulkMoves {
    tenant: uuid::Uuid,
    state: AlignmentState,
    record: RealignmentRecord,
    recorded: bool,
    moved: u64,
    first: Vec<AccountMove>,
    /// The realignment row existed before (a drafted run being applied): finish updates it.
    existing: bool,
}

impl BulkMoves {
    /// Continues an existing realignment (a drafted or scheduled engine run): it becomes APPLIED
    /// at `now` by `ctx`'s actor when the move finishes.
    pub(crate) fn resume(
        tenant: uuid::Uuid,
        state: AlignmentState,
        mut record: RealignmentRecord,
        ctx: &WriteContext,
        now: DateTime<Utc>,
    ) -> Self {
        record.status = RealignmentStatus::Applied;
        record.applied_at = Some(now);
        record.applied_by = Some(ctx.actor);
        Self {
            tenant,
            state,
            record,
            recorded: true,
            moved: 0,
            first: Vec::new(),
            existing: true,
        }
    }

    /// Starts a bulk move against `state` (the tenant's territories, loaded under the write lock).
    pub(crate) fn new(
        tenant: uuid::Uuid,
        state: AlignmentState,
        title: String,
        reason: Option<String>,
        ctx: &WriteContext,
        now: DateTime<Utc>,
    ) -> Self {
        let record =
            RealignmentRecord::new(title, reason, RealignmentStatus::Applied, ctx.actor, now);
        Self {
            tenant,
            state,
            record,
            recorded: false,
            moved: 0,
            first: Vec::new(),
            existing: false,
        }
    }

    /// How many accounts moved so far.
    pub(crate) fn moved(&self) -> u64 {
        self.moved
    }

    /// Validates and writes one batch of targets (targets equal to where an account already is
    /// are dropped). Returns the problems instead when the batch does not fit the state.
    pub(crate) async fn extend<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        targets: Vec<AccountTarget>,
    ) -> Result<Result<(), Vec<Problem>>, StoreError> {
        if targets.is_empty() {
            return Ok(Ok(()));
        }
        let ids: Vec<_> = targets.iter().map(|t| t.account_id).collect();
        let current = moves::load_touched(conn, self.tenant, &ids).await?;
        let change = AssignAccounts { moves: targets };
        let effect = match self.state.assign_batch(0, current, &change) {
            Ok(effect) => effect,
            Err(problems) => return Ok(Err(problems)),
        };
        if effect.moves.is_empty() {
            return Ok(Ok(()));
        }
        if !self.recorded {
            insert_realignment(conn, self.tenant, &self.record).await?;
            self.recorded = true;
        }
        let now = self.record.applied_at.unwrap_or(self.record.created_at);
        // The batch's accounts leave the totals where they are and rejoin where they land.
        let moved: Vec<_> = effect
            .moves
            .iter()
            .map(|m| m.account_id.as_uuid())
            .collect();
        account_totals::count_accounts(conn, self.tenant, &moved, -1).await?;
        moves::write(conn, self.tenant, self.record.id, &effect.moves, now).await?;
        account_totals::count_accounts(conn, self.tenant, &moved, 1).await?;
        self.moved += u64::try_from(effect.moves.len()).unwrap_or(u64::MAX);
        let room = 10usize.saturating_sub(self.first.len());
        self.first.extend(effect.moves.iter().take(room));
        Ok(Ok(()))
    }

    /// Ends the move: titles the realignment with `title(moved)`, records its one change and
    /// appends its audit event. `None` when nothing moved (no realignment was written).
    pub(crate) async fn finish<C: ConnectionTrait>(
        self,
        conn: &C,
        ctx: &WriteContext,
        title: impl FnOnce(u64) -> String,
    ) -> Result<Option<RealignmentRecord>, StoreError> {
        if !self.recorded {
            return Ok(None);
        }
        let mut record = self.record;
        record.title = title(self.moved);
        if self.existing {
            update_realignment(conn, self.tenant, &record).await?;
        } else {
            retitle(conn, self.tenant, &record).await?;
            let change = json!({ "type": "assignAccounts", "count": self.moved });
            record_changes(conn, self.tenant, record.id, &[change]).await?;
        }
        let digest = move_rows::stored_digest(conn, self.tenant, record.id).await?;
        if digest.count() != self.moved {
            return Err(StoreError::corrupt(format!(
                "bulk move wrote {} moves but {} rows are stored",
                self.moved,
                digest.count()
            )));
        }
        let event = realignment_event(
            ctx,
            &record,
            "accounts.assigned",
            moves_summary(self.moved, &digest.finish(), &self.first),
        );
        let tenant = terrane_domain::ids::TenantId::from_uuid(self.tenant);
        let at = record.applied_at.unwrap_or(record.created_at);
        audit::append(conn, tenant, vec![event], at).await?;
        Ok(Some(record))
    }
}
