//! Authentication and authorisation: password hashing, log-in throttling, bearer tokens, and
//! the role guard that is the one place permissions are checked.

mod guard;
mod password;
mod throttle;
mod token;

pub use guard::{RoleGuard, authorize};
pub use password::{PasswordError, PasswordHasher};
pub use throttle::{Admitted, LoginThrottle, ThrottleSettings};
pub use token::{IssuedToken, TokenKind, hash_token, issue_token};
