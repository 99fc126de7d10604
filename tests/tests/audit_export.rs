//! The auditor's export, over HTTP against the real server: `GET /audit/export` streams the
//! chain as NDJSON that verifies offline and ends at `auditIntegrity { headHash }`; from/to pick
//! a run of the chain; a tenant only ever exports its own events; bad requests get 401/403/400
//! with a stable code; an edited line, a missing line or a foreign head hash fails verification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use terrane_api::audit_export::{Failure, VerifyReport, verify_ndjson};
use terrane_tests::{TestApp, square};

/// A GET of `/audit/export` with `query` appended: status, content type, request id, body.
struct Answer {
    status: u16,
    content_type: String,
    request_id: String,
    body: String,
}

async fn export(app: &TestApp, token: Option<&str>, query: &str) -> Answer {
    let mut request = reqwest::Client::new().get(format!("{}/audit/export{query}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, content_type, request_id) = (
        response.status().as_u16(),
        header("content-type"),
        header("x-request-id"),
    );
    Answer {
        status,
        content_type,
        request_id,
        body: response.text().await.unwrap(),
    }
}

/// An export that must succeed: its lines as JSON, and the text.
async fn export_ok(app: &TestApp, token: &str, query: &str) -> (Vec<Value>, String) {
    let answer = export(app, Some(token), query).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "application/x-ndjson");
    let lines = answer
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, answer.body)
}

fn verify(text: &str, head: Option<&str>) -> VerifyReport {
    verify_ndjson(text.as_bytes(), head).unwrap()
}

fn seqs(lines: &[Value]) -> Vec<i64> {
    lines.iter().map(|l| l["seq"].as_i64().unwrap()).collect()
}

async fn head_hash(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ auditIntegrity { ok headHash } }", json!({}))
        .await["auditIntegrity"]
        .clone()
}

/// A tenant with a few territory writes, one of them with coordinates whose every digit counts.
async fn busy_tenant(app: &TestApp, slug: &str) -> terrane_tests::Tenant {
    let tenant = app.sign_up(slug).await;
    let t = tenant.token.as_str();
    let root = app.create_territory(t, "Root", "ROOT", None).await;
    let child = app.create_territory(t, "Child", "CHILD", Some(&root)).await;
    let data = app
        .ok(
            Some(t),
            "mutation($id: ID!, $boundary: JSON) { updateTerritory(input: { id: $id, name: \"West\", boundary: $boundary, reason: \"redrawn\" }) { userErrors { code message } } }",
            json!({ "id": child, "boundary": square(-114.35932276721131, 36.17497165324023, 0.7318364219823417) }),
        )
        .await;
    assert_eq!(data["updateTerritory"]["userErrors"], json!([]), "{data}");
    tenant
}

#[tokio::test]
async fn an_export_verifies_and_ends_at_the_integrity_head() {
    let app = TestApp::spawn().await;
    let acme = busy_tenant(&app, "acme").await;
    let auditor = app.user_with_role(&acme, "AUDITOR").await;

    let (lines, text) = export_ok(&app, &auditor, "").await;
    assert_eq!(lines.len() as u64, app.audit_count(&auditor).await);
    assert_eq!(seqs(&lines), (1..=lines.len() as i64).collect::<Vec<_>>());
    let report = verify(&text, None);
    assert!(report.ok(), "{report}");
    assert_eq!(report.summary.checked_events, lines.len() as u64);
    let integrity = head_hash(&app, &auditor).await;
    assert_eq!(integrity["ok"], true);
    assert_eq!(
        report.summary.head_hash.as_deref(),
        integrity["headHash"].as_str()
    );

    // Every field the hash covers is there, ids as stored UUIDs.
    let updated = lines
        .iter()
        .find(|l| l["action"] == "territory.updated")
        .unwrap();
    let mut keys: Vec<_> = updated.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "action",
            "actor",
            "after",
            "at",
            "before",
            "entityId",
            "entityType",
            "hash",
            "id",
            "prevHash",
            "realignmentId",
            "reason",
            "requestId",
            "seq"
        ]
    );
    assert_eq!(updated["actor"]["kind"], "USER");
    assert!(uuid::Uuid::parse_str(updated["actor"]["id"].as_str().unwrap()).is_ok());
    assert_eq!(updated["reason"], "redrawn");

    // The admin may export too, and so may an AUDITOR API key.
    assert_eq!(export_ok(&app, &acme.token, "").await.1, text);
    let key = app
        .ok(
            Some(&acme.token),
            "mutation { createApiKey(input: { name: \"audit robot\", role: AUDITOR }) { secret } }",
            json!({}),
        )
        .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (by_key, key_text) = export_ok(&app, &key, "?from=&to=").await;
    assert_eq!(by_key[..lines.len()], lines[..], "the same chain");
    assert_eq!(by_key.len(), lines.len() + 1, "plus the key's own creation");
    assert!(verify(&key_text, report.summary.head_hash.as_deref()).ok());
}

