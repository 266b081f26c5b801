//! What each scope atom means on each table: the SQL condition, and (for per-row field groups)
//! the same test on a loaded row.
//!
//! Every condition is combined with "in the viewer's town" by the access layer; an atom that
//! makes no sense for a table is `None` there, and a policy line using it is refused at start.

use entity::enums::{AuditCategory, RiskCategory, TaskTargetType, UnitKind};
use entity::positional::Positional;
use entity::{
    app_user, audit_log, lawyer_report, lead, lead_month_tally, lead_subject, lead_unit_month_tally, meeting,
    meeting_unit, org_unit, person, person_judicial_tag, risk_item, task, task_due_tally, task_tally, unit_report,
    venue, village,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait};

use super::scope::Atom;
use crate::auth::Viewer;

/// A table the policy grants access to.
pub trait Resource: Send + Sync + 'static {
    /// The policy's name for it.
    const NAME: &'static str;
    /// Its field groups (the policy's `NAME.group` resources).
    const GROUPS: &'static [&'static str];
    /// The groups kept in tables of their own that never bump the row's `version` or
    /// `updated_at` (a risk item's emergency plan keeps its own revisions): `version`,
    /// `updatedAt` and `changedSince` do not need them.
    const UNVERSIONED: &'static [&'static str] = &[];
    type Entity: EntityTrait<Model: Sync + Positional>;
    /// The model's fields [`Resource::atom_on_row`] reads: a page reads them whatever its
    /// answer shows ([`super::store::Columns`]). `None`: every page reads every column. The
    /// column-set suite compares the groups and grants decided on rows read with only these
    /// columns with those decided on whole rows, for every viewer and row.
    const DECIDED_BY: Option<&'static [&'static str]> = None;

    /// The town column: nothing crosses towns.
    fn town_column() -> <Self::Entity as EntityTrait>::Column;

    /// The id of a loaded row.
    fn row_id(row: &<Self::Entity as EntityTrait>::Model) -> uuid::Uuid;

    /// The SQL condition for `atom`, or `None` when the atom means nothing on this table.
    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition>;

    /// `atom` decided on a loaded row, for field groups that depend on the row; `None` when the
    /// row alone cannot decide it (such atoms may scope rows but not groups).
    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &<Self::Entity as EntityTrait>::Model) -> Option<bool>;
}

fn eq_unit<C: ColumnTrait>(col: C, viewer: &Viewer) -> Condition {
    Condition::all().add(col.eq(viewer.unit_id))
}

fn own_village<C: ColumnTrait>(col: C, viewer: &Viewer) -> Condition {
    match viewer.village_id {
        Some(village) => Condition::all().add(col.eq(village)),
        None => never(),
    }
}

/// A condition no row satisfies.
pub fn never() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// Leads of the viewer's town that are umbrella leads (a subquery of ids).
fn umbrella_lead_ids(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(lead::Column::Id)
        .from(lead::Entity)
        .and_where(lead::Column::TownId.eq(viewer.town_id))
        .and_where(lead::Column::Umbrella.eq(true))
        .to_owned()
}

/// The task's target among the umbrella leads of the viewer's town (a subquery correlated with
/// `task`).
fn umbrella_lead_of_task(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    umbrella_lead_ids(viewer)
        .and_where(Expr::col((lead::Entity, lead::Column::Id)).equals((task::Entity, task::Column::TargetId)))
        .to_owned()
}

/// The task's target among the meetings of the viewer's town held on umbrella leads (a subquery
/// correlated with `task`).
fn umbrella_meeting_of_task(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(meeting::Column::Id)
        .from(meeting::Entity)
        .and_where(meeting::Column::TownId.eq(viewer.town_id))
        .and_where(meeting::Column::Umbrella.eq(true))
        .and_where(Expr::col((meeting::Entity, meeting::Column::Id)).equals((task::Entity, task::Column::TargetId)))
        .to_owned()
}

