//! Names people type: a tenant's slug and name, a user's display name.

use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty once trimmed.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// A slug with characters other than lower-case letters, digits and inner hyphens.
    #[error(
        "must be 3-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit"
    )]
    BadSlug,
}

fn trimmed_text(raw: &str, max: usize) -> Result<String, NameError> {
    let text = raw.trim();
    if text.is_empty() {
        Err(NameError::Empty)
    } else if text.chars().count() > max {
        Err(NameError::TooLong(max))
    } else {
        Ok(text.to_owned())
    }
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Trims and validates.
            pub fn parse(raw: &str) -> Result<Self, NameError> {
                trimmed_text(raw, $max).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// A tenant's display name, e.g. "Acme Corp".
    TenantName,
    200
);
text_newtype!(
    /// A user's display name.
    DisplayName,
    200
);

/// A tenant's URL-safe handle, used at log-in: `acme`, `north-sales-2027`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    /// Validates: 3-40 of `[a-z0-9-]`, no leading, trailing or doubled hyphen.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        let slug = raw.trim().to_lowercase();
        let charset_ok = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let shape_ok = (3..=40).contains(&slug.len())
            && !slug.starts_with('-')
            && !slug.ends_with('-')
            && !slug.contains("--");
        if charset_ok && shape_ok {
            Ok(Self(slug))
        } else {
            Err(NameError::BadSlug)
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            TenantSlug::parse(" Acme-Corp ").unwrap().as_str(),
            "acme-corp"
        );
        for bad in [
            "ab",
            "-acme",
            "acme-",
            "ac--me",
            "acme corp",
            "acmé",
            &"a".repeat(41),
        ] {
            assert_eq!(TenantSlug::parse(bad), Err(NameError::BadSlug), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(TenantName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(TenantName::parse("   "), Err(NameError::Empty));
        assert_eq!(
            DisplayName::parse(&"x".repeat(201)),
            Err(NameError::TooLong(200))
        );
    }
}