#[tokio::test]
async fn from_and_to_pick_a_run_of_the_chain() {
    let app = TestApp::spawn().await;
    let acme = busy_tenant(&app, "acme").await;
    let t = acme.token.as_str();
    for i in 0..3 {
        app.create_territory(t, &format!("Extra {i}"), &format!("X{i}"), None)
            .await;
    }
    let (all, _) = export_ok(&app, t, "").await;
    let at = |i: usize| all[i]["at"].as_str().unwrap().to_owned();
    // Each territory write is its own request, so its event has a time of its own.
    let (k, m) = (all.len() - 4, all.len() - 1);
    assert!(at(k - 1) < at(k) && at(m - 1) < at(m));

    let query = format!("?from={}&to={}", at(k), at(m));
    let (run, text) = export_ok(&app, t, &query).await;
    assert_eq!(seqs(&run), seqs(&all[k..m]));
    let report = verify(&text, all[k - 1]["hash"].as_str());
    assert!(report.ok(), "{report}");

    let (from_only, _) = export_ok(&app, t, &format!("?from={}", at(k))).await;
    assert_eq!(seqs(&from_only), seqs(&all[k..]));
    let (to_only, _) = export_ok(&app, t, &format!("?to={}", at(k))).await;
    assert_eq!(seqs(&to_only), seqs(&all[..k]));

    // An offset other than Z, with '+' encoded as the query string needs.
    let (everything, _) = export_ok(&app, t, "?from=2000-01-01T01:00:00%2B01:00").await;
    assert_eq!(everything.len(), all.len());
    for empty in ["?from=2999-01-01T00:00:00Z", "?to=2000-01-01T00:00:00Z"] {
        let (lines, text) = export_ok(&app, t, empty).await;
        assert!(lines.is_empty() && text.is_empty(), "{empty}: {text}");
        assert!(verify(&text, None).ok());
    }
}

#[tokio::test]
async fn a_tenant_exports_only_its_own_events() {
    let app = TestApp::spawn().await;
    let acme = busy_tenant(&app, "acme").await;
    let globex = app.sign_up("globex").await;
    app.create_territory(&globex.token, "Solo", "SOLO", None)
        .await;
    let (acme_lines, _) = export_ok(&app, &acme.token, "").await;
    let acme_ids: Vec<&Value> = acme_lines.iter().map(|l| &l["id"]).collect();
    let acme_hashes: Vec<&Value> = acme_lines.iter().map(|l| &l["hash"]).collect();

    for query in [
        "",
        "?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z",
        "?tenant=acme",
        "?tenantId=acme&seq=1",
    ] {
        let (lines, text) = export_ok(&app, &globex.token, query).await;
        assert_eq!(lines.len() as u64, app.audit_count(&globex.token).await);
        assert_eq!(seqs(&lines), (1..=lines.len() as i64).collect::<Vec<_>>());
        assert!(verify(&text, None).ok());
        for line in &lines {
            assert!(!acme_ids.contains(&&line["id"]), "{query}: {line}");
            assert!(!acme_hashes.contains(&&line["hash"]), "{query}: {line}");
            assert_ne!(line["reason"], "redrawn");
        }
    }
}

