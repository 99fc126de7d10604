//! Re-running the assignment engine over every account: as a draft that lists the moves it
//! would make (nothing changes), or applied at once as one realignment.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use terrane_domain::assignment::Engine;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::{AccountId, RealignmentId};
use terrane_domain::realignment::{
    AccountMove, AccountTarget, AccountsEffect, AssignAccounts, Change, Problem, RealignmentStatus,
};
use uuid::Uuid;

use crate::accounts::AccountRecord;
use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::realignments::{RealignmentRecord, RealignmentRequest, record_realignment};
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, moves};

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
    pub async fn run_assignment(
        &self,
        apply: bool,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<Result<RunOutcome, Vec<Problem>>, StoreError> {
        let now = Utc::now();
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        let (rules, geography) = self.engine_inputs(&txn).await?;
        let engine = Engine::new(&rules, &geography);

        let mut planned: Vec<AccountMove> = Vec::new();
        let mut after: Option<Uuid> = None;
        loop {
            let mut query = account::Entity::find().filter(account::Column::TenantId.eq(tenant));
            if let Some(after) = after {
                query = query.filter(account::Column::Id.gt(after));
            }
            let page = query
                .order_by_asc(account::Column::Id)
                .limit(PAGE)
                .all(&txn)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = page.iter().map(|m| m.id).collect();
            let current: HashMap<Uuid, assignment::Model> = assignment::Entity::find()
                .filter(assignment::Column::TenantId.eq(tenant))
                .filter(assignment::Column::AccountId.is_in(ids))
                .all(&txn)
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
            for ((account_id, from), decision) in
                accounts.into_iter().zip(engine.decide_all(&facts))
            {
                let to = decision.next_for(from);
                if to != from {
                    planned.push(AccountMove {
                        account_id,
                        from,
                        to,
                    });
                }
            }
        }
        let moved = u64::try_from(planned.len()).unwrap_or(u64::MAX);
        let title = format!("Re-run assignment ({moved} accounts move)");

        if apply {
            let changes = vec![Change::AssignAccounts(AssignAccounts {
                moves: planned
                    .iter()
                    .map(|m| AccountTarget {
                        account_id: m.account_id,
                        to: m.to,
                    })
                    .collect(),
            })];
            let request = RealignmentRequest {
                title,
                reason,
                changes,
            };
            return match self.apply_in(&txn, request, ctx, now).await? {
                Ok(applied) => {
                    txn.commit().await?;
                    Ok(Ok(RunOutcome {
                        realignment: applied.realignment,
                        moved,
                    }))
                }
                Err(problems) => Ok(Err(problems)),
            };
        }

        let record = RealignmentRecord {
            id: RealignmentId::new(),
            title,
            reason: reason.clone(),
            status: RealignmentStatus::Draft,
            created_by: ctx.actor,
            created_at: now,
            applied_at: None,
        };
        let changes = vec![Change::AssignAccounts(AssignAccounts {
            moves: planned
                .iter()
                .map(|m| AccountTarget {
                    account_id: m.account_id,
                    to: m.to,
                })
                .collect(),
        })];
        record_realignment(&txn, tenant, &record, &changes).await?;
        moves::write_rows(&txn, tenant, record.id, &planned).await?;
        let digest = AccountsEffect {
            change_index: 0,
            moves: planned,
        }
        .digest();
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "realignment.drafted".into(),
            entity_type: "Realignment".into(),
            entity_id: Some(record.id.as_uuid()),
            realignment_id: Some(record.id),
            request_id: ctx.request_id.clone(),
            reason,
            before: None,
            after: Some(json!({ "title": record.title, "moves": moved, "digest": digest })),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(RunOutcome {
            realignment: record,
            moved,
        }))
    }
}

/// One stored move of a realignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoveRow {
    /// The account.
    pub account_id: AccountId,
    /// The territory it leaves (`None`: it was unassigned).
    pub from_territory: Option<terrane_domain::ids::TerritoryId>,
    /// Its new assignment (`None`: it becomes unassigned).
    pub to: Option<terrane_domain::assignment::Assignment>,
}

impl TenantScope<'_> {
    /// The move rows of a realignment, in account order, keyset-paged.
    pub async fn realignment_moves(
        &self,
        realignment: RealignmentId,
        page: crate::page::PageRequest<AccountId>,
    ) -> Result<crate::page::Page<MoveRow>, StoreError> {
        use crate::entity::realignment_move::{Column, Entity};
        use sea_orm::PaginatorTrait;
        use terrane_domain::assignment::{Assignment, Source};
        use terrane_domain::ids::{RuleId, TerritoryId};
        let query = Entity::find()
            .filter(Column::TenantId.eq(self.tid()))
            .filter(Column::RealignmentId.eq(realignment.as_uuid()));
        let total = query.clone().count(self.db).await?;
        let query = match page.after {
            Some(after) => query.filter(Column::AccountId.gt(after.as_uuid())),
            None => query,
        };
        let rows = query
            .order_by_asc(Column::AccountId)
            .limit(page.first + 1)
            .all(self.db)
            .await?;
        crate::page::Page::from_overfetch(rows, page.first, total).try_map(|m| {
            let to = match (m.to_territory_id, m.to_source.as_deref()) {
                (Some(t), Some(source)) => Some(Assignment {
                    territory_id: TerritoryId::from_uuid(t),
                    source: Source::parse(source)
                        .ok_or_else(|| StoreError::corrupt("move source"))?,
                    rule_id: m.to_rule_id.map(RuleId::from_uuid),
                    pinned: m.to_pinned,
                }),
                _ => None,
            };
            Ok(MoveRow {
                account_id: AccountId::from_uuid(m.account_id),
                from_territory: m.from_territory_id.map(TerritoryId::from_uuid),
                to,
            })
        })
    }
}
