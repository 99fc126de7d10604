//! Sales reps: creating, updating and deactivating them (audited), reading them, and who staffs
//! which territory now or on a given date. Giving a rep a role is a realignment change (see
//! [`crate::staffing`]); deactivating a rep takes it off its territories in one realignment.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use terrane_domain::account::Location;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::identity::Email;
use terrane_domain::ids::{RepId, TerritoryId, UserId};
use terrane_domain::realignment::{Change, Problem, SetMember};
use terrane_domain::rep::{Capacity, MemberRole, RepName, Skills};

use crate::audit;
use crate::entity::{rep, territory_member, user};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::realignments::{AppliedRealignment, RealignmentRequest};
use crate::scope::{TenantScope, WriteContext};
use crate::staffing::role_of;

/// A rep's fields, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RepFields {
    /// Display name.
    pub name: RepName,
    /// Work email, unique among the tenant's reps.
    pub email: Email,
    /// The user login this rep signs in with, if any.
    pub user_id: Option<UserId>,
    /// Where the rep is based.
    pub home_base: Option<Location>,
    /// Workload hours per period.
    pub capacity: Capacity,
    /// Industries and segments the rep knows.
    pub skills: Skills,
}

/// A stored rep.
#[derive(Debug, Clone, PartialEq)]
pub struct RepRecord {
    /// Id.
    pub id: RepId,
    /// Its fields.
    pub fields: RepFields,
    /// False once deactivated.
    pub active: bool,
    /// Moves on with every update.
    pub version: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Why a rep write was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum RepRefusal {
    /// Another rep of the tenant has this email.
    EmailTaken,
    /// The linked user does not exist in this tenant.
    UserNotFound,
    /// The rep changed since the client read it.
    StaleVersion {
        /// Its version now.
        current: i64,
    },
    /// Already deactivated.
    Inactive,
    /// Taking it off its territories was refused.
    Staffing(Vec<Problem>),
}

/// A rep's role on a territory, since when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberRecord {
    /// The territory.
    pub territory_id: TerritoryId,
    /// The rep.
    pub rep_id: RepId,
    /// The role.
    pub role: MemberRole,
    /// Held since.
    pub since: DateTime<Utc>,
    /// Held until (`None` while current).
    pub until: Option<DateTime<Utc>>,
}

impl TryFrom<rep::Model> for RepRecord {
    type Error = StoreError;
    fn try_from(m: rep::Model) -> Result<Self, StoreError> {
        let bad = |what: &str| StoreError::corrupt(format!("rep {} {what}", m.id));
        let skills: Vec<String> = serde_json::from_str(&m.skills).map_err(|_| bad("skills"))?;
        let home_base = match (m.home_lat, m.home_lon) {
            (Some(lat), Some(lon)) => Some(Location::new(lat, lon).map_err(|_| bad("home base"))?),
            _ => None,
        };
        Ok(Self {
            id: RepId::from_uuid(m.id),
            fields: RepFields {
                name: RepName::parse(&m.name).map_err(|_| bad("name"))?,
                email: Email::parse(&m.email).map_err(|_| bad("email"))?,
                user_id: m.user_id.map(UserId::from_uuid),
                home_base,
                capacity: Capacity::new(m.capacity).map_err(|_| bad("capacity"))?,
                skills: Skills::new(skills).map_err(|_| bad("skills"))?,
            },
            active: m.active,
            version: m.version,
            created_at: m.created_at,
        })
    }
}

impl TryFrom<territory_member::Model> for MemberRecord {
    type Error = StoreError;
    fn try_from(m: territory_member::Model) -> Result<Self, StoreError> {
        Ok(Self {
            territory_id: TerritoryId::from_uuid(m.territory_id),
            rep_id: RepId::from_uuid(m.rep_id),
            role: role_of(&m.role)?,
            since: m.valid_from,
            until: m.valid_to,
        })
    }
}

fn snapshot(r: &RepRecord) -> serde_json::Value {
    let f = &r.fields;
    json!({
        "name": f.name.as_str(),
        "email": f.email.as_str(),
        "userId": f.user_id,
        "homeBase": f.home_base.map(|l| json!({"lat": l.lat(), "lon": l.lon()})),
        "capacity": f.capacity.hours(),
        "skills": f.skills.iter().collect::<Vec<_>>(),
        "active": r.active,
    })
}

fn active_model(tenant: uuid::Uuid, r: &RepRecord, now: DateTime<Utc>) -> rep::ActiveModel {
    let f = &r.fields;
    rep::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(r.id.as_uuid()),
        name: Set(f.name.as_str().to_owned()),
        email: Set(f.email.as_str().to_owned()),
        user_id: Set(f.user_id.map(|u| u.as_uuid())),
        home_lat: Set(f.home_base.map(|l| l.lat())),
        home_lon: Set(f.home_base.map(|l| l.lon())),
        capacity: Set(f.capacity.hours()),
        skills: Set(json!(f.skills.iter().collect::<Vec<_>>()).to_string()),
        active: Set(r.active),
        version: Set(r.version),
        created_at: Set(r.created_at),
        updated_at: Set(now),
    }
}

