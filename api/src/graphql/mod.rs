//! The GraphQL schema: queries, mutations, types, and the conventions they share (global ids,
//! Relay connections, user errors, error codes).

mod accounts;
mod actuals;
mod audit;
mod context;
mod error;
mod faults;
mod identity;
pub mod ids;
pub mod limits;
pub(crate) mod loaders;
mod node;
mod pagination;
mod quotas;
pub(crate) mod realignments;
mod staffing;
mod territories;
pub mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema};
use chrono::Duration;

pub use context::RequestContext;
pub use error::{ApiError, REQUEST_ID, UserError, current_request_id};
pub use faults::{PANIC_ALIAS, SLEEP_ALIAS};
pub use identity::SessionTtl;
pub use limits::QueryLimits;

use crate::auth::{LoginThrottle, PasswordHasher, ThrottleSettings};

/// All queries.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    identity::IdentityQuery,
    territories::TerritoryQuery,
    accounts::AccountQuery,
    realignments::RealignmentQuery,
    staffing::StaffingQuery,
    quotas::QuotaQuery,
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
    staffing::StaffingMutation,
    quotas::QuotaMutation,
    actuals::ActualsMutation,
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
    /// What one document may cost.
    pub limits: QueryLimits,
    /// Log-in throttling.
    pub login_throttle: ThrottleSettings,
    /// Test-only fault injection (see `faults`): never set outside tests.
    pub fault_injection: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            production: false,
            session_ttl: Duration::hours(12),
            limits: QueryLimits::default(),
            login_throttle: ThrottleSettings::default(),
            fault_injection: false,
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
    .data(LoginThrottle::new(options.login_throttle.clone()))
    .data(SessionTtl(options.session_ttl))
    // Depth, complexity, aliases and directives are enforced by this extension, with codes;
    // async-graphql's own recursion check stays as a backstop behind ours (which runs first).
    .extension(limits::Limits {
        limits: Arc::new(options.limits.clone()),
        introspection: !options.production,
    })
    .limit_recursive_depth(options.limits.max_recursive_depth.max(32))
    .register_output_type::<types::Node>();
    if options.fault_injection {
        builder = builder.extension(faults::FaultInjection);
    }
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
