//! The README's first GraphQL session, run block by block exactly as written (with the ids a
//! reader would paste in place of `PARENT_ID`, `REALIGNMENT_ID` and `ACCOUNT_ID`), so the promise
//! that it works when pasted into GraphiQL is checked by every test run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_tests::TestApp;

fn graphql_blocks(readme: &str) -> Vec<String> {
    let mut blocks = vec![];
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim()) {
            (None, "```graphql") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn user_errors(value: &Value, found: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "userErrors" && v.as_array().is_some_and(|a| !a.is_empty()) {
                    found.push(v.clone());
                }
                user_errors(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| user_errors(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_readme_session_works_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let blocks = graphql_blocks(&readme);
    assert!(blocks.len() >= 5, "the README shows a session");
    let app = TestApp::spawn().await;
    let mut token: Option<String> = None;
    let mut last_territory: Option<String> = None;
    let mut realignment: Option<String> = None;
    let mut account: Option<String> = None;
    let mut rep: Option<String> = None;
    for block in blocks {
        let mut query = block.clone();
        for (placeholder, value) in [
            ("PARENT_ID", &last_territory),
            ("REALIGNMENT_ID", &realignment),
            ("ACCOUNT_ID", &account),
            ("REP_ID", &rep),
        ] {
            if let Some(value) = value {
                query = query.replace(placeholder, value);
            }
        }
        let response = app.gql(token.as_deref(), &query, json!({})).await;
        assert!(
            response.get("errors").is_none(),
            "README block failed:\n{block}\n{response:#}"
        );
        let mut errors = vec![];
        user_errors(&response["data"], &mut errors);
        assert!(
            errors.is_empty(),
            "README block refused:\n{block}\n{errors:?}"
        );
        if let Some(t) = response["data"]["signUp"]["token"].as_str() {
            token = Some(t.to_owned());
        }
        if let Some(id) = response["data"]["createTerritory"]["territory"]["id"].as_str() {
            last_territory = Some(id.to_owned());
        }
        if let Some(id) = response["data"]["createRealignment"]["realignment"]["id"].as_str() {
            realignment = Some(id.to_owned());
        }
        if let Some(id) = response["data"]["accounts"]["edges"][0]["node"]["id"].as_str() {
            account = Some(id.to_owned());
        }
        if let Some(applied) = response["data"].get("applyRealignment") {
            assert_eq!(applied["realignment"]["status"], "APPLIED", "{applied}");
        }
        if let Some(impact) = response["data"]["realignment"].get("impact") {
            assert_eq!(impact["problems"], json!([]), "{impact}");
            assert_eq!(impact["movedAccounts"], 1, "{impact}");
        }
        if let Some(id) = response["data"]["createRep"]["rep"]["id"].as_str() {
            rep = Some(id.to_owned());
        }
        if let Some(rows) = response["data"]["performance"].as_array() {
            assert!(
                rows.iter().any(|r| r["actual"] != "0.00"),
                "the README's sales show up: {rows:?}"
            );
        }
        if let Some(report) = response["data"].get("importAccounts") {
            assert_eq!(report["committed"], true, "{report}");
        }
    }
}
