//! Reading a model by column position instead of by column name.
//!
//! sea-orm's derived `FromQueryResult` finds every column of every row by its name: a hash of
//! the name and a map lookup per value (and a formatted error per NULL). A page of 50 persons is
//! a thousand values, and that lookup was a fifth of the server's work for a page. A select built
//! from `Entity::find()` names the entity's columns in the order of its `Column` enum, which is
//! the order of the model's fields, so the n-th value of a row is the n-th field. [`positional!`]
//! implements [`Positional`] from the field list of a model, and writes a test in the entity's
//! module that fails when that list and the entity's columns differ, in name or in order.
//!
//! Each value is read as a [`Cell`]. On PostgreSQL numbers and flags are decoded by sqlx
//! exactly as sea-orm decodes them, and ids, texts, dates and instants from their binary form
//! ([`binary_cells!`]), without comparing the column's type with the field's on every value (the
//! schema fixes both, and the test above fixes which column is which); debug builds, and so
//! every test run on PostgreSQL, keep that check and compare each value with sqlx's. The stored enumerations are read as their text ([`text_enum_cells!`]); every value
//! on SQLite goes through sea-orm's own `TryGetable`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::Row;
use sea_orm::{DbErr, QueryResult};
use uuid::Uuid;

/// A value of a model's field, read from a row by position.
pub trait Cell: Sized {
    fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr>;
    /// The value a field holds when its column was not read ([`Positional::from_columns`]):
    /// `None`, empty, zero, the epoch, the nil id, an enumeration's first value. Never shown:
    /// only fields nobody asked for are left unread.
    fn blank() -> Self;
}

/// Column `index` decoded by sqlx. Debug builds (every test run) keep sqlx's check of the
/// column's type against the field's, so a column whose type stops matching fails each test
/// reading it; release builds skip it (the schema fixes both).
fn by_sqlx<T>(pg: &sea_orm::sqlx::postgres::PgRow, index: usize) -> Result<Option<T>, DbErr>
where
    T: for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres> + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>,
{
    #[cfg(debug_assertions)]
    let value = pg.try_get::<Option<T>, _>(index);
    #[cfg(not(debug_assertions))]
    let value = pg.try_get_unchecked::<Option<T>, _>(index);
    value.map_err(|e| DbErr::Type(e.to_string()))
}

macro_rules! decoded_cells {
    ($($ty:ty),+) => {$(
        impl Cell for Option<$ty> {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                let Some(pg) = row.try_as_pg_row() else { return row.try_get_by_index(index) };
                by_sqlx(pg, index)
            }

            fn blank() -> Self {
                None
            }
        }
    )+};
}

decoded_cells!(bool, i32, i64);

/// Days from 0001-01-01 (chrono's day 1) to 2000-01-01, PostgreSQL's epoch for dates.
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for instants.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// A binary id: its sixteen bytes.
fn uuid_from(bytes: &[u8]) -> Option<Uuid> {
    Uuid::from_slice(bytes).ok()
}

/// A binary date: the days since 2000-01-01, a big-endian `i32`.
fn date_from(bytes: &[u8]) -> Option<NaiveDate> {
    let days = i32::from_be_bytes(bytes.try_into().ok()?);
    NaiveDate::from_num_days_from_ce_opt(PG_EPOCH_DAYS_FROM_CE.checked_add(days)?)
}

/// A binary instant (`timestamptz`): the microseconds since 2000-01-01 UTC, a big-endian `i64`.
fn instant_from(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let micros = i64::from_be_bytes(bytes.try_into().ok()?);
    DateTime::from_timestamp_micros(micros.checked_add(PG_EPOCH_UNIX_MICROS)?)
}

/// A text: its UTF-8 bytes, checked by `simdutf8` (a chunk of 64 bytes at a time; std's check,
/// which sqlx uses, goes a character at a time through Chinese text: some 1,000 instructions
/// for a talk's summary of 70 bytes).
fn text_from(bytes: &[u8]) -> Option<String> {
    simdutf8::basic::from_utf8(bytes).ok().map(str::to_owned)
}

