//! Tenants, users, sessions and API keys. Sign-up, log-in lookup and token authentication are
//! the only operations that run before a tenant is known; everything else is tenant-scoped.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;
use terrane_domain::audit::{Actor, ActorKind, NewAuditEvent};
use terrane_domain::identity::{DisplayName, Email, Role, TenantName, TenantSlug};
use terrane_domain::ids::{ApiKeyId, SessionId, TenantId, UserId};

use crate::audit;
use crate::connect::Store;
use crate::entity::{api_key, session, tenant, user};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::records::TenantRecord;
use crate::scope::{TenantScope, WriteContext};

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

fn parse_role(text: &str) -> Result<Role, StoreError> {
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

fn user_snapshot(u: &NewUser) -> serde_json::Value {
    json!({ "id": u.id, "email": u.email.as_str(), "displayName": u.display_name.as_str(), "role": u.role })
}

fn api_key_snapshot(k: &ApiKeyRecord) -> serde_json::Value {
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

async fn insert_user(
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

async fn insert_session(
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

impl Store {
    /// Creates a tenant, its first admin and the admin's session, audited, in one transaction.
    pub async fn sign_up(
        &self,
        s: &SignUp,
        request_id: Option<String>,
    ) -> Result<Result<(TenantRecord, UserRecord), SignUpRefusal>, StoreError> {
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let tenant = tenant::ActiveModel {
            id: Set(s.tenant_id.as_uuid()),
            slug: Set(s.slug.as_str().to_owned()),
            name: Set(s.name.as_str().to_owned()),
            created_at: Set(now),
        };
        match tenant::Entity::insert(tenant)
            .exec_without_returning(&txn)
            .await
            .map_err(StoreError::from)
        {
            Err(StoreError::UniqueViolation(_)) => return Ok(Err(SignUpRefusal::SlugTaken)),
            other => other?,
        };
        let admin = insert_user(&txn, s.tenant_id, &s.admin, now).await?;
        insert_session(&txn, s.tenant_id, &s.session, now).await?;
        let ctx = WriteContext {
            actor: Actor {
                kind: ActorKind::User,
                id: Some(s.admin.id.as_uuid()),
            },
            request_id,
        };
        let mut tenant_created = event(&ctx, "tenant.created", "Tenant", s.tenant_id.as_uuid());
        tenant_created.after =
            Some(json!({ "id": s.tenant_id, "slug": s.slug.as_str(), "name": s.name.as_str() }));
        let mut user_created = event(&ctx, "user.created", "User", s.admin.id.as_uuid());
        user_created.after = Some(user_snapshot(&s.admin));
        audit::append(&txn, s.tenant_id, vec![tenant_created, user_created], now).await?;
        txn.commit().await?;
        let tenant = TenantRecord {
            id: s.tenant_id,
            slug: s.slug.as_str().to_owned(),
            name: s.name.as_str().to_owned(),
            created_at: now,
        };
        Ok(Ok((tenant, admin)))
    }

    /// The tenant with this slug, if any.
    pub async fn tenant_by_slug(
        &self,
        slug: &TenantSlug,
    ) -> Result<Option<TenantRecord>, StoreError> {
        let found = tenant::Entity::find()
            .filter(tenant::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await?;
        Ok(found.map(TenantRecord::from))
    }

    /// What log-in needs to check a password, if the tenant and user exist.
    pub async fn find_login(
        &self,
        slug: &TenantSlug,
        email: &Email,
    ) -> Result<Option<LoginRecord>, StoreError> {
        let Some(tenant) = self.tenant_by_slug(slug).await? else {
            return Ok(None);
        };
        let found = user::Entity::find()
            .filter(user::Column::TenantId.eq(tenant.id.as_uuid()))
            .filter(user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?;
        Ok(found.map(|u| LoginRecord {
            tenant_id: tenant.id,
            user_id: UserId::from_uuid(u.id),
            password_hash: u.password_hash,
        }))
    }

    /// Who holds the token whose SHA-256 is `token_hash`: a live session or a live API key.
    pub async fn authenticate(&self, token_hash: &str) -> Result<Option<Principal>, StoreError> {
        let now = Utc::now();
        let found = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await?;
        if let Some(s) = found {
            let Some(u) = user::Entity::find_by_id((s.tenant_id, s.user_id))
                .one(&self.db)
                .await?
            else {
                return Ok(None);
            };
            if s.last_used_at
                .is_none_or(|t| now - t > LAST_USED_GRANULARITY)
            {
                let mut touch: session::ActiveModel = s.clone().into();
                touch.last_used_at = Set(Some(now));
                touch.update(&self.db).await?;
            }
            return Ok(Some(Principal {
                tenant_id: TenantId::from_uuid(s.tenant_id),
                actor: Actor {
                    kind: ActorKind::User,
                    id: Some(u.id),
                },
                role: parse_role(&u.role)?,
                session_id: Some(SessionId::from_uuid(s.id)),
            }));
        }
        let key = api_key::Entity::find()
            .filter(api_key::Column::TokenHash.eq(token_hash))
            .filter(api_key::Column::RevokedAt.is_null())
            .filter(
                Condition::any()
                    .add(api_key::Column::ExpiresAt.is_null())
                    .add(api_key::Column::ExpiresAt.gt(now)),
            )
            .one(&self.db)
            .await?;
        let Some(k) = key else { return Ok(None) };
        if k.last_used_at
            .is_none_or(|t| now - t > LAST_USED_GRANULARITY)
        {
            let mut touch: api_key::ActiveModel = k.clone().into();
            touch.last_used_at = Set(Some(now));
            touch.update(&self.db).await?;
        }
        Ok(Some(Principal {
            tenant_id: TenantId::from_uuid(k.tenant_id),
            actor: Actor {
                kind: ActorKind::ApiKey,
                id: Some(k.id),
            },
            role: parse_role(&k.role)?,
            session_id: None,
        }))
    }
}

impl TenantScope<'_> {
    /// This scope's tenant.
    pub async fn tenant(&self) -> Result<TenantRecord, StoreError> {
        tenant::Entity::find_by_id(self.tid())
            .one(self.db)
            .await?
            .map(TenantRecord::from)
            .ok_or_else(|| StoreError::corrupt("scope for a tenant that does not exist"))
    }

    /// Opens a session for a user who just proved their password.
    pub async fn create_session(&self, s: &NewSession) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        insert_session(&txn, self.tenant_id, s, Utc::now()).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends a session. Returns whether it was open.
    pub async fn revoke_session(&self, id: SessionId) -> Result<bool, StoreError> {
        let result = session::Entity::update_many()
            .col_expr(
                session::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(session::Column::TenantId.eq(self.tid()))
            .filter(session::Column::Id.eq(id.as_uuid()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Creates a user, audited. `Ok(None)` when the e-mail is already taken in this tenant.
    pub async fn create_user(
        &self,
        u: &NewUser,
        ctx: &WriteContext,
    ) -> Result<Option<UserRecord>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let record = match insert_user(&txn, self.tenant_id, u, now).await {
            Err(StoreError::UniqueViolation(_)) => return Ok(None),
            other => other?,
        };
        let mut created = event(ctx, "user.created", "User", u.id.as_uuid());
        created.after = Some(user_snapshot(u));
        audit::append(&txn, self.tenant_id, vec![created], now).await?;
        txn.commit().await?;
        Ok(Some(record))
    }

    /// Users with these ids (those that exist in this tenant).
    pub async fn users_by_ids(&self, ids: &[UserId]) -> Result<Vec<UserRecord>, StoreError> {
        user::Entity::find()
            .filter(user::Column::TenantId.eq(self.tid()))
            .filter(user::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(self.db)
            .await?
            .into_iter()
            .map(UserRecord::try_from)
            .collect()
    }

    /// One user.
    pub async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.users_by_ids(&[id]).await?.into_iter().next())
    }

    /// A page of users, oldest first.
    pub async fn users(&self, page: PageRequest<UserId>) -> Result<Page<UserRecord>, StoreError> {
        let query = user::Entity::find().filter(user::Column::TenantId.eq(self.tid()));
        let total = query.clone().count(self.db).await?;
        let query = match page.after {
            Some(after) => query.filter(user::Column::Id.gt(after.as_uuid())),
            None => query,
        };
        let rows = query
            .order_by_asc(user::Column::Id)
            .limit(page.first + 1)
            .all(self.db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(UserRecord::try_from)
    }

    /// Creates an API key, audited.
    pub async fn create_api_key(
        &self,
        k: &NewApiKey,
        ctx: &WriteContext,
    ) -> Result<ApiKeyRecord, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let model = api_key::ActiveModel {
            tenant_id: Set(self.tid()),
            id: Set(k.id.as_uuid()),
            name: Set(k.name.clone()),
            role: Set(k.role.as_str().to_owned()),
            token_hash: Set(k.token_hash.clone()),
            created_by: Set(k.created_by.as_uuid()),
            created_at: Set(now),
            expires_at: Set(k.expires_at),
            revoked_at: Set(None),
            last_used_at: Set(None),
        };
        api_key::Entity::insert(model)
            .exec_without_returning(&txn)
            .await?;
        let record = ApiKeyRecord {
            id: k.id,
            name: k.name.clone(),
            role: k.role,
            created_by: k.created_by,
            created_at: now,
            expires_at: k.expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        let mut created = event(ctx, "api_key.created", "ApiKey", k.id.as_uuid());
        created.after = Some(api_key_snapshot(&record));
        audit::append(&txn, self.tenant_id, vec![created], now).await?;
        txn.commit().await?;
        Ok(record)
    }

    /// Revokes an API key, audited. `Ok(None)` when no such key exists in this tenant; revoking
    /// a revoked key changes nothing and returns it as it is.
    pub async fn revoke_api_key(
        &self,
        id: ApiKeyId,
        ctx: &WriteContext,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let Some(model) = api_key::Entity::find_by_id((self.tid(), id.as_uuid()))
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        let before = ApiKeyRecord::try_from(model.clone())?;
        if before.revoked_at.is_some() {
            return Ok(Some(before));
        }
        let mut active: api_key::ActiveModel = model.into();
        active.revoked_at = Set(Some(now));
        let after = ApiKeyRecord::try_from(active.update(&txn).await?)?;
        let mut revoked = event(ctx, "api_key.revoked", "ApiKey", id.as_uuid());
        revoked.before = Some(api_key_snapshot(&before));
        revoked.after = Some(api_key_snapshot(&after));
        audit::append(&txn, self.tenant_id, vec![revoked], now).await?;
        txn.commit().await?;
        Ok(Some(after))
    }

    /// API keys with these ids (those that exist in this tenant).
    pub async fn api_keys_by_ids(&self, ids: &[ApiKeyId]) -> Result<Vec<ApiKeyRecord>, StoreError> {
        api_key::Entity::find()
            .filter(api_key::Column::TenantId.eq(self.tid()))
            .filter(api_key::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(self.db)
            .await?
            .into_iter()
            .map(ApiKeyRecord::try_from)
            .collect()
    }

    /// A page of API keys, oldest first.
    pub async fn api_keys(
        &self,
        page: PageRequest<ApiKeyId>,
    ) -> Result<Page<ApiKeyRecord>, StoreError> {
        let query = api_key::Entity::find().filter(api_key::Column::TenantId.eq(self.tid()));
        let total = query.clone().count(self.db).await?;
        let query = match page.after {
            Some(after) => query.filter(api_key::Column::Id.gt(after.as_uuid())),
            None => query,
        };
        let rows = query
            .order_by_asc(api_key::Column::Id)
            .limit(page.first + 1)
            .all(self.db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(ApiKeyRecord::try_from)
    }
}
