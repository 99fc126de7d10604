//! What every resolver can reach: the store, who is asking, the request id and the per-request
//! DataLoaders. Tenant data is reachable only through [`RequestContext::scope`], which exists
//! only for an authenticated principal.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use terrane_persistence::{Principal, Store, TenantScope, WriteContext};

use super::error::ApiError;
use super::loaders::{
    ChildrenLoader, MembersLoader, MetricsLoader, PlacementLoader, QuotaLoader, RecordLoader,
};

/// Per-request state, handed to the schema as request data.
pub struct RequestContext {
    store: Store,
    /// Who is asking, if anyone.
    pub principal: Option<Principal>,
    /// The request id shown in the `x-request-id` header and logs.
    pub request_id: String,
    /// The client's address, when known (for log-in throttling).
    pub client_address: Option<String>,
    loaders: Option<Loaders>,
}

/// Batching loaders, scoped to the caller's tenant.
pub struct Loaders {
    /// Territories, users, realignments and API keys by id.
    pub records: DataLoader<RecordLoader>,
    /// Child territories by parent id.
    pub children: DataLoader<ChildrenLoader>,
    /// Where accounts sit, by account id.
    pub placements: DataLoader<PlacementLoader>,
    /// Account metrics by territory id (direct) or by `Subtree` (with everything below).
    pub metrics: DataLoader<MetricsLoader>,
    /// Current members by territory id, and current territories by rep id.
    pub members: DataLoader<MembersLoader>,
    /// Quota summaries, by (territory, period, metric).
    pub quotas: DataLoader<QuotaLoader>,
}

impl RequestContext {
    /// Builds the context for one request.
    pub fn new(store: Store, principal: Option<Principal>, request_id: String) -> Self {
        let loaders = principal.map(|p| Loaders {
            records: DataLoader::new(RecordLoader::new(store.clone(), p.tenant_id), tokio::spawn),
            children: DataLoader::new(
                ChildrenLoader::new(store.clone(), p.tenant_id),
                tokio::spawn,
            ),
            placements: DataLoader::new(
                PlacementLoader::new(store.clone(), p.tenant_id),
                tokio::spawn,
            ),
            metrics: DataLoader::new(MetricsLoader::new(store.clone(), p.tenant_id), tokio::spawn),
            members: DataLoader::new(MembersLoader::new(store.clone(), p.tenant_id), tokio::spawn),
            quotas: DataLoader::new(QuotaLoader::new(store.clone(), p.tenant_id), tokio::spawn),
        });
        Self {
            store,
            principal,
            request_id,
            client_address: None,
            loaders,
        }
    }

    /// The same, knowing the client's address.
    pub fn with_client_address(mut self, address: Option<String>) -> Self {
        self.client_address = address;
        self
    }

    /// The context of the request a resolver runs in.
    pub fn of<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, ApiError> {
        ctx.data::<RequestContext>()
            .map_err(|_| ApiError::internal("request context missing"))
    }

    /// The whole store, for the few operations that precede authentication.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The authenticated principal.
    pub fn principal(&self) -> Result<Principal, ApiError> {
        self.principal.ok_or(ApiError::Unauthenticated)
    }

    /// The caller's tenant: the only data this request can reach.
    pub fn scope(&self) -> Result<TenantScope<'_>, ApiError> {
        Ok(self.store.tenant(self.principal()?.tenant_id))
    }

    /// Who is writing, for the audit log.
    pub fn write_context(&self) -> Result<WriteContext, ApiError> {
        Ok(WriteContext {
            actor: self.principal()?.actor,
            request_id: Some(self.request_id.clone()),
        })
    }

    /// The tenant-scoped loaders.
    pub fn loaders(&self) -> Result<&Loaders, ApiError> {
        self.loaders.as_ref().ok_or(ApiError::Unauthenticated)
    }
}
