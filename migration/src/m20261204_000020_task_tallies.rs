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

/// The task columns a key of `task_tally` is made of: a change of another column moves nothing.
const TASK_COLUMNS: &str =
    "town_id, status, assignee_unit_id, creating_unit_id, assignee_user_id, target_type, target_id";
/// The tables a target's umbrella flag lives in, with the task's `target_type` for them.
const TARGETS: &[(&str, &str)] = &[("lead", "LEAD"), ("meeting", "MEETING")];

/// A table of kept task counts: `task_tally` here, `task_due_tally` in
/// `m20261205_000024_task_due_tallies`. Every key ends with the target's umbrella flag.
pub(crate) struct TaskCounts {
    /// The table, and the name of its trigger functions and triggers (`tally_task…`).
    pub table: &'static str,
    pub triggers: &'static str,
    /// The task columns its key is made of (the `UPDATE OF` list).
    pub columns: &'static str,
    /// The key's columns before the umbrella flag, in key order, each with its value for the
    /// task `r` (`NEW`, `OLD` or a table alias).
    pub parts: fn(&str, DbBackend) -> Vec<(&'static str, String)>,
}

/// `task_tally`'s key: the task's own columns, no assignee user as the nil UUID.
const TASK_TALLY: TaskCounts = TaskCounts {
    table: "task_tally",
    triggers: "tally_task",
    columns: TASK_COLUMNS,
    parts: |r, backend| {
        vec![
            ("town_id", format!("{r}.town_id")),
            ("status", format!("{r}.status")),
            ("assignee_unit_id", format!("{r}.assignee_unit_id")),
            ("creating_unit_id", format!("{r}.creating_unit_id")),
            ("assignee_user_id", format!("COALESCE({r}.assignee_user_id, {})", nil_uuid(backend))),
        ]
    },
};

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

impl TaskCounts {
    /// The key's columns, in key order.
    fn key_columns(&self) -> String {
        let mut names: Vec<&str> = (self.parts)("t", DbBackend::Postgres).into_iter().map(|(name, _)| name).collect();
        names.push("umbrella");
        names.join(", ")
    }

    /// The key of the task `r`, its target's flag read as [`umbrella`] reads it.
    fn key(&self, r: &str, backend: DbBackend, locked: bool) -> String {
        let mut values: Vec<String> = (self.parts)(r, backend).into_iter().map(|(_, value)| value).collect();
        values.push(umbrella(r, backend, locked));
        values.join(", ")
    }

    /// Adds `delta` to the key of the task `r`.
    fn shift(&self, r: &str, delta: i32, backend: DbBackend) -> String {
        let (table, key) = (self.table, self.key_columns());
        format!(
            "INSERT INTO {table} ({key}, n) VALUES ({}, {delta}) \
             ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + ({delta})",
            self.key(r, backend, true)
        )
    }

    /// Moves the tasks on the changed target `NEW` (a row of `target`, `kind` in a task) from its
    /// old flag to its new one, in one statement in key order.
    fn retarget(&self, target: &str, kind: &str, backend: DbBackend) -> String {
        let (table, key) = (self.table, self.key_columns());
        let tasks = |flag: &str, d: i32| {
            let parts: Vec<String> =
                (self.parts)("t", backend).into_iter().map(|(name, value)| format!("{value} AS {name}")).collect();
            format!(
                "SELECT {}, {flag} AS umbrella, {d} AS d FROM task t \
                 WHERE t.target_type = '{kind}' AND t.target_id = NEW.id AND t.town_id = NEW.town_id",
                parts.join(", ")
            )
        };
        let moved = format!(
            "INSERT INTO {table} ({key}, n) SELECT {key}, SUM(d) FROM ({} UNION ALL {}) k WHERE true \
             GROUP BY {key} ORDER BY {key} ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n",
            tasks("OLD.umbrella", -1),
            tasks("NEW.umbrella", 1)
        );
        match backend {
            // The row lock a task's trigger waits for (see the module's note).
            DbBackend::Postgres => format!("PERFORM 1 FROM \"{target}\" WHERE id = NEW.id FOR UPDATE; {moved}"),
            _ => moved,
        }
    }

