//! Tenants, users, roles and API keys as clients see them.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use terrane_domain::identity;
use terrane_persistence::{ApiKeyRecord, TenantRecord, UserRecord};

use crate::graphql::RequestContext;
use crate::graphql::ids::{NodeKind, encode};

/// What a user or API key may do inside its tenant.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum Role {
    /// Everything inside the tenant.
    Admin,
    /// Plan and apply realignments; manage territories, accounts, reps and quotas.
    Manager,
    /// Read territories, accounts and quotas.
    Rep,
    /// Read everything, including the audit log; write nothing.
    Auditor,
}

impl From<identity::Role> for Role {
    fn from(r: identity::Role) -> Self {
        match r {
            identity::Role::Admin => Role::Admin,
            identity::Role::Manager => Role::Manager,
            identity::Role::Rep => Role::Rep,
            identity::Role::Auditor => Role::Auditor,
        }
    }
}

impl From<Role> for identity::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => identity::Role::Admin,
            Role::Manager => identity::Role::Manager,
            Role::Rep => identity::Role::Rep,
            Role::Auditor => identity::Role::Auditor,
        }
    }
}

/// A sales organisation.
pub struct Tenant(pub TenantRecord);

#[Object]
impl Tenant {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Tenant, self.0.id)
    }
    /// Log-in handle.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When it signed up.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A person who logs in. The tenant is attached when it is known before the request is
/// authenticated (the payloads of `signUp` and `logIn`); otherwise it comes from the scope.
pub struct User(pub UserRecord, pub Option<TenantRecord>);

impl From<UserRecord> for User {
    fn from(record: UserRecord) -> Self {
        Self(record, None)
    }
}

#[Object]
impl User {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::User, self.0.id)
    }
    /// Log-in e-mail address.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Name shown to others.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The user's tenant.
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        if let Some(tenant) = &self.1 {
            return Ok(Tenant(tenant.clone()));
        }
        let scope = RequestContext::of(ctx)?.scope()?;
        Ok(Tenant(
            scope
                .tenant()
                .await
                .map_err(crate::graphql::ApiError::from)?,
        ))
    }
}

/// A key an integration uses instead of a session. Its secret is shown once, at creation.
pub struct ApiKey(pub ApiKeyRecord);

#[Object]
impl ApiKey {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::ApiKey, self.0.id)
    }
    /// What it is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What it may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it stops working, if ever.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// When it was last used (to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// Whether it still works.
    async fn active(&self) -> bool {
        self.0.revoked_at.is_none() && self.0.expires_at.is_none_or(|t| t > Utc::now())
    }
    /// The admin who created it.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let loaders = RequestContext::of(ctx)?.loaders()?;
        let user = loaders
            .records
            .load_one(self.0.created_by)
            .await
            .map_err(crate::graphql::ApiError::from)?;
        Ok(user.map(User::from))
    }
}
