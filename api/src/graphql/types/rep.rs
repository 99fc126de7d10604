//! Reps and staffing as clients see them: a rep, a rep's role on a territory, coverage gaps and
//! owner suggestions.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use terrane_domain::rep::MemberRole as DomainRole;
use terrane_persistence::{MemberRecord, RepRecord};

use super::{Territory, User};
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::load_record;

/// The role a rep holds on a territory.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MemberRole {
    /// Carries the territory; at most one per territory.
    Owner,
    /// Helps on it; any number.
    Overlay,
}

impl From<DomainRole> for MemberRole {
    fn from(r: DomainRole) -> Self {
        match r {
            DomainRole::Owner => Self::Owner,
            DomainRole::Overlay => Self::Overlay,
        }
    }
}

impl From<MemberRole> for DomainRole {
    fn from(r: MemberRole) -> Self {
        match r {
            MemberRole::Owner => Self::Owner,
            MemberRole::Overlay => Self::Overlay,
        }
    }
}

/// A place on the map.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct GeoPoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// A sales rep.
pub struct Rep(pub RepRecord);

#[Object]
impl Rep {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Rep, self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        self.0.fields.name.as_str()
    }
    /// Work email.
    async fn email(&self) -> &str {
        self.0.fields.email.as_str()
    }
    /// The user login linked to this rep.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.fields.user_id else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(User::from))
    }
    /// Where the rep is based.
    async fn home_base(&self) -> Option<GeoPoint> {
        self.0.fields.home_base.map(|l| GeoPoint {
            lat: l.lat(),
            lon: l.lon(),
        })
    }
    /// Workload hours the rep can carry per period.
    async fn capacity(&self) -> f64 {
        self.0.fields.capacity.hours()
    }
    /// Industries and segments the rep knows (lower-case).
    async fn skills(&self) -> Vec<String> {
        self.0.fields.skills.iter().map(str::to_owned).collect()
    }
    /// False once deactivated.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Moves on with every update.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// The territories the rep staffs now.
    async fn territories(&self, ctx: &Context<'_>) -> Result<Vec<TerritoryMember>> {
        let rows = crate::graphql::RequestContext::of(ctx)?
            .loaders()?
            .members
            .load_one(self.0.id)
            .await
            .map_err(crate::graphql::ApiError::from)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(TerritoryMember)
            .collect())
    }
}

/// A rep's role on a territory, and since when.
pub struct TerritoryMember(pub MemberRecord);

#[Object]
impl TerritoryMember {
    /// The rep.
    async fn rep(&self, ctx: &Context<'_>) -> Result<Option<Rep>> {
        Ok(load_record(ctx, self.0.rep_id).await?.map(Rep))
    }
    /// The territory.
    async fn territory(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        Ok(load_record(ctx, self.0.territory_id).await?.map(Territory))
    }
    /// The role.
    async fn role(&self) -> MemberRole {
        self.0.role.into()
    }
    /// Held since.
    async fn since(&self) -> DateTime<Utc> {
        self.0.since
    }
    /// Held until (null while current).
    async fn until(&self) -> Option<DateTime<Utc>> {
        self.0.until
    }
}

/// A rep carrying more workload than its capacity.
#[derive(SimpleObject)]
pub struct RepLoad {
    /// The rep.
    pub rep: Rep,
    /// Workload of the accounts in the territories it owns.
    pub load: f64,
    /// Its capacity.
    pub capacity: f64,
}

/// Where staffing falls short.
#[derive(SimpleObject)]
pub struct Coverage {
    /// Territories without an OWNER.
    pub unowned_territories: Vec<Territory>,
    /// Accounts sitting in those territories.
    pub accounts_in_unowned_territories: u64,
    /// Active reps whose owned workload exceeds their capacity, most overloaded first.
    pub over_capacity_reps: Vec<RepLoad>,
}

/// A rep ranked to own a territory, with the parts of its score.
#[derive(SimpleObject)]
pub struct OwnerSuggestion {
    /// The rep.
    pub rep: Rep,
    /// 0.5 × skillMatch + 0.3 × proximity + 0.2 × spareCapacity.
    pub score: f64,
    /// Share of the territory's accounts whose industry or segment the rep knows.
    pub skill_match: f64,
    /// Kilometres from home base to the accounts' centroid (null when either is unknown).
    pub distance_km: Option<f64>,
    /// 1 at the centroid, 0.5 at 100 km.
    pub proximity: f64,
    /// Share of capacity left after taking the territory.
    pub spare_capacity: f64,
}
