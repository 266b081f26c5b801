//! Kept counts of a town's leads received (`R`) and concluded (`C`) per month of the town's time,
//! by every column their read scope and field groups depend on and by category and whether the
//! lead was handed on (the monthly report's fields), moved by triggers on `lead`
//! (migrations `m20261204_000021_lead_month_tallies`, `m20261204_000023_lead_month_fields`). Derived from case records: only the access
//! layer reads it, under the viewer's lead policy.

use sea_orm::entity::prelude::*;

/// The event of a lead received in the month.
pub const RECEIVED: &str = "R";
/// The event of a lead concluded (substantiated or unfounded) in the month.
pub const CONCLUDED: &str = "C";
/// The event of an umbrella lead registered (created) in the month.
pub const REGISTERED: &str = "G";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_month_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub town_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub umbrella: bool,
    #[sea_orm(primary_key, auto_increment = false)]
    pub receiving_unit_id: Uuid,
    /// The nil UUID for leads assigned to no unit.
    #[sea_orm(primary_key, auto_increment = false)]
    pub assignee_unit_id: Uuid,
    /// The lead's category (`LeadCategory`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub category: String,
    /// Whether the lead is past REGISTERED (handed on).
    #[sea_orm(primary_key, auto_increment = false)]
    pub handed_on: bool,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event: String,
    /// `YYYY-MM`, in the town's time (UTC+8).
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: String,
    pub n: i64,
}

crate::positional!(town_id, umbrella, receiving_unit_id, assignee_unit_id, category, handed_on, event, month, n);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
