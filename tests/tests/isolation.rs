//! Two tenants on one server: tenant B sees and changes nothing of tenant A's, whatever ids it
//! sends, through every query and mutation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::{TestApp, error_code};

struct TenantA {
    token: String,
    root: String,
    child: String,
    realignment: String,
    user: String,
    api_key: String,
    tenant: String,
    event: String,
}

async fn tenant_a(app: &TestApp) -> TenantA {
    let a = app.sign_up("tenant-a").await;
    let root = app
        .create_territory(&a.token, "A Root", "A-ROOT", None)
        .await;
    let created = app
        .ok(
            Some(&a.token),
            "mutation($p: ID!) { createTerritory(input: { name: \"A Child\", code: \"A-CHILD\", parentId: $p }) { territory { id } realignment { id } } }",
            json!({ "p": root }),
        )
        .await;
    let key = app
        .ok(
            Some(&a.token),
            "mutation { createApiKey(input: { name: \"A key\", role: ADMIN }) { apiKey { id } } }",
            json!({}),
        )
        .await;
    let tenant = app
        .ok(Some(&a.token), "{ viewer { tenant { id } } }", json!({}))
        .await;
    let event = app
        .ok(
            Some(&a.token),
            "{ auditEvents(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    TenantA {
        root,
        child: created["createTerritory"]["territory"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        realignment: created["createTerritory"]["realignment"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        user: a.admin_id.clone(),
        api_key: key["createApiKey"]["apiKey"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        tenant: tenant["viewer"]["tenant"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        event: event["auditEvents"]["edges"][0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        token: a.token,
    }
}

/// Everything tenant A can see of itself, to compare before and after B's attempts.
async fn snapshot(app: &TestApp, token: &str) -> Value {
    app.ok(
        Some(token),
        "{ territories(first: 100) { totalCount edges { node { id name code version parent { id } } } }
           auditEvents(first: 100) { totalCount } auditIntegrity { ok headHash }
           apiKeys { edges { node { id active } } } users { totalCount } }",
        json!({}),
    )
    .await
}

#[tokio::test]
async fn tenant_b_reads_nothing_of_tenant_a() {
    let app = TestApp::spawn().await;
    let a = tenant_a(&app).await;
    let b = app.sign_up("tenant-b").await;
    let own = app
        .create_territory(&b.token, "B Root", "B-ROOT", None)
        .await;

    for id in [
        &a.root,
        &a.child,
        &a.realignment,
        &a.user,
        &a.api_key,
        &a.tenant,
        &a.event,
    ] {
        let node = app
            .ok(
                Some(&b.token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node["node"], json!(null), "node({id}) leaked");
    }
    let territory = app
        .ok(
            Some(&b.token),
            "query($id: ID!) { territory(id: $id) { id } }",
            json!({ "id": a.root }),
        )
        .await;
    assert_eq!(territory["territory"], json!(null));
    let realignment = app
        .ok(
            Some(&b.token),
            "query($id: ID!) { realignment(id: $id) { id } }",
            json!({ "id": a.realignment }),
        )
        .await;
    assert_eq!(realignment["realignment"], json!(null));

    // Lists hold only B's own data, whatever filter names A's ids.
    let list = app
        .ok(
            Some(&b.token),
            "{ territories(first: 100) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["territories"]["edges"],
        json!([{ "node": { "id": own } }])
    );
    let children = app
        .ok(
            Some(&b.token),
            "query($p: ID) { territories(parentId: $p) { totalCount } }",
            json!({ "p": a.root }),
        )
        .await;
    assert_eq!(children["territories"]["totalCount"], 0);
    let searched = app
        .ok(
            Some(&b.token),
            "{ territories(search: \"A-\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(searched["territories"]["totalCount"], 0);
    for filter in [
        json!({ "entityId": a.root }),
        json!({ "realignmentId": a.realignment }),
        json!({ "actorId": a.user }),
    ] {
        let events = app
            .ok(
                Some(&b.token),
                "query($f: AuditEventFilter) { auditEvents(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await;
        assert_eq!(events["auditEvents"]["totalCount"], 0, "{filter}");
    }
    let events = app
        .ok(
            Some(&b.token),
            "{ auditEvents(first: 100) { edges { node { entityId } } } }",
            json!({}),
        )
        .await;
    let text = events.to_string();
    assert!(
        !text.contains(&a.root) && !text.contains(&a.user),
        "B's audit log mentions A"
    );
    let users = app
        .ok(
            Some(&b.token),
            "{ users { totalCount edges { node { id } } } apiKeys { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(users["users"]["totalCount"], 1);
    assert_eq!(users["apiKeys"]["totalCount"], 0);
    assert_eq!(
        app.ok(
            Some(&b.token),
            "{ auditIntegrity { checkedEvents } }",
            json!({})
        )
        .await["auditIntegrity"]["checkedEvents"],
        3
    );
}

#[tokio::test]
async fn tenant_b_changes_nothing_of_tenant_a() {
    let app = TestApp::spawn().await;
    let a = tenant_a(&app).await;
    let b = app.sign_up("tenant-b").await;
    let own = app
        .create_territory(&b.token, "B Root", "B-ROOT", None)
        .await;
    let before = snapshot(&app, &a.token).await;

    let not_found = [
        (
            "mutation($id: ID!) { updateTerritory(input: { id: $id, name: \"pwned\" }) { territory { id } } }",
            json!({ "id": a.root }),
        ),
        (
            "mutation($id: ID!) { updateTerritory(input: { id: $id, code: \"PWNED\", expectedVersion: 1 }) { territory { id } } }",
            json!({ "id": a.child }),
        ),
        (
            "mutation($id: ID!) { moveTerritory(input: { id: $id, parentId: null }) { territory { id } } }",
            json!({ "id": a.child }),
        ),
        (
            "mutation($id: ID!, $p: ID) { moveTerritory(input: { id: $id, parentId: $p }) { territory { id } } }",
            json!({ "id": a.child, "p": own }),
        ),
        (
            "mutation($id: ID!) { deleteTerritory(input: { id: $id }) { deletedTerritoryId } }",
            json!({ "id": a.child }),
        ),
        (
            "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }",
            json!({ "id": a.api_key }),
        ),
    ];
    for (mutation, variables) in not_found {
        let response = app.gql(Some(&b.token), mutation, variables.clone()).await;
        assert_eq!(
            error_code(&response),
            Some("NOT_FOUND"),
            "{mutation} {variables}: {response}"
        );
    }
    // Using A's territory as a parent, in a create or a move, is "parent not found".
    let create = app
        .ok(Some(&b.token), "mutation($p: ID!) { createTerritory(input: { name: \"x\", code: \"X\", parentId: $p }) { territory { id } userErrors { code } } }", json!({ "p": a.root }))
        .await;
    assert_eq!(
        create["createTerritory"]["userErrors"],
        json!([{ "code": "PARENT_NOT_FOUND" }])
    );
    let adopt = app
        .ok(Some(&b.token), "mutation($id: ID!, $p: ID!) { moveTerritory(input: { id: $id, parentId: $p }) { userErrors { code } } }", json!({ "id": own, "p": a.root }))
        .await;
    assert_eq!(
        adopt["moveTerritory"]["userErrors"],
        json!([{ "code": "PARENT_NOT_FOUND" }])
    );
    // Codes are unique per tenant, not across tenants: B may reuse A's code without touching A.
    app.create_territory(&b.token, "Same code", "A-ROOT", None)
        .await;
    // B's admin creating a user with A's admin's e-mail creates a B user, nothing in A.
    let user = app
        .ok(Some(&b.token), "mutation { createUser(input: { email: \"admin@tenant-a.example.com\", displayName: \"B\", role: REP, password: \"correct horse battery staple\" }) { user { id } userErrors { code } } }", json!({}))
        .await;
    assert_eq!(user["createUser"]["userErrors"], json!([]));

    assert_eq!(
        snapshot(&app, &a.token).await,
        before,
        "tenant A's data changed"
    );
}

#[tokio::test]
async fn a_users_login_works_only_in_their_own_tenant() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("tenant-a").await;
    app.sign_up("tenant-b").await;
    assert!(
        app.log_in("tenant-b", &a.admin_email, terrane_tests::PASSWORD)
            .await
            .is_none()
    );
    assert!(
        app.log_in("tenant-a", &a.admin_email, terrane_tests::PASSWORD)
            .await
            .is_some()
    );
}
