//! The README's first command: a server started with `--demo` has a demo tenant a newcomer can
//! log into, with territories, accounts, reps on most territories, a fiscal year of quotas and
//! the quarter's sales, so every monitoring screen shows something.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use terrane_tests::TestApp;

#[tokio::test]
async fn the_demo_tenant_has_staffing_quotas_and_sales_to_explore() {
    let app = TestApp::spawn_with(|s| s.demo = true).await;
    let token = app
        .log_in("demo", "admin@demo.terrane.dev", "terrane-demo-2026")
        .await
        .expect("the demo admin logs in");
    let calendar = app
        .ok(
            Some(&token),
            "{ fiscalCalendar { currentYear currentQuarter } }",
            json!({}),
        )
        .await;
    let year = calendar["fiscalCalendar"]["currentYear"].as_str().unwrap();
    let quarter = calendar["fiscalCalendar"]["currentQuarter"]
        .as_str()
        .unwrap();
    let data = app
        .ok(
            Some(&token),
            "query($y: String!, $q: String!) {
               reps(first: 100) { totalCount }
               coverage { unownedTerritories { code } accountsInUnownedTerritories }
               year: performance(period: $y) { quota actual }
               quarter: performance(period: $q) { quota actual underperforming }
               balance { rows { accountCount } coefficientOfVariation } }",
            json!({ "y": year, "q": quarter }),
        )
        .await;
    assert!(data["reps"]["totalCount"].as_u64().unwrap() >= 60, "{data}");
    assert!(
        !data["coverage"]["unownedTerritories"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let year_rows = data["year"].as_array().unwrap();
    // Every territory of the designed hierarchy (1 + 5 + 15 + 60) carries a year quota.
    let with_quota = year_rows.iter().filter(|r| r["quota"].is_string()).count();
    assert!(
        with_quota >= 81,
        "{with_quota} territories have a year quota"
    );
    let sold: f64 = data["quarter"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["actual"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(sold > 0.0, "the quarter has sales: {data}");
    assert!(!data["balance"]["rows"].as_array().unwrap().is_empty());
    app.assert_account_totals_kept().await;
}