pub struct Persons;
impl Resource for Persons {
    const NAME: &'static str = "person";
    const GROUPS: &'static [&'static str] = &["basic", "identity", "record", "notes", "board"];
    type Entity = person::Entity;
    const DECIDED_BY: Option<&'static [&'static str]> = Some(&["village_id"]);

    fn town_column() -> person::Column {
        person::Column::TownId
    }

    fn row_id(row: &person::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::OwnVillage => own_village(person::Column::VillageId, viewer),
            Atom::JudicialTagged => Condition::all().add(
                person::Column::Id.in_subquery(
                    Query::select()
                        .column(person_judicial_tag::Column::PersonId)
                        .from(person_judicial_tag::Entity)
                        .to_owned(),
                ),
            ),
            Atom::UmbrellaSubject => Condition::all().add(
                person::Column::Id.in_subquery(
                    Query::select()
                        .column(lead_subject::Column::PersonId)
                        .from(lead_subject::Entity)
                        .and_where(lead_subject::Column::PersonId.is_not_null())
                        .and_where(lead_subject::Column::LeadId.in_subquery(umbrella_lead_ids(viewer)))
                        .to_owned(),
                ),
            ),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &person::Model) -> Option<bool> {
        match atom {
            Atom::Town | Atom::Row => Some(true),
            Atom::OwnVillage => Some(viewer.village_id == Some(row.village_id)),
            _ => None,
        }
    }
}

pub struct Venues;
impl Resource for Venues {
    const NAME: &'static str = "venue";
    const GROUPS: &'static [&'static str] = &["basic", "contact", "record"];
    type Entity = venue::Entity;

    fn town_column() -> venue::Column {
        venue::Column::TownId
    }

    fn row_id(row: &venue::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::OwnVillage => own_village(venue::Column::VillageId, viewer),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &venue::Model) -> Option<bool> {
        match atom {
            Atom::Town | Atom::Row => Some(true),
            Atom::OwnVillage => Some(viewer.village_id == Some(row.village_id)),
            _ => None,
        }
    }
}

pub struct Leads;
impl Resource for Leads {
    const NAME: &'static str = "lead";
    const GROUPS: &'static [&'static str] = &["shell", "receipt", "submission", "handling", "reporter"];
    type Entity = lead::Entity;

    fn town_column() -> lead::Column {
        lead::Column::TownId
    }

    fn row_id(row: &lead::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::Umbrella => Condition::all().add(lead::Column::Umbrella.eq(true)),
            Atom::Ordinary => Condition::all().add(lead::Column::Umbrella.eq(false)),
            Atom::ReceivedByOwnUnit => eq_unit(lead::Column::ReceivingUnitId, viewer),
            Atom::AssignedToOwnUnit => eq_unit(lead::Column::AssigneeUnitId, viewer),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &lead::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::Umbrella => row.umbrella,
            Atom::Ordinary => !row.umbrella,
            Atom::ReceivedByOwnUnit => row.receiving_unit_id == viewer.unit_id,
            Atom::AssignedToOwnUnit => row.assignee_unit_id == Some(viewer.unit_id),
            _ => return None,
        })
    }
}

pub struct RiskItems;
impl Resource for RiskItems {
    const NAME: &'static str = "risk_item";
    const GROUPS: &'static [&'static str] = &["basic", "detail", "parties", "emergency"];
    const UNVERSIONED: &'static [&'static str] = &["emergency"];
    type Entity = risk_item::Entity;

    fn town_column() -> risk_item::Column {
        risk_item::Column::TownId
    }

    fn row_id(row: &risk_item::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::OwnVillage => own_village(risk_item::Column::VillageId, viewer),
            Atom::SocialConflict => Condition::all().add(risk_item::Column::Category.eq(RiskCategory::SocialConflict)),
            Atom::NotSocialConflict => {
                Condition::all().add(risk_item::Column::Category.ne(RiskCategory::SocialConflict))
            }
            Atom::TerritorialOwnUnit => eq_unit(risk_item::Column::TerritorialUnitId, viewer),
            Atom::SectorOwnUnit => eq_unit(risk_item::Column::SectorUnitId, viewer),
            Atom::AssignedToOwnUnit => eq_unit(risk_item::Column::AssigneeUnitId, viewer),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &risk_item::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::OwnVillage => viewer.village_id == Some(row.village_id),
            Atom::SocialConflict => row.category == RiskCategory::SocialConflict,
            Atom::NotSocialConflict => row.category != RiskCategory::SocialConflict,
            Atom::TerritorialOwnUnit => row.territorial_unit_id == Some(viewer.unit_id),
            Atom::SectorOwnUnit => row.sector_unit_id == Some(viewer.unit_id),
            Atom::AssignedToOwnUnit => row.assignee_unit_id == Some(viewer.unit_id),
            _ => return None,
        })
    }
}

