//! The HTTP surface: health checks, GraphiQL, request ids, and the committed schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::TestApp;

#[tokio::test]
async fn health_readiness_and_graphiql() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, body, _) = app.get("/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready"));
    let (status, body, headers) = app.get("/graphql").await;
    assert_eq!(status, 200);
    assert!(body.contains("graphiql"), "GET /graphql serves GraphiQL");
    assert!(
        headers.get("x-request-id").is_some(),
        "every response carries a request id"
    );
}

#[tokio::test]
async fn errors_carry_the_request_id() {
    let app = TestApp::spawn().await;
    let response = app
        .gql(None, "{ territories { totalCount } }", json!({}))
        .await;
    let extensions = &response["errors"][0]["extensions"];
    assert_eq!(extensions["code"], "UNAUTHENTICATED");
    assert!(
        extensions["requestId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
}

#[test]
fn committed_schema_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .expect("schema.graphql is committed");
    let current = terrane_api::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -- print-schema > schema.graphql` and review the diff"
    );
}
