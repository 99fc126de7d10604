//! API keys: created and revoked by admins, audited.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use terrane_domain::ids::ApiKeyId;

use super::*;
use crate::audit;
use crate::entity::api_key;
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::scope::{TenantScope, WriteContext};

impl TenantScope<'_> {
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
        let db = self.conn().await?;
        api_key::Entity::find()
            .filter(api_key::Column::TenantId.eq(self.tid()))
            .filter(api_key::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
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
        let db = self.conn().await?;
        let query = api_key::Entity::find().filter(api_key::Column::TenantId.eq(self.tid()));
        let total = query.clone().count(&db).await?;
        let query = match page.after {
            Some(after) => query.filter(api_key::Column::Id.gt(after.as_uuid())),
            None => query,
        };
        let rows = query
            .order_by_asc(api_key::Column::Id)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(ApiKeyRecord::try_from)
    }
}
