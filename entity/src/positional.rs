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
//! Each value is read as a [`Cell`]. On PostgreSQL the plain types (ids, text, numbers, dates,
//! instants, flags) are decoded by sqlx exactly as sea-orm decodes them, without comparing the
//! column's type with the field's on every value (the schema fixes both, and the test above
//! fixes which column is which); debug builds, and so every test run on PostgreSQL, keep that
//! check. The stored enumerations are read as their text ([`text_enum_cells!`]); every value
//! on SQLite goes through sea-orm's own `TryGetable`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sqlx::Row;
use sea_orm::{DbErr, QueryResult};
use uuid::Uuid;

/// A value of a model's field, read from a row by position.
pub trait Cell: Sized {
    fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr>;
}

macro_rules! decoded_cells {
    ($($ty:ty),+) => {$(
        impl Cell for Option<$ty> {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                let Some(pg) = row.try_as_pg_row() else { return row.try_get_by_index(index) };
                // Debug builds (every test run) keep sqlx's check of the column's type against
                // the field's, so a column whose type stops matching fails each test reading it.
                #[cfg(debug_assertions)]
                let value = pg.try_get::<Option<$ty>, _>(index);
                #[cfg(not(debug_assertions))]
                let value = pg.try_get_unchecked::<Option<$ty>, _>(index);
                value.map_err(|e| DbErr::Type(e.to_string()))
            }
        }

        impl Cell for $ty {
            fn at(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                Option::<$ty>::at(row, index)?.ok_or_else(|| DbErr::Type(format!("column {index} is null")))
            }
        }
    )+};
}

decoded_cells!(Uuid, String, bool, i32, i64, NaiveDate, DateTime<Utc>);

/// [`Cell`] for the stored enumerations, each kept as its text: the text is read as a `String`
/// cell (unchecked on PostgreSQL, as above) and matched by the enum's own `try_from_value`, an
/// unknown text failing as it did through sea-orm's `TryGetable`. That path compared the column's
/// type with `String` on every value and was the dearest cell of a page: some 1,700 instructions
/// per value, against a few hundred for an id.
#[macro_export]
macro_rules! text_enum_cells {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::positional::Cell for $ty {
            fn at(row: &sea_orm::QueryResult, index: usize) -> Result<Self, sea_orm::DbErr> {
                <$ty as sea_orm::ActiveEnum>::try_from_value(&$crate::positional::Cell::at(row, index)?)
            }
        }

        impl $crate::positional::Cell for Option<$ty> {
            fn at(row: &sea_orm::QueryResult, index: usize) -> Result<Self, sea_orm::DbErr> {
                let text: Option<String> = $crate::positional::Cell::at(row, index)?;
                text.map(|text| <$ty as sea_orm::ActiveEnum>::try_from_value(&text)).transpose()
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
}

/// Implements [`Positional`] for the module's `Model`, whose fields are listed in the order they
/// are declared; the test it adds compares the list with `Column::iter()`.
#[macro_export]
macro_rules! positional {
    ($($field:ident),+ $(,)?) => {
        impl $crate::positional::Positional for Model {
            const COLUMNS: usize = Self::FIELDS.len();
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
            #[allow(unused_assignments)]
            fn from_position(row: &sea_orm::QueryResult) -> Result<Self, sea_orm::DbErr> {
                let mut at = 0;
                Ok(Self {
                    $($field: {
                        let value = $crate::positional::Cell::at(row, at)?;
                        at += 1;
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
