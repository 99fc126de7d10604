//! Everything a plan needs from the store before the domain can apply it: the territories, the
//! accounts it names or whose territories it empties (with their current places), the account
//! counts of territories it deletes, the rules, and the facts of accounts it re-decides or
//! splits. Read inside the caller's connection (the write transaction when applying).

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use terrane_domain::assignment::{AccountFacts, Rule};
use terrane_domain::ids::{AccountId, TerritoryId};
use terrane_domain::realignment::{AlignmentState, PlanChange};
use uuid::Uuid;

use crate::accounts::AccountRecord;
use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::{moves, rules, territories};

/// Rows per `IN (...)` list (well under every backend's parameter limit).
const CHUNK: usize = 5_000;

/// What [`terrane_domain::realignment::apply_plan`] needs.
pub(crate) struct PlanContext {
    /// The state, knowing every account the plan may move.
    pub state: AlignmentState,
    /// The tenant's rules.
    pub rules: Vec<Rule>,
    /// Facts of the accounts a split or re-run decides.
    pub facts: HashMap<AccountId, AccountFacts>,
}

/// The accounts now assigned to any of `territories`.
async fn accounts_in<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    territories: &[TerritoryId],
) -> Result<Vec<AccountId>, StoreError> {
    let mut found = Vec::new();
    for chunk in territories.chunks(CHUNK) {
        let ids: Vec<Uuid> = assignment::Entity::find()
            .select_only()
            .column(assignment::Column::AccountId)
            .filter(assignment::Column::TenantId.eq(tenant))
            .filter(assignment::Column::TerritoryId.is_in(chunk.iter().map(|t| t.as_uuid())))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(ids.into_iter().map(AccountId::from_uuid));
    }
    Ok(found)
}

/// The accounts among `ids` that exist, as records.
pub(crate) async fn records<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    ids: &[AccountId],
) -> Result<Vec<AccountRecord>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows = account::Entity::find()
            .filter(account::Column::TenantId.eq(tenant))
            .filter(account::Column::Id.is_in(chunk.iter().map(|a| a.as_uuid())))
            .all(conn)
            .await?;
        for row in rows {
            found.push(AccountRecord::try_from(row)?);
        }
    }
    Ok(found)
}

/// Loads the context of `plan` for tenant `tenant`.
pub(crate) async fn load<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    plan: &[PlanChange],
) -> Result<PlanContext, StoreError> {
    let state = territories::load_state(conn, tenant).await?;
    let mut emptied = BTreeSet::new();
    let mut decided = BTreeSet::new();
    for change in plan {
        for (territory, subtree) in change.account_territories() {
            let mut scope = vec![territory];
            if subtree {
                scope.extend(descendants(&state, territory));
            }
            if change.needs_facts() {
                decided.extend(scope.iter().copied());
            }
            emptied.extend(scope);
        }
    }
    let emptied: Vec<_> = emptied.into_iter().collect();
    let decided: Vec<_> = decided.into_iter().collect();
    let mut touched: BTreeSet<AccountId> = plan.iter().flat_map(PlanChange::account_ids).collect();
    touched.extend(accounts_in(conn, tenant, &emptied).await?);
    let touched: Vec<_> = touched.into_iter().collect();
    let deleted: Vec<TerritoryId> = plan
        .iter()
        .filter_map(|c| match c {
            PlanChange::DeleteTerritory(d) => Some(d.id),
            PlanChange::MergeTerritories(m) => Some(m.from_id),
            _ => None,
        })
        .collect();
    let current = moves::load_touched(conn, tenant, &touched).await?;
    let state = state
        .with_accounts(current)
        .with_account_counts(moves::account_counts(conn, tenant, &deleted).await?);
    let quota_keys: Vec<_> = plan
        .iter()
        .filter_map(|c| match c {
            PlanChange::SetQuota(q) => Some(q.key),
            _ => None,
        })
        .collect();
    let state = crate::staffing::with_quotas(conn, tenant, state, &quota_keys).await?;

    let decided_accounts: Vec<AccountId> = accounts_in(conn, tenant, &decided).await?;
    let facts = records(conn, tenant, &decided_accounts)
        .await?
        .into_iter()
        .map(|record| (record.account.id, record.account.facts(None)))
        .collect();
    let rules = rules::load(conn, tenant)
        .await?
        .into_iter()
        .map(|r| r.rule)
        .filter(|r| state.territory(r.territory_id).is_some())
        .collect();
    Ok(PlanContext {
        state,
        rules,
        facts,
    })
}

fn descendants(state: &AlignmentState, root: TerritoryId) -> Vec<TerritoryId> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        for child in state.hierarchy().children(id) {
            found.push(child);
            stack.push(child);
        }
    }
    found
}
