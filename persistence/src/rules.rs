//! Assignment rules: stored criteria that place accounts by their fields.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use terrane_domain::assignment::{Criterion, GeoIndex, Rule};
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::{RuleId, TerritoryId};
use terrane_domain::realignment::AlignmentState;
use uuid::Uuid;

use crate::entity::assignment_rule;
use crate::error::StoreError;
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, territories};

/// A rule as stored, with its name and timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRecord {
    /// The rule the engine runs.
    pub rule: Rule,
    /// Its name.
    pub name: String,
    /// Created when.
    pub created_at: DateTime<Utc>,
}

/// A rule to create.
#[derive(Debug, Clone)]
pub struct NewRule {
    /// Where matching accounts go.
    pub territory_id: TerritoryId,
    /// A name for people.
    pub name: String,
    /// Lower numbers run first.
    pub priority: i32,
    /// All must match.
    pub criteria: Vec<Criterion>,
}

fn from_model(m: assignment_rule::Model) -> Result<RuleRecord, StoreError> {
    let stored: Vec<Value> = serde_json::from_str(&m.criteria).map_err(StoreError::corrupt)?;
    let criteria = stored
        .iter()
        .map(Criterion::from_json)
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::corrupt)?;
    Ok(RuleRecord {
        rule: Rule {
            id: RuleId::from_uuid(m.id),
            territory_id: TerritoryId::from_uuid(m.territory_id),
            priority: m.priority,
            criteria,
        },
        name: m.name,
        created_at: m.created_at,
    })
}

