//! The database schema, as sea-orm migrations: one file per area, applied in name order. A landed
//! migration is never edited; a change is a new migration. Every `down` drops exactly what its
//! `up` created, children first, so `up`, `down`, `up` works on SQLite and PostgreSQL alike.
//!
//! Column types mirror `entity/`: enums are `VARCHAR(40)` holding the SCREAMING_CASE value, ids
//! are `uuid`, instants are `timestamp with time zone`, calendar days are `date`.

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261130_000001_organisation;
mod m20261130_000002_persons;
mod m20261130_000003_venues;
mod m20261130_000004_leads;
mod m20261130_000005_risks;
mod m20261130_000006_tasks;
mod m20261130_000007_audit;
mod m20261130_000008_report_indexes;
mod m20261202_000009_person_links;
mod m20261203_000010_duty_lookups;
mod m20261203_000011_login_throttle;
mod m20261203_000012_setup_codes;
mod m20261203_000013_changed_since;
mod m20261203_000014_lead_priority;
mod m20261203_000015_unit_reports;
mod m20261203_000016_penalties_and_plans;
mod m20261203_000017_meetings_and_lawyers;
mod m20261204_000018_record_tallies;
mod m20261204_000019_umbrella_lead_order;
mod m20261204_000020_task_tallies;
mod m20261204_000021_lead_month_tallies;
mod m20261204_000022_duty_tallies;
mod m20261204_000023_lead_month_fields;
mod m20261205_000024_task_due_tallies;
mod m20261205_000025_lead_month_cover;
mod m20261205_000026_lead_unit_months;
mod m20261205_000027_report_covers;
mod m20261206_000028_task_due_hours;
mod m20261206_000029_directory_notify;

/// The channel every change to the villages or the users is announced on (PostgreSQL).
pub use m20261206_000029_directory_notify::CHANNEL as DIRECTORY_CHANNEL;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_organisation::Migration),
            Box::new(m20261130_000002_persons::Migration),
            Box::new(m20261130_000003_venues::Migration),
            Box::new(m20261130_000004_leads::Migration),
            Box::new(m20261130_000005_risks::Migration),
            Box::new(m20261130_000006_tasks::Migration),
            Box::new(m20261130_000007_audit::Migration),
            Box::new(m20261130_000008_report_indexes::Migration),
            Box::new(m20261202_000009_person_links::Migration),
            Box::new(m20261203_000010_duty_lookups::Migration),
            Box::new(m20261203_000011_login_throttle::Migration),
            Box::new(m20261203_000012_setup_codes::Migration),
            Box::new(m20261203_000013_changed_since::Migration),
            Box::new(m20261203_000014_lead_priority::Migration),
            Box::new(m20261203_000015_unit_reports::Migration),
            Box::new(m20261203_000016_penalties_and_plans::Migration),
            Box::new(m20261203_000017_meetings_and_lawyers::Migration),
            Box::new(m20261204_000018_record_tallies::Migration),
            Box::new(m20261204_000019_umbrella_lead_order::Migration),
            Box::new(m20261204_000020_task_tallies::Migration),
            Box::new(m20261204_000021_lead_month_tallies::Migration),
            Box::new(m20261204_000022_duty_tallies::Migration),
            Box::new(m20261204_000023_lead_month_fields::Migration),
            Box::new(m20261205_000024_task_due_tallies::Migration),
            Box::new(m20261205_000025_lead_month_cover::Migration),
            Box::new(m20261205_000026_lead_unit_months::Migration),
            Box::new(m20261205_000027_report_covers::Migration),
            Box::new(m20261206_000028_task_due_hours::Migration),
            Box::new(m20261206_000029_directory_notify::Migration),
        ]
    }
}
