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

use crate::common::{drop_counts, foreign_key, keep_counts, nil_uuid};

/// The key columns, in key order.
const KEY: &str = "town_id, umbrella, receiving_unit_id, assignee_unit_id, event, month";
/// The lead columns a key is made of.
const LEAD_COLUMNS: &str = "town_id, umbrella, receiving_unit_id, assignee_unit_id, received_at, concluded_at, status";

/// The month, in the town's time, of the instant `col`.
fn month(col: &str, backend: DbBackend) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({col} AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM')"),
        _ => format!("strftime('%Y-%m', {col}, '+8 hours')"),
    }
}

/// The keys of the lead `r` (`NEW`, `OLD`, or the alias `from` gives), each with `delta`: its
/// receipt, and its conclusion while it has one.
fn keys(r: &str, delta: i32, from: &str, backend: DbBackend) -> [String; 2] {
    let nil = nil_uuid(backend);
    let key = |event: &str, at: &str| {
        format!(
            "SELECT {r}.town_id AS town_id, {r}.umbrella AS umbrella, {r}.receiving_unit_id AS receiving_unit_id, \
             COALESCE({r}.assignee_unit_id, {nil}) AS assignee_unit_id, '{event}' AS event, {} AS month, {delta} AS d{from}",
            month(&format!("{r}.{at}"), backend)
        )
    };
    [
        key("R", "received_at"),
        format!(
            "{} WHERE {r}.status IN ('SUBSTANTIATED', 'UNFOUNDED') AND {r}.concluded_at IS NOT NULL",
            key("C", "concluded_at")
        ),
    ]
}

/// The statement that applies the keys of `rows` (each a row alias, its delta and its `FROM`).
fn apply(rows: &[(&str, i32, &str)], backend: DbBackend) -> String {
    let parts: Vec<String> = rows.iter().flat_map(|(r, delta, from)| keys(r, *delta, from, backend)).collect();
    format!(
        "INSERT INTO lead_month_tally ({KEY}, n) SELECT {KEY}, SUM(d) FROM ({}) k WHERE true \
         GROUP BY {KEY} HAVING SUM(d) <> 0 ORDER BY {KEY} \
         ON CONFLICT ({KEY}) DO UPDATE SET n = lead_month_tally.n + excluded.n",
        parts.join(" UNION ALL ")
    )
}

fn triggers(backend: DbBackend) -> Vec<String> {
    let (insert, delete) = (apply(&[("NEW", 1, "")], backend), apply(&[("OLD", -1, "")], backend));
    let update = apply(&[("OLD", -1, ""), ("NEW", 1, "")], backend);
    match backend {
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION tally_lead_month() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF TG_OP = 'INSERT' THEN {insert}; ELSIF TG_OP = 'DELETE' THEN {delete}; ELSE {update}; END IF; \
                 RETURN NULL; END $$"
            ),
            format!(
                "CREATE TRIGGER tally_lead_month AFTER INSERT OR DELETE OR UPDATE OF {LEAD_COLUMNS} ON lead \
                 FOR EACH ROW EXECUTE FUNCTION tally_lead_month()"
            ),
        ],
        _ => vec![
            format!("CREATE TRIGGER tally_lead_month_insert AFTER INSERT ON lead BEGIN {insert}; END"),
            format!("CREATE TRIGGER tally_lead_month_delete AFTER DELETE ON lead BEGIN {delete}; END"),
            format!(
                "CREATE TRIGGER tally_lead_month_update AFTER UPDATE OF {LEAD_COLUMNS} ON lead BEGIN {update}; END"
            ),
        ],
    }
}

fn drops(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![
            "DROP TRIGGER IF EXISTS tally_lead_month ON lead".to_owned(),
            "DROP FUNCTION IF EXISTS tally_lead_month()".into(),
        ],
        _ => ["insert", "delete", "update"]
            .iter()
            .map(|op| format!("DROP TRIGGER IF EXISTS tally_lead_month_{op}"))
            .collect(),
    }
}

/// Counts the leads already there.
fn backfill(backend: DbBackend) -> String {
    apply(&[("l", 1, " FROM lead l")], backend)
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let table = Table::create()
            .table(LeadMonthTally::Table)
            .col(uuid(LeadMonthTally::TownId))
            .col(boolean(LeadMonthTally::Umbrella))
            .col(uuid(LeadMonthTally::ReceivingUnitId))
            .col(uuid(LeadMonthTally::AssigneeUnitId))
            .col(string_len(LeadMonthTally::Event, 1))
            .col(string_len(LeadMonthTally::Month, 7))
            .col(big_integer(LeadMonthTally::N))
            .primary_key(
                Index::create()
                    .col(LeadMonthTally::TownId)
                    .col(LeadMonthTally::Umbrella)
                    .col(LeadMonthTally::ReceivingUnitId)
                    .col(LeadMonthTally::AssigneeUnitId)
                    .col(LeadMonthTally::Event)
                    .col(LeadMonthTally::Month),
            )
            .foreign_key(&mut foreign_key(LeadMonthTally::Table, LeadMonthTally::TownId, Alias::new("town")))
            .take();
        keep_counts(manager, table, "lead", backfill(backend), triggers(backend)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_counts(manager, LeadMonthTally::Table, drops(manager.get_database_backend())).await
    }
}

#[derive(DeriveIden)]
enum LeadMonthTally {
    Table,
    TownId,
    Umbrella,
    ReceivingUnitId,
    AssigneeUnitId,
    Event,
    Month,
    N,
}
