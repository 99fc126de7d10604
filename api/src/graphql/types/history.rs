//! History as clients see it: the intervals an account spent in territories, and territories as
//! they were at a point in time.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use terrane_persistence::{
    AssignmentInterval as StoreInterval, TerritorySnapshot as StoreSnapshot,
};

use super::account::AssignmentSource;
use super::realignment::Realignment;
use super::territory::Territory;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::load_record;

/// An interval an account spent in one territory.
pub struct AssignmentInterval(pub StoreInterval);

#[Object]
impl AssignmentInterval {
    /// The territory's global id.
    async fn territory_id(&self) -> ID {
        encode(NodeKind::Territory, self.0.territory_id)
    }
    /// The territory as it is now; null when it has since been deleted.
    async fn territory(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        Ok(load_record(ctx, self.0.territory_id).await?.map(Territory))
    }
    /// The territory as it was when the interval began.
    async fn territory_then(&self) -> Option<TerritorySnapshot> {
        self.0.territory.clone().map(TerritorySnapshot)
    }
    /// From (inclusive).
    async fn from(&self) -> DateTime<Utc> {
        self.0.from
    }
    /// To (exclusive); null while current.
    async fn to(&self) -> Option<DateTime<Utc>> {
        self.0.to
    }
    /// Why it was there.
    async fn source(&self) -> AssignmentSource {
        self.0.source.into()
    }
    /// Whether it was pinned.
    async fn pinned(&self) -> bool {
        self.0.pinned
    }
    /// The realignment that put it there.
    async fn realignment(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        Ok(load_record(ctx, self.0.realignment_id)
            .await?
            .map(Realignment))
    }
    /// The realignment that moved it away; null while current.
    async fn ended_by(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        let Some(id) = self.0.ended_by else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Realignment))
    }
}

/// A territory as it was during an interval of its history.
pub struct TerritorySnapshot(pub StoreSnapshot);

#[Object]
impl TerritorySnapshot {
    /// The territory's global id.
    async fn id(&self) -> ID {
        encode(NodeKind::Territory, self.0.territory.id)
    }
    /// Name then.
    async fn name(&self) -> &str {
        self.0.territory.name.as_str()
    }
    /// Code then.
    async fn code(&self) -> &str {
        self.0.territory.code.as_str()
    }
    /// Parent's global id then; null for a root.
    async fn parent_id(&self) -> Option<ID> {
        self.0
            .territory
            .parent_id
            .map(|p| encode(NodeKind::Territory, p))
    }
    /// Boundary then (GeoJSON).
    async fn boundary(&self) -> Option<Json<serde_json::Value>> {
        self.0
            .territory
            .boundary
            .as_ref()
            .map(|b| Json(b.to_geojson_value()))
    }
    /// Version then.
    async fn version(&self) -> i64 {
        self.0.territory.version
    }
    /// Since (inclusive).
    async fn valid_from(&self) -> DateTime<Utc> {
        self.0.valid_from
    }
    /// Until (exclusive); null while current.
    async fn valid_to(&self) -> Option<DateTime<Utc>> {
        self.0.valid_to
    }
    /// The realignment that made this state; null for states older than history.
    async fn realignment(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        let Some(id) = self.0.realignment_id else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Realignment))
    }
}
