//! The cross-tenant probe suite. Every query and mutation field that takes an ID (as an argument
//! or inside its input) is listed from the committed schema; each must have a probe here, or
//! this test fails — so a new field cannot ship without one. Each probe calls the field as tenant
//! B with tenant A's ids; afterwards none of A's data may appear in any answer, and A's whole
//! state (territories, accounts, rules, realignments, keys, audit chain) must be unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use terrane_tests::TestApp;
use terrane_tests::workflow::{account, add_ok, apply, bounded_territory, draft};

/// Every string of tenant A's data carries this marker, so a leak is visible in any answer.
const MARKER: &str = "alphasecret";

/// Root fields that take an ID somewhere in their arguments, from the committed SDL.
fn id_taking_fields() -> BTreeSet<String> {
    let sdl =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    // Drop descriptions, then index every type's and input's body.
    let mut text = String::new();
    for (i, part) in sdl.split("\"\"\"").enumerate() {
        if i % 2 == 0 {
            text.push_str(part);
        }
    }
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    for chunk in text.split('}') {
        let Some((head, body)) = chunk.split_once('{') else {
            continue;
        };
        let words: Vec<&str> = head.split_whitespace().collect();
        if let Some(pos) = words.iter().position(|w| *w == "type" || *w == "input") {
            bodies.insert(words[pos + 1].to_owned(), body.to_owned());
        }
    }
    fn types_in(text: &str) -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .filter_map(|w| w.strip_prefix(':').map(str::to_owned))
            .chain(text.split(':').skip(1).map(|after| {
                after
                    .trim_start()
                    .chars()
                    .skip_while(|c| *c == '[')
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            }))
            .filter(|t: &String| !t.is_empty())
            .collect()
    }
    fn mentions_id(
        bodies: &BTreeMap<String, String>,
        name: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        if name == "ID" {
            return true;
        }
        if !seen.insert(name.to_owned()) {
            return false;
        }
        let Some(body) = bodies.get(name) else {
            return false;
        };
        types_in(body).iter().any(|t| mentions_id(bodies, t, seen))
    }
    let mut found = BTreeSet::new();
    for root in ["QueryRoot", "MutationRoot"] {
        for line in bodies[root].lines() {
            let line = line.trim();
            let Some((name, rest)) = line.split_once('(') else {
                continue;
            };
            let args = rest.rsplit_once(')').map_or(rest, |(args, _)| args);
            if types_in(args)
                .iter()
                .any(|t| mentions_id(&bodies, t, &mut BTreeSet::new()))
            {
                found.insert(name.trim().to_owned());
            }
        }
    }
    found
}

/// All of A's state that a probe could change, as A sees it.
async fn snapshot(app: &TestApp, token: &str) -> Value {
    app.ok(
        Some(token),
        "{ territories(first: 100) { edges { node { id name code version parent { id } boundary } } }
           accounts(first: 100) { edges { node { id name version territory { id } assignment { source pinned } } } }
           assignmentRules { id name priority territory { id } }
           realignments(first: 100) { edges { node { id status revertedBy { id } changes { id } } } }
           apiKeys(first: 100) { edges { node { id name revokedAt } } }
           reps(first: 100, includeInactive: true) { edges { node { id name email active version capacity territories { role territory { id } } } } }
           fiscalCalendar { startMonth underperformingThreshold }
           performance(period: \"FY2027\") { territory { id } quota actual }
           auditIntegrity { ok checkedEvents headHash } }",
        json!({}),
    )
    .await
}

