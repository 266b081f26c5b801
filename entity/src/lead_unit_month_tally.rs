//! Kept counts of a town's leads received (`R`) and concluded (`C`) per month of the town's time,
//! by every column their read scope and field groups depend on and nothing else (the dashboard's
//! months), moved by triggers on `lead` (migration `m20261205_000026_lead_unit_months`). The events
//! are those of [`crate::lead_month_tally`]. Derived from case records: only the access layer reads
//! it, under the viewer's lead policy.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_unit_month_tally")]
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
    #[sea_orm(primary_key, auto_increment = false)]
    pub event: String,
    /// `YYYY-MM`, in the town's time (UTC+8).
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: String,
    pub n: i64,
}

crate::positional!(town_id, umbrella, receiving_unit_id, assignee_unit_id, event, month, n);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
