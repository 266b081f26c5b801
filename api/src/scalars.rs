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
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
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
