//! The lifecycle of a risk item (domain.md "Risk items", 大排查大整治): which step may follow
//! which, the three-level escalation (三级联席会议), the T+2 feedback deadline of a HIGH item and
//! the resolution targets of the reports. Pure functions; who may take a step on which row is
//! the access layer's business, except the one rung rule below that the policy cannot express.
//!
//! REPORTED -assess-> ASSESSED -first feedback-> RESOLVING -resolve (销号)-> RESOLVED; an assessed
//! item may also be resolved before any feedback. Updates only before the assessment; daily
//! checks, escalation and feedback on open items. Escalation VILLAGE -> TOWN -> DISTRICT: the
//! village takes its own items to the town only, the coordinator takes any item up either rung.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::enums::{EscalationLevel, RiskLevel, RiskStatus};

use super::lead_flow::town_zone;

/// A step of the lifecycle, named as its mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Update,
    Assess,
    RecordCheck,
    RecordFeedback,
    Escalate,
    Resolve,
}

impl Step {
    /// The policy action that grants the step.
    pub fn action(self) -> &'static str {
        match self {
            Step::Update => "update",
            Step::Assess => "assess",
            Step::RecordCheck => "record_check",
            Step::RecordFeedback => "record_feedback",
            Step::Escalate => "escalate",
            Step::Resolve => "resolve",
        }
    }

    /// The mutation's name, as error messages and `nextSteps` name the allowed next steps.
    pub fn mutation(self) -> &'static str {
        match self {
            Step::Update => "updateRisk",
            Step::Assess => "assessRisk",
            Step::RecordCheck => "recordRiskCheck",
            Step::RecordFeedback => "recordRiskFeedback",
            Step::Escalate => "escalateRisk",
            Step::Resolve => "resolveRisk",
        }
    }
}

/// The steps the lifecycle allows now, whoever takes them.
pub fn next_steps(status: RiskStatus, escalation: EscalationLevel) -> Vec<Step> {
    let mut steps = match status {
        RiskStatus::Reported => vec![Step::Update, Step::Assess, Step::RecordCheck],
        RiskStatus::Assessed | RiskStatus::Resolving => vec![Step::RecordCheck, Step::RecordFeedback, Step::Resolve],
        RiskStatus::Resolved => return Vec::new(),
    };
    if next_escalation(escalation).is_some() {
        steps.push(Step::Escalate);
    }
    steps
}

/// The joint meeting above `level`, if any.
pub fn next_escalation(level: EscalationLevel) -> Option<EscalationLevel> {
    match level {
        EscalationLevel::Village => Some(EscalationLevel::Town),
        EscalationLevel::Town => Some(EscalationLevel::District),
        EscalationLevel::District => None,
    }
}

/// Why an escalation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationRefusal {
    /// Not the viewer's rung: only the coordinator takes an item beyond the town meeting. The
    /// viewer reads the escalation level, so saying so reveals nothing; a `CONFLICT` would
    /// wrongly suggest that some later state lets it.
    NotYourRung,
    /// The lifecycle does not allow it (resolved, or already before the district meeting).
    NotNow,
}

/// The level an escalation leads to: the coordinator takes any open item one rung up; anyone
/// else granted `escalate` (the village, for its own items) only VILLAGE -> TOWN.
pub fn escalation(
    by_coordinator: bool,
    status: RiskStatus,
    level: EscalationLevel,
) -> Result<EscalationLevel, EscalationRefusal> {
    if !by_coordinator && level != EscalationLevel::Village {
        return Err(EscalationRefusal::NotYourRung);
    }
    if status == RiskStatus::Resolved {
        return Err(EscalationRefusal::NotNow);
    }
    next_escalation(level).ok_or(EscalationRefusal::NotNow)
}

/// T+2: a HIGH item's first feedback is due two days after its assessment; other levels carry
/// no feedback deadline. A future task rule (`RISK_FEEDBACK`) reads this column.
pub fn feedback_due(level: RiskLevel, assessed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (level == RiskLevel::High).then(|| assessed_at + Duration::days(2))
}

/// Past its T+2 deadline without any feedback. The first feedback moves the item on from
/// ASSESSED, and a resolved item owes none, so "no feedback yet" is "still ASSESSED".
pub fn is_overdue(status: RiskStatus, feedback_due_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    status == RiskStatus::Assessed && feedback_due_at.is_some_and(|due| due < now)
}

/// The resolution rate the reports hold each level to: HIGH 100%, MEDIUM and LOW 90%.
pub fn target(level: RiskLevel) -> f64 {
    match level {
        RiskLevel::High => 1.0,
        RiskLevel::Medium | RiskLevel::Low => 0.9,
    }
}

/// Resolved of found; `None` when nothing was found (no rate to speak of).
pub fn rate(found: i64, resolved: i64) -> Option<f64> {
    (found > 0).then(|| resolved as f64 / found as f64)
}

