//! Helpers for the end-to-end tests: start the real server on port 0 with a fresh database
//! (SQLite by default, PostgreSQL when `TEST_DATABASE_URL` is set) and talk GraphQL over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is a failed test

pub mod territory_ops;
pub mod workflow;

use std::net::SocketAddr;

use serde_json::{Value, json};
use terrane_api::{Application, Settings};

/// A password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server with its own database.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub address: String,
    /// The database URL it uses (for tests that inspect or tamper with storage).
    pub database_url: String,
    server: tokio::task::AbortHandle,
    client: reqwest::Client,
    /// The SQLite file this app created, removed when it is dropped (a restart or a second
    /// replica on the same database does not own it).
    owned_file: Option<std::path::PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(path) = &self.owned_file {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                // Best effort: a file already gone is fine.
                let _ = std::fs::remove_file(file);
            }
        }
    }
}

/// A signed-up tenant: its admin's token and ids.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The slug.
    pub slug: String,
    /// The admin's session token.
    pub token: String,
    /// The admin's global user id.
    pub admin_id: String,
    /// The admin's e-mail.
    pub admin_email: String,
}

impl TestApp {
    /// Starts a server with a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server with a fresh database and settings changed by `configure`.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        let database_url = terrane_persistence::testing::fresh_database_url()
            .await
            .expect("fresh database");
        let mut app = Self::spawn_on_with(database_url, configure).await;
        app.owned_file = app
            .database_url
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from);
        app
    }

    /// Starts a server on an existing database (a restart, or a second replica).
    pub async fn spawn_on(database_url: String) -> Self {
        Self::spawn_on_with(database_url, |_| {}).await
    }

    /// Starts a server on an existing database with settings changed by `configure`.
    pub async fn spawn_on_with(
        database_url: String,
        configure: impl FnOnce(&mut Settings),
    ) -> Self {
        let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let mut settings = Settings::new(listen, database_url.clone());
        settings.password_concurrency = 4;
        // Scheduled realignments are applied within a tick of being due.
        settings.scheduler_interval = std::time::Duration::from_millis(100);
        configure(&mut settings);
        let app = Application::build(settings).await.expect("server builds");
        let address = format!("http://{}", app.local_addr());
        let server = tokio::spawn(app.run_until(std::future::pending())).abort_handle();
        Self {
            address,
            database_url,
            client: reqwest::Client::new(),
            server,
            owned_file: None,
        }
    }

    /// Fails the test when the per-territory account totals the server keeps differ anywhere
    /// from the totals derived from scratch (current assignments joined with accounts).
    pub async fn assert_account_totals_kept(&self) {
        let store = terrane_persistence::Store::open(&self.database_url, None)
            .await
            .expect("store opens");
        let drift = terrane_persistence::testing::account_totals_drift(&store)
            .await
            .expect("totals compared");
        assert!(
            drift.is_empty(),
            "account totals drifted:\n{}",
            drift.join("\n")
        );
    }

    /// Stops the server (as a crash would: in-flight work is dropped, committed work stays).
    pub async fn stop(&self) {
        self.server.abort();
        // Let the runtime drop the task (and its listener and scheduler).
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    /// POSTs a GraphQL operation; returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_json(token, json!({ "query": query, "variables": variables }))
            .await
    }

    /// POSTs any JSON body to /graphql.
    pub async fn post_json(&self, token: Option<&str>, body: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// POSTs a JSON body to /graphql with extra headers; returns status, JSON body and headers.
    pub async fn post_with_headers(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (
            status,
            response.json().await.expect("JSON response"),
            headers,
        )
    }

    /// POSTs raw bytes to /graphql as `content_type`; returns status and JSON body.
    pub async fn post_bytes(&self, content_type: &str, bytes: Vec<u8>) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON response"))
    }

    /// A GraphQL multipart request (the upload spec): `operations` with `variables.file` null,
    /// the `map`, and the file as part `0`.
    pub async fn upload(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        file_name: &str,
        content: Vec<u8>,
    ) -> Value {
        let operations = json!({ "query": query, "variables": variables });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": ["variables.file"] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(content)
                    .file_name(file_name.to_owned())
                    .mime_str("text/csv")
                    .unwrap(),
            );
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// A GET, returning status and body.
    pub async fn get(&self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, response.text().await.unwrap(), headers)
    }

    /// Runs an operation that must succeed without top-level errors; returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.gql(token, query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// Signs up a tenant with an admin; panics unless it works.
    pub async fn sign_up(&self, slug: &str) -> Tenant {
        let email = format!("admin@{slug}.example.com");
        let data = self
            .ok(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { token viewer { id } userErrors { code message } } }",
                json!({ "input": {
                    "tenantName": format!("{slug} Inc"), "tenantSlug": slug, "email": email,
                    "password": PASSWORD, "displayName": "Admin"
                }}),
            )
            .await;
        let payload = &data["signUp"];
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        Tenant {
            slug: slug.to_owned(),
            token: payload["token"].as_str().unwrap().to_owned(),
            admin_id: payload["viewer"]["id"].as_str().unwrap().to_owned(),
            admin_email: email,
        }
    }

    /// Creates a user with `role` in the admin's tenant and logs them in; returns their token.
    pub async fn user_with_role(&self, tenant: &Tenant, role: &str) -> String {
        let email = format!("{}@{}.example.com", role.to_lowercase(), tenant.slug);
        let data = self
            .ok(
                Some(&tenant.token),
                "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }",
                json!({ "input": { "email": email, "displayName": role, "role": role, "password": PASSWORD } }),
            )
            .await;
        assert_eq!(data["createUser"]["userErrors"], json!([]));
        self.log_in(&tenant.slug, &email, PASSWORD)
            .await
            .expect("logs in")
    }

    /// Logs in; `None` when refused.
    pub async fn log_in(&self, slug: &str, email: &str, password: &str) -> Option<String> {
        let data = self
            .ok(
                None,
                "mutation($input: LogInInput!) { logIn(input: $input) { token userErrors { code } } }",
                json!({ "input": { "tenantSlug": slug, "email": email, "password": password } }),
            )
            .await;
        data["logIn"]["token"].as_str().map(str::to_owned)
    }

    /// Creates a territory; returns its global id.
    pub async fn create_territory(
        &self,
        token: &str,
        name: &str,
        code: &str,
        parent: Option<&str>,
    ) -> String {
        let data = self
            .ok(
                Some(token),
                "mutation($input: CreateTerritoryInput!) { createTerritory(input: $input) { territory { id } userErrors { code message } } }",
                json!({ "input": { "name": name, "code": code, "parentId": parent, "reason": "test setup" } }),
            )
            .await;
        assert_eq!(data["createTerritory"]["userErrors"], json!([]), "{data}");
        data["createTerritory"]["territory"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// How many audit events the tenant has (as its admin sees them).
    pub async fn audit_count(&self, token: &str) -> u64 {
        let data = self
            .ok(
                Some(token),
                "{ auditEvents(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        data["auditEvents"]["totalCount"].as_u64().unwrap()
    }
}

/// The `extensions.code` of the first top-level error.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// A square GeoJSON polygon.
pub fn square(lon: f64, lat: f64, size: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[
        [lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]
    ]]})
}
