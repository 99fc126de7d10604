//! The demo tenant: a login a newcomer can use at once and a realistic territory hierarchy —
//! a country tiled without gaps or overlaps by 5 regions, 15 districts and 60 leaf territories.
//! Seeding is idempotent and goes through the same realignment path as any user's change.

mod accounts;
mod sales;

use terrane_domain::audit::{Actor, ActorKind};
use terrane_domain::identity::{DisplayName, Email, Password, Role, TenantName, TenantSlug};
use terrane_domain::ids::{SessionId, TenantId, TerritoryId, UserId};
use terrane_domain::realignment::{Change, CreateTerritory};
use terrane_domain::territory::{Boundary, TerritoryCode, TerritoryName};
use terrane_persistence::{NewSession, NewUser, RealignmentRequest, SignUp, Store, WriteContext};

use crate::auth::{PasswordHasher, TokenKind, issue_token};

/// The demo tenant's slug.
pub const DEMO_SLUG: &str = "demo";
/// The demo logins' password (printed at start; this is a demo).
pub const DEMO_PASSWORD: &str = "terrane-demo-2026";
/// The demo admin's e-mail.
pub const DEMO_ADMIN: &str = "admin@demo.terrane.dev";

const REGIONS: [(&str, &str); 5] = [
    ("Pacific", "PAC"),
    ("Mountain", "MTN"),
    ("Plains", "PLN"),
    ("Great Lakes", "GLK"),
    ("Atlantic", "ATL"),
];
const DISTRICTS: [(&str, &str); 3] = [("North", "N"), ("Central", "C"), ("South", "S")];
const LEAVES_PER_DISTRICT: usize = 4;
/// The demo country's bounding box (roughly the contiguous United States).
const COUNTRY: (f64, f64, f64, f64) = (-124.0, 25.0, -67.0, 49.0);

/// `n + 1` edges splitting `[from, to]` evenly, rounded to 4 decimals. Neighbours share the very
/// same `f64` edge, so the tiles meet exactly.
fn edges(from: f64, to: f64, n: usize) -> Vec<f64> {
    (0..=n)
        .map(|i| {
            let x = from + (to - from) * i as f64 / n as f64;
            (x * 10_000.0).round() / 10_000.0
        })
        .collect()
}

fn territory(
    name: &str,
    code: &str,
    parent: Option<TerritoryId>,
    bbox: (f64, f64, f64, f64),
) -> anyhow::Result<CreateTerritory> {
    Ok(CreateTerritory {
        id: TerritoryId::new(),
        name: TerritoryName::parse(name)?,
        code: TerritoryCode::parse(code)?,
        parent_id: parent,
        boundary: Some(Boundary::rectangle(bbox.0, bbox.1, bbox.2, bbox.3)?),
    })
}

/// The changes that build the demo hierarchy.
pub fn hierarchy() -> anyhow::Result<Vec<Change>> {
    let (west, south, east, north) = COUNTRY;
    let country = territory("United States (demo)", "US", None, COUNTRY)?;
    let mut changes = vec![];
    let region_edges = edges(west, east, REGIONS.len());
    let district_edges = edges(south, north, DISTRICTS.len());
    let country_id = country.id;
    changes.push(Change::CreateTerritory(country));
    for (r, (region_name, region_code)) in REGIONS.iter().enumerate() {
        let (r_west, r_east) = (region_edges[r], region_edges[r + 1]);
        let region = territory(
            region_name,
            &format!("US-{region_code}"),
            Some(country_id),
            (r_west, south, r_east, north),
        )?;
        let region_id = region.id;
        changes.push(Change::CreateTerritory(region));
        let leaf_edges = edges(r_west, r_east, LEAVES_PER_DISTRICT);
        // Districts run north to south; edges run south to north.
        for (d, (district_name, district_code)) in DISTRICTS.iter().enumerate() {
            let (d_south, d_north) = (
                district_edges[DISTRICTS.len() - 1 - d],
                district_edges[DISTRICTS.len() - d],
            );
            let code = format!("US-{region_code}-{district_code}");
            let district = territory(
                &format!("{region_name} {district_name}"),
                &code,
                Some(region_id),
                (r_west, d_south, r_east, d_north),
            )?;
            let district_id = district.id;
            changes.push(Change::CreateTerritory(district));
            for leaf in 0..LEAVES_PER_DISTRICT {
                let name = format!("{region_name} {district_name} {}", leaf + 1);
                let bbox = (leaf_edges[leaf], d_south, leaf_edges[leaf + 1], d_north);
                changes.push(Change::CreateTerritory(territory(
                    &name,
                    &format!("{code}-{}", leaf + 1),
                    Some(district_id),
                    bbox,
                )?));
            }
        }
    }
    Ok(changes)
}

