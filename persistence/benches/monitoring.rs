//! Bench: the monitoring views at scale — `performance(period)` over every territory of a tenant
//! with 5,000+ territories, 1,000,000 accounts and 5,000,000 actuals, and `balance(parent)` over
//! 100 children — each against a baseline measured in the same run on the same store: a raw
//! grouped SUM of the period's actuals (the least a performance view must read).
//!
//!   cargo bench -p terrane-persistence --bench monitoring [-- ACCOUNTS ACTUALS]
//!   BENCH_DATABASE_URL=postgres://… cargo bench -p terrane-persistence --bench monitoring
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use terrane_domain::account::Amount;
use terrane_domain::ids::TerritoryId;
use terrane_domain::quota::{Metric, Period, QuotaKey};
use terrane_domain::realignment::{Change, CreateTerritory, SetQuota};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::testing::{
    BulkSeed, raw_actuals_sum, raw_territory_sums, seed_accounts_and_actuals,
};
use terrane_persistence::{BalanceMeasure, RealignmentRequest};

const REGIONS: usize = 50;
const LEAVES_PER_REGION: usize = 100;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn territory(id: TerritoryId, code: String, parent: Option<TerritoryId>) -> Change {
    Change::CreateTerritory(CreateTerritory {
        id,
        name: TerritoryName::parse(&code).unwrap(),
        code: TerritoryCode::parse(&code).unwrap(),
        parent_id: parent,
        boundary: None,
    })
}

#[tokio::main]
async fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let accounts = numbers.first().copied().unwrap_or(1_000_000);
    let actuals = numbers.get(1).copied().unwrap_or(5_000_000);
    let terrane_persistence::testing::Bench {
        store,
        tenant_id,
        ctx,
        ..
    } = terrane_persistence::testing::bench("monitoring")
        .await
        .unwrap();
    let scope = store.tenant(tenant_id);

    // A country, 50 regions, 100 leaves each: 5,051 territories.
    let root = TerritoryId::new();
    let mut changes = vec![territory(root, "ROOT".into(), None)];
    let mut regions = Vec::new();
    let mut leaves = Vec::new();
    for r in 0..REGIONS {
        let region = TerritoryId::new();
        regions.push(region);
        changes.push(territory(region, format!("R{r:02}"), Some(root)));
        for l in 0..LEAVES_PER_REGION {
            let leaf = TerritoryId::new();
            leaves.push(leaf);
            changes.push(territory(leaf, format!("R{r:02}-L{l:03}"), Some(region)));
        }
    }
    let territories = changes.len();
    let clock = Instant::now();
    let created = scope
        .apply_realignment(
            RealignmentRequest {
                title: "Bench design".into(),
                reason: None,
                changes,
            },
            &ctx,
        )
        .await
        .unwrap()
        .unwrap();
    eprintln!(
        "{territories} territories created in {:.1} s",
        clock.elapsed().as_secs_f64()
    );
    let clock = Instant::now();
    let year = Period::parse("FY2026").unwrap();
    let quotas: Vec<Change> = leaves
        .iter()
        .chain(&regions)
        .enumerate()
        .map(|(i, t)| {
            Change::SetQuota(SetQuota {
                expected: None,
                key: QuotaKey {
                    territory_id: *t,
                    period: year,
                    metric: Metric::Revenue,
                },
                amount: Some(Amount::from_hundredths(100_000_000 + i as i64)),
            })
        })
        .collect();
    scope
        .apply_realignment(
            RealignmentRequest {
                title: "Bench quotas".into(),
                reason: None,
                changes: quotas,
            },
            &ctx,
        )
        .await
        .unwrap()
        .unwrap();
    eprintln!("quotas set in {:.1} s", clock.elapsed().as_secs_f64());
    let first_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let seeded = seed_accounts_and_actuals(
        &store,
        tenant_id,
        &BulkSeed {
            leaves: &leaves,
            realignment: created.realignment.id,
            accounts,
            actuals,
            first_day,
            days: 365,
        },
    )
    .await
    .unwrap();
    println!(
        "{} · {territories} territories, {accounts} accounts, {actuals} actuals (seeded in {:.1} s)",
        store.backend_name(),
        seeded.as_secs_f64()
    );

    let today = NaiveDate::from_ymd_opt(2026, 8, 15).unwrap();
    let quarter = Period::parse("FY2026-Q3").unwrap();
    let (mut perf_year, mut perf_quarter, mut raw_year, mut balance, mut raw_quarter) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut raw_balance = vec![];
    let region_leaves = &leaves[..LEAVES_PER_REGION];
    for _ in 0..5 {
        let t = Instant::now();
        let rows = scope
            .performance(year, None, Metric::Revenue, today)
            .await
            .unwrap();
        perf_year.push(t.elapsed());
        assert_eq!(rows.len(), territories);
        let t = Instant::now();
        scope
            .performance(quarter, None, Metric::Revenue, today)
            .await
            .unwrap();
        perf_quarter.push(t.elapsed());
        raw_year.push(
            raw_actuals_sum(
                &store,
                tenant_id,
                first_day,
                NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            )
            .await
            .unwrap(),
        );
        raw_quarter.push(
            raw_actuals_sum(
                &store,
                tenant_id,
                NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            )
            .await
            .unwrap(),
        );
        let t = Instant::now();
        let view = scope
            .balance(
                Some(regions[0]),
                Some(year),
                Metric::Revenue,
                BalanceMeasure::Workload,
            )
            .await
            .unwrap();
        balance.push(t.elapsed());
        assert_eq!(view.lines.len(), LEAVES_PER_REGION);
        // The kept totals the view read are the ones derived from scratch.
        let (derived, took) = raw_territory_sums(&store, tenant_id, region_leaves)
            .await
            .unwrap();
        raw_balance.push(took);
        for line in &view.lines {
            assert_eq!(Some(&line.metrics), derived.get(&line.territory.id));
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (py, pq, ry, rq, b) = (
        median(perf_year),
        median(perf_quarter),
        median(raw_year),
        median(raw_quarter),
        median(balance),
    );
    println!(
        "performance(FY2026, all territories): {:>8.1} ms  (target < 1000 ms)",
        ms(py)
    );
    println!(
        "  raw grouped SUM of the year's actuals: {:>8.1} ms  ratio {:.2}x",
        ms(ry),
        ms(py) / ms(ry)
    );
    println!(
        "performance(FY2026-Q3, all territories): {:>6.1} ms",
        ms(pq)
    );
    println!(
        "  raw grouped SUM of the quarter's actuals: {:>5.1} ms  ratio {:.2}x",
        ms(rq),
        ms(pq) / ms(rq)
    );
    println!(
        "balance(region, 100 children):          {:>8.1} ms  (target < 100 ms)",
        ms(b)
    );
    let rb = median(raw_balance);
    println!(
        "  join of their {} assignments with the accounts: {:>5.1} ms  ratio {:.2}x",
        accounts / leaves.len() * LEAVES_PER_REGION,
        ms(rb),
        ms(b) / ms(rb)
    );
}
