//! The GraphQL schema: queries, mutations, types, and the conventions they share (global ids,
//! Relay connections, user errors, error codes).

mod accounts;
mod audit;
mod context;
mod error;
mod identity;
pub mod ids;
pub(crate) mod loaders;
mod node;
mod pagination;
pub(crate) mod realignments;
mod territories;
pub mod types;

use async_graphql::{EmptySubscription, MergedObject, Schema};
use chrono::Duration;

pub use context::RequestContext;
pub use error::{ApiError, REQUEST_ID, UserError, current_request_id};
pub use identity::SessionTtl;

use crate::auth::PasswordHasher;

/// All queries.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    identity::IdentityQuery,
    territories::TerritoryQuery,
    accounts::AccountQuery,
    realignments::RealignmentQuery,
    audit::AuditQuery,
    node::NodeQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    identity::IdentityMutation,
    territories::TerritoryMutation,
    accounts::AccountMutation,
    realignments::RealignmentMutation,
);

/// Terrane's schema type.
pub type TerraneSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Options that shape the schema.
#[derive(Debug, Clone)]
pub struct SchemaOptions {
    /// Switch off introspection (and field suggestions): production mode.
    pub production: bool,
    /// How long a log-in session lasts.
    pub session_ttl: Duration,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            production: false,
            session_ttl: Duration::hours(12),
        }
    }
}

/// Builds the schema. `hasher` is shared by every request.
pub fn build_schema(options: &SchemaOptions, hasher: PasswordHasher) -> TerraneSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .data(hasher)
    .data(SessionTtl(options.session_ttl))
    .limit_depth(12)
    .limit_complexity(5_000)
    .register_output_type::<types::Node>();
    if options.production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .register_output_type::<types::Node>()
    .finish()
    .sdl()
}
