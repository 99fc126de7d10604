//! Relay connections over the store's keyset pages: `first` within 1..=100, opaque cursors.

use async_graphql::OutputType;
use async_graphql::SimpleObject;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use terrane_persistence::{Page, PageRequest};

use super::error::ApiError;

/// Largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;
/// Page size when `first` is not given.
pub const DEFAULT_PAGE: i32 = 20;

/// Fields every connection has besides edges and pageInfo.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many items match, across all pages.
    pub total_count: u64,
}

/// A Relay connection with `totalCount`.
pub type Conn<N> = Connection<String, N, ConnectionFields, EmptyFields>;

/// Validates `first`/`after` and decodes the cursor with `parse`.
pub fn page_request<K>(
    first: Option<i32>,
    after: Option<String>,
    parse: impl Fn(&str) -> Option<K>,
) -> Result<PageRequest<K>, ApiError> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&first) {
        return Err(ApiError::BadUserInput(format!(
            "first must be between 1 and {MAX_PAGE}, got {first}"
        )));
    }
    let after = after
        .map(|cursor| {
            URL_SAFE_NO_PAD
                .decode(cursor.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|key| parse(&key))
                .ok_or_else(|| ApiError::BadUserInput(format!("'{cursor}' is not a valid cursor")))
        })
        .transpose()?;
    Ok(PageRequest {
        first: u64::try_from(first).unwrap_or(1),
        after,
    })
}

/// Encodes a cursor from a row's key.
pub fn cursor(key: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(key.to_string())
}

/// Turns a store page into a connection.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    had_cursor: bool,
    key: impl Fn(&T) -> String,
    node: impl Fn(T) -> N,
) -> Conn<N> {
    let mut conn = Connection::with_additional_fields(
        had_cursor,
        page.has_next_page,
        ConnectionFields {
            total_count: page.total_count,
        },
    );
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(cursor(key(&item)), node(item))),
    );
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_must_be_within_bounds() {
        let parse = |s: &str| s.parse::<i64>().ok();
        assert!(page_request(Some(0), None, parse).is_err());
        assert!(page_request(Some(101), None, parse).is_err());
        assert_eq!(page_request(None, None, parse).unwrap().first, 20);
        let after = page_request(Some(5), Some(cursor(42)), parse).unwrap();
        assert_eq!((after.first, after.after), (5, Some(42)));
        assert!(page_request(Some(5), Some("garbage!".into()), parse).is_err());
    }
}
