//! Tenant B can neither see nor change anything of tenant A's through the realignment workflow
//! or the history queries, whatever ids it sends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::workflow::{
    account, add, add_ok, apply, bounded_territory, draft, place, realignment,
};
use terrane_tests::{TestApp, error_code, square};

#[tokio::test]
async fn tenant_b_cannot_read_plan_apply_revert_or_time_travel_into_tenant_a() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let b = app.sign_up("bravo").await;
    let (ta, tb) = (a.token.as_str(), b.token.as_str());
    let a_west = bounded_territory(&app, ta, "WEST", square(0.0, 0.0, 10.0), None).await;
    let a_east = bounded_territory(&app, ta, "EAST", square(10.0, 0.0, 10.0), None).await;
    let a_account = account(&app, ta, "A-1", 2.0, 2.0, "5").await;
    let a_draft = draft(&app, ta, "A's plan").await;
    add_ok(
        &app,
        ta,
        &a_draft,
        json!([{ "moveAccounts": { "accountIds": [a_account], "toTerritoryId": a_east } }]),
    )
    .await;
    let a_applied = draft(&app, ta, "A's applied").await;
    add_ok(
        &app,
        ta,
        &a_applied,
        json!([{ "updateTerritory": { "id": a_west, "name": "A renamed" } }]),
    )
    .await;
    apply(&app, ta, &a_applied, None).await;
    let a_audit = app.audit_count(ta).await;

    // Reading: nothing.
    for id in [&a_draft, &a_applied] {
        let seen = app
            .gql(
                Some(tb),
                "query($id: ID!) { realignment(id: $id) { id } node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            seen["data"],
            json!({ "realignment": null, "node": null }),
            "{seen}"
        );
    }
    let listed = app
        .ok(
            Some(tb),
            "{ realignments(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["realignments"]["totalCount"], 0);
    let history = app
        .ok(
            Some(tb),
            "query($a: ID!, $w: ID!, $at: DateTime!) { accountHistory(accountId: $a) { from } accountTerritoryAt(accountId: $a, at: $at) { id } accountAssignmentAt(accountId: $a, at: $at) { from } territoryAt(id: $w, at: $at) { name } territoriesAt(at: $at) { name } }",
            json!({ "a": a_account, "w": a_west, "at": chrono::Utc::now().to_rfc3339() }),
        )
        .await;
    assert_eq!(
        history,
        json!({ "accountHistory": [], "accountTerritoryAt": null, "accountAssignmentAt": null, "territoryAt": null, "territoriesAt": [] })
    );

    // Acting on A's realignments: NOT_FOUND, whatever the mutation.
    for (query, input) in [
        (
            "mutation($i: ApplyRealignmentInput!) { applyRealignment(input: $i) { userErrors { code } } }",
            json!({ "id": a_draft }),
        ),
        (
            "mutation($i: RevertRealignmentInput!) { revertRealignment(input: $i) { userErrors { code } } }",
            json!({ "id": a_applied }),
        ),
        (
            "mutation($i: DiscardRealignmentInput!) { discardRealignment(input: $i) { userErrors { code } } }",
            json!({ "id": a_draft }),
        ),
        (
            "mutation($i: AddRealignmentChangesInput!) { addRealignmentChanges(input: $i) { userErrors { code } } }",
            json!({ "realignmentId": a_draft, "changes": [{ "rerunAssignment": { "territoryId": a_west } }] }),
        ),
        (
            "mutation($i: RemoveRealignmentChangeInput!) { removeRealignmentChange(input: $i) { userErrors { code } } }",
            json!({ "realignmentId": a_draft, "changeId": "01890a5d-ac96-774b-bcce-b302099a8057" }),
        ),
    ] {
        let response = app.gql(Some(tb), query, json!({ "i": input })).await;
        assert_eq!(
            error_code(&response),
            Some("NOT_FOUND"),
            "{query}: {response}"
        );
    }

    // B's own draft naming A's accounts or territories: refused or a listed problem, never a move.
    let b_draft = draft(&app, tb, "B's plan").await;
    let foreign_account = add(
        &app,
        tb,
        &b_draft,
        json!([{ "moveAccounts": { "accountIds": [a_account], "toTerritoryId": null } }]),
    )
    .await;
    assert_eq!(
        foreign_account["data"]["addRealignmentChanges"]["userErrors"][0]["code"],
        "ACCOUNT_NOT_FOUND"
    );
    add_ok(
        &app,
        tb,
        &b_draft,
        json!([
            { "updateTerritory": { "id": a_west, "name": "Hijacked" } },
            { "mergeTerritories": { "fromId": a_east, "intoId": a_west } },
            { "splitTerritory": { "id": a_west, "boundary": square(0.0, 0.0, 5.0), "newName": "Piece", "newCode": "PIECE" } },
            { "deleteTerritory": { "id": a_east, "reassignAccountsTo": a_west } },
            { "rerunAssignment": { "territoryId": a_west } },
        ]),
    )
    .await;
    let impact = app
        .ok(Some(tb), "query($id: ID!) { realignment(id: $id) { impact { problems { code } movedAccounts territories { territoryId } } } }", json!({ "id": b_draft }))
        .await;
    let problems = impact["realignment"]["impact"]["problems"]
        .as_array()
        .unwrap();
    assert!(
        problems
            .iter()
            .all(|p| p["code"] == "NOT_FOUND" || p["code"] == "TERRITORY_NOT_FOUND"),
        "{impact}"
    );
    assert!(problems.len() >= 4, "{impact}");
    let refused = apply(&app, tb, &b_draft, None).await;
    assert!(!refused["userErrors"].as_array().unwrap().is_empty());

    // A's world is untouched.
    assert_eq!(app.audit_count(ta).await, a_audit);
    assert_eq!(place(&app, ta, &a_account).await, "WEST");
    assert_eq!(realignment(&app, ta, &a_draft).await["status"], "DRAFT");
    let west = app
        .ok(
            Some(ta),
            "query($id: ID!) { territory(id: $id) { name } }",
            json!({ "id": a_west }),
        )
        .await;
    assert_eq!(west["territory"]["name"], "A renamed");
}
