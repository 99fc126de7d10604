//! The one write path for alignment state: apply a realignment in one transaction that checks
//! the changes against current state (pure domain code), writes the new state, records the
//! realignment and its changes, and appends one audit event per change.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use terrane_domain::account::Amount;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::realignment::{
    self, AccountMove, AccountsEffect, Change, Effect, Footprint, MemberEffect, Problem,
    QuotaEffect, RealignmentStatus,
};
use terrane_domain::rep::MemberRole;
use terrane_domain::territory::Territory;

use crate::account_totals;
use crate::error::StoreError;
pub use crate::realignment_record::RealignmentRecord;
use crate::realignment_record::record_realignment;
use crate::scope::{TenantScope, WriteContext};
use crate::{applied_moves, audit, moves, staffing, territories, territory_writes};

/// A realignment to apply now.
#[derive(Debug, Clone)]
pub struct RealignmentRequest {
    /// Short title, e.g. "Create territory WEST".
    pub title: String,
    /// Why, in the actor's words; copied onto every audit event.
    pub reason: Option<String>,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
}

/// A realignment that was applied, with what each change did.
#[derive(Debug, Clone)]
pub struct AppliedRealignment {
    /// The stored realignment.
    pub realignment: RealignmentRecord,
    /// One effect per change, in order.
    pub effects: Vec<Effect>,
}

/// The audit payload of a bulk account move: how many moved, the digest of the stored move rows,
/// and the first few moves so a reader sees what kind of move it was.
pub(crate) fn moves_summary(moved: u64, digest: &str, first: &[AccountMove]) -> serde_json::Value {
    let sample: Vec<_> = first
        .iter()
        .take(10)
        .map(|m| {
            serde_json::json!({
                "accountId": m.account_id,
                "from": m.from.map(|f| f.territory_id),
                "to": m.to.map(|t| t.territory_id),
            })
        })
        .collect();
    serde_json::json!({ "moves": moved, "digest": digest, "first": sample })
}

fn member_json(m: &MemberEffect, role: MemberRole) -> serde_json::Value {
    serde_json::json!({ "territoryId": m.territory_id, "repId": m.rep_id, "role": role.as_str() })
}

fn quota_json(q: &QuotaEffect, amount: Amount) -> serde_json::Value {
    serde_json::json!({
        "territoryId": q.key.territory_id,
        "period": q.key.period.label(),
        "metric": q.key.metric.as_str(),
        "amount": amount.value().to_string(),
    })
}

