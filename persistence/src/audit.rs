//! Appending to and reading the audit chain.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde_json::Value;
use terrane_domain::audit::{
    Actor, ActorKind, AuditEvent, ChainReport, ChainVerifier, GENESIS_HASH, NewAuditEvent,
};
use terrane_domain::ids::{AuditEventId, RealignmentId, TenantId};
use uuid::Uuid;

use crate::entity::audit_event::{self, Column};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::scope::TenantScope;

/// Rows per batch when streaming the chain for verification.
const VERIFY_BATCH: u64 = 1_000;
/// Rows per multi-row insert (keeps well under SQLite's bound-parameter limit).
const INSERT_BATCH: usize = 500;

/// Which audit events to list. Every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Events about this entity.
    pub entity_id: Option<Uuid>,
    /// Events about entities of this type.
    pub entity_type: Option<String>,
    /// Events with this action, e.g. `accounts.assigned`.
    pub action: Option<String>,
    /// Events by this user or key.
    pub actor_id: Option<Uuid>,
    /// Events of this realignment.
    pub realignment_id: Option<RealignmentId>,
    /// Events at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Events before this time.
    pub to: Option<DateTime<Utc>>,
}

/// Seals `events` onto the tenant's chain inside `txn`, which must hold the tenant's write lock
/// (see `TenantScope::begin_write`).
pub(crate) async fn append<C: ConnectionTrait>(
    txn: &C,
    tenant_id: TenantId,
    events: Vec<NewAuditEvent>,
    now: DateTime<Utc>,
) -> Result<Vec<AuditEvent>, StoreError> {
    let head = audit_event::Entity::find()
        .filter(Column::TenantId.eq(tenant_id.as_uuid()))
        .order_by_desc(Column::Seq)
        .one(txn)
        .await?;
    let (mut seq, mut prev_hash) = head.map_or((0, GENESIS_HASH.to_owned()), |h| (h.seq, h.hash));
    let mut sealed = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let event = event.seal(seq, now, &prev_hash);
        prev_hash = event.hash.clone();
        sealed.push(event);
    }
    for chunk in sealed.chunks(INSERT_BATCH) {
        let rows = chunk.iter().map(|e| to_active(tenant_id, e));
        audit_event::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(sealed)
}

fn to_active(tenant_id: TenantId, e: &AuditEvent) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        tenant_id: Set(tenant_id.as_uuid()),
        seq: Set(e.seq),
        id: Set(e.id.as_uuid()),
        at: Set(e.at),
        actor_kind: Set(e.actor.kind.as_str().to_owned()),
        actor_id: Set(e.actor.id),
        action: Set(e.action.clone()),
        entity_type: Set(e.entity_type.clone()),
        entity_id: Set(e.entity_id),
        realignment_id: Set(e.realignment_id.map(|r| r.as_uuid())),
        request_id: Set(e.request_id.clone()),
        reason: Set(e.reason.clone()),
        before: Set(e.before.as_ref().map(Value::to_string)),
        after: Set(e.after.as_ref().map(Value::to_string)),
        prev_hash: Set(e.prev_hash.clone()),
        hash: Set(e.hash.clone()),
    }
}

/// Reads a stored row back. A field that no longer parses is kept as its raw text, so the
/// integrity check reports the event as bad instead of failing.
pub(crate) fn from_model(m: audit_event::Model) -> AuditEvent {
    let json =
        |text: Option<String>| text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)));
    AuditEvent {
        seq: m.seq,
        id: AuditEventId::from_uuid(m.id),
        at: m.at,
        actor: Actor {
            kind: ActorKind::parse(&m.actor_kind).unwrap_or(ActorKind::System),
            id: m.actor_id,
        },
        action: m.action,
        entity_type: m.entity_type,
        entity_id: m.entity_id,
        realignment_id: m.realignment_id.map(RealignmentId::from_uuid),
        request_id: m.request_id,
        reason: m.reason,
        before: json(m.before),
        after: json(m.after),
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

impl TenantScope<'_> {
    pub(crate) fn audit_query(&self) -> Select<audit_event::Entity> {
        audit_event::Entity::find().filter(Column::TenantId.eq(self.tid()))
    }

    /// A page of audit events in `seq` order.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        page: PageRequest<i64>,
    ) -> Result<Page<AuditEvent>, StoreError> {
        let db = self.conn().await?;
        let mut query = self.audit_query();
        if let Some(id) = filter.entity_id {
            query = query.filter(Column::EntityId.eq(id));
        }
        if let Some(t) = &filter.entity_type {
            query = query.filter(Column::EntityType.eq(t.clone()));
        }
        if let Some(action) = &filter.action {
            query = query.filter(Column::Action.eq(action.clone()));
        }
        if let Some(id) = filter.actor_id {
            query = query.filter(Column::ActorId.eq(id));
        }
        if let Some(id) = filter.realignment_id {
            query = query.filter(Column::RealignmentId.eq(id.as_uuid()));
        }
        if let Some(from) = filter.from {
            query = query.filter(Column::At.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(Column::At.lt(to));
        }
        let total = query.clone().count(&db).await?;
        if let Some(after) = page.after {
            query = query.filter(Column::Seq.gt(after));
        }
        let rows = query
            .order_by_asc(Column::Seq)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Ok(Page::from_overfetch(rows, page.first, total).map(from_model))
    }

    /// Recomputes the whole chain, streaming it in batches.
    pub async fn audit_integrity(&self) -> Result<ChainReport, StoreError> {
        let db = self.conn().await?;
        let mut verifier = ChainVerifier::new();
        let mut after = 0i64;
        loop {
            let rows = self
                .audit_query()
                .filter(Column::Seq.gt(after))
                .order_by_asc(Column::Seq)
                .limit(VERIFY_BATCH)
                .all(&db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in rows {
                verifier.push(&from_model(row));
            }
        }
        Ok(verifier.report())
    }
}

impl TenantScope<'_> {
    /// One audit event by id.
    pub async fn audit_event(&self, id: AuditEventId) -> Result<Option<AuditEvent>, StoreError> {
        let db = self.conn().await?;
        let found = self
            .audit_query()
            .filter(Column::Id.eq(id.as_uuid()))
            .one(&db)
            .await?;
        Ok(found.map(from_model))
    }
}
