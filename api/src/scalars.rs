//! Scalars of api.md: `Date` is a calendar date `YYYY-MM-DD` (times are `DateTime`, RFC 3339).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Date(pub NaiveDate);

/// The years a date of the town's work may fall in: births from 1900, deadlines well ahead.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2199;

/// 日期 — a calendar date, YYYY-MM-DD, in the years 1900 to 2199.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else { return Err(InputValueError::expected_type(value)) };
        // Exactly YYYY-MM-DD: chrono alone would also take signed and five-digit years.
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) if shaped && YEARS.contains(&date.year()) => Ok(Date(date)),
            _ => Err(InputValueError::custom(format!(
                "A date is YYYY-MM-DD, in the years {} to {}.",
                YEARS.start(),
                YEARS.end()
            ))),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(iso_date(self.0))
    }
}

/// `YYYY-MM-DD`, written directly: chrono's formatter parses its pattern on every call, and a
/// page of records writes hundreds of dates.
pub fn iso_date(date: NaiveDate) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.format("%Y-%m-%d").to_string();
    }
    let (month, day) = (date.month(), date.day());
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut text = String::with_capacity(10);
    for n in [year as u32 / 1000, year as u32 / 100, year as u32 / 10, year as u32] {
        text.push(digit(n));
    }
    text.extend(['-', digit(month / 10), digit(month), '-', digit(day / 10), digit(day)]);
    text
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Self(d)
    }
}

impl From<Date> for NaiveDate {
    fn from(d: Date) -> Self {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_written_as_chrono_writes_it() {
        let mut day = NaiveDate::from_ymd_opt(-3, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(10_002, 12, 31).unwrap();
        let mut checked = 0;
        while day <= last {
            assert_eq!(iso_date(day), day.format("%Y-%m-%d").to_string());
            day = day + chrono::Days::new(7);
            checked += 1;
        }
        assert!(checked > 500_000);
        assert_eq!(iso_date(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()), "2026-03-09");
    }
}
