//! Authentication and authorisation: password hashing, bearer tokens, and the role guard that
//! is the one place permissions are checked.

mod guard;
mod password;
mod token;

pub use guard::{RoleGuard, authorize};
pub use password::{PasswordError, PasswordHasher};
pub use token::{IssuedToken, TokenKind, hash_token, issue_token};
