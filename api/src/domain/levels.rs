//! Attention levels and the duties that hang on them (domain.md "Key persons", "Key venues";
//! seed 000 §四(二)). Pure functions of dates, so every boundary is testable without a clock.
//!
//! "Within N days" means fewer than N whole days apart: an incident 182 days ago is within six
//! months (183 days), one 183 days ago is not; two incidents 89 days apart are within 90 days,
//! 90 days apart are not.

use chrono::{Duration, NaiveDate};
use entity::enums::AttentionLevel;

/// Six months, as the step-down rules count them.
pub const CLEAN_DAYS: i64 = 183;
/// Two incidents closer than this make a GENERAL or KEY person SPECIAL.
pub const ESCALATION_DAYS: i64 = 90;

/// Days between education talks a person's level requires (30 / 60 / 90).
pub fn talk_interval_days(level: AttentionLevel) -> i64 {
    match level {
        AttentionLevel::Special => 30,
        AttentionLevel::Key => 60,
        AttentionLevel::General => 90,
    }
}

/// Days between inspections a venue's level requires: SPECIAL twice a month (every 15 days),
/// KEY every 2 months, GENERAL every quarter.
pub fn inspection_interval_days(level: AttentionLevel) -> i64 {
    match level {
        AttentionLevel::Special => 15,
        AttentionLevel::Key => 60,
        AttentionLevel::General => 90,
    }
}

/// The level a step down leads to; `None` is delisting (撤管).
pub fn step_down_target(level: AttentionLevel) -> Option<AttentionLevel> {
    match level {
        AttentionLevel::Special => Some(AttentionLevel::Key),
        AttentionLevel::Key => Some(AttentionLevel::General),
        AttentionLevel::General => None,
    }
}

/// Whether `to` is above `from`.
pub fn is_higher(to: AttentionLevel, from: AttentionLevel) -> bool {
    rank(to) > rank(from)
}

fn rank(level: AttentionLevel) -> u8 {
    match level {
        AttentionLevel::General => 0,
        AttentionLevel::Key => 1,
        AttentionLevel::Special => 2,
    }
}

/// When the next duty (talk or inspection) falls due: `interval` days after the last one, or
/// after the level took effect when there was none since.
pub fn next_due(last: Option<NaiveDate>, level_since: NaiveDate, interval_days: i64) -> NaiveDate {
    let from = match last {
        Some(last) if last >= level_since => last,
        _ => level_since,
    };
    from + Duration::days(interval_days)
}

/// Why a step down is refused now, in English and Chinese; `None` when the rules allow it.
/// `last_incident` is the latest incident that counts (for venues, also the latest ordinary
/// lead naming it, at the coordinator's decision; the caller never says which it was).
pub fn step_down_refusal(
    level: AttentionLevel,
    level_since: NaiveDate,
    last_incident: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<(String, String)> {
    if let Some(incident) = last_incident
        && (today - incident).num_days() < CLEAN_DAYS
    {
        return Some((
            format!("The incident on {incident} is within 6 months; a step down needs 6 clean months."),
            format!("{incident}的事件距今不足6个月，降级须连续6个月无事件。"),
        ));
    }
    if (today - level_since).num_days() < CLEAN_DAYS {
        return Some((
            format!("Held {} only since {level_since}; a step down needs 6 months at the level.", level_name(level)),
            format!("自{level_since}起才列为{}，降级须在该级别满6个月。", level_name_zh(level)),
        ));
    }
    None
}

/// Whether a new incident makes a person SPECIAL at once: a GENERAL or KEY person with another
/// incident fewer than 90 days before or after it.
pub fn escalates(level: AttentionLevel, new_incident: NaiveDate, others: &[NaiveDate]) -> bool {
    level != AttentionLevel::Special && others.iter().any(|d| (new_incident - *d).num_days().abs() < ESCALATION_DAYS)
}

pub fn level_name(level: AttentionLevel) -> &'static str {
    match level {
        AttentionLevel::General => "GENERAL",
        AttentionLevel::Key => "KEY",
        AttentionLevel::Special => "SPECIAL",
    }
}

pub fn level_name_zh(level: AttentionLevel) -> &'static str {
    match level {
        AttentionLevel::General => "一般关注",
        AttentionLevel::Key => "重点关注",
        AttentionLevel::Special => "特别关注",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_incident_182_days_ago_blocks_a_step_down_and_183_days_ago_does_not() {
        let today = day("2026-11-30");
        let since = day("2025-01-01");
        let blocked = step_down_refusal(AttentionLevel::Key, since, Some(today - Duration::days(182)), today);
        assert!(blocked.unwrap().0.contains("within 6 months"));
        assert_eq!(step_down_refusal(AttentionLevel::Key, since, Some(today - Duration::days(183)), today), None);
    }

    #[test]
    fn a_level_held_182_days_blocks_a_step_down_and_183_days_does_not() {
        let today = day("2026-11-30");
        let refusal = step_down_refusal(AttentionLevel::Key, today - Duration::days(182), None, today).unwrap();
        assert!(refusal.0.contains("Held KEY only since 2026-06-01"), "{}", refusal.0);
        assert_eq!(step_down_refusal(AttentionLevel::Key, today - Duration::days(183), None, today), None);
    }

    #[test]
    fn incidents_89_days_apart_escalate_and_90_days_apart_do_not() {
        let new = day("2026-11-30");
        assert!(escalates(AttentionLevel::General, new, &[new - Duration::days(89)]));
        assert!(escalates(AttentionLevel::Key, new, &[new - Duration::days(89)]));
        assert!(!escalates(AttentionLevel::Key, new, &[new - Duration::days(90)]));
        assert!(!escalates(AttentionLevel::Special, new, &[new - Duration::days(1)]));
    }

    #[test]
    fn duties_fall_due_by_level() {
        let since = day("2026-01-01");
        assert_eq!(next_due(None, since, talk_interval_days(AttentionLevel::Special)), day("2026-01-31"));
        assert_eq!(next_due(Some(day("2026-03-01")), since, 60), day("2026-04-30"));
        // A talk before the current level began does not count toward it.
        assert_eq!(next_due(Some(day("2025-12-01")), since, 90), day("2026-04-01"));
        assert_eq!(step_down_target(AttentionLevel::General), None);
        assert!(is_higher(AttentionLevel::Special, AttentionLevel::Key));
    }
}
