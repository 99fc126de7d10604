//! The auditor's view: every change is in the log with actor, time, reason, before and after,
//! the chain verifies, and tampering with storage is detected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use terrane_tests::{TestApp, error_code};

const EVENTS: &str = "query($first: Int, $after: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { seq at action entityType entityId reason requestId before after prevHash hash
      actor { kind id user { email } } realignment { id title } } } } }";

async fn all_events(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let mut events = vec![];
    let mut after: Option<String> = None;
    loop {
        let page = app
            .ok(
                Some(token),
                EVENTS,
                json!({ "first": 3, "after": after, "filter": filter }),
            )
            .await["auditEvents"]
            .clone();
        events.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            return events;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

#[tokio::test]
async fn every_change_is_audited_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let auditor = app.user_with_role(&acme, "AUDITOR").await;
    let root = app.create_territory(t, "Root", "ROOT", None).await;
    let child = app.create_territory(t, "Child", "CHILD", Some(&root)).await;
    app.ok(Some(t), "mutation($id: ID!) { updateTerritory(input: { id: $id, name: \"Renamed\", reason: \"clearer\" }) { territory { id } } }", json!({ "id": child }))
        .await;
    app.ok(Some(t), "mutation($id: ID!) { moveTerritory(input: { id: $id, parentId: null, reason: \"flatten\" }) { territory { id } } }", json!({ "id": child }))
        .await;
    app.ok(Some(t), "mutation($id: ID!) { deleteTerritory(input: { id: $id, reason: \"unused\" }) { deletedTerritoryId } }", json!({ "id": child }))
        .await;

    let events = all_events(&app, &auditor, json!(null)).await;
    let actions: Vec<_> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "tenant.created",
            "user.created",
            "user.created",
            "territory.created",
            "territory.created",
            "territory.updated",
            "territory.moved",
            "territory.deleted"
        ]
    );
    // Gapless seq, linked hashes.
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        if i > 0 {
            assert_eq!(e["prevHash"], events[i - 1]["hash"]);
        }
    }
    assert_eq!(events[0]["prevHash"], "0".repeat(64));

    let updated = &events[5];
    assert_eq!(updated["actor"]["kind"], "USER");
    assert_eq!(updated["actor"]["id"], acme.admin_id.as_str());
    assert_eq!(updated["actor"]["user"]["email"], "admin@acme.example.com");
    assert_eq!(updated["reason"], "clearer");
    assert_eq!(updated["entityId"], child.as_str());
    assert_eq!(updated["entityType"], "Territory");
    assert_eq!(updated["before"]["name"], "Child");
    assert_eq!(updated["after"]["name"], "Renamed");
    assert_eq!(
        (
            updated["before"]["version"].as_i64(),
            updated["after"]["version"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert!(updated["requestId"].is_string());
    assert!(updated["realignment"]["id"].is_string());
    let deleted = &events[7];
    assert_eq!(deleted["after"], json!(null));
    assert_eq!(deleted["before"]["parentId"], json!(null));

    // Filters.
    let about_child = all_events(&app, &auditor, json!({ "entityId": child })).await;
    assert_eq!(about_child.len(), 4);
    let realignment = updated["realignment"]["id"].clone();
    let of_realignment = all_events(&app, &auditor, json!({ "realignmentId": realignment })).await;
    assert_eq!(of_realignment.len(), 1);
    let users = all_events(&app, &auditor, json!({ "entityType": "User" })).await;
    assert_eq!(users.len(), 2);
    let by_admin = all_events(&app, &auditor, json!({ "actorId": acme.admin_id })).await;
    assert_eq!(by_admin.len(), 8);
    let in_future = all_events(&app, &auditor, json!({ "from": "2999-01-01T00:00:00Z" })).await;
    assert!(in_future.is_empty());
    let until_now = all_events(&app, &auditor, json!({ "to": "2999-01-01T00:00:00Z" })).await;
    assert_eq!(until_now.len(), 8);

    let integrity = app
        .ok(
            Some(&auditor),
            "{ auditIntegrity { ok checkedEvents firstBadSeq headHash } }",
            json!({}),
        )
        .await;
    assert_eq!(integrity["auditIntegrity"]["ok"], true);
    assert_eq!(integrity["auditIntegrity"]["checkedEvents"], 8);
    assert_eq!(integrity["auditIntegrity"]["firstBadSeq"], json!(null));
    assert_eq!(integrity["auditIntegrity"]["headHash"], events[7]["hash"]);
}

#[tokio::test]
async fn tampering_with_stored_events_is_detected() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    for i in 0..3 {
        app.create_territory(t, &format!("T{i}"), &format!("T{i}"), None)
            .await;
    }
    let db = Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("UPDATE audit_events SET reason = 'forged' WHERE seq = 4")
        .await
        .unwrap();
    let integrity = app
        .ok(
            Some(t),
            "{ auditIntegrity { ok checkedEvents firstBadSeq } }",
            json!({}),
        )
        .await["auditIntegrity"]
        .clone();
    assert_eq!(
        integrity,
        json!({ "ok": false, "checkedEvents": 5, "firstBadSeq": 4 })
    );

    // Deleting an event is detected too, at the gap.
    db.execute_unprepared("UPDATE audit_events SET reason = 'test setup' WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(
        app.ok(Some(t), "{ auditIntegrity { ok } }", json!({}))
            .await["auditIntegrity"]["ok"],
        true
    );
    db.execute_unprepared("DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    let integrity = app
        .ok(Some(t), "{ auditIntegrity { ok firstBadSeq } }", json!({}))
        .await["auditIntegrity"]
        .clone();
    assert_eq!(integrity, json!({ "ok": false, "firstBadSeq": 3 }));
}

#[tokio::test]
async fn audit_filters_reject_malformed_ids() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let response = app
        .gql(
            Some(&acme.token),
            EVENTS,
            json!({ "filter": { "realignmentId": "nope" } }),
        )
        .await;
    assert_eq!(error_code(&response), Some("BAD_USER_INPUT"));
}