pub struct Tasks;
impl Resource for Tasks {
    const NAME: &'static str = "task";
    const GROUPS: &'static [&'static str] = &[];
    type Entity = task::Entity;

    fn town_column() -> task::Column {
        task::Column::TownId
    }

    fn row_id(row: &task::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        // A meeting on umbrella leads is the discipline commission's as much as the leads are:
        // the tasks its decisions raised follow the same rule.
        //
        // The target is looked up by its id (EXISTS, correlated) rather than the task's target
        // being sought among all the town's umbrella leads (IN): PostgreSQL then chooses per
        // statement between probing the target's primary key for each task and hashing the
        // umbrella leads once, where IN always read and hashed every umbrella lead of the town
        // (2 500 at 1 000 000 persons) even for the few tasks of the current hour that the overdue
        // count reads (0.79 ms to 0.09 ms), and a count over all of a town's tasks is no slower
        // (28 ms to 19 ms). The two differ only on a task naming a lead or meeting without its id,
        // which no writer makes: NOT IN made it unknown (hidden), NOT EXISTS admits it, as the
        // kept task counts (`task_tally`) count it.
        let targets = |kind: TaskTargetType, umbrella_rows: sea_orm::sea_query::SelectStatement, umbrella: bool| {
            let found = Expr::exists(umbrella_rows);
            Condition::all().add(task::Column::TargetType.eq(kind)).add(if umbrella { found } else { found.not() })
        };
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::AssignedToOwnUnit => eq_unit(task::Column::AssigneeUnitId, viewer),
            Atom::CreatedByOwnUnit => eq_unit(task::Column::CreatingUnitId, viewer),
            Atom::TargetUmbrellaLead => Condition::any()
                .add(targets(TaskTargetType::Lead, umbrella_lead_of_task(viewer), true))
                .add(targets(TaskTargetType::Meeting, umbrella_meeting_of_task(viewer), true)),
            // Spelled out rather than NOT(…): a task without a target has NULL there, and
            // NOT(NULL) would drop it.
            Atom::TargetNotUmbrellaLead => Condition::any()
                .add(task::Column::TargetType.is_null())
                .add(task::Column::TargetType.is_not_in([TaskTargetType::Lead, TaskTargetType::Meeting]))
                .add(targets(TaskTargetType::Lead, umbrella_lead_of_task(viewer), false))
                .add(targets(TaskTargetType::Meeting, umbrella_meeting_of_task(viewer), false)),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &task::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::AssignedToOwnUnit => row.assignee_unit_id == viewer.unit_id,
            Atom::CreatedByOwnUnit => row.creating_unit_id == viewer.unit_id,
            _ => return None,
        })
    }
}

/// Leads received and concluded per month, counted by key (`lead_month_tally`, kept by the
/// database): the lead policy's own lines, read and field groups alike, each atom meaning on a key
/// what it means on the key's leads. `validate` refuses a lead line whose atom means nothing here.
pub struct LeadMonthTallies;
impl Resource for LeadMonthTallies {
    const NAME: &'static str = Leads::NAME;
    const GROUPS: &'static [&'static str] = Leads::GROUPS;
    type Entity = lead_month_tally::Entity;

    fn town_column() -> lead_month_tally::Column {
        lead_month_tally::Column::TownId
    }

    /// A key has no id of its own; nothing lists or loads keys one by one.
    fn row_id(_row: &lead_month_tally::Model) -> uuid::Uuid {
        uuid::Uuid::nil()
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        use lead_month_tally::Column as K;
        lead_key_atom(atom, viewer, [K::Umbrella, K::ReceivingUnitId, K::AssigneeUnitId])
    }

    /// Keys are summed in SQL, never loaded one by one, so nothing asks this; were it asked, it
    /// would hold no group (a second statement of the atoms here could only drift).
    fn atom_on_row(_atom: Atom, _viewer: &Viewer, _row: &lead_month_tally::Model) -> Option<bool> {
        None
    }
}

