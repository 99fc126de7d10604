//! Scheduled realignments: applied by the server when due, surviving a restart, exactly once
//! with two servers on one database, marked FAILED (with why) when they no longer fit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use terrane_tests::TestApp;
use terrane_tests::workflow::{add_ok, apply, draft, realignment};

fn in_ms(ms: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::milliseconds(ms)).to_rfc3339()
}

/// Polls until the realignment leaves SCHEDULED (or 20 s pass).
async fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let r = realignment(app, token, id).await;
        if r["status"] != "SCHEDULED" {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("realignment {id} still scheduled");
}

async fn rename_plan(app: &TestApp, token: &str, territory: &str, name: &str) -> String {
    let plan = draft(app, token, &format!("Rename to {name}")).await;
    add_ok(
        app,
        token,
        &plan,
        json!([{ "updateTerritory": { "id": territory, "name": name } }]),
    )
    .await;
    plan
}

async fn name_of(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(
        Some(token),
        "query($id: ID!) { territory(id: $id) { name } }",
        json!({ "id": id }),
    )
    .await["territory"]["name"]
        .clone()
}

#[tokio::test]
async fn a_scheduled_realignment_is_applied_when_due_and_failed_when_it_no_longer_fits() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = app.create_territory(t, "West", "WEST", None).await;

    let plan = rename_plan(&app, t, &west, "Next quarter").await;
    // A time in the past is refused, not applied at once.
    let past = apply(&app, t, &plan, Some("2020-01-01T00:00:00Z")).await;
    assert_eq!(past["userErrors"][0]["code"], "INVALID_EFFECTIVE_AT");
    assert_eq!(name_of(&app, t, &west).await, "West");
    let scheduled = apply(&app, t, &plan, Some(&in_ms(800))).await;
    assert_eq!(scheduled["userErrors"], json!([]));
    assert_eq!(scheduled["realignment"]["status"], "SCHEDULED");
    assert!(scheduled["realignment"]["effectiveAt"].is_string());
    assert_eq!(name_of(&app, t, &west).await, "West", "not before its time");
    let done = settled(&app, t, &plan).await;
    assert_eq!(done["status"], "APPLIED");
    assert_eq!(name_of(&app, t, &west).await, "Next quarter");

    // Scheduled, then the territory is edited: at its time it conflicts and is marked FAILED.
    let stale = rename_plan(&app, t, &west, "Too late").await;
    apply(&app, t, &stale, Some(&in_ms(800))).await;
    app.ok(
        Some(t),
        "mutation($id: ID!) { updateTerritory(input: { id: $id, name: \"Edited meanwhile\" }) { userErrors { code } } }",
        json!({ "id": west }),
    )
    .await;
    let failed = settled(&app, t, &stale).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["problems"][0]["code"], "CONFLICT");
    assert_eq!(name_of(&app, t, &west).await, "Edited meanwhile");

    // A scheduled realignment can be discarded before it runs.
    let dropped = rename_plan(&app, t, &west, "Never").await;
    apply(&app, t, &dropped, Some(&in_ms(60_000))).await;
    let discarded = app
        .ok(Some(t), "mutation($id: ID!) { discardRealignment(input: { id: $id }) { realignment { status } } }", json!({ "id": dropped }))
        .await;
    assert_eq!(
        discarded["discardRealignment"]["realignment"]["status"],
        "DISCARDED"
    );
    let integrity = app
        .ok(Some(t), "{ auditIntegrity { ok } }", json!({}))
        .await;
    assert_eq!(integrity["auditIntegrity"]["ok"], true);
}

#[tokio::test]
async fn a_schedule_survives_a_restart() {
    let first = TestApp::spawn().await;
    let acme = first.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = first.create_territory(t, "West", "WEST", None).await;
    let plan = rename_plan(&first, t, &west, "After restart").await;
    apply(&first, t, &plan, Some(&in_ms(600))).await;
    first.stop().await;
    // Due while no server runs.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let second = TestApp::spawn_on(first.database_url.clone()).await;
    let done = settled(&second, t, &plan).await;
    assert_eq!(done["status"], "APPLIED");
    assert_eq!(name_of(&second, t, &west).await, "After restart");
}

#[tokio::test]
async fn two_servers_on_one_database_apply_each_scheduled_realignment_exactly_once() {
    let one = TestApp::spawn().await;
    let two = TestApp::spawn_on(one.database_url.clone()).await;
    let acme = one.sign_up("acme").await;
    let t = acme.token.as_str();
    let mut plans = Vec::new();
    for i in 0..4 {
        let territory = one
            .create_territory(t, &format!("T{i}"), &format!("T{i}"), None)
            .await;
        let plan = rename_plan(&one, t, &territory, &format!("Renamed {i}")).await;
        apply(&one, t, &plan, Some(&in_ms(500))).await;
        plans.push(plan);
    }
    for plan in &plans {
        assert_eq!(settled(&two, t, plan).await["status"], "APPLIED");
    }
    let events = two
        .ok(Some(t), "{ auditEvents(first: 100, filter: { action: \"realignment.applied\" }) { totalCount } renames: auditEvents(first: 100, filter: { action: \"territory.updated\" }) { totalCount } auditIntegrity { ok checkedEvents } }", json!({}))
        .await;
    assert_eq!(events["auditEvents"]["totalCount"], 4, "{events}");
    assert_eq!(events["renames"]["totalCount"], 4);
    assert_eq!(events["auditIntegrity"]["ok"], true);
}
