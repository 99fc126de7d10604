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

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Request, ServerError, ServerResult, ValidationResult};

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

/// What [`check_document`] found besides its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Whether the document asks `__schema` or `__type` anywhere.
    pub introspects: bool,
}

/// Checks a parsed document's shape against `limits` in time linear in its size.
pub fn check_document(doc: &ExecutableDocument, limits: &QueryLimits) -> ServerResult<Shape> {
    let mut walker = Walker {
        doc,
        limits,
        fragments: HashMap::new(),
        aliases: 0,
        introspects: false,
    };
    let mut fields: u64 = 0;
    for (_, operation) in doc.operations.iter() {
        let measure = walker.selection_set(&operation.node.selection_set.node, 0)?;
        fields = fields.saturating_add(measure.fields);
    }
    if walker.aliases > limits.max_aliases {
        return Err(refusal(
            codes::TOO_MANY_ALIASES,
            format!(
                "the document has {} aliases; the limit is {}",
                walker.aliases, limits.max_aliases
            ),
        ));
    }
    if fields > limits.max_complexity as u64 {
        return Err(refusal(
            codes::QUERY_TOO_COMPLEX,
            format!(
                "the document expands to {fields} fields; the limit is {}",
                limits.max_complexity
            ),
        ));
    }
    Ok(Shape {
        introspects: walker.introspects,
    })
}

/// How deep a selection set nests and how many fields it expands to.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    depth: usize,
    fields: u64,
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    limits: &'a QueryLimits,
    /// Fragments measured so far; `None` while one is being measured (a cycle if met again).
    fragments: HashMap<&'a str, Option<Measure>>,
    aliases: usize,
    introspects: bool,
}

