//! Scalars of api.md: `Date` is a calendar date `YYYY-MM-DD` (times are `DateTime`, RFC 3339).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Date(pub NaiveDate);

async_graphql::scalar!(Date, "Date", "A calendar date, YYYY-MM-DD.");

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
