//! A town (镇 / 街道): the unit of isolation. No row of one town is ever visible from another.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "town")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
}

crate::positional!(id, name);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::village::Entity")]
    Village,
    #[sea_orm(has_many = "super::org_unit::Entity")]
    OrgUnit,
}

impl Related<super::village::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Village.def()
    }
}

impl Related<super::org_unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrgUnit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
