//! Idempotency keys and log-in attempts against a real database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`): claims are atomic per tenant, expire and can be taken over when
//! abandoned; attempts count per key within a window and can be forgotten and purged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use terrane_domain::identity::{DisplayName, Email, Role, TenantName, TenantSlug};
use terrane_domain::ids::{SessionId, TenantId, UserId};
use terrane_persistence::{ClaimTimes, IdempotencyClaim, NewSession, NewUser, SignUp, Store};

async fn sign_up(store: &Store, slug: &str) -> TenantId {
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
        token_hash: format!("{:064}", slug.len()),
        expires_at: Utc::now(),
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
    tenant_id
}

async fn store() -> Store {
    let url = terrane_persistence::testing::fresh_database_url()
        .await
        .unwrap();
    Store::open(&url, None).await.unwrap()
}

fn times(now: chrono::DateTime<Utc>) -> ClaimTimes {
    ClaimTimes {
        now,
        expired_before: now - Duration::hours(24),
        abandoned_before: now - Duration::minutes(5),
    }
}

#[tokio::test]
async fn a_key_is_claimed_once_replayed_after_completion_and_per_tenant() {
    let store = store().await;
    let (a, b) = (
        sign_up(&store, "acme").await,
        sign_up(&store, "globex").await,
    );
    let now = Utc::now();
    let scope = store.tenant(a);
    assert_eq!(
        scope
            .claim_idempotency_key("k1", "h1", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        scope
            .claim_idempotency_key("k1", "h1", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::InFlight
    );
    assert_eq!(
        scope
            .claim_idempotency_key("k1", "h2", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Mismatch
    );
    // Another tenant's key of the same name is its own.
    assert_eq!(
        store
            .tenant(b)
            .claim_idempotency_key("k1", "h2", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    scope
        .complete_idempotency_key("k1", "h1", "{\"data\":1}")
        .await
        .unwrap();
    assert_eq!(
        scope
            .claim_idempotency_key("k1", "h1", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Replay("{\"data\":1}".into())
    );
    // Released without an answer, the key is free again; a completed key is not released.
    scope.release_idempotency_key("k1", "h1").await.unwrap();
    assert!(matches!(
        scope
            .claim_idempotency_key("k1", "h1", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Replay(_)
    ));
    assert_eq!(
        scope
            .claim_idempotency_key("k2", "h1", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    scope.release_idempotency_key("k2", "h1").await.unwrap();
    assert_eq!(
        scope
            .claim_idempotency_key("k2", "h3", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
}

#[tokio::test]
async fn expired_keys_and_abandoned_claims_are_taken_over_and_purged() {
    let store = store().await;
    let scope = store.tenant(sign_up(&store, "acme").await);
    let then = Utc::now() - Duration::hours(25);
    scope
        .claim_idempotency_key("old", "h1", times(then))
        .await
        .unwrap();
    scope
        .complete_idempotency_key("old", "h1", "first")
        .await
        .unwrap();
    let now = Utc::now();
    assert_eq!(
        scope
            .claim_idempotency_key("old", "h2", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed,
        "a day-old key is free again"
    );
    let ten_minutes_ago = now - Duration::minutes(10);
    scope
        .claim_idempotency_key("stuck", "h1", times(ten_minutes_ago))
        .await
        .unwrap();
    assert_eq!(
        scope
            .claim_idempotency_key("stuck", "h1", times(now))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed,
        "a claim that never got its answer is taken over"
    );
    scope
        .claim_idempotency_key("older", "h1", times(then))
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_idempotency_keys(now - Duration::hours(24))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn login_attempts_count_per_key_in_the_window_and_can_be_forgotten() {
    let store = store().await;
    let now = Utc::now();
    let window_start = now - Duration::minutes(15);
    store
        .record_login_attempts(&["acct"], now - Duration::minutes(20))
        .await
        .unwrap();
    let mut kept = Vec::new();
    for _ in 0..3 {
        kept.push(
            store
                .record_login_attempts(&["acct", "addr"], now)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        store
            .login_attempts_since("acct", window_start)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .login_attempts_since("addr", window_start)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .login_attempts_since("other", window_start)
            .await
            .unwrap(),
        0
    );
    // A success forgets its own rows and resets the account, not the other address rows.
    store.forget_login_attempts(&kept[0], "acct").await.unwrap();
    assert_eq!(
        store
            .login_attempts_since("acct", window_start)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .login_attempts_since("addr", window_start)
            .await
            .unwrap(),
        2
    );
    store
        .record_login_attempts(&["acct"], now - Duration::minutes(20))
        .await
        .unwrap();
    assert_eq!(store.purge_login_attempts(window_start).await.unwrap(), 1);
}
