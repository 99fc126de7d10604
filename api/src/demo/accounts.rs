//! The demo tenant's accounts: ~20,000 of them clustered around the country's big cities, a
//! strategic-accounts rule, and a few hand-pinned key accounts — loaded through the same import
//! and realignment paths a user's data takes.

use std::fmt::Write as _;

use terrane_domain::assignment::{Assignment, Criterion, Operator, Source};
use terrane_domain::ids::TerritoryId;
use terrane_domain::realignment::{AccountTarget, AssignAccounts, Change, CreateTerritory};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::{
    AccountFilter, ImportMode, NewRule, PageRequest, RealignmentRequest, TenantScope,
    TerritoryFilter, WriteContext,
};

/// How many accounts the demo tenant gets.
pub const DEMO_ACCOUNTS: usize = 20_000;

/// (lat, lon, weight) of the cities accounts cluster around.
const CITIES: [(f64, f64, u32); 12] = [
    (40.71, -74.01, 9),
    (34.05, -118.24, 7),
    (41.88, -87.63, 6),
    (29.76, -95.37, 5),
    (33.45, -112.07, 4),
    (37.77, -122.42, 4),
    (47.61, -122.33, 3),
    (39.74, -104.99, 3),
    (42.36, -71.06, 3),
    (25.9, -80.19, 3),
    (33.75, -84.39, 3),
    (44.98, -93.27, 2),
];
const INDUSTRIES: [&str; 6] = [
    "Retail",
    "Manufacturing",
    "Finance",
    "Healthcare",
    "Software",
    "Logistics",
];

/// xorshift64*: deterministic demo data without a dependency.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A roughly normal deviate (sum of uniforms), scaled.
    fn spread(&mut self, scale: f64) -> f64 {
        ((0..4).map(|_| self.unit()).sum::<f64>() - 2.0) * scale
    }
}

/// The demo accounts as CSV.
pub fn csv(count: usize) -> String {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let total_weight: u32 = CITIES.iter().map(|c| c.2).sum();
    let mut out =
        String::from("external_id,name,lat,lon,industry,segment,potential,workload,tier\n");
    for i in 0..count {
        let mut pick = (rng.unit() * f64::from(total_weight)) as u32;
        let city = CITIES.iter().find(|c| {
            let hit = pick < c.2;
            pick = pick.saturating_sub(c.2);
            hit
        });
        let (lat, lon, _) = city.copied().unwrap_or(CITIES[0]);
        let lat = (lat + rng.spread(1.2)).clamp(25.01, 48.99);
        let lon = (lon + rng.spread(1.5)).clamp(-123.99, -67.01);
        let segment = match rng.unit() {
            x if x < 0.08 => "ENTERPRISE",
            x if x < 0.35 => "MID_MARKET",
            _ => "SMB",
        };
        let potential = (rng.unit().powi(3) * 900_000.0 + 5_000.0).round();
        let workload = (rng.unit() * 60.0 + 4.0).round();
        let industry =
            INDUSTRIES[(rng.unit() * INDUSTRIES.len() as f64) as usize % INDUSTRIES.len()];
        let tier = ["gold", "silver", "bronze"][i % 3];
        let _ = writeln!(
            out,
            "DEMO-{i:05},Demo Account {i},{lat:.4},{lon:.4},{industry},{segment},{potential:.2},{workload:.1},{tier}"
        );
    }
    out
}

/// Adds the strategic territory and its rule, imports the accounts, pins a few key accounts.
pub async fn seed(
    scope: &TenantScope<'_>,
    country: TerritoryId,
    ctx: &WriteContext,
) -> anyhow::Result<()> {
    let strategic = CreateTerritory {
        id: TerritoryId::new(),
        name: TerritoryName::parse("Strategic Accounts")?,
        code: TerritoryCode::parse("US-STRATEGIC")?,
        parent_id: Some(country),
        boundary: None,
    };
    let strategic_id = strategic.id;
    let request = RealignmentRequest {
        title: "Strategic accounts territory".to_owned(),
        reason: Some("Demo data".to_owned()),
        changes: vec![Change::CreateTerritory(strategic)],
    };
    if let Err(problems) = scope.apply_realignment(request, ctx).await? {
        anyhow::bail!("demo strategic territory refused: {problems:?}");
    }
    let rule = NewRule {
        territory_id: strategic_id,
        name: "Large enterprise accounts".to_owned(),
        priority: 10,
        criteria: vec![
            Criterion::parse("segment", Operator::Eq, serde_json::json!("ENTERPRISE"))?,
            Criterion::parse("potential", Operator::Gte, serde_json::json!(500_000))?,
        ],
    };
    if let Err(refusal) = scope.create_rule(rule, ctx).await? {
        anyhow::bail!("demo rule refused: {refusal:?}");
    }

    let report = scope
        .import_accounts(csv(DEMO_ACCOUNTS).as_bytes(), ImportMode::AllOrNothing, ctx)
        .await?
        .map_err(|message| anyhow::anyhow!("demo accounts refused: {message}"))?;
    anyhow::ensure!(
        report.committed,
        "demo accounts refused: {:?}",
        report.errors
    );

    // A few key accounts pinned by hand to the Atlantic North team.
    let search = |code: &str| TerritoryFilter {
        parent_id: None,
        search: Some(code.to_owned()),
    };
    let page = PageRequest {
        first: 1,
        after: None,
    };
    let atlantic = scope
        .territories(&search("US-ATL-N-1"), page)
        .await?
        .items
        .into_iter()
        .next();
    let key_accounts = scope
        .accounts(
            &AccountFilter {
                search: Some("DEMO-0000".to_owned()),
                ..Default::default()
            },
            PageRequest {
                first: 5,
                after: None,
            },
        )
        .await?;
    if let Some(atlantic) = atlantic {
        let to = Assignment {
            territory_id: atlantic.territory.id,
            source: Source::Manual,
            rule_id: None,
            pinned: true,
        };
        let moves = key_accounts
            .items
            .iter()
            .map(|a| AccountTarget {
                account_id: a.account.id,
                to: Some(to),
            })
            .collect();
        let request = RealignmentRequest {
            title: "Pin key accounts".to_owned(),
            reason: Some("Demo data: named accounts stay with their team".to_owned()),
            changes: vec![Change::AssignAccounts(AssignAccounts { moves })],
        };
        if let Err(problems) = scope.apply_realignment(request, ctx).await? {
            anyhow::bail!("demo pins refused: {problems:?}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use terrane_domain::account::CsvColumns;

    #[test]
    fn demo_csv_is_valid_and_inside_the_country() {
        let text = csv(2_000);
        let mut lines = text.lines();
        let columns = CsvColumns::from_header(lines.next().unwrap().split(',')).unwrap();
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            let account = columns.account(&fields).unwrap();
            let location = account.location.unwrap();
            assert!(
                (25.0..=49.0).contains(&location.lat())
                    && (-124.0..=-67.0).contains(&location.lon())
            );
        }
        assert_eq!(csv(10), csv(10), "deterministic");
    }
}
