//! Bench: applying a draft realignment that moves N accounts (default 100,000) — plan context,
//! conflict check, domain apply, current assignments, history intervals, move rows and the
//! digest-carrying audit event, in one transaction — against the baseline of inserting the same
//! number of rows into the same store with raw batched INSERTs, measured in the same run.
//!
//!   cargo bench -p terrane-persistence --bench apply_moves [-- N]
//!   BENCH_DATABASE_URL=postgres://… cargo bench -p terrane-persistence --bench apply_moves
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use terrane_domain::ids::TerritoryId;
use terrane_domain::realignment::{Change, CreateTerritory, MoveAccounts, PlanChange};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::{ImportMode, PageRequest, RealignmentRequest};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let terrane_persistence::testing::Bench {
        url,
        store,
        tenant_id,
        ctx,
    } = terrane_persistence::testing::bench("bench").await.unwrap();
    let scope = store.tenant(tenant_id);

    let territories: Vec<TerritoryId> = (0..2).map(|_| TerritoryId::new()).collect();
    let creates = territories
        .iter()
        .zip(["WEST", "EAST"])
        .map(|(id, code)| {
            Change::CreateTerritory(CreateTerritory {
                id: *id,
                name: TerritoryName::parse(code).unwrap(),
                code: TerritoryCode::parse(code).unwrap(),
                parent_id: None,
                boundary: None,
            })
        })
        .collect();
    scope
        .apply_realignment(
            RealignmentRequest {
                title: "Territories".into(),
                reason: None,
                changes: creates,
            },
            &ctx,
        )
        .await
        .unwrap()
        .unwrap();
    let mut csv = String::from("external_id,name,potential,workload\n");
    for i in 0..n {
        csv.push_str(&format!("B-{i},Account {i},{}.50,{}\n", i % 1000, i % 40));
    }
    scope
        .import_accounts(csv.as_bytes(), ImportMode::AllOrNothing, &ctx)
        .await
        .unwrap()
        .unwrap();
    let mut accounts = Vec::with_capacity(n);
    let mut after = None;
    loop {
        let page = scope
            .accounts(
                &Default::default(),
                PageRequest {
                    first: 10_000,
                    after,
                },
            )
            .await
            .unwrap();
        after = page.items.last().map(|a| a.account.id);
        accounts.extend(page.items.iter().map(|a| a.account.id));
        if !page.has_next_page {
            break;
        }
    }
    assert_eq!(accounts.len(), n);
    println!("accounts: {n} on {}", store.backend_name());

    let (mut applies, mut raws) = (Vec::new(), Vec::new());
    for round in 0..3 {
        let to = territories[round % 2];
        let draft = scope
            .create_realignment(format!("Move {n} accounts"), None, &ctx)
            .await
            .unwrap();
        let change = PlanChange::MoveAccounts(MoveAccounts {
            account_ids: accounts.clone(),
            to: Some(to),
            pin: false,
            expected_from: vec![],
        });
        scope
            .add_realignment_changes(draft.id, vec![change], &ctx)
            .await
            .unwrap()
            .unwrap();
        let started = Instant::now();
        let applied = scope.apply_draft(draft.id, None, &ctx).await.unwrap();
        let took = started.elapsed();
        assert!(applied.is_ok(), "{applied:?}");
        let raw = terrane_persistence::testing::raw_batched_insert(&url, n)
            .await
            .unwrap();
        println!(
            "round {round}: apply draft moving {n} accounts {:>7.2} s   raw batched INSERT of {n} rows {:>6.2} s   ratio {:.2}x",
            took.as_secs_f64(),
            raw.as_secs_f64(),
            took.as_secs_f64() / raw.as_secs_f64()
        );
        applies.push(took);
        raws.push(raw);
    }
    let (apply, raw) = (median(applies), median(raws));
    println!(
        "median: apply {:.2} s, raw insert {:.2} s, ratio {:.2}x",
        apply.as_secs_f64(),
        raw.as_secs_f64(),
        apply.as_secs_f64() / raw.as_secs_f64()
    );
}
