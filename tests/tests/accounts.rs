//! Accounts end to end: placed at creation by geography, rules or pins — and able to say why —
//! listed and filtered, refused cleanly, and invisible to other tenants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::{TestApp, error_code, square};

const CREATE_ACCOUNT: &str =
    "mutation($input: CreateAccountInput!) { createAccount(input: $input) {
    account { id externalId name potential workload location { lat lon } attributes
      territory { code } assignment { source pinned since rule { name } realignment { id } } }
    realignment { id } userErrors { field code message } } }";
const ASSIGN: &str = "mutation($input: AssignAccountsInput!) { assignAccounts(input: $input) {
    accounts { id territory { code } assignment { source pinned } } realignment { id } userErrors { field code message } } }";
const CREATE_RULE: &str = "mutation($input: CreateAssignmentRuleInput!) { createAssignmentRule(input: $input) {
    rule { id name priority criteria { field op value } territory { code } } userErrors { field code message } } }";

async fn territory_with_boundary(
    app: &TestApp,
    token: &str,
    code: &str,
    boundary: Value,
    parent: Option<&str>,
) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($input: CreateTerritoryInput!) { createTerritory(input: $input) { territory { id } userErrors { code } } }",
            json!({ "input": { "name": code, "code": code, "boundary": boundary, "parentId": parent } }),
        )
        .await;
    data["createTerritory"]["territory"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_account(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(Some(token), CREATE_ACCOUNT, json!({ "input": input }))
        .await["createAccount"]
        .clone()
}

/// A country (0..20 x 0..10) split into WEST (0..10) and EAST (10..20), plus a boundary-less
/// STRATEGIC territory for a rule.
async fn world(app: &TestApp, token: &str) -> (String, String, String, String) {
    let country = territory_with_boundary(
        app,
        token,
        "LAND",
        json!({ "type": "Polygon", "coordinates": [[[0, 0], [20, 0], [20, 10], [0, 10], [0, 0]]] }),
        None,
    )
    .await;
    let west =
        territory_with_boundary(app, token, "WEST", square(0.0, 0.0, 10.0), Some(&country)).await;
    let east =
        territory_with_boundary(app, token, "EAST", square(10.0, 0.0, 10.0), Some(&country)).await;
    let strategic = app
        .create_territory(token, "Strategic", "STRATEGIC", Some(&country))
        .await;
    (country, west, east, strategic)
}

#[tokio::test]
async fn accounts_are_placed_by_pin_rule_or_geography_and_say_why() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, west, east, strategic) = world(&app, t).await;
    let rule = app
        .ok(
            Some(t),
            CREATE_RULE,
            json!({ "input": { "territoryId": strategic, "name": "Enterprise", "priority": 10,
                "criteria": [{ "field": "segment", "op": "EQ", "value": "ENTERPRISE" }, { "field": "potential", "op": "GTE", "value": 1000000 }] } }),
        )
        .await;
    assert_eq!(rule["createAssignmentRule"]["userErrors"], json!([]));
    assert_eq!(
        rule["createAssignmentRule"]["rule"]["criteria"][1],
        json!({ "field": "potential", "op": "GTE", "value": 1000000 })
    );

    // Geography: the deepest covering boundary; a shared edge goes east.
    let in_west = create_account(&app, t, json!({ "externalId": "A-1", "name": "West Co", "location": { "lat": 5.0, "lon": 5.0 }, "potential": "1250.50" })).await;
    assert_eq!(in_west["userErrors"], json!([]));
    assert_eq!(in_west["account"]["territory"]["code"], "WEST");
    assert_eq!(in_west["account"]["assignment"]["source"], "GEOGRAPHY");
    assert_eq!(in_west["account"]["potential"], "1250.50");
    assert!(in_west["realignment"]["id"].is_string());
    let on_edge = create_account(
        &app,
        t,
        json!({ "externalId": "A-2", "name": "Edge Co", "location": { "lat": 5.0, "lon": 10.0 } }),
    )
    .await;
    assert_eq!(on_edge["account"]["territory"]["code"], "EAST");

    // A rule beats geography; an account that misses the rule falls back to geography.
    let big = create_account(&app, t, json!({ "externalId": "A-3", "name": "Big Co", "segment": "enterprise", "potential": 2000000, "location": { "lat": 5.0, "lon": 5.0 } })).await;
    assert_eq!(big["account"]["territory"]["code"], "STRATEGIC");
    assert_eq!(big["account"]["assignment"]["source"], "RULE");
    assert_eq!(big["account"]["assignment"]["rule"]["name"], "Enterprise");
    let small = create_account(&app, t, json!({ "externalId": "A-4", "name": "Small Co", "segment": "ENTERPRISE", "potential": 5, "location": { "lat": 5.0, "lon": 15.0 } })).await;
    assert_eq!(small["account"]["territory"]["code"], "EAST");

    // Outside every boundary, or without a location: unassigned, and no realignment.
    let far = create_account(
        &app,
        t,
        json!({ "externalId": "A-5", "name": "Far Co", "location": { "lat": 40.0, "lon": 40.0 } }),
    )
    .await;
    assert_eq!(far["account"]["territory"], json!(null));
    assert_eq!(far["account"]["assignment"], json!(null));
    assert_eq!(far["realignment"], json!(null));
    let nowhere = create_account(
        &app,
        t,
        json!({ "externalId": "A-6", "name": "No Address Co", "attributes": { "tier": "gold" } }),
    )
    .await;
    assert_eq!(nowhere["account"]["territory"], json!(null));
    assert_eq!(nowhere["account"]["attributes"], json!({ "tier": "gold" }));

    // Pin by hand: MANUAL, pinned.
    let far_id = far["account"]["id"].as_str().unwrap();
    let pinned = app.ok(Some(t), ASSIGN, json!({ "input": { "accountIds": [far_id], "territoryId": west, "reason": "key account" } })).await;
    assert_eq!(pinned["assignAccounts"]["userErrors"], json!([]));
    assert_eq!(
        pinned["assignAccounts"]["accounts"][0]["territory"]["code"],
        "WEST"
    );
    assert_eq!(
        pinned["assignAccounts"]["accounts"][0]["assignment"],
        json!({ "source": "MANUAL", "pinned": true })
    );

    // Lists and filters.
    let count = |filter: Value| {
        let app = &app;
        async move {
            let data = app.ok(Some(t), "query($f: AccountFilterInput) { accounts(first: 100, filter: $f) { totalCount } }", json!({ "f": filter })).await;
            data["accounts"]["totalCount"].as_u64().unwrap()
        }
    };
    assert_eq!(count(json!(null)).await, 6);
    assert_eq!(count(json!({ "territoryId": west })).await, 2);
    assert_eq!(count(json!({ "territoryId": east })).await, 2);
    assert_eq!(count(json!({ "unassigned": true })).await, 1);
    assert_eq!(count(json!({ "unassigned": false })).await, 5);
    assert_eq!(count(json!({ "segment": "Enterprise" })).await, 2);
    assert_eq!(count(json!({ "search": "edge" })).await, 1);
    let territory_accounts = app
        .ok(Some(t), "query($id: ID!) { territory(id: $id) { accounts(first: 10) { totalCount edges { node { externalId } } } } }", json!({ "id": west }))
        .await;
    assert_eq!(territory_accounts["territory"]["accounts"]["totalCount"], 2);

    // Sums per territory, in SQL: direct, or over the whole subtree.
    let land = app
        .ok(
            Some(t),
            "{ territories(search: \"LAND\") { edges { node { id } } } }",
            json!({}),
        )
        .await["territories"]["edges"][0]["node"]["id"]
        .clone();
    let metrics = app
        .ok(
            Some(t),
            "query($land: ID!, $west: ID!) {
               land: territory(id: $land) { direct: metrics { accountCount potential } all: metrics(includeDescendants: true) { accountCount potential workload } }
               west: territory(id: $west) { metrics { accountCount potential } } }",
            json!({ "land": land, "west": west }),
        )
        .await;
    assert_eq!(
        metrics["land"]["direct"],
        json!({ "accountCount": 0, "potential": "0.00" })
    );
    assert_eq!(
        metrics["land"]["all"],
        json!({ "accountCount": 5, "potential": "2001255.50", "workload": "0.00" })
    );
    assert_eq!(
        metrics["west"]["metrics"],
        json!({ "accountCount": 2, "potential": "1250.50" })
    );

    // Audit: each creation, each placement as one event carrying the digest of its move rows.
    let events = app.ok(Some(t), "{ auditEvents(first: 100, filter: { entityType: \"Realignment\" }) { edges { node { action after } } } }", json!({})).await;
    let placements: Vec<&Value> = events["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(
        placements.len(),
        5,
        "A-1..A-4 placed at creation, A-5 pinned"
    );
    assert!(placements.iter().all(|e| e["action"] == "accounts.assigned"
        && e["after"]["digest"].as_str().is_some_and(|d| d.len() == 64)));
    assert_eq!(
        app.ok(Some(t), "{ auditIntegrity { ok } }", json!({}))
            .await["auditIntegrity"]["ok"],
        true
    );

    // A territory that holds accounts cannot be deleted.
    let refused = app
        .ok(
            Some(t),
            "mutation($id: ID!) { deleteTerritory(input: { id: $id }) { userErrors { code } } }",
            json!({ "id": east }),
        )
        .await;
    assert_eq!(
        refused["deleteTerritory"]["userErrors"],
        json!([{ "code": "HAS_ACCOUNTS" }])
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn bad_account_input_is_refused_field_by_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, west, _, _) = world(&app, t).await;
    create_account(&app, t, json!({ "externalId": "DUP", "name": "First" })).await;
    let audit_before = app.audit_count(t).await;

    let refused = |input: Value| {
        let app = &app;
        async move {
            let payload = create_account(app, t, input).await;
            assert_eq!(payload["account"], json!(null));
            payload["userErrors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"][1].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let other_case =
        create_account(&app, t, json!({ "externalId": "dup", "name": "Second" })).await;
    assert_eq!(
        other_case["userErrors"],
        json!([]),
        "external ids are case-sensitive keys"
    );
    assert_eq!(
        refused(json!({ "externalId": "DUP", "name": "Second" })).await,
        vec![("externalId".to_owned(), "EXTERNAL_ID_TAKEN".to_owned())]
    );
    assert_eq!(
        refused(json!({ "externalId": " ", "name": "", "potential": "-1", "workload": "1.005", "location": { "lat": -122.4, "lon": 37.8 }, "attributes": [1] })).await,
        vec![
            ("externalId".to_owned(), "VALIDATION".to_owned()),
            ("name".to_owned(), "VALIDATION".to_owned()),
            ("location".to_owned(), "INVALID_LOCATION".to_owned()),
            ("potential".to_owned(), "VALIDATION".to_owned()),
            ("workload".to_owned(), "VALIDATION".to_owned()),
            ("attributes".to_owned(), "VALIDATION".to_owned()),
        ]
    );
    let swapped = create_account(
        &app,
        t,
        json!({ "externalId": "S", "name": "S", "location": { "lat": -122.4, "lon": 37.8 } }),
    )
    .await;
    assert!(
        swapped["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("swapped")
    );

    // Rules: every bad criterion named by its index.
    let rule = app
        .ok(
            Some(t),
            CREATE_RULE,
            json!({ "input": { "territoryId": west, "name": "Bad", "priority": 1, "criteria": [
                { "field": "colour", "op": "EQ", "value": "red" },
                { "field": "name", "op": "GT", "value": "b" },
                { "field": "segment", "op": "IN", "value": "SMB" }
            ] } }),
        )
        .await;
    let errors = rule["createAssignmentRule"]["userErrors"]
        .as_array()
        .unwrap();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|e| e["code"] == "INVALID_CRITERION"));
    assert_eq!(errors[2]["field"], json!(["input", "criteria", "2"]));

    // Manual assignment to nowhere, or of nothing real.
    let ghost = app.create_territory(t, "Ghost", "GHOST", None).await;
    app.ok(
        Some(t),
        "mutation($id: ID!) { deleteTerritory(input: { id: $id }) { deletedTerritoryId } }",
        json!({ "id": ghost }),
    )
    .await;
    let audit_mid = app.audit_count(t).await;
    let accounts = app
        .ok(
            Some(t),
            "{ accounts(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let dup_id = accounts["accounts"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let to_ghost = app
        .ok(
            Some(t),
            ASSIGN,
            json!({ "input": { "accountIds": [dup_id], "territoryId": ghost } }),
        )
        .await;
    assert_eq!(
        to_ghost["assignAccounts"]["userErrors"][0]["code"],
        "TERRITORY_NOT_FOUND"
    );
    let none = app
        .gql(
            Some(t),
            ASSIGN,
            json!({ "input": { "accountIds": [], "territoryId": west } }),
        )
        .await;
    assert_eq!(error_code(&none), Some("BAD_USER_INPUT"));
    assert_eq!(
        app.audit_count(t).await,
        audit_mid,
        "refused assignments write nothing"
    );

    // Refused creations wrote nothing either (2 accounts: DUP and dup).
    let total = app
        .ok(Some(t), "{ accounts { totalCount } }", json!({}))
        .await;
    assert_eq!(total["accounts"]["totalCount"], 2);
    assert!(audit_before < audit_mid);
}

#[tokio::test]
async fn tenant_b_cannot_see_assign_or_rule_over_tenant_a_accounts() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("tenant-a").await;
    let (_, a_west, _, _) = world(&app, &a.token).await;
    let a_account = create_account(
        &app,
        &a.token,
        json!({ "externalId": "A-1", "name": "A Co", "location": { "lat": 5.0, "lon": 5.0 } }),
    )
    .await;
    let a_account_id = a_account["account"]["id"].as_str().unwrap().to_owned();
    let a_rule = app
        .ok(Some(&a.token), CREATE_RULE, json!({ "input": { "territoryId": a_west, "name": "A rule", "priority": 1, "criteria": [] } }))
        .await;
    let a_rule_id = a_rule["createAssignmentRule"]["rule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app
        .ok(Some(&a.token), "query($id: ID!) { account(id: $id) { territory { code } assignment { source } } accounts { totalCount } }", json!({ "id": a_account_id }))
        .await;

    let b = app.sign_up("tenant-b").await;
    let (_, b_west, _, _) = world(&app, &b.token).await;
    let b_account = create_account(
        &app,
        &b.token,
        json!({ "externalId": "A-1", "name": "B Co", "location": { "lat": 5.0, "lon": 5.0 } }),
    )
    .await;
    assert_eq!(
        b_account["userErrors"],
        json!([]),
        "external ids are unique per tenant, not globally"
    );
    let b_account_id = b_account["account"]["id"].as_str().unwrap().to_owned();

    for id in [&a_account_id, &a_rule_id] {
        let node = app
            .ok(
                Some(&b.token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"], json!(null));
    }
    let account = app
        .ok(
            Some(&b.token),
            "query($id: ID!) { account(id: $id) { id } }",
            json!({ "id": a_account_id }),
        )
        .await;
    assert_eq!(account["account"], json!(null));
    let listed = app.ok(Some(&b.token), "query($t: ID) { accounts(filter: { territoryId: $t }) { totalCount } all: accounts { totalCount } assignmentRules { id } }", json!({ "t": a_west })).await;
    assert_eq!(listed["accounts"]["totalCount"], 0);
    assert_eq!(listed["all"]["totalCount"], 1);
    assert_eq!(listed["assignmentRules"], json!([]));

    // B cannot move A's account (into its own territory or A's), nor put its own into A's territory.
    let move_a = app
        .ok(
            Some(&b.token),
            ASSIGN,
            json!({ "input": { "accountIds": [a_account_id], "territoryId": b_west } }),
        )
        .await;
    assert_eq!(
        move_a["assignAccounts"]["userErrors"][0]["code"],
        "ACCOUNT_NOT_FOUND"
    );
    let into_a = app
        .ok(
            Some(&b.token),
            ASSIGN,
            json!({ "input": { "accountIds": [b_account_id], "territoryId": a_west } }),
        )
        .await;
    assert_eq!(
        into_a["assignAccounts"]["userErrors"][0]["code"],
        "TERRITORY_NOT_FOUND"
    );
    let b_east = app
        .ok(
            Some(&b.token),
            "{ territories(search: \"EAST\") { edges { node { id } } } }",
            json!({}),
        )
        .await["territories"]["edges"][0]["node"]["id"]
        .clone();
    let b_in_east = create_account(
        &app,
        &b.token,
        json!({ "externalId": "B-2", "name": "B East", "location": { "lat": 5.0, "lon": 15.0 } }),
    )
    .await;
    assert_eq!(b_in_east["account"]["territory"]["code"], "EAST");
    let reassign_to_a = app
        .ok(Some(&b.token), "mutation($id: ID!, $to: ID) { deleteTerritory(input: { id: $id, reassignAccountsTo: $to }) { deletedTerritoryId userErrors { code } } }", json!({ "id": b_east, "to": a_west }))
        .await;
    // Every problem is listed: the target is not B's, so the accounts stay, so the delete fails.
    assert_eq!(
        reassign_to_a["deleteTerritory"]["userErrors"],
        json!([{ "code": "TERRITORY_NOT_FOUND" }, { "code": "HAS_ACCOUNTS" }])
    );
    assert_eq!(
        reassign_to_a["deleteTerritory"]["deletedTerritoryId"],
        json!(null)
    );
    let rule_on_a = app
        .ok(Some(&b.token), CREATE_RULE, json!({ "input": { "territoryId": a_west, "name": "sneaky", "priority": 0, "criteria": [] } }))
        .await;
    assert_eq!(
        rule_on_a["createAssignmentRule"]["userErrors"][0]["code"],
        "TERRITORY_NOT_FOUND"
    );
    // B's catch-all rule places only B's new accounts.
    app.ok(
        Some(&b.token),
        CREATE_RULE,
        json!({ "input": { "territoryId": b_west, "name": "all", "priority": 0, "criteria": [] } }),
    )
    .await;

    let after = app
        .ok(Some(&a.token), "query($id: ID!) { account(id: $id) { territory { code } assignment { source } } accounts { totalCount } }", json!({ "id": a_account_id }))
        .await;
    assert_eq!(after, before, "tenant A's accounts changed");
    app.assert_account_totals_kept().await;
}

const RUN: &str = "mutation($apply: Boolean!) { runAssignment(input: { apply: $apply, reason: \"quarterly\" }) {
    movedAccounts realignment { id status moves(first: 10) { totalCount edges { node { account { externalId } from { code } to { code } source } } } }
    userErrors { code } } }";

async fn placed(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(
        Some(token),
        "query($id: ID!) { account(id: $id) { territory { code } assignment { source pinned } } }",
        json!({ "id": id }),
    )
    .await["account"]
        .clone()
}

#[tokio::test]
async fn run_assignment_drafts_then_applies_and_leaves_pins_alone() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, _, east, strategic) = world(&app, t).await;
    let movable = create_account(&app, t, json!({ "externalId": "E-1", "name": "Big", "segment": "ENTERPRISE", "location": { "lat": 5.0, "lon": 5.0 } })).await;
    let movable = movable["account"]["id"].as_str().unwrap().to_owned();
    let pinned = create_account(&app, t, json!({ "externalId": "E-2", "name": "Pinned", "segment": "ENTERPRISE", "location": { "lat": 5.0, "lon": 5.0 } })).await;
    let pinned = pinned["account"]["id"].as_str().unwrap().to_owned();
    app.ok(
        Some(t),
        ASSIGN,
        json!({ "input": { "accountIds": [pinned], "territoryId": east } }),
    )
    .await;
    // The rule arrives after the accounts: only a re-run applies it.
    app.ok(
        Some(t),
        CREATE_RULE,
        json!({ "input": { "territoryId": strategic, "name": "Enterprise", "priority": 1, "criteria": [{ "field": "segment", "op": "EQ", "value": "ENTERPRISE" }] } }),
    )
    .await;
    assert_eq!(placed(&app, t, &movable).await["territory"]["code"], "WEST");

    let draft = app.ok(Some(t), RUN, json!({ "apply": false })).await["runAssignment"].clone();
    assert_eq!(draft["movedAccounts"], 1);
    assert_eq!(draft["realignment"]["status"], "DRAFT");
    assert_eq!(
        draft["realignment"]["moves"]["edges"][0]["node"],
        json!({ "account": { "externalId": "E-1" }, "from": { "code": "WEST" }, "to": { "code": "STRATEGIC" }, "source": "RULE" })
    );
    assert_eq!(
        placed(&app, t, &movable).await["territory"]["code"],
        "WEST",
        "a draft changes nothing"
    );

    let applied = app.ok(Some(t), RUN, json!({ "apply": true })).await["runAssignment"].clone();
    assert_eq!(applied["movedAccounts"], 1);
    assert_eq!(applied["realignment"]["status"], "APPLIED");
    assert_eq!(
        placed(&app, t, &movable).await,
        json!({ "territory": { "code": "STRATEGIC" }, "assignment": { "source": "RULE", "pinned": false } })
    );
    assert_eq!(
        placed(&app, t, &pinned).await,
        json!({ "territory": { "code": "EAST" }, "assignment": { "source": "MANUAL", "pinned": true } })
    );

    let again = app.ok(Some(t), RUN, json!({ "apply": true })).await["runAssignment"].clone();
    assert_eq!(
        again["movedAccounts"], 0,
        "a second run finds nothing to move"
    );

    // Another tenant's run touches nothing here.
    let other = app.sign_up("other").await;
    let (_, other_west, _, _) = world(&app, &other.token).await;
    app.ok(Some(&other.token), CREATE_RULE, json!({ "input": { "territoryId": other_west, "name": "all", "priority": 0, "criteria": [] } })).await;
    let foreign = app
        .ok(Some(&other.token), RUN, json!({ "apply": true }))
        .await["runAssignment"]
        .clone();
    assert_eq!(foreign["movedAccounts"], 0);
    assert_eq!(
        placed(&app, t, &movable).await["territory"]["code"],
        "STRATEGIC"
    );
    app.assert_account_totals_kept().await;
}

