//! Kept counts of the ledgers' records by the keys the dashboard and the monthly report group
//! them by (issue 13): counting a town's persons by level and status is a scan of every person of
//! the town, which grows with the town; a kept count is read in one index lookup whatever its
//! size. `record_tally` holds, per town and record type, how many rows have each key:
//!
//! | record | a | b | c |
//! |---|---|---|---|
//! | `person`, `venue` | attention level | status | `''` |
//! | `lead` | `Y` umbrella, `N` not | status | `''` |
//! | `risk_item` | level, `''` before assessment | status | escalation level |
//!
//! The database keeps them, by triggers on the record tables: every writer (the stores, the
//! seed's batches, an import) moves them in its own transaction, and none can forget to. A key
//! whose rows are all gone stays with `n = 0`. The migration counts the rows already there.

use crate::common::foreign_key;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

/// A tallied table: its name, the SQL of its keys `a`, `b`, `c` over a row alias (`NEW`, `OLD`
/// or the table itself), and the columns whose change moves a row between keys.
struct Tallied {
    table: &'static str,
    keys: fn(&str) -> [String; 3],
    columns: &'static str,
}

const TALLIED: &[Tallied] = &[
    Tallied {
        table: "person",
        keys: |r| [format!("{r}.attention_level"), format!("{r}.status"), "''".into()],
        columns: "town_id, attention_level, status",
    },
    Tallied {
        table: "venue",
        keys: |r| [format!("{r}.attention_level"), format!("{r}.status"), "''".into()],
        columns: "town_id, attention_level, status",
    },
    Tallied {
        table: "lead",
        // 'Y' and 'N' are `entity::record_tally::{UMBRELLA, NOT_UMBRELLA}`, which readers use; a
        // migration keeps its own literals, as it was applied.
        keys: |r| [format!("CASE WHEN {r}.umbrella THEN 'Y' ELSE 'N' END"), format!("{r}.status"), "''".into()],
        columns: "town_id, umbrella, status",
    },
    Tallied {
        table: "risk_item",
        keys: |r| [format!("COALESCE({r}.level, '')"), format!("{r}.status"), format!("{r}.escalation_level")],
        columns: "town_id, level, status, escalation_level",
    },
];

impl Tallied {
    /// Adds `delta` to the key of the row `r` (an upsert: the first row of a key creates it).
    fn shift(&self, r: &str, delta: i32) -> String {
        let [a, b, c] = (self.keys)(r);
        format!(
            "INSERT INTO record_tally (town_id, record, a, b, c, n) VALUES ({r}.town_id, '{t}', {a}, {b}, {c}, {delta}) \
             ON CONFLICT (town_id, record, a, b, c) DO UPDATE SET n = record_tally.n + ({delta})",
            t = self.table
        )
    }

    /// The statements that create its triggers.
    fn triggers(&self, backend: DbBackend) -> Vec<String> {
        let (t, columns) = (self.table, self.columns);
        let (add, remove) = (self.shift("NEW", 1), self.shift("OLD", -1));
        // A row that moves between keys takes the two keys' locks in key order, so two moves in
        // opposite directions cannot deadlock each other (PostgreSQL; SQLite has one writer).
        let key = |r: &str| format!("{r}.town_id, {}", (self.keys)(r).join(", "));
        let (old, new) = (key("OLD"), key("NEW"));
        match backend {
            DbBackend::Postgres => vec![
                format!(
                    "CREATE FUNCTION tally_{t}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP = 'UPDATE' AND ROW({old}) > ROW({new}) THEN {add}; {remove}; RETURN NULL; END IF; \
                     IF TG_OP <> 'INSERT' THEN {remove}; END IF; \
                     IF TG_OP <> 'DELETE' THEN {add}; END IF; \
                     RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER tally_{t} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON \"{t}\" \
                     FOR EACH ROW EXECUTE FUNCTION tally_{t}()"
                ),
            ],
            _ => vec![
                format!("CREATE TRIGGER tally_{t}_insert AFTER INSERT ON \"{t}\" BEGIN {add}; END"),
                format!("CREATE TRIGGER tally_{t}_delete AFTER DELETE ON \"{t}\" BEGIN {remove}; END"),
                format!(
                    "CREATE TRIGGER tally_{t}_update AFTER UPDATE OF {columns} ON \"{t}\" BEGIN {remove}; {add}; END"
                ),
            ],
        }
    }

    /// The statements that drop them.
    fn drops(&self, backend: DbBackend) -> Vec<String> {
        let t = self.table;
        match backend {
            DbBackend::Postgres => {
                vec![
                    format!("DROP TRIGGER IF EXISTS tally_{t} ON \"{t}\""),
                    format!("DROP FUNCTION IF EXISTS tally_{t}()"),
                ]
            }
            _ => ["insert", "delete", "update"]
                .iter()
                .map(|op| format!("DROP TRIGGER IF EXISTS tally_{t}_{op}"))
                .collect(),
        }
    }

    /// Counts the rows already there.
    fn backfill(&self) -> String {
        let t = self.table;
        let [a, b, c] = (self.keys)(&format!("\"{t}\""));
        format!(
            "INSERT INTO record_tally (town_id, record, a, b, c, n) \
             SELECT town_id, '{t}', {a}, {b}, {c}, COUNT(*) FROM \"{t}\" GROUP BY 1, 3, 4, 5"
        )
    }
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecordTally::Table)
                    .col(uuid(RecordTally::TownId))
                    .col(string_len(RecordTally::Record, 40))
                    .col(string_len(RecordTally::A, 40))
                    .col(string_len(RecordTally::B, 40))
                    .col(string_len(RecordTally::C, 40))
                    .col(big_integer(RecordTally::N))
                    .primary_key(
                        Index::create()
                            .col(RecordTally::TownId)
                            .col(RecordTally::Record)
                            .col(RecordTally::A)
                            .col(RecordTally::B)
                            .col(RecordTally::C),
                    )
                    .foreign_key(&mut foreign_key(RecordTally::Table, RecordTally::TownId, Alias::new("town")))
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        if backend == DbBackend::Postgres {
            // No row may be written between the count and its trigger (a server still serving
            // during the migration): writers wait until this migration's transaction ends.
            let tables: Vec<String> = TALLIED.iter().map(|t| format!("\"{}\"", t.table)).collect();
            db.execute_unprepared(&format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", tables.join(", "))).await?;
        }
        for tallied in TALLIED {
            db.execute_unprepared(&tallied.backfill()).await?;
            for sql in tallied.triggers(backend) {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        for tallied in TALLIED.iter().rev() {
            for sql in tallied.drops(backend) {
                db.execute_unprepared(&sql).await?;
            }
        }
        manager.drop_table(Table::drop().table(RecordTally::Table).to_owned()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum RecordTally {
    Table,
    TownId,
    Record,
    A,
    B,
    C,
    N,
}
