//! Building and reading a territory hierarchy, and every way a change can be refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::territory_ops::{CREATE, DELETE, MOVE, UPDATE, territory};
use terrane_tests::{TestApp, error_code, square};

#[tokio::test]
async fn build_read_and_reshape_a_hierarchy() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();

    let created = app
        .ok(Some(t), CREATE, json!({ "input": { "name": "United States", "code": "us", "boundary": square(-124.0, 25.0, 20.0) } }))
        .await;
    let payload = &created["createTerritory"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["territory"]["code"], "US");
    assert_eq!(payload["territory"]["version"], 1);
    assert_eq!(payload["realignment"]["status"], "APPLIED");
    assert_eq!(
        payload["territory"]["boundingBox"],
        json!({ "minLon": -124.0, "minLat": 25.0, "maxLon": -104.0, "maxLat": 45.0 })
    );
    let us = payload["territory"]["id"].as_str().unwrap().to_owned();
    let west = app.create_territory(t, "West", "US-W", Some(&us)).await;
    let east = app.create_territory(t, "East", "US-E", Some(&us)).await;
    let bay = app
        .create_territory(t, "Bay Area", "US-W-BAY", Some(&west))
        .await;

    let read = territory(&app, t, &bay).await;
    assert_eq!(read["depth"], 2);
    assert_eq!(read["parent"]["code"], "US-W");
    assert_eq!(
        read["ancestors"],
        json!([{ "code": "US-W" }, { "code": "US" }])
    );
    let root = territory(&app, t, &us).await;
    assert_eq!(root["depth"], 0);
    assert_eq!(root["parent"], json!(null));
    assert_eq!(
        root["children"],
        json!([{ "code": "US-W" }, { "code": "US-E" }])
    );
    assert_eq!(root["boundary"]["type"], "Polygon");

    // Rename and re-code in one update; the version moves on.
    let renamed = app
        .ok(Some(t), UPDATE, json!({ "input": { "id": bay, "name": "SF Bay", "code": "US-W-SF", "expectedVersion": 1, "reason": "rebrand" } }))
        .await;
    let payload = &renamed["updateTerritory"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        (
            payload["territory"]["name"].as_str(),
            payload["territory"]["code"].as_str()
        ),
        (Some("SF Bay"), Some("US-W-SF"))
    );
    assert_eq!(payload["territory"]["version"], 2);
    assert_eq!(payload["realignment"]["reason"], "rebrand");

    // New boundary, then none.
    let drawn = app
        .ok(
            Some(t),
            UPDATE,
            json!({ "input": { "id": bay, "boundary": square(-123.0, 37.0, 1.0) } }),
        )
        .await;
    assert_eq!(
        drawn["updateTerritory"]["territory"]["boundary"]["coordinates"][0][2],
        json!([-122.0, 38.0])
    );
    let cleared = app
        .ok(
            Some(t),
            UPDATE,
            json!({ "input": { "id": bay, "boundary": null } }),
        )
        .await;
    assert_eq!(
        cleared["updateTerritory"]["territory"]["boundary"],
        json!(null)
    );

    // Move under East, then to the top.
    let moved = app
        .ok(
            Some(t),
            MOVE,
            json!({ "input": { "id": bay, "parentId": east } }),
        )
        .await;
    assert_eq!(
        moved["moveTerritory"]["territory"]["parent"]["code"],
        "US-E"
    );
    assert_eq!(
        territory(&app, t, &bay).await["ancestors"],
        json!([{ "code": "US-E" }, { "code": "US" }])
    );
    let rooted = app
        .ok(
            Some(t),
            MOVE,
            json!({ "input": { "id": bay, "parentId": null } }),
        )
        .await;
    assert_eq!(rooted["moveTerritory"]["territory"]["parent"], json!(null));
    assert_eq!(territory(&app, t, &bay).await["depth"], 0);

    // Delete a leaf: gone from reads, its code free again.
    let deleted = app
        .ok(
            Some(t),
            DELETE,
            json!({ "input": { "id": bay, "reason": "merged" } }),
        )
        .await;
    assert_eq!(
        deleted["deleteTerritory"]["deletedTerritoryId"],
        bay.as_str()
    );
    assert_eq!(territory(&app, t, &bay).await, json!(null));
    app.create_territory(t, "SF again", "US-W-SF", Some(&west))
        .await;
    let listed = app
        .ok(
            Some(t),
            "{ territories(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["territories"]["totalCount"], 4);
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_top_level_errors() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let root = app.create_territory(t, "Root", "ROOT", None).await;
    app.ok(Some(t), DELETE, json!({ "input": { "id": root } }))
        .await;

    let gone = app
        .gql(
            Some(t),
            UPDATE,
            json!({ "input": { "id": root, "name": "Back" } }),
        )
        .await;
    assert_eq!(error_code(&gone), Some("NOT_FOUND"));
    let malformed = app
        .gql(
            Some(t),
            UPDATE,
            json!({ "input": { "id": "definitely-not-an-id", "name": "X" } }),
        )
        .await;
    assert_eq!(error_code(&malformed), Some("BAD_USER_INPUT"));
    let wrong_kind = app
        .gql(
            Some(t),
            MOVE,
            json!({ "input": { "id": acme.admin_id, "parentId": null } }),
        )
        .await;
    assert_eq!(error_code(&wrong_kind), Some("BAD_USER_INPUT"));
    let syntax = app
        .gql(Some(t), "{ territories(first: 1) { totalCount ", json!({}))
        .await;
    assert_eq!(error_code(&syntax), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn territories_page_with_keyset_cursors() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let root = app.create_territory(t, "Root", "ROOT", None).await;
    for i in 0..5 {
        app.create_territory(t, &format!("Child {i}"), &format!("C{i}"), Some(&root))
            .await;
    }
    let query = "query($after: String, $parent: ID, $search: String) { territories(first: 2, after: $after, parentId: $parent, search: $search) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { code } } } }";
    let mut after: Option<String> = None;
    let mut codes = vec![];
    loop {
        let page = app
            .ok(Some(t), query, json!({ "after": after, "parent": root }))
            .await["territories"]
            .clone();
        assert_eq!(page["totalCount"], 5);
        codes.extend(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["code"].as_str().unwrap().to_owned()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(codes, vec!["C0", "C1", "C2", "C3", "C4"]);

    let searched = app.ok(Some(t), query, json!({ "search": "child 3" })).await;
    assert_eq!(searched["territories"]["totalCount"], 1);
    let wildcard = app.ok(Some(t), query, json!({ "search": "%" })).await;
    assert_eq!(
        wildcard["territories"]["totalCount"], 0,
        "LIKE wildcards are escaped"
    );

    for first in [0, 101, -1] {
        let response = app
            .gql(
                Some(t),
                "query($first: Int) { territories(first: $first) { totalCount } }",
                json!({ "first": first }),
            )
            .await;
        assert_eq!(
            error_code(&response),
            Some("BAD_USER_INPUT"),
            "first = {first}"
        );
    }
    let bad_cursor = app.gql(Some(t), query, json!({ "after": "%%%" })).await;
    assert_eq!(error_code(&bad_cursor), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn node_fetches_anything_by_global_id() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let created = app
        .ok(
            Some(t),
            CREATE,
            json!({ "input": { "name": "Root", "code": "ROOT" } }),
        )
        .await;
    let territory = created["createTerritory"]["territory"]["id"]
        .as_str()
        .unwrap();
    let realignment = created["createTerritory"]["realignment"]["id"]
        .as_str()
        .unwrap();
    let tenant = app
        .ok(Some(t), "{ viewer { tenant { id } } }", json!({}))
        .await["viewer"]["tenant"]["id"]
        .clone();
    let event = app
        .ok(
            Some(t),
            "{ auditEvents(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["auditEvents"]["edges"][0]["node"]["id"]
        .clone();
    let query = "query($id: ID!) { node(id: $id) { __typename id ... on Territory { code } } }";
    for (id, typename) in [
        (json!(territory), "Territory"),
        (json!(realignment), "Realignment"),
        (json!(acme.admin_id), "User"),
        (tenant, "Tenant"),
        (event, "AuditEvent"),
    ] {
        let node = app.ok(Some(t), query, json!({ "id": id })).await["node"].clone();
        assert_eq!(node["__typename"], typename);
        assert_eq!(node["id"], id);
    }
}
