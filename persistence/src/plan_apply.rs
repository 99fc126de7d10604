//! Previewing and applying a draft realignment: its plan is expanded and applied by the domain
//! against the state of the moment (conflicts refused), then written by the one write path —
//! at once, or SCHEDULED for its `effectiveAt` and applied then by the server's scheduler.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::json;
use terrane_domain::ids::{RealignmentId, TerritoryId};
use terrane_domain::realignment::{
    AccountMove, Effect, Footprint, Load, PlanChange, PlanInputs, Problem, ProblemCode,
    QuotaEffect, RealignmentStatus, TerritoryImpact, apply_plan, impact, spread,
};

use crate::drafts::{load_in_status, load_plan, refused};
use crate::error::StoreError;
use crate::realignment_record::{RealignmentRecord, realignment_event, update_realignment};
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, metrics, plan_context};

/// What applying a draft now would do.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// Why it cannot be applied now (empty when it can).
    pub problems: Vec<Problem>,
    /// The accounts that would move, in account order.
    pub moves: Vec<AccountMove>,
    /// Each affected territory's load before and after.
    pub territories: Vec<TerritoryImpact>,
    /// Each group of siblings containing an affected territory.
    pub balance: Vec<BalanceGroup>,
    /// Each quota the plan sets or clears, with its amount now and once applied.
    pub quotas: Vec<QuotaEffect>,
}

/// Siblings under one parent, before and after.
#[derive(Debug, Clone)]
pub struct BalanceGroup {
    /// Their parent (`None`: the roots).
    pub parent_id: Option<TerritoryId>,
    /// One row per sibling.
    pub rows: Vec<BalanceRow>,
    /// Coefficient of variation of potential, before.
    pub cv_before: f64,
    /// Coefficient of variation of potential, after.
    pub cv_after: f64,
}

/// One sibling's load and its deviation from the siblings' mean potential, in percent.
#[derive(Debug, Clone, Copy)]
pub struct BalanceRow {
    /// The territory.
    pub territory_id: TerritoryId,
    /// Load before.
    pub before: Load,
    /// Load after.
    pub after: Load,
    /// Deviation of its potential from the mean, before (percent).
    pub deviation_before: f64,
    /// Deviation of its potential from the mean, after (percent).
    pub deviation_after: f64,
}

fn load_of(m: metrics::TerritoryMetrics) -> Load {
    Load {
        accounts: i64::try_from(m.account_count).unwrap_or(i64::MAX),
        potential: m.potential.hundredths().unwrap_or(0),
        workload: m.workload.hundredths().unwrap_or(0),
    }
}

