//! Kept counts of the monthly report's duty figures (issue 13): talks due and done for persons,
//! inspections due and done for venues. Counted live, each figure probed every ACTIVE record of
//! the town (2.5 s at a million persons), which grows with the town.
//!
//! A record's duty falls due in month M when the later of its level's start and its last duty
//! before M is at least its level's interval before M's last day, and is done in M when it falls
//! due and a duty is recorded within M (`api::access::stores::report::ledger_month`). Take the
//! record's anchors: the day its level took effect, and every later duty day. For the months
//! whose first day lies after anchor `a` and on or before the next anchor `b`, the last anchor
//! before the month is `a`: the record falls due in those from the month of `a + interval` on
//! (and not in `a`'s own month), and is done in `b`'s month, if it falls due then. So each pair
//! of consecutive anchors gives a run of months, and the last anchor a run without end.
//!
//! `duty_tally` keeps those runs as changes: per key (town, record type, event, village, level,
//! month as `year * 12 + month - 1`), `D` gains 1 where a run starts and loses 1 after it ends,
//! `X` gains 1 in a run's last month and loses 1 after. The records due in month M are the sum
//! of `D` over the months up to M, those done the sum of `X`: a few rows per village and month,
//! whatever the number of records. Only ACTIVE records count, under their current level.
//!
//! The database keeps them, by triggers on the record and duty tables: a write takes its
//! records' runs away as they were and adds them as they are. On PostgreSQL the triggers run
//! once per statement over its transition tables (a row trigger there runs after the whole
//! statement, and a record's runs depend on its other duties); SQLite runs a row trigger as each
//! row is written. Each applies its keys in one statement, in key order, and only the keys whose
//! count changes. A key that nets to 0 stays. The migration counts what is already there.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{drop_counts, keep_counts, kept_table};

/// A ledger's records and their duties, as this migration was applied.
struct Ledger {
    record: &'static str,
    duty: &'static str,
    record_id: &'static str,
    on: &'static str,
    /// Days between duties at SPECIAL, KEY and GENERAL (`api::domain::levels`), as this migration
    /// counted them: a change of interval needs a migration that counts the runs again.
    days: [i64; 3],
}

const LEDGERS: [Ledger; 2] = [
    Ledger { record: "person", duty: "person_talk", record_id: "person_id", on: "talked_on", days: [30, 60, 90] },
    Ledger { record: "venue", duty: "venue_inspection", record_id: "venue_id", on: "inspected_on", days: [15, 60, 90] },
];

/// The key columns, in key order.
const KEY: &str = "town_id, record, event, village_id, level, month";
/// The record columns a key or a run is made of.
const RECORD_COLUMNS: &str = "id, town_id, village_id, attention_level, status, level_since";

/// The month number (`year * 12 + month - 1`) of the date `d`.
fn month(d: &str, backend: DbBackend) -> String {
    match backend {
        DbBackend::Postgres => format!("(EXTRACT(YEAR FROM {d})::int * 12 + EXTRACT(MONTH FROM {d})::int - 1)"),
        _ => format!("(CAST(strftime('%Y', {d}) AS INTEGER) * 12 + CAST(strftime('%m', {d}) AS INTEGER) - 1)"),
    }
}

impl Ledger {
    /// The interval of the level `level`, in days.
    fn interval(&self, level: &str) -> String {
        let [special, key, general] = self.days;
        format!("CASE {level} WHEN 'SPECIAL' THEN {special} WHEN 'KEY' THEN {key} ELSE {general} END")
    }

    /// The day `days` days after the date `d`.
    fn after(d: &str, days: &str, backend: DbBackend) -> String {
        match backend {
            DbBackend::Postgres => format!("({d} + {days})"),
            _ => format!("date({d}, '+' || ({days}) || ' days')"),
        }
    }

    /// The duties of the records whose ids `among` selects, as rows (`record_id`, `t`): the table's,
    /// less the ids `minus` selects, and with the rows `plus` selects.
    fn duties(&self, among: &str, minus: Option<&str>, plus: Option<&str>) -> String {
        let (duty, record_id, on) = (self.duty, self.record_id, self.on);
        let mut sql = format!("SELECT {record_id} AS record_id, {on} AS t FROM {duty} WHERE {record_id} IN ({among})");
        if let Some(minus) = minus {
            sql.push_str(&format!(" AND id NOT IN ({minus})"));
        }
        if let Some(plus) = plus {
            sql.push_str(&format!(" UNION ALL {plus}"));
        }
        sql
    }

