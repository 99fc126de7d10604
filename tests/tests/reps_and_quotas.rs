//! Reps, staffing, quotas, actuals and the monitoring views, end to end through GraphQL: each
//! flow, refusals with their codes (nothing changed), a mid-period realignment that leaves
//! earlier sales where they were, and tenant B seeing none of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::TestApp;
use terrane_tests::workflow::revert;

const REP: &str = "rep { id name active territories { role territory { code } } } userErrors { field code message }";

async fn create_rep(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(
        Some(token),
        &format!("mutation($input: CreateRepInput!) {{ createRep(input: $input) {{ {REP} }} }}"),
        json!({ "input": input }),
    )
    .await["createRep"]
        .clone()
}

async fn staff(app: &TestApp, token: &str, t: &str, r: &str, role: Option<&str>) -> Value {
    let (field, query) = match role {
        Some(_) => (
            "assignRep",
            "mutation($t: ID!, $r: ID!, $role: MemberRole!) { assignRep(input: { territoryId: $t, repId: $r, role: $role, reason: \"staffing\" }) { territory { code members { role rep { name } } } realignment { id } userErrors { field code message } } }",
        ),
        None => (
            "unassignRep",
            "mutation($t: ID!, $r: ID!) { unassignRep(input: { territoryId: $t, repId: $r }) { territory { code } realignment { id } userErrors { field code message } } }",
        ),
    };
    app.ok(Some(token), query, json!({ "t": t, "r": r, "role": role }))
        .await[field]
        .clone()
}

/// The tenant's current fiscal year, as `fiscalCalendar` names it.
async fn current_fiscal_year(app: &TestApp, token: &str) -> String {
    app.ok(Some(token), "{ fiscalCalendar { currentYear } }", json!({}))
        .await["fiscalCalendar"]["currentYear"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn account_with(
    app: &TestApp,
    token: &str,
    external: &str,
    industry: &str,
    workload: &str,
    territory: &str,
) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } userErrors { code message } } }",
            json!({ "input": { "externalId": external, "name": external, "industry": industry, "workload": workload, "potential": "100", "location": { "lat": 48.85, "lon": 2.35 } } }),
        )
        .await;
    let id = data["createAccount"]["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = app
        .ok(Some(token), "mutation($a: ID!, $t: ID!) { assignAccounts(input: { accountIds: [$a], territoryId: $t }) { userErrors { code } } }", json!({ "a": id, "t": territory }))
        .await;
    assert_eq!(moved["assignAccounts"]["userErrors"], json!([]));
    id
}

