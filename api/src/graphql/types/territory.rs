//! Territories as clients see them, with their place in the tree resolved through loaders.

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use terrane_domain::territory::MAX_DEPTH;
use terrane_persistence::TerritoryRecord;

use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::{Subtree, load_record};
use crate::graphql::{ApiError, RequestContext};

/// A lon/lat rectangle.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct BoundingBox {
    /// West edge.
    pub min_lon: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

/// The accounts of a territory, summed.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct TerritoryMetrics {
    /// How many accounts.
    pub account_count: u64,
    /// Their revenue potential.
    pub potential: rust_decimal::Decimal,
    /// Their workload (hours per period).
    pub workload: rust_decimal::Decimal,
}

impl From<terrane_persistence::TerritoryMetrics> for TerritoryMetrics {
    fn from(m: terrane_persistence::TerritoryMetrics) -> Self {
        Self {
            account_count: m.account_count,
            potential: m.potential.value(),
            workload: m.workload.value(),
        }
    }
}

/// A sales territory: a node of the tenant's territory tree, optionally with a boundary.
#[derive(Clone)]
pub struct Territory(pub TerritoryRecord);

impl Territory {
    async fn load_parent(
        &self,
        ctx: &Context<'_>,
        of: &TerritoryRecord,
    ) -> Result<Option<TerritoryRecord>, ApiError> {
        let Some(parent_id) = of.territory.parent_id else {
            return Ok(None);
        };
        load_record(ctx, parent_id).await
    }

    async fn load_ancestors(&self, ctx: &Context<'_>) -> Result<Vec<TerritoryRecord>, ApiError> {
        let mut chain = Vec::new();
        let mut current = self.0.clone();
        while let Some(parent) = self.load_parent(ctx, &current).await? {
            if chain.len() > MAX_DEPTH {
                return Err(ApiError::internal(format!(
                    "territory {} has a cyclic ancestry",
                    self.0.territory.id
                )));
            }
            chain.push(parent.clone());
            current = parent;
        }
        Ok(chain)
    }
}

#[Object]
impl Territory {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Territory, self.0.territory.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        self.0.territory.name.as_str()
    }
    /// Short code, unique in the tenant (upper-case).
    async fn code(&self) -> &str {
        self.0.territory.code.as_str()
    }
    /// Version, bumped by every change; send it back as `expectedVersion`.
    async fn version(&self) -> i64 {
        self.0.territory.version
    }
    /// GeoJSON Polygon or MultiPolygon (RFC 7946, `[lon, lat]`), if it has a boundary.
    async fn boundary(&self) -> Option<Json<serde_json::Value>> {
        self.0
            .territory
            .boundary
            .as_ref()
            .map(|b| Json(b.to_geojson_value()))
    }
    /// The boundary's bounding box.
    async fn bounding_box(&self) -> Option<BoundingBox> {
        self.0.territory.boundary.as_ref().map(|b| {
            let bb = b.bbox();
            BoundingBox {
                min_lon: bb.min_lon,
                min_lat: bb.min_lat,
                max_lon: bb.max_lon,
                max_lat: bb.max_lat,
            }
        })
    }
    /// The parent, or null for a root.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        Ok(self.load_parent(ctx, &self.0).await?.map(Territory))
    }
    /// The direct children, oldest first.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Territory>> {
        let loaders = RequestContext::of(ctx)?.loaders()?;
        let children = loaders
            .children
            .load_one(self.0.territory.id)
            .await
            .map_err(ApiError::from)?;
        Ok(children
            .unwrap_or_default()
            .into_iter()
            .map(Territory)
            .collect())
    }
    /// Every territory above this one, nearest first.
    async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Territory>> {
        Ok(self
            .load_ancestors(ctx)
            .await?
            .into_iter()
            .map(Territory)
            .collect())
    }
    /// How many ancestors it has: 0 for a root.
    async fn depth(&self, ctx: &Context<'_>) -> Result<i32> {
        let depth = self.load_ancestors(ctx).await?.len();
        Ok(i32::try_from(depth).unwrap_or(i32::MAX))
    }
    /// Account count, potential and workload of the accounts assigned to it — or, with
    /// `includeDescendants`, to it and every territory below it.
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_descendants: bool,
    ) -> Result<TerritoryMetrics> {
        let loader = &RequestContext::of(ctx)?.loaders()?.metrics;
        let id = self.0.territory.id;
        let metrics = if include_descendants {
            loader.load_one(Subtree(id)).await
        } else {
            loader.load_one(id).await
        };
        let metrics = metrics.map_err(ApiError::from)?.unwrap_or_default();
        Ok(metrics.into())
    }
    /// The accounts assigned to it (not to its descendants), in creation order.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(first, child_complexity)")]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<crate::graphql::pagination::Conn<super::Account>> {
        let filter = terrane_persistence::AccountFilter {
            territory_id: Some(self.0.territory.id),
            ..Default::default()
        };
        crate::graphql::accounts::list(ctx, filter, first, after).await
    }
    /// The reps staffing it now (one OWNER at most, any number of OVERLAYs).
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<super::TerritoryMember>> {
        let members = RequestContext::of(ctx)?
            .loaders()?
            .members
            .load_one(self.0.territory.id)
            .await
            .map_err(ApiError::from)?
            .unwrap_or_default();
        Ok(members.into_iter().map(super::TerritoryMember).collect())
    }
    /// The reps who staffed it at `at` (from its staffing history).
    async fn members_at(
        &self,
        ctx: &Context<'_>,
        at: DateTime<Utc>,
    ) -> Result<Vec<super::TerritoryMember>> {
        let members = RequestContext::of(ctx)?
            .scope()?
            .members_at(self.0.territory.id, at)
            .await
            .map_err(ApiError::from)?;
        Ok(members.into_iter().map(super::TerritoryMember).collect())
    }
    /// Its quota for `period` (e.g. `FY2027-Q1`) beside the sum of its children's.
    async fn quota(
        &self,
        ctx: &Context<'_>,
        period: String,
        #[graphql(default)] metric: super::Metric,
    ) -> Result<super::QuotaSummary> {
        let parsed = terrane_domain::quota::Period::parse(&period)
            .map_err(|e| ApiError::BadUserInput(e.to_string()))?;
        let summary = RequestContext::of(ctx)?
            .loaders()?
            .quotas
            .load_one((self.0.territory.id, parsed, metric.into()))
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::internal("quota summary missing"))?;
        Ok(super::QuotaSummary::new(parsed.label(), summary))
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