    /// The keys of the runs of the records `rows` (a row source with [`RECORD_COLUMNS`]) given their
    /// duties `duties` (rows `record_id`, `t`), each with `delta` times its change.
    ///
    /// Each anchor `a` (`kind` 0 the level's start, 1 a duty after it) with the next `b` gives the
    /// run `st` to `en`: from the month of `a + interval` (for a duty, not before the month after
    /// its own) to `b`'s month, done there. The level's start is not a duty: its run starts in its
    /// own month when the interval ends within it (a start on a 31-day month's first day at 30
    /// days, any start up to 15 days before the month's end at 15), and a duty done in that month
    /// on or before the start (`early`) then makes the month done too.
    fn runs(&self, rows: &str, duties: &str, delta: i32, backend: DbBackend) -> String {
        let record = self.record;
        let due = month(&Self::after("a.a", &self.interval("a.level"), backend), backend);
        let greatest = if backend == DbBackend::Postgres { "GREATEST" } else { "max" };
        let (am, en) = (month("a.a", backend), month("a.b", backend));
        let (t_month, since_month) = (month("t.t", backend), month("r.level_since", backend));
        format!(
            "SELECT p.town_id AS town_id, '{record}' AS record, CASE WHEN k.k <= 2 THEN 'D' ELSE 'X' END AS event, \
             p.village_id AS village_id, p.level AS level, \
             CASE k.k WHEN 1 THEN p.st WHEN 3 THEN p.en WHEN 5 THEN p.st WHEN 6 THEN p.st + 1 ELSE p.en + 1 END AS month, \
             CASE WHEN k.k IN (1, 3, 5) THEN {delta} ELSE {neg} END AS d \
             FROM (SELECT a.town_id AS town_id, a.village_id AS village_id, a.level AS level, a.kind AS kind, \
             a.early AS early, {am} AS am, \
             CASE WHEN a.kind = 0 THEN {due} ELSE {greatest}({am} + 1, {due}) END AS st, {en} AS en \
             FROM (SELECT u.id AS id, u.town_id AS town_id, u.village_id AS village_id, u.level AS level, u.a AS a, \
             u.kind AS kind, u.early AS early, LEAD(u.a) OVER (PARTITION BY u.id ORDER BY u.a) AS b \
             FROM (SELECT r.id AS id, r.town_id AS town_id, r.village_id AS village_id, r.attention_level AS level, \
             r.level_since AS a, 0 AS kind, CASE WHEN EXISTS (SELECT 1 FROM ({duties}) t WHERE t.record_id = r.id \
             AND t.t <= r.level_since AND {t_month} = {since_month}) THEN 1 ELSE 0 END AS early \
             FROM ({rows}) r WHERE r.status = 'ACTIVE' \
             UNION SELECT r.id, r.town_id, r.village_id, r.attention_level, t.t, 1, 0 \
             FROM ({rows}) r JOIN ({duties}) t ON t.record_id = r.id WHERE r.status = 'ACTIVE' AND t.t > r.level_since) u) a) p \
             CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 \
             UNION ALL SELECT 6) k \
             WHERE CASE WHEN k.k = 1 THEN p.en IS NULL OR p.st <= p.en WHEN k.k <= 4 THEN p.en IS NOT NULL AND p.st <= p.en \
             ELSE p.kind = 0 AND p.early = 1 AND p.st = p.am AND (p.en IS NULL OR p.en > p.st) END",
            neg = -delta,
        )
    }

    /// The records whose ids `among` selects, as rows of the table.
    fn records(&self, among: &str) -> String {
        format!("SELECT {RECORD_COLUMNS} FROM {} WHERE id IN ({among})", self.record)
    }
}

/// The statement that applies the keys of `parts` (each a [`Ledger::runs`]).
fn apply(parts: &[String]) -> String {
    format!(
        "INSERT INTO duty_tally ({KEY}, n) SELECT {KEY}, SUM(d) FROM ({}) k WHERE true \
         GROUP BY {KEY} HAVING SUM(d) <> 0 ORDER BY {KEY} \
         ON CONFLICT ({KEY}) DO UPDATE SET n = duty_tally.n + excluded.n",
        parts.join(" UNION ALL ")
    )
}

