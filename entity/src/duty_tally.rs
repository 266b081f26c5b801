//! Kept changes of the monthly duty figures: per town, record type (`person`, `venue`), village,
//! level and month, how the number of ACTIVE records whose duty falls due (`D`) or is done (`X`)
//! changes from the month before; a figure for a month is the sum of its key's changes up to that
//! month. Moved by triggers on the records and their duties (migration
//! `m20261204_000022_duty_tallies`). Derived from case records: only the access layer reads it.

use sea_orm::entity::prelude::*;

/// The event of a record whose duty falls due in the month.
pub const DUE: &str = "D";
/// The event of a record whose duty falls due and is done in the month.
pub const DONE: &str = "X";

/// The month number a key stores for `year` and `month` (1 to 12).
pub fn month_number(year: i32, month: u32) -> i32 {
    year * 12 + month as i32 - 1
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub town_id: Uuid,
    /// The record table: `person` or `venue`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub record: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub village_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: String,
    /// `year * 12 + month - 1`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    pub n: i64,
}

crate::positional!(town_id, record, event, village_id, level, month, n);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
