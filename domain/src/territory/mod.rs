//! Territories: validated names, codes and boundaries, the hierarchy rules, and the territory
//! value itself with the snapshot the audit log records.

mod boundary;
mod boundary_ops;
mod hierarchy;
mod labels;

pub use boundary::{Boundary, BoundaryError, BoundingBox, MAX_BOUNDARY_POSITIONS};
pub use hierarchy::{Hierarchy, HierarchyError, MAX_DEPTH};
pub use labels::{LabelError, TerritoryCode, TerritoryName};

use crate::ids::TerritoryId;

/// A territory as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct Territory {
    /// Its id.
    pub id: TerritoryId,
    /// Its parent; `None` for a root.
    pub parent_id: Option<TerritoryId>,
    /// Display name.
    pub name: TerritoryName,
    /// Short code, unique in the tenant.
    pub code: TerritoryCode,
    /// Geographic boundary, if it has one.
    pub boundary: Option<Boundary>,
    /// Bumped by every change; clients send it back as `expectedVersion`.
    pub version: i64,
}

impl Territory {
    /// What the audit log records as this territory's `before` or `after`.
    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "parentId": self.parent_id,
            "name": self.name.as_str(),
            "code": self.code.as_str(),
            "boundary": self.boundary.as_ref().map(Boundary::to_geojson_value),
            "version": self.version,
        })
    }
}