impl<'a> Walker<'a> {
    /// Measures `set`, found `at` levels below an operation. Refuses as soon as the nesting
    /// passes the limit, which also bounds this walker's own recursion.
    fn selection_set(&mut self, set: &'a SelectionSet, at: usize) -> ServerResult<Measure> {
        if at > self.limits.max_recursive_depth {
            return Err(self.too_deep());
        }
        let mut total = Measure::default();
        for selection in &set.items {
            self.directives(selection.node.directives().len())?;
            let (child, own_fields) = match &selection.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        self.aliases += 1;
                    }
                    let name = field.node.name.node.as_str();
                    self.introspects |= name.starts_with("__") && name != "__typename";
                    let children = &field.node.selection_set.node;
                    let child = if children.items.is_empty() {
                        None
                    } else {
                        Some(self.selection_set(children, at + 1)?)
                    };
                    (child, 1)
                }
                Selection::InlineFragment(inline) => (
                    Some(self.selection_set(&inline.node.selection_set.node, at + 1)?),
                    0,
                ),
                Selection::FragmentSpread(spread) => (
                    Some(self.fragment(spread.node.fragment_name.node.as_str(), at + 1)?),
                    0,
                ),
            };
            let child = child.map_or(Measure::default(), |c| Measure {
                depth: c.depth + 1,
                fields: c.fields,
            });
            total.depth = total.depth.max(child.depth);
            total.fields = total
                .fields
                .saturating_add(own_fields)
                .saturating_add(child.fields);
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str, at: usize) -> ServerResult<Measure> {
        match self.fragments.get(name) {
            Some(Some(measure)) => {
                let measure = *measure;
                // Measured before from shallower: still refuse if this use goes too deep.
                if at + measure.depth > self.limits.max_recursive_depth {
                    return Err(self.too_deep());
                }
                Ok(measure)
            }
            Some(None) => Err(refusal(
                "BAD_USER_INPUT",
                format!("fragment {name} spreads itself"),
            )),
            None => {
                // An unknown fragment is left for validation to name.
                let Some(fragment) = self.doc.fragments.get(name) else {
                    return Ok(Measure::default());
                };
                self.fragments.insert(name, None);
                let measure = self.selection_set(&fragment.node.selection_set.node, at)?;
                self.fragments.insert(name, Some(measure));
                Ok(measure)
            }
        }
    }

    fn too_deep(&self) -> ServerError {
        refusal(
            codes::QUERY_TOO_DEEP,
            format!(
                "selection sets and fragments nest deeper than {}",
                self.limits.max_recursive_depth
            ),
        )
    }

    fn directives(&self, count: usize) -> ServerResult<()> {
        if count > self.limits.max_directives_per_field {
            return Err(refusal(
                codes::TOO_MANY_DIRECTIVES,
                format!(
                    "a selection has {count} directives; the limit is {}",
                    self.limits.max_directives_per_field
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn code_of(query: &str, limits: &QueryLimits) -> Option<String> {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        check_document(&doc, limits).err().map(|e| {
            e.extensions
                .and_then(|x| match x.get("code") {
                    Some(async_graphql::Value::String(s)) => Some(s.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        })
    }

    /// Fragments `F0..F{levels}`, each spreading the next twice: 2^levels fields once expanded.
    fn fragment_bomb(levels: usize) -> String {
        let mut query = String::from("query { ...F0 }\n");
        for i in 0..levels {
            query.push_str(&format!(
                "fragment F{i} on Q {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str(&format!("fragment F{levels} on Q {{ a b }}\n"));
        query
    }

    #[test]
    fn connection_cost_multiplies_children_by_the_clamped_page() {
        assert_eq!(connection_cost(Some(100), 10), 1_001);
        assert_eq!(connection_cost(None, 10), 201);
        assert_eq!(connection_cost(Some(1_000_000), 10), 1_001);
        assert_eq!(connection_cost(Some(-5), 10), 11);
        assert_eq!(connection_cost(Some(100), usize::MAX), FIELD_COST_CAP);
    }

    #[test]
    fn fragment_bombs_are_measured_once_per_fragment_and_refused() {
        let limits = QueryLimits::default();
        assert_eq!(code_of(&fragment_bomb(8), &limits), None, "512 fields fit");
        // 2^21 fields: refused without expanding them (the walk is linear in the text).
        assert_eq!(
            code_of(&fragment_bomb(20), &limits).as_deref(),
            Some(codes::QUERY_TOO_COMPLEX)
        );
    }

    #[test]
    fn cycles_depth_aliases_and_directives_are_refused() {
        let limits = QueryLimits::default();
        let cycle = "query { ...A } fragment A on Q { ...B ...B } fragment B on Q { ...A }";
        assert_eq!(code_of(cycle, &limits).as_deref(), Some("BAD_USER_INPUT"));
        let nested = format!("{{ {} a {} }}", "... on Q {".repeat(30), "}".repeat(30));
        assert_eq!(
            code_of(&nested, &limits).as_deref(),
            Some(codes::QUERY_TOO_DEEP)
        );
        let aliases: String = (0..31).map(|i| format!("a{i}: a ")).collect();
        assert_eq!(
            code_of(&format!("{{ {aliases} }}"), &limits).as_deref(),
            Some(codes::TOO_MANY_ALIASES)
        );
        let directives = "{ a @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) }";
        assert_eq!(
            code_of(directives, &limits).as_deref(),
            Some(codes::TOO_MANY_DIRECTIVES)
        );
        assert_eq!(code_of("{ a b { c d { e } } }", &limits), None);
    }

    #[test]
    fn a_fragment_reused_deeper_than_first_seen_is_still_refused() {
        let limits = QueryLimits {
            max_recursive_depth: 5,
            ..QueryLimits::default()
        };
        // F is first measured at level 1 (fits), then spread again at level 4.
        let query = "{ ...F a { b { c { ...F } } } } fragment F on Q { x { y { z } } }";
        assert_eq!(
            code_of(query, &limits).as_deref(),
            Some(codes::QUERY_TOO_DEEP)
        );
    }
}