/// Ids, dates, instants and texts are read from their binary form here rather than through
/// sqlx's decoding, which builds each date and instant by adding a `Duration` to its epoch (some
/// 1,000 instructions an instant, 400 a date, against a few dozen here), an id through its
/// generic value path and a text through std's UTF-8 check ([`text_from`]). A value out of chrono's range fails as a type error where sqlx's addition would
/// panic. Text values (sqlx asks for binary results, so none are expected) are left to sqlx.
/// Debug builds, and so every test run on PostgreSQL, decode each value with sqlx as well, with
/// its check of the column's type, and fail when the two differ.
macro_rules! binary_cells {
    ($($ty:ty => $decode:path),+ $(,)?) => {$(
        impl Cell for Option<$ty> {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                use sea_orm::sqlx::ValueRef;
                use sea_orm::sqlx::postgres::PgValueFormat;
                let Some(pg) = row.try_as_pg_row() else { return row.try_get_by_index(index) };
                let value = pg.try_get_raw(index).map_err(|e| DbErr::Type(e.to_string()))?;
                let decoded = if value.is_null() {
                    None
                } else if value.format() == PgValueFormat::Binary {
                    let bytes = value.as_bytes().map_err(|e| DbErr::Type(e.to_string()))?;
                    let decoded = $decode(bytes).ok_or_else(|| {
                        DbErr::Type(format!("column {index}: not a {}", stringify!($ty)))
                    })?;
                    Some(decoded)
                } else {
                    return by_sqlx(pg, index);
                };
                #[cfg(debug_assertions)]
                assert_eq!(by_sqlx::<$ty>(pg, index)?, decoded, "column {index} decoded unlike sqlx");
                Ok(decoded)
            }

            fn blank() -> Self {
                None
            }
        }
    )+};
}

binary_cells!(Uuid => uuid_from, NaiveDate => date_from, DateTime<Utc> => instant_from, String => text_from);

/// A NOT NULL column of a type with an optional cell: the optional cell, failing on NULL.
macro_rules! required_cells {
    ($($ty:ty),+) => {$(
        impl Cell for $ty {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                Option::<$ty>::at(row, index)?.ok_or_else(|| DbErr::Type(format!("column {index} is null")))
            }

            fn blank() -> Self {
                <$ty>::default()
            }
        }
    )+};
}

required_cells!(String, bool, i32, i64, Uuid, NaiveDate, DateTime<Utc>);

/// The bytes of the text column `index` of a PostgreSQL row (`None` for NULL), for a cell that
/// matches them without making a `String`; `None` when the row is not PostgreSQL's. A text value
/// is the same bytes in the binary and the text format.
pub fn pg_text(row: &QueryResult, index: usize) -> Option<Result<Option<&[u8]>, DbErr>> {
    use sea_orm::sqlx::ValueRef;
    let pg = row.try_as_pg_row()?;
    Some(pg.try_get_raw(index).map_err(|e| DbErr::Type(e.to_string())).and_then(|value| {
        if value.is_null() { Ok(None) } else { value.as_bytes().map(Some).map_err(|e| DbErr::Type(e.to_string())) }
    }))
}

/// [`Cell`] for the stored enumerations, each kept as its text. On PostgreSQL the column's bytes
/// are matched against each value's text, kept once per enumeration: no `String` is made, checked
/// and dropped for every value (some 390 instructions a value, a talk's kind among them). A text
/// no value has, and every row of another backend, is read as a `String` cell and matched by the
/// enum's own `try_from_value`, an unknown text failing as it did through sea-orm's `TryGetable`.
/// Debug builds, and so every test run on PostgreSQL, read each value both ways and fail when
/// the two differ.
#[macro_export]
macro_rules! text_enum_cells {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::positional::Cell for $ty {
            fn at(row: &sea_orm::QueryResult, index: usize) -> Result<Self, sea_orm::DbErr> {
                let value: Option<Self> = $crate::positional::Cell::at(row, index)?;
                value.ok_or_else(|| sea_orm::DbErr::Type(format!("column {index} is null")))
            }

            fn blank() -> Self {
                <$ty as sea_orm::Iterable>::iter().next().expect("an enumeration has a value")
            }
        }

        impl $crate::positional::Cell for Option<$ty> {
            fn at(row: &sea_orm::QueryResult, index: usize) -> Result<Self, sea_orm::DbErr> {
                static TEXTS: std::sync::OnceLock<Vec<(String, $ty)>> = std::sync::OnceLock::new();
                let by_string = || -> Result<Self, sea_orm::DbErr> {
                    let text: Option<String> = $crate::positional::Cell::at(row, index)?;
                    text.map(|text| <$ty as sea_orm::ActiveEnum>::try_from_value(&text)).transpose()
                };
                let bytes = match $crate::positional::pg_text(row, index) {
                    None => return by_string(),
                    Some(bytes) => bytes?,
                };
                let texts = TEXTS.get_or_init(|| {
                    <$ty as sea_orm::Iterable>::iter().map(|v| (sea_orm::ActiveEnum::to_value(&v), v)).collect()
                });
                let value = match bytes {
                    None => None,
                    Some(bytes) => match texts.iter().find(|(text, _)| text.as_bytes() == bytes) {
                        Some((_, value)) => Some(*value),
                        None => return by_string(),
                    },
                };
                #[cfg(debug_assertions)]
                assert_eq!(by_string()?, value, "column {index} matched unlike try_from_value");
                Ok(value)
            }

            fn blank() -> Self {
                None
            }
        }
    )+};
}

