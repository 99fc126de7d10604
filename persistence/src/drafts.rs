//! Draft realignments: created empty, changes added (each with the base it is planned against)
//! and removed, discarded; listed by status. Nothing here changes alignment state; every step is
//! audited so the history of a plan is as visible as the history of the alignment.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use terrane_domain::ids::RealignmentId;
use terrane_domain::realignment::{PlanChange, Problem, ProblemCode, RealignmentStatus};
use uuid::Uuid;

use crate::entity::{realignment as realignment_entity, realignment_change};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::realignment_record::{
    RealignmentRecord, insert_realignment, realignment_event, record_changes, update_realignment,
};
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, moves, territories};

/// One change of a realignment, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChange {
    /// Stable id (null for changes stored before ids existed).
    pub id: Option<Uuid>,
    /// Position in the realignment, from 0.
    pub position: i32,
    /// Its JSON description (`type` plus fields).
    pub description: Value,
}

/// A refusal as a one-problem list.
pub(crate) fn refused(code: ProblemCode, field: &str, message: impl Into<String>) -> Vec<Problem> {
    vec![Problem::new(0, code, field, message)]
}

/// A stored realignment that must be in `expected` status for the operation.
pub(crate) async fn load_in_status<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    id: RealignmentId,
    expected: &[RealignmentStatus],
) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
    let found = realignment_entity::Entity::find()
        .filter(realignment_entity::Column::TenantId.eq(tenant))
        .filter(realignment_entity::Column::Id.eq(id.as_uuid()))
        .one(conn)
        .await?
        .map(RealignmentRecord::try_from)
        .transpose()?;
    Ok(match found {
        None => Err(refused(
            ProblemCode::NotFound,
            "id",
            "realignment not found",
        )),
        Some(r) if !expected.contains(&r.status) => Err(refused(
            ProblemCode::InvalidStatus,
            "id",
            format!("the realignment is {}", r.status.as_str()),
        )),
        Some(r) => Ok(r),
    })
}

/// The stored changes of a realignment, in order.
pub(crate) async fn stored_changes<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    id: RealignmentId,
) -> Result<Vec<StoredChange>, StoreError> {
    realignment_change::Entity::find()
        .filter(realignment_change::Column::TenantId.eq(tenant))
        .filter(realignment_change::Column::RealignmentId.eq(id.as_uuid()))
        .order_by_asc(realignment_change::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(StoredChange {
                id: m.change_id,
                position: m.position,
                description: serde_json::from_str(&m.change)
                    .map_err(|e| StoreError::corrupt(format!("realignment change: {e}")))?,
            })
        })
        .collect()
}

/// A draft's plan, parsed.
pub(crate) async fn load_plan<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    id: RealignmentId,
) -> Result<Vec<PlanChange>, StoreError> {
    stored_changes(conn, tenant, id)
        .await?
        .iter()
        .map(|c| {
            PlanChange::from_json(&c.description)
                .map_err(|e| StoreError::corrupt(format!("planned change {}: {e}", c.position)))
        })
        .collect()
}

