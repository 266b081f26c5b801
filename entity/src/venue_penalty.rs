//! An administrative penalty of a venue (seed 000 "被处罚的…列为特别关注场所"). Append-only; a
//! penalty makes the venue SPECIAL and blocks step-downs for six months, as an incident does.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue_penalty")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub venue_id: Uuid,
    pub penalised_on: Date,
    /// The body that imposed it (派出所, 市场监管所 …).
    pub authority: String,
    #[sea_orm(column_type = "Text")]
    pub penalty: String,
    pub decision_number: Option<String>,
    pub recorded_by_user_id: Uuid,
    pub created_at: DateTimeUtc,
}

crate::positional!(id, venue_id, penalised_on, authority, penalty, decision_number, recorded_by_user_id, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::venue::Entity", from = "Column::VenueId", to = "super::venue::Column::Id")]
    Venue,
}

impl Related<super::venue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Venue.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