/// A record row of a trigger (`NEW`, `OLD`) as a row source.
fn row_of(r: &str) -> String {
    let columns: Vec<String> = RECORD_COLUMNS.split(", ").map(|c| format!("{r}.{c} AS {c}")).collect();
    format!("SELECT {}", columns.join(", "))
}

/// A trigger's name and the SQL that creates it, or drops it.
struct Trigger {
    name: String,
    table: &'static str,
    create: Vec<String>,
}

fn triggers(ledger: &Ledger, backend: DbBackend) -> Vec<Trigger> {
    let (record, duty, record_id) = (ledger.record, ledger.duty, ledger.record_id);
    let on = ledger.on;
    let runs = |rows: &str, duties: &str, delta: i32| ledger.runs(rows, duties, delta, backend);
    let all = |among: &str| ledger.duties(among, None, None);
    match backend {
        DbBackend::Postgres => {
            // Statement triggers over transition tables `o` (old rows) and `n` (new rows).
            let changed = format!(
                "SELECT o.{record_id} FROM o JOIN n ON n.id = o.id WHERE (o.{record_id}, o.{on}) IS DISTINCT FROM (n.{record_id}, n.{on}) \
                 UNION SELECT n.{record_id} FROM o JOIN n ON n.id = o.id WHERE (o.{record_id}, o.{on}) IS DISTINCT FROM (n.{record_id}, n.{on})"
            );
            let record_changed = "SELECT o.id FROM o JOIN n ON n.id = o.id \
                WHERE (o.town_id, o.village_id, o.attention_level, o.status, o.level_since) \
                IS DISTINCT FROM (n.town_id, n.village_id, n.attention_level, n.status, n.level_since)";
            let duty_ops = [
                (
                    "INSERT",
                    "NEW TABLE AS n",
                    format!("SELECT {record_id} FROM n"),
                    Some("SELECT id FROM n".to_owned()),
                    None,
                ),
                (
                    "DELETE",
                    "OLD TABLE AS o",
                    format!("SELECT {record_id} FROM o"),
                    None,
                    Some(format!("SELECT {record_id}, {on} FROM o")),
                ),
                (
                    "UPDATE",
                    "OLD TABLE AS o NEW TABLE AS n",
                    changed,
                    Some("SELECT id FROM n".to_owned()),
                    Some(format!("SELECT {record_id}, {on} FROM o")),
                ),
            ];
            let mut out = Vec::new();
            for (op, tables, among, minus, plus) in duty_ops {
                let body = apply(&[
                    runs(&ledger.records(&among), &ledger.duties(&among, minus.as_deref(), plus.as_deref()), -1),
                    runs(&ledger.records(&among), &all(&among), 1),
                ]);
                out.push(pg_trigger(&format!("tally_duty_{duty}_{}", op.to_lowercase()), duty, op, tables, &body));
            }
            let new_rows = format!("SELECT {RECORD_COLUMNS} FROM n");
            let old_rows = format!("SELECT {RECORD_COLUMNS} FROM o");
            let record_ops = [
                ("INSERT", "NEW TABLE AS n", vec![runs(&new_rows, &all("SELECT id FROM n"), 1)]),
                ("DELETE", "OLD TABLE AS o", vec![runs(&old_rows, &all("SELECT id FROM o"), -1)]),
                (
                    "UPDATE",
                    "OLD TABLE AS o NEW TABLE AS n",
                    vec![
                        runs(&format!("{old_rows} WHERE id IN ({record_changed})"), &all(record_changed), -1),
                        runs(&format!("{new_rows} WHERE id IN ({record_changed})"), &all(record_changed), 1),
                    ],
                ),
            ];
            for (op, tables, parts) in record_ops {
                out.push(pg_trigger(
                    &format!("tally_duty_{record}_{}", op.to_lowercase()),
                    record,
                    op,
                    tables,
                    &apply(&parts),
                ));
            }
            out
        }
        _ => {
            // Row triggers: `NEW` and `OLD` are the row written.
            let old_duty = format!("SELECT OLD.{record_id}, OLD.{on}");
            let duty_ops = [
                ("insert", "INSERT".to_owned(), format!("NEW.{record_id}"), Some("NEW.id"), None),
                ("delete", "DELETE".to_owned(), format!("OLD.{record_id}"), None, Some(old_duty.clone())),
                (
                    "update",
                    format!("UPDATE OF {record_id}, {on}"),
                    format!("OLD.{record_id}, NEW.{record_id}"),
                    Some("NEW.id"),
                    Some(old_duty),
                ),
            ];
            let mut out = Vec::new();
            for (name, op, among, minus, plus) in duty_ops {
                let body = apply(&[
                    runs(&ledger.records(&among), &ledger.duties(&among, minus, plus.as_deref()), -1),
                    runs(&ledger.records(&among), &all(&among), 1),
                ]);
                let name = format!("tally_duty_{duty}_{name}");
                let create = vec![format!("CREATE TRIGGER {name} AFTER {op} ON {duty} BEGIN {body}; END")];
                out.push(Trigger { name, table: duty, create });
            }
            let record_ops = [
                ("insert", "INSERT".to_owned(), vec![runs(&row_of("NEW"), &all("NEW.id"), 1)]),
                ("delete", "DELETE".to_owned(), vec![runs(&row_of("OLD"), &all("OLD.id"), -1)]),
                (
                    "update",
                    "UPDATE OF town_id, village_id, attention_level, status, level_since".to_owned(),
                    vec![runs(&row_of("OLD"), &all("OLD.id"), -1), runs(&row_of("NEW"), &all("NEW.id"), 1)],
                ),
            ];
            for (name, op, parts) in record_ops {
                let name = format!("tally_duty_{record}_{name}");
                let create = vec![format!("CREATE TRIGGER {name} AFTER {op} ON {record} BEGIN {}; END", apply(&parts))];
                out.push(Trigger { name, table: record, create });
            }
            out
        }
    }
}

