//! The realignment workflow end to end: a draft is planned, previewed (impact and balance),
//! changes nothing until applied, is refused with CONFLICT when what it was planned against
//! changed, can be discarded; bad input is refused with stable codes and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::workflow::{
    account, add, add_ok, apply, bounded_territory, draft, place, realignment,
};
use terrane_tests::{TestApp, error_code, square};

const IMPACT: &str = "query($id: ID!) { realignment(id: $id) { status impact {
    problems { field code message } movedAccounts
    territories { territoryId territory { code } before { accountCount potential } after { accountCount potential } }
    moves(first: 10) { totalCount edges { node { account { externalId } from { code } to { code } } } }
    balance { parent { code } coefficientOfVariationBefore coefficientOfVariationAfter
      rows { territoryId before { potential } after { potential } deviationBefore deviationAfter } } } } }";

/// LAND (0..20 x 0..10) with WEST and EAST halves; two accounts in WEST, one in EAST.
async fn world(app: &TestApp, token: &str) -> (String, String, String, Vec<String>) {
    let land = bounded_territory(
        app,
        token,
        "LAND",
        json!({ "type": "Polygon", "coordinates": [[[0, 0], [20, 0], [20, 10], [0, 10], [0, 0]]] }),
        None,
    )
    .await;
    let west = bounded_territory(app, token, "WEST", square(0.0, 0.0, 10.0), Some(&land)).await;
    let east = bounded_territory(app, token, "EAST", square(10.0, 0.0, 10.0), Some(&land)).await;
    let accounts = vec![
        account(app, token, "W-1", 2.0, 2.0, "100").await,
        account(app, token, "W-2", 8.0, 8.0, "300").await,
        account(app, token, "E-1", 15.0, 5.0, "200").await,
    ];
    (land, west, east, accounts)
}