#[tokio::test]
async fn reps_staff_territories_with_one_owner_history_coverage_and_suggestions() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let t = a.token.as_str();
    let west = app.create_territory(t, "West", "WEST", None).await;
    let east = app.create_territory(t, "East", "EAST", None).await;
    account_with(&app, t, "W-1", "Retail", "80", &west).await;
    account_with(&app, t, "W-2", "Retail", "40", &west).await;

    // Bad input: every invalid field listed, nothing created.
    let bad = create_rep(&app, t, json!({ "name": " ", "email": "nope", "capacity": -5, "homeBase": { "lat": 95, "lon": 0 } })).await;
    let codes: Vec<&str> = bad["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["VALIDATION"; 4], "{bad}");
    assert_eq!(bad["rep"], Value::Null);

    let ada = create_rep(&app, t, json!({ "name": "Ada", "email": "ada@acme.test", "capacity": 100, "skills": ["retail"], "homeBase": { "lat": 48.86, "lon": 2.34 } })).await;
    let ada_id = ada["rep"]["id"].as_str().unwrap().to_owned();
    let bo = create_rep(&app, t, json!({ "name": "Bo", "email": "bo@acme.test", "capacity": 500, "skills": ["banking"], "homeBase": { "lat": 40.7, "lon": -74.0 } })).await;
    let bo_id = bo["rep"]["id"].as_str().unwrap().to_owned();
    let dup = create_rep(
        &app,
        t,
        json!({ "name": "Ada 2", "email": "ADA@acme.test", "capacity": 1 }),
    )
    .await;
    assert_eq!(dup["userErrors"][0]["code"], "EMAIL_TAKEN", "{dup}");

    // Suggestions: the skilled rep based near the accounts ranks first, parts shown.
    let suggestions = app
        .ok(Some(t), "query($t: ID!) { ownerSuggestions(territoryId: $t) { rep { name } score skillMatch distanceKm proximity spareCapacity } }", json!({ "t": west }))
        .await["ownerSuggestions"]
        .clone();
    assert_eq!(suggestions[0]["rep"]["name"], "Ada", "{suggestions}");
    assert_eq!(suggestions[0]["skillMatch"], 1.0);
    assert_eq!(suggestions[1]["skillMatch"], 0.0);
    assert!(suggestions[1]["distanceKm"].as_f64().unwrap() > 5_000.0);

    let owned = staff(&app, t, &west, &ada_id, Some("OWNER")).await;
    assert_eq!(owned["userErrors"], json!([]), "{owned}");
    assert_eq!(
        owned["territory"]["members"],
        json!([{ "role": "OWNER", "rep": { "name": "Ada" } }])
    );
    let assigned_at = chrono::Utc::now().to_rfc3339();
    let second = staff(&app, t, &west, &bo_id, Some("OWNER")).await;
    assert_eq!(second["userErrors"][0]["code"], "OWNER_TAKEN", "{second}");
    assert_eq!(second["realignment"], Value::Null);
    let overlay = staff(&app, t, &west, &bo_id, Some("OVERLAY")).await;
    assert_eq!(overlay["userErrors"], json!([]), "{overlay}");

    // Coverage: EAST has no owner; Ada carries 120 hours against a capacity of 100.
    let coverage = app
        .ok(Some(t), "{ coverage { unownedTerritories { code } accountsInUnownedTerritories overCapacityReps { rep { name } load capacity } } }", json!({}))
        .await["coverage"]
        .clone();
    assert_eq!(coverage["unownedTerritories"], json!([{ "code": "EAST" }]));
    assert_eq!(
        coverage["overCapacityReps"],
        json!([{ "rep": { "name": "Ada" }, "load": 120.0, "capacity": 100.0 }])
    );

    // Reverting the overlay's realignment takes Bo off again.
    let undone = revert(&app, t, overlay["realignment"]["id"].as_str().unwrap()).await;
    assert_eq!(undone["userErrors"], json!([]), "{undone}");
    let rep = app
        .ok(
            Some(t),
            "query($r: ID!) { rep(id: $r) { territories { role } } }",
            json!({ "r": bo_id }),
        )
        .await;
    assert_eq!(rep["rep"]["territories"], json!([]));

    // Deactivating Ada ends her ownership in one realignment; history still knows it.
    let gone = app
        .ok(Some(t), "mutation($r: ID!) { deactivateRep(input: { id: $r, reason: \"left\" }) { rep { active territories { role } } realignment { id } userErrors { code } } }", json!({ "r": ada_id }))
        .await["deactivateRep"]
        .clone();
    assert_eq!(
        gone["rep"],
        json!({ "active": false, "territories": [] }),
        "{gone}"
    );
    assert!(gone["realignment"]["id"].is_string());
    let then = app
        .ok(Some(t), "query($t: ID!, $at: DateTime!) { territory(id: $t) { members { role } membersAt(at: $at) { role rep { name } } } }", json!({ "t": west, "at": assigned_at }))
        .await;
    assert_eq!(then["territory"]["members"], json!([]));
    assert_eq!(
        then["territory"]["membersAt"],
        json!([{ "role": "OWNER", "rep": { "name": "Ada" } }])
    );
    let inactive = staff(&app, t, &east, &ada_id, Some("OWNER")).await;
    assert_eq!(
        inactive["userErrors"][0]["code"], "REP_INACTIVE",
        "{inactive}"
    );

    // Tenant B sees none of it.
    let b = app.sign_up("bravo").await;
    let seen = app
        .ok(Some(&b.token), "{ reps(first: 50, includeInactive: true) { totalCount } coverage { unownedTerritories { code } overCapacityReps { load } } }", json!({}))
        .await;
    assert_eq!(
        seen,
        json!({ "reps": { "totalCount": 0 }, "coverage": { "unownedTerritories": [], "overCapacityReps": [] } })
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn quotas_spread_to_the_cent_add_up_and_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let t = a.token.as_str();
    let region = app.create_territory(t, "Region", "REG", None).await;
    let north = app
        .create_territory(t, "North", "NORTH", Some(&region))
        .await;
    let south = app
        .create_territory(t, "South", "SOUTH", Some(&region))
        .await;

    let calendar = app
        .ok(Some(t), "mutation { setFiscalCalendar(input: { startMonth: 2, underperformingThreshold: 15 }) { fiscalCalendar { startMonth underperformingThreshold } userErrors { code } } }", json!({}))
        .await;
    assert_eq!(
        calendar["setFiscalCalendar"]["fiscalCalendar"],
        json!({ "startMonth": 2, "underperformingThreshold": 15.0 })
    );
    let bad_month = app
        .ok(
            Some(t),
            "mutation { setFiscalCalendar(input: { startMonth: 13 }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        bad_month["setFiscalCalendar"]["userErrors"][0]["code"],
        "VALIDATION"
    );

    let set = "mutation($t: ID!, $p: String!, $a: Decimal!) { setQuota(input: { territoryId: $t, period: $p, amount: $a }) { quotas { period amount childrenTotal gap } realignment { id } userErrors { field code } } }";
    let before = app.audit_count(t).await;
    for (period, amount, code) in [
        ("FY2027", "-1", "INVALID_AMOUNT"),
        ("2027-Q1", "10", "UNKNOWN_PERIOD"),
        ("FY2027", "1.001", "INVALID_AMOUNT"),
    ] {
        let refused = app
            .ok(
                Some(t),
                set,
                json!({ "t": north, "p": period, "a": amount }),
            )
            .await;
        assert_eq!(
            refused["setQuota"]["userErrors"][0]["code"], code,
            "{refused}"
        );
    }
    assert_eq!(app.audit_count(t).await, before, "refusals change nothing");

    // 1,000,000.01 over 12 months: every level adds up to the cent.
    let spread = app
        .ok(Some(t), "mutation($t: ID!) { spreadQuota(input: { territoryId: $t, period: \"FY2027\", amount: \"1000000.01\", weights: [\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\"] }) { quotas { period amount } realignment { id } userErrors { code message } } }", json!({ "t": region }))
        .await["spreadQuota"]
        .clone();
    assert_eq!(spread["userErrors"], json!([]), "{spread}");
    let quotas = spread["quotas"].as_array().unwrap();
    assert_eq!(quotas.len(), 17);
    let cents = |v: &Value| -> i64 {
        (v["amount"].as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64
    };
    assert_eq!(cents(&quotas[0]), 100_000_001);
    assert_eq!(quotas[1..5].iter().map(cents).sum::<i64>(), 100_000_001);
    assert_eq!(quotas[5..].iter().map(cents).sum::<i64>(), 100_000_001);
    let bad_weights = app
        .ok(Some(t), "mutation($t: ID!) { spreadQuota(input: { territoryId: $t, period: \"FY2027\", amount: \"10\", weights: [\"1\",\"1\",\"1\"] }) { userErrors { code } } }", json!({ "t": region }))
        .await;
    assert_eq!(
        bad_weights["spreadQuota"]["userErrors"][0]["code"],
        "INVALID_WEIGHTS"
    );

    // Children's quotas against the parent's: a gap shows until they add up.
    app.ok(
        Some(t),
        set,
        json!({ "t": north, "p": "FY2027", "a": "600000" }),
    )
    .await;
    let south_set = app
        .ok(
            Some(t),
            set,
            json!({ "t": south, "p": "FY2027", "a": "400000" }),
        )
        .await;
    assert_eq!(south_set["setQuota"]["userErrors"], json!([]));
    let summary = app
        .ok(Some(t), "query($t: ID!) { territory(id: $t) { quota(period: \"fy2027\") { period amount childrenTotal gap } } }", json!({ "t": region }))
        .await;
    assert_eq!(
        summary["territory"]["quota"],
        json!({ "period": "FY2027", "amount": "1000000.01", "childrenTotal": "1000000.00", "gap": "0.01" })
    );

    // Reverting a quota change restores the amount before it.
    let undone = revert(
        &app,
        t,
        south_set["setQuota"]["realignment"]["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(undone["userErrors"], json!([]), "{undone}");
    let after = app
        .ok(
            Some(t),
            "query($t: ID!) { territory(id: $t) { quota(period: \"FY2027\") { amount } } }",
            json!({ "t": south }),
        )
        .await;
    assert_eq!(after["territory"]["quota"]["amount"], Value::Null);

    let moved = app
        .ok(
            Some(t),
            "mutation { setFiscalCalendar(input: { startMonth: 7 }) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        moved["setFiscalCalendar"]["userErrors"][0]["code"],
        "CALENDAR_IN_USE"
    );

    // Tenant B: no quotas of A's anywhere.
    let b = app.sign_up("bravo").await;
    let rows = app
        .ok(
            Some(&b.token),
            "{ performance(period: \"FY2027\") { quota } }",
            json!({}),
        )
        .await;
    assert_eq!(rows["performance"], json!([]));
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn sales_are_credited_by_date_and_performance_shows_pace_and_rank() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let t = a.token.as_str();
    let root = app.create_territory(t, "Root", "ROOT", None).await;
    let west = app.create_territory(t, "West", "WEST", Some(&root)).await;
    let east = app.create_territory(t, "East", "EAST", Some(&root)).await;
    let acc = account_with(&app, t, "ACC-1", "Retail", "1", &west).await;
    let year = current_fiscal_year(&app, t).await;
    let today = chrono::Utc::now().date_naive();
    let record = "mutation($a: ID!, $d: String!, $x: Decimal!) { recordActual(input: { accountId: $a, date: $d, amount: $x }) { actual { territory { code } amount } userErrors { field code } } }";

    let first = app
        .ok(
            Some(t),
            record,
            json!({ "a": acc, "d": today.to_string(), "x": "100" }),
        )
        .await;
    assert_eq!(
        first["recordActual"]["actual"]["territory"]["code"], "WEST",
        "{first}"
    );

    // Mid-period realignment: the account moves to EAST.
    let moved = app
        .ok(Some(t), "mutation($a: ID!, $t: ID!) { assignAccounts(input: { accountIds: [$a], territoryId: $t }) { userErrors { code } } }", json!({ "a": acc, "t": east }))
        .await;
    assert_eq!(moved["assignAccounts"]["userErrors"], json!([]));
    let later = app
        .ok(
            Some(t),
            record,
            json!({ "a": acc, "d": today.to_string(), "x": "50" }),
        )
        .await;
    assert_eq!(later["recordActual"]["actual"]["territory"]["code"], "EAST");
    // A sale dated before the move, recorded after it, still goes to WEST.
    let yesterday = today.pred_opt().unwrap();
    let backdated = app
        .ok(
            Some(t),
            record,
            json!({ "a": acc, "d": yesterday.to_string(), "x": "1" }),
        )
        .await;
    assert_eq!(
        backdated["recordActual"]["actual"]["territory"]["code"],
        "WEST"
    );

    // Bad input: future date, unknown account, negative amount — nothing recorded.
    let tomorrow = today.succ_opt().unwrap();
    for (vars, code) in [
        (
            json!({ "a": acc, "d": tomorrow.to_string(), "x": "1" }),
            "INVALID_DATE",
        ),
        (
            json!({ "a": acc, "d": today.to_string(), "x": "-1" }),
            "INVALID_AMOUNT",
        ),
    ] {
        let refused = app.ok(Some(t), record, vars).await;
        assert_eq!(
            refused["recordActual"]["userErrors"][0]["code"], code,
            "{refused}"
        );
    }
    let import = "mutation($csv: String!) { importActuals(input: { csv: $csv }) { recorded total errors { line message } userErrors { code } } }";
    let csv = format!("account,date,amount\nACC-1,{today},10\nNOPE-9,{today},5\nACC-1,someday,1\n");
    let refused = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(refused["recorded"], 0);
    assert_eq!(refused["userErrors"][0]["code"], "INVALID_ROWS");
    let lines: Vec<u64> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![4], "format errors come first; {refused}");
    let csv = format!("account,date,amount\nACC-1,{today},10\nNOPE-9,{today},5\n");
    let unknown = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(unknown["errors"][0]["line"], 3, "{unknown}");
    let csv = format!("account,date,amount\nACC-1,{today},10\nACC-1,{today},0.5\n");
    let imported = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(
        (imported["recorded"].clone(), imported["total"].clone()),
        (json!(2), json!("10.50")),
        "{imported}"
    );

    // Quotas: WEST far behind, EAST ahead.
    let set = "mutation($t: ID!, $p: String!, $a: Decimal!) { setQuota(input: { territoryId: $t, period: $p, amount: $a }) { userErrors { code } } }";
    app.ok(
        Some(t),
        set,
        json!({ "t": west, "p": year, "a": "1000000" }),
    )
    .await;
    app.ok(Some(t), set, json!({ "t": east, "p": year, "a": "50" }))
        .await;
    let perf = app
        .ok(Some(t), "query($p: String!, $r: ID) { performance(period: $p, parentId: $r) { territory { code } quota actual attainment pace rank underperforming } }", json!({ "p": year, "r": root }))
        .await["performance"]
        .clone();
    let rows = perf.as_array().unwrap();
    let east_row = &rows[0];
    let west_row = &rows[1];
    assert_eq!(east_row["territory"]["code"], "EAST");
    assert_eq!(east_row["actual"], "60.50", "{perf}");
    assert_eq!(east_row["rank"], 1);
    assert_eq!(west_row["actual"], "101.00", "{perf}");
    assert_eq!(west_row["rank"], 2);
    let pace = west_row["pace"].as_f64().unwrap();
    assert!(pace > 0.0 && pace <= 100.0);
    assert_eq!(
        west_row["underperforming"],
        json!(pace > 10.0 + 0.0101),
        "{perf}"
    );
    assert_eq!(east_row["underperforming"], false);
    // The parent rolls both up.
    let all = app
        .ok(
            Some(t),
            "query($p: String!) { performance(period: $p) { territory { code } actual } }",
            json!({ "p": year }),
        )
        .await;
    assert!(
        all["performance"]
            .as_array()
            .unwrap()
            .contains(&json!({ "territory": { "code": "ROOT" }, "actual": "161.50" })),
        "{all}"
    );

    // Balance of ROOT's children by account count: one each side after the move? EAST has 1, WEST 0.
    let balance = app
        .ok(Some(t), "query($r: ID) { balance(parentId: $r, measure: ACCOUNT_COUNT) { coefficientOfVariation rows { territory { code } accountCount deviation } } }", json!({ "r": root }))
        .await["balance"]
        .clone();
    assert_eq!(
        balance["rows"],
        json!([
            { "territory": { "code": "EAST" }, "accountCount": 1, "deviation": 100.0 },
            { "territory": { "code": "WEST" }, "accountCount": 0, "deviation": -100.0 },
        ])
    );
    assert_eq!(balance["coefficientOfVariation"], 1.0);
    // Accounts two levels under WEST count in WEST's line (and in its subtree metrics).
    let north = app.create_territory(t, "North", "NORTH", Some(&west)).await;
    let tip = app.create_territory(t, "Tip", "TIP", Some(&north)).await;
    account_with(&app, t, "ACC-2", "Retail", "2", &tip).await;
    let balance = app
        .ok(Some(t), "query($r: ID, $w: ID!) { balance(parentId: $r, measure: WORKLOAD) { rows { territory { code } accountCount workload } } territory(id: $w) { all: metrics(includeDescendants: true) { accountCount workload } own: metrics { accountCount } } }", json!({ "r": root, "w": west }))
        .await;
    assert_eq!(
        balance["balance"]["rows"],
        json!([
            { "territory": { "code": "EAST" }, "accountCount": 1, "workload": "1.00" },
            { "territory": { "code": "WEST" }, "accountCount": 1, "workload": "2.00" },
        ]),
        "{balance}"
    );
    assert_eq!(
        balance["territory"],
        json!({ "all": { "accountCount": 1, "workload": "2.00" }, "own": { "accountCount": 0 } }),
        "{balance}"
    );
    // Many territories' subtree figures in one response (batched by the loader).
    let listed = app
        .ok(Some(t), "query($r: ID) { territories(parentId: $r) { edges { node { code metrics(includeDescendants: true) { accountCount workload } } } } }", json!({ "r": root }))
        .await;
    assert_eq!(
        listed["territories"]["edges"],
        json!([
            { "node": { "code": "WEST", "metrics": { "accountCount": 1, "workload": "2.00" } } },
            { "node": { "code": "EAST", "metrics": { "accountCount": 1, "workload": "1.00" } } },
        ]),
        "{listed}"
    );

    // Tenant B: A's figures are invisible and A's ids unusable.
    let b = app.sign_up("bravo").await;
    let probe = app
        .gql(
            Some(&b.token),
            "query($p: String!, $r: ID) { performance(period: $p, parentId: $r) { actual } }",
            json!({ "p": year, "r": root }),
        )
        .await;
    assert_eq!(
        terrane_tests::error_code(&probe),
        Some("NOT_FOUND"),
        "{probe}"
    );
    let hijack = app
        .ok(
            Some(&b.token),
            record,
            json!({ "a": acc, "d": today.to_string(), "x": "9" }),
        )
        .await;
    assert_eq!(
        hijack["recordActual"]["userErrors"][0]["code"],
        "ACCOUNT_NOT_FOUND"
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn staffing_and_quotas_can_be_planned_in_a_draft_applied_and_reverted() {
    use terrane_tests::workflow::{add, add_ok, apply, draft};
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let t = a.token.as_str();
    let west = app.create_territory(t, "West", "WEST", None).await;
    let ada = create_rep(
        &app,
        t,
        json!({ "name": "Ada", "email": "ada@acme.test", "capacity": 100 }),
    )
    .await["rep"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plan = draft(&app, t, "FY27 staffing").await;
    let bad = add(
        &app,
        t,
        &plan,
        json!([{ "setQuota": { "territoryId": west, "period": "FY27", "amount": "-3" } }]),
    )
    .await;
    let codes: Vec<&str> = bad["data"]["addRealignmentChanges"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["UNKNOWN_PERIOD", "INVALID_AMOUNT"], "{bad}");
    add_ok(
        &app,
        t,
        &plan,
        json!([
            { "assignRep": { "territoryId": west, "repId": ada, "role": "OWNER" } },
            { "setQuota": { "territoryId": west, "period": "FY2027", "amount": "500000" } },
        ]),
    )
    .await;
    // A rival draft planned against the same quota (not set yet) and Ada's role (none yet).
    let rival = draft(&app, t, "FY27 rival plan").await;
    add_ok(
        &app,
        t,
        &rival,
        json!([
            { "setQuota": { "territoryId": west, "period": "FY2027", "amount": "400000" } },
            { "assignRep": { "territoryId": west, "repId": ada, "role": "OVERLAY" } },
        ]),
    )
    .await;
    // The preview shows the quota it sets, now and once applied, on the territory too.
    let preview = app
        .ok(
            Some(t),
            "query($id: ID!) { realignment(id: $id) { impact { quotas { territoryId period metric before after } territories { territoryId quotas { period after } } } } }",
            json!({ "id": plan }),
        )
        .await;
    let impact = &preview["realignment"]["impact"];
    assert_eq!(
        impact["quotas"],
        json!([{ "territoryId": west, "period": "FY2027", "metric": "REVENUE", "before": null, "after": "500000.00" }]),
        "{preview}"
    );
    assert_eq!(
        impact["territories"],
        json!([{ "territoryId": west, "quotas": [{ "period": "FY2027", "after": "500000.00" }] }]),
        "{preview}"
    );
    let applied = apply(&app, t, &plan, None).await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    // The rival was planned against a quota and a role that have changed since: conflicts, not
    // overwrites.
    let clash = apply(&app, t, &rival, None).await;
    let codes: Vec<&str> = clash["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["CONFLICT", "CONFLICT"], "{clash}");
    let now = app
        .ok(Some(t), "query($t: ID!) { territory(id: $t) { members { role rep { name } } quota(period: \"FY2027\") { amount } } }", json!({ "t": west }))
        .await;
    assert_eq!(
        now["territory"],
        json!({ "members": [{ "role": "OWNER", "rep": { "name": "Ada" } }], "quota": { "amount": "500000.00" } })
    );
    let undone = revert(&app, t, &plan).await;
    assert_eq!(undone["userErrors"], json!([]), "{undone}");
    let after = app
        .ok(Some(t), "query($t: ID!) { territory(id: $t) { members { role } quota(period: \"FY2027\") { amount } } }", json!({ "t": west }))
        .await;
    assert_eq!(
        after["territory"],
        json!({ "members": [], "quota": { "amount": null } })
    );
    app.assert_account_totals_kept().await;
}

#[tokio::test]
async fn a_referenced_sale_is_recorded_once_per_tenant_however_often_it_is_sent() {
    let app = TestApp::spawn().await;
    let a = app.sign_up("acme").await;
    let t = a.token.as_str();
    let west = app.create_territory(t, "West", "WEST", None).await;
    let acc = account_with(&app, t, "ACC-1", "Retail", "1", &west).await;
    let year = current_fiscal_year(&app, t).await;
    let today = chrono::Utc::now().date_naive();
    let record = "mutation($a: ID!, $d: String!, $x: Decimal!, $r: String) { recordActual(input: { accountId: $a, date: $d, amount: $x, reference: $r }) { actual { amount reference } userErrors { field code } } }";
    let sale = |r: &str| json!({ "a": acc, "d": today.to_string(), "x": "100", "r": r });
    let first = app.ok(Some(t), record, sale("INV-1")).await;
    assert_eq!(
        first["recordActual"]["actual"],
        json!({ "amount": "100.00", "reference": "INV-1" }),
        "{first}"
    );
    let again = app.ok(Some(t), record, sale("INV-1")).await;
    assert_eq!(
        again["recordActual"]["userErrors"],
        json!([{ "field": ["input", "reference"], "code": "DUPLICATE_REFERENCE" }]),
        "{again}"
    );
    let blank = app.ok(Some(t), record, sale("   ")).await;
    assert_eq!(
        blank["recordActual"]["userErrors"][0]["code"], "INVALID_REFERENCE",
        "{blank}"
    );

    let import = "mutation($csv: String!) { importActuals(input: { csv: $csv }) { recorded total errors { line message } userErrors { code } } }";
    let lines = |outcome: &Value| -> Vec<u64> {
        outcome["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect()
    };
    // A row naming an already recorded sale refuses the file; a reference twice in one file too.
    let csv = format!(
        "account,date,amount,reference\nACC-1,{today},10,INV-2\nACC-1,{today},5,INV-1\nACC-1,{today},7,INV-2\n"
    );
    let refused = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(refused["recorded"], 0, "{refused}");
    assert_eq!(lines(&refused), vec![4], "{refused}");
    let csv =
        format!("account,date,amount,reference\nACC-1,{today},10,INV-2\nACC-1,{today},5,INV-1\n");
    let refused = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(refused["userErrors"][0]["code"], "INVALID_ROWS");
    assert_eq!(lines(&refused), vec![3], "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already recorded"),
        "{refused}"
    );
    // The same file sent twice is recorded once; rows without a reference are not checked.
    let csv = format!(
        "account,date,amount,reference\nACC-1,{today},10,INV-2\nACC-1,{today},5,INV-3\nACC-1,{today},1,\n"
    );
    let imported = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(imported["recorded"], 3, "{imported}");
    let twice = app.ok(Some(t), import, json!({ "csv": csv })).await["importActuals"].clone();
    assert_eq!(
        (twice["recorded"].clone(), lines(&twice)),
        (json!(0), vec![2, 3]),
        "{twice}"
    );
    let performance = app
        .ok(
            Some(t),
            "query($p: String!) { performance(period: $p) { territory { code } actual } }",
            json!({ "p": year }),
        )
        .await;
    assert_eq!(
        performance["performance"],
        json!([{ "territory": { "code": "WEST" }, "actual": "116.00" }]),
        "100 + 10 + 5 + 1, nothing counted twice: {performance}"
    );

    // References are the tenant's own: another tenant may use the same ones.
    let b = app.sign_up("globex").await;
    let tb = b.token.as_str();
    let b_west = app.create_territory(tb, "West", "WEST", None).await;
    let b_acc = account_with(&app, tb, "ACC-1", "Retail", "1", &b_west).await;
    let theirs = app
        .ok(
            Some(tb),
            record,
            json!({ "a": b_acc, "d": today.to_string(), "x": "3", "r": "INV-1" }),
        )
        .await;
    assert_eq!(theirs["recordActual"]["userErrors"], json!([]), "{theirs}");
    app.assert_account_totals_kept().await;
}