    fn triggers(&self, backend: DbBackend) -> Vec<String> {
        let (name, columns) = (self.triggers, self.columns);
        let (add, remove) = (self.shift("NEW", 1, backend), self.shift("OLD", -1, backend));
        let mut out = match backend {
            DbBackend::Postgres => {
                let (old, new) = (self.key("OLD", backend, true), self.key("NEW", backend, true));
                vec![
                    // A task that moves between keys takes the two keys' locks in key order, so two
                    // moves in opposite directions cannot deadlock each other.
                    format!(
                        "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                         IF TG_OP = 'UPDATE' AND ROW({old}) > ROW({new}) THEN {add}; {remove}; RETURN NULL; END IF; \
                         IF TG_OP <> 'INSERT' THEN {remove}; END IF; \
                         IF TG_OP <> 'DELETE' THEN {add}; END IF; \
                         RETURN NULL; END $$"
                    ),
                    format!(
                        "CREATE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON task \
                         FOR EACH ROW EXECUTE FUNCTION {name}()"
                    ),
                ]
            }
            _ => vec![
                format!("CREATE TRIGGER {name}_insert AFTER INSERT ON task BEGIN {add}; END"),
                format!("CREATE TRIGGER {name}_delete AFTER DELETE ON task BEGIN {remove}; END"),
                format!("CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON task BEGIN {remove}; {add}; END"),
            ],
        };
        for (table, kind) in TARGETS {
            let moved = self.retarget(table, kind, backend);
            out.extend(match backend {
                DbBackend::Postgres => vec![
                    format!(
                        "CREATE FUNCTION {name}_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                         {moved}; RETURN NULL; END $$"
                    ),
                    format!(
                        "CREATE TRIGGER {name}_on_{table} AFTER UPDATE OF umbrella ON \"{table}\" FOR EACH ROW \
                         WHEN (OLD.umbrella IS DISTINCT FROM NEW.umbrella) EXECUTE FUNCTION {name}_on_{table}()"
                    ),
                ],
                _ => vec![format!(
                    "CREATE TRIGGER {name}_on_{table} AFTER UPDATE OF umbrella ON \"{table}\" \
                     WHEN OLD.umbrella IS NOT NEW.umbrella BEGIN {moved}; END"
                )],
            });
        }
        out
    }

    fn drops(&self, backend: DbBackend) -> Vec<String> {
        let name = self.triggers;
        let tables = TARGETS.iter().map(|(table, _)| *table);
        match backend {
            DbBackend::Postgres => {
                let mut out =
                    vec![format!("DROP TRIGGER IF EXISTS {name} ON task"), format!("DROP FUNCTION IF EXISTS {name}()")];
                for table in tables {
                    out.push(format!("DROP TRIGGER IF EXISTS {name}_on_{table} ON \"{table}\""));
                    out.push(format!("DROP FUNCTION IF EXISTS {name}_on_{table}()"));
                }
                out
            }
            _ => ["insert", "delete", "update"]
                .iter()
                .map(|op| format!("DROP TRIGGER IF EXISTS {name}_{op}"))
                .chain(tables.map(|table| format!("DROP TRIGGER IF EXISTS {name}_on_{table}")))
                .collect(),
        }
    }

    /// Creates the table with its `key` columns, counts the tasks already there and starts
    /// keeping the counts.
    pub(crate) async fn keep(&self, manager: &SchemaManager<'_>, key: Vec<ColumnDef>) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let table = kept_table(Alias::new(self.table), key);
        keep_counts(manager, table, "task, lead, meeting", self.backfill(backend), self.triggers(backend)).await
    }

    /// Undoes [`TaskCounts::keep`].
    pub(crate) async fn forget(&self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        drop_counts(manager, Alias::new(self.table), self.drops(manager.get_database_backend())).await
    }

    /// Counts the tasks already there.
    fn backfill(&self, backend: DbBackend) -> String {
        let (table, key) = (self.table, self.key_columns());
        let groups: Vec<String> = (1..=key.split(", ").count()).map(|i| i.to_string()).collect();
        format!(
            "INSERT INTO {table} ({key}, n) SELECT {}, COUNT(*) FROM task t GROUP BY {}",
            self.key("t", backend, false),
            groups.join(", ")
        )
    }
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let key = vec![
            uuid(TaskTally::TownId),
            string_len(TaskTally::Status, 40),
            uuid(TaskTally::AssigneeUnitId),
            uuid(TaskTally::CreatingUnitId),
            uuid(TaskTally::AssigneeUserId),
            boolean(TaskTally::Umbrella),
        ];
        TASK_TALLY.keep(manager, key).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        TASK_TALLY.forget(manager).await
    }
}

#[derive(DeriveIden)]
enum TaskTally {
    TownId,
    Status,
    AssigneeUnitId,
    CreatingUnitId,
    AssigneeUserId,
    Umbrella,
}
