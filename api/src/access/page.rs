//! Keyset pages, the one implementation every list uses.
//!
//! A cursor is opaque to clients: base64url of the row id and the sort key as the SQL computed
//! it, so the next page is `WHERE (key, id) > (cursor key, cursor id)` on an index, never an
//! OFFSET.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::error::ApiError;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;

/// 排序方向 — the direction of a list's order.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// 升序 — ascending: smallest or oldest first.
    #[default]
    Asc,
    /// 降序 — descending: largest or newest first.
    Desc,
}

impl SortDirection {
    pub fn ascending(self) -> bool {
        self == SortDirection::Asc
    }
}

/// Which page of a list: its size (checked), and either the cursor it follows (`first`/`after`,
/// forward) or the cursor it ends before (`last`/`before`, backward).
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// Rows per page: `first`, or `last` when reading backward.
    pub size: u64,
    pub after: Option<String>,
    pub before: Option<String>,
    /// The page ends at `before` (or at the end of the list) instead of starting after `after`.
    pub backward: bool,
}

impl PageArgs {
    /// The page a client asked for: `first`/`after` or `last`/`before` (default 20 rows, at most
    /// 100), never both directions at once.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Self, ApiError> {
        let mixed = |field: &str| {
            ApiError::bad_input(
                field,
                "Page forward with first and after, or backward with last and before, not both.",
                "向后翻页请用 first 和 after，向前翻页请用 last 和 before，二者不可混用。",
            )
        };
        match (first.is_some() || after.is_some(), last.is_some() || before.is_some()) {
            (true, true) => Err(mixed(if last.is_some() { "last" } else { "before" })),
            (_, false) => Ok(Self { size: page_size(first, "first")?, after, before: None, backward: false }),
            (false, true) => Ok(Self { size: page_size(last, "last")?, after: None, before, backward: true }),
        }
    }

    /// A forward page of `size` rows after `after`.
    pub fn forward(size: u64, after: Option<String>) -> Self {
        Self { size, after, before: None, backward: false }
    }
}

/// Checks a page size given as `field` (default 20, at most 100).
pub fn page_size(size: Option<i32>, field: &str) -> Result<u64, ApiError> {
    match size {
        None => Ok(DEFAULT_PAGE),
        Some(n) if n >= 0 && n as u64 <= MAX_PAGE => Ok(n as u64),
        Some(_) => Err(ApiError::bad_input(
            field,
            format!("{field} must be between 0 and {MAX_PAGE}."),
            format!("{field} 须在 0 到 {MAX_PAGE} 之间。"),
        )),
    }
}

/// A cursor for a row at sort key `key`.
pub fn encode_cursor(key: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{id}|{key}"))
}

/// Where a row of a page stands in its order: its sort key, as the page's SQL read it, and its
/// id. It is written out as a cursor ([`Position::cursor`]) only where one is asked for: a page
/// of 50 rows whose cursors nobody reads would otherwise write and base64-encode a cursor
/// string for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    key: String,
    id: Uuid,
}

impl Position {
    pub fn new(key: String, id: Uuid) -> Self {
        Self { key, id }
    }

    /// The opaque cursor of this row, for `after` or `before`.
    pub fn cursor(&self) -> String {
        encode_cursor(&self.key, self.id)
    }
}

/// The sort key and id inside a cursor; `BAD_USER_INPUT` on `field` (`after`, `before`) when it
/// is not one of ours.
pub fn decode_cursor(cursor: &str, field: &str) -> Result<(String, Uuid), ApiError> {
    let bad = || ApiError::bad_input(field, "This is not a valid cursor.", "游标无效。");
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
        assert_eq!(decode_cursor(&encode_cursor("张|三", id), "after").unwrap(), ("张|三".to_owned(), id));
        assert!(decode_cursor("nope", "after").is_err());
        assert!(page_size(Some(101), "first").is_err());
        assert_eq!(page_size(None, "first").unwrap(), 20);
        assert!(PageArgs::new(Some(1), None, Some(1), None).is_err());
        assert!(PageArgs::new(None, Some("x".into()), None, Some("y".into())).is_err());
        assert!(PageArgs::new(None, None, Some(5), None).unwrap().backward);
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
    /// A row id (UUIDv7, so in order of creation).
    Id,
}

/// The rows after a cursor in a keyset order on (`key`, `id`): `(key, id) > (k, i)` ascending,
/// `<` descending, written so that the index on (key, id) serves it as one range. (A page
/// before a cursor is the rows after it in the reversed order.) `field` names the argument the
/// cursor came in.
pub fn after(
    cursor: &str,
    field: &str,
    kind: KeyKind,
    key: sea_orm::sea_query::Expr,
    id: sea_orm::sea_query::Expr,
    ascending: bool,
) -> Result<sea_orm::Condition, ApiError> {
    use sea_orm::sea_query::ExprTrait;
    let (raw, id_value) = decode_cursor(cursor, field)?;
    let bad = || ApiError::bad_input(field, "This is not a valid cursor.", "游标无效。");
    let value: sea_orm::Value = match kind {
        KeyKind::Text => raw.into(),
        KeyKind::Date => chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|_| bad())?.into(),
        KeyKind::Instant => raw.parse::<chrono::DateTime<chrono::Utc>>().map_err(|_| bad())?.into(),
        KeyKind::Id => Uuid::parse_str(&raw).map_err(|_| bad())?.into(),
    };
    // A row-value comparison: PostgreSQL turns it into one range of the index on (key, id), so a
    // page deep in a list costs what the first one does. (The equivalent `key > k OR (key = k AND
    // id > i)` is not an index range: every page scanned the list up to its cursor, half a
    // second a page at a million persons.)
    let row = sea_orm::sea_query::Expr::tuple([key, id]);
    let cursor = sea_orm::sea_query::Expr::tuple([
        sea_orm::sea_query::Expr::val(value),
        sea_orm::sea_query::Expr::val(id_value),
    ]);
    Ok(sea_orm::Condition::all().add(if ascending { row.gt(cursor) } else { row.lt(cursor) }))
}

/// The value a missing or hidden date key sorts as: after every real one.
pub fn sentinel_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date")
}

/// The value a missing or hidden instant key sorts as: after every real one.
pub fn sentinel_instant() -> DateTime<Utc> {
    "9999-12-31T23:59:59Z".parse().expect("a valid instant")
}
