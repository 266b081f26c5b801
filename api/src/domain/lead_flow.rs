//! The lifecycle of a lead (domain.md "Leads", seed 003 §三(二)): which step may follow which,
//! and the deadlines each state carries. Pure functions; who may take a step is the access
//! layer's business, not this module's.
//!
//! Ordinary leads: REGISTERED -transfer-> TRANSFERRED -review-> UNDER_REVIEW -decide->
//! ESCALATED | LOCAL_HANDLING; ESCALATED -county answer: declined-> LOCAL_HANDLING, or (taken
//! over) -conclude-> done; LOCAL_HANDLING -assign (四定一包)-> VERIFYING -conclude-> SUBSTANTIATED |
//! UNFOUNDED. Umbrella leads: any open state but VERIFYING -assign-> VERIFYING -conclude-> done,
//! every step by the discipline commission.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use entity::enums::{CountyAnswer, LeadEventKind, LeadStatus};

/// A step of the lifecycle, named as its mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Transfer,
    StartReview,
    Decide,
    RecordCountyAnswer,
    Assign,
    Conclude,
}

impl Step {
    /// The policy action that grants the step.
    pub fn action(self) -> &'static str {
        match self {
            Step::Transfer => "transfer",
            Step::StartReview => "review",
            Step::Decide => "decide",
            Step::RecordCountyAnswer => "record_county_answer",
            Step::Assign => "assign",
            Step::Conclude => "conclude",
        }
    }

    /// The mutation's name, as error messages name the allowed next steps.
    pub fn mutation(self) -> &'static str {
        match self {
            Step::Transfer => "transferLead",
            Step::StartReview => "startLeadReview",
            Step::Decide => "decideLead",
            Step::RecordCountyAnswer => "recordCountyAnswer",
            Step::Assign => "assignLead",
            Step::Conclude => "concludeLead",
        }
    }
}

/// Whether a lead in `status` has ended ("件件有着落").
pub fn is_concluded(status: LeadStatus) -> bool {
    matches!(status, LeadStatus::Substantiated | LeadStatus::Unfounded)
}

/// A lead's events as a viewer sees them who does not hold the handling of umbrella leads: what
/// was handled while the lead was umbrella stays the discipline commission's. The marking and the
/// unmarking themselves show (the shell tells that much), but nothing between them, nor the
/// status the lead had when it was unmarked. `events` are oldest first.
pub fn outside_umbrella_periods<E>(
    events: Vec<E>,
    kind: impl Fn(&E) -> LeadEventKind,
    mut hide_from_status: impl FnMut(&mut E),
) -> Vec<E> {
    let mut umbrella = false;
    let mut shown = Vec::with_capacity(events.len());
    for mut event in events {
        match kind(&event) {
            LeadEventKind::MarkedUmbrella => {
                umbrella = true;
                shown.push(event);
            }
            LeadEventKind::UnmarkedUmbrella => {
                umbrella = false;
                hide_from_status(&mut event);
                shown.push(event);
            }
            _ if umbrella => {}
            _ => shown.push(event),
        }
    }
    shown
}

/// The steps that may follow now.
pub fn next_steps(umbrella: bool, status: LeadStatus, county_answer: Option<CountyAnswer>) -> Vec<Step> {
    if is_concluded(status) {
        return Vec::new();
    }
    if umbrella {
        return match status {
            LeadStatus::Verifying => vec![Step::Conclude],
            _ => vec![Step::Assign],
        };
    }
    match status {
        LeadStatus::Registered => vec![Step::Transfer],
        LeadStatus::Transferred => vec![Step::StartReview],
        LeadStatus::UnderReview => vec![Step::Decide],
        LeadStatus::Escalated => match county_answer {
            Some(CountyAnswer::TakenOver) => vec![Step::Conclude],
            _ => vec![Step::RecordCountyAnswer],
        },
        LeadStatus::LocalHandling => vec![Step::Assign],
        LeadStatus::Verifying => vec![Step::Conclude],
        LeadStatus::Substantiated | LeadStatus::Unfounded => Vec::new(),
    }
}

