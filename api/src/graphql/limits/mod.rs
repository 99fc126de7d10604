//! Limits on what one GraphQL document may cost, each refused with its own stable
//! `extensions.code` before any resolver runs.
//!
//! Two checks, both in one schema extension:
//! - before async-graphql's own validation, a single pass over the parsed document with every
//!   fragment measured once (memoised): aliases, directives per selection, nesting depth
//!   counting fragments, fragment cycles, and the number of fields once fragments are expanded.
//!   async-graphql's own depth and complexity visitors expand fragments inline, so a kilobyte of
//!   fragments each spreading the next twice costs them exponential time (2^22 expansions took a
//!   second of CPU, uninterruptible by the request timeout); refusing such documents first keeps
//!   every later pass bounded.
//! - after validation, async-graphql's computed depth and complexity against the budget. Every
//!   field costs 1 plus its children, and a connection's children cost `first` times over (see
//!   [`connection_cost`]), so three nested `first: 100` connections cost over a million.

mod shape;

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::{ErrorExtensionValues, Request, ServerError, ServerResult, ValidationResult};

pub use shape::{Shape, check_document};

use super::error::current_request_id;
use super::pagination::{DEFAULT_PAGE, MAX_PAGE};

/// Refusal codes, as clients see them in `extensions.code`.
pub mod codes {
    /// The complexity budget is exceeded (or the document expands to too many fields).
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    /// Fields nest too deep, or selection sets and fragments do.
    pub const QUERY_TOO_DEEP: &str = "QUERY_TOO_DEEP";
    /// More aliases in one document than allowed.
    pub const TOO_MANY_ALIASES: &str = "TOO_MANY_ALIASES";
    /// More directives on one field or fragment than allowed.
    pub const TOO_MANY_DIRECTIVES: &str = "TOO_MANY_DIRECTIVES";
    /// More operations in one batch than allowed.
    pub const BATCH_TOO_LARGE: &str = "BATCH_TOO_LARGE";
    /// The request body is over its size limit (HTTP 413).
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The request ran longer than its time limit.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// `__schema` or `__type` asked of a server in production mode.
    pub const INTROSPECTION_DISABLED: &str = "INTROSPECTION_DISABLED";
}

/// What one document may cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLimits {
    /// Deepest field nesting.
    pub max_depth: usize,
    /// Complexity budget: each field costs 1 plus its children, a connection's children
    /// `first` times over.
    pub max_complexity: usize,
    /// Deepest nesting of selection sets, counting fragment spreads and inline fragments.
    pub max_recursive_depth: usize,
    /// Most directives on one field, fragment spread or inline fragment.
    pub max_directives_per_field: usize,
    /// Most aliases in one document.
    pub max_aliases: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            max_recursive_depth: 24,
            max_directives_per_field: 4,
            max_aliases: 30,
        }
    }
}

/// The most any one field may cost: keeps async-graphql's unchecked sums far from overflow
/// (a 1 MiB document holds well under a million fields).
const FIELD_COST_CAP: usize = 1 << 40;

/// The cost of a connection field: 1, plus its children once per requested item. `first` is
/// clamped to the page range, so an out-of-range `first` gets the resolver's BAD_USER_INPUT
/// rather than a complexity refusal.
pub fn connection_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let items = usize::try_from(first.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)).unwrap_or(1);
    child_complexity
        .saturating_mul(items)
        .saturating_add(1)
        .min(FIELD_COST_CAP)
}

/// A top-level error with `code` (and the request id, when inside a request).
pub fn refusal(code: &str, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    if let Some(id) = current_request_id() {
        extensions.set("requestId", id);
    }
    error.extensions = Some(extensions);
    error
}

/// The schema extension enforcing [`QueryLimits`], and refusing introspection when it is off
/// (async-graphql's own switch only answers `null`, which a client may take for an empty schema).
pub struct Limits {
    /// The limits.
    pub limits: Arc<QueryLimits>,
    /// Whether `__schema` and `__type` may be asked.
    pub introspection: bool,
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: self.limits.clone(),
            introspection: self.introspection,
        })
    }
}

struct LimitsExtension {
    limits: Arc<QueryLimits>,
    introspection: bool,
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // The parsed document is kept in the request, so it is not parsed twice. A document
        // that does not parse is left for async-graphql to report.
        if let Ok(doc) = request.parsed_query() {
            let shape = check_document(doc, &self.limits)?;
            if shape.introspects && !self.introspection {
                return Err(refusal(
                    codes::INTROSPECTION_DISABLED,
                    "introspection is disabled on this server",
                ));
            }
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.depth > self.limits.max_depth {
            return Err(vec![refusal(
                codes::QUERY_TOO_DEEP,
                format!(
                    "query is nested {} deep; the limit is {}",
                    result.depth, self.limits.max_depth
                ),
            )]);
        }
        if result.complexity > self.limits.max_complexity {
            return Err(vec![refusal(
                codes::QUERY_TOO_COMPLEX,
                format!(
                    "query costs {} (connections count `first` times their fields); the limit is {}",
                    result.complexity, self.limits.max_complexity
                ),
            )]);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_cost_multiplies_children_by_the_clamped_page() {
        assert_eq!(connection_cost(Some(100), 10), 1_001);
        assert_eq!(connection_cost(None, 10), 201);
        assert_eq!(connection_cost(Some(1_000_000), 10), 1_001);
        assert_eq!(connection_cost(Some(-5), 10), 11);
        assert_eq!(connection_cost(Some(100), usize::MAX), FIELD_COST_CAP);
    }
}
