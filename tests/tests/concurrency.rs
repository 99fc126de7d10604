//! 32 concurrent clients mixing territory edits (some with stale versions), account moves and
//! draft applies on overlapping data. Afterwards: every account is in exactly one territory,
//! the audit chain verifies with gapless seq, every refused write was refused with
//! STALE_VERSION or CONFLICT, and no client saw a database error ("database is locked",
//! serialization failures): those are retried inside or never happen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use serde_json::{Value, json};
use terrane_tests::TestApp;
use terrane_tests::workflow::{account, add_ok, draft};

const CLIENTS: usize = 32;
const OPERATIONS: usize = 8;

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// What one operation got back: Ok, or the user-error codes it was refused with.
fn outcome(response: &Value, mutation: &str) -> Result<(), Vec<String>> {
    assert!(
        response.get("errors").is_none(),
        "a client saw a top-level error: {response}"
    );
    let errors = response["data"][mutation]["userErrors"].as_array().unwrap();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_owned())
            .collect())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_clients_on_overlapping_data_leave_a_consistent_audited_state() {
    let app = Arc::new(TestApp::spawn().await);
    let acme = app.sign_up("acme").await;
    let t = acme.token.clone();
    let mut territories = Vec::new();
    for i in 0..4 {
        territories.push(
            app.create_territory(&t, &format!("T{i}"), &format!("T{i}"), None)
                .await,
        );
    }
    let mut accounts = Vec::new();
    for i in 0..24 {
        accounts.push(account(&app, &t, &format!("A-{i}"), 0.0, 0.0, "1").await);
    }
    // Everyone starts in T0.
    let start = app
        .ok(
            Some(&t),
            "mutation($a: [ID!]!, $to: ID!) { assignAccounts(input: { accountIds: $a, territoryId: $to }) { userErrors { code } } }",
            json!({ "a": accounts, "to": territories[0] }),
        )
        .await;
    assert_eq!(start["assignAccounts"]["userErrors"], json!([]));
    let audit_before = app.audit_count(&t).await;
    let (territories, accounts) = (Arc::new(territories), Arc::new(accounts));

    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (app, t, territories, accounts) = (
            app.clone(),
            t.clone(),
            territories.clone(),
            accounts.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut rng = Lcg(client as u64 + 1);
            let mut results: Vec<(&'static str, Result<(), Vec<String>>)> = Vec::new();
            for op in 0..OPERATIONS {
                let territory = &territories[rng.next(territories.len())];
                match rng.next(3) {
                    0 => {
                        // Read, then rename with the version read: stale if someone else got there first.
                        let read = app
                            .ok(Some(&t), "query($id: ID!) { territory(id: $id) { version } }", json!({ "id": territory }))
                            .await;
                        let version = read["territory"]["version"].as_i64().unwrap();
                        let response = app
                            .gql(
                                Some(&t),
                                "mutation($id: ID!, $v: Int, $n: String) { updateTerritory(input: { id: $id, name: $n, expectedVersion: $v }) { userErrors { code } } }",
                                json!({ "id": territory, "v": version, "n": format!("c{client}-op{op}") }),
                            )
                            .await;
                        results.push(("update", outcome(&response, "updateTerritory")));
                    }
                    1 => {
                        let picked: Vec<&String> =
                            (0..3).map(|_| &accounts[rng.next(accounts.len())]).collect();
                        let response = app
                            .gql(
                                Some(&t),
                                "mutation($a: [ID!]!, $to: ID!) { assignAccounts(input: { accountIds: $a, territoryId: $to }) { userErrors { code } } }",
                                json!({ "a": picked, "to": territory }),
                            )
                            .await;
                        results.push(("assign", outcome(&response, "assignAccounts")));
                    }
                    _ => {
                        // Plan a move, then apply: a CONFLICT when someone moved the account meanwhile.
                        let plan = draft(&app, &t, &format!("c{client}-op{op}")).await;
                        let picked = &accounts[rng.next(accounts.len())];
                        add_ok(&app, &t, &plan, json!([{ "moveAccounts": { "accountIds": [picked], "toTerritoryId": territory } }])).await;
                        tokio::task::yield_now().await;
                        let response = app
                            .gql(
                                Some(&t),
                                "mutation($id: ID!) { applyRealignment(input: { id: $id }) { userErrors { code } } }",
                                json!({ "id": plan }),
                            )
                            .await;
                        results.push(("apply", outcome(&response, "applyRealignment")));
                    }
                }
            }
            results
        }));
    }
    let mut outcomes = Vec::new();
    for client in clients {
        outcomes.extend(client.await.unwrap());
    }
    assert_eq!(outcomes.len(), CLIENTS * OPERATIONS);
    for (kind, result) in &outcomes {
        if let Err(codes) = result {
            let allowed: &[&str] = match *kind {
                "update" => &["STALE_VERSION"],
                "apply" => &["CONFLICT"],
                _ => &[],
            };
            assert!(
                codes.iter().all(|c| allowed.contains(&c.as_str())),
                "{kind} refused with {codes:?}"
            );
        }
    }
    let succeeded = |kind: &str| {
        outcomes
            .iter()
            .filter(|(k, r)| *k == kind && r.is_ok())
            .count()
    };
    assert!(succeeded("update") > 0 && succeeded("assign") > 0 && succeeded("apply") > 0);

    // Every account sits in exactly one territory.
    let listed = app
        .ok(
            Some(&t),
            "{ accounts(first: 100) { totalCount edges { node { territory { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["accounts"]["totalCount"], 24);
    for edge in listed["accounts"]["edges"].as_array().unwrap() {
        assert!(
            territories
                .iter()
                .any(|id| edge["node"]["territory"]["id"] == id.as_str()),
            "{edge}"
        );
    }
    let counts = app
        .ok(
            Some(&t),
            "{ territories(first: 10) { edges { node { metrics { accountCount } } } } }",
            json!({}),
        )
        .await;
    let total: u64 = counts["territories"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["metrics"]["accountCount"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 24, "no account counted twice or lost");

    // The chain verifies (seq gapless), and holds one event per successful rename.
    let audit = app
        .ok(Some(&t), "{ auditIntegrity { ok checkedEvents firstBadSeq } renames: auditEvents(first: 1, filter: { action: \"territory.updated\" }) { totalCount } }", json!({}))
        .await;
    assert_eq!(audit["auditIntegrity"]["ok"], true, "{audit}");
    assert_eq!(
        audit["renames"]["totalCount"].as_u64().unwrap() as usize,
        succeeded("update")
    );
    assert!(audit["auditIntegrity"]["checkedEvents"].as_u64().unwrap() > audit_before);
    app.assert_account_totals_kept().await;
}
