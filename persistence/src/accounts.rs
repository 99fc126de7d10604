//! Accounts: creating them (placed by the engine through the realignment path, in the same
//! transaction) and reading them with their current placement.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::Value;
use terrane_domain::account::{Account, AccountName, Amount, ExternalId, Location};
use terrane_domain::assignment::{Assignment, Engine};
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::{AccountId, RealignmentId, TerritoryId};
use terrane_domain::realignment::{AccountTarget, AssignAccounts, Change, Problem};

use crate::account_totals;
use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::realignments::{AppliedRealignment, RealignmentRequest};
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, moves};

/// An account with its bookkeeping columns.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecord {
    /// The account.
    pub account: Account,
    /// Bumped by every change.
    pub version: i64,
    /// Created when.
    pub created_at: DateTime<Utc>,
    /// Last changed when.
    pub updated_at: DateTime<Utc>,
}

/// Where an account sits now, why, and since when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacementRecord {
    /// The assignment.
    pub assignment: Assignment,
    /// Since when.
    pub since: DateTime<Utc>,
    /// The realignment that put it there.
    pub realignment_id: RealignmentId,
}

/// Which accounts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    /// Only those in this territory.
    pub territory_id: Option<TerritoryId>,
    /// Only those in no territory (`Some(true)`) or in one (`Some(false)`).
    pub unassigned: Option<bool>,
    /// Only this industry (exact, case-insensitive).
    pub industry: Option<String>,
    /// Only this segment (exact, case-insensitive).
    pub segment: Option<String>,
    /// Name or external id contains this text (case-insensitive).
    pub search: Option<String>,
}

/// Why an account was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountRefusal {
    /// Another account of the tenant has this external id.
    ExternalIdTaken,
    /// Placing it was refused by the write path.
    Placement(Vec<Problem>),
    /// The account is not at the version the caller read.
    StaleVersion {
        /// Its current version.
        current: i64,
    },
}

