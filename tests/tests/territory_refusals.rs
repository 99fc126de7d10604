//! Every way a territory change can be refused: a user error with a stable code, and nothing
//! changed — not the territory, not the list, not the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::TestApp;
use terrane_tests::territory_ops::{CREATE, DELETE, MOVE, UPDATE, refused, territory};

#[tokio::test]
async fn every_business_rule_refusal_is_a_user_error_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let root = app.create_territory(t, "Root", "ROOT", None).await;
    let child = app.create_territory(t, "Child", "CHILD", Some(&root)).await;
    let missing_parent = {
        // A well-formed id of a territory that was created and deleted.
        let gone = app.create_territory(t, "Gone", "GONE", None).await;
        app.ok(Some(t), DELETE, json!({ "input": { "id": gone } }))
            .await;
        gone
    };

    refused(
        &app,
        t,
        CREATE,
        json!({ "name": " ", "code": "X" }),
        "name",
        "VALIDATION",
        &root,
    )
    .await;
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "no spaces" }),
        "code",
        "VALIDATION",
        &root,
    )
    .await;
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "root" }),
        "code",
        "CODE_TAKEN",
        &root,
    )
    .await;
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "X", "parentId": missing_parent }),
        "parentId",
        "PARENT_NOT_FOUND",
        &root,
    )
    .await;
    let bowtie =
        json!({ "type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] });
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "X", "boundary": bowtie }),
        "boundary",
        "INVALID_BOUNDARY",
        &root,
    )
    .await;
    let open_ring = json!({ "type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2]]] });
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "X", "boundary": open_ring }),
        "boundary",
        "INVALID_BOUNDARY",
        &root,
    )
    .await;
    let off_world =
        json!({ "type": "Polygon", "coordinates": [[[0, 0], [200, 0], [2, 2], [0, 0]]] });
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "X", "boundary": off_world }),
        "boundary",
        "INVALID_BOUNDARY",
        &root,
    )
    .await;
    let point = json!({ "type": "Point", "coordinates": [0, 0] });
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "X", "code": "X", "boundary": point }),
        "boundary",
        "INVALID_BOUNDARY",
        &root,
    )
    .await;

    refused(
        &app,
        t,
        UPDATE,
        json!({ "id": child, "code": "ROOT" }),
        "code",
        "CODE_TAKEN",
        &child,
    )
    .await;
    refused(
        &app,
        t,
        UPDATE,
        json!({ "id": child, "name": "Renamed", "expectedVersion": 7 }),
        "expectedVersion",
        "STALE_VERSION",
        &child,
    )
    .await;
    refused(
        &app,
        t,
        UPDATE,
        json!({ "id": child, "name": "Child" }),
        "id",
        "NOTHING_TO_CHANGE",
        &child,
    )
    .await;
    refused(
        &app,
        t,
        MOVE,
        json!({ "id": root, "parentId": child }),
        "parentId",
        "CYCLE",
        &root,
    )
    .await;
    refused(
        &app,
        t,
        MOVE,
        json!({ "id": root, "parentId": root }),
        "parentId",
        "CYCLE",
        &root,
    )
    .await;
    refused(
        &app,
        t,
        DELETE,
        json!({ "id": root }),
        "id",
        "HAS_CHILDREN",
        &root,
    )
    .await;
}

#[tokio::test]
async fn the_hierarchy_is_at_most_twelve_levels_below_a_root() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let mut parent: Option<String> = None;
    let mut ids = vec![];
    for depth in 0..=12 {
        let id = app
            .create_territory(
                t,
                &format!("Level {depth}"),
                &format!("L{depth}"),
                parent.as_deref(),
            )
            .await;
        ids.push(id.clone());
        parent = Some(id);
    }
    assert_eq!(territory(&app, t, &ids[12]).await["depth"], 12);
    refused(
        &app,
        t,
        CREATE,
        json!({ "name": "Too deep", "code": "L13", "parentId": ids[12] }),
        "parentId",
        "DEPTH_EXCEEDED",
        &ids[12],
    )
    .await;
    // Moving a subtree counts its height: a 2-level subtree cannot hang below level 11.
    let top = app.create_territory(t, "Top", "TOP", None).await;
    app.create_territory(t, "Below", "BELOW", Some(&top)).await;
    refused(
        &app,
        t,
        MOVE,
        json!({ "id": top, "parentId": ids[11] }),
        "parentId",
        "DEPTH_EXCEEDED",
        &top,
    )
    .await;
    let ok = app
        .ok(
            Some(t),
            MOVE,
            json!({ "input": { "id": top, "parentId": ids[10] } }),
        )
        .await;
    assert_eq!(ok["moveTerritory"]["userErrors"], json!([]));
}
