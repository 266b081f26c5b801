//! An org unit of a town (扫黑办, 纪委, 派出所, 司法所, or a village's 村两委). A `VILLAGE` unit
//! points at its village; that link is what "own village" means in the row scopes.

use crate::enums::UnitKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_unit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub town_id: Uuid,
    pub name: String,
    pub kind: UnitKind,
    pub village_id: Option<Uuid>,
}

crate::positional!(id, town_id, name, kind, village_id);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::town::Entity", from = "Column::TownId", to = "super::town::Column::Id")]
    Town,
    #[sea_orm(belongs_to = "super::village::Entity", from = "Column::VillageId", to = "super::village::Column::Id")]
    Village,
    #[sea_orm(has_many = "super::app_user::Entity")]
    AppUser,
}

impl Related<super::town::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Town.def()
    }
}

impl Related<super::village::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Village.def()
    }
}

impl Related<super::app_user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AppUser.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
