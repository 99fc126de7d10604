//! Territory queries and helpers shared by the territory tests.

use serde_json::{Value, json};

use crate::TestApp;

/// `territory(id:)` with its place in the tree.
pub const TERRITORY: &str =
    "query($id: ID!) { territory(id: $id) { id name code version depth boundary
    parent { code } children { code } ancestors { code } } }";
/// `updateTerritory`.
pub const UPDATE: &str = "mutation($input: UpdateTerritoryInput!) { updateTerritory(input: $input) {
    territory { name code version boundary } realignment { id status title reason } userErrors { field code message } } }";
/// `moveTerritory`.
pub const MOVE: &str = "mutation($input: MoveTerritoryInput!) { moveTerritory(input: $input) {
    territory { parent { code } version } userErrors { field code message } } }";
/// `deleteTerritory`.
pub const DELETE: &str =
    "mutation($input: DeleteTerritoryInput!) { deleteTerritory(input: $input) {
    deletedTerritoryId userErrors { field code message } } }";
/// `createTerritory`.
pub const CREATE: &str = "mutation($input: CreateTerritoryInput!) { createTerritory(input: $input) {
    territory { id code version boundary boundingBox { minLon minLat maxLon maxLat } } realignment { id status } userErrors { field code message } } }";

/// A territory as `territory(id:)` returns it (null when not found).
pub async fn territory(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), TERRITORY, json!({ "id": id })).await["territory"].clone()
}

/// Runs a mutation that must be refused with `code`, and checks nothing changed.
pub async fn refused(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
    field: &str,
    code: &str,
    watched: &str,
) {
    let before_territory = territory(app, token, watched).await;
    let before_audit = app.audit_count(token).await;
    let before_list = app
        .ok(
            Some(token),
            "{ territories(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    let response = app
        .ok(Some(token), mutation, json!({ "input": input }))
        .await;
    let payload = response.as_object().unwrap().values().next().unwrap();
    let errors = payload["userErrors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["code"] == code && e["field"] == json!(["input", field])),
        "expected {code} on {field}, got {payload:#}"
    );
    assert!(
        payload.get("territory").is_none_or(Value::is_null),
        "{payload}"
    );
    assert_eq!(
        territory(app, token, watched).await,
        before_territory,
        "the territory changed"
    );
    assert_eq!(
        app.audit_count(token).await,
        before_audit,
        "an audit event was written"
    );
    let after_list = app
        .ok(
            Some(token),
            "{ territories(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        after_list, before_list,
        "a territory was created or deleted"
    );
}
