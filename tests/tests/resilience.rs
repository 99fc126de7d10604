//! A panicking resolver, a request that runs too long, and production mode. Faults are
//! injected by the test-only extension (`Settings::fault_injection`): a field aliased
//! `faultPanic` panics as it resolves, one aliased `faultSleep` takes a minute.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use terrane_tests::{TestApp, error_code};

async fn faulty_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.fault_injection = true;
        s.request_limits.timeout = Duration::from_millis(500);
    })
    .await
}

#[tokio::test]
async fn a_panicking_resolver_answers_internal_with_the_request_id_and_the_server_goes_on() {
    let app = faulty_app().await;
    let t = app.sign_up("acme").await.token;
    let (status, answer, headers) = app
        .post_with_headers(
            Some(&t),
            &[],
            &json!({ "query": "{ faultPanic: viewer { id } }" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&answer), Some("INTERNAL"), "{answer}");
    let request_id = headers["x-request-id"].to_str().unwrap();
    assert_eq!(answer["errors"][0]["extensions"]["requestId"], request_id);
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(request_id)
    );
    assert!(
        !answer.to_string().contains("injected fault"),
        "no panic text reaches the client: {answer}"
    );
    // In a batch, every operation of the batch gets the answer.
    let batch =
        json!([{ "query": "{ viewer { id } }" }, { "query": "{ faultPanic: viewer { id } }" }]);
    let (_, answers, _) = app.post_with_headers(Some(&t), &[], &batch).await;
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert!(
        answers.iter().all(|a| error_code(a) == Some("INTERNAL")),
        "{answers:?}"
    );
    // The same process keeps serving, reads and writes alike.
    app.ok(Some(&t), "{ viewer { email } }", json!({})).await;
    app.create_territory(&t, "After panic", "AP", None).await;
}

#[tokio::test]
async fn a_panic_in_a_mutation_answers_internal_and_writes_nothing() {
    let app = faulty_app().await;
    let t = app.sign_up("acme").await.token;
    let before = app.audit_count(&t).await;
    let answer = app
        .gql(
            Some(&t),
            "mutation { faultPanic: createTerritory(input: { name: \"X\", code: \"X\", reason: \"r\" }) { territory { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&answer), Some("INTERNAL"), "{answer}");
    assert_eq!(app.audit_count(&t).await, before);
}

#[tokio::test]
async fn a_request_running_past_its_time_limit_answers_timeout_and_the_server_goes_on() {
    let app = faulty_app().await;
    let t = app.sign_up("acme").await.token;
    let answer = app
        .gql(Some(&t), "{ faultSleep: viewer { id } }", json!({}))
        .await;
    assert_eq!(error_code(&answer), Some("TIMEOUT"), "{answer}");
    assert!(answer["errors"][0]["extensions"]["requestId"].is_string());
    app.ok(Some(&t), "{ viewer { email } }", json!({})).await;
}

#[tokio::test]
async fn without_fault_injection_the_aliases_are_plain_aliases() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let data = app
        .ok(Some(&t), "{ faultPanic: viewer { email } }", json!({}))
        .await;
    assert!(data["faultPanic"]["email"].is_string(), "{data}");
}

fn messages(answer: &Value) -> String {
    answer["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["message"].as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn production_mode_switches_off_introspection_and_field_suggestions() {
    let development = TestApp::spawn().await;
    let production = TestApp::spawn_with(|s| s.production = true).await;
    let introspection = "{ __schema { queryType { name } } }";
    let misspelt = "{ viewr { id } }";

    let open = development.gql(None, introspection, json!({})).await;
    assert_eq!(open["data"]["__schema"]["queryType"]["name"], "QueryRoot");
    let hinted = development.gql(None, misspelt, json!({})).await;
    assert!(messages(&hinted).contains("Did you mean"), "{hinted}");

    let closed = production.gql(None, introspection, json!({})).await;
    assert_eq!(
        error_code(&closed),
        Some("INTROSPECTION_DISABLED"),
        "{closed}"
    );
    assert!(closed["data"].is_null(), "{closed}");
    let type_probe = production
        .gql(None, "{ __type(name: \"Territory\") { name } }", json!({}))
        .await;
    assert_eq!(
        error_code(&type_probe),
        Some("INTROSPECTION_DISABLED"),
        "{type_probe}"
    );
    // `__typename` is not introspection of the schema: clients rely on it.
    let typename = production.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(typename["data"]["__typename"], "QueryRoot", "{typename}");
    let unhinted = production.gql(None, misspelt, json!({})).await;
    assert_eq!(error_code(&unhinted), Some("BAD_USER_INPUT"), "{unhinted}");
    assert!(!messages(&unhinted).contains("Did you mean"), "{unhinted}");
    // Production still serves ordinary operations.
    production.sign_up("acme").await;
}