#[tokio::test]
async fn tenant_b_probing_every_id_taking_field_with_tenant_a_ids_sees_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let b = app.sign_up("bravo").await;
    let (ta, tb) = (a.token.as_str(), b.token.as_str());

    // Tenant A's world, every name marked.
    let square =
        json!({ "type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] });
    let a_terr = bounded_territory(&app, ta, "ALPHASECRET-W", square.clone(), None).await;
    let a_child = app
        .create_territory(ta, "alphasecret child", "ALPHASECRET-C", Some(&a_terr))
        .await;
    let a_acc = account(&app, ta, "alphasecret-1", 2.0, 2.0, "10").await;
    let rule = app
        .ok(Some(ta), "mutation($t: ID!) { createAssignmentRule(input: { territoryId: $t, name: \"alphasecret rule\", priority: 1, criteria: [{ field: \"segment\", op: EQ, value: \"X\" }] }) { rule { id } } }", json!({ "t": a_child }))
        .await;
    let a_rule = rule["createAssignmentRule"]["rule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_draft = draft(&app, ta, "alphasecret plan").await;
    let added = add_ok(
        &app,
        ta,
        &a_draft,
        json!([{ "moveAccounts": { "accountIds": [a_acc], "toTerritoryId": a_child } }]),
    )
    .await;
    let a_change = added[0]["id"].as_str().unwrap().to_owned();
    let a_applied = draft(&app, ta, "alphasecret applied").await;
    add_ok(
        &app,
        ta,
        &a_applied,
        json!([{ "updateTerritory": { "id": a_child, "name": "alphasecret renamed" } }]),
    )
    .await;
    apply(&app, ta, &a_applied, None).await;
    let key = app
        .ok(Some(ta), "mutation { createApiKey(input: { name: \"alphasecret key\", role: AUDITOR }) { apiKey { id } } }", json!({}))
        .await;
    let a_key = key["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let events = app
        .ok(
            Some(ta),
            "{ auditEvents(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let a_event = events["auditEvents"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_user = a.admin_id.clone();
    let rep = app
        .ok(Some(ta), "mutation { createRep(input: { name: \"alphasecret rep\", email: \"alphasecret@acme.test\", capacity: 100, skills: [\"alphasecret\"] }) { rep { id } } }", json!({}))
        .await;
    let a_rep = rep["createRep"]["rep"]["id"].as_str().unwrap().to_owned();
    app.ok(Some(ta), "mutation($t: ID!, $r: ID!) { assignRep(input: { territoryId: $t, repId: $r, role: OWNER }) { realignment { id } } }", json!({ "t": a_child, "r": a_rep }))
        .await;
    app.ok(Some(ta), "mutation($t: ID!) { setQuota(input: { territoryId: $t, period: \"FY2027\", amount: \"1000\" }) { realignment { id } } }", json!({ "t": a_child }))
        .await;

    // B's own things, for inputs that mix B's ids with A's.
    let b_terr = app.create_territory(tb, "Bravo", "BRAVO", None).await;
    let b_acc = account(&app, tb, "bravo-1", 2.0, 2.0, "1").await;
    let b_draft = draft(&app, tb, "bravo plan").await;
    let b_rep = app
        .ok(Some(tb), "mutation { createRep(input: { name: \"Bravo rep\", email: \"rep@bravo.test\", capacity: 100 }) { rep { id } } }", json!({}))
        .await["createRep"]["rep"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let before = snapshot(&app, ta).await;
    let now = chrono::Utc::now().to_rfc3339();
    let ids = json!({
        "aTerr": a_terr, "aChild": a_child, "aAcc": a_acc, "aRule": a_rule, "aDraft": a_draft,
        "aChange": a_change, "aApplied": a_applied, "aKey": a_key, "aEvent": a_event, "aUser": a_user,
        "bTerr": b_terr, "bAcc": b_acc, "bDraft": b_draft, "now": now, "aRep": a_rep, "bRep": b_rep,
    });
    let probes: Vec<(&str, &str)> = vec![
        (
            "territory",
            "query($aTerr: ID!) { territory(id: $aTerr) { id name code } }",
        ),
        (
            "territories",
            "query($aTerr: ID) { territories(parentId: $aTerr) { totalCount edges { node { name } } } }",
        ),
        (
            "realignment",
            "query($aApplied: ID!, $aDraft: ID!) { x: realignment(id: $aApplied) { title } y: realignment(id: $aDraft) { title changes { details } } }",
        ),
        (
            "account",
            "query($aAcc: ID!) { account(id: $aAcc) { name externalId } }",
        ),
        (
            "accounts",
            "query($aTerr: ID) { accounts(filter: { territoryId: $aTerr }) { totalCount edges { node { name } } } }",
        ),
        (
            "accountTerritoryAt",
            "query($aAcc: ID!, $now: DateTime!) { accountTerritoryAt(accountId: $aAcc, at: $now) { name } }",
        ),
        (
            "accountAssignmentAt",
            "query($aAcc: ID!, $now: DateTime!) { accountAssignmentAt(accountId: $aAcc, at: $now) { territoryThen { name } } }",
        ),
        (
            "accountHistory",
            "query($aAcc: ID!) { accountHistory(accountId: $aAcc) { territoryThen { name } } }",
        ),
        (
            "territoryAt",
            "query($aTerr: ID!, $now: DateTime!) { territoryAt(id: $aTerr, at: $now) { name code } }",
        ),
        (
            "auditEvents",
            "query($aTerr: ID, $aApplied: ID, $aUser: ID) { x: auditEvents(filter: { entityId: $aTerr }) { totalCount edges { node { after } } } y: auditEvents(filter: { realignmentId: $aApplied }) { totalCount } z: auditEvents(filter: { actorId: $aUser }) { totalCount } }",
        ),
        (
            "node",
            "query($aTerr: ID!, $aAcc: ID!, $aRule: ID!, $aDraft: ID!, $aKey: ID!, $aEvent: ID!, $aUser: ID!, $aRep: ID!) { t: node(id: $aTerr) { id } a: node(id: $aAcc) { id } r: node(id: $aRule) { id } d: node(id: $aDraft) { id } k: node(id: $aKey) { id } e: node(id: $aEvent) { id } u: node(id: $aUser) { id } p: node(id: $aRep) { id } }",
        ),
        (
            "rep",
            "query($aRep: ID!) { rep(id: $aRep) { name email skills territories { role } } }",
        ),
        (
            "ownerSuggestions",
            "query($aTerr: ID!) { ownerSuggestions(territoryId: $aTerr) { rep { name } score } }",
        ),
        (
            "performance",
            "query($aTerr: ID) { performance(period: \"FY2027\", parentId: $aTerr) { territory { name } quota actual } }",
        ),
        (
            "balance",
            "query($aTerr: ID) { balance(parentId: $aTerr) { rows { territory { name } accountCount } } }",
        ),
        (
            "createRep",
            "mutation($aUser: ID) { createRep(input: { name: \"Probe\", email: \"probe@bravo.test\", userId: $aUser, capacity: 1 }) { rep { id } userErrors { code } } }",
        ),
        (
            "updateRep",
            "mutation($aRep: ID!) { updateRep(input: { id: $aRep, name: \"Hijacked\" }) { rep { name } userErrors { code } } }",
        ),
        (
            "updateRep",
            "mutation($bRep: ID!, $aUser: ID) { updateRep(input: { id: $bRep, userId: $aUser }) { rep { name } userErrors { code } } }",
        ),
        (
            "deactivateRep",
            "mutation($aRep: ID!) { deactivateRep(input: { id: $aRep }) { rep { name } userErrors { code } } }",
        ),
        (
            "assignRep",
            "mutation($aChild: ID!, $bRep: ID!) { assignRep(input: { territoryId: $aChild, repId: $bRep, role: OVERLAY }) { territory { name } userErrors { code } } }",
        ),
        (
            "assignRep",
            "mutation($bTerr: ID!, $aRep: ID!) { assignRep(input: { territoryId: $bTerr, repId: $aRep, role: OWNER }) { territory { name } userErrors { code } } }",
        ),
        (
            "unassignRep",
            "mutation($aChild: ID!, $aRep: ID!) { unassignRep(input: { territoryId: $aChild, repId: $aRep }) { userErrors { code } } }",
        ),
        (
            "setQuota",
            "mutation($aChild: ID!) { setQuota(input: { territoryId: $aChild, period: \"FY2027\", amount: \"1\" }) { quotas { amount } userErrors { code } } }",
        ),
        (
            "spreadQuota",
            "mutation($aChild: ID!) { spreadQuota(input: { territoryId: $aChild, period: \"FY2027\", amount: \"4\", weights: [\"1\", \"1\", \"1\", \"1\"] }) { quotas { amount } userErrors { code } } }",
        ),
        (
            "recordActual",
            "mutation($aAcc: ID!) { recordActual(input: { accountId: $aAcc, date: \"2026-01-05\", amount: \"5\" }) { actual { amount territory { name } } userErrors { code } } }",
        ),
        (
            "revokeApiKey",
            "mutation($aKey: ID!) { revokeApiKey(input: { id: $aKey }) { userErrors { code } } }",
        ),
        (
            "createTerritory",
            "mutation($aTerr: ID) { createTerritory(input: { name: \"Probe\", code: \"PROBE\", parentId: $aTerr }) { territory { id } userErrors { code } } }",
        ),
        (
            "updateTerritory",
            "mutation($aTerr: ID!) { updateTerritory(input: { id: $aTerr, name: \"Hijacked\" }) { territory { name } userErrors { code } } }",
        ),
        (
            "moveTerritory",
            "mutation($aChild: ID!) { moveTerritory(input: { id: $aChild, parentId: null }) { userErrors { code } } }",
        ),
        (
            "moveTerritory",
            "mutation($bTerr: ID!, $aTerr: ID) { moveTerritory(input: { id: $bTerr, parentId: $aTerr }) { userErrors { code } } }",
        ),
        (
            "deleteTerritory",
            "mutation($aChild: ID!) { deleteTerritory(input: { id: $aChild }) { userErrors { code } } }",
        ),
        (
            "deleteTerritory",
            "mutation($bTerr: ID!, $aTerr: ID) { deleteTerritory(input: { id: $bTerr, reassignAccountsTo: $aTerr }) { userErrors { code } } }",
        ),
        (
            "updateAccount",
            "mutation($aAcc: ID!) { updateAccount(input: { id: $aAcc, name: \"Hijacked\" }) { account { name } userErrors { code } } }",
        ),
        (
            "assignAccounts",
            "mutation($aAcc: ID!, $bTerr: ID!) { assignAccounts(input: { accountIds: [$aAcc], territoryId: $bTerr }) { userErrors { code } } }",
        ),
        (
            "assignAccounts",
            "mutation($bAcc: ID!, $aTerr: ID!) { assignAccounts(input: { accountIds: [$bAcc], territoryId: $aTerr }) { userErrors { code } } }",
        ),
        (
            "createAssignmentRule",
            "mutation($aTerr: ID!) { createAssignmentRule(input: { territoryId: $aTerr, name: \"r\", priority: 1, criteria: [] }) { rule { id } userErrors { code } } }",
        ),
        (
            "updateAssignmentRule",
            "mutation($aRule: ID!) { updateAssignmentRule(input: { id: $aRule, name: \"Hijacked\" }) { rule { name } userErrors { code } } }",
        ),
        (
            "updateAssignmentRule",
            "mutation($aRule: ID!, $aTerr: ID) { updateAssignmentRule(input: { id: $aRule, territoryId: $aTerr }) { userErrors { code } } }",
        ),
        (
            "deleteAssignmentRule",
            "mutation($aRule: ID!) { deleteAssignmentRule(input: { id: $aRule }) { userErrors { code } } }",
        ),
        (
            "addRealignmentChanges",
            "mutation($aDraft: ID!, $aTerr: ID!) { addRealignmentChanges(input: { realignmentId: $aDraft, changes: [{ rerunAssignment: { territoryId: $aTerr } }] }) { userErrors { code } } }",
        ),
        (
            "addRealignmentChanges",
            "mutation($bDraft: ID!, $aAcc: ID!, $aTerr: ID!, $aChild: ID!) { addRealignmentChanges(input: { realignmentId: $bDraft, changes: [{ moveAccounts: { accountIds: [$aAcc], toTerritoryId: $aTerr } }, { mergeTerritories: { fromId: $aChild, intoId: $aTerr } }] }) { added { details } userErrors { code } } }",
        ),
        (
            "removeRealignmentChange",
            "mutation($aDraft: ID!, $aChange: ID!) { removeRealignmentChange(input: { realignmentId: $aDraft, changeId: $aChange }) { userErrors { code } } }",
        ),
        (
            "applyRealignment",
            "mutation($aDraft: ID!) { applyRealignment(input: { id: $aDraft }) { userErrors { code } } }",
        ),
        (
            "revertRealignment",
            "mutation($aApplied: ID!) { revertRealignment(input: { id: $aApplied }) { userErrors { code } } }",
        ),
        (
            "discardRealignment",
            "mutation($aDraft: ID!) { discardRealignment(input: { id: $aDraft }) { userErrors { code } } }",
        ),
    ];

    let probed: BTreeSet<String> = probes.iter().map(|(f, _)| (*f).to_owned()).collect();
    let missing: Vec<_> = id_taking_fields().difference(&probed).cloned().collect();
    assert!(
        missing.is_empty(),
        "fields that take an ID but have no cross-tenant probe: {missing:?}"
    );

    for (field, document) in &probes {
        let response = app.gql(Some(tb), document, ids.clone()).await;
        let text = response.to_string().to_lowercase();
        assert!(
            !text.contains(MARKER),
            "{field} leaked tenant A's data: {response}"
        );
        assert!(
            response.get("errors").is_none()
                || terrane_tests::error_code(&response) == Some("NOT_FOUND"),
            "{field}: only NOT_FOUND may be a top-level answer: {response}"
        );
    }
    assert_eq!(snapshot(&app, ta).await, before, "tenant A's state changed");
    eprintln!(
        "{} probes over {} id-taking fields: 0 leaks",
        probes.len(),
        probed.len()
    );
}
