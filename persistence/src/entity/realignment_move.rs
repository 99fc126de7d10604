//! `realignment_moves`: the account moves a realignment made (its audit event holds their digest).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "realignment_moves")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub realignment_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    pub from_territory_id: Option<Uuid>,
    pub from_source: Option<String>,
    pub from_rule_id: Option<Uuid>,
    pub from_pinned: bool,
    pub to_territory_id: Option<Uuid>,
    pub to_source: Option<String>,
    pub to_rule_id: Option<Uuid>,
    pub to_pinned: bool,
    /// The history interval this move opened (none for a draft's plan or an unassignment).
    pub to_interval_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
