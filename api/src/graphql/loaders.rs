//! DataLoaders: every `parent`, `children`, `createdBy`, ... in one response is fetched with one
//! query per kind and level, never one per object.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use terrane_domain::ids::{
    AccountId, ApiKeyId, RealignmentId, RepId, RuleId, TenantId, TerritoryId, UserId,
};
use terrane_domain::quota::{Metric, Period};
use terrane_persistence::{
    AccountRecord, ApiKeyRecord, MemberRecord, PlacementRecord, QuotaSummary, RealignmentRecord,
    RepRecord, RuleRecord, Store, StoreError, TerritoryMetrics, TerritoryRecord, UserRecord,
};

/// Loads one record of the caller's tenant through the request's batching loader.
pub async fn load_record<K>(
    ctx: &Context<'_>,
    id: K,
) -> Result<Option<<RecordLoader as Loader<K>>::Value>, super::ApiError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    RecordLoader: Loader<K, Error = Arc<StoreError>>,
{
    let loaders = super::RequestContext::of(ctx)?.loaders()?;
    Ok(loaders.records.load_one(id).await?)
}

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

impl Loader<RepId> for RecordLoader {
    type Value = RepRecord;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[RepId]) -> Result<HashMap<RepId, Self::Value>, Self::Error> {
        let rows = self.store.tenant(self.tenant_id).reps_by_ids(keys).await?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

/// Loads each territory's current members, in one query.
pub struct MembersLoader {
    store: Store,
    tenant_id: TenantId,
}

impl MembersLoader {
    /// A loader for `tenant_id`.
    pub fn new(store: Store, tenant_id: TenantId) -> Self {
        Self { store, tenant_id }
    }
}

impl Loader<TerritoryId> for MembersLoader {
    type Value = Vec<MemberRecord>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, Self::Value>, Self::Error> {
        Ok(self.store.tenant(self.tenant_id).members_of(keys).await?)
    }
}

impl Loader<RepId> for MembersLoader {
    type Value = Vec<MemberRecord>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[RepId]) -> Result<HashMap<RepId, Self::Value>, Self::Error> {
        Ok(self
            .store
            .tenant(self.tenant_id)
            .territories_of(keys)
            .await?)
    }
}

/// Loads territories' quota summaries (own quota beside the children's total), one pair of
/// queries per (period, metric) asked in the response.
pub struct QuotaLoader {
    store: Store,
    tenant_id: TenantId,
}

impl QuotaLoader {
    /// A loader for `tenant_id`.
    pub fn new(store: Store, tenant_id: TenantId) -> Self {
        Self { store, tenant_id }
    }
}

/// Which quota summary: a territory's, for one period and metric.
pub type QuotaKey = (TerritoryId, Period, Metric);

impl Loader<QuotaKey> for QuotaLoader {
    type Value = QuotaSummary;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[QuotaKey]) -> Result<HashMap<QuotaKey, Self::Value>, Self::Error> {
        let mut groups: HashMap<(Period, Metric), Vec<TerritoryId>> = HashMap::new();
        for (territory, period, metric) in keys {
            groups
                .entry((*period, *metric))
                .or_default()
                .push(*territory);
        }
        let scope = self.store.tenant(self.tenant_id);
        let mut out = HashMap::with_capacity(keys.len());
        for ((period, metric), territories) in groups {
            let summaries = scope.quota_summaries(&territories, period, metric).await?;
            out.extend(
                summaries
                    .into_iter()
                    .map(|(territory, s)| ((territory, period, metric), s)),
            );
        }
        Ok(out)
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

impl Loader<AccountId> for RecordLoader {
    type Value = AccountRecord;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[AccountId],
    ) -> Result<HashMap<AccountId, Self::Value>, Self::Error> {
        let rows = self
            .store
            .tenant(self.tenant_id)
            .accounts_by_ids(keys)
            .await?;
        Ok(rows.into_iter().map(|r| (r.account.id, r)).collect())
    }
}

impl Loader<RuleId> for RecordLoader {
    type Value = RuleRecord;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[RuleId]) -> Result<HashMap<RuleId, Self::Value>, Self::Error> {
        let rows = self.store.tenant(self.tenant_id).rules_by_ids(keys).await?;
        Ok(rows.into_iter().map(|r| (r.rule.id, r)).collect())
    }
}

/// Loads where accounts sit now, by account id.
pub struct PlacementLoader {
    store: Store,
    tenant_id: TenantId,
}

impl PlacementLoader {
    /// A loader for `tenant_id`.
    pub fn new(store: Store, tenant_id: TenantId) -> Self {
        Self { store, tenant_id }
    }
}

impl Loader<AccountId> for PlacementLoader {
    type Value = PlacementRecord;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[AccountId],
    ) -> Result<HashMap<AccountId, Self::Value>, Self::Error> {
        Ok(self.store.tenant(self.tenant_id).placements(keys).await?)
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

/// Loads each territory's direct account metrics, in one grouped query.
pub struct MetricsLoader {
    store: Store,
    tenant_id: TenantId,
}

impl MetricsLoader {
    /// A loader for `tenant_id`.
    pub fn new(store: Store, tenant_id: TenantId) -> Self {
        Self { store, tenant_id }
    }
}

/// A territory's key for the metrics of it and everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subtree(pub TerritoryId);

impl Loader<Subtree> for MetricsLoader {
    type Value = TerritoryMetrics;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[Subtree]) -> Result<HashMap<Subtree, Self::Value>, Self::Error> {
        let ids: Vec<TerritoryId> = keys.iter().map(|k| k.0).collect();
        let sums = self
            .store
            .tenant(self.tenant_id)
            .subtree_metrics(&ids)
            .await?;
        Ok(sums.into_iter().map(|(t, m)| (Subtree(t), m)).collect())
    }
}

impl Loader<TerritoryId> for MetricsLoader {
    type Value = TerritoryMetrics;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, Self::Value>, Self::Error> {
        Ok(self
            .store
            .tenant(self.tenant_id)
            .direct_metrics(keys)
            .await?)
    }
}
