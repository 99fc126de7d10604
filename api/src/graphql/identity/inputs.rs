//! Inputs and payloads of the identity mutations.

use async_graphql::{ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::graphql::UserError;
use crate::graphql::types::{ApiKey, Role, User};

/// Sign up a new tenant and its first admin.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Display name of the organisation.
    pub tenant_name: String,
    /// Log-in handle: 3-40 lower-case letters, digits and hyphens.
    pub tenant_slug: String,
    /// The admin's e-mail.
    pub email: String,
    /// The admin's password: at least 12 characters.
    pub password: String,
    /// The admin's name.
    pub display_name: String,
}

/// Log in.
#[derive(InputObject)]
pub struct LogInInput {
    /// The tenant's handle.
    pub tenant_slug: String,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A session token and who it belongs to.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Bearer token for `Authorization: Bearer <token>`; null when refused.
    pub token: Option<String>,
    /// The logged-in user.
    pub viewer: Option<User>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

impl AuthPayload {
    pub(super) fn refused(errors: Vec<UserError>) -> Self {
        Self {
            token: None,
            viewer: None,
            user_errors: errors,
        }
    }
}

/// Create a user in your tenant.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// E-mail, unique in the tenant.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Initial password: at least 12 characters.
    pub password: String,
}

/// The created user.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The user; null when refused.
    pub user: Option<User>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Create an API key.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it stops working; never when null.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The created key and its secret, shown this once.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// Bearer secret; store it now, it cannot be shown again.
    pub secret: Option<String>,
    /// The key.
    pub api_key: Option<ApiKey>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}

/// Revoke an API key.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key.
    pub id: ID,
}

/// The revoked key.
#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The key, now inactive.
    pub api_key: Option<ApiKey>,
    /// Why it was refused.
    pub user_errors: Vec<UserError>,
}
