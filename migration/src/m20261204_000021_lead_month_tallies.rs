//! Kept counts of a town's leads found and concluded per month (issue 13): the dashboard's twelve
//! months of leads were two passes over every lead of a year, which grow with the town.
//! `lead_month_tally` holds, for each key, how many leads were received (`event` `R`) or
//! concluded as substantiated or unfounded (`event` `C`) in a month of the town's time (UTC+8,
//! `YYYY-MM`), keyed also by every column the lead policy's scopes test (umbrella flag, receiving
//! unit, assignee unit, the nil UUID where there is none), so a viewer's own lead policy lines
//! pick what it may count. A lead counts once under `R` and, while concluded, once under `C`.
//!
//! The database keeps them, by triggers on `lead`; each write applies its keys' changes in one
//! statement, in key order, and only the keys whose count changes (a lead step that moves no key
//! locks none), so two writes moving leads between the same keys take their locks in the same
//! order on PostgreSQL.
//! A key whose leads are all gone stays with `n = 0`. The migration counts the leads already
//! there.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{drop_counts, keep_counts, kept_table, nil_uuid};

/// The columns a version of `lead_month_tally` keys by and the SQL that keeps it.
pub(crate) struct Shape {
    /// The table kept.
    pub table: &'static str,
    /// The name of its trigger function (PostgreSQL) and the prefix of its triggers (SQLite).
    pub trigger: &'static str,
    /// The key columns, in key order.
    pub key: &'static str,
    /// The lead columns a key is made of.
    pub lead_columns: &'static str,
    /// The SQL of the key columns between the assignee unit and the event over a lead row `r`,
    /// each with its ` AS` name and a trailing `, ` (none in this first version).
    pub fields: fn(&str) -> String,
    /// Whether an umbrella lead also counts under `G` in the month it was registered.
    pub registered: bool,
}

/// This migration's table.
pub(crate) const SHAPE: Shape = Shape {
    table: TABLE,
    trigger: TRIGGER,
    key: "town_id, umbrella, receiving_unit_id, assignee_unit_id, event, month",
    lead_columns: "town_id, umbrella, receiving_unit_id, assignee_unit_id, received_at, concluded_at, status",
    fields: |_| String::new(),
    registered: false,
};

/// The table of this migration and of `m20261204_000023_lead_month_fields`.
pub(crate) const TABLE: &str = "lead_month_tally";
/// The trigger keeping [`TABLE`].
pub(crate) const TRIGGER: &str = "tally_lead_month";

/// The month, in the town's time, of the instant `col`.
fn month(col: &str, backend: DbBackend) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({col} AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM')"),
        _ => format!("strftime('%Y-%m', {col}, '+8 hours')"),
    }
}

impl Shape {
    /// The keys of the lead `r` (`NEW`, `OLD`, or the alias `from` gives), each with `delta`: its
    /// receipt, its conclusion while it has one, and (where kept) its registration while it is an
    /// umbrella lead.
    fn keys(&self, r: &str, delta: i32, from: &str, backend: DbBackend) -> Vec<String> {
        let nil = nil_uuid(backend);
        let fields = (self.fields)(r);
        let key = |event: &str, at: &str| {
            format!(
                "SELECT {r}.town_id AS town_id, {r}.umbrella AS umbrella, {r}.receiving_unit_id AS receiving_unit_id, \
                 COALESCE({r}.assignee_unit_id, {nil}) AS assignee_unit_id, {fields}'{event}' AS event, {} AS month, \
                 {delta} AS d{from}",
                month(&format!("{r}.{at}"), backend)
            )
        };
        let mut keys = vec![
            key("R", "received_at"),
            format!(
                "{} WHERE {r}.status IN ('SUBSTANTIATED', 'UNFOUNDED') AND {r}.concluded_at IS NOT NULL",
                key("C", "concluded_at")
            ),
        ];
        if self.registered {
            keys.push(format!("{} WHERE {r}.umbrella", key("G", "created_at")));
        }
        keys
    }