/// The coarse status shown where the fine one is hidden.
pub fn coarse(status: LeadStatus) -> &'static str {
    match status {
        LeadStatus::Registered => "RECEIVED",
        LeadStatus::Substantiated | LeadStatus::Unfounded => "CONCLUDED",
        _ => "IN_PROGRESS",
    }
}

/// The town's time zone for "the same day" (China Standard Time).
pub fn town_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The town's calendar day now: dates users enter ("today", "not in the future") are the town's,
/// not UTC's, which runs eight hours behind.
pub fn today() -> chrono::NaiveDate {
    local_day(Utc::now())
}

/// The town's calendar day of an instant.
pub fn local_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&town_zone()).date_naive()
}

/// The first instant of a town calendar day.
pub fn start_of_day(day: chrono::NaiveDate) -> DateTime<Utc> {
    let start = day.and_time(NaiveTime::MIN);
    town_zone().from_local_datetime(&start).single().expect("a fixed offset has no gaps").with_timezone(&Utc)
}

/// The last second of a town calendar day ("by the end of the day").
pub fn end_of_day(day: chrono::NaiveDate) -> DateTime<Utc> {
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"));
    town_zone().from_local_datetime(&end).single().expect("a fixed offset has no gaps").with_timezone(&Utc)
}

/// End of the local day of `at`: a lead must be transferred the day it is registered.
pub fn end_of_local_day(at: DateTime<Utc>) -> DateTime<Utc> {
    end_of_day(local_day(at))
}

/// The review is due 24 hours after the transfer.
pub fn review_due(transferred_at: DateTime<Utc>) -> DateTime<Utc> {
    transferred_at + Duration::hours(24)
}

/// When the discipline commission must have taken up an umbrella lead (seed 003 "'保护伞'问题
/// 线索优先处置"): 24 hours after the lead became umbrella.
pub fn umbrella_take_up_due(umbrella_since: DateTime<Utc>) -> DateTime<Utc> {
    umbrella_since + Duration::hours(24)
}

/// When a major lead must have been reported (seed 001 "对于重大线索重大案件,要第一时间上报"):
/// 2 hours after it became major.
pub fn major_report_due(major_since: DateTime<Utc>) -> DateTime<Utc> {
    major_since + Duration::hours(2)
}

/// The serial year of a lead registered at `at` (the town's calendar year).
pub fn serial_year(at: DateTime<Utc>) -> i32 {
    use chrono::Datelike;
    at.with_timezone(&town_zone()).year()
}

/// `2026-0042`.
pub fn serial(year: i32, number: i32) -> String {
    format!("{year}-{number:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_leads_move_one_step_at_a_time() {
        assert_eq!(next_steps(false, LeadStatus::Registered, None), vec![Step::Transfer]);
        assert_eq!(next_steps(false, LeadStatus::Escalated, None), vec![Step::RecordCountyAnswer]);
        assert_eq!(next_steps(false, LeadStatus::Escalated, Some(CountyAnswer::TakenOver)), vec![Step::Conclude]);
        assert_eq!(next_steps(false, LeadStatus::Unfounded, None), vec![]);
        assert_eq!(next_steps(true, LeadStatus::Transferred, None), vec![Step::Assign]);
        assert_eq!(next_steps(true, LeadStatus::Verifying, None), vec![Step::Conclude]);
    }

    #[test]
    fn same_day_means_the_towns_day() {
        // 2026-03-01 20:00 UTC is already 2026-03-02 04:00 in the town.
        let at: DateTime<Utc> = "2026-03-01T20:00:00Z".parse().unwrap();
        assert_eq!(end_of_local_day(at), "2026-03-02T15:59:59Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(serial_year("2026-12-31T17:00:00Z".parse().unwrap()), 2027);
        assert_eq!(serial(2026, 42), "2026-0042");
    }
}
