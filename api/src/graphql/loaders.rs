//! DataLoaders: every `parent`, `children`, `createdBy`, ... in one response is fetched with one
//! query per kind and level, never one per object.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use terrane_domain::ids::{ApiKeyId, RealignmentId, TenantId, TerritoryId, UserId};
use terrane_persistence::{
    ApiKeyRecord, RealignmentRecord, Store, StoreError, TerritoryRecord, UserRecord,
};

/// Loads records of one tenant by id.
pub struct RecordLoader {
    store: Store,
    tenant_id: TenantId,
}

impl RecordLoader {
    /// A loader for `tenant_id`.
    pub fn new(store: Store, tenant_id: TenantId) -> Self {
        Self { store, tenant_id }
    }
}

impl Loader<TerritoryId> for RecordLoader {
    type Value = TerritoryRecord;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, Self::Value>, Self::Error> {
        let rows = self
            .store
            .tenant(self.tenant_id)
            .territories_by_ids(keys)
            .await?;
        Ok(rows.into_iter().map(|r| (r.territory.id, r)).collect())
    }
}

impl Loader<UserId> for RecordLoader {
    type Value = UserRecord;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, Self::Value>, Self::Error> {
        let rows = self.store.tenant(self.tenant_id).users_by_ids(keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<ApiKeyId> for RecordLoader {
    type Value = ApiKeyRecord;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[ApiKeyId]) -> Result<HashMap<ApiKeyId, Self::Value>, Self::Error> {
        let rows = self
            .store
            .tenant(self.tenant_id)
            .api_keys_by_ids(keys)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<RealignmentId> for RecordLoader {
    type Value = RealignmentRecord;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[RealignmentId],
    ) -> Result<HashMap<RealignmentId, Self::Value>, Self::Error> {
        let rows = self
            .store
            .tenant(self.tenant_id)
            .realignments_by_ids(keys)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads the children of territories, by parent id.
pub struct ChildrenLoader {
    store: Store,
    tenant_id: TenantId,
}

impl ChildrenLoader {
    /// A loader for `tenant_id`.
    pub fn new(store: Store, tenant_id: TenantId) -> Self {
        Self { store, tenant_id }
    }
}

impl Loader<TerritoryId> for ChildrenLoader {
    type Value = Vec<TerritoryRecord>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, Self::Value>, Self::Error> {
        let rows = self.store.tenant(self.tenant_id).children_of(keys).await?;
        let mut by_parent: HashMap<TerritoryId, Vec<TerritoryRecord>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            if let Some(parent) = row.territory.parent_id {
                by_parent.entry(parent).or_default().push(row);
            }
        }
        Ok(by_parent)
    }
}
