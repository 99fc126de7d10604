//! Log-in throttling: 10 failures for an account within 15 minutes, or too many from one client
//! address, answer `RATE_LIMITED` — the right password too — counted alike whether the attempts
//! come one by one, as aliases in one document or as a batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::{PASSWORD, Tenant, TestApp, error_code};

const LOG_IN: &str =
    "mutation($input: LogInInput!) { logIn(input: $input) { token userErrors { code } } }";

fn attempt(tenant: &Tenant, email: &str, password: &str) -> Value {
    json!({ "query": LOG_IN, "variables": { "input": {
        "tenantSlug": tenant.slug, "email": email, "password": password } } })
}

/// `INVALID_CREDENTIALS`, `RATE_LIMITED`, or `OK` (a token) for one logIn response.
fn outcome(response: &Value) -> &str {
    if let Some(code) = error_code(response) {
        return code;
    }
    let payload = &response["data"]["logIn"];
    if payload["token"].is_string() {
        "OK"
    } else {
        payload["userErrors"][0]["code"].as_str().unwrap_or("?")
    }
}

async fn log_in(app: &TestApp, tenant: &Tenant, email: &str, password: &str) -> String {
    let (_, response, _) = app
        .post_with_headers(None, &[], &attempt(tenant, email, password))
        .await;
    outcome(&response).to_owned()
}

#[tokio::test]
async fn ten_failures_lock_the_account_even_against_the_right_password() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let email = acme.admin_email.clone();
    for _ in 0..10 {
        assert_eq!(
            log_in(&app, &acme, &email, "wrong password!").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(
        log_in(&app, &acme, &email, "wrong password!").await,
        "RATE_LIMITED"
    );
    assert_eq!(log_in(&app, &acme, &email, PASSWORD).await, "RATE_LIMITED");
    // The same e-mail spelt differently is the same account.
    let shouted = email.to_uppercase();
    assert_eq!(
        log_in(&app, &acme, &shouted, PASSWORD).await,
        "RATE_LIMITED"
    );
    // Other accounts, and the tenant's existing sessions, are untouched.
    let other = app.sign_up("globex").await;
    assert_eq!(
        log_in(&app, &other, &other.admin_email, PASSWORD).await,
        "OK"
    );
    app.ok(Some(&acme.token), "{ viewer { email } }", json!({}))
        .await;
    // Unknown tenants and users are counted the same way (nothing tells them apart).
    let ghost = Tenant {
        slug: "nosuchtenant".into(),
        ..acme.clone()
    };
    for _ in 0..10 {
        assert_eq!(
            log_in(&app, &ghost, "x@y.example", "whatever pass").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(
        log_in(&app, &ghost, "x@y.example", "whatever pass").await,
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn a_success_starts_the_account_afresh() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let email = acme.admin_email.clone();
    for _ in 0..9 {
        assert_eq!(
            log_in(&app, &acme, &email, "wrong password!").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(log_in(&app, &acme, &email, PASSWORD).await, "OK");
    for _ in 0..9 {
        assert_eq!(
            log_in(&app, &acme, &email, "wrong password!").await,
            "INVALID_CREDENTIALS"
        );
    }
    assert_eq!(log_in(&app, &acme, &email, PASSWORD).await, "OK");
}

#[tokio::test]
async fn aliases_in_one_document_are_counted_one_by_one() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let fields: String = (0..12)
        .map(|i| {
            format!(
                "a{i}: logIn(input: {{ tenantSlug: \"acme\", email: \"{}\", password: \"wrong password!\" }}) {{ token userErrors {{ code }} }} ",
                acme.admin_email
            )
        })
        .collect();
    let response = app
        .gql(None, &format!("mutation {{ {fields} }}"), json!({}))
        .await;
    let refused: Vec<&Value> = response["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["extensions"]["code"] == "RATE_LIMITED")
        .collect();
    assert_eq!(refused.len(), 2, "{response:#}");
    let checked = (0..12)
        .filter(|i| {
            response["data"][format!("a{i}")]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
        })
        .count();
    assert_eq!(checked, 10, "{response:#}");
    assert_eq!(
        log_in(&app, &acme, &acme.admin_email, PASSWORD).await,
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn a_batch_gets_no_more_password_checks_than_the_limit() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let batch = Value::Array(vec![
        attempt(&acme, &acme.admin_email, "wrong password!");
        16
    ]);
    let (status, answers, _) = app.post_with_headers(None, &[], &batch).await;
    assert_eq!(status, 200);
    let outcomes: Vec<&str> = answers.as_array().unwrap().iter().map(outcome).collect();
    let checked = outcomes
        .iter()
        .filter(|o| **o == "INVALID_CREDENTIALS")
        .count();
    let refused = outcomes.iter().filter(|o| **o == "RATE_LIMITED").count();
    // However the 16 interleave, at most 10 reach the password check; every one counts.
    assert!(checked <= 10, "{outcomes:?}");
    assert_eq!(checked + refused, 16, "{outcomes:?}");
    assert_eq!(
        log_in(&app, &acme, &acme.admin_email, PASSWORD).await,
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn one_client_address_is_limited_across_accounts() {
    let app = TestApp::spawn_with(|s| s.login_throttle.per_address = 5).await;
    let acme = app.sign_up("acme").await;
    for i in 0..5 {
        let email = format!("user{i}@acme.example.com");
        assert_eq!(
            log_in(&app, &acme, &email, "wrong password!").await,
            "INVALID_CREDENTIALS"
        );
    }
    // A sixth account from the same address: refused, right password or not.
    assert_eq!(
        log_in(&app, &acme, &acme.admin_email, PASSWORD).await,
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn behind_a_proxy_the_forwarded_address_is_the_client() {
    let app = TestApp::spawn_with(|s| {
        s.login_throttle.per_address = 3;
        s.client_ip_header = Some("X-Forwarded-For".into());
    })
    .await;
    let acme = app.sign_up("acme").await;
    let from = |address: &'static str, i: usize| {
        let body = attempt(&acme, &format!("u{i}@acme.example.com"), "wrong password!");
        let app = &app;
        async move {
            // A client may send its own X-Forwarded-For; the proxy appends the real address.
            let header = [("x-forwarded-for", format!("203.0.113.9, {address}"))];
            let headers: Vec<(&str, &str)> = header.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let (_, response, _) = app.post_with_headers(None, &headers, &body).await;
            outcome(&response).to_owned()
        }
    };
    for i in 0..3 {
        assert_eq!(from("10.0.0.1", i).await, "INVALID_CREDENTIALS");
    }
    assert_eq!(from("10.0.0.1", 9).await, "RATE_LIMITED");
    assert_eq!(from("10.0.0.2", 9).await, "INVALID_CREDENTIALS");
}
