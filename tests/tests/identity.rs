//! Sign-up, log-in/out, viewer, users with roles and API keys, end to end over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::{PASSWORD, TestApp, error_code};

const VIEWER: &str = "{ viewer { id email displayName role tenant { id slug name } } }";

#[tokio::test]
async fn sign_up_then_viewer_log_in_and_log_out() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;

    let viewer = app.ok(Some(&acme.token), VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["email"], "admin@acme.example.com");
    assert_eq!(viewer["viewer"]["role"], "ADMIN");
    assert_eq!(viewer["viewer"]["tenant"]["slug"], "acme");
    assert_eq!(viewer["viewer"]["tenant"]["name"], "acme Inc");

    let second = app
        .log_in("acme", "ADMIN@acme.example.com", PASSWORD)
        .await
        .expect("e-mail is case-insensitive");
    assert_ne!(second, acme.token);
    let logged_out = app
        .ok(Some(&second), "mutation { logOut }", json!({}))
        .await;
    assert_eq!(logged_out["logOut"], true);
    // The ended session is anonymous now; the other session is untouched.
    assert_eq!(
        app.ok(Some(&second), VIEWER, json!({})).await["viewer"],
        json!(null)
    );
    let refused = app
        .gql(Some(&second), "{ territories { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&refused), Some("UNAUTHENTICATED"));
    assert_eq!(
        app.ok(Some(&acme.token), VIEWER, json!({})).await["viewer"]["role"],
        "ADMIN"
    );
}

#[tokio::test]
async fn anonymous_requests_see_nothing() {
    let app = TestApp::spawn().await;
    assert_eq!(app.ok(None, VIEWER, json!({})).await["viewer"], json!(null));
    for query in [
        "{ territories { totalCount } }",
        "{ auditEvents { totalCount } }",
        "{ auditIntegrity { ok } }",
        "mutation { logOut }",
    ] {
        let response = app.gql(None, query, json!({})).await;
        assert_eq!(
            error_code(&response),
            Some("UNAUTHENTICATED"),
            "{query}: {response}"
        );
    }
    let garbage = app
        .gql(
            Some("trn_s_not-a-real-token"),
            "{ territories { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&garbage), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn sign_up_refuses_bad_input_field_by_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let response = app
        .ok(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { token viewer { id } userErrors { field code message } } }",
            json!({ "input": { "tenantName": " ", "tenantSlug": "-bad slug-", "email": "not-an-email", "password": "short", "displayName": "" } }),
        )
        .await;
    let payload = &response["signUp"];
    assert_eq!(payload["token"], json!(null));
    let fields: Vec<_> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"][1].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("tenantName", "VALIDATION"),
            ("tenantSlug", "VALIDATION"),
            ("email", "VALIDATION"),
            ("password", "VALIDATION"),
            ("displayName", "VALIDATION")
        ]
    );
    // Nothing was created: a valid sign-up with the same slug still works.
    app.sign_up("bad-slug").await;
}

#[tokio::test]
async fn slugs_are_unique() {
    let app = TestApp::spawn().await;
    app.sign_up("acme").await;
    let response = app
        .ok(
            None,
            "mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { field code } } }",
            json!({ "input": { "tenantName": "Other", "tenantSlug": "ACME", "email": "x@other.example.com", "password": PASSWORD, "displayName": "X" } }),
        )
        .await;
    assert_eq!(response["signUp"]["token"], json!(null));
    assert_eq!(
        response["signUp"]["userErrors"],
        json!([{ "field": ["input", "tenantSlug"], "code": "SLUG_TAKEN" }])
    );
}

#[tokio::test]
async fn unknown_tenant_unknown_user_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.sign_up("acme").await;
    let attempt = |slug: &'static str, email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.ok(
                None,
                "mutation($input: LogInInput!) { logIn(input: $input) { token viewer { id } userErrors { field code message } } }",
                json!({ "input": { "tenantSlug": slug, "email": email, "password": password } }),
            )
            .await
        }
    };
    let wrong_password = attempt("acme", "admin@acme.example.com", "wrong password!!").await;
    let unknown_user = attempt("acme", "nobody@acme.example.com", PASSWORD).await;
    let unknown_tenant = attempt("nope", "admin@acme.example.com", PASSWORD).await;
    let malformed = attempt("-", "not an email", "x").await;
    assert_eq!(
        wrong_password["logIn"]["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
    assert_eq!(wrong_password, unknown_user);
    assert_eq!(wrong_password, unknown_tenant);
    assert_eq!(wrong_password, malformed);
}

#[tokio::test]
async fn roles_decide_what_each_user_may_do() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let manager = app.user_with_role(&acme, "MANAGER").await;
    let rep = app.user_with_role(&acme, "REP").await;
    let auditor = app.user_with_role(&acme, "AUDITOR").await;

    // MANAGER writes alignment state; REP and AUDITOR do not.
    let territory = app.create_territory(&manager, "West", "W", None).await;
    let create =
        "mutation { createTerritory(input: { name: \"East\", code: \"E\" }) { territory { id } } }";
    for token in [&rep, &auditor] {
        assert_eq!(
            error_code(&app.gql(Some(token), create, json!({})).await),
            Some("FORBIDDEN")
        );
    }
    // Everyone reads territories.
    for token in [&acme.token, &manager, &rep, &auditor] {
        let data = app
            .ok(
                Some(token),
                "query($id: ID!) { territory(id: $id) { code } }",
                json!({ "id": territory }),
            )
            .await;
        assert_eq!(data["territory"]["code"], "W");
    }
    // Only ADMIN and AUDITOR read the audit log and the user list.
    for query in [
        "{ auditEvents { totalCount } }",
        "{ auditIntegrity { ok } }",
        "{ users { totalCount } }",
    ] {
        for token in [&acme.token, &auditor] {
            app.ok(Some(token), query, json!({})).await;
        }
        for token in [&manager, &rep] {
            assert_eq!(
                error_code(&app.gql(Some(token), query, json!({})).await),
                Some("FORBIDDEN"),
                "{query}"
            );
        }
    }
    // Only ADMIN manages users and keys.
    let create_user = "mutation { createUser(input: { email: \"z@acme.example.com\", displayName: \"Z\", role: REP, password: \"correct horse battery staple\" }) { user { id } } }";
    for token in [&manager, &rep, &auditor] {
        assert_eq!(
            error_code(&app.gql(Some(token), create_user, json!({})).await),
            Some("FORBIDDEN")
        );
    }
    let users = app
        .ok(
            Some(&acme.token),
            "{ users(first: 10) { totalCount edges { node { role } } } }",
            json!({}),
        )
        .await;
    assert_eq!(users["users"]["totalCount"], 4);
}

