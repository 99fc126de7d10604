//! Revert, merge, split and time travel end to end: a revert restores exactly what a
//! realignment changed (or is refused with CONFLICT), merges and splits carry accounts and
//! boundaries, and history answers "who owned this account on date D" and "how did it look".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::workflow::{
    account, add_ok, apply, bounded_territory, draft, place, realignment, revert,
};
use terrane_tests::{TestApp, square};

async fn tree(app: &TestApp, token: &str) -> Value {
    app.ok(
        Some(token),
        "{ territories(first: 100) { edges { node { code name parent { code } boundary } } } }",
        json!({}),
    )
    .await
}

async fn now() -> String {
    // Timestamps are microseconds; step past the last write so "at" is strictly after it.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    chrono::Utc::now().to_rfc3339()
}

#[tokio::test]
async fn revert_restores_territories_and_accounts_and_refuses_after_later_changes() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = bounded_territory(&app, t, "WEST", square(0.0, 0.0, 10.0), None).await;
    let east = bounded_territory(&app, t, "EAST", square(10.0, 0.0, 10.0), None).await;
    let a = account(&app, t, "A", 2.0, 2.0, "10").await;
    let b = account(&app, t, "B", 12.0, 2.0, "10").await;
    let before_tree = tree(&app, t).await;

    // Swap the codes, delete EAST (its account goes to WEST), create a new territory.
    let plan = draft(&app, t, "Big change").await;
    add_ok(
        &app,
        t,
        &plan,
        json!([
            { "updateTerritory": { "id": west, "code": "TEMP" } },
            { "deleteTerritory": { "id": east, "reassignAccountsTo": west } },
            { "updateTerritory": { "id": west, "code": "EAST", "name": "Everything" } },
            { "createTerritory": { "name": "Spare", "code": "WEST" } },
            { "moveAccounts": { "accountIds": [a], "toTerritoryId": null } },
        ]),
    )
    .await;
    let applied = apply(&app, t, &plan, None).await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    assert_eq!(
        place(&app, t, &b).await,
        "EAST",
        "B now sits in the old WEST, re-coded EAST"
    );
    assert_eq!(place(&app, t, &a).await, json!(null));

    let reverted = revert(&app, t, &plan).await;
    assert_eq!(reverted["userErrors"], json!([]), "{reverted}");
    assert_eq!(reverted["realignment"]["reverts"]["id"], plan.as_str());
    assert_eq!(
        tree(&app, t).await,
        before_tree,
        "hierarchy, names, codes, boundaries restored"
    );
    assert_eq!(place(&app, t, &a).await, "WEST");
    assert_eq!(place(&app, t, &b).await, "EAST");
    let original = realignment(&app, t, &plan).await;
    assert_eq!(original["revertedBy"]["id"], reverted["realignment"]["id"]);
    assert_eq!(
        revert(&app, t, &plan).await["userErrors"][0]["code"],
        "INVALID_STATUS"
    );

    // Revert of a realignment whose territory was edited since: CONFLICT, nothing changes.
    let rename = draft(&app, t, "Rename").await;
    add_ok(
        &app,
        t,
        &rename,
        json!([{ "updateTerritory": { "id": west, "name": "Renamed" } }]),
    )
    .await;
    apply(&app, t, &rename, None).await;
    app.ok(
        Some(t),
        "mutation($id: ID!) { updateTerritory(input: { id: $id, name: \"Later\" }) { userErrors { code } } }",
        json!({ "id": west }),
    )
    .await;
    let audit_before = app.audit_count(t).await;
    let refused = revert(&app, t, &rename).await;
    assert_eq!(refused["userErrors"][0]["code"], "CONFLICT", "{refused}");
    assert_eq!(app.audit_count(t).await, audit_before);
    let integrity = app
        .ok(Some(t), "{ auditIntegrity { ok } }", json!({}))
        .await;
    assert_eq!(integrity["auditIntegrity"]["ok"], true);
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn merge_and_split_carry_accounts_children_and_boundaries() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = bounded_territory(&app, t, "WEST", square(0.0, 0.0, 10.0), None).await;
    let east = bounded_territory(&app, t, "EAST", square(10.0, 0.0, 10.0), None).await;
    let child = app
        .create_territory(t, "East child", "EAST-C", Some(&east))
        .await;
    let in_west = account(&app, t, "IN-W", 2.0, 5.0, "1").await;
    let in_east = account(&app, t, "IN-E", 18.0, 5.0, "1").await;

    let merge = draft(&app, t, "Merge").await;
    add_ok(
        &app,
        t,
        &merge,
        json!([{ "mergeTerritories": { "fromId": east, "intoId": west } }]),
    )
    .await;
    assert_eq!(apply(&app, t, &merge, None).await["userErrors"], json!([]));
    assert_eq!(place(&app, t, &in_east).await, "WEST");
    let merged = app
        .ok(Some(t), "query($id: ID!, $c: ID!) { territory(id: $id) { boundary children { code } } child: territory(id: $c) { parent { code } } }", json!({ "id": west, "c": child }))
        .await;
    assert_eq!(
        merged["territory"]["boundary"]["type"], "Polygon",
        "union of two neighbours"
    );
    assert_eq!(
        merged["territory"]["children"],
        json!([{ "code": "EAST-C" }])
    );
    assert_eq!(merged["child"]["parent"]["code"], "WEST");

    // Split the east half back off: the new territory takes the accounts inside it.
    let split = draft(&app, t, "Split").await;
    let added = add_ok(
        &app,
        t,
        &split,
        json!([{ "splitTerritory": { "id": west, "boundary": square(10.0, -5.0, 20.0), "newName": "East again", "newCode": "EAST2" } }]),
    )
    .await;
    assert_eq!(apply(&app, t, &split, None).await["userErrors"], json!([]));
    assert_eq!(place(&app, t, &in_east).await, "EAST2");
    assert_eq!(place(&app, t, &in_west).await, "WEST");
    let new_id = added[0]["territoryId"].as_str().unwrap();
    let parts = app
        .ok(Some(t), "query($w: ID!, $e: ID!) { w: territory(id: $w) { boundary } e: territory(id: $e) { boundary } }", json!({ "w": west, "e": new_id }))
        .await;
    let xs = |b: &Value| -> Vec<f64> {
        b["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].as_f64().unwrap())
            .collect()
    };
    assert!(xs(&parts["w"]["boundary"]).iter().all(|x| *x <= 10.0));
    assert!(xs(&parts["e"]["boundary"]).iter().all(|x| *x >= 10.0));

    // A split that misses the territory is a clear problem, not a crash.
    let miss = draft(&app, t, "Miss").await;
    add_ok(&app, t, &miss, json!([{ "splitTerritory": { "id": west, "boundary": square(50.0, 50.0, 1.0), "newName": "Nowhere", "newCode": "NOWHERE" } }])).await;
    assert_eq!(
        apply(&app, t, &miss, None).await["userErrors"][0]["code"],
        "INVALID_BOUNDARY"
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn history_answers_who_owned_an_account_and_how_territories_looked_on_a_date() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = bounded_territory(&app, t, "WEST", square(0.0, 0.0, 10.0), None).await;
    let east = bounded_territory(&app, t, "EAST", square(10.0, 0.0, 10.0), None).await;
    let a = account(&app, t, "A", 2.0, 2.0, "10").await;
    let in_west = now().await;

    let plan = draft(&app, t, "Move A east").await;
    add_ok(
        &app,
        t,
        &plan,
        json!([
            { "moveAccounts": { "accountIds": [a], "toTerritoryId": east, "pin": true } },
            { "updateTerritory": { "id": west, "name": "West renamed" } },
        ]),
    )
    .await;
    apply(&app, t, &plan, None).await;
    let in_east = now().await;

    let at = |when: &str| json!({ "a": a, "at": when, "w": west });
    let q = "query($a: ID!, $at: DateTime!, $w: ID!) {
        accountTerritoryAt(accountId: $a, at: $at) { code }
        accountAssignmentAt(accountId: $a, at: $at) { source pinned territoryThen { name code } realignment { title } }
        territoryAt(id: $w, at: $at) { name version }
        territoriesAt(at: $at) { code name } }";
    let then = app.ok(Some(t), q, at(&in_west)).await;
    assert_eq!(then["accountTerritoryAt"]["code"], "WEST");
    assert_eq!(then["accountAssignmentAt"]["source"], "GEOGRAPHY");
    assert_eq!(then["territoryAt"], json!({ "name": "WEST", "version": 1 }));
    assert_eq!(
        then["territoriesAt"],
        json!([{ "code": "EAST", "name": "EAST" }, { "code": "WEST", "name": "WEST" }])
    );
    let later = app.ok(Some(t), q, at(&in_east)).await;
    assert_eq!(later["accountTerritoryAt"]["code"], "EAST");
    assert_eq!(later["accountAssignmentAt"]["pinned"], true);
    assert_eq!(
        later["accountAssignmentAt"]["realignment"]["title"],
        "Move A east"
    );
    assert_eq!(
        later["territoryAt"],
        json!({ "name": "West renamed", "version": 2 })
    );
    let before_anything = app.ok(Some(t), q, at("2000-01-01T00:00:00Z")).await;
    assert_eq!(before_anything["accountTerritoryAt"], json!(null));
    assert_eq!(before_anything["territoriesAt"], json!([]));

    let history = app
        .ok(Some(t), "query($a: ID!) { accountHistory(accountId: $a) { territory { code } territoryThen { name } from to source realignment { title createdBy { kind } } endedBy { title } } }", json!({ "a": a }))
        .await;
    let intervals = history["accountHistory"].as_array().unwrap();
    assert_eq!(intervals.len(), 2, "{history}");
    assert_eq!(intervals[0]["territory"]["code"], "WEST");
    assert_eq!(intervals[0]["endedBy"]["title"], "Move A east");
    assert_eq!(
        intervals[0]["to"], intervals[1]["from"],
        "intervals meet, never overlap"
    );
    assert_eq!(intervals[1]["to"], json!(null));
    assert_eq!(intervals[1]["realignment"]["createdBy"]["kind"], "USER");

    // Bad input: malformed ids and times are top-level BAD_USER_INPUT.
    let bad = app
        .gql(
            Some(t),
            "{ accountHistory(accountId: \"nope\") { from } }",
            json!({}),
        )
        .await;
    assert_eq!(terrane_tests::error_code(&bad), Some("BAD_USER_INPUT"));
    let bad_time = app
        .gql(Some(t), q, json!({ "a": a, "w": west, "at": "yesterday" }))
        .await;
    assert!(bad_time["errors"].is_array());
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn a_stack_of_realignments_is_undone_newest_first() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = app.create_territory(t, "West", "WEST", None).await;
    let mut plans = Vec::new();
    for name in ["One", "Two"] {
        let plan = draft(&app, t, name).await;
        add_ok(
            &app,
            t,
            &plan,
            json!([{ "updateTerritory": { "id": west, "name": name } }]),
        )
        .await;
        assert_eq!(apply(&app, t, &plan, None).await["userErrors"], json!([]));
        plans.push(plan);
    }
    assert_eq!(
        revert(&app, t, &plans[0]).await["userErrors"][0]["code"],
        "CONFLICT",
        "Two sits on top"
    );
    assert_eq!(revert(&app, t, &plans[1]).await["userErrors"], json!([]));
    assert_eq!(revert(&app, t, &plans[0]).await["userErrors"], json!([]));
    let name = app
        .ok(
            Some(t),
            "query($id: ID!) { territory(id: $id) { name } }",
            json!({ "id": west }),
        )
        .await;
    assert_eq!(name["territory"]["name"], "West");
    app.assert_account_totals_kept().await;
}
