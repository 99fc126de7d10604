//! The tenant, its sessions and its users.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use terrane_domain::ids::{SessionId, UserId};

use super::*;
use crate::audit;
use crate::entity::{session, tenant, user};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::records::TenantRecord;
use crate::scope::{TenantScope, WriteContext, finish};

impl TenantScope<'_> {
    /// This scope's tenant.
    pub async fn tenant(&self) -> Result<TenantRecord, StoreError> {
        let db = self.conn().await?;
        tenant::Entity::find_by_id(self.tid())
            .one(&db)
            .await?
            .map(TenantRecord::from)
            .ok_or_else(|| StoreError::corrupt("scope for a tenant that does not exist"))
    }

    /// Opens a session for a user who just proved their password.
    pub async fn create_session(&self, s: &NewSession) -> Result<(), StoreError> {
        let txn = self.begin().await?;
        insert_session(&txn, self.tenant_id, s, Utc::now()).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends a session. Returns whether it was open.
    pub async fn revoke_session(&self, id: SessionId) -> Result<bool, StoreError> {
        let db = self.conn().await?;
        let result = session::Entity::update_many()
            .col_expr(
                session::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(session::Column::TenantId.eq(self.tid()))
            .filter(session::Column::Id.eq(id.as_uuid()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&db)
            .await?;
        finish(db).await?;
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
        let db = self.conn().await?;
        user::Entity::find()
            .filter(user::Column::TenantId.eq(self.tid()))
            .filter(user::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
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
        let db = self.conn().await?;
        let query = user::Entity::find().filter(user::Column::TenantId.eq(self.tid()));
        let total = query.clone().count(&db).await?;
        let query = match page.after {
            Some(after) => query.filter(user::Column::Id.gt(after.as_uuid())),
            None => query,
        };
        let rows = query
            .order_by_asc(user::Column::Id)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(UserRecord::try_from)
    }
}
