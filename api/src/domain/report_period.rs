//! The periods units report on (issue 15): the week (周通报, seed 001 "每周五之前 … 报送") and the
//! month (月报, due the 23rd; the town's, the coordination office's, the 25th, seed 000 and 002).
//! Weeks are ISO weeks (Monday to Sunday) in the town's calendar, written `YYYY-Www`.
//!
//! A report is on time when it is submitted by the end of its due day in the town: Friday 23:59:59
//! is on time, Saturday 00:00:00 is late.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use super::lead_flow::{end_of_day, local_day, start_of_day};
use super::risk_flow;

/// A week a unit reports on: its Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week(NaiveDate);

impl Week {
    /// `YYYY-Www` (ISO 8601); `None` when malformed or no such week.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, week) = text.trim().split_once("-W")?;
        if year.len() != 4 || week.len() != 2 || !year.chars().chain(week.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, Weekday::Mon).map(Self)
    }

    /// The week a town calendar day falls in.
    pub fn of_day(day: NaiveDate) -> Self {
        Self(day - Duration::days(day.weekday().num_days_from_monday() as i64))
    }

    /// The week an instant falls in, in the town.
    pub fn of(at: DateTime<Utc>) -> Self {
        Self::of_day(local_day(at))
    }

    /// Its Monday.
    pub fn monday(self) -> NaiveDate {
        self.0
    }

    /// `YYYY-Www`.
    pub fn name(self) -> String {
        let iso = self.0.iso_week();
        format!("{}-W{:02}", iso.year(), iso.week())
    }

    /// The instants `[Monday 00:00, next Monday 00:00)` in the town.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (start_of_day(self.0), start_of_day(self.0 + Duration::days(7)))
    }

    /// The report is due by the end of Friday.
    pub fn due_at(self) -> DateTime<Utc> {
        end_of_day(self.0 + Duration::days(4))
    }
}

/// The month (`YYYY-MM`) an instant falls in, in the town.
pub fn month_of(at: DateTime<Utc>) -> String {
    local_day(at).format("%Y-%m").to_string()
}

/// When a unit's monthly report for `month` (`YYYY-MM`) is due: the 23rd, the town's (the
/// coordination office's) the 25th; `None` when the month is malformed.
pub fn month_due_at(month: &str, town_report: bool) -> Option<DateTime<Utc>> {
    let (start, _) = risk_flow::month_bounds(month)?;
    let first = local_day(start);
    Some(end_of_day(first.with_day(if town_report { 25 } else { 23 })?))
}

/// Whether a report submitted at `at` was on time for `due_at`.
pub fn on_time(at: DateTime<Utc>, due_at: DateTime<Utc>) -> bool {
    at <= due_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};

    fn local(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(2026, 12, d, h, m, s).unwrap().to_utc()
    }

    #[test]
    fn weeks_parse_name_and_fall_due_on_friday_night() {
        let week = Week::parse("2026-W49").unwrap();
        assert_eq!(week.monday(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(week.name(), "2026-W49");
        assert_eq!(Week::of(local(6, 23, 59, 59)), week, "Sunday night is still the week");
        assert_eq!(Week::of(local(7, 0, 0, 0)).name(), "2026-W50");
        // Friday 4 December 23:59:59 is on time, Saturday 00:00:00 is late.
        assert!(on_time(local(4, 23, 59, 59), week.due_at()));
        assert!(!on_time(local(5, 0, 0, 0), week.due_at()));
        assert!(Week::parse("2026-49").is_none());
        assert!(Week::parse("2026-W54").is_none());
    }
}
