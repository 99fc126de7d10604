//! The shape of a parsed document, measured in one pass with each fragment measured once:
//! aliases, directives per selection, nesting (fragments included), fragment cycles, and how
//! many fields it expands to. Linear in the document's size, whatever its fragments multiply to.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult};

use super::{QueryLimits, codes, refusal};

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
