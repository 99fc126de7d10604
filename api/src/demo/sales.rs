//! The demo tenant's sales side: a rep owning each territory (a few overlays beside), a fiscal
//! year of quotas spread over quarters, and the current quarter's sales so far, so the coverage,
//! performance and balance screens show something real.

use std::fmt::Write;

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use terrane_domain::account::{Amount, Location};
use terrane_domain::identity::Email;
use terrane_domain::ids::TerritoryId;
use terrane_domain::quota::{Metric, QuotaKey, spread_over};
use terrane_domain::realignment::{Change, SetMember, SetQuota};
use terrane_domain::rep::{Capacity, MemberRole, RepName, Skills};
use terrane_persistence::{RealignmentRequest, RepFields, TenantScope, WriteContext};

const FIRST_NAMES: [&str; 8] = ["Ada", "Bo", "Cy", "Di", "Eli", "Fay", "Gus", "Hal"];
const SKILLS: [&[&str]; 4] = [
    &["software", "enterprise"],
    &["retail", "smb"],
    &["healthcare", "mid_market"],
    &["manufacturing", "smb"],
];

/// Seeds reps, staffing, quotas and actuals for `territories` (id, code, centre).
pub async fn seed(
    scope: &TenantScope<'_>,
    territories: &[(TerritoryId, String, (f64, f64))],
    accounts: usize,
    ctx: &WriteContext,
) -> anyhow::Result<()> {
    let mut changes = Vec::new();
    for (i, (territory, code, (lat, lon))) in territories.iter().enumerate() {
        let name = format!(
            "{} {}",
            FIRST_NAMES[i % FIRST_NAMES.len()],
            code.to_lowercase()
        );
        let fields = RepFields {
            name: RepName::parse(&name)?,
            email: Email::parse(&format!("rep{i}@demo.terrane.dev"))?,
            user_id: None,
            home_base: Some(Location::new(*lat, *lon)?),
            capacity: Capacity::new(if i % 3 == 0 { 900.0 } else { 6_000.0 })?,
            skills: Skills::new(SKILLS[i % SKILLS.len()].iter())?,
        };
        let rep = match scope.create_rep(fields, ctx).await? {
            Ok(rep) => rep,
            Err(refusal) => anyhow::bail!("demo rep refused: {refusal:?}"),
        };
        // Every third territory is left without an owner, so coverage shows gaps.
        let role = if i % 3 == 2 {
            MemberRole::Overlay
        } else {
            MemberRole::Owner
        };
        changes.push(Change::SetMember(SetMember {
            expected: None,
            territory_id: *territory,
            rep_id: rep.id,
            role: Some(role),
        }));
    }
    let settings = scope.fiscal_settings().await?;
    let today = Utc::now().date_naive();
    let year = settings.calendar.year_of(today);
    let weights = [1, 1, 1, 1].map(Decimal::from);
    for (i, (territory, _, _)) in territories.iter().enumerate() {
        let whole = Decimal::from(1_000_000 + 150_000 * (i % 5) as i64);
        for (period, amount) in spread_over(year, whole, &weights)? {
            changes.push(Change::SetQuota(SetQuota {
                expected: None,
                key: QuotaKey {
                    territory_id: *territory,
                    period,
                    metric: Metric::Revenue,
                },
                amount: Some(Amount::new(amount)?),
            }));
        }
    }
    let request = RealignmentRequest {
        title: "Staffing and FY quotas".to_owned(),
        reason: Some("Demo data".to_owned()),
        changes,
    };
    if let Err(problems) = scope.apply_realignment(request, ctx).await? {
        anyhow::bail!("demo staffing refused: {problems:?}");
    }
    // The quarter so far: a sale every few accounts, spread over the days elapsed.
    let quarter = settings.calendar.quarter_of(today);
    let (start, _) = settings.calendar.range(quarter);
    let days = (today - start).num_days().max(0) + 1;
    let mut csv = String::from("account,date,amount\n");
    for i in (0..accounts).step_by(3) {
        let day = start + Duration::days((i as i64 * 7) % days);
        let amount = 500 + (i * 37) % 9_500;
        let _ = writeln!(csv, "DEMO-{i:05},{day},{amount}.00");
    }
    if let Err(rows) = scope.import_actuals(&csv, ctx).await? {
        anyhow::bail!("demo actuals refused: {rows:?}");
    }
    Ok(())
}
