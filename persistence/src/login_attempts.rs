//! Log-in attempts for throttling: counted per throttle key over a window, across every server
//! sharing the database. The API decides what a key is (an account, a client address) and hashes
//! it; the store only counts rows.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::connect::Store;
use crate::entity::login_attempt;
use crate::error::StoreError;

/// Attempts recorded by [`Store::record_login_attempts`], to forget if they succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempts(Vec<Uuid>);

impl Store {
    /// How many attempts are recorded under `key` at or after `since`.
    pub async fn login_attempts_since(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(login_attempt::Entity::find()
            .filter(login_attempt::Column::ThrottleKey.eq(key))
            .filter(login_attempt::Column::At.gte(since))
            .count(&self.db)
            .await?)
    }

    /// Records one attempt under each of `keys`, at `at`. Each is committed before this returns,
    /// so a count that starts afterwards, on any server, includes it.
    pub async fn record_login_attempts(
        &self,
        keys: &[&str],
        at: DateTime<Utc>,
    ) -> Result<LoginAttempts, StoreError> {
        let rows: Vec<login_attempt::ActiveModel> = keys
            .iter()
            .map(|key| login_attempt::ActiveModel {
                id: Set(Uuid::now_v7()),
                throttle_key: Set((*key).to_owned()),
                at: Set(at),
            })
            .collect();
        let ids = rows
            .iter()
            .filter_map(|row| match &row.id {
                sea_orm::ActiveValue::Set(id) => Some(*id),
                _ => None,
            })
            .collect();
        if !rows.is_empty() {
            login_attempt::Entity::insert_many(rows)
                .exec_without_returning(&self.db)
                .await?;
        }
        Ok(LoginAttempts(ids))
    }

    /// Forgets `attempts` (they succeeded) and every attempt under `reset_key`.
    pub async fn forget_login_attempts(
        &self,
        attempts: &LoginAttempts,
        reset_key: &str,
    ) -> Result<(), StoreError> {
        login_attempt::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(login_attempt::Column::Id.is_in(attempts.0.iter().copied()))
                    .add(login_attempt::Column::ThrottleKey.eq(reset_key)),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes the attempts made before `before` (they no longer count); returns how many.
    pub async fn purge_login_attempts(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::At.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}