/// Leads received and concluded per month, counted by the lead policy's columns alone
/// (`lead_unit_month_tally`, kept by the database; the dashboard's months): the lead policy's own
/// lines, as on [`LeadMonthTallies`], whose note holds here too.
pub struct LeadUnitMonthTallies;
impl Resource for LeadUnitMonthTallies {
    const NAME: &'static str = Leads::NAME;
    const GROUPS: &'static [&'static str] = Leads::GROUPS;
    type Entity = lead_unit_month_tally::Entity;

    fn town_column() -> lead_unit_month_tally::Column {
        lead_unit_month_tally::Column::TownId
    }

    /// A key has no id of its own; nothing lists or loads keys one by one.
    fn row_id(_row: &lead_unit_month_tally::Model) -> uuid::Uuid {
        uuid::Uuid::nil()
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        use lead_unit_month_tally::Column as K;
        lead_key_atom(atom, viewer, [K::Umbrella, K::ReceivingUnitId, K::AssigneeUnitId])
    }

    /// Keys are summed in SQL, never loaded one by one: see [`LeadMonthTallies`].
    fn atom_on_row(_atom: Atom, _viewer: &Viewer, _row: &lead_unit_month_tally::Model) -> Option<bool> {
        None
    }
}

/// What a lead policy atom means on a key of kept lead counts, whose `columns` are the leads'
/// umbrella flag, receiving unit and assignee unit: [`LeadMonthTallies`] and
/// [`LeadUnitMonthTallies`] alike.
fn lead_key_atom<C: ColumnTrait>(
    atom: Atom,
    viewer: &Viewer,
    [umbrella, receiving, assignee]: [C; 3],
) -> Option<Condition> {
    Some(match atom {
        Atom::Town | Atom::Row => Condition::all(),
        Atom::Umbrella => Condition::all().add(umbrella.eq(true)),
        Atom::Ordinary => Condition::all().add(umbrella.eq(false)),
        Atom::ReceivedByOwnUnit => eq_unit(receiving, viewer),
        Atom::AssignedToOwnUnit => eq_unit(assignee, viewer),
        _ => return None,
    })
}

/// Tasks counted by key (`task_tally`, kept by the database): the task policy's own lines,
/// each atom meaning on a key what it means on the key's tasks, so a count over the keys the
/// viewer reads is exactly the count of the tasks it reads, for tasks as the stores write them (a
/// target type and id both set or both unset, the target in the task's town). `validate` refuses
/// a task line whose atom means nothing here, so a new atom cannot make the counts drift.
pub struct TaskTallies;
impl Resource for TaskTallies {
    const NAME: &'static str = Tasks::NAME;
    const GROUPS: &'static [&'static str] = Tasks::GROUPS;
    type Entity = task_tally::Entity;

    fn town_column() -> task_tally::Column {
        task_tally::Column::TownId
    }

    /// A key has no id of its own; nothing lists or loads keys one by one.
    fn row_id(_row: &task_tally::Model) -> uuid::Uuid {
        uuid::Uuid::nil()
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        use task_tally::Column as K;
        task_key_atom(atom, viewer, [K::AssigneeUnitId, K::CreatingUnitId, K::Umbrella])
    }

    /// Keys are summed in SQL, never loaded one by one: see [`LeadMonthTallies`].
    fn atom_on_row(_atom: Atom, _viewer: &Viewer, _row: &task_tally::Model) -> Option<bool> {
        None
    }
}

