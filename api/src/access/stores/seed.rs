//! Whole records written as they are given: the demo world and synthetic worlds for benchmarks
//! load through here, never around the access layer. A record goes in exactly as built (ids,
//! dates, states and versions included); nothing here reads.

use std::future::Future;

use entity::{
    lawyer_report, lead, lead_event, lead_serial_counter, lead_subject, meeting, meeting_decision, meeting_unit,
    person, person_assessment, person_category, person_incident, person_judicial_tag, person_level_change,
    person_measure, person_talk, risk_check, risk_event, risk_feedback, risk_item, task, task_event, venue,
    venue_incident, venue_inspection, venue_level_change,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};

/// A case record that can be written whole.
pub trait Seed: Sized + Send {
    /// Inserts this record.
    fn seed<C: ConnectionTrait>(self, db: &C) -> impl Future<Output = Result<(), DbErr>> + Send;
    /// Inserts these records in one statement (none when empty).
    fn seed_all<C: ConnectionTrait>(rows: Vec<Self>, db: &C) -> impl Future<Output = Result<(), DbErr>> + Send;
}

macro_rules! seed {
    ($($module:ident),* $(,)?) => {$(
        impl Seed for $module::Model {
            async fn seed<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
                $module::ActiveModel::from(self).reset_all().insert(db).await?;
                Ok(())
            }

            async fn seed_all<C: ConnectionTrait>(rows: Vec<Self>, db: &C) -> Result<(), DbErr> {
                if rows.is_empty() {
                    return Ok(());
                }
                let rows = rows.into_iter().map(|row| $module::ActiveModel::from(row).reset_all());
                $module::Entity::insert_many(rows).exec_without_returning(db).await?;
                Ok(())
            }
        }
    )*};
}

seed!(
    person,
    person_category,
    person_talk,
    person_incident,
    person_judicial_tag,
    person_assessment,
    person_measure,
    person_level_change,
    venue,
    venue_inspection,
    venue_incident,
    venue_level_change,
    lead,
    lead_subject,
    lead_event,
    lead_serial_counter,
    risk_item,
    risk_feedback,
    risk_event,
    risk_check,
    task,
    task_event,
    meeting,
    meeting_unit,
    meeting_decision,
    lawyer_report,
);