/// Whether a level meets its target; a month with nothing found leaves nothing unresolved.
pub fn meets_target(level: RiskLevel, found: i64, resolved: i64) -> bool {
    // Integer comparison, so 9 of 10 meets 90% exactly despite floating point.
    match level {
        RiskLevel::High => resolved >= found,
        RiskLevel::Medium | RiskLevel::Low => resolved * 10 >= found * 9,
    }
}

/// The instants a `YYYY-MM` month spans in the town's calendar: `[start, end)`.
pub fn month_bounds(month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (year, mon) = month.split_once('-')?;
    if year.len() != 4 || mon.len() != 2 || !year.chars().chain(mon.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (y, m): (i32, u32) = (year.parse().ok()?, mon.parse().ok()?);
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(y, m + 1, 1)? };
    let at = |d: NaiveDate| town_zone().from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single().map(|t| t.to_utc());
    Some((at(first)?, at(next)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn items_move_one_step_at_a_time_and_resolved_is_final() {
        use Step::*;
        assert_eq!(
            next_steps(RiskStatus::Reported, EscalationLevel::Village),
            vec![Update, Assess, RecordCheck, Escalate]
        );
        assert_eq!(
            next_steps(RiskStatus::Assessed, EscalationLevel::Town),
            vec![RecordCheck, RecordFeedback, Resolve, Escalate]
        );
        assert_eq!(
            next_steps(RiskStatus::Resolving, EscalationLevel::District),
            vec![RecordCheck, RecordFeedback, Resolve]
        );
        assert_eq!(next_steps(RiskStatus::Resolved, EscalationLevel::Village), vec![]);
    }

    #[test]
    fn the_village_escalates_to_the_town_only_and_the_coordinator_to_the_district() {
        use EscalationLevel::*;
        assert_eq!(escalation(false, RiskStatus::Reported, Village), Ok(Town));
        assert_eq!(escalation(false, RiskStatus::Assessed, Town), Err(EscalationRefusal::NotYourRung));
        assert_eq!(escalation(false, RiskStatus::Assessed, District), Err(EscalationRefusal::NotYourRung));
        assert_eq!(escalation(true, RiskStatus::Assessed, Town), Ok(District));
        assert_eq!(escalation(true, RiskStatus::Assessed, District), Err(EscalationRefusal::NotNow));
        assert_eq!(escalation(true, RiskStatus::Resolved, Village), Err(EscalationRefusal::NotNow));
        assert_eq!(escalation(false, RiskStatus::Resolved, Village), Err(EscalationRefusal::NotNow));
    }

    #[test]
    fn a_high_assessment_owes_feedback_within_two_days() {
        let assessed = at("2026-03-01T08:00:00Z");
        let due = feedback_due(RiskLevel::High, assessed).unwrap();
        assert_eq!(due, at("2026-03-03T08:00:00Z"));
        assert_eq!(feedback_due(RiskLevel::Medium, assessed), None);
        assert!(!is_overdue(RiskStatus::Assessed, Some(due), at("2026-03-03T07:59:59Z")));
        assert!(is_overdue(RiskStatus::Assessed, Some(due), at("2026-03-03T08:00:01Z")));
        // Feedback given (RESOLVING) or resolved: nothing owed.
        assert!(!is_overdue(RiskStatus::Resolving, Some(due), at("2026-03-09T00:00:00Z")));
        assert!(!is_overdue(RiskStatus::Resolved, Some(due), at("2026-03-09T00:00:00Z")));
        assert!(!is_overdue(RiskStatus::Assessed, None, at("2026-03-09T00:00:00Z")));
    }

    #[test]
    fn targets_are_all_high_and_nine_in_ten_of_the_rest() {
        assert!(meets_target(RiskLevel::High, 3, 3));
        assert!(!meets_target(RiskLevel::High, 3, 2));
        assert!(meets_target(RiskLevel::Medium, 10, 9));
        assert!(!meets_target(RiskLevel::Low, 10, 8));
        assert!(meets_target(RiskLevel::Low, 0, 0));
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(4, 3), Some(0.75));
        assert_eq!(target(RiskLevel::High), 1.0);
        assert_eq!(target(RiskLevel::Low), 0.9);
    }

    #[test]
    fn a_month_is_the_towns_calendar_month() {
        let (start, end) = month_bounds("2024-02").unwrap();
        assert_eq!(start, at("2024-01-31T16:00:00Z"));
        assert_eq!(end, at("2024-02-29T16:00:00Z"));
        let (_, end) = month_bounds("2025-12").unwrap();
        assert_eq!(end, at("2025-12-31T16:00:00Z"));
        for bad in ["2024-13", "2024-2", "24-02", "2024/02", "", "2024-02-01"] {
            assert_eq!(month_bounds(bad), None, "{bad}");
        }
    }
}