/// A PostgreSQL statement trigger `name` on `table` after `op`, with the transition `tables`,
/// running `body`, and its function.
fn pg_trigger(name: &str, table: &'static str, op: &str, tables: &str, body: &str) -> Trigger {
    let create = vec![
        format!("CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"),
        format!(
            "CREATE TRIGGER {name} AFTER {op} ON {table} REFERENCING {tables} \
             FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        ),
    ];
    Trigger { name: name.to_owned(), table, create }
}

fn all_triggers(backend: DbBackend) -> Vec<Trigger> {
    LEDGERS.iter().flat_map(|ledger| triggers(ledger, backend)).collect()
}

fn drops(backend: DbBackend) -> Vec<String> {
    all_triggers(backend)
        .into_iter()
        .flat_map(|Trigger { name, table, .. }| match backend {
            DbBackend::Postgres => {
                vec![format!("DROP TRIGGER IF EXISTS {name} ON {table}"), format!("DROP FUNCTION IF EXISTS {name}()")]
            }
            _ => vec![format!("DROP TRIGGER IF EXISTS {name}")],
        })
        .collect()
}

/// Counts the records and duties already there.
fn backfill(backend: DbBackend) -> String {
    let parts: Vec<String> = LEDGERS
        .iter()
        .map(|ledger| {
            let duties = format!("SELECT {} AS record_id, {} AS t FROM {}", ledger.record_id, ledger.on, ledger.duty);
            ledger.runs(&format!("SELECT {RECORD_COLUMNS} FROM {}", ledger.record), &duties, 1, backend)
        })
        .collect();
    apply(&parts)
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let table = kept_table(
            DutyTally::Table,
            vec![
                uuid(DutyTally::TownId),
                string_len(DutyTally::Record, 16),
                string_len(DutyTally::Event, 1),
                uuid(DutyTally::VillageId),
                string_len(DutyTally::Level, 40),
                integer(DutyTally::Month),
            ],
        );
        let counted = "person, person_talk, venue, venue_inspection";
        let creates = all_triggers(backend).into_iter().flat_map(|t| t.create).collect();
        keep_counts(manager, table, counted, backfill(backend), creates).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_counts(manager, DutyTally::Table, drops(manager.get_database_backend())).await
    }
}

#[derive(DeriveIden)]
enum DutyTally {
    Table,
    TownId,
    Record,
    Event,
    VillageId,
    Level,
    Month,
}
