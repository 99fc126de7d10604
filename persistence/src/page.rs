//! Keyset pagination: a page is "the first N rows after this key", never an offset.

/// Which page to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<K> {
    /// How many rows (the API keeps this within 1..=100).
    pub first: u64,
    /// Rows strictly after this key.
    pub after: Option<K>,
}

/// A page of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows, in key order.
    pub items: Vec<T>,
    /// Whether more rows follow the last one.
    pub has_next_page: bool,
    /// How many rows match the filter in all.
    pub total_count: u64,
}

impl<T> Page<T> {
    /// Builds a page from up to `first + 1` fetched rows (the extra one only says more exist).
    pub(crate) fn from_overfetch(mut items: Vec<T>, first: u64, total_count: u64) -> Self {
        let first = usize::try_from(first).unwrap_or(usize::MAX);
        let has_next_page = items.len() > first;
        items.truncate(first);
        Self {
            items,
            has_next_page,
            total_count,
        }
    }

    /// Converts every row.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            total_count: self.total_count,
        }
    }

    /// Converts every row, failing on the first that does not convert.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        let items = self.items.into_iter().map(f).collect::<Result<_, E>>()?;
        Ok(Page {
            items,
            has_next_page: self.has_next_page,
            total_count: self.total_count,
        })
    }
}