impl TryFrom<account::Model> for AccountRecord {
    type Error = StoreError;
    fn try_from(m: account::Model) -> Result<Self, StoreError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::corrupt(format!("account {} {what}: {e}", m.id))
        };
        let location = match (m.lat, m.lon) {
            (Some(lat), Some(lon)) => {
                Some(Location::new(lat, lon).map_err(|e| bad("location", &e))?)
            }
            _ => None,
        };
        let attributes = match serde_json::from_str::<Value>(&m.attributes)
            .map_err(|e| bad("attributes", &e))?
        {
            Value::Object(map) => map,
            _ => Default::default(),
        };
        Ok(Self {
            account: Account {
                id: AccountId::from_uuid(m.id),
                external_id: ExternalId::parse(&m.external_id)
                    .map_err(|e| bad("external id", &e))?,
                name: AccountName::parse(&m.name).map_err(|e| bad("name", &e))?,
                location,
                address: m.address,
                industry: m.industry,
                segment: m.segment,
                potential: Amount::from_hundredths(m.potential_hundredths),
                workload: Amount::from_hundredths(m.workload_hundredths),
                attributes,
            },
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

pub(crate) fn row(
    tenant: uuid::Uuid,
    a: &Account,
    now: DateTime<Utc>,
) -> Result<account::ActiveModel, StoreError> {
    let hundredths = |x: Amount| {
        x.hundredths()
            .ok_or_else(|| StoreError::corrupt("amount out of range"))
    };
    Ok(account::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(a.id.as_uuid()),
        external_id: Set(a.external_id.as_str().to_owned()),
        name: Set(a.name.as_str().to_owned()),
        lat: Set(a.location.map(|l| l.lat())),
        lon: Set(a.location.map(|l| l.lon())),
        address: Set(a.address.clone()),
        industry: Set(a.industry.clone()),
        segment: Set(a.segment.clone()),
        potential_hundredths: Set(hundredths(a.potential)?),
        workload_hundredths: Set(hundredths(a.workload)?),
        attributes: Set(Value::Object(a.attributes.clone()).to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

fn lower_like(column: account::Column, text: &str) -> sea_orm::sea_query::SimpleExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| {
            if matches!(c, '%' | '_' | '\\') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    Expr::expr(Func::lower(Expr::col((account::Entity, column))))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

impl TenantScope<'_> {
    /// Creates an account and places it where the engine decides (pin > rule > geography), as a
    /// realignment, all in one transaction. The placement is `None` when nothing applies.
    pub async fn create_account(
        &self,
        account: &Account,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<Result<(AccountRecord, Option<AppliedRealignment>), AccountRefusal>, StoreError>
    {
        let now = Utc::now();
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        match account::Entity::insert(row(tenant, account, now)?)
            .exec_without_returning(&txn)
            .await
            .map_err(StoreError::from)
        {
            Err(StoreError::UniqueViolation(_)) => return Ok(Err(AccountRefusal::ExternalIdTaken)),
            other => other?,
        };
        let created = NewAuditEvent {
            actor: ctx.actor,
            action: "account.created".into(),
            entity_type: "Account".into(),
            entity_id: Some(account.id.as_uuid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: reason.clone(),
            before: None,
            after: Some(account.snapshot()),
        };
        audit::append(&txn, self.tenant_id, vec![created], now).await?;

        let (rules, geography, _) = self.engine_inputs(&txn).await?;
        let decision = Engine::new(&rules, &geography).decide(&account.facts(None));
        let placed = match decision.into_assignment() {
            None => None,
            Some(to) => {
                let request = RealignmentRequest {
                    title: format!("Place account {}", account.external_id.as_str()),
                    reason,
                    changes: vec![Change::AssignAccounts(AssignAccounts {
                        moves: vec![AccountTarget {
                            account_id: account.id,
                            to: Some(to),
                        }],
                    })],
                };
                match self.apply_in(&txn, request, ctx, now).await? {
                    Ok(applied) => Some(applied),
                    Err(problems) => return Ok(Err(AccountRefusal::Placement(problems))),
                }
            }
        };
        txn.commit().await?;
        let record = AccountRecord {
            account: account.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        Ok(Ok((record, placed)))
    }

    /// Replaces an account's fields (same id), audited, and places it again unless it is pinned.
    /// `Ok(None)` when the account does not exist in this tenant.
    pub async fn update_account(
        &self,
        account: &Account,
        expected_version: Option<i64>,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<
        Option<Result<(AccountRecord, Option<AppliedRealignment>), AccountRefusal>>,
        StoreError,
    > {
        let now = Utc::now();
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        let Some(current) = account::Entity::find_by_id((tenant, account.id.as_uuid()))
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        if expected_version.is_some_and(|v| v != current.version) {
            return Ok(Some(Err(AccountRefusal::StaleVersion {
                current: current.version,
            })));
        }
        let before = AccountRecord::try_from(current.clone())?;
        let mut next = row(tenant, account, now)?;
        next.created_at = sea_orm::ActiveValue::NotSet;
        next.version = Set(current.version + 1);
        // Its weights count in its territory's totals: out at the old ones, back at the new.
        let reweighed = before.account.potential != account.potential
            || before.account.workload != account.workload;
        if reweighed {
            account_totals::count_accounts(&txn, tenant, &[account.id.as_uuid()], -1).await?;
        }
        let updated = account::Entity::update_many()
            .set(next)
            .filter(account::Column::TenantId.eq(tenant))
            .filter(account::Column::Id.eq(account.id.as_uuid()))
            .exec(&txn)
            .await
            .map_err(StoreError::from);
        match updated {
            Err(StoreError::UniqueViolation(_)) => {
                return Ok(Some(Err(AccountRefusal::ExternalIdTaken)));
            }
            other => other?,
        };
        if reweighed {
            account_totals::count_accounts(&txn, tenant, &[account.id.as_uuid()], 1).await?;
        }
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "account.updated".into(),
            entity_type: "Account".into(),
            entity_id: Some(account.id.as_uuid()),
            realignment_id: None,
            request_id: ctx.request_id.clone(),
            reason: reason.clone(),
            before: Some(before.account.snapshot()),
            after: Some(account.snapshot()),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;

        let from = moves::load_touched(&txn, tenant, &[account.id])
            .await?
            .into_iter()
            .next()
            .and_then(|(_, a)| a);
        let placed = if from.is_some_and(|a| a.pinned) {
            None
        } else {
            let (rules, geography, _) = self.engine_inputs(&txn).await?;
            let to = Engine::new(&rules, &geography)
                .decide(&account.facts(None))
                .into_assignment();
            if to == from {
                None
            } else {
                let request = RealignmentRequest {
                    title: format!("Place account {}", account.external_id.as_str()),
                    reason,
                    changes: vec![Change::AssignAccounts(AssignAccounts {
                        moves: vec![AccountTarget {
                            account_id: account.id,
                            to,
                        }],
                    })],
                };
                match self.apply_in(&txn, request, ctx, now).await? {
                    Ok(applied) => Some(applied),
                    Err(problems) => return Ok(Some(Err(AccountRefusal::Placement(problems)))),
                }
            }
        };
        txn.commit().await?;
        let record = AccountRecord {
            account: account.clone(),
            version: current.version + 1,
            created_at: before.created_at,
            updated_at: now,
        };
        Ok(Some(Ok((record, placed))))
    }

    /// The ids of the accounts assigned to `territory` now.
    pub async fn account_ids_in(
        &self,
        territory: TerritoryId,
    ) -> Result<Vec<AccountId>, StoreError> {
        let db = self.conn().await?;
        let ids: Vec<uuid::Uuid> = assignment::Entity::find()
            .select_only()
            .column(assignment::Column::AccountId)
            .filter(assignment::Column::TenantId.eq(self.tid()))
            .filter(assignment::Column::TerritoryId.eq(territory.as_uuid()))
            .into_tuple()
            .all(&db)
            .await?;
        Ok(ids.into_iter().map(AccountId::from_uuid).collect())
    }

    /// The accounts among `ids`.
    pub async fn accounts_by_ids(
        &self,
        ids: &[AccountId],
    ) -> Result<Vec<AccountRecord>, StoreError> {
        let db = self.conn().await?;
        account::Entity::find()
            .filter(account::Column::TenantId.eq(self.tid()))
            .filter(account::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
            .await?
            .into_iter()
            .map(AccountRecord::try_from)
            .collect()
    }

    /// The current placement of each of `ids` that is assigned.
    pub async fn placements(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, PlacementRecord>, StoreError> {
        let db = self.conn().await?;
        assignment::Entity::find()
            .filter(assignment::Column::TenantId.eq(self.tid()))
            .filter(assignment::Column::AccountId.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
            .await?
            .into_iter()
            .map(|m| {
                let placement = PlacementRecord {
                    assignment: moves::to_assignment(&m)?,
                    since: m.since,
                    realignment_id: RealignmentId::from_uuid(m.realignment_id),
                };
                Ok((AccountId::from_uuid(m.account_id), placement))
            })
            .collect()
    }

    /// A page of accounts in creation order.
    pub async fn accounts(
        &self,
        filter: &AccountFilter,
        page: PageRequest<AccountId>,
    ) -> Result<Page<AccountRecord>, StoreError> {
        let db = self.conn().await?;
        let tenant = self.tid();
        let mut query = account::Entity::find().filter(account::Column::TenantId.eq(tenant));
        let assigned = |territory: Option<TerritoryId>| {
            let mut sub = Query::select();
            sub.column(assignment::Column::AccountId)
                .from(assignment::Entity)
                .and_where(Expr::col(assignment::Column::TenantId).eq(tenant));
            if let Some(t) = territory {
                sub.and_where(Expr::col(assignment::Column::TerritoryId).eq(t.as_uuid()));
            }
            sub.to_owned()
        };
        if let Some(t) = filter.territory_id {
            query = query.filter(account::Column::Id.in_subquery(assigned(Some(t))));
        }
        match filter.unassigned {
            Some(true) => query = query.filter(account::Column::Id.not_in_subquery(assigned(None))),
            Some(false) => query = query.filter(account::Column::Id.in_subquery(assigned(None))),
            None => {}
        }
        if let Some(industry) = &filter.industry {
            query = query.filter(
                Expr::expr(Func::lower(Expr::col((
                    account::Entity,
                    account::Column::Industry,
                ))))
                .eq(industry.to_lowercase()),
            );
        }
        if let Some(segment) = &filter.segment {
            query = query.filter(
                Expr::expr(Func::lower(Expr::col((
                    account::Entity,
                    account::Column::Segment,
                ))))
                .eq(segment.to_lowercase()),
            );
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            query = query.filter(
                Condition::any()
                    .add(lower_like(account::Column::Name, search))
                    .add(lower_like(account::Column::ExternalId, search)),
            );
        }
        let total = query.clone().count(&db).await?;
        if let Some(after) = page.after {
            query = query.filter(account::Column::Id.gt(after.as_uuid()));
        }
        let rows = query
            .order_by_asc(account::Column::Id)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(AccountRecord::try_from)
    }
}
