//! What one request may cost: complexity counting `first` on connections, depth, recursive
//! depth, aliases, directives, fragment bombs, batch size and body size. Each refusal carries
//! its own `extensions.code`, and the server answers the next, reasonable request as usual.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::{TestApp, error_code};

/// The server still answers a plain query for `token`.
async fn still_serving(app: &TestApp, token: &str) {
    let data = app.ok(Some(token), "{ viewer { email } }", json!({})).await;
    assert!(data["viewer"]["email"].is_string(), "{data}");
}

#[tokio::test]
async fn complexity_counts_first_on_nested_connections() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let nested = |first: u32| {
        format!(
            "{{ territories(first: {first}) {{ edges {{ node {{ accounts(first: {first}) {{ edges {{ node {{ \
             territory {{ accounts(first: {first}) {{ totalCount }} }} }} }} }} }} }} }} }}"
        )
    };
    let refused = app.gql(Some(&t), &nested(100), json!({})).await;
    assert_eq!(error_code(&refused), Some("QUERY_TOO_COMPLEX"), "{refused}");
    assert!(refused["data"].is_null(), "nothing was resolved: {refused}");
    // The same shape with small pages is fine: it is `first` that made it expensive.
    app.ok(Some(&t), &nested(5), json!({})).await;
    // Out-of-range `first` is still the resolver's BAD_USER_INPUT, not a cost refusal.
    let too_big = app
        .gql(
            Some(&t),
            "{ territories(first: 1000) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&too_big), Some("BAD_USER_INPUT"), "{too_big}");
    still_serving(&app, &t).await;
}

#[tokio::test]
async fn depth_and_recursive_depth_are_limited() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let children = format!(
        "{{ territories {{ edges {{ node {{ {} id {} }} }} }} }}",
        "children { ".repeat(10),
        "}".repeat(10)
    );
    let deep = app.gql(Some(&t), &children, json!({})).await;
    assert_eq!(error_code(&deep), Some("QUERY_TOO_DEEP"), "{deep}");
    // Inline fragments nest without adding fields: caught by the recursive-depth check.
    let fragments = format!(
        "{{ {} viewer {{ id }} {} }}",
        "... on QueryRoot { ".repeat(30),
        "}".repeat(30)
    );
    let nested = app.gql(Some(&t), &fragments, json!({})).await;
    assert_eq!(error_code(&nested), Some("QUERY_TOO_DEEP"), "{nested}");
    still_serving(&app, &t).await;
}

#[tokio::test]
async fn aliases_and_directives_are_limited() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let aliases = |n: usize| {
        let fields: String = (0..n).map(|i| format!("v{i}: viewer {{ id }} ")).collect();
        format!("{{ {fields} }}")
    };
    app.ok(Some(&t), &aliases(30), json!({})).await;
    let many = app.gql(Some(&t), &aliases(31), json!({})).await;
    assert_eq!(error_code(&many), Some("TOO_MANY_ALIASES"), "{many}");
    let directives = format!("{{ viewer {} {{ id }} }}", "@include(if: true) ".repeat(5));
    let refused = app.gql(Some(&t), &directives, json!({})).await;
    assert_eq!(
        error_code(&refused),
        Some("TOO_MANY_DIRECTIVES"),
        "{refused}"
    );
    still_serving(&app, &t).await;
}

