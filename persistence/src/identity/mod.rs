//! Tenants, users, sessions and API keys. Sign-up, log-in lookup and token authentication are
//! the only operations that run before a tenant is known (`sign_in`); everything else is
//! tenant-scoped (`users`, `api_keys`).

mod api_keys;
mod sign_in;
mod users;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait};
use serde_json::json;
use terrane_domain::audit::{Actor, NewAuditEvent};
use terrane_domain::identity::{DisplayName, Email, Role, TenantName, TenantSlug};
use terrane_domain::ids::{ApiKeyId, SessionId, TenantId, UserId};

use crate::entity::{api_key, session, user};
use crate::error::StoreError;
use crate::scope::WriteContext;

/// How stale `last_used_at` may get before a request refreshes it (saves a write per request).
const LAST_USED_GRANULARITY: Duration = Duration::minutes(1);

/// A user to create. The password arrives already hashed (argon2id, by the API).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Id to give it.
    pub id: UserId,
    /// Log-in address.
    pub email: Email,
    /// Shown name.
    pub display_name: DisplayName,
    /// Role.
    pub role: Role,
    /// PHC-format argon2id hash.
    pub password_hash: String,
}

/// A session to open; the token is known only by its SHA-256.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Id to give it.
    pub id: SessionId,
    /// Whose session.
    pub user_id: UserId,
    /// Hex SHA-256 of the bearer token.
    pub token_hash: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// An API key to create; the secret is known only by its SHA-256.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Id to give it.
    pub id: ApiKeyId,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Hex SHA-256 of the secret.
    pub token_hash: String,
    /// The admin creating it.
    pub created_by: UserId,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new tenant with its first admin and that admin's first session.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// Id to give the tenant.
    pub tenant_id: TenantId,
    /// Its log-in handle.
    pub slug: TenantSlug,
    /// Its display name.
    pub name: TenantName,
    /// The first admin.
    pub admin: NewUser,
    /// The admin's session.
    pub session: NewSession,
}

/// Why a sign-up was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpRefusal {
    /// Another tenant has this slug.
    SlugTaken,
}

/// A user as the API shows it (never with the password hash).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// Id.
    pub id: UserId,
    /// Log-in address.
    pub email: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Created when.
    pub created_at: DateTime<Utc>,
}

/// What log-in needs to check a password.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The user.
    pub user_id: UserId,
    /// The stored argon2id hash.
    pub password_hash: String,
}

/// An API key as the API shows it (never with its secret or hash).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    /// Id.
    pub id: ApiKeyId,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Who created it.
    pub created_by: UserId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Who a bearer token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// Their tenant: the only one they can reach.
    pub tenant_id: TenantId,
    /// The user or key.
    pub actor: Actor,
    /// Their role.
    pub role: Role,
    /// The session, when the token is a session token.
    pub session_id: Option<SessionId>,
}

pub(super) fn parse_role(text: &str) -> Result<Role, StoreError> {
    text.parse().map_err(StoreError::corrupt)
}

impl TryFrom<user::Model> for UserRecord {
    type Error = StoreError;
    fn try_from(m: user::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: UserId::from_uuid(m.id),
            role: parse_role(&m.role)?,
            email: m.email,
            display_name: m.display_name,
            created_at: m.created_at,
        })
    }
}

impl TryFrom<api_key::Model> for ApiKeyRecord {
    type Error = StoreError;
    fn try_from(m: api_key::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: ApiKeyId::from_uuid(m.id),
            role: parse_role(&m.role)?,
            name: m.name,
            created_by: UserId::from_uuid(m.created_by),
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            last_used_at: m.last_used_at,
        })
    }
}

pub(super) fn user_snapshot(u: &NewUser) -> serde_json::Value {
    json!({ "id": u.id, "email": u.email.as_str(), "displayName": u.display_name.as_str(), "role": u.role })
}

pub(super) fn api_key_snapshot(k: &ApiKeyRecord) -> serde_json::Value {
    json!({
        "id": k.id, "name": k.name, "role": k.role, "createdBy": k.created_by,
        "expiresAt": k.expires_at, "revokedAt": k.revoked_at,
    })
}

fn event(
    ctx: &WriteContext,
    action: &str,
    entity_type: &str,
    entity_id: uuid::Uuid,
) -> NewAuditEvent {
    NewAuditEvent {
        actor: ctx.actor,
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id: Some(entity_id),
        realignment_id: None,
        request_id: ctx.request_id.clone(),
        reason: None,
        before: None,
        after: None,
    }
}

pub(super) async fn insert_user(
    txn: &DatabaseTransaction,
    tenant_id: TenantId,
    u: &NewUser,
    now: DateTime<Utc>,
) -> Result<UserRecord, StoreError> {
    let model = user::ActiveModel {
        tenant_id: Set(tenant_id.as_uuid()),
        id: Set(u.id.as_uuid()),
        email: Set(u.email.as_str().to_owned()),
        display_name: Set(u.display_name.as_str().to_owned()),
        role: Set(u.role.as_str().to_owned()),
        password_hash: Set(u.password_hash.clone()),
        created_at: Set(now),
    };
    user::Entity::insert(model)
        .exec_without_returning(txn)
        .await?;
    Ok(UserRecord {
        id: u.id,
        email: u.email.as_str().to_owned(),
        display_name: u.display_name.as_str().to_owned(),
        role: u.role,
        created_at: now,
    })
}

pub(super) async fn insert_session(
    txn: &DatabaseTransaction,
    tenant_id: TenantId,
    s: &NewSession,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let model = session::ActiveModel {
        tenant_id: Set(tenant_id.as_uuid()),
        id: Set(s.id.as_uuid()),
        user_id: Set(s.user_id.as_uuid()),
        token_hash: Set(s.token_hash.clone()),
        created_at: Set(now),
        expires_at: Set(s.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
    };
    session::Entity::insert(model)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