const UPDATE_ACCOUNT: &str = "mutation($input: UpdateAccountInput!) { updateAccount(input: $input) {
    account { name version location { lat lon } territory { code } assignment { source } } realignment { id } userErrors { field code } } }";

#[tokio::test]
async fn updating_an_account_places_it_again_unless_pinned() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, _, east, _) = world(&app, t).await;
    let created = create_account(
        &app,
        t,
        json!({ "externalId": "U-1", "name": "Mover", "location": { "lat": 5.0, "lon": 5.0 } }),
    )
    .await;
    let id = created["account"]["id"].as_str().unwrap().to_owned();

    let moved = app.ok(Some(t), UPDATE_ACCOUNT, json!({ "input": { "id": id, "location": { "lat": 5.0, "lon": 15.0 }, "expectedVersion": 1 } })).await;
    let payload = &moved["updateAccount"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["account"]["version"], 2);
    assert_eq!(payload["account"]["territory"]["code"], "EAST");
    assert!(payload["realignment"]["id"].is_string());

    let renamed = app
        .ok(
            Some(t),
            UPDATE_ACCOUNT,
            json!({ "input": { "id": id, "name": "Renamed" } }),
        )
        .await;
    assert_eq!(renamed["updateAccount"]["account"]["name"], "Renamed");
    assert_eq!(
        renamed["updateAccount"]["realignment"],
        json!(null),
        "same place: no realignment"
    );

    let stale = app
        .ok(
            Some(t),
            UPDATE_ACCOUNT,
            json!({ "input": { "id": id, "name": "Late", "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(
        stale["updateAccount"]["userErrors"],
        json!([{ "field": ["input", "expectedVersion"], "code": "STALE_VERSION" }])
    );
    let bad = app
        .ok(
            Some(t),
            UPDATE_ACCOUNT,
            json!({ "input": { "id": id, "name": " ", "location": { "lat": 100.0, "lon": 0.0 } } }),
        )
        .await;
    assert_eq!(
        bad["updateAccount"]["userErrors"].as_array().unwrap().len(),
        2
    );

    // Pinned: the location changes, the territory does not.
    app.ok(
        Some(t),
        ASSIGN,
        json!({ "input": { "accountIds": [id], "territoryId": east } }),
    )
    .await;
    let pinned = app
        .ok(
            Some(t),
            UPDATE_ACCOUNT,
            json!({ "input": { "id": id, "location": { "lat": 5.0, "lon": 5.0 } } }),
        )
        .await;
    assert_eq!(
        pinned["updateAccount"]["account"]["territory"]["code"],
        "EAST"
    );
    assert_eq!(
        pinned["updateAccount"]["account"]["assignment"]["source"],
        "MANUAL"
    );
    assert_eq!(placed(&app, t, &id).await["territory"]["code"], "EAST");

    // New weights count in its territory's figures at once, the old ones no longer.
    let metrics =
        "query($t: ID!) { territory(id: $t) { metrics { accountCount potential workload } } }";
    let figures = |v: &Value| -> (u64, f64, f64) {
        let m = &v["territory"]["metrics"];
        let num = |k: &str| m[k].as_str().unwrap().parse::<f64>().unwrap();
        (
            m["accountCount"].as_u64().unwrap(),
            num("potential"),
            num("workload"),
        )
    };
    let old = figures(&app.ok(Some(t), metrics, json!({ "t": east })).await);
    let weights = app
        .ok(
            Some(t),
            "query($id: ID!) { account(id: $id) { potential workload } }",
            json!({ "id": id }),
        )
        .await;
    let was = |k: &str| {
        weights["account"][k]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let reweighed = app
        .ok(
            Some(t),
            UPDATE_ACCOUNT,
            json!({ "input": { "id": id, "potential": "250", "workload": "7.5" } }),
        )
        .await;
    assert_eq!(
        reweighed["updateAccount"]["userErrors"],
        json!([]),
        "{reweighed}"
    );
    let new = figures(&app.ok(Some(t), metrics, json!({ "t": east })).await);
    assert_eq!(new.0, old.0);
    assert_eq!(new.1, old.1 - was("potential") + 250.0);
    assert_eq!(new.2, old.2 - was("workload") + 7.5);

    // Another tenant cannot touch it.
    let other = app.sign_up("other").await;
    let foreign = app
        .gql(
            Some(&other.token),
            UPDATE_ACCOUNT,
            json!({ "input": { "id": id, "name": "Stolen" } }),
        )
        .await;
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
    let read = app
        .ok(
            Some(t),
            "query($id: ID!) { account(id: $id) { name version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["account"], json!({ "name": "Renamed", "version": 5 }));
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn rules_can_be_reordered_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let t = acme.token.as_str();
    let (_, west, east, _) = world(&app, t).await;
    let rule = |territory: &str, name: &str, priority: i32| {
        json!({ "input": { "territoryId": territory, "name": name, "priority": priority,
            "criteria": [{ "field": "segment", "op": "EQ", "value": "SMB" }] } })
    };
    let first = app
        .ok(Some(t), CREATE_RULE, rule(&west, "to west", 1))
        .await["createAssignmentRule"]["rule"]["id"]
        .clone();
    app.ok(Some(t), CREATE_RULE, rule(&east, "to east", 2))
        .await;
    async fn order(app: &TestApp, t: &str) -> Vec<String> {
        let rules = app
            .ok(Some(t), "{ assignmentRules { name } }", json!({}))
            .await;
        rules["assignmentRules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    }
    assert_eq!(order(&app, t).await, vec!["to west", "to east"]);
    let smb = create_account(
        &app,
        t,
        json!({ "externalId": "S-1", "name": "Small", "segment": "SMB" }),
    )
    .await;
    assert_eq!(smb["account"]["territory"]["code"], "WEST");

    const UPDATE: &str = "mutation($input: UpdateAssignmentRuleInput!) { updateAssignmentRule(input: $input) { rule { name priority criteria { field op value } } userErrors { code field } } }";
    let moved_down = app
        .ok(
            Some(t),
            UPDATE,
            json!({ "input": { "id": first, "priority": 3 } }),
        )
        .await;
    assert_eq!(moved_down["updateAssignmentRule"]["rule"]["priority"], 3);
    assert_eq!(order(&app, t).await, vec!["to east", "to west"]);
    let smb2 = create_account(
        &app,
        t,
        json!({ "externalId": "S-2", "name": "Small too", "segment": "SMB" }),
    )
    .await;
    assert_eq!(
        smb2["account"]["territory"]["code"], "EAST",
        "the reordered rules decide"
    );

    let bad = app.ok(Some(t), UPDATE, json!({ "input": { "id": first, "criteria": [{ "field": "potential", "op": "STARTS_WITH", "value": "1" }] } })).await;
    assert_eq!(
        bad["updateAssignmentRule"]["userErrors"][0]["code"],
        "INVALID_CRITERION"
    );
    let changed = app.ok(Some(t), UPDATE, json!({ "input": { "id": first, "criteria": [{ "field": "potential", "op": "GT", "value": 10 }] } })).await;
    assert_eq!(
        changed["updateAssignmentRule"]["rule"]["criteria"],
        json!([{ "field": "potential", "op": "GT", "value": 10 }])
    );

    // Another tenant can neither change nor delete it.
    let other = app.sign_up("other").await;
    let foreign = app
        .gql(
            Some(&other.token),
            UPDATE,
            json!({ "input": { "id": first, "priority": 0 } }),
        )
        .await;
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
    const DELETE_RULE: &str =
        "mutation($id: ID!) { deleteAssignmentRule(input: { id: $id }) { deletedRuleId } }";
    let foreign = app
        .gql(Some(&other.token), DELETE_RULE, json!({ "id": first }))
        .await;
    assert_eq!(error_code(&foreign), Some("NOT_FOUND"));
    assert_eq!(order(&app, t).await, vec!["to east", "to west"]);

    let deleted = app.ok(Some(t), DELETE_RULE, json!({ "id": first })).await;
    assert_eq!(deleted["deleteAssignmentRule"]["deletedRuleId"], first);
    assert_eq!(order(&app, t).await, vec!["to east"]);
    let again = app.gql(Some(t), DELETE_RULE, json!({ "id": first })).await;
    assert_eq!(error_code(&again), Some("NOT_FOUND"));
    let actions = app.ok(Some(t), "{ auditEvents(first: 100, filter: { entityType: \"AssignmentRule\" }) { edges { node { action } } } }", json!({})).await;
    let actions: Vec<_> = actions["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        vec![
            "rule.created",
            "rule.created",
            "rule.updated",
            "rule.updated",
            "rule.deleted"
        ]
    );
}
