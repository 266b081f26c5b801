//! Relay connections with keyset cursors.
//!
//! A cursor is opaque to clients: base64url of the sort key and the row id, so the next page is
//! `WHERE (key, id) > (cursor key, cursor id)` on an index, never an OFFSET. `totalCount` runs
//! only when asked for, and from the same scoped condition as the page.

use async_graphql::{OutputType, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::ApiError;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;

/// A page of `T` (`E` is always `Edge<T>`; async-graphql needs both named for concrete types).
#[derive(SimpleObject)]
#[graphql(concrete(name = "PersonConnection", params(super::person::Person, super::person::PersonEdge)))]
#[graphql(concrete(name = "VenueConnection", params(super::venue::Venue, super::venue::VenueEdge)))]
#[graphql(concrete(name = "LeadConnection", params(super::lead::Lead, super::lead::LeadEdge)))]
#[graphql(concrete(name = "TaskConnection", params(super::task::Task, super::task::TaskEdge)))]
#[graphql(concrete(name = "RiskItemConnection", params(super::risk::RiskItem, super::risk::RiskItemEdge)))]
#[graphql(concrete(
    name = "AuditEntryConnection",
    params(super::audit_log::AuditEntry, super::audit_log::AuditEntryEdge)
))]
pub struct Connection<T: OutputType, E: OutputType> {
    pub edges: Vec<E>,
    pub nodes: Vec<T>,
    pub page_info: PageInfo,
    /// How many rows match the filter in the viewer's scope.
    pub total_count: Option<i64>,
}

/// A page of `T`.
pub type Page<T> = Connection<T, Edge<T>>;

#[derive(SimpleObject)]
#[graphql(concrete(name = "PersonEdge", params(super::person::Person)))]
#[graphql(concrete(name = "VenueEdge", params(super::venue::Venue)))]
#[graphql(concrete(name = "LeadEdge", params(super::lead::Lead)))]
#[graphql(concrete(name = "TaskEdge", params(super::task::Task)))]
#[graphql(concrete(name = "RiskItemEdge", params(super::risk::RiskItem)))]
#[graphql(concrete(name = "AuditEntryEdge", params(super::audit_log::AuditEntry)))]
pub struct Edge<T: OutputType> {
    pub cursor: String,
    pub node: T,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

impl<T: OutputType + Clone> Connection<T, Edge<T>>
where
    Edge<T>: OutputType,
{
    /// Builds a page from up to `first + 1` fetched rows (the extra one only says "there is more").
    pub fn new(mut rows: Vec<(String, T)>, first: u64, total_count: Option<i64>) -> Self {
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let end_cursor = rows.last().map(|(c, _)| c.clone());
        let nodes = rows.iter().map(|(_, n)| n.clone()).collect();
        let edges = rows.into_iter().map(|(cursor, node)| Edge { cursor, node }).collect();
        Self { edges, nodes, page_info: PageInfo { has_next_page, end_cursor }, total_count }
    }
}

/// Checks `first` (default 20, at most 100).
pub fn page_size(first: Option<i32>) -> Result<u64, ApiError> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if n >= 0 && n as u64 <= MAX_PAGE => Ok(n as u64),
        Some(_) => Err(ApiError::bad_input(
            "first",
            format!("first must be between 0 and {MAX_PAGE}."),
            format!("first 须在 0 到 {MAX_PAGE} 之间。"),
        )),
    }
}

/// A cursor for a row at sort key `key`.
pub fn encode_cursor(key: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{id}|{key}"))
}

/// The sort key and id inside a cursor; `BAD_USER_INPUT` on `after` when it is not one of ours.
pub fn decode_cursor(cursor: &str) -> Result<(String, Uuid), ApiError> {
    let bad = || ApiError::bad_input("after", "This is not a valid cursor.", "游标无效。");
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, key) = text.split_once('|').ok_or_else(bad)?;
    Ok((key.to_owned(), Uuid::parse_str(id).map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor("张|三", id)).unwrap(), ("张|三".to_owned(), id));
        assert!(decode_cursor("nope").is_err());
        assert!(page_size(Some(101)).is_err());
        assert_eq!(page_size(None).unwrap(), 20);
    }
}

/// How a sort key is written in a cursor.
#[derive(Clone, Copy)]
pub enum KeyKind {
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    Instant,
}

/// The rows after a cursor in a keyset order on (`key`, `id`): `(key, id) > (k, i)` ascending,
/// `<` descending, written so that the index on (key, id) serves it.
pub fn after(
    cursor: &str,
    kind: KeyKind,
    key: sea_orm::sea_query::Expr,
    id: sea_orm::sea_query::Expr,
    ascending: bool,
) -> Result<sea_orm::Condition, ApiError> {
    use sea_orm::sea_query::ExprTrait;
    let (raw, id_value) = decode_cursor(cursor)?;
    let bad = || ApiError::bad_input("after", "This is not a valid cursor.", "游标无效。");
    let value: sea_orm::Value = match kind {
        KeyKind::Text => raw.into(),
        KeyKind::Date => chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|_| bad())?.into(),
        KeyKind::Instant => raw.parse::<chrono::DateTime<chrono::Utc>>().map_err(|_| bad())?.into(),
    };
    let (beyond, tie) = if ascending {
        (key.clone().gt(value.clone()), id.gt(id_value))
    } else {
        (key.clone().lt(value.clone()), id.lt(id_value))
    };
    Ok(sea_orm::Condition::any().add(beyond).add(sea_orm::Condition::all().add(key.eq(value)).add(tie)))
}