/// Several reps of `tenant` by id; unknown ids are left out.
pub(crate) async fn reps_by_ids<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    ids: &[RepId],
) -> Result<Vec<RepRecord>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        let rows = rep::Entity::find()
            .filter(rep::Column::TenantId.eq(tenant))
            .filter(rep::Column::Id.is_in(chunk.iter().map(|r| r.as_uuid())))
            .all(conn)
            .await?;
        for row in rows {
            out.push(RepRecord::try_from(row)?);
        }
    }
    Ok(out)
}

impl TenantScope<'_> {
    async fn user_exists<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: Option<UserId>,
    ) -> Result<bool, StoreError> {
        let Some(id) = id else { return Ok(true) };
        Ok(user::Entity::find()
            .filter(user::Column::TenantId.eq(self.tid()))
            .filter(user::Column::Id.eq(id.as_uuid()))
            .count(conn)
            .await?
            > 0)
    }

    /// Creates a rep.
    pub async fn create_rep(
        &self,
        fields: RepFields,
        ctx: &WriteContext,
    ) -> Result<Result<RepRecord, RepRefusal>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        if !self.user_exists(&txn, fields.user_id).await? {
            return Ok(Err(RepRefusal::UserNotFound));
        }
        let record = RepRecord {
            id: RepId::new(),
            fields,
            active: true,
            version: 1,
            created_at: now,
        };
        match rep::Entity::insert(active_model(self.tid(), &record, now))
            .exec_without_returning(&txn)
            .await
            .map_err(StoreError::from)
        {
            Err(StoreError::UniqueViolation(_)) => return Ok(Err(RepRefusal::EmailTaken)),
            other => other?,
        };
        let event = self.rep_event(ctx, "rep.created", &record, None);
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(record))
    }

    /// Rewrites a rep's fields; `None` when there is no such rep.
    pub async fn update_rep(
        &self,
        id: RepId,
        fields: RepFields,
        expected_version: Option<i64>,
        ctx: &WriteContext,
    ) -> Result<Option<Result<RepRecord, RepRefusal>>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let Some(current) = self.rep_in(&txn, id).await? else {
            return Ok(None);
        };
        if expected_version.is_some_and(|v| v != current.version) {
            return Ok(Some(Err(RepRefusal::StaleVersion {
                current: current.version,
            })));
        }
        if !self.user_exists(&txn, fields.user_id).await? {
            return Ok(Some(Err(RepRefusal::UserNotFound)));
        }
        let next = RepRecord {
            fields,
            version: current.version + 1,
            ..current.clone()
        };
        match rep::Entity::update(active_model(self.tid(), &next, now))
            .exec(&txn)
            .await
            .map_err(StoreError::from)
        {
            Err(StoreError::UniqueViolation(_)) => return Ok(Some(Err(RepRefusal::EmailTaken))),
            other => other?,
        };
        let event = self.rep_event(ctx, "rep.updated", &next, Some(&current));
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Some(Ok(next)))
    }

    /// Deactivates a rep, taking it off every territory it staffs in one realignment (so the
    /// history says when coverage ended and a revert could restore it); `None` when there is no
    /// such rep.
    pub async fn deactivate_rep(
        &self,
        id: RepId,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<Option<Result<(RepRecord, Option<AppliedRealignment>), RepRefusal>>, StoreError>
    {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let Some(current) = self.rep_in(&txn, id).await? else {
            return Ok(None);
        };
        if !current.active {
            return Ok(Some(Err(RepRefusal::Inactive)));
        }
        let changes: Vec<Change> = self
            .open_members(
                &txn,
                Condition::all().add(territory_member::Column::RepId.eq(id.as_uuid())),
            )
            .await?
            .into_iter()
            .map(|m| {
                Change::SetMember(SetMember {
                    expected: None,
                    territory_id: m.territory_id,
                    rep_id: id,
                    role: None,
                })
            })
            .collect();
        let applied = if changes.is_empty() {
            None
        } else {
            let request = RealignmentRequest {
                title: format!("Deactivate rep {}", current.fields.name.as_str()),
                reason: reason.clone(),
                changes,
            };
            match self.apply_in(&txn, request, ctx, now).await? {
                Ok(applied) => Some(applied),
                Err(problems) => return Ok(Some(Err(RepRefusal::Staffing(problems)))),
            }
        };
        let next = RepRecord {
            active: false,
            version: current.version + 1,
            ..current.clone()
        };
        rep::Entity::update(active_model(self.tid(), &next, now))
            .exec(&txn)
            .await?;
        let mut event = self.rep_event(ctx, "rep.deactivated", &next, Some(&current));
        event.reason = reason;
        event.realignment_id = applied.as_ref().map(|a| a.realignment.id);
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Some(Ok((next, applied))))
    }

    fn rep_event(
        &self,
        ctx: &WriteContext,
        action: &str,
        after: &RepRecord,
        before: Option<&RepRecord>,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor: ctx.actor,
            action: action.to_owned(),
            entity_type: "Rep".into(),
            entity_id: Some(after.id.as_uuid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: None,
            before: before.map(snapshot),
            after: Some(snapshot(after)),
        }
    }

    async fn rep_in<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: RepId,
    ) -> Result<Option<RepRecord>, StoreError> {
        rep::Entity::find()
            .filter(rep::Column::TenantId.eq(self.tid()))
            .filter(rep::Column::Id.eq(id.as_uuid()))
            .one(conn)
            .await?
            .map(RepRecord::try_from)
            .transpose()
    }

    /// One rep.
    pub async fn rep(&self, id: RepId) -> Result<Option<RepRecord>, StoreError> {
        self.rep_in(&self.conn().await?, id).await
    }

    /// Several reps (for DataLoaders); unknown ids are left out.
    pub async fn reps_by_ids(&self, ids: &[RepId]) -> Result<Vec<RepRecord>, StoreError> {
        reps_by_ids(&self.conn().await?, self.tid(), ids).await
    }

    /// A page of reps in creation order, optionally only active ones.
    pub async fn reps(
        &self,
        page: PageRequest<RepId>,
        active_only: bool,
    ) -> Result<Page<RepRecord>, StoreError> {
        let mut query = rep::Entity::find().filter(rep::Column::TenantId.eq(self.tid()));
        if active_only {
            query = query.filter(rep::Column::Active.eq(true));
        }
        let db = self.conn().await?;
        let total = query.clone().count(&db).await?;
        if let Some(after) = page.after {
            query = query.filter(rep::Column::Id.gt(after.as_uuid()));
        }
        let rows = query
            .order_by_asc(rep::Column::Id)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(RepRecord::try_from)
    }

    async fn open_members<C: ConnectionTrait>(
        &self,
        conn: &C,
        filter: Condition,
    ) -> Result<Vec<MemberRecord>, StoreError> {
        territory_member::Entity::find()
            .filter(territory_member::Column::TenantId.eq(self.tid()))
            .filter(territory_member::Column::ValidTo.is_null())
            .filter(filter)
            .order_by_asc(territory_member::Column::ValidFrom)
            .all(conn)
            .await?
            .into_iter()
            .map(MemberRecord::try_from)
            .collect()
    }

    /// The current members of each of `territories` (for DataLoaders).
    pub async fn members_of(
        &self,
        territories: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, Vec<MemberRecord>>, StoreError> {
        let ids = territories.iter().map(|t| t.as_uuid());
        self.open_members_by(territory_member::Column::TerritoryId, ids, |m| {
            m.territory_id
        })
        .await
    }

    /// The territories each of `reps` staffs now (one query per 1,000 reps).
    pub async fn territories_of(
        &self,
        reps: &[RepId],
    ) -> Result<HashMap<RepId, Vec<MemberRecord>>, StoreError> {
        let ids = reps.iter().map(|r| r.as_uuid());
        self.open_members_by(territory_member::Column::RepId, ids, |m| m.rep_id)
            .await
    }

    /// The open memberships whose `column` is one of `ids`, grouped by `key` (one query per
    /// 1,000 ids).
    async fn open_members_by<K: std::hash::Hash + Eq>(
        &self,
        column: territory_member::Column,
        ids: impl Iterator<Item = uuid::Uuid>,
        key: impl Fn(&MemberRecord) -> K,
    ) -> Result<HashMap<K, Vec<MemberRecord>>, StoreError> {
        let db = self.conn().await?;
        let ids: Vec<uuid::Uuid> = ids.collect();
        let mut out: HashMap<K, Vec<MemberRecord>> = HashMap::new();
        for chunk in ids.chunks(1_000) {
            let filter = Condition::all().add(column.is_in(chunk.iter().copied()));
            for m in self.open_members(&db, filter).await? {
                out.entry(key(&m)).or_default().push(m);
            }
        }
        Ok(out)
    }

    /// Who staffed `territory` at `at`: an index lookup on (tenant, territory, valid_from).
    pub async fn members_at(
        &self,
        territory: TerritoryId,
        at: DateTime<Utc>,
    ) -> Result<Vec<MemberRecord>, StoreError> {
        territory_member::Entity::find()
            .filter(territory_member::Column::TenantId.eq(self.tid()))
            .filter(territory_member::Column::TerritoryId.eq(territory.as_uuid()))
            .filter(territory_member::Column::ValidFrom.lte(at))
            .filter(
                Condition::any()
                    .add(territory_member::Column::ValidTo.is_null())
                    .add(territory_member::Column::ValidTo.gt(at)),
            )
            .order_by_asc(territory_member::Column::ValidFrom)
            .all(&self.conn().await?)
            .await?
            .into_iter()
            .map(MemberRecord::try_from)
            .collect()
    }
}
