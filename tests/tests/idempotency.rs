//! `Idempotency-Key` on mutations: a replay (same key, principal and body) gets the first answer
//! with one effect and one audit event; the same key with another body, or from someone else,
//! is refused; tenants' keys are their own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use terrane_tests::{TestApp, error_code};

const CREATE: &str = "mutation($input: CreateTerritoryInput!) { createTerritory(input: $input) { territory { id code version } realignment { id } userErrors { code } } }";

fn create(code: &str) -> Value {
    json!({ "query": CREATE, "variables": { "input": { "name": code, "code": code, "reason": "idempotency" } } })
}

async fn territory_count(app: &TestApp, token: &str) -> u64 {
    app.ok(Some(token), "{ territories { totalCount } }", json!({}))
        .await["territories"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_replay_returns_the_first_answer_with_one_effect() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let audited = app.audit_count(&t).await;
    let key = [("Idempotency-Key", "create-na-1")];
    let (status, first, headers) = app.post_with_headers(Some(&t), &key, &create("NA")).await;
    assert_eq!(status, 200);
    assert!(
        first["data"]["createTerritory"]["territory"]["id"].is_string(),
        "{first}"
    );
    assert!(headers.get("idempotent-replayed").is_none());
    let (status, again, headers) = app.post_with_headers(Some(&t), &key, &create("NA")).await;
    assert_eq!(status, 200);
    assert_eq!(again, first, "the very same answer");
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(territory_count(&app, &t).await, 1);
    assert_eq!(app.audit_count(&t).await, audited + 1, "one audit event");

    // Without the key the same body is a new request (here: refused, the code is taken).
    let (_, fresh, _) = app.post_with_headers(Some(&t), &[], &create("NA")).await;
    assert_eq!(
        fresh["data"]["createTerritory"]["userErrors"][0]["code"],
        "CODE_TAKEN"
    );
}

#[tokio::test]
async fn the_same_key_with_another_body_or_principal_is_refused() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let key = [("Idempotency-Key", "k-1")];
    app.post_with_headers(Some(t), &key, &create("NA")).await;
    let audited = app.audit_count(t).await;
    let (status, other, _) = app.post_with_headers(Some(t), &key, &create("EU")).await;
    assert_eq!(status, 409);
    assert_eq!(
        error_code(&other),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    let manager = app.user_with_role(&acme, "MANAGER").await;
    let (status, theirs, _) = app
        .post_with_headers(Some(&manager), &key, &create("NA"))
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        error_code(&theirs),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{theirs}"
    );
    assert_eq!(territory_count(&app, t).await, 1);
    // user_with_role's createUser is audited; the refusals added nothing.
    assert_eq!(app.audit_count(t).await, audited + 1);
}

#[tokio::test]
async fn tenants_use_the_same_key_independently() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.sign_up("acme").await.token,
        app.sign_up("globex").await.token,
    );
    let key = [("Idempotency-Key", "shared-key")];
    let (_, first, _) = app.post_with_headers(Some(&a), &key, &create("NA")).await;
    let (_, second, headers) = app.post_with_headers(Some(&b), &key, &create("NA")).await;
    assert!(headers.get("idempotent-replayed").is_none());
    let ids = |v: &Value| v["data"]["createTerritory"]["territory"]["id"].clone();
    assert!(ids(&second).is_string(), "{second}");
    assert_ne!(ids(&first), ids(&second));
    assert_eq!(territory_count(&app, &a).await, 1);
    assert_eq!(territory_count(&app, &b).await, 1);
}

#[tokio::test]
async fn queries_anonymous_requests_and_bad_keys() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    // Anonymous requests have no tenant to keep a key under: the header is ignored.
    let sign_up = json!({
        "query": "mutation($input: SignUpInput!) { signUp(input: $input) { userErrors { code } } }",
        "variables": { "input": { "tenantName": "Acme", "tenantSlug": "acme", "displayName": "A",
            "email": "a@acme.example.com", "password": terrane_tests::PASSWORD } },
    });
    let (_, again, headers) = app
        .post_with_headers(None, &[("Idempotency-Key", "k-anon")], &sign_up)
        .await;
    assert!(headers.get("idempotent-replayed").is_none());
    assert_eq!(
        again["data"]["signUp"]["userErrors"][0]["code"],
        "SLUG_TAKEN"
    );
    // A query is not kept: its key stays free for a mutation.
    let key = [("Idempotency-Key", "k-q")];
    let query = json!({ "query": "{ territories { totalCount } }" });
    app.post_with_headers(Some(&t), &key, &query).await;
    let (status, created, _) = app.post_with_headers(Some(&t), &key, &create("NA")).await;
    assert_eq!(status, 200, "{created}");
    assert!(created["data"]["createTerritory"]["territory"]["id"].is_string());
    let long = "k".repeat(256);
    let (status, answer, _) = app
        .post_with_headers(
            Some(&t),
            &[("Idempotency-Key", long.as_str())],
            &create("EU"),
        )
        .await;
    assert_eq!((status, error_code(&answer)), (400, Some("BAD_USER_INPUT")));
}

#[tokio::test]
async fn an_answer_that_did_not_finish_frees_the_key() {
    let app = TestApp::spawn_with(|s| {
        s.fault_injection = true;
        s.request_limits.timeout = Duration::from_millis(500);
    })
    .await;
    let t = app.sign_up("acme").await.token;
    let key = [("Idempotency-Key", "k-panic")];
    let panicking = json!({ "query": "mutation { faultPanic: createTerritory(input: { name: \"P\", code: \"P\", reason: \"r\" }) { territory { id } } }" });
    let (_, first, _) = app.post_with_headers(Some(&t), &key, &panicking).await;
    assert_eq!(error_code(&first), Some("INTERNAL"));
    // Run again (not replayed): an INTERNAL answer is not kept.
    let (_, second, headers) = app.post_with_headers(Some(&t), &key, &panicking).await;
    assert_eq!(error_code(&second), Some("INTERNAL"));
    assert!(headers.get("idempotent-replayed").is_none());
    assert_ne!(first, second, "each answer has its own request id");
}

#[tokio::test]
async fn concurrent_requests_with_one_key_have_one_effect() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let audited = app.audit_count(&t).await;
    let key = [("Idempotency-Key", "k-race")];
    let body = create("NA");
    let answers = send_at_once(&app, &t, &key, &body, 8).await;
    let mut created = 0;
    for (status, answer, replayed) in &answers {
        match (status, error_code(answer)) {
            (200, None) if !replayed => created += 1,
            (200, None) => {}
            (409, Some("IDEMPOTENCY_KEY_IN_USE")) => {}
            other => panic!("unexpected {other:?}: {answer}"),
        }
    }
    assert_eq!(created, 1, "{answers:?}");
    assert_eq!(territory_count(&app, &t).await, 1);
    assert_eq!(app.audit_count(&t).await, audited + 1);
}

/// Sends `n` copies of `body` at once; returns (status, answer, replayed) for each.
async fn send_at_once(
    app: &TestApp,
    token: &str,
    headers: &[(&str, &str)],
    body: &Value,
    n: usize,
) -> Vec<(u16, Value, bool)> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (address, token, body) = (app.address.clone(), token.to_owned(), body.clone());
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tasks.spawn(async move {
            let mut request = reqwest::Client::new()
                .post(format!("{address}/graphql"))
                .bearer_auth(token)
                .json(&body);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let replayed = response.headers().contains_key("idempotent-replayed");
            (status, response.json::<Value>().await.unwrap(), replayed)
        });
    }
    tasks.join_all().await
}
