//! Reading the chain for export against a real database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`): batches stay bounded, the run's end is fixed when the export starts,
//! a missing row shows up as a gap instead of ending the export, and a scope exports only its
//! own tenant's events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::ConnectionTrait;
use terrane_domain::audit::{Actor, AuditEvent, SliceVerifier};
use terrane_domain::identity::{DisplayName, Email, Role, TenantName, TenantSlug};
use terrane_domain::ids::{SessionId, TenantId, TerritoryId, UserId};
use terrane_domain::realignment::{Change, CreateTerritory};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::{
    AuditRange, NewSession, NewUser, RealignmentRequest, SignUp, Store, TenantScope, WriteContext,
};

async fn store_with_tenant(url: &str, slug: &str) -> (Store, TenantId) {
    let store = Store::open(url, None).await.unwrap();
    let admin = NewUser {
        id: UserId::new(),
        email: Email::parse("admin@example.com").unwrap(),
        display_name: DisplayName::parse("Admin").unwrap(),
        role: Role::Admin,
        password_hash: "not-a-real-hash".into(),
    };
    let session = NewSession {
        id: SessionId::new(),
        user_id: admin.id,
        token_hash: format!("{slug:0>64}"),
        expires_at: chrono::Utc::now(),
    };
    let tenant_id = TenantId::new();
    let sign_up = SignUp {
        tenant_id,
        slug: TenantSlug::parse(slug).unwrap(),
        name: TenantName::parse(slug).unwrap(),
        admin,
        session,
    };
    store.sign_up(&sign_up, None).await.unwrap().unwrap();
    (store, tenant_id)
}

/// Creates `n` root territories in one realignment: one audit event each.
async fn create_territories(scope: TenantScope<'_>, prefix: &str, n: usize) {
    let changes = (0..n)
        .map(|i| {
            let code = format!("{prefix}{i}");
            Change::CreateTerritory(CreateTerritory {
                id: TerritoryId::new(),
                name: TerritoryName::parse(&code).unwrap(),
                code: TerritoryCode::parse(&code).unwrap(),
                parent_id: None,
                boundary: None,
            })
        })
        .collect();
    let request = RealignmentRequest {
        title: "bulk".into(),
        reason: None,
        changes,
    };
    let ctx = WriteContext {
        actor: Actor::SYSTEM,
        request_id: None,
    };
    scope
        .apply_realignment(request, &ctx)
        .await
        .unwrap()
        .unwrap();
}

/// Reads a whole export, returning its batch sizes and events.
async fn read_all(scope: TenantScope<'_>, range: AuditRange) -> (Vec<usize>, Vec<AuditEvent>) {
    let mut cursor = scope.audit_export(range).await.unwrap();
    let (mut sizes, mut events) = (vec![], vec![]);
    loop {
        let batch = scope.audit_export_next(&mut cursor).await.unwrap();
        if batch.is_empty() {
            assert!(cursor.is_done());
            return (sizes, events);
        }
        sizes.push(batch.len());
        events.extend(batch);
    }
}

#[tokio::test]
async fn an_export_reads_the_chain_in_bounded_batches() {
    let url = terrane_persistence::testing::fresh_database_url()
        .await
        .unwrap();
    let (store, tenant) = store_with_tenant(&url, "acme").await;
    let scope = store.tenant(tenant);
    create_territories(scope, "T", 2_300).await;

    // The end is fixed at the start: what is appended meanwhile waits for the next export.
    let mut cursor = scope.audit_export(AuditRange::default()).await.unwrap();
    create_territories(scope, "LATE", 1).await;
    let mut events = vec![];
    loop {
        let batch = scope.audit_export_next(&mut cursor).await.unwrap();
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 1_000);
        events.extend(batch);
    }
    assert_eq!(events.len(), 2 + 2_300);
    let mut verifier = SliceVerifier::new();
    for e in &events {
        verifier.push(e).unwrap();
    }
    let (sizes, all) = read_all(scope, AuditRange::default()).await;
    assert_eq!(sizes, vec![1_000, 1_000, 303], "with the late event");
    assert_eq!(
        all.last().map(|e| e.hash.clone()),
        Some(scope.audit_integrity().await.unwrap().head_hash)
    );

    // A missing row inside the run is a gap for the verifier, not the end of the export.
    let db = sea_orm::Database::connect(&url).await.unwrap();
    db.execute_unprepared("DELETE FROM audit_events WHERE seq = 1500")
        .await
        .unwrap();
    let (_, holed) = read_all(scope, AuditRange::default()).await;
    assert_eq!(holed.len(), all.len() - 1);
    assert_eq!(holed.last(), all.last());

    // Another tenant in the same database exports only its own chain.
    let (_, other) = store_with_tenant(&url, "globex").await;
    let (_, theirs) = read_all(store.tenant(other), AuditRange::default()).await;
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|e| !all.iter().any(|a| a.id == e.id)));
    let (_, nobody) = read_all(store.tenant(TenantId::new()), AuditRange::default()).await;
    assert!(nobody.is_empty());
}

#[tokio::test]
async fn a_time_range_is_an_unbroken_run_of_the_chain() {
    let url = terrane_persistence::testing::fresh_database_url()
        .await
        .unwrap();
    let (store, tenant) = store_with_tenant(&url, "acme").await;
    let scope = store.tenant(tenant);
    for i in 0..4 {
        create_territories(scope, &format!("R{i}X"), 2).await;
    }
    let (_, all) = read_all(scope, AuditRange::default()).await;
    assert_eq!(all.len(), 2 + 8);
    // Events 3..=4 share one time (one realignment), so do 5..=6, and so on.
    let range = AuditRange {
        from: Some(all[4].at),
        to: Some(all[8].at),
    };
    let (_, run) = read_all(scope, range).await;
    assert_eq!(
        run.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![5, 6, 7, 8]
    );
    let empty = AuditRange {
        from: Some(all[8].at),
        to: Some(all[4].at),
    };
    assert!(read_all(scope, empty).await.1.is_empty());
}