/// Every rule of the tenant, in evaluation order.
pub(crate) async fn load<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
) -> Result<Vec<RuleRecord>, StoreError> {
    assignment_rule::Entity::find()
        .filter(assignment_rule::Column::TenantId.eq(tenant))
        .order_by_asc(assignment_rule::Column::Priority)
        .order_by_asc(assignment_rule::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}

impl TenantScope<'_> {
    /// What the engine needs, read inside the caller's transaction: the rules, and the geography
    /// index over the live territories (from the cache when no boundary changed), and the
    /// territories themselves.
    pub(crate) async fn engine_inputs<C: ConnectionTrait>(
        &self,
        conn: &C,
    ) -> Result<(Vec<Rule>, std::sync::Arc<GeoIndex>, AlignmentState), StoreError> {
        let state = territories::load_state(conn, self.tid()).await?;
        // A rule whose territory was deleted or merged away decides nothing (the engine would
        // otherwise send accounts to a territory that no longer exists).
        let rules = load(conn, self.tid())
            .await?
            .into_iter()
            .map(|r| r.rule)
            .filter(|r| state.territory(r.territory_id).is_some())
            .collect();
        let geography = self.geo_cache.index_for(self.tenant_id, &state);
        Ok((rules, geography, state))
    }

    /// Every rule, in evaluation order (priority, then id).
    pub async fn rules(&self) -> Result<Vec<RuleRecord>, StoreError> {
        let db = self.conn().await?;
        load(&db, self.tid()).await
    }

    /// The rules among `ids`.
    pub async fn rules_by_ids(&self, ids: &[RuleId]) -> Result<Vec<RuleRecord>, StoreError> {
        let db = self.conn().await?;
        assignment_rule::Entity::find()
            .filter(assignment_rule::Column::TenantId.eq(self.tid()))
            .filter(assignment_rule::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
            .await?
            .into_iter()
            .map(from_model)
            .collect()
    }

    /// Creates a rule, audited; refused when the territory does not exist in this tenant.
    pub async fn create_rule(
        &self,
        rule: NewRule,
        ctx: &WriteContext,
    ) -> Result<Result<RuleRecord, RuleRefusal>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let live = territories::live(self.tid())
            .filter(crate::entity::territory::Column::Id.eq(rule.territory_id.as_uuid()))
            .one(&txn)
            .await?;
        if live.is_none() {
            return Ok(Err(RuleRefusal::TerritoryNotFound));
        }
        let id = RuleId::new();
        let criteria = Value::Array(rule.criteria.iter().map(Criterion::to_json).collect());
        assignment_rule::Entity::insert(assignment_rule::ActiveModel {
            tenant_id: Set(self.tid()),
            id: Set(id.as_uuid()),
            territory_id: Set(rule.territory_id.as_uuid()),
            name: Set(rule.name.clone()),
            priority: Set(rule.priority),
            criteria: Set(criteria.to_string()),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "rule.created".into(),
            entity_type: "AssignmentRule".into(),
            entity_id: Some(id.as_uuid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: None,
            after: Some(
                json!({ "id": id, "territoryId": rule.territory_id, "name": rule.name, "priority": rule.priority, "criteria": criteria }),
            ),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(RuleRecord {
            rule: Rule {
                id,
                territory_id: rule.territory_id,
                priority: rule.priority,
                criteria: rule.criteria,
            },
            name: rule.name,
            created_at: now,
        }))
    }
}

fn snapshot(rule: &RuleRecord) -> Value {
    json!({
        "id": rule.rule.id,
        "territoryId": rule.rule.territory_id,
        "name": rule.name,
        "priority": rule.rule.priority,
        "criteria": rule.rule.criteria.iter().map(Criterion::to_json).collect::<Vec<_>>(),
    })
}

/// Why a rule change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleRefusal {
    /// No such rule in this tenant.
    RuleNotFound,
    /// The target territory does not exist in this tenant.
    TerritoryNotFound,
}

impl TenantScope<'_> {
    /// Replaces a rule's territory, name, priority and criteria, audited. Accounts it placed stay
    /// until the next `run_assignment`.
    pub async fn update_rule(
        &self,
        id: RuleId,
        rule: NewRule,
        ctx: &WriteContext,
    ) -> Result<Result<RuleRecord, RuleRefusal>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let Some(current) = assignment_rule::Entity::find_by_id((self.tid(), id.as_uuid()))
            .one(&txn)
            .await?
        else {
            return Ok(Err(RuleRefusal::RuleNotFound));
        };
        let live = territories::live(self.tid())
            .filter(crate::entity::territory::Column::Id.eq(rule.territory_id.as_uuid()))
            .one(&txn)
            .await?;
        if live.is_none() {
            return Ok(Err(RuleRefusal::TerritoryNotFound));
        }
        let before = from_model(current.clone())?;
        let criteria = Value::Array(rule.criteria.iter().map(Criterion::to_json).collect());
        let mut row: assignment_rule::ActiveModel = current.into();
        row.territory_id = Set(rule.territory_id.as_uuid());
        row.name = Set(rule.name.clone());
        row.priority = Set(rule.priority);
        row.criteria = Set(criteria.to_string());
        row.updated_at = Set(now);
        let after = from_model(sea_orm::ActiveModelTrait::update(row, &txn).await?)?;
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "rule.updated".into(),
            entity_type: "AssignmentRule".into(),
            entity_id: Some(id.as_uuid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: Some(snapshot(&before)),
            after: Some(snapshot(&after)),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(after))
    }

    /// Deletes a rule, audited; `Ok(None)` when it does not exist in this tenant. Accounts it
    /// placed stay until the next `run_assignment`.
    pub async fn delete_rule(
        &self,
        id: RuleId,
        ctx: &WriteContext,
    ) -> Result<Option<RuleRecord>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let Some(current) = assignment_rule::Entity::find_by_id((self.tid(), id.as_uuid()))
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        let before = from_model(current)?;
        assignment_rule::Entity::delete_by_id((self.tid(), id.as_uuid()))
            .exec(&txn)
            .await?;
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "rule.deleted".into(),
            entity_type: "AssignmentRule".into(),
            entity_id: Some(id.as_uuid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: Some(snapshot(&before)),
            after: None,
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Some(before))
    }
}