#[tokio::test]
async fn bad_requests_get_a_status_and_a_stable_code() {
    let app = TestApp::spawn().await;
    let acme = busy_tenant(&app, "acme").await;
    let manager = app.user_with_role(&acme, "MANAGER").await;
    let rep = app.user_with_role(&acme, "REP").await;

    let cases = [
        (None, "", 401, "UNAUTHENTICATED"),
        (Some("trn_s_not-a-real-token"), "", 401, "UNAUTHENTICATED"),
        (Some(manager.as_str()), "", 403, "FORBIDDEN"),
        (Some(rep.as_str()), "", 403, "FORBIDDEN"),
        // Permission is checked before the query string is read.
        (Some(rep.as_str()), "?from=yesterday", 403, "FORBIDDEN"),
        (
            Some(acme.token.as_str()),
            "?from=yesterday",
            400,
            "BAD_USER_INPUT",
        ),
        (
            Some(acme.token.as_str()),
            "?to=2027-13-01T00:00:00Z",
            400,
            "BAD_USER_INPUT",
        ),
        // An unencoded '+' arrives as a space.
        (
            Some(acme.token.as_str()),
            "?from=2027-01-01T00:00:00+01:00",
            400,
            "BAD_USER_INPUT",
        ),
    ];
    for (token, query, status, code) in cases {
        let answer = export(&app, token, query).await;
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        assert!(answer.content_type.starts_with("application/json"));
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(!answer.request_id.is_empty());
        assert_eq!(body["requestId"], answer.request_id.as_str());
    }
}

#[tokio::test]
async fn an_edited_or_missing_line_fails_verification_where_it_happened() {
    let app = TestApp::spawn().await;
    let acme = busy_tenant(&app, "acme").await;
    let (lines, _) = export_ok(&app, &acme.token, "").await;
    let ndjson = |lines: &[Value]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let target = lines.len() - 2;
    let seq = lines[target]["seq"].as_i64().unwrap();

    let edits: [(&str, Value); 4] = [
        ("reason", json!("forged")),
        ("after", json!({ "name": "Forged" })),
        ("entityType", json!("Account")),
        ("at", json!("2001-01-01T00:00:00.000000Z")),
    ];
    for (field, value) in edits {
        let mut edited = lines.clone();
        edited[target][field] = value;
        let report = verify(&ndjson(&edited), None);
        assert!(!report.ok(), "{field}");
        assert_eq!(report.first_bad_seq(), Some(seq), "{field}: {report}");
        assert_eq!(report.summary.checked_events, target as u64);
    }

    let mut missing = lines.clone();
    missing.remove(target);
    let report = verify(&ndjson(&missing), None);
    assert_eq!(report.first_bad_seq(), Some(seq + 1), "{report}");
}

#[tokio::test]
async fn a_kept_head_tells_whether_a_later_export_continues_the_chain() {
    let app = TestApp::spawn().await;
    let acme = busy_tenant(&app, "acme").await;
    let t = acme.token.as_str();
    let (first, first_text) = export_ok(&app, t, "").await;
    let kept = verify(&first_text, None).summary.head_hash.unwrap();

    app.create_territory(t, "Later", "LATER", None).await;
    let (all, all_text) = export_ok(&app, t, "").await;
    assert!(all.len() > first.len());
    // The kept head lies within the new export, or just before a run that starts after it.
    let report = verify(&all_text, Some(&kept));
    assert!(report.ok(), "{report}");
    assert_eq!(report.summary.chains_onto_kept_head, Some(true));
    let after_kept = all[first.len()]["at"].as_str().unwrap();
    let (_, later_text) = export_ok(&app, t, &format!("?from={after_kept}")).await;
    assert!(verify(&later_text, Some(&kept)).ok());
    // An earlier event's hash is a kept head too.
    assert!(verify(&all_text, first[2]["hash"].as_str()).ok());

    let random = "5f".repeat(32);
    let report = verify(&all_text, Some(&random));
    assert!(matches!(
        report.failure,
        Some(Failure::NotChainedOnto { .. })
    ));
    assert!(report.to_string().contains("FAILED"), "{report}");
    // A head from after the export's end is not chained onto either.
    let (_, old_text) = export_ok(&app, t, &format!("?to={after_kept}")).await;
    let newest = all.last().unwrap()["hash"].as_str().unwrap();
    assert!(!verify(&old_text, Some(newest)).ok());
}
