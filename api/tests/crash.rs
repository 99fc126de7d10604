//! Crash safety: the real `terrane` binary is killed with SIGKILL at a random moment while it
//! applies a realignment moving tens of thousands of accounts, then restarted. Every time: the
//! database is intact (SQLite `PRAGMA integrity_check`), the realignment is wholly applied or
//! wholly absent, every mutation the client saw acknowledged is there, and the audit chain
//! verifies. 20 cycles on SQLite; 4 on PostgreSQL when `TEST_DATABASE_URL` names one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const ACCOUNTS: usize = 30_000;

struct Server {
    child: Child,
    url: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(database_url: &str) -> Server {
        // A free port: bind 0, read it, let it go (the server binds it a moment later).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_terrane"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            // The setup import of a debug build on PostgreSQL can outlast the default 30 s.
            .args(["--request-timeout", "600"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        for _ in 0..300 {
            if let Ok(r) = server
                .client
                .get(format!("{}/readyz", server.url))
                .send()
                .await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not come up");
    }

    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(response.get("errors").is_none(), "{response}");
        response["data"].clone()
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }
}

async fn territory(server: &Server, token: &str, code: &str, boundary: Option<Value>) -> String {
    let data = server
        .gql(
            Some(token),
            "mutation($c: String!, $b: JSON) { createTerritory(input: { name: $c, code: $c, boundary: $b }) { territory { id } userErrors { code } } }",
            json!({ "c": code, "b": boundary }),
        )
        .await;
    data["createTerritory"]["territory"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn account_count(server: &Server, token: &str, id: &str) -> Option<u64> {
    let data = server
        .gql(
            Some(token),
            "query($id: ID!) { territory(id: $id) { metrics { accountCount } } }",
            json!({ "id": id }),
        )
        .await;
    data["territory"]["metrics"]["accountCount"].as_u64()
}

async fn integrity_check(database_url: &str) {
    if !database_url.starts_with("sqlite") {
        return;
    }
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(database_url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    let verdict: String = row.try_get_by_index(0).unwrap();
    assert_eq!(verdict, "ok");
    db.close().await.unwrap();
}

async fn crash_cycles(cycles: usize, max_delay_ms: u64) {
    let database_url = terrane_persistence::testing::fresh_database_url()
        .await
        .unwrap();
    let mut server = Server::start(&database_url).await;
    let signed = server
        .gql(
            None,
            "mutation { signUp(input: { tenantName: \"Crash\", tenantSlug: \"crash\", email: \"c@crash.example\", password: \"correct horse battery staple\", displayName: \"C\" }) { token } }",
            json!({}),
        )
        .await;
    let token = signed["signUp"]["token"].as_str().unwrap().to_owned();
    let square =
        json!({ "type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] });
    let mut holder = territory(&server, &token, "HOLD-0", Some(square)).await;
    let mut csv = String::from("external_id,name,lat,lon\n");
    for i in 0..ACCOUNTS {
        csv.push_str(&format!(
            "X-{i},Account {i},{},{}\n",
            5.0,
            1.0 + (i % 80) as f64 / 10.0
        ));
    }
    let imported = server
        .gql(Some(&token), "mutation($csv: String!) { importAccounts(input: { csv: $csv }) { created committed } }", json!({ "csv": csv }))
        .await;
    assert_eq!(imported["importAccounts"]["created"], ACCOUNTS);
    assert_eq!(
        account_count(&server, &token, &holder).await,
        Some(ACCOUNTS as u64)
    );

    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let (mut applied_cycles, mut absent_cycles) = (0, 0);
    for cycle in 1..=cycles {
        // Acknowledged before the crash: a new territory and a draft merging the holder into it.
        let target = territory(&server, &token, &format!("HOLD-{cycle}"), None).await;
        let created = server
            .gql(Some(&token), "mutation { createRealignment(input: { title: \"Crash me\" }) { realignment { id } } }", json!({}))
            .await;
        let draft = created["createRealignment"]["realignment"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let added = server
            .gql(
                Some(&token),
                "mutation($id: ID!, $from: ID!, $into: ID!) { addRealignmentChanges(input: { realignmentId: $id, changes: [{ mergeTerritories: { fromId: $from, intoId: $into } }] }) { userErrors { code } } }",
                json!({ "id": draft, "from": holder, "into": target }),
            )
            .await;
        assert_eq!(added["addRealignmentChanges"]["userErrors"], json!([]));

        // Apply, and kill the server at a random moment.
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis((rng >> 33) % max_delay_ms);
        let request = server
            .client
            .post(format!("{}/graphql", server.url))
            .bearer_auth(&token)
            .json(&json!({ "query": "mutation($id: ID!) { applyRealignment(input: { id: $id }) { realignment { status } } }", "variables": { "id": draft } }))
            .send();
        let started = std::time::Instant::now();
        let acknowledged = tokio::select! {
            response = request => {
                let body: Option<Value> = match response { Ok(r) => r.json().await.ok(), Err(_) => None };
                eprintln!("cycle {cycle}: apply answered after {:?}: {body:?}", started.elapsed());
                body.is_some_and(|b| b["data"]["applyRealignment"]["realignment"]["status"] == "APPLIED")
            }
            () = tokio::time::sleep(delay) => false,
        };
        server.kill();

        integrity_check(&database_url).await;
        server = Server::start(&database_url).await;
        let status = server
            .gql(
                Some(&token),
                "query($id: ID!) { realignment(id: $id) { status } }",
                json!({ "id": draft }),
            )
            .await["realignment"]["status"]
            .as_str()
            .unwrap()
            .to_owned();
        let in_target = account_count(&server, &token, &target).await;
        let in_holder = account_count(&server, &token, &holder).await;
        match status.as_str() {
            "APPLIED" => {
                assert_eq!(
                    (in_target, in_holder),
                    (Some(ACCOUNTS as u64), None),
                    "cycle {cycle}"
                );
                holder = target;
                applied_cycles += 1;
            }
            "DRAFT" => {
                assert!(
                    !acknowledged,
                    "cycle {cycle}: an acknowledged apply was lost"
                );
                assert_eq!(
                    (in_target, in_holder),
                    (Some(0), Some(ACCOUNTS as u64)),
                    "cycle {cycle}"
                );
                absent_cycles += 1;
            }
            other => panic!("cycle {cycle}: status {other}"),
        }
        let audit = server
            .gql(
                Some(&token),
                "{ auditIntegrity { ok firstBadSeq } }",
                json!({}),
            )
            .await;
        assert_eq!(
            audit["auditIntegrity"]["ok"], true,
            "cycle {cycle}: {audit}"
        );
    }
    server.kill();
    eprintln!("{cycles} crash cycles survived: {applied_cycles} applied, {absent_cycles} absent");
    assert_eq!(applied_cycles + absent_cycles, cycles);
}

#[tokio::test]
async fn a_realignment_survives_sigkill_wholly_applied_or_wholly_absent() {
    let on_postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    // The kill lands anywhere from before the apply starts to after it commits.
    let max_delay = std::env::var("CRASH_MAX_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    if on_postgres {
        crash_cycles(4, max_delay.unwrap_or(3_000)).await;
    } else {
        crash_cycles(20, max_delay.unwrap_or(2_500)).await;
    }
}
