//! Kept counts of a town's tasks by every column a task's read scope and the task figures depend
//! on (issue 13): `myTasks`' total, the dashboard's tasks by status and the open tasks by unit
//! were each a count over every task of the scope, which grows with the town. `task_tally` holds
//! how many tasks have each key:
//!
//! | column | the task's |
//! |---|---|
//! | `town_id`, `status`, `assignee_unit_id`, `creating_unit_id` | own columns |
//! | `assignee_user_id` | own column, the nil UUID where it has none (a key cannot be NULL) |
//! | `umbrella` | whether its target is an umbrella lead or a meeting on umbrella leads |
//!
//! The database keeps them, by triggers: on `task` (a write moves the task between keys), and on
//! `lead` and `meeting` (marking a lead umbrella moves every task on it). A key whose tasks are
//! all gone stays with `n = 0`. The migration counts the tasks already there.
//!
//! On PostgreSQL (READ COMMITTED, where each statement of a trigger sees what committed before it)
//! a task's trigger reads its target's flag under `FOR KEY SHARE`, and a change of the flag first
//! takes the target's row `FOR UPDATE`, which conflicts with it: the change waits until the task's
//! transaction ends and then moves the task too, or the task's trigger waits for the change and
//! reads the new flag; either way the task is counted under the flag its target ends with. Any
//! other write of a lead or meeting does not conflict with it. A target is looked up in the
//! task's own town, as the task policy's umbrella atoms look it up in the viewer's.
//!
//! Each write applies its keys' changes in key order (a task moving between two keys, the tasks
//! of a target whose flag changes), so writers moving tasks between the same keys take the keys'
//! locks in the same order. A flag change that waits for a task's transaction while holding a
//! key that transaction needs is a deadlock PostgreSQL breaks by rolling one back, which the
//! client is told to retry (`UNAVAILABLE`).

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{drop_counts, keep_counts, kept_table, nil_uuid};

/// The key columns, in key order (the primary key's and the triggers' lock order).
const KEY: &str = "town_id, status, assignee_unit_id, creating_unit_id, assignee_user_id, umbrella";
/// The task columns a key is made of: a change of another column moves nothing.
const TASK_COLUMNS: &str =
    "town_id, status, assignee_unit_id, creating_unit_id, assignee_user_id, target_type, target_id";
/// The tables a target's umbrella flag lives in, with the task's `target_type` for them.
const TARGETS: &[(&str, &str)] = &[("lead", "LEAD"), ("meeting", "MEETING")];

/// Whether the task `r` (`NEW`, `OLD` or a table alias) targets an umbrella lead or meeting;
/// `locked`: the target's row is read `FOR KEY SHARE` (a trigger's read, see the module's note;
/// the backfill runs with the tables locked whole).
fn umbrella(r: &str, backend: DbBackend, locked: bool) -> String {
    let lock = if locked { " FOR KEY SHARE" } else { "" };
    let flags: Vec<String> = TARGETS
        .iter()
        .map(|(table, kind)| match backend {
            // Locked, whatever its value: see the module's note.
            DbBackend::Postgres => format!(
                "COALESCE((SELECT x.umbrella FROM \"{table}\" x WHERE {r}.target_type = '{kind}' \
                 AND x.id = {r}.target_id AND x.town_id = {r}.town_id{lock}), false)"
            ),
            _ => format!(
                "EXISTS (SELECT 1 FROM \"{table}\" x WHERE {r}.target_type = '{kind}' AND x.id = {r}.target_id \
                 AND x.town_id = {r}.town_id AND x.umbrella)"
            ),
        })
        .collect();
    format!("({})", flags.join(" OR "))
}

/// The key of the task `r`, its target's flag read as [`umbrella`] reads it.
fn key(r: &str, backend: DbBackend, locked: bool) -> String {
    format!(
        "{r}.town_id, {r}.status, {r}.assignee_unit_id, {r}.creating_unit_id, COALESCE({r}.assignee_user_id, {}), {}",
        nil_uuid(backend),
        umbrella(r, backend, locked)
    )
}

/// Adds `delta` to the key of the task `r`.
fn shift(r: &str, delta: i32, backend: DbBackend) -> String {
    format!(
        "INSERT INTO task_tally ({KEY}, n) VALUES ({}, {delta}) \
         ON CONFLICT ({KEY}) DO UPDATE SET n = task_tally.n + ({delta})",
        key(r, backend, true)
    )
}

