//! CSV import over GraphQL: upsert by external id, placement, line-numbered errors, both modes,
//! and tenant isolation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::{TestApp, square};

const IMPORT: &str = "mutation($csv: String!, $mode: ImportMode) { importAccounts(input: { csv: $csv, mode: $mode }) {
    created updated failed committed errors { line message } realignment { id } userErrors { code message } } }";

async fn import(app: &TestApp, token: &str, csv: &str, mode: &str) -> Value {
    app.ok(Some(token), IMPORT, json!({ "csv": csv, "mode": mode }))
        .await["importAccounts"]
        .clone()
}

async fn west(app: &TestApp, token: &str) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($b: JSON) { createTerritory(input: { name: \"West\", code: \"WEST\", boundary: $b }) { territory { id } } }",
            json!({ "b": square(0.0, 0.0, 10.0) }),
        )
        .await;
    data["createTerritory"]["territory"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const GOOD: &str = "\u{feff}external_id,name,lat,lon,industry,segment,potential,workload,address,tier\n\
C-1,\"Acme, Inc.\",5,5,Retail,SMB,1000.50,10,\"1 Main St\",gold\n\
C-2,Beta,,,Finance,ENTERPRISE,250000,40,,\n\
C-3,Gamma,50,50,,,,,,silver\n";

#[tokio::test]
async fn import_upserts_places_and_audits() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let west = west(&app, t).await;

    let report = import(&app, t, GOOD, "ALL_OR_NOTHING").await;
    assert_eq!(
        (
            report["created"].as_u64(),
            report["updated"].as_u64(),
            report["failed"].as_u64()
        ),
        (Some(3), Some(0), Some(0))
    );
    assert_eq!(report["committed"], true);
    assert!(report["realignment"]["id"].is_string(), "C-1 was placed");
    let accounts = app
        .ok(Some(t), "{ accounts(first: 10) { edges { node { externalId name address attributes potential territory { id } assignment { source } } } } }", json!({}))
        .await;
    let nodes: Vec<&Value> = accounts["accounts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(nodes[0]["name"], "Acme, Inc.");
    assert_eq!(nodes[0]["address"], "1 Main St");
    assert_eq!(nodes[0]["attributes"], json!({ "tier": "gold" }));
    assert_eq!(nodes[0]["potential"], "1000.50");
    assert_eq!(nodes[0]["territory"]["id"], west.as_str());
    assert_eq!(nodes[0]["assignment"]["source"], "GEOGRAPHY");
    assert_eq!(nodes[1]["territory"], json!(null));
    assert_eq!(nodes[2]["territory"], json!(null), "outside every boundary");

    // Re-importing updates by external id: no duplicates, versions move on, C-3 moves into WEST.
    let again = import(
        &app,
        t,
        "external_id,name,lat,lon\nC-1,Acme Renamed,5,5\nC-3,Gamma,6,6\n",
        "ALL_OR_NOTHING",
    )
    .await;
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(2))
    );
    let after = app.ok(Some(t), "query($t: ID) { accounts(filter: { territoryId: $t }) { totalCount edges { node { name version } } } }", json!({ "t": west })).await;
    assert_eq!(after["accounts"]["totalCount"], 2);
    assert_eq!(
        after["accounts"]["edges"][0]["node"],
        json!({ "name": "Acme Renamed", "version": 2 })
    );

    let events = app.ok(Some(t), "{ auditEvents(first: 100, filter: { entityType: \"Account\" }) { edges { node { action after } } } }", json!({})).await;
    let imports: Vec<&Value> = events["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["action"] == "accounts.imported")
        .collect();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0]["after"]["created"], 3);
    assert_eq!(imports[0]["after"]["digest"].as_str().unwrap().len(), 64);
    app.assert_account_totals_kept().await;
}