impl TenantScope<'_> {
    /// What applying the draft (or scheduled realignment) `id` now would do; `None` when it is
    /// not a draft or scheduled realignment of this tenant.
    pub async fn preview_realignment(
        &self,
        id: RealignmentId,
    ) -> Result<Option<Preview>, StoreError> {
        let db = self.conn().await?;
        let tenant = self.tid();
        let allowed = [RealignmentStatus::Draft, RealignmentStatus::Scheduled];
        if load_in_status(&db, tenant, id, &allowed).await?.is_err() {
            return Ok(None);
        }
        let plan = load_plan(&db, tenant, id).await?;
        let context = plan_context::load(&db, tenant, &plan).await?;
        let before_state = context.state.clone();
        let (moves, touched, quotas): (Vec<AccountMove>, Vec<TerritoryId>, Vec<QuotaEffect>) =
            if plan.iter().any(PlanChange::is_full_rerun) {
                // A drafted engine run over every account: its stored plan is the preview.
                let mut moves = Vec::new();
                let mut after = None;
                loop {
                    let page = crate::move_rows::moves_page(
                        &db,
                        tenant,
                        id,
                        crate::page::PageRequest {
                            first: 5_000,
                            after,
                        },
                    )
                    .await?;
                    after = page.items.last().map(|m| m.account_id);
                    let done = !page.has_next_page;
                    moves.extend(page.items);
                    if done {
                        break;
                    }
                }
                (moves, vec![], vec![])
            } else {
                let inputs = PlanInputs {
                    rules: &context.rules,
                    facts: context.facts,
                };
                match apply_plan(context.state, &plan, &inputs) {
                    Err(problems) => {
                        return Ok(Some(Preview {
                            problems,
                            ..Preview::default()
                        }));
                    }
                    Ok(applied) => {
                        let mut footprint = Footprint::default();
                        let mut touched = Vec::new();
                        let mut quotas = Vec::new();
                        for effect in &applied.effects {
                            match effect {
                                Effect::Territory(t) => {
                                    footprint.add_territory(t);
                                    touched.push(t.territory_id);
                                }
                                Effect::Accounts(a) => {
                                    a.moves.iter().for_each(|m| footprint.add_move(*m))
                                }
                                Effect::Quota(q) => {
                                    quotas.push(*q);
                                    touched.push(q.key.territory_id);
                                }
                                // Staffing changes no account count, load or quota.
                                Effect::Member(_) => {}
                            }
                        }
                        let moves = footprint
                            .moves
                            .into_values()
                            .filter(|m| m.from != m.to)
                            .collect();
                        (moves, touched, quotas)
                    }
                }
            };
        let moved: Vec<_> = moves.iter().map(|m| m.account_id).collect();
        let weights: HashMap<_, _> = plan_context::records(&db, tenant, &moved)
            .await?
            .into_iter()
            .map(|record| {
                let a = &record.account;
                let weight = (
                    a.potential.hundredths().unwrap_or(0),
                    a.workload.hundredths().unwrap_or(0),
                );
                (a.id, weight)
            })
            .collect();
        // Loads now of every affected territory and of their siblings, in one query.
        let affected: BTreeSet<TerritoryId> = moves
            .iter()
            .flat_map(|m| [m.from, m.to])
            .flatten()
            .map(|a| a.territory_id)
            .chain(touched.iter().copied())
            .collect();
        let parents: BTreeSet<Option<TerritoryId>> = affected
            .iter()
            .filter(|t| before_state.territory(**t).is_some())
            .map(|t| before_state.hierarchy().parent(*t))
            .collect();
        let siblings: Vec<TerritoryId> = before_state
            .territories()
            .filter(|t| parents.contains(&t.parent_id))
            .map(|t| t.id)
            .chain(affected.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let before: HashMap<TerritoryId, Load> = metrics::direct_metrics(&db, tenant, &siblings)
            .await?
            .into_iter()
            .map(|(id, m)| (id, load_of(m)))
            .collect();
        let rows = impact(&before, &moves, &weights, siblings.iter().copied());
        let by_id: HashMap<TerritoryId, TerritoryImpact> =
            rows.iter().map(|r| (r.territory_id, *r)).collect();
        let mut groups: BTreeMap<Option<TerritoryId>, Vec<TerritoryImpact>> = BTreeMap::new();
        for t in before_state.territories() {
            if parents.contains(&t.parent_id)
                && let Some(row) = by_id.get(&t.id)
            {
                groups.entry(t.parent_id).or_default().push(*row);
            }
        }
        let balance = groups
            .into_iter()
            .map(|(parent_id, mut members)| {
                members.sort_by_key(|m| m.territory_id);
                let value = |l: Load| l.potential as f64;
                let (dev_before, cv_before) =
                    spread(&members.iter().map(|m| value(m.before)).collect::<Vec<_>>());
                let (dev_after, cv_after) =
                    spread(&members.iter().map(|m| value(m.after)).collect::<Vec<_>>());
                BalanceGroup {
                    parent_id,
                    rows: members
                        .iter()
                        .zip(dev_before.into_iter().zip(dev_after))
                        .map(|(m, (deviation_before, deviation_after))| BalanceRow {
                            territory_id: m.territory_id,
                            before: m.before,
                            after: m.after,
                            deviation_before,
                            deviation_after,
                        })
                        .collect(),
                    cv_before,
                    cv_after,
                }
            })
            .collect();
        let territories = rows
            .into_iter()
            .filter(|r| affected.contains(&r.territory_id))
            .collect();
        Ok(Some(Preview {
            problems: vec![],
            moves,
            territories,
            balance,
            quotas,
        }))
    }

    /// Applies draft `id` now, or schedules it when `effective_at` is in the future (checked now
    /// too, so a plan that cannot apply is refused up front). Refused with `CONFLICT` problems
    /// when what it was planned against has changed.
    pub async fn apply_draft(
        &self,
        id: RealignmentId,
        effective_at: Option<DateTime<Utc>>,
        ctx: &WriteContext,
    ) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let record = match load_in_status(&txn, self.tid(), id, &[RealignmentStatus::Draft]).await?
        {
            Ok(record) => record,
            Err(problems) => return Ok(Err(problems)),
        };
        if effective_at.is_some_and(|at| at <= now) {
            return Ok(Err(refused(
                ProblemCode::InvalidEffectiveAt,
                "effectiveAt",
                "effectiveAt must be in the future; omit it to apply now",
            )));
        }
        let schedule_at = effective_at;
        let outcome = self
            .apply_plan_in(&txn, record, ctx, now, schedule_at)
            .await?;
        if outcome.is_ok() {
            txn.commit().await?;
        }
        Ok(outcome)
    }

    /// Applies a SCHEDULED realignment whose time has come, on behalf of whoever scheduled it.
    /// Exactly once: the status is re-read under the tenant's write lock, so a second server
    /// replica that got here too finds it no longer SCHEDULED and does nothing. When it can no
    /// longer apply, it is marked FAILED with its problems. Returns whether it was applied.
    pub async fn apply_scheduled(&self, id: RealignmentId) -> Result<bool, StoreError> {
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let Ok(record) = load_in_status(&txn, tenant, id, &[RealignmentStatus::Scheduled]).await?
        else {
            return Ok(false);
        };
        if record.effective_at.is_some_and(|at| at > now) {
            return Ok(false);
        }
        let ctx = WriteContext {
            actor: record.applied_by.unwrap_or(record.created_by),
            request_id: Some("scheduler".to_owned()),
        };
        let problems = match self
            .apply_plan_in(&txn, record.clone(), &ctx, now, None)
            .await?
        {
            Ok(_) => {
                txn.commit().await?;
                return Ok(true);
            }
            Err(problems) => problems,
        };
        // Nothing of a refused apply may stay (an engine run writes page by page): roll it
        // back, then record the failure in a transaction of its own.
        txn.rollback().await?;
        let txn = self.begin_write().await?;
        let Ok(mut record) =
            load_in_status(&txn, tenant, id, &[RealignmentStatus::Scheduled]).await?
        else {
            return Ok(false);
        };
        record.status = RealignmentStatus::Failed;
        record.problems = problems;
        update_realignment(&txn, tenant, &record).await?;
        let event = realignment_event(
            &ctx,
            &record,
            "realignment.failed",
            json!({
                "problems": record.problems.iter().map(|p| json!({ "code": p.code.as_str(), "message": p.message })).collect::<Vec<_>>(),
            }),
        );
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(false)
    }

    /// Checks and applies (or schedules) `record`'s plan inside `txn`.
    async fn apply_plan_in<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        mut record: RealignmentRecord,
        ctx: &WriteContext,
        now: DateTime<Utc>,
        schedule_at: Option<DateTime<Utc>>,
    ) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let plan = load_plan(txn, tenant, record.id).await?;
        if plan.is_empty() {
            return Ok(Err(refused(
                ProblemCode::NothingToChange,
                "id",
                "the realignment has no changes",
            )));
        }
        let full_rerun = plan.iter().any(PlanChange::is_full_rerun);
        let applied = if full_rerun {
            None
        } else {
            let context = plan_context::load(txn, tenant, &plan).await?;
            let inputs = PlanInputs {
                rules: &context.rules,
                facts: context.facts,
            };
            match apply_plan(context.state, &plan, &inputs) {
                Ok(applied) => Some(applied),
                Err(problems) => return Ok(Err(problems)),
            }
        };
        let mut event = realignment_event(ctx, &record, "realignment.applied", json!(null));
        event.before = Some(json!({ "status": record.status.as_str() }));
        if let Some(at) = schedule_at {
            record.status = RealignmentStatus::Scheduled;
            record.effective_at = Some(at);
            record.applied_by = Some(ctx.actor);
            update_realignment(txn, tenant, &record).await?;
            event.action = "realignment.scheduled".into();
            event.after = Some(json!({ "status": "SCHEDULED", "effectiveAt": at }));
            audit::append(txn, self.tenant_id, vec![event], now).await?;
            return Ok(Ok(record));
        }
        let record = match applied {
            None => match self.apply_drafted_run(txn, record, ctx, now).await? {
                Ok(record) => record,
                Err(problems) => return Ok(Err(problems)),
            },
            Some(applied) => {
                record.status = RealignmentStatus::Applied;
                record.applied_at = Some(now);
                record.applied_by = Some(ctx.actor);
                update_realignment(txn, tenant, &record).await?;
                self.write_effects(txn, &record, &applied.effects, ctx, now)
                    .await?;
                record
            }
        };
        event.after = Some(json!({ "status": "APPLIED", "changes": plan.len() }));
        audit::append(txn, self.tenant_id, vec![event], now).await?;
        Ok(Ok(record))
    }
}