#[tokio::test]
async fn a_fragment_bomb_is_refused_before_it_is_expanded() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    // Under a kilobyte of fragments, each spreading the next twice: 2^20 fields once expanded. It must
    // be refused by measuring each fragment once, not by expanding them.
    let levels = 20;
    let mut query = String::from("query { ...F0 }\n");
    for i in 0..levels {
        query.push_str(&format!(
            "fragment F{i} on QueryRoot {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    query.push_str(&format!(
        "fragment F{levels} on QueryRoot {{ viewer {{ id }} }}\n"
    ));
    let refused = app.gql(Some(&t), &query, json!({})).await;
    assert_eq!(error_code(&refused), Some("QUERY_TOO_COMPLEX"), "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("expands to"), "{message}");
    still_serving(&app, &t).await;
}

#[tokio::test]
async fn a_batch_of_more_than_twenty_operations_is_refused() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let batch = |n: usize| Value::Array(vec![json!({ "query": "{ viewer { id } }" }); n]);
    let (status, body, _) = app.post_with_headers(Some(&t), &[], &batch(20)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(20), "{body}");
    let (status, body, _) = app.post_with_headers(Some(&t), &[], &batch(21)).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), Some("BATCH_TOO_LARGE"), "{body}");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    still_serving(&app, &t).await;
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    let padding = " ".repeat(1024 * 1024);
    let body = json!({ "query": format!("{{ viewer {{ id }} {padding} }}") });
    let (status, answer, _) = app.post_with_headers(Some(&t), &[], &body).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&answer), Some("PAYLOAD_TOO_LARGE"), "{answer}");
    // Malformed JSON is the client's fault, and says so with a code.
    let (status, answer) = app
        .post_bytes("application/json", b"{not json".to_vec())
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{answer}");
    still_serving(&app, &t).await;
}

/// A multipart body whose `operations` part carries `query`, with one small file.
fn multipart(query: &str) -> (String, Vec<u8>) {
    let boundary = "terrane-test-boundary";
    let operations = json!({ "query": query, "variables": { "file": null } }).to_string();
    let mut body = String::new();
    for (name, value) in [
        ("operations", operations.as_str()),
        ("map", r#"{"0": ["variables.file"]}"#),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nexternal_id,name\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

#[tokio::test]
async fn uploads_have_their_own_larger_limit_but_not_for_the_query() {
    let app = TestApp::spawn().await;
    let t = app.sign_up("acme").await.token;
    // A 1.2 MiB CSV upload is over the JSON limit and fine as an upload.
    let mut csv = String::from("external_id,name,notes\n");
    for i in 0..300 {
        csv.push_str(&format!("N-{i},Note {i},{}\n", "n".repeat(4_000)));
    }
    assert!(csv.len() > 1024 * 1024);
    let query =
        "mutation($file: Upload) { importAccounts(input: { file: $file }) { created failed } }";
    let imported = app
        .upload(
            &t,
            query,
            json!({ "file": null }),
            "big.csv",
            csv.into_bytes(),
        )
        .await;
    assert!(imported.get("errors").is_none(), "{imported}");
    assert_eq!(imported["data"]["importAccounts"]["created"], 300);
    // The operations part of a multipart body is held to the JSON limit.
    let padding = " ".repeat(1024 * 1024 + 1);
    let (content_type, body) = multipart(&format!("{padding}{query}"));
    let (status, answer) = app.post_bytes(&content_type, body).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(error_code(&answer), Some("PAYLOAD_TOO_LARGE"), "{answer}");
    still_serving(&app, &t).await;
}

#[tokio::test]
async fn an_upload_over_the_upload_limit_is_refused_with_413() {
    let app = TestApp::spawn_with(|s| s.request_limits.max_upload_bytes = 64 * 1024).await;
    let t = app.sign_up("acme").await.token;
    let query = "mutation($file: Upload) { importAccounts(input: { file: $file }) { created } }";
    let small = app
        .upload(
            &t,
            query,
            json!({ "file": null }),
            "a.csv",
            b"external_id,name\nA-1,A\n".to_vec(),
        )
        .await;
    assert_eq!(small["data"]["importAccounts"]["created"], 1, "{small}");
    let mut csv = String::from("external_id,name\n");
    for i in 0..5_000 {
        csv.push_str(&format!("B-{i},Big {i}\n"));
    }
    let big = app
        .upload(
            &t,
            query,
            json!({ "file": null }),
            "b.csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(error_code(&big), Some("PAYLOAD_TOO_LARGE"), "{big}");
    still_serving(&app, &t).await;
}