/// Seeds the demo tenant unless it exists, and prints how to log in.
pub async fn seed(store: &Store, hasher: &PasswordHasher) -> anyhow::Result<()> {
    let slug = TenantSlug::parse(DEMO_SLUG)?;
    if store.tenant_by_slug(&slug).await?.is_none() {
        let password = Password::parse(DEMO_PASSWORD)?;
        let admin = NewUser {
            id: UserId::new(),
            email: Email::parse(DEMO_ADMIN)?,
            display_name: DisplayName::parse("Demo Admin")?,
            role: Role::Admin,
            password_hash: hasher.hash(&password).await?,
        };
        let token = issue_token(TokenKind::Session)?;
        let session = NewSession {
            id: SessionId::new(),
            user_id: admin.id,
            token_hash: token.hash,
            expires_at: chrono::Utc::now(),
        };
        let tenant_id = TenantId::new();
        let admin_id = admin.id;
        let sign_up = SignUp {
            tenant_id,
            slug,
            name: TenantName::parse("Demo Sales Org")?,
            admin,
            session,
        };
        if store.sign_up(&sign_up, None).await?.is_err() {
            anyhow::bail!("demo tenant slug was taken while seeding");
        }
        let scope = store.tenant(tenant_id);
        let ctx = WriteContext {
            actor: Actor {
                kind: ActorKind::User,
                id: Some(admin_id.as_uuid()),
            },
            request_id: None,
        };
        for (email, name, role) in [
            ("manager@demo.terrane.dev", "Demo Manager", Role::Manager),
            ("rep@demo.terrane.dev", "Demo Rep", Role::Rep),
            ("auditor@demo.terrane.dev", "Demo Auditor", Role::Auditor),
        ] {
            let user = NewUser {
                id: UserId::new(),
                email: Email::parse(email)?,
                display_name: DisplayName::parse(name)?,
                role,
                password_hash: hasher.hash(&password).await?,
            };
            scope.create_user(&user, &ctx).await?;
        }
        let changes = hierarchy()?;
        let staffed: Vec<(TerritoryId, String, (f64, f64))> = changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateTerritory(t) => {
                    let b = t.boundary.as_ref()?.bbox();
                    let centre = ((b.min_lat + b.max_lat) / 2.0, (b.min_lon + b.max_lon) / 2.0);
                    Some((t.id, t.code.as_str().to_owned(), centre))
                }
                _ => None,
            })
            .collect();
        let country = changes
            .first()
            .and_then(Change::territory_id)
            .ok_or_else(|| anyhow::anyhow!("empty demo hierarchy"))?;
        let request = RealignmentRequest {
            title: "Initial territory design".to_owned(),
            reason: Some("Demo data".to_owned()),
            changes,
        };
        if let Err(problems) = scope.apply_realignment(request, &ctx).await? {
            anyhow::bail!("demo hierarchy refused: {problems:?}");
        }
        accounts::seed(&scope, country, &ctx).await?;
        sales::seed(&scope, &staffed, accounts::DEMO_ACCOUNTS, &ctx).await?;
    }
    println!(
        "Demo tenant ready. Log in with tenantSlug \"{DEMO_SLUG}\", email \"{DEMO_ADMIN}\" (or manager@, rep@, auditor@demo.terrane.dev), password \"{DEMO_PASSWORD}\"."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, MultiPolygon, Polygon, Rect, coord};

    fn rect(change: &Change) -> Rect<f64> {
        let Change::CreateTerritory(c) = change else {
            panic!("only creates")
        };
        let bb = c.boundary.as_ref().unwrap().bbox();
        Rect::new(
            coord! { x: bb.min_lon, y: bb.min_lat },
            coord! { x: bb.max_lon, y: bb.max_lat },
        )
    }

    #[test]
    fn leaves_tile_the_country_without_gaps_or_overlaps() {
        let changes = hierarchy().unwrap();
        assert_eq!(changes.len(), 1 + 5 + 15 + 60);
        let leaves: Vec<Polygon<f64>> = changes[..]
            .iter()
            .filter(|c| match c {
                Change::CreateTerritory(t) => t.code.as_str().matches('-').count() == 3,
                _ => false,
            })
            .map(|c| rect(c).to_polygon())
            .collect();
        assert_eq!(leaves.len(), 60);
        let country = rect(&changes[0]).to_polygon();
        let total: f64 = leaves.iter().map(|p| p.unsigned_area()).sum();
        let union = leaves.iter().fold(MultiPolygon::new(vec![]), |acc, p| {
            acc.union(&MultiPolygon::new(vec![p.clone()]))
        });
        // Sum of areas == area of the union (no overlaps) == area of the country (no gaps).
        assert!(
            (total - country.unsigned_area()).abs() < 1e-6,
            "{total} vs {}",
            country.unsigned_area()
        );
        assert!((union.unsigned_area() - country.unsigned_area()).abs() < 1e-6);
    }
}
