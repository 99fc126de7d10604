//! Writing a territory change: the current row (soft-deleted, never removed, so history and
//! foreign keys keep their target) and its history interval, closed and opened at the same
//! instant so a territory's intervals never overlap.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use terrane_domain::ids::RealignmentId;
use terrane_domain::realignment::TerritoryEffect;
use terrane_domain::territory::Territory;
use uuid::Uuid;

use crate::entity::{territory, territory_history};
use crate::error::StoreError;

fn row(tenant: Uuid, t: &Territory, now: DateTime<Utc>) -> territory::ActiveModel {
    let bbox = t.boundary.as_ref().map(|b| b.bbox());
    territory::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(t.id.as_uuid()),
        parent_id: Set(t.parent_id.map(|p| p.as_uuid())),
        name: Set(t.name.as_str().to_owned()),
        code: Set(t.code.as_str().to_owned()),
        boundary: Set(t.boundary.as_ref().map(|b| b.to_geojson_string())),
        bbox_min_lon: Set(bbox.map(|b| b.min_lon)),
        bbox_min_lat: Set(bbox.map(|b| b.min_lat)),
        bbox_max_lon: Set(bbox.map(|b| b.max_lon)),
        bbox_max_lat: Set(bbox.map(|b| b.max_lat)),
        version: Set(t.version),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
}

fn history_row(
    tenant: Uuid,
    t: &Territory,
    realignment: RealignmentId,
    now: DateTime<Utc>,
) -> territory_history::ActiveModel {
    territory_history::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(Uuid::now_v7()),
        territory_id: Set(t.id.as_uuid()),
        parent_id: Set(t.parent_id.map(|p| p.as_uuid())),
        name: Set(t.name.as_str().to_owned()),
        code: Set(t.code.as_str().to_owned()),
        boundary: Set(t.boundary.as_ref().map(|b| b.to_geojson_string())),
        version: Set(t.version),
        valid_from: Set(now),
        valid_to: Set(None),
        realignment_id: Set(Some(realignment.as_uuid())),
        ended_by_realignment_id: Set(None),
    }
}

/// Gives each of `ids` a placeholder code before a restore writes them: a restore sets several
/// territories at once (two may swap codes), and the unique index on live codes checks each
/// row as it is written, not the end state the domain validated.
pub(crate) async fn release_codes<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    ids: &[Uuid],
) -> Result<(), StoreError> {
    for id in ids {
        let placeholder: String = format!("~{}", id.simple()).chars().take(32).collect();
        territory::Entity::update_many()
            .col_expr(territory::Column::Code, Expr::value(placeholder))
            .filter(territory::Column::TenantId.eq(tenant))
            .filter(territory::Column::Id.eq(*id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Writes one territory effect of `realignment`, with its history.
pub(crate) async fn write<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    effect: &TerritoryEffect,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let id = effect.territory_id.as_uuid();
    match (&effect.before, &effect.after) {
        (None, Some(created)) => {
            // A revert re-creates a deleted territory under its old id: revive the row.
            let revive = OnConflict::columns([territory::Column::TenantId, territory::Column::Id])
                .update_columns([
                    territory::Column::ParentId,
                    territory::Column::Name,
                    territory::Column::Code,
                    territory::Column::Boundary,
                    territory::Column::BboxMinLon,
                    territory::Column::BboxMinLat,
                    territory::Column::BboxMaxLon,
                    territory::Column::BboxMaxLat,
                    territory::Column::Version,
                    territory::Column::UpdatedAt,
                    territory::Column::DeletedAt,
                ])
                .to_owned();
            territory::Entity::insert(row(tenant, created, now))
                .on_conflict(revive)
                .exec_without_returning(conn)
                .await?;
        }
        (Some(_), Some(updated)) => {
            let mut update = row(tenant, updated, now);
            update.created_at = sea_orm::ActiveValue::NotSet;
            territory::Entity::update_many()
                .set(update)
                .filter(territory::Column::TenantId.eq(tenant))
                .filter(territory::Column::Id.eq(id))
                .exec(conn)
                .await?;
        }
        (Some(_), None) => {
            territory::Entity::update_many()
                .col_expr(territory::Column::DeletedAt, Expr::value(now))
                .col_expr(territory::Column::UpdatedAt, Expr::value(now))
                .filter(territory::Column::TenantId.eq(tenant))
                .filter(territory::Column::Id.eq(id))
                .exec(conn)
                .await?;
        }
        (None, None) => return Ok(()),
    }
    territory_history::Entity::update_many()
        .col_expr(territory_history::Column::ValidTo, Expr::value(now))
        .col_expr(
            territory_history::Column::EndedByRealignmentId,
            Expr::value(realignment.as_uuid()),
        )
        .filter(territory_history::Column::TenantId.eq(tenant))
        .filter(territory_history::Column::TerritoryId.eq(id))
        .filter(territory_history::Column::ValidTo.is_null())
        .exec(conn)
        .await?;
    if let Some(after) = &effect.after {
        territory_history::Entity::insert(history_row(tenant, after, realignment, now))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
