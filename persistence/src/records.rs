//! What the store hands back: domain values plus the bookkeeping columns around them.

use chrono::{DateTime, Utc};
use terrane_domain::ids::{TenantId, TerritoryId};
use terrane_domain::territory::{Boundary, Territory, TerritoryCode, TerritoryName};

use crate::entity::{tenant, territory};
use crate::error::StoreError;

/// A tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantRecord {
    /// Its id.
    pub id: TenantId,
    /// Its log-in handle.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// When it signed up.
    pub created_at: DateTime<Utc>,
}

impl From<tenant::Model> for TenantRecord {
    fn from(m: tenant::Model) -> Self {
        Self {
            id: TenantId::from_uuid(m.id),
            slug: m.slug,
            name: m.name,
            created_at: m.created_at,
        }
    }
}

/// A live territory with its timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryRecord {
    /// The territory.
    pub territory: Territory,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<territory::Model> for TerritoryRecord {
    type Error = StoreError;

    fn try_from(m: territory::Model) -> Result<Self, StoreError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::corrupt(format!("territory {} {what}: {e}", m.id))
        };
        let territory = Territory {
            id: TerritoryId::from_uuid(m.id),
            parent_id: m.parent_id.map(TerritoryId::from_uuid),
            name: TerritoryName::parse(&m.name).map_err(|e| bad("name", &e))?,
            code: TerritoryCode::parse(&m.code).map_err(|e| bad("code", &e))?,
            boundary: m
                .boundary
                .as_deref()
                .map(Boundary::from_stored)
                .transpose()
                .map_err(|e| bad("boundary", &e))?,
            version: m.version,
        };
        Ok(Self {
            territory,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}
