//! Kept counts of a town's records by the keys its figures group them by, moved by triggers on
//! the record tables (migration `m20261204_000018_record_tallies` defines the keys). Derived from
//! case records: only the access layer reads it, for a viewer who reads every row of the town.

use sea_orm::entity::prelude::*;

/// A lead's first key (`a`): whether it is an umbrella lead, as the migration's triggers and
/// backfill write it. Readers of the counts compare with these, never with their own literals.
pub const UMBRELLA: &str = "Y";
/// A lead's first key when it is not an umbrella lead.
pub const NOT_UMBRELLA: &str = "N";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub town_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub record: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub a: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub b: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub c: String,
    pub n: i64,
}

crate::positional!(town_id, record, a, b, c, n);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