/// A model read from the first columns of a row, one per field in order.
pub trait Positional: Sized {
    /// How many columns the model takes (a select may add more after them).
    const COLUMNS: usize;
    /// The model's field names, in column order.
    const FIELDS: &'static [&'static str];
    /// The model from the columns `0..COLUMNS` of `row`.
    fn from_position(row: &QueryResult) -> Result<Self, DbErr>;
    /// The model from a row that holds only the columns whose bit is set in `read` (bit `i`:
    /// the `i`-th field), in order; every other field is its [`Cell::blank`].
    /// [`Positional::from_position`] is this with every bit set.
    fn from_columns(row: &QueryResult, read: u64) -> Result<Self, DbErr>;
}

/// Implements [`Positional`] for the module's `Model`, whose fields are listed in the order they
/// are declared; the test it adds compares the list with `Column::iter()`.
#[macro_export]
macro_rules! positional {
    ($($field:ident),+ $(,)?) => {
        impl $crate::positional::Positional for Model {
            const COLUMNS: usize = Self::FIELDS.len();
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
            fn from_position(row: &sea_orm::QueryResult) -> Result<Self, sea_orm::DbErr> {
                Self::from_columns(row, u64::MAX)
            }
            // Inlined, so that from_position's every-column set folds away.
            #[inline]
            #[allow(unused_assignments)]
            fn from_columns(row: &sea_orm::QueryResult, read: u64) -> Result<Self, sea_orm::DbErr> {
                const { assert!(Self::FIELDS.len() <= 64, "a column set is a u64") };
                let (mut field, mut at) = (0, 0);
                Ok(Self {
                    $($field: {
                        let value = if read & (1 << field) != 0 {
                            at += 1;
                            $crate::positional::Cell::at(row, at - 1)?
                        } else {
                            $crate::positional::Cell::blank()
                        };
                        field += 1;
                        value
                    }),+
                })
            }
        }

        #[cfg(test)]
        #[test]
        fn positional_fields_are_the_columns_in_order() {
            use sea_orm::{IdenStatic, Iterable};
            let columns: Vec<&str> = Column::iter().map(|c| c.as_str()).collect();
            assert_eq!(<Model as $crate::positional::Positional>::FIELDS, columns.as_slice());
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike as _;

    #[test]
    fn binary_values_count_from_postgres_epochs() {
        assert_eq!(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().num_days_from_ce(), PG_EPOCH_DAYS_FROM_CE);
        assert_eq!(date_from(&0i32.to_be_bytes()), NaiveDate::from_ymd_opt(2000, 1, 1));
        assert_eq!(date_from(&(-1i32).to_be_bytes()), NaiveDate::from_ymd_opt(1999, 12, 31));
        assert_eq!(date_from(&9_835i32.to_be_bytes()), NaiveDate::from_ymd_opt(2026, 12, 5));
        let instant = |text: &str| Some(DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc));
        assert_eq!(instant_from(&0i64.to_be_bytes()), instant("2000-01-01T00:00:00Z"));
        assert_eq!(instant_from(&(-1i64).to_be_bytes()), instant("1999-12-31T23:59:59.999999Z"));
        let micros = 849_744_000_123_456i64; // 2026-12-05T00:00:00.123456Z
        assert_eq!(instant_from(&micros.to_be_bytes()), instant("2026-12-05T00:00:00.123456Z"));
        let id = Uuid::now_v7();
        assert_eq!(uuid_from(id.as_bytes()), Some(id));
    }

    #[test]
    fn binary_values_out_of_range_or_short_are_refused() {
        // PostgreSQL's infinities, and lengths that are not the type's.
        assert_eq!(instant_from(&i64::MAX.to_be_bytes()), None);
        assert_eq!(instant_from(&i64::MIN.to_be_bytes()), None);
        assert_eq!(date_from(&i32::MAX.to_be_bytes()), None);
        assert_eq!(date_from(&i32::MIN.to_be_bytes()), None);
        assert_eq!(date_from(&[0, 0, 0]), None);
        assert_eq!(instant_from(&[0; 4]), None);
        assert_eq!(uuid_from(&[0; 15]), None);
    }
}