#[tokio::test]
async fn a_draft_is_previewed_changes_nothing_and_then_applies_in_one_realignment() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (land, west, east, accounts) = world(&app, t).await;

    let plan = draft(&app, t, "Rebalance west").await;
    let added = add_ok(
        &app,
        t,
        &plan,
        json!([
            { "moveAccounts": { "accountIds": [accounts[1]], "toTerritoryId": east, "pin": true } },
            { "createTerritory": { "name": "North", "code": "NORTH", "parentId": land } },
            { "updateTerritory": { "id": west, "name": "West (smaller)" } },
        ]),
    )
    .await;
    assert_eq!(added.as_array().unwrap().len(), 3);
    assert_eq!(added[0]["type"], "moveAccounts");
    // The base each change was planned against is kept with it.
    assert_eq!(
        added[0]["details"]["expectedFrom"][0][1]
            .as_str()
            .map(str::len),
        Some(36)
    );
    assert_eq!(added[2]["details"]["expectedVersion"], 1);
    let north = added[1]["territoryId"].as_str().unwrap().to_owned();

    let audit_before = app.audit_count(t).await;
    let preview = app.ok(Some(t), IMPACT, json!({ "id": plan })).await;
    let impact = &preview["realignment"]["impact"];
    assert_eq!(impact["problems"], json!([]));
    assert_eq!(impact["movedAccounts"], 1);
    assert_eq!(
        impact["moves"]["edges"][0]["node"],
        json!({ "account": { "externalId": "W-2" }, "from": { "code": "WEST" }, "to": { "code": "EAST" } })
    );
    let rows = impact["territories"].as_array().unwrap();
    let row = |code: &str| {
        rows.iter()
            .find(|r| r["territory"]["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("WEST")["before"],
        json!({ "accountCount": 2, "potential": "400.00" })
    );
    assert_eq!(
        row("WEST")["after"],
        json!({ "accountCount": 1, "potential": "100.00" })
    );
    assert_eq!(
        row("EAST")["after"],
        json!({ "accountCount": 2, "potential": "500.00" })
    );
    let new_row = rows
        .iter()
        .find(|r| r["territoryId"] == north.as_str())
        .unwrap();
    assert_eq!(
        new_row["territory"],
        json!(null),
        "NORTH does not exist yet"
    );
    // Balance of LAND's children: WEST 400 / EAST 200 before, 100 / 500 after.
    let group = &impact["balance"][0];
    assert_eq!(group["parent"]["code"], "LAND");
    let cv_before = group["coefficientOfVariationBefore"].as_f64().unwrap();
    let cv_after = group["coefficientOfVariationAfter"].as_f64().unwrap();
    assert!(cv_after > cv_before, "{group}");

    // Previewing changed nothing.
    assert_eq!(place(&app, t, &accounts[1]).await, "WEST");
    assert_eq!(app.audit_count(t).await, audit_before);
    let none = app
        .gql(
            Some(t),
            "query($id: ID!) { territory(id: $id) { id } }",
            json!({ "id": north }),
        )
        .await;
    assert_eq!(none["data"]["territory"], json!(null));

    let applied = apply(&app, t, &plan, None).await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    assert_eq!(applied["realignment"]["status"], "APPLIED");
    assert_eq!(place(&app, t, &accounts[1]).await, "EAST");
    let north_now = app
        .ok(
            Some(t),
            "query($id: ID!) { territory(id: $id) { code parent { code } } }",
            json!({ "id": north }),
        )
        .await;
    assert_eq!(
        north_now["territory"],
        json!({ "code": "NORTH", "parent": { "code": "LAND" } })
    );
    let events = app
        .ok(
            Some(t),
            "query($id: ID) { auditEvents(first: 50, filter: { realignmentId: $id }) { edges { node { action } } } }",
            json!({ "id": plan }),
        )
        .await;
    let actions: Vec<&str> = events["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    for expected in [
        "realignment.created",
        "realignment.changes_added",
        "territory.created",
        "territory.updated",
        "accounts.assigned",
        "realignment.applied",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    // Applying twice is refused.
    let again = apply(&app, t, &plan, None).await;
    assert_eq!(again["userErrors"][0]["code"], "INVALID_STATUS");
    let integrity = app
        .ok(Some(t), "{ auditIntegrity { ok } }", json!({}))
        .await;
    assert_eq!(integrity["auditIntegrity"]["ok"], true);
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn applying_after_someone_else_changed_the_same_things_is_a_conflict() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, west, east, accounts) = world(&app, t).await;

    let plan = draft(&app, t, "Plan").await;
    add_ok(
        &app,
        t,
        &plan,
        json!([
            { "moveAccounts": { "accountIds": [accounts[0]], "toTerritoryId": east } },
            { "updateTerritory": { "id": west, "name": "Renamed by plan" } },
        ]),
    )
    .await;
    // Meanwhile: the account is moved and WEST renamed by direct edits.
    let moved = app
        .ok(
            Some(t),
            "mutation($a: [ID!]!, $to: ID!) { assignAccounts(input: { accountIds: $a, territoryId: $to, pin: true }) { userErrors { code } } }",
            json!({ "a": [accounts[0]], "to": east }),
        )
        .await;
    assert_eq!(moved["assignAccounts"]["userErrors"], json!([]));
    app.ok(
        Some(t),
        "mutation($id: ID!) { updateTerritory(input: { id: $id, name: \"Renamed meanwhile\" }) { userErrors { code } } }",
        json!({ "id": west }),
    )
    .await;

    let audit_before = app.audit_count(t).await;
    let refused = apply(&app, t, &plan, None).await;
    let codes: Vec<&str> = refused["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["CONFLICT", "CONFLICT"], "{refused}");
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "changes", "0", "accountIds"])
    );
    assert_eq!(refused["realignment"], json!(null));
    assert_eq!(realignment(&app, t, &plan).await["status"], "DRAFT");
    assert_eq!(app.audit_count(t).await, audit_before, "nothing written");
    let west_now = app
        .ok(
            Some(t),
            "query($id: ID!) { territory(id: $id) { name } }",
            json!({ "id": west }),
        )
        .await;
    assert_eq!(west_now["territory"]["name"], "Renamed meanwhile");
    // The preview lists the same problems instead of throwing.
    let preview = app.ok(Some(t), IMPACT, json!({ "id": plan })).await;
    assert_eq!(
        preview["realignment"]["impact"]["problems"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn drafts_are_edited_and_discarded_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, west, east, accounts) = world(&app, t).await;
    let plan = draft(&app, t, "Edit me").await;
    let added = add_ok(
        &app,
        t,
        &plan,
        json!([
            { "moveAccounts": { "accountIds": [accounts[0]], "toTerritoryId": east } },
            { "moveAccounts": { "accountIds": [accounts[2]], "toTerritoryId": west } },
        ]),
    )
    .await;
    let removed = app
        .ok(
            Some(t),
            "mutation($id: ID!, $c: ID!) { removeRealignmentChange(input: { realignmentId: $id, changeId: $c }) { realignment { changes { id position } } userErrors { code } } }",
            json!({ "id": plan, "c": added[0]["id"] }),
        )
        .await;
    let changes = &removed["removeRealignmentChange"]["realignment"]["changes"];
    assert_eq!(changes, &json!([{ "id": added[1]["id"], "position": 0 }]));

    // Bad input: each refused with a stable code, nothing added.
    let audit_before = app.audit_count(t).await;
    let bad_boundary = add(&app, t, &plan, json!([{ "splitTerritory": { "id": west, "boundary": { "type": "Point", "coordinates": [1, 1] }, "newName": "X", "newCode": "X" } }])).await;
    assert_eq!(
        bad_boundary["data"]["addRealignmentChanges"]["userErrors"][0]["field"],
        json!(["input", "changes", "0", "boundary"])
    );
    let two_kinds = add(&app, t, &plan, json!([{ "moveAccounts": { "accountIds": [accounts[0]] }, "rerunAssignment": { "territoryId": west } }])).await;
    assert!(
        two_kinds["errors"].is_array(),
        "a @oneOf input takes exactly one field: {two_kinds}"
    );
    let malformed = add(
        &app,
        t,
        &plan,
        json!([{ "mergeTerritories": { "fromId": "nonsense", "intoId": west } }]),
    )
    .await;
    assert_eq!(error_code(&malformed), Some("BAD_USER_INPUT"));
    let empty = add(&app, t, &plan, json!([])).await;
    assert_eq!(
        empty["data"]["addRealignmentChanges"]["userErrors"][0]["code"],
        "VALIDATION"
    );
    let no_title = app
        .ok(Some(t), "mutation { createRealignment(input: { title: \"  \" }) { realignment { id } userErrors { code } } }", json!({}))
        .await;
    assert_eq!(
        no_title["createRealignment"]["userErrors"][0]["code"],
        "VALIDATION"
    );
    let unknown_change = app
        .ok(
            Some(t),
            "mutation($id: ID!) { removeRealignmentChange(input: { realignmentId: $id, changeId: \"01890a5d-ac96-774b-bcce-b302099a8057\" }) { userErrors { code } } }",
            json!({ "id": plan }),
        )
        .await;
    assert_eq!(
        unknown_change["removeRealignmentChange"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    assert_eq!(app.audit_count(t).await, audit_before);
    assert_eq!(
        realignment(&app, t, &plan).await["changes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // An empty draft cannot be applied; a discarded one cannot be applied or edited.
    let empty_plan = draft(&app, t, "Nothing").await;
    assert_eq!(
        apply(&app, t, &empty_plan, None).await["userErrors"][0]["code"],
        "NOTHING_TO_CHANGE"
    );
    let discarded = app
        .ok(Some(t), "mutation($id: ID!) { discardRealignment(input: { id: $id }) { realignment { status } userErrors { code } } }", json!({ "id": plan }))
        .await;
    assert_eq!(
        discarded["discardRealignment"]["realignment"]["status"],
        "DISCARDED"
    );
    assert_eq!(
        apply(&app, t, &plan, None).await["userErrors"][0]["code"],
        "INVALID_STATUS"
    );
    let late = add(
        &app,
        t,
        &plan,
        json!([{ "rerunAssignment": { "territoryId": west } }]),
    )
    .await;
    assert_eq!(
        late["data"]["addRealignmentChanges"]["userErrors"][0]["code"],
        "INVALID_STATUS"
    );
    assert_eq!(
        place(&app, t, &accounts[2]).await,
        "EAST",
        "nothing of the discarded plan applied"
    );

    // Drafts are listed by status.
    let listed = app
        .ok(
            Some(t),
            "{ realignments(first: 50, status: DISCARDED) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["realignments"]["totalCount"], 1);
    assert_eq!(
        listed["realignments"]["edges"][0]["node"]["id"],
        plan.as_str()
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn a_drafted_engine_run_is_applied_through_apply_realignment() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, west, _, accounts) = world(&app, t).await;
    // Pin W-1 into EAST by hand... then unpin it by a manual unpinned move, so the engine has work.
    app.ok(
        Some(t),
        "mutation($a: [ID!]!, $to: ID!) { assignAccounts(input: { accountIds: $a, territoryId: $to, pin: false }) { userErrors { code } } }",
        json!({ "a": [accounts[2]], "to": west }),
    )
    .await;
    let run = app
        .ok(Some(t), "mutation { runAssignment(input: { apply: false }) { realignment { id status } movedAccounts userErrors { code } } }", json!({}))
        .await;
    assert_eq!(run["runAssignment"]["movedAccounts"], 1);
    let id = run["runAssignment"]["realignment"]["id"].as_str().unwrap();
    assert_eq!(
        place(&app, t, &accounts[2]).await,
        "WEST",
        "a draft changes nothing"
    );
    let preview = app.ok(Some(t), IMPACT, json!({ "id": id })).await;
    assert_eq!(preview["realignment"]["impact"]["movedAccounts"], 1);
    let applied = apply(&app, t, id, None).await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    assert_eq!(applied["realignment"]["status"], "APPLIED");
    assert_eq!(place(&app, t, &accounts[2]).await, "EAST");
    app.assert_account_totals_kept().await;
}