impl TenantScope<'_> {
    /// Opens an empty draft.
    pub async fn create_realignment(
        &self,
        title: String,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<RealignmentRecord, StoreError> {
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let record =
            RealignmentRecord::new(title, reason, RealignmentStatus::Draft, ctx.actor, now);
        insert_realignment(&txn, self.tid(), &record).await?;
        let event = realignment_event(
            ctx,
            &record,
            "realignment.created",
            json!({ "title": record.title }),
        );
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(record)
    }

    /// Adds changes to a draft, each recording the base it is planned against. Refused when the
    /// draft is not a DRAFT, or names accounts this tenant does not have.
    pub async fn add_realignment_changes(
        &self,
        id: RealignmentId,
        changes: Vec<PlanChange>,
        ctx: &WriteContext,
    ) -> Result<Result<(RealignmentRecord, Vec<Uuid>), Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let record = match load_in_status(&txn, tenant, id, &[RealignmentStatus::Draft]).await? {
            Ok(record) => record,
            Err(problems) => return Ok(Err(problems)),
        };
        // A drafted whole-tenant engine run is applied by its own streaming path: it stays alone.
        let plan = load_plan(&txn, tenant, id).await?;
        if plan.iter().any(PlanChange::is_full_rerun) {
            return Ok(Err(refused(
                ProblemCode::InvalidChange,
                "realignmentId",
                "this draft re-runs the engine over every account; plan other changes in a draft of their own",
            )));
        }
        let named: Vec<_> = changes.iter().flat_map(PlanChange::account_ids).collect();
        let known = moves::load_touched(&txn, tenant, &named).await?;
        let known_ids: std::collections::HashSet<_> = known.iter().map(|(id, _)| *id).collect();
        let mut problems = Vec::new();
        for (index, change) in changes.iter().enumerate() {
            for account in change.account_ids() {
                if !known_ids.contains(&account) {
                    problems.push(Problem::new(
                        index,
                        ProblemCode::AccountNotFound,
                        "accountIds",
                        format!("account {account} not found"),
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let state = territories::load_state(&txn, tenant)
            .await?
            .with_accounts(known);
        // The quotas the changes set, as they are now: their base.
        let quota_keys: Vec<_> = changes
            .iter()
            .filter_map(|c| match c {
                PlanChange::SetQuota(q) => Some(q.key),
                _ => None,
            })
            .collect();
        let state = crate::staffing::with_quotas(&txn, tenant, state, &quota_keys).await?;
        let described: Vec<Value> = changes
            .into_iter()
            .map(|c| c.with_base(&state).to_json())
            .collect();
        let kinds: Vec<&str> = described
            .iter()
            .filter_map(|d| d["type"].as_str())
            .collect();
        let event = realignment_event(
            ctx,
            &record,
            "realignment.changes_added",
            json!({ "count": described.len(), "types": kinds }),
        );
        let ids = record_changes(&txn, tenant, id, &described).await?;
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok((record, ids)))
    }

    /// Removes one change from a draft (the later ones move up a position).
    pub async fn remove_realignment_change(
        &self,
        id: RealignmentId,
        change_id: Uuid,
        ctx: &WriteContext,
    ) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let record = match load_in_status(&txn, tenant, id, &[RealignmentStatus::Draft]).await? {
            Ok(record) => record,
            Err(problems) => return Ok(Err(problems)),
        };
        let stored = stored_changes(&txn, tenant, id).await?;
        let Some(removed) = stored.iter().find(|c| c.id == Some(change_id)).cloned() else {
            return Ok(Err(refused(
                ProblemCode::NotFound,
                "changeId",
                "the draft has no such change",
            )));
        };
        realignment_change::Entity::delete_many()
            .filter(realignment_change::Column::TenantId.eq(tenant))
            .filter(realignment_change::Column::RealignmentId.eq(id.as_uuid()))
            .exec(&txn)
            .await?;
        let kept: Vec<_> = stored
            .into_iter()
            .filter(|c| c.id != Some(change_id))
            .collect();
        // Re-insert the rest in order, keeping their ids (in chunks: a draft may hold thousands).
        let rows: Vec<_> = kept
            .iter()
            .enumerate()
            .map(|(position, c)| realignment_change::ActiveModel {
                tenant_id: sea_orm::ActiveValue::Set(tenant),
                realignment_id: sea_orm::ActiveValue::Set(id.as_uuid()),
                position: sea_orm::ActiveValue::Set(i32::try_from(position).unwrap_or(i32::MAX)),
                change: sea_orm::ActiveValue::Set(c.description.to_string()),
                change_id: sea_orm::ActiveValue::Set(c.id),
            })
            .collect();
        for chunk in rows.chunks(1_000) {
            realignment_change::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        let event = realignment_event(
            ctx,
            &record,
            "realignment.change_removed",
            json!({ "changeId": change_id, "change": removed.description }),
        );
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(record))
    }

    /// Drops a draft (or a scheduled realignment before it runs). Nothing of it is applied.
    pub async fn discard_realignment(
        &self,
        id: RealignmentId,
        ctx: &WriteContext,
    ) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let allowed = [RealignmentStatus::Draft, RealignmentStatus::Scheduled];
        let mut record = match load_in_status(&txn, tenant, id, &allowed).await? {
            Ok(record) => record,
            Err(problems) => return Ok(Err(problems)),
        };
        record.status = RealignmentStatus::Discarded;
        update_realignment(&txn, tenant, &record).await?;
        let event = realignment_event(
            ctx,
            &record,
            "realignment.discarded",
            json!({ "title": record.title }),
        );
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(record))
    }

    /// The changes of a realignment, in order.
    pub async fn realignment_changes(
        &self,
        id: RealignmentId,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let db = self.conn().await?;
        stored_changes(&db, self.tid(), id).await
    }

    /// Realignments, newest first, optionally of one status.
    pub async fn realignments(
        &self,
        status: Option<RealignmentStatus>,
        page: PageRequest<RealignmentId>,
    ) -> Result<Page<RealignmentRecord>, StoreError> {
        let db = self.conn().await?;
        use realignment_entity::Column;
        let mut query = realignment_entity::Entity::find().filter(Column::TenantId.eq(self.tid()));
        if let Some(status) = status {
            query = query.filter(Column::Status.eq(status.as_str()));
        }
        let total = query.clone().count(&db).await?;
        if let Some(after) = page.after {
            query = query.filter(Column::Id.lt(after.as_uuid()));
        }
        let rows = query
            .order_by_desc(Column::Id)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(RealignmentRecord::try_from)
    }
}
