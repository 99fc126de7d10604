//! Reading the audit chain for export: a contiguous run of `seq`s, fixed when the export
//! starts, read in keyset batches so memory stays bounded however long the chain is.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use terrane_domain::audit::AuditEvent;

use crate::audit::from_model;
use crate::entity::audit_event::Column;
use crate::error::StoreError;
use crate::scope::TenantScope;

/// Events per batch: large enough to keep round trips few, small enough to bound memory.
const EXPORT_BATCH: u64 = 1_000;

/// Which part of the chain to export, by time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditRange {
    /// From the first event at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// To the last event before this time.
    pub to: Option<DateTime<Utc>>,
}

/// Where an export stands: the next `seq` to read and the last one it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditExportCursor {
    next: i64,
    last: i64,
}

impl AuditExportCursor {
    /// Whether every event of the export has been read.
    pub fn is_done(&self) -> bool {
        self.next > self.last
    }
}

impl TenantScope<'_> {
    /// Starts an export of `range`: the run of the chain from the first event at or after
    /// `from` to the last event before `to`, every `seq` between included. Writers take their
    /// time before the tenant's write lock, so `at` may step back by a hair between neighbours;
    /// taking the whole run keeps the export one unbroken chain that verifies offline. The end
    /// is fixed now, so events appended meanwhile are left for the next export.
    pub async fn audit_export(&self, range: AuditRange) -> Result<AuditExportCursor, StoreError> {
        let db = self.conn().await?;
        let mut first = self.audit_query();
        if let Some(from) = range.from {
            first = first.filter(Column::At.gte(from));
        }
        let mut last = self.audit_query();
        if let Some(to) = range.to {
            last = last.filter(Column::At.lt(to));
        }
        let first: Option<Option<i64>> = first
            .select_only()
            .column_as(Column::Seq.min(), "seq")
            .into_tuple()
            .one(&db)
            .await?;
        let last: Option<Option<i64>> = last
            .select_only()
            .column_as(Column::Seq.max(), "seq")
            .into_tuple()
            .one(&db)
            .await?;
        Ok(match (first.flatten(), last.flatten()) {
            (Some(first), Some(last)) => AuditExportCursor { next: first, last },
            _ => AuditExportCursor { next: 1, last: 0 },
        })
    }

    /// The next batch of the export, in `seq` order; empty once it is done.
    pub async fn audit_export_next(
        &self,
        cursor: &mut AuditExportCursor,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let db = self.conn().await?;
        if cursor.is_done() {
            return Ok(vec![]);
        }
        let rows = self
            .audit_query()
            .filter(Column::Seq.gte(cursor.next))
            .filter(Column::Seq.lte(cursor.last))
            .order_by_asc(Column::Seq)
            .limit(EXPORT_BATCH)
            .all(&db)
            .await?;
        // A missing seq inside the run (a deleted row) must not end the export early: the
        // verifier reports the gap, so only an empty read means the run is exhausted.
        cursor.next = rows.last().map_or(cursor.last + 1, |row| row.seq + 1);
        Ok(rows.into_iter().map(from_model).collect())
    }
}