const BAD: &str = "external_id,name,lat,lon,potential\n\
OK-1,Fine,1,1,10\n\
BAD-1,,1,1,10\n\
BAD-2,No Number,1,1,lots\n\
BAD-3,Off World,95,120,1\n\
BAD-4,Swapped,-122.4,37.8,1\n\
OK-1,Duplicate,1,1,1\n\
OK-2,Also Fine,2,2,2\n";

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_all_or_nothing_writes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let audit_before = app.audit_count(t).await;

    let report = import(&app, t, BAD, "ALL_OR_NOTHING").await;
    assert_eq!(report["committed"], false);
    assert_eq!(
        (report["created"].as_u64(), report["failed"].as_u64()),
        (Some(0), Some(5))
    );
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7]);
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("name"), "{messages:?}");
    assert!(messages[1].contains("not a number"), "{messages:?}");
    assert!(messages[2].contains("latitude"), "{messages:?}");
    assert!(messages[3].contains("swapped"), "{messages:?}");
    assert!(messages[4].contains("duplicate"), "{messages:?}");
    assert_eq!(
        app.ok(Some(t), "{ accounts { totalCount } }", json!({}))
            .await["accounts"]["totalCount"],
        0
    );
    assert_eq!(app.audit_count(t).await, audit_before);

    let skipped = import(&app, t, BAD, "SKIP_INVALID").await;
    assert_eq!(skipped["committed"], true);
    assert_eq!(
        (skipped["created"].as_u64(), skipped["failed"].as_u64()),
        (Some(2), Some(5))
    );
    assert_eq!(
        app.ok(Some(t), "{ accounts { totalCount } }", json!({}))
            .await["accounts"]["totalCount"],
        2
    );

    let header = import(&app, t, "id,title\n1,x\n", "ALL_OR_NOTHING").await;
    assert_eq!(header["userErrors"][0]["code"], "INVALID_CSV");
    assert_eq!(header["committed"], false);
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn imports_never_reach_another_tenant() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("tenant-a").await;
    west(&app, &a.token).await;
    import(&app, &a.token, GOOD, "ALL_OR_NOTHING").await;
    let before = app
        .ok(
            Some(&a.token),
            "{ accounts(first: 10) { edges { node { id name version territory { code } } } } }",
            json!({}),
        )
        .await;

    let b = app.sign_up("tenant-b").await;
    let report = import(
        &app,
        &b.token,
        "external_id,name,lat,lon\nC-1,B's own,5,5\nC-2,B's other,1,1\n",
        "ALL_OR_NOTHING",
    )
    .await;
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(2), Some(0)),
        "same external ids, separate tenants"
    );
    assert_eq!(
        report["realignment"],
        json!(null),
        "B has no territories: nothing placed (A's WEST is not B's)"
    );

    let after = app
        .ok(
            Some(&a.token),
            "{ accounts(first: 10) { edges { node { id name version territory { code } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(after, before);
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn large_files_can_be_uploaded_as_multipart() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    west(&app, t).await;
    let mut csv = String::from("external_id,name,lat,lon\n");
    for i in 0..5_000 {
        csv.push_str(&format!(
            "U-{i},Uploaded {i},{},{}\n",
            1.0 + (i % 8) as f64,
            1.0 + (i % 7) as f64
        ));
    }
    let query = "mutation($file: Upload) { importAccounts(input: { file: $file }) { created failed committed realignment { id } } }";
    let response = app
        .upload(
            t,
            query,
            json!({ "file": null }),
            "accounts.csv",
            csv.into_bytes(),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response}");
    let report = &response["data"]["importAccounts"];
    assert_eq!(
        (report["created"].as_u64(), report["failed"].as_u64()),
        (Some(5_000), Some(0))
    );
    assert_eq!(
        app.ok(Some(t), "{ accounts { totalCount } }", json!({}))
            .await["accounts"]["totalCount"],
        5_000
    );

    let neither = app
        .gql(
            Some(t),
            "mutation { importAccounts(input: {}) { created } }",
            json!({}),
        )
        .await;
    assert_eq!(terrane_tests::error_code(&neither), Some("BAD_USER_INPUT"));
    let both = app.upload(t, "mutation($file: Upload) { importAccounts(input: { file: $file, csv: \"external_id,name\" }) { created } }", json!({ "file": null }), "a.csv", b"external_id,name\n".to_vec()).await;
    assert_eq!(terrane_tests::error_code(&both), Some("BAD_USER_INPUT"));
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn duplicates_are_found_across_batches_and_the_placement_digest_matches_its_rows() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    west(&app, t).await;
    // 2,500 rows: more than two write batches; row 2,400 repeats the id of row 10.
    let mut csv = String::from("external_id,name,lat,lon\n");
    for i in 0..2_500 {
        let id = if i == 2_399 { 9 } else { i };
        csv.push_str(&format!(
            "D-{id},Account {i},{},{}\n",
            1.0 + (i % 8) as f64,
            1.0
        ));
    }
    let strict = import(&app, t, &csv, "ALL_OR_NOTHING").await;
    assert_eq!(strict["committed"], false);
    assert_eq!(
        strict["errors"],
        json!([{ "line": 2_401, "message": "duplicate external_id 'D-9' (an earlier row has it)" }])
    );
    assert_eq!(
        app.ok(Some(t), "{ accounts { totalCount } }", json!({}))
            .await["accounts"]["totalCount"],
        0,
        "all-or-nothing wrote nothing"
    );

    let lenient = import(&app, t, &csv, "SKIP_INVALID").await;
    assert_eq!(
        (lenient["created"].as_u64(), lenient["failed"].as_u64()),
        (Some(2_499), Some(1))
    );
    let placed = app
        .ok(
            Some(t),
            "query($id: ID!) { node(id: $id) { ... on Realignment { moveDigest moves(first: 1) { totalCount } } } }",
            json!({ "id": lenient["realignment"]["id"] }),
        )
        .await;
    assert_eq!(placed["node"]["moves"]["totalCount"], 2_499);
    let events = app.ok(Some(t), "{ auditEvents(first: 100, filter: { action: \"accounts.assigned\" }) { edges { node { after } } } }", json!({})).await;
    let recorded = &events["auditEvents"]["edges"][0]["node"]["after"];
    assert_eq!(recorded["moves"], 2_499, "one event for the whole import");
    assert_eq!(recorded["digest"], placed["node"]["moveDigest"]);
    app.assert_account_totals_kept().await;
}
