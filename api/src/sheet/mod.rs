//! Spreadsheet ledgers (台账): the lists exported as XLSX or CSV, and the ledgers towns keep
//! imported as persons and venues.
//!
//! Both directions speak the same columns ([`columns`]): a header row of Chinese names and enum
//! values as their Chinese labels (`graphql::labels`), so an export imports back unchanged.

pub mod columns;
pub mod export;
pub mod filter;
pub mod package;

use async_graphql::{InputType, Name, Value};
use chrono::NaiveDate;

use crate::labels;

/// One cell of a ledger.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    /// A text cell, empty when there is no value.
    pub fn opt(value: Option<&str>) -> Self {
        value.map_or(Cell::Empty, |v| Cell::Text(v.to_owned()))
    }

    /// The cell as CSV writes it (dates `YYYY-MM-DD`).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The Chinese label of an enum value (the value's own name when it has none).
pub fn label<E: InputType>(value: &E) -> String {
    let name = match value.to_value() {
        Value::Enum(name) => name.to_string(),
        other => other.to_string(),
    };
    labels::lookup(&E::type_name())
        .and_then(|values| values.iter().find(|(v, _)| *v == name).map(|(_, zh)| (*zh).to_owned()))
        .unwrap_or(name)
}

/// The enum value named by its Chinese label, its API name (`KEY`) or that name in words
/// (`Key`, `prior gang crime`), ignoring case.
pub fn from_label<E: InputType>(text: &str) -> Option<E> {
    let text = text.trim();
    let values = labels::lookup(&E::type_name())?;
    let (name, _) = values.iter().find(|(value, zh)| {
        *zh == text || value.eq_ignore_ascii_case(text) || value.replace('_', " ").eq_ignore_ascii_case(text)
    })?;
    E::parse(Some(Value::Enum(Name::new(name)))).ok()
}

/// `是` / `否`.
pub fn yes_no(value: bool) -> Cell {
    Cell::Text(if value { "是" } else { "否" }.to_owned())
}
