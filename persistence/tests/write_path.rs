//! The write path against a real database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`):
//! concurrent writers keep the audit chain gapless and valid; a refused realignment commits
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use terrane_domain::audit::Actor;
use terrane_domain::ids::{TenantId, TerritoryId};
use terrane_domain::realignment::{Change, CreateTerritory, ProblemCode};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::{
    AuditFilter, PageRequest, RealignmentRequest, Store, TerritoryFilter, WriteContext,
};

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

fn create(code: &str, parent: Option<TerritoryId>) -> Change {
    Change::CreateTerritory(CreateTerritory {
        id: TerritoryId::new(),
        name: TerritoryName::parse(code).unwrap(),
        code: TerritoryCode::parse(code).unwrap(),
        parent_id: parent,
        boundary: None,
    })
}

fn ctx() -> WriteContext {
    WriteContext {
        actor: Actor::SYSTEM,
        request_id: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_the_chain_gapless_and_valid() {
    let (store, tenant) = store_with_tenant().await;
    let writers = 24;
    let handles: Vec<_> = (0..writers)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let request = RealignmentRequest {
                    title: format!("w{i}"),
                    reason: None,
                    changes: vec![create(&format!("T{i}"), None)],
                };
                store
                    .tenant(tenant)
                    .apply_realignment(request, &ctx())
                    .await
            })
        })
        .collect();
    for handle in handles {
        assert!(handle.await.unwrap().unwrap().is_ok());
    }
    let scope = store.tenant(tenant);
    let report = scope.audit_integrity().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.checked_events, 2 + writers);
    let page = scope
        .audit_events(
            &AuditFilter::default(),
            PageRequest {
                first: 100,
                after: None,
            },
        )
        .await
        .unwrap();
    let seqs: Vec<i64> = page.items.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=(2 + writers as i64)).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_refused_realignment_commits_nothing() {
    let (store, tenant) = store_with_tenant().await;
    let scope = store.tenant(tenant);
    // The first change is fine, the second clashes with it: neither may land.
    let request = RealignmentRequest {
        title: "clash".into(),
        reason: None,
        changes: vec![create("SAME", None), create("same", None)],
    };
    let problems = scope
        .apply_realignment(request, &ctx())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, ProblemCode::CodeTaken);
    let territories = scope
        .territories(
            &TerritoryFilter::default(),
            PageRequest {
                first: 10,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(territories.total_count, 0);
    assert_eq!(scope.audit_integrity().await.unwrap().checked_events, 2);
}

#[tokio::test]
async fn one_tenants_scope_cannot_reach_another_tenants_rows() {
    let (store, tenant_a) = store_with_tenant().await;
    let root = create("ROOT", None);
    let root_id = root.territory_id().unwrap();
    let request = RealignmentRequest {
        title: "a".into(),
        reason: None,
        changes: vec![root],
    };
    store
        .tenant(tenant_a)
        .apply_realignment(request, &ctx())
        .await
        .unwrap()
        .unwrap();
    // A scope for some other tenant id sees none of it and cannot hang a child below it.
    let other = store.tenant(TenantId::new());
    assert!(other.territory(root_id).await.unwrap().is_none());
    assert!(other.children_of(&[root_id]).await.unwrap().is_empty());
    assert_eq!(other.audit_integrity().await.unwrap().checked_events, 0);
}
