//! Accounts, their placement and the rules that place them, as clients see them.

use crate::graphql::loaders::load_record;
use async_graphql::{Context, Enum, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use terrane_domain::assignment::Source;
use terrane_persistence::{AccountRecord, PlacementRecord, RuleRecord};

use super::realignment::Realignment;
use super::territory::Territory;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::{ApiError, RequestContext};

/// A WGS 84 position.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct Location {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// How an account came to its territory.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AssignmentSource {
    /// By hand.
    Manual,
    /// By an assignment rule.
    Rule,
    /// By the boundary that covers its location.
    Geography,
}

impl From<Source> for AssignmentSource {
    fn from(s: Source) -> Self {
        match s {
            Source::Manual => Self::Manual,
            Source::Rule => Self::Rule,
            Source::Geography => Self::Geography,
        }
    }
}

/// Why an account sits where it does.
pub struct AssignmentInfo(pub PlacementRecord);

#[Object]
impl AssignmentInfo {
    /// MANUAL, RULE or GEOGRAPHY.
    async fn source(&self) -> AssignmentSource {
        self.0.assignment.source.into()
    }
    /// The rule that decided, when the source is RULE.
    async fn rule(&self, ctx: &Context<'_>) -> Result<Option<AssignmentRule>> {
        let Some(id) = self.0.assignment.rule_id else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(AssignmentRule))
    }
    /// Pinned accounts stay put when rules or boundaries change.
    async fn pinned(&self) -> bool {
        self.0.assignment.pinned
    }
    /// Since when.
    async fn since(&self) -> DateTime<Utc> {
        self.0.since
    }
    /// The realignment that put it there.
    async fn realignment(&self, ctx: &Context<'_>) -> Result<Option<Realignment>> {
        Ok(load_record(ctx, self.0.realignment_id)
            .await?
            .map(Realignment))
    }
}

/// A customer account.
pub struct Account(pub AccountRecord);

impl Account {
    async fn placement(&self, ctx: &Context<'_>) -> Result<Option<PlacementRecord>, ApiError> {
        let loaders = RequestContext::of(ctx)?.loaders()?;
        Ok(loaders.placements.load_one(self.0.account.id).await?)
    }
}

#[Object]
impl Account {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Account, self.0.account.id)
    }
    /// The tenant's own id for it (unique in the tenant).
    async fn external_id(&self) -> &str {
        self.0.account.external_id.as_str()
    }
    /// Name.
    async fn name(&self) -> &str {
        self.0.account.name.as_str()
    }
    /// Where it is.
    async fn location(&self) -> Option<Location> {
        self.0.account.location.map(|l| Location {
            lat: l.lat(),
            lon: l.lon(),
        })
    }
    /// Postal address.
    async fn address(&self) -> Option<&str> {
        self.0.account.address.as_deref()
    }
    /// Industry.
    async fn industry(&self) -> Option<&str> {
        self.0.account.industry.as_deref()
    }
    /// Segment.
    async fn segment(&self) -> Option<&str> {
        self.0.account.segment.as_deref()
    }
    /// Revenue potential (exact decimal, as a string).
    async fn potential(&self) -> Decimal {
        self.0.account.potential.value()
    }
    /// Hours of work per period (exact decimal, as a string).
    async fn workload(&self) -> Decimal {
        self.0.account.workload.value()
    }
    /// Free attributes.
    async fn attributes(&self) -> Json<serde_json::Value> {
        Json(serde_json::Value::Object(self.0.account.attributes.clone()))
    }
    /// Version, bumped by every change.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// Created when.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The territory it sits in; null when unassigned.
    async fn territory(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        let Some(placement) = self.placement(ctx).await? else {
            return Ok(None);
        };
        Ok(load_record(ctx, placement.assignment.territory_id)
            .await?
            .map(Territory))
    }
    /// Why it sits there; null when unassigned.
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<AssignmentInfo>> {
        Ok(self.placement(ctx).await?.map(AssignmentInfo))
    }
}

/// One criterion of a rule.
#[derive(SimpleObject)]
pub struct RuleCriterion {
    /// `industry`, `segment`, `potential`, `workload`, `externalId`, `name` or `attributes.<key>`.
    pub field: String,
    /// EQ, NEQ, IN, NOT_IN, GT, GTE, LT, LTE, STARTS_WITH or CONTAINS.
    pub op: String,
    /// The value (a list for IN and NOT_IN).
    pub value: Json<serde_json::Value>,
}

/// A rule: accounts matching all its criteria go to its territory.
pub struct AssignmentRule(pub RuleRecord);

#[Object]
impl AssignmentRule {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::AssignmentRule, self.0.rule.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Lower numbers are tried first.
    async fn priority(&self) -> i32 {
        self.0.rule.priority
    }
    /// All must match.
    async fn criteria(&self) -> Vec<RuleCriterion> {
        self.0
            .rule
            .criteria
            .iter()
            .map(|c| RuleCriterion {
                field: c.field().name(),
                op: c.op().as_str().to_owned(),
                value: Json(c.value().clone()),
            })
            .collect()
    }
    /// Where matching accounts go.
    async fn territory(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        Ok(load_record(ctx, self.0.rule.territory_id)
            .await?
            .map(Territory))
    }
    /// Created when.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
