//! Helpers for the realignment-workflow tests: drafts, changes, applying, accounts on a map.

use serde_json::{Value, json};

use crate::TestApp;

/// Fields of a realignment the workflow tests look at.
pub const REALIGNMENT: &str =
    "id title status effectiveAt appliedAt revertedBy { id } reverts { id }
    problems { code message } changes { id position type territoryId details }";

/// Opens a draft; returns its id.
pub async fn draft(app: &TestApp, token: &str, title: &str) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($title: String!) { createRealignment(input: { title: $title, reason: \"plan\" }) { realignment { id status } userErrors { code } } }",
            json!({ "title": title }),
        )
        .await;
    assert_eq!(
        data["createRealignment"]["realignment"]["status"], "DRAFT",
        "{data}"
    );
    data["createRealignment"]["realignment"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Adds changes to a draft; returns the whole response (errors included).
pub async fn add(app: &TestApp, token: &str, draft: &str, changes: Value) -> Value {
    app.gql(
        Some(token),
        "mutation($id: ID!, $changes: [RealignmentChangeInput!]!) { addRealignmentChanges(input: { realignmentId: $id, changes: $changes }) {
            realignment { id } added { id type territoryId details } userErrors { field code message } } }",
        json!({ "id": draft, "changes": changes }),
    )
    .await
}

/// Adds changes that must be accepted; returns the added changes.
pub async fn add_ok(app: &TestApp, token: &str, draft: &str, changes: Value) -> Value {
    let response = add(app, token, draft, changes).await;
    let payload = &response["data"]["addRealignmentChanges"];
    assert_eq!(payload["userErrors"], json!([]), "{response}");
    payload["added"].clone()
}

/// Applies a draft (now, or at `effective_at`); returns the payload.
pub async fn apply(app: &TestApp, token: &str, id: &str, effective_at: Option<&str>) -> Value {
    let query = format!(
        "mutation($id: ID!, $at: DateTime) {{ applyRealignment(input: {{ id: $id, effectiveAt: $at }}) {{
            realignment {{ {REALIGNMENT} }} userErrors {{ field code message }} }} }}"
    );
    app.ok(Some(token), &query, json!({ "id": id, "at": effective_at }))
        .await["applyRealignment"]
        .clone()
}

/// Reverts a realignment; returns the payload.
pub async fn revert(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!(
        "mutation($id: ID!) {{ revertRealignment(input: {{ id: $id, reason: \"undo\" }}) {{
            realignment {{ {REALIGNMENT} }} userErrors {{ field code message }} }} }}"
    );
    app.ok(Some(token), &query, json!({ "id": id })).await["revertRealignment"].clone()
}

/// One realignment.
pub async fn realignment(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!("query($id: ID!) {{ realignment(id: $id) {{ {REALIGNMENT} }} }}");
    app.ok(Some(token), &query, json!({ "id": id })).await["realignment"].clone()
}

/// Creates a territory with a boundary; returns its id.
pub async fn bounded_territory(
    app: &TestApp,
    token: &str,
    code: &str,
    boundary: Value,
    parent: Option<&str>,
) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($input: CreateTerritoryInput!) { createTerritory(input: $input) { territory { id } userErrors { code message } } }",
            json!({ "input": { "name": code, "code": code, "boundary": boundary, "parentId": parent } }),
        )
        .await;
    assert_eq!(data["createTerritory"]["userErrors"], json!([]), "{data}");
    data["createTerritory"]["territory"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates an account at (lon, lat) with a potential; returns its id.
pub async fn account(
    app: &TestApp,
    token: &str,
    external_id: &str,
    lon: f64,
    lat: f64,
    potential: &str,
) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } userErrors { code message } } }",
            json!({ "input": { "externalId": external_id, "name": external_id, "location": { "lat": lat, "lon": lon }, "potential": potential } }),
        )
        .await;
    assert_eq!(data["createAccount"]["userErrors"], json!([]), "{data}");
    data["createAccount"]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The code of the territory an account is in now (null when unassigned).
pub async fn place(app: &TestApp, token: &str, account: &str) -> Value {
    app.ok(
        Some(token),
        "query($id: ID!) { account(id: $id) { territory { code } } }",
        json!({ "id": account }),
    )
    .await["account"]["territory"]["code"]
        .clone()
}