/// Moves the tasks on the changed target `NEW` (a row of `table`, `kind` in a task) from its old flag to
/// its new one, in one statement in key order.
fn retarget(table: &str, kind: &str, backend: DbBackend) -> String {
    let nil = nil_uuid(backend);
    let tasks = |flag: &str, d: i32| {
        format!(
            "SELECT t.town_id AS town_id, t.status AS status, t.assignee_unit_id AS assignee_unit_id, \
             t.creating_unit_id AS creating_unit_id, COALESCE(t.assignee_user_id, {nil}) AS assignee_user_id, \
             {flag} AS umbrella, {d} AS d FROM task t \
             WHERE t.target_type = '{kind}' AND t.target_id = NEW.id AND t.town_id = NEW.town_id"
        )
    };
    let moved = format!(
        "INSERT INTO task_tally ({KEY}, n) SELECT {KEY}, SUM(d) FROM ({} UNION ALL {}) k WHERE true \
         GROUP BY {KEY} ORDER BY {KEY} ON CONFLICT ({KEY}) DO UPDATE SET n = task_tally.n + excluded.n",
        tasks("OLD.umbrella", -1),
        tasks("NEW.umbrella", 1)
    );
    match backend {
        // The row lock a task's trigger waits for (see the module's note).
        DbBackend::Postgres => format!("PERFORM 1 FROM \"{table}\" WHERE id = NEW.id FOR UPDATE; {moved}"),
        _ => moved,
    }
}

fn triggers(backend: DbBackend) -> Vec<String> {
    let (add, remove) = (shift("NEW", 1, backend), shift("OLD", -1, backend));
    let mut out = match backend {
        DbBackend::Postgres => {
            let (old, new) = (key("OLD", backend, true), key("NEW", backend, true));
            vec![
                // A task that moves between keys takes the two keys' locks in key order, so two
                // moves in opposite directions cannot deadlock each other.
                format!(
                    "CREATE FUNCTION tally_task() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP = 'UPDATE' AND ROW({old}) > ROW({new}) THEN {add}; {remove}; RETURN NULL; END IF; \
                     IF TG_OP <> 'INSERT' THEN {remove}; END IF; \
                     IF TG_OP <> 'DELETE' THEN {add}; END IF; \
                     RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER tally_task AFTER INSERT OR DELETE OR UPDATE OF {TASK_COLUMNS} ON task \
                     FOR EACH ROW EXECUTE FUNCTION tally_task()"
                ),
            ]
        }
        _ => vec![
            format!("CREATE TRIGGER tally_task_insert AFTER INSERT ON task BEGIN {add}; END"),
            format!("CREATE TRIGGER tally_task_delete AFTER DELETE ON task BEGIN {remove}; END"),
            format!(
                "CREATE TRIGGER tally_task_update AFTER UPDATE OF {TASK_COLUMNS} ON task BEGIN {remove}; {add}; END"
            ),
        ],
    };
    for (table, kind) in TARGETS {
        let moved = retarget(table, kind, backend);
        out.extend(match backend {
            DbBackend::Postgres => vec![
                format!(
                    "CREATE FUNCTION tally_task_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     {moved}; RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER tally_task_on_{table} AFTER UPDATE OF umbrella ON \"{table}\" FOR EACH ROW \
                     WHEN (OLD.umbrella IS DISTINCT FROM NEW.umbrella) EXECUTE FUNCTION tally_task_on_{table}()"
                ),
            ],
            _ => vec![format!(
                "CREATE TRIGGER tally_task_on_{table} AFTER UPDATE OF umbrella ON \"{table}\" \
                 WHEN OLD.umbrella IS NOT NEW.umbrella BEGIN {moved}; END"
            )],
        });
    }
    out
}

fn drops(backend: DbBackend) -> Vec<String> {
    let tables = TARGETS.iter().map(|(table, _)| *table);
    match backend {
        DbBackend::Postgres => {
            let mut out = vec![
                "DROP TRIGGER IF EXISTS tally_task ON task".to_owned(),
                "DROP FUNCTION IF EXISTS tally_task()".into(),
            ];
            for table in tables {
                out.push(format!("DROP TRIGGER IF EXISTS tally_task_on_{table} ON \"{table}\""));
                out.push(format!("DROP FUNCTION IF EXISTS tally_task_on_{table}()"));
            }
            out
        }
        _ => ["insert", "delete", "update"]
            .iter()
            .map(|op| format!("DROP TRIGGER IF EXISTS tally_task_{op}"))
            .chain(tables.map(|table| format!("DROP TRIGGER IF EXISTS tally_task_on_{table}")))
            .collect(),
    }
}

/// Counts the tasks already there.
fn backfill(backend: DbBackend) -> String {
    let key = key("t", backend, false);
    format!("INSERT INTO task_tally ({KEY}, n) SELECT {key}, COUNT(*) FROM task t GROUP BY 1, 2, 3, 4, 5, 6")
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let table = kept_table(
            TaskTally::Table,
            vec![
                uuid(TaskTally::TownId),
                string_len(TaskTally::Status, 40),
                uuid(TaskTally::AssigneeUnitId),
                uuid(TaskTally::CreatingUnitId),
                uuid(TaskTally::AssigneeUserId),
                boolean(TaskTally::Umbrella),
            ],
        );
        keep_counts(manager, table, "task, lead, meeting", backfill(backend), triggers(backend)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_counts(manager, TaskTally::Table, drops(manager.get_database_backend())).await
    }
}

#[derive(DeriveIden)]
enum TaskTally {
    Table,
    TownId,
    Status,
    AssigneeUnitId,
    CreatingUnitId,
    AssigneeUserId,
    Umbrella,
}