/// What a task policy atom means on a key of kept task counts, whose `columns` are the tasks'
/// assignee unit, creating unit and umbrella flag: [`TaskTallies`] and [`TaskDueTallies`] alike.
fn task_key_atom<C: ColumnTrait>(
    atom: Atom,
    viewer: &Viewer,
    [assignee, creator, umbrella]: [C; 3],
) -> Option<Condition> {
    Some(match atom {
        Atom::Town | Atom::Row => Condition::all(),
        Atom::AssignedToOwnUnit => eq_unit(assignee, viewer),
        Atom::CreatedByOwnUnit => eq_unit(creator, viewer),
        Atom::TargetUmbrellaLead => Condition::all().add(umbrella.eq(true)),
        Atom::TargetNotUmbrellaLead => Condition::all().add(umbrella.eq(false)),
        _ => return None,
    })
}

/// Tasks counted by due hour (`task_due_tally`, kept by the database): the task policy's own
/// lines, as on [`TaskTallies`], whose note holds here too.
pub struct TaskDueTallies;
impl Resource for TaskDueTallies {
    const NAME: &'static str = Tasks::NAME;
    const GROUPS: &'static [&'static str] = Tasks::GROUPS;
    type Entity = task_due_tally::Entity;

    fn town_column() -> task_due_tally::Column {
        task_due_tally::Column::TownId
    }

    /// A key has no id of its own; nothing lists or loads keys one by one.
    fn row_id(_row: &task_due_tally::Model) -> uuid::Uuid {
        uuid::Uuid::nil()
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        use task_due_tally::Column as K;
        task_key_atom(atom, viewer, [K::AssigneeUnitId, K::CreatingUnitId, K::Umbrella])
    }

    /// Keys are summed in SQL, never loaded one by one: see [`LeadMonthTallies`].
    fn atom_on_row(_atom: Atom, _viewer: &Viewer, _row: &task_due_tally::Model) -> Option<bool> {
        None
    }
}

pub struct AuditEntries;
impl Resource for AuditEntries {
    const NAME: &'static str = "audit_log";
    const GROUPS: &'static [&'static str] = &[];
    type Entity = audit_log::Entity;

    fn town_column() -> audit_log::Column {
        audit_log::Column::TownId
    }

    fn row_id(row: &audit_log::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, _viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::Administration => Condition::all().add(audit_log::Column::Category.eq(AuditCategory::Administration)),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, _viewer: &Viewer, row: &audit_log::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::Administration => row.category == AuditCategory::Administration,
            _ => return None,
        })
    }
}

/// Reports units submit (weekly, monthly): the submitting unit reads its own, the coordination
/// office every unit's but the discipline commission's.
pub struct UnitReports;
impl Resource for UnitReports {
    const NAME: &'static str = "unit_report";
    const GROUPS: &'static [&'static str] = &[];
    type Entity = unit_report::Entity;

    fn town_column() -> unit_report::Column {
        unit_report::Column::TownId
    }

    fn row_id(row: &unit_report::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::OwnUnit => eq_unit(unit_report::Column::UnitId, viewer),
            Atom::NotDisciplineCommission => {
                Condition::all().add(unit_report::Column::UnitKind.ne(UnitKind::DisciplineCommission))
            }
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &unit_report::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::OwnUnit => row.unit_id == viewer.unit_id,
            Atom::NotDisciplineCommission => row.unit_kind != UnitKind::DisciplineCommission,
            _ => return None,
        })
    }
}

pub struct Users;
impl Resource for Users {
    const NAME: &'static str = "user";
    const GROUPS: &'static [&'static str] = &[];
    type Entity = app_user::Entity;

    fn town_column() -> app_user::Column {
        app_user::Column::TownId
    }

    fn row_id(row: &app_user::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::SelfUser => Condition::all().add(app_user::Column::Id.eq(viewer.user_id)),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, viewer: &Viewer, row: &app_user::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::SelfUser => row.id == viewer.user_id,
            _ => return None,
        })
    }
}