#[tokio::test]
async fn create_user_refuses_duplicates_and_bad_input() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let before = app.audit_count(&acme.token).await;
    let mutation = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { field code } } }";
    let duplicate = app
        .ok(Some(&acme.token), mutation, json!({ "input": { "email": "Admin@Acme.example.com", "displayName": "Dup", "role": "REP", "password": PASSWORD } }))
        .await;
    assert_eq!(
        duplicate["createUser"]["userErrors"],
        json!([{ "field": ["input", "email"], "code": "EMAIL_TAKEN" }])
    );
    let bad = app.ok(Some(&acme.token), mutation, json!({ "input": { "email": "nope", "displayName": "", "role": "REP", "password": "short" } })).await;
    assert_eq!(bad["createUser"]["userErrors"].as_array().unwrap().len(), 3);
    let bad_role = app.gql(Some(&acme.token), mutation, json!({ "input": { "email": "a@b.example.com", "displayName": "A", "role": "ROOT", "password": PASSWORD } })).await;
    assert_eq!(error_code(&bad_role), Some("BAD_USER_INPUT"));
    assert_eq!(
        app.audit_count(&acme.token).await,
        before,
        "refused writes leave no audit event"
    );
}

#[tokio::test]
async fn api_keys_authenticate_with_their_role_until_revoked() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let created = app
        .ok(
            Some(&acme.token),
            "mutation { createApiKey(input: { name: \"CRM sync\", role: REP }) { secret apiKey { id name role active } userErrors { code } } }",
            json!({}),
        )
        .await;
    let secret = created["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_id = created["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("trn_k_"));
    assert_eq!(created["createApiKey"]["apiKey"]["role"], "REP");

    // The key reads with its role and writes nothing.
    app.ok(Some(&secret), "{ territories { totalCount } }", json!({}))
        .await;
    let write = app.gql(Some(&secret), "mutation { createTerritory(input: { name: \"X\", code: \"X\" }) { territory { id } } }", json!({})).await;
    assert_eq!(error_code(&write), Some("FORBIDDEN"));
    assert_eq!(
        app.ok(Some(&secret), VIEWER, json!({})).await["viewer"],
        json!(null)
    );

    // Listed without its secret; revoking stops it at once.
    let listed = app.ok(Some(&acme.token), "{ apiKeys { totalCount edges { node { id name active lastUsedAt createdBy { id } } } } }", json!({})).await;
    assert_eq!(listed["apiKeys"]["totalCount"], 1);
    assert_eq!(
        listed["apiKeys"]["edges"][0]["node"]["createdBy"]["id"],
        acme.admin_id.as_str()
    );
    assert!(listed["apiKeys"]["edges"][0]["node"]["lastUsedAt"].is_string());
    let revoked = app
        .ok(Some(&acme.token), "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { active revokedAt } } }", json!({ "id": key_id }))
        .await;
    assert_eq!(revoked["revokeApiKey"]["apiKey"]["active"], false);
    let after = app
        .gql(Some(&secret), "{ territories { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&after), Some("UNAUTHENTICATED"));

    // Creation and revocation are audited.
    let events = app
        .ok(
            Some(&acme.token),
            "{ auditEvents(filter: { entityType: \"ApiKey\" }) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<_> = events["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["api_key.created", "api_key.revoked"]);
}

#[tokio::test]
async fn api_key_input_is_validated() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("acme").await;
    let response = app
        .ok(
            Some(&acme.token),
            "mutation { createApiKey(input: { name: \" \", role: REP, expiresAt: \"2001-01-01T00:00:00Z\" }) { secret userErrors { field code } } }",
            json!({}),
        )
        .await;
    assert_eq!(response["createApiKey"]["secret"], json!(null));
    assert_eq!(
        response["createApiKey"]["userErrors"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let listed = app
        .ok(Some(&acme.token), "{ apiKeys { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["apiKeys"]["totalCount"], 0);
}
