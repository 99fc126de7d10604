//! `realignments`: each applied (or planned) list of changes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "realignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub reason: Option<String>,
    pub status: String,
    pub created_by_kind: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub applied_at: Option<DateTimeUtc>,
    pub effective_at: Option<DateTimeUtc>,
    pub applied_by_kind: Option<String>,
    pub applied_by: Option<Uuid>,
    pub reverts_id: Option<Uuid>,
    pub reverted_by_id: Option<Uuid>,
    pub problems: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
