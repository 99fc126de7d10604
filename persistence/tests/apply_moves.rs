//! Applying drafts that move accounts (SQLite, or PostgreSQL with `TEST_DATABASE_URL`): whether
//! the history is derived from the move rows (every account moved once) or written move by move
//! (an account moved twice in one realignment), each account ends with non-overlapping intervals
//! and exactly one open one where the plan put it, the move rows hold first place and last
//! place, and the audit event's digest is the digest of the stored move rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use terrane_domain::audit::Actor;
use terrane_domain::ids::{AccountId, RealignmentId, TenantId, TerritoryId};
use terrane_domain::realignment::{Change, CreateTerritory, MoveAccounts, PlanChange};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::{
    AuditFilter, ImportMode, PageRequest, RealignmentRequest, Store, TenantScope, WriteContext,
};

fn ctx() -> WriteContext {
    WriteContext {
        actor: Actor::SYSTEM,
        request_id: None,
    }
}

async fn store_with_tenant() -> (Store, TenantId) {
    let url = terrane_persistence::testing::fresh_database_url()
        .await
        .unwrap();
    let store = Store::open(&url, None).await.unwrap();
    let tenant_id = terrane_persistence::testing::sign_up_tenant(&store, "acme")
        .await
        .unwrap();
    (store, tenant_id)
}

fn move_to(accounts: &[AccountId], to: TerritoryId) -> PlanChange {
    PlanChange::MoveAccounts(MoveAccounts {
        account_ids: accounts.to_vec(),
        to: Some(to),
        pin: false,
        expected_from: vec![],
    })
}

async fn apply(scope: &TenantScope<'_>, changes: Vec<PlanChange>) -> RealignmentId {
    let draft = scope
        .create_realignment("Moves".into(), None, &ctx())
        .await
        .unwrap();
    scope
        .add_realignment_changes(draft.id, changes, &ctx())
        .await
        .unwrap()
        .unwrap();
    let applied = scope.apply_draft(draft.id, None, &ctx()).await.unwrap();
    assert!(applied.is_ok(), "{applied:?}");
    draft.id
}

/// Checks every account's intervals and returns where each one is now.
async fn places(scope: &TenantScope<'_>, accounts: &[AccountId]) -> Vec<Option<TerritoryId>> {
    let mut now = Vec::new();
    for account in accounts {
        let history = scope.account_history(*account).await.unwrap();
        for pair in history.windows(2) {
            let ended = pair[0].to.expect("only the last interval is open");
            assert!(ended <= pair[1].from, "overlapping intervals: {history:?}");
        }
        now.push(
            history
                .last()
                .filter(|i| i.to.is_none())
                .map(|i| i.territory_id),
        );
    }
    now
}

async fn digest_matches_audit(scope: &TenantScope<'_>, id: RealignmentId, moved: u64) {
    let filter = AuditFilter {
        realignment_id: Some(id),
        action: Some("accounts.assigned".into()),
        ..AuditFilter::default()
    };
    let page = PageRequest {
        first: 10,
        after: None,
    };
    let events = scope.audit_events(&filter, page).await.unwrap();
    assert_eq!(events.items.len(), 1);
    let after = events.items[0].after.clone().unwrap();
    assert_eq!(after["moves"], moved);
    let stored = scope.realignment_move_digest(id).await.unwrap();
    assert_eq!(after["digest"], stored.as_str());
}

#[tokio::test]
async fn moves_write_the_same_history_whether_derived_or_written_move_by_move() {
    let (store, tenant) = store_with_tenant().await;
    let scope = store.tenant(tenant);
    let territories: Vec<TerritoryId> = (0..3).map(|_| TerritoryId::new()).collect();
    let creates = territories
        .iter()
        .zip(["WEST", "EAST", "NORTH"])
        .map(|(id, code)| {
            Change::CreateTerritory(CreateTerritory {
                id: *id,
                name: TerritoryName::parse(code).unwrap(),
                code: TerritoryCode::parse(code).unwrap(),
                parent_id: None,
                boundary: None,
            })
        })
        .collect();
    let request = RealignmentRequest {
        title: "Territories".into(),
        reason: None,
        changes: creates,
    };
    scope
        .apply_realignment(request, &ctx())
        .await
        .unwrap()
        .unwrap();
    let csv = "external_id,name\nA-0,Zero\nA-1,One\nA-2,Two\n";
    scope
        .import_accounts(csv.as_bytes(), ImportMode::AllOrNothing, &ctx())
        .await
        .unwrap()
        .unwrap();
    let page = PageRequest {
        first: 10,
        after: None,
    };
    let accounts: Vec<AccountId> = scope
        .accounts(&Default::default(), page)
        .await
        .unwrap()
        .items
        .iter()
        .map(|a| a.account.id)
        .collect();
    assert_eq!(accounts.len(), 3);
    let [west, east, north] = [territories[0], territories[1], territories[2]];

    // Every account moved once: the history is derived from the move rows.
    let first = apply(&scope, vec![move_to(&accounts, west)]).await;
    assert_eq!(places(&scope, &accounts).await, vec![Some(west); 3]);
    digest_matches_audit(&scope, first, 3).await;

    // Account 0 moved twice in one realignment: written move by move.
    let second = apply(
        &scope,
        vec![
            move_to(&accounts[..2], east),
            move_to(&accounts[..1], north),
        ],
    )
    .await;
    assert_eq!(
        places(&scope, &accounts).await,
        vec![Some(north), Some(east), Some(west)]
    );
    digest_matches_audit(&scope, second, 2).await;
    let rows = scope.realignment_moves(second, page).await.unwrap().items;
    let zero = rows.iter().find(|m| m.account_id == accounts[0]).unwrap();
    assert_eq!(zero.from.map(|f| f.territory_id), Some(west));
    assert_eq!(zero.to.map(|t| t.territory_id), Some(north));

    // Back to one move each, from three different places.
    let third = apply(&scope, vec![move_to(&accounts, east)]).await;
    assert_eq!(
        places(&scope, &accounts).await,
        vec![Some(east), Some(east), Some(east)]
    );
    // Account 1 was already in EAST: no move row, no new interval.
    digest_matches_audit(&scope, third, 2).await;
    let history = scope.account_history(accounts[1]).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].realignment_id, second);
    let zero = scope.account_history(accounts[0]).await.unwrap();
    let ended: Vec<_> = zero.iter().map(|i| i.ended_by).collect();
    assert_eq!(ended, vec![Some(second), Some(third), None]);
}
