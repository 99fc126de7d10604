//! What the engine knows about an account.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::ids::TerritoryId;

/// The fields of an account that assignment reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFacts {
    /// The tenant's own id for it.
    pub external_id: String,
    /// Its name.
    pub name: String,
    /// Industry, if known.
    pub industry: Option<String>,
    /// Segment, if known.
    pub segment: Option<String>,
    /// Revenue potential (>= 0).
    pub potential: Decimal,
    /// Hours of work per period (>= 0).
    pub workload: Decimal,
    /// Free attributes.
    pub attributes: Map<String, Value>,
    /// `[lon, lat]`, if known.
    pub location: Option<[f64; 2]>,
    /// The territory it is pinned to by hand, if it is.
    pub pinned_to: Option<TerritoryId>,
}