impl TenantScope<'_> {
    /// Applies `request` at once: all of it, or (with the problems found) nothing at all.
    pub async fn apply_realignment(
        &self,
        request: RealignmentRequest,
        ctx: &WriteContext,
    ) -> Result<Result<AppliedRealignment, Vec<Problem>>, StoreError> {
        let txn = self.begin_write().await?;
        let outcome = self.apply_in(&txn, request, ctx, Utc::now()).await?;
        if outcome.is_ok() {
            txn.commit().await?;
        }
        Ok(outcome)
    }

    /// The write path inside a transaction that holds the tenant's write lock: load the state the
    /// changes touch, decide (domain), write state, record the realignment, append audit events.
    pub(crate) async fn apply_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        request: RealignmentRequest,
        ctx: &WriteContext,
        now: DateTime<Utc>,
    ) -> Result<Result<AppliedRealignment, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let touched: Vec<_> = request
            .changes
            .iter()
            .flat_map(Change::account_ids)
            .collect();
        let deleted: Vec<_> = request
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::DeleteTerritory(d) => Some(d.id),
                _ => None,
            })
            .collect();
        let state = territories::load_state(txn, tenant)
            .await?
            .with_accounts(moves::load_touched(txn, tenant, &touched).await?)
            .with_account_counts(moves::account_counts(txn, tenant, &deleted).await?);
        let state =
            staffing::with_quotas(txn, tenant, state, &staffing::quota_keys(&request.changes))
                .await?;
        let applied = match realignment::apply(state, &request.changes) {
            Ok(applied) => applied,
            Err(problems) => return Ok(Err(problems)),
        };
        let record = RealignmentRecord::new(
            request.title.clone(),
            request.reason.clone(),
            RealignmentStatus::Applied,
            ctx.actor,
            now,
        );
        record_realignment(txn, tenant, &record, &request.changes).await?;
        self.write_effects(txn, &record, &applied.effects, ctx, now)
            .await?;
        Ok(Ok(AppliedRealignment {
            realignment: record,
            effects: applied.effects,
        }))
    }

    /// Writes what an applied realignment did — territory rows and their history, account moves
    /// with their history and move rows — and appends its audit events (one per territory
    /// change, one per bulk account move carrying the digest of its move rows).
    pub(crate) async fn write_effects<C: ConnectionTrait>(
        &self,
        txn: &C,
        record: &RealignmentRecord,
        effects: &[Effect],
        ctx: &WriteContext,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tenant = self.tid();
        let id = record.id;
        let mut events = Vec::with_capacity(effects.len());
        let event = |action: &str, entity_type: &str, entity_id: uuid::Uuid| NewAuditEvent {
            actor: ctx.actor,
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id: Some(entity_id),
            realignment_id: Some(id),
            request_id: ctx.request_id.clone(),
            reason: record.reason.clone(),
            before: None,
            after: None,
        };
        // An account a realignment moves more than once gets one move row: first place, last place.
        let mut moved = Footprint::default();
        let mut effect_moves = 0;
        for effect in effects {
            if let Effect::Accounts(a) = effect {
                a.moves.iter().for_each(|m| moved.add_move(*m));
                effect_moves += a.moves.len();
            }
        }
        let rows: Vec<AccountMove> = moved
            .moves
            .into_values()
            .filter(|m| m.from != m.to)
            .collect();
        // When every move is of its own account, the move rows say all the history needs and
        // the database derives it from them; otherwise each move writes its intervals in turn.
        let derive_history = rows.len() == effect_moves;
        let restored: Vec<uuid::Uuid> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Territory(t) if t.action == "territory.restored" => {
                    Some(t.territory_id.as_uuid())
                }
                _ => None,
            })
            .collect();
        territory_writes::release_codes(txn, tenant, &restored).await?;
        for effect in effects {
            match effect {
                Effect::Territory(t) => {
                    territory_writes::write(txn, tenant, id, t, now).await?;
                    let mut e = event(t.action, "Territory", t.territory_id.as_uuid());
                    e.before = t.before.as_ref().map(Territory::snapshot);
                    e.after = t.after.as_ref().map(Territory::snapshot);
                    events.push(e);
                }
                Effect::Accounts(a) if !derive_history => {
                    moves::write_state(txn, tenant, id, &a.moves, now).await?;
                }
                Effect::Member(m) => {
                    staffing::write_member(txn, tenant, id, m, now).await?;
                    let mut e = event(
                        if m.after.is_some() {
                            "member.assigned"
                        } else {
                            "member.unassigned"
                        },
                        "Territory",
                        m.territory_id.as_uuid(),
                    );
                    e.before = m.before.map(|r| member_json(m, r));
                    e.after = m.after.map(|r| member_json(m, r));
                    events.push(e);
                }
                Effect::Quota(q) => {
                    staffing::write_quota(txn, tenant, id, q, now).await?;
                    let mut e = event("quota.set", "Territory", q.key.territory_id.as_uuid());
                    e.before = q.before.map(|a| quota_json(q, a));
                    e.after = q.after.map(|a| quota_json(q, a));
                    events.push(e);
                }
                Effect::Accounts(_) => {}
            }
        }
        if !rows.is_empty() {
            if derive_history {
                applied_moves::write(txn, tenant, id, &rows, now).await?;
            } else {
                moves::write_rows(txn, tenant, id, &rows).await?;
            }
            account_totals::add_moves_of(txn, tenant, id).await?;
            // One event for all of them: its digest covers the stored move rows.
            let mut e = event("accounts.assigned", "Realignment", id.as_uuid());
            let count = u64::try_from(rows.len()).unwrap_or(u64::MAX);
            let effect = AccountsEffect {
                change_index: 0,
                moves: rows,
            };
            e.after = Some(moves_summary(count, &effect.digest(), &effect.moves));
            events.push(e);
        }
        audit::append(txn, self.tenant_id, events, now).await?;
        Ok(())
    }
}
