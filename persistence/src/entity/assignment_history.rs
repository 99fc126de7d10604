//! `assignment_history`: every interval an account spent in a territory.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment_history")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub territory_id: Uuid,
    pub source: String,
    pub rule_id: Option<Uuid>,
    pub pinned: bool,
    pub valid_from: DateTimeUtc,
    pub valid_to: Option<DateTimeUtc>,
    pub realignment_id: Uuid,
    pub ended_by_realignment_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