    /// The statement that applies the keys of `rows` (each a row alias, its delta and its `FROM`).
    fn apply(&self, rows: &[(&str, i32, &str)], backend: DbBackend) -> String {
        let parts: Vec<String> = rows.iter().flat_map(|(r, delta, from)| self.keys(r, *delta, from, backend)).collect();
        let (key, table) = (self.key, self.table);
        format!(
            "INSERT INTO {table} ({key}, n) SELECT {key}, SUM(d) FROM ({}) k WHERE true \
             GROUP BY {key} HAVING SUM(d) <> 0 ORDER BY {key} \
             ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n",
            parts.join(" UNION ALL ")
        )
    }

    pub(crate) fn triggers(&self, backend: DbBackend) -> Vec<String> {
        let (insert, delete) = (self.apply(&[("NEW", 1, "")], backend), self.apply(&[("OLD", -1, "")], backend));
        let update = self.apply(&[("OLD", -1, ""), ("NEW", 1, "")], backend);
        let (columns, name) = (self.lead_columns, self.trigger);
        match backend {
            DbBackend::Postgres => vec![
                format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP = 'INSERT' THEN {insert}; ELSIF TG_OP = 'DELETE' THEN {delete}; ELSE {update}; END IF; \
                     RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON lead \
                     FOR EACH ROW EXECUTE FUNCTION {name}()"
                ),
            ],
            _ => vec![
                format!("CREATE TRIGGER {name}_insert AFTER INSERT ON lead BEGIN {insert}; END"),
                format!("CREATE TRIGGER {name}_delete AFTER DELETE ON lead BEGIN {delete}; END"),
                format!("CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON lead BEGIN {update}; END"),
            ],
        }
    }

    /// Counts the leads already there.
    pub(crate) fn backfill(&self, backend: DbBackend) -> String {
        self.apply(&[("l", 1, " FROM lead l")], backend)
    }

    /// Drops the triggers (what undoing [`keep_counts`] drops first).
    pub(crate) fn drops(&self, backend: DbBackend) -> Vec<String> {
        let name = self.trigger;
        match backend {
            DbBackend::Postgres => {
                vec![format!("DROP TRIGGER IF EXISTS {name} ON lead"), format!("DROP FUNCTION IF EXISTS {name}()")]
            }
            _ => {
                ["insert", "delete", "update"].iter().map(|op| format!("DROP TRIGGER IF EXISTS {name}_{op}")).collect()
            }
        }
    }

    /// Creates the table and starts keeping it, counting the leads already there.
    pub(crate) async fn keep(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        keep_counts(manager, table(self.table, self.key), "lead", self.backfill(backend), self.triggers(backend)).await
    }

    /// Stops keeping the table and drops it.
    pub(crate) async fn drop(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        drop_counts(manager, Alias::new(self.table), self.drops(manager.get_database_backend())).await
    }
}

/// The table `name` keyed by `key` (its columns in key order): the first version's columns, and
/// the others a later version adds (`category`, `handed_on`).
fn table(name: &str, key: &str) -> TableCreateStatement {
    use LeadMonthTally as T;
    let column = |name: &str| match name {
        "town_id" => uuid(T::TownId),
        "umbrella" => boolean(T::Umbrella),
        "receiving_unit_id" => uuid(T::ReceivingUnitId),
        "assignee_unit_id" => uuid(T::AssigneeUnitId),
        "category" => string_len(T::Category, 40),
        "handed_on" => boolean(T::HandedOn),
        "event" => string_len(T::Event, 1),
        "month" => string_len(T::Month, 7),
        other => panic!("no key column {other}"),
    };
    kept_table(Alias::new(name), key.split(", ").map(column).collect())
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        SHAPE.keep(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        SHAPE.drop(manager).await
    }
}

#[derive(DeriveIden)]
enum LeadMonthTally {
    TownId,
    Umbrella,
    ReceivingUnitId,
    AssigneeUnitId,
    Category,
    HandedOn,
    Event,
    Month,
}
