//! The HTTP surface: routes, the request-id middleware, health checks, the GraphQL endpoint (with
//! its request limits and idempotency keys) and the auditor's export.

mod audit_export;
mod body;
mod error;
mod graphql;
mod health;
mod idempotency;
mod limits;
mod principal;
mod request_id;

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, Route, get};
use terrane_persistence::Store;

use crate::graphql::TerraneSchema;
pub use idempotency::{HEADER as IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, TTL as IDEMPOTENCY_TTL};
pub use limits::RequestLimits;
pub use request_id::RequestId;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: TerraneSchema,
    /// The store.
    pub store: Store,
    /// Body sizes, batch size and time limits of `/graphql` requests.
    pub limits: Arc<RequestLimits>,
    /// Header a trusted proxy puts the client's address in, if any.
    pub client_ip_header: Option<Arc<str>>,
}

/// All routes, with their middleware.
pub fn routes(state: AppState) -> impl Endpoint {
    Route::new()
        .at("/graphql", get(graphql::graphiql).post(graphql::execute))
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/audit/export", get(audit_export::export))
        .data(state)
        .around(request_id::assign)
}
