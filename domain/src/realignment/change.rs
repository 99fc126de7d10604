//! The typed changes a realignment holds. Values inside are already validated; whether they fit
//! the current state is decided by [`super::apply`].

use serde_json::{Value, json};

use crate::ids::TerritoryId;
use crate::territory::{Boundary, TerritoryCode, TerritoryName};

/// One change to alignment state.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Create a territory.
    CreateTerritory(CreateTerritory),
    /// Rename, re-code or re-draw a territory.
    UpdateTerritory(UpdateTerritory),
    /// Put a territory (and its subtree) under another parent, or make it a root.
    MoveTerritory(MoveTerritory),
    /// Delete a territory that has no children.
    DeleteTerritory(DeleteTerritory),
}

/// Create a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTerritory {
    /// The id it will have (chosen up front so a realignment can refer to it).
    pub id: TerritoryId,
    /// Name.
    pub name: TerritoryName,
    /// Code, unique in the tenant.
    pub code: TerritoryCode,
    /// Parent, or `None` for a root.
    pub parent_id: Option<TerritoryId>,
    /// Boundary, if any.
    pub boundary: Option<Boundary>,
}

/// Change a territory's own fields. `None` leaves a field alone.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateTerritory {
    /// Which territory.
    pub id: TerritoryId,
    /// New name.
    pub name: Option<TerritoryName>,
    /// New code.
    pub code: Option<TerritoryCode>,
    /// New boundary; `Some(None)` removes it.
    pub boundary: Option<Option<Boundary>>,
    /// Refuse with `STALE_VERSION` unless the territory is at this version.
    pub expected_version: Option<i64>,
}

/// Move a territory under a new parent.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveTerritory {
    /// Which territory.
    pub id: TerritoryId,
    /// New parent, or `None` to make it a root.
    pub parent_id: Option<TerritoryId>,
    /// Refuse with `STALE_VERSION` unless the territory is at this version.
    pub expected_version: Option<i64>,
}

/// Delete a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteTerritory {
    /// Which territory.
    pub id: TerritoryId,
    /// Refuse with `STALE_VERSION` unless the territory is at this version.
    pub expected_version: Option<i64>,
}

impl Change {
    /// The audit action this change produces.
    pub fn action(&self) -> &'static str {
        match self {
            Change::CreateTerritory(_) => "territory.created",
            Change::UpdateTerritory(_) => "territory.updated",
            Change::MoveTerritory(_) => "territory.moved",
            Change::DeleteTerritory(_) => "territory.deleted",
        }
    }

    /// The territory this change is about.
    pub fn territory_id(&self) -> TerritoryId {
        match self {
            Change::CreateTerritory(c) => c.id,
            Change::UpdateTerritory(c) => c.id,
            Change::MoveTerritory(c) => c.id,
            Change::DeleteTerritory(c) => c.id,
        }
    }

    /// A JSON description, as stored with the realignment.
    pub fn to_json(&self) -> Value {
        match self {
            Change::CreateTerritory(c) => json!({
                "type": "createTerritory",
                "id": c.id,
                "name": c.name.as_str(),
                "code": c.code.as_str(),
                "parentId": c.parent_id,
                "boundary": c.boundary.as_ref().map(Boundary::to_geojson_value),
            }),
            Change::UpdateTerritory(c) => {
                let mut v = json!({ "type": "updateTerritory", "id": c.id });
                if let Some(name) = &c.name {
                    v["name"] = json!(name.as_str());
                }
                if let Some(code) = &c.code {
                    v["code"] = json!(code.as_str());
                }
                if let Some(boundary) = &c.boundary {
                    v["boundary"] = json!(boundary.as_ref().map(Boundary::to_geojson_value));
                }
                if let Some(expected) = c.expected_version {
                    v["expectedVersion"] = json!(expected);
                }
                v
            }
            Change::MoveTerritory(c) => json!({
                "type": "moveTerritory",
                "id": c.id,
                "parentId": c.parent_id,
                "expectedVersion": c.expected_version,
            }),
            Change::DeleteTerritory(c) => json!({
                "type": "deleteTerritory",
                "id": c.id,
                "expectedVersion": c.expected_version,
            }),
        }
    }
}
