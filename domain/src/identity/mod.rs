//! Identity: tenants, users and their roles, and the validated values sign-up and log-in take.

mod email;
mod names;
mod password;
mod role;

pub use email::{Email, EmailError};
pub use names::{DisplayName, NameError, TenantName, TenantSlug};
pub use password::{Password, PasswordError};
pub use role::{Permission, Role, UnknownRole};
