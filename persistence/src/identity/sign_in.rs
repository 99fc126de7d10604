//! Sign-up, log-in lookup and bearer-token authentication: the operations that precede a tenant scope.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseExecutor,
    DbBackend, EntityTrait, QueryFilter, Statement, TransactionTrait,
};
use serde_json::json;
use terrane_domain::audit::{Actor, ActorKind};
use terrane_domain::identity::{Email, TenantSlug};
use terrane_domain::ids::{SessionId, TenantId, UserId};

use super::*;
use crate::audit;
use crate::connect::Store;
use crate::entity::{api_key, session, tenant, user};
use crate::error::StoreError;
use crate::records::TenantRecord;
use crate::scope::{WriteContext, finish, set_tenant, tenant_conn};

impl Store {
    /// Creates a tenant, its first admin and the admin's session, audited, in one transaction.
    pub async fn sign_up(
        &self,
        s: &SignUp,
        request_id: Option<String>,
    ) -> Result<Result<(TenantRecord, UserRecord), SignUpRefusal>, StoreError> {
        let now = Utc::now();
        let txn = self.db.begin().await?;
        // The tenant exists from the first insert on; its users, session and audit events are
        // written as that tenant (row-level security checks each row against it).
        set_tenant(&txn, s.tenant_id).await?;
        let tenant = tenant::ActiveModel {
            id: Set(s.tenant_id.as_uuid()),
            slug: Set(s.slug.as_str().to_owned()),
            name: Set(s.name.as_str().to_owned()),
            created_at: Set(now),
            ..Default::default()
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
            .one(&tenant_conn(&self.db, tenant.id).await?)
            .await?;
        Ok(found.map(|u| LoginRecord {
            tenant_id: tenant.id,
            user_id: UserId::from_uuid(u.id),
            password_hash: u.password_hash,
        }))
    }

    /// Who holds the token whose SHA-256 is `token_hash`: a live session or a live API key.
    pub async fn authenticate(&self, token_hash: &str) -> Result<Option<Principal>, StoreError> {
        let db = if self.backend() == DbBackend::Postgres {
            // Row-level security hides every session and key until the tenant is known; an
            // owner-defined function (migration 020) names the tenant of this token, nothing
            // more, and the token is then checked inside that tenant.
            let Some(tenant) = self.token_tenant(token_hash).await? else {
                return Ok(None);
            };
            tenant_conn(&self.db, tenant).await?
        } else {
            DatabaseExecutor::Connection(&self.db)
        };
        let found = principal(&db, token_hash).await?;
        finish(db).await?;
        Ok(found)
    }

    /// The tenant a token (by its hash) was issued in, if any (PostgreSQL only).
    async fn token_tenant(&self, token_hash: &str) -> Result<Option<TenantId>, StoreError> {
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT terrane_token_tenant($1)",
                [token_hash.into()],
            ))
            .await?;
        let tenant: Option<uuid::Uuid> = match row {
            Some(row) => row.try_get_by_index(0)?,
            None => None,
        };
        Ok(tenant.map(TenantId::from_uuid))
    }
}

/// The live session or API key whose token hashes to `token_hash`, as a principal; refreshes its
/// `last_used_at` when stale.
async fn principal<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> Result<Option<Principal>, StoreError> {
    let now = Utc::now();
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    if let Some(s) = found {
        let Some(u) = user::Entity::find_by_id((s.tenant_id, s.user_id))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        if s.last_used_at
            .is_none_or(|t| now - t > LAST_USED_GRANULARITY)
        {
            let mut touch: session::ActiveModel = s.clone().into();
            touch.last_used_at = Set(Some(now));
            touch.update(db).await?;
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
        .one(db)
        .await?;
    let Some(k) = key else { return Ok(None) };
    if k.last_used_at
        .is_none_or(|t| now - t > LAST_USED_GRANULARITY)
    {
        let mut touch: api_key::ActiveModel = k.clone().into();
        touch.last_used_at = Set(Some(now));
        touch.update(db).await?;
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
