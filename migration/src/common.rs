//! Column, foreign-key and index builders shared by the migrations.
//!
//! Landed migrations call these, so the SQL they produce must never change: to change a type or
//! a naming scheme, add a new function and use it in a new migration.

use sea_orm_migration::{prelude::*, schema::*};

/// Length of every enum column: values are SCREAMING_CASE names, the longest has 23 characters.
const ENUM_LEN: u32 = 40;

/// An enum stored as its string value (`entity::enums`, `db_type = "String(StringLen::N(40))"`).
pub fn enum_string<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, ENUM_LEN)
}

/// A nullable enum stored as its string value.
pub fn enum_string_null<T: IntoIden>(col: T) -> ColumnDef {
    string_len_null(col, ENUM_LEN)
}

/// The optimistic-lock counter of a mutable record; starts at 1.
pub fn version<T: IntoIden>(col: T) -> ColumnDef {
    integer(col).default(1).take()
}

/// A foreign key `table.column -> references.id`, named `fk_<table>_<column>`, ON DELETE and
/// ON UPDATE RESTRICT: nothing in the ledger is deleted, so a delete that would orphan a row is a
/// bug to be stopped, not cascaded.
pub fn foreign_key<T, C, R>(table: T, column: C, references: R) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    R: IntoIden,
{
    let (table, column) = (table.into_iden(), column.into_iden());
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(references, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .take()
}

/// A plain index on `columns` of `table`, named `idx_<table>_<col>_<col>...` (index names are
/// schema-wide in PostgreSQL, hence the table prefix).
pub fn index<T, C, I>(table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    named_index("idx", table, columns)
}

/// [`index`] on the columns of `table` named.
pub fn index_on(table: &str, columns: &[&str]) -> IndexCreateStatement {
    index(Alias::new(table), columns.iter().map(|c| Alias::new(*c)))
}

/// Drops the index [`index`] made on `columns` of `table`, by the name it gave: a `down` never
/// spells an index's name itself.
pub fn drop_index(table: &str, columns: &[&str]) -> IndexDropStatement {
    let name = index_on(table, columns).get_index_spec().get_name().unwrap_or_default().to_owned();
    Index::drop().name(name).table(Alias::new(table)).to_owned()
}

/// A unique index, named like [`index`] with the prefix `uq`.
pub fn unique_index<T, C, I>(table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    named_index("uq", table, columns).unique().take()
}

fn named_index<T, C, I>(prefix: &str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    let table = table.into_iden();
    let columns: Vec<DynIden> = columns.into_iter().map(IntoIden::into_iden).collect();
    let names: Vec<String> = columns.iter().map(ToString::to_string).collect();
    let mut index = Index::create();
    index.name(format!("{prefix}_{table}_{}", names.join("_"))).table(table);
    for column in columns {
        index.col(column);
    }
    index
}

/// The nil UUID as an SQL literal, as each backend stores a UUID (SQLite: 16 bytes): a kept
/// count's key where the counted column is NULL (a primary key column cannot be).
pub fn nil_uuid(backend: sea_orm_migration::sea_orm::DbBackend) -> &'static str {
    match backend {
        sea_orm_migration::sea_orm::DbBackend::Postgres => "'00000000-0000-0000-0000-000000000000'::uuid",
        _ => "x'00000000000000000000000000000000'",
    }
}

/// A table of kept counts: its `key` columns (the first `town_id`, a foreign key to the town),
/// its primary key in that order (the order writers lock keys in), and the count `n`.
pub fn kept_table<T: IntoIden>(table: T, key: Vec<ColumnDef>) -> TableCreateStatement {
    let table = table.into_iden();
    let mut create = Table::create();
    create.table(table.clone());
    let mut primary = Index::create();
    for mut column in key {
        primary.col(Alias::new(column.get_column_name()));
        create.col(&mut column);
    }
    create
        .col(big_integer(Alias::new("n")))
        .primary_key(&mut primary)
        .foreign_key(&mut foreign_key(table, Alias::new("town_id"), Alias::new("town")))
        .take()
}

/// Creates a table of kept counts and starts keeping it: on PostgreSQL the `counted` tables are
/// locked against writers until the migration's transaction ends (no row may be written between
/// the count and its trigger), then the rows already there are counted (`backfill`) and the
/// `triggers` that keep the counts are created.
pub async fn keep_counts(
    manager: &SchemaManager<'_>,
    table: TableCreateStatement,
    counted: &str,
    backfill: String,
    triggers: Vec<String>,
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
    manager.create_table(table).await?;
    let db = manager.get_connection();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&format!("LOCK TABLE {counted} IN SHARE ROW EXCLUSIVE MODE")).await?;
    }
    db.execute_unprepared(&backfill).await?;
    for sql in triggers {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

/// Undoes [`keep_counts`]: the triggers (`drops`), then the table.
pub async fn drop_counts<T: IntoIden>(manager: &SchemaManager<'_>, table: T, drops: Vec<String>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::ConnectionTrait;
    let db = manager.get_connection();
    for sql in drops {
        db.execute_unprepared(&sql).await?;
    }
    manager.drop_table(Table::drop().table(table).to_owned()).await
}