pub struct Meetings;
impl Resource for Meetings {
    const NAME: &'static str = "meeting";
    const GROUPS: &'static [&'static str] = &[];
    type Entity = meeting::Entity;

    fn town_column() -> meeting::Column {
        meeting::Column::TownId
    }

    fn row_id(row: &meeting::Model) -> uuid::Uuid {
        row.id
    }

    fn atom(atom: Atom, viewer: &Viewer) -> Option<Condition> {
        Some(match atom {
            Atom::Town | Atom::Row => Condition::all(),
            Atom::Umbrella => Condition::all().add(meeting::Column::Umbrella.eq(true)),
            Atom::Ordinary => Condition::all().add(meeting::Column::Umbrella.eq(false)),
            Atom::AttendedByOwnUnit => Condition::all().add(
                meeting::Column::Id.in_subquery(
                    Query::select()
                        .column(meeting_unit::Column::MeetingId)
                        .from(meeting_unit::Entity)
                        .and_where(meeting_unit::Column::UnitId.eq(viewer.unit_id))
                        .to_owned(),
                ),
            ),
            _ => return None,
        })
    }

    fn atom_on_row(atom: Atom, _viewer: &Viewer, row: &meeting::Model) -> Option<bool> {
        Some(match atom {
            Atom::Town | Atom::Row => true,
            Atom::Umbrella => row.umbrella,
            Atom::Ordinary => !row.umbrella,
            _ => return None,
        })
    }
}

/// Tables that only ever scope by town.
macro_rules! town_only {
    ($name:ident, $res:literal, $module:ident) => {
        pub struct $name;
        impl Resource for $name {
            const NAME: &'static str = $res;
            const GROUPS: &'static [&'static str] = &[];
            type Entity = $module::Entity;

            fn town_column() -> $module::Column {
                $module::Column::TownId
            }

            fn row_id(row: &$module::Model) -> uuid::Uuid {
                row.id
            }

            fn atom(atom: Atom, _viewer: &Viewer) -> Option<Condition> {
                matches!(atom, Atom::Town | Atom::Row).then(Condition::all)
            }

            fn atom_on_row(atom: Atom, _viewer: &Viewer, _row: &$module::Model) -> Option<bool> {
                matches!(atom, Atom::Town | Atom::Row).then_some(true)
            }
        }
    };
}
town_only!(OrgUnits, "org_unit", org_unit);
town_only!(Villages, "village", village);
town_only!(LawyerReports, "lawyer_report", lawyer_report);

/// Checks one policy line against the code: the resource and group exist, and every atom means
/// something there (group scopes must be decidable on a loaded row).
pub fn validate(resource: &str, scope: &super::Scope) -> Result<(), String> {
    let (base, group) = match resource.split_once('.') {
        Some((base, group)) => (base, Some(group)),
        None => (resource, None),
    };
    match base {
        "person" => check::<Persons>(group, scope),
        "venue" => check::<Venues>(group, scope),
        "lead" => check::<Leads>(group, scope)
            .and_then(|()| check::<LeadMonthTallies>(group, scope))
            .and_then(|()| check::<LeadUnitMonthTallies>(group, scope)),
        "risk_item" => check::<RiskItems>(group, scope),
        "task" => check::<Tasks>(group, scope)
            .and_then(|()| check::<TaskTallies>(group, scope))
            .and_then(|()| check::<TaskDueTallies>(group, scope)),
        "unit_report" => check::<UnitReports>(group, scope),
        "audit_log" => check::<AuditEntries>(group, scope),
        "user" => check::<Users>(group, scope),
        "org_unit" => check::<OrgUnits>(group, scope),
        "village" => check::<Villages>(group, scope),
        "meeting" => check::<Meetings>(group, scope),
        "lawyer_report" => check::<LawyerReports>(group, scope),
        other => Err(format!("unknown resource `{other}`")),
    }
}

fn check<R: Resource>(group: Option<&str>, scope: &super::Scope) -> Result<(), String> {
    let probe = Viewer::probe();
    if let Some(group) = group
        && !R::GROUPS.contains(&group)
    {
        return Err(format!("`{}` has no field group `{group}`", R::NAME));
    }
    for atom in &scope.0 {
        if R::atom(*atom, &probe).is_none() {
            return Err(format!("scope `{}` means nothing on `{}`", atom.name(), R::NAME));
        }
        if *atom == Atom::Row && group.is_none() {
            return Err("scope `row` is for field groups only".into());
        }
    }
    Ok(())
}
