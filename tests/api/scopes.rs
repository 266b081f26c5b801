//! The differential test of the scopes (issue 12): the SQL that the access layer compiles from
//! the policy admits exactly the rows that a second, independent reading of access.md admits.
//!
//! Every scope atom and field-group guard is read here a second time, as a plain predicate over
//! loaded rows, from access.md's words and the atom definitions in `api/src/access/scope.rs`;
//! nothing in `pingan::access` decides a row for this test. The policy lines come from
//! `Access::rules()`, so a new line is covered without editing the test (a new atom or resource
//! needs a reading here first, and the test says so).
//!
//! On random worlds of two towns (units of every kind, users, persons with and without judicial
//! tags, venues, leads in every status, umbrella or not, with subjects, risk items with NULL
//! units, meetings on umbrella leads or not with their attending units, lawyers' reports, tasks
//! with and without targets, audit entries of both categories), for every user of
//! town A and one user of each role of town B, it compares with the predicate:
//! - `Access::rows` for every (resource, action) of the policy, `Access::select` for `read`;
//! - for every field group, the readable rows filtered by `Groups::condition`, and by
//!   `Groups::guarded` around an `any()` condition (the shape that let hidden rows match in
//!   finding 1), and `Groups::on` decided on every readable row;
//! - `Access::can_on_row` on every readable row: never wider than the scope, and exact on the
//!   resources whose scopes need nothing but the row itself.
//!
//! Proptest (the ecosystem's property-testing crate) draws the worlds: 24 by default,
//! `PROPTEST_CASES` sets another number, and the printed seed repeats a run through
//! `PROPTEST_RNG_SEED`. One database serves every world; its tables are emptied in between.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    AttentionLevel, AuditCategory, AuditOutcome, EscalationLevel, Gender, JudicialTag, LeadCategory, LeadSource,
    LeadStatus, MeetingKind, RecordStatus, ReportKind, RiskCategory, RiskStatus, Role, TaskKind, TaskStatus,
    TaskTargetType, UnitKind, VenueType,
};
use entity::{
    app_user, audit_log, duty_tally, lawyer_report, lead, lead_month_tally, lead_subject, lead_unit_month_tally,
    meeting, meeting_unit, org_unit, person, person_judicial_tag, record_tally, risk_item, task, task_due_tally,
    task_tally, town, unit_report, venue, village,
};
use pingan::access::resource::{
    AuditEntries, LawyerReports, Leads, Meetings, OrgUnits, Persons, RiskItems, Tasks, UnitReports, Users, Venues,
    Villages,
};
use pingan::access::{Access, Resource};
use pingan::auth::Viewer;
use pingan_tests::TestDb;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, Condition, DatabaseConnection, EntityTrait, Iterable, QueryFilter, QuerySelect,
    Select, Set,
};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// The random world, as drawn: counts and indices only (an `Index` picks among whatever exists).

#[derive(Debug, Clone)]
struct Plan {
    towns: [TownPlan; 2],
}

#[derive(Debug, Clone)]
struct TownPlan {
    /// Units of the coordination office, discipline commission, police station and judicial
    /// office kinds.
    offices: (u8, u8, u8, u8),
    /// One entry per village: how many `VILLAGE` units it has.
    villages: Vec<u8>,
    /// Users whose role is not their unit's kind (a village role in a police station, …).
    odd_users: Vec<(Role, Index)>,
    persons: Vec<PersonPlan>,
    /// One entry per venue: its village.
    venues: Vec<Index>,
    leads: Vec<LeadPlan>,
    risks: Vec<RiskPlan>,
    meetings: Vec<MeetingPlan>,
    /// One entry per lawyer's report: the unit that recorded it.
    lawyer_reports: Vec<Index>,
    tasks: Vec<TaskPlan>,
    /// One entry per audit entry: whether it is an administration entry.
    audits: Vec<bool>,
}

#[derive(Debug, Clone)]
struct PersonPlan {
    village: Index,
    released_prisoner: bool,
    community_correction: bool,
}

#[derive(Debug, Clone)]
struct LeadPlan {
    category: LeadCategory,
    involves_official: bool,
    /// Marked umbrella after registration (access.md "mark umbrella").
    marked: bool,
    status: LeadStatus,
    receiving: Index,
    assignee: Option<Index>,
    /// Subjects: a key person, or a free-text name only (`None`).
    subjects: Vec<Option<Index>>,
}

#[derive(Debug, Clone)]
struct RiskPlan {
    village: Index,
    category: RiskCategory,
    territorial: Option<Index>,
    sector: Option<Index>,
    assignee: Option<Index>,
    reporter: Index,
}

#[derive(Debug, Clone)]
struct MeetingPlan {
    /// Recorded by a discipline commission, so on umbrella leads; else by a coordination office.
    umbrella: bool,
    recorder: Index,
    /// Units that attended besides the recording one.
    attendees: Vec<Index>,
}

#[derive(Debug, Clone)]
struct TaskPlan {
    assignee: Index,
    creator: Index,
    target: Target,
}

/// A task's target: a (type, id) pair or none, as the app writes them.
#[derive(Debug, Clone)]
enum Target {
    None,
    Person(Index),
    Venue(Index),
    Lead(Index),
    RiskItem(Index),
    Meeting(Index),
}

fn every<T: Iterable>() -> Vec<T> {
    T::iter().collect()
}

fn plan() -> impl Strategy<Value = Plan> {
    (town_plan(), town_plan()).prop_map(|(a, b)| Plan { towns: [a, b] })
}

fn town_plan() -> impl Strategy<Value = TownPlan> {
    (
        (1u8..=2, 1u8..=2, 1u8..=3, 1u8..=2),
        prop::collection::vec(1u8..=2, 2..=3),
        prop::collection::vec((select(every::<Role>()), any::<Index>()), 0..=2),
        prop::collection::vec(person_plan(), 0..=10),
        prop::collection::vec(any::<Index>(), 0..=5),
        prop::collection::vec(lead_plan(), 0..=12),
        prop::collection::vec(risk_plan(), 0..=8),
        prop::collection::vec(meeting_plan(), 0..=6),
        prop::collection::vec(any::<Index>(), 0..=3),
        prop::collection::vec(task_plan(), 0..=10),
        prop::collection::vec(any::<bool>(), 0..=4),
    )
        .prop_map(
            |(offices, villages, odd_users, persons, venues, leads, risks, meetings, lawyer_reports, tasks, audits)| {
                TownPlan {
                    offices,
                    villages,
                    odd_users,
                    persons,
                    venues,
                    leads,
                    risks,
                    meetings,
                    lawyer_reports,
                    tasks,
                    audits,
                }
            },
        )
}

fn person_plan() -> impl Strategy<Value = PersonPlan> {
    (any::<Index>(), prop::bool::weighted(0.3), prop::bool::weighted(0.2)).prop_map(
        |(village, released_prisoner, community_correction)| PersonPlan {
            village,
            released_prisoner,
            community_correction,
        },
    )
}

fn lead_plan() -> impl Strategy<Value = LeadPlan> {
    (
        prop_oneof![1 => Just(LeadCategory::ProtectiveUmbrella), 3 => select(every::<LeadCategory>())],
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.15),
        select(every::<LeadStatus>()),
        any::<Index>(),
        prop::option::weighted(0.7, any::<Index>()),
        prop::collection::vec(prop::option::weighted(0.8, any::<Index>()), 0..=3),
    )
        .prop_map(|(category, involves_official, marked, status, receiving, assignee, subjects)| LeadPlan {
            category,
            involves_official,
            marked,
            status,
            receiving,
            assignee,
            subjects,
        })
}

fn risk_plan() -> impl Strategy<Value = RiskPlan> {
    let unit = || prop::option::weighted(0.6, any::<Index>());
    (
        any::<Index>(),
        prop_oneof![1 => Just(RiskCategory::SocialConflict), 2 => select(every::<RiskCategory>())],
        unit(),
        unit(),
        unit(),
        any::<Index>(),
    )
        .prop_map(|(village, category, territorial, sector, assignee, reporter)| RiskPlan {
            village,
            category,
            territorial,
            sector,
            assignee,
            reporter,
        })
}

fn meeting_plan() -> impl Strategy<Value = MeetingPlan> {
    (prop::bool::weighted(0.35), any::<Index>(), prop::collection::vec(any::<Index>(), 0..=3))
        .prop_map(|(umbrella, recorder, attendees)| MeetingPlan { umbrella, recorder, attendees })
}

fn task_plan() -> impl Strategy<Value = TaskPlan> {
    let target = prop_oneof![
        2 => Just(Target::None),
        1 => any::<Index>().prop_map(Target::Person),
        1 => any::<Index>().prop_map(Target::Venue),
        4 => any::<Index>().prop_map(Target::Lead),
        1 => any::<Index>().prop_map(Target::RiskItem),
        2 => any::<Index>().prop_map(Target::Meeting),
    ];
    (any::<Index>(), any::<Index>(), target).prop_map(|(assignee, creator, target)| TaskPlan {
        assignee,
        creator,
        target,
    })
}

// ---------------------------------------------------------------------------------------------
// The world as stored: every table the scopes read, loaded back from the database.

struct World {
    towns: Vec<town::Model>,
    villages: Vec<village::Model>,
    units: Vec<org_unit::Model>,
    users: Vec<app_user::Model>,
    persons: Vec<person::Model>,
    tags: Vec<person_judicial_tag::Model>,
    venues: Vec<venue::Model>,
    leads: Vec<lead::Model>,
    subjects: Vec<lead_subject::Model>,
    risks: Vec<risk_item::Model>,
    meetings: Vec<meeting::Model>,
    attendees: Vec<meeting_unit::Model>,
    lawyer_reports: Vec<lawyer_report::Model>,
    tasks: Vec<task::Model>,
    audits: Vec<audit_log::Model>,
    reports: Vec<unit_report::Model>,
}

impl World {
    fn unit(&self, id: Uuid) -> &org_unit::Model {
        self.units.iter().find(|u| u.id == id).expect("a unit of the world")
    }

    fn unit_name(&self, id: Option<Uuid>) -> String {
        id.map(|id| self.unit(id).name.clone()).unwrap_or_else(|| "-".into())
    }

    fn town_name(&self, id: Uuid) -> &str {
        self.towns.iter().find(|t| t.id == id).map(|t| t.name.as_str()).unwrap_or("?")
    }

    fn village_name(&self, id: Uuid) -> &str {
        self.villages.iter().find(|v| v.id == id).map(|v| v.name.as_str()).unwrap_or("?")
    }

    fn lead(&self, id: Uuid) -> Option<&lead::Model> {
        self.leads.iter().find(|l| l.id == id)
    }

    fn meeting(&self, id: Uuid) -> Option<&meeting::Model> {
        self.meetings.iter().find(|m| m.id == id)
    }

    fn attended(&self, meeting: Uuid, unit: Uuid) -> bool {
        self.attendees.iter().any(|a| a.meeting_id == meeting && a.unit_id == unit)
    }

    /// Every user of town A, and one user of each role of town B.
    fn viewers(&self) -> Vec<Viewer> {
        let (a, b) = (self.towns[0].id, self.towns[1].id);
        let mut users: Vec<&app_user::Model> = self.users.iter().filter(|u| u.town_id == a).collect();
        for role in Role::iter() {
            users.extend(self.users.iter().find(|u| u.town_id == b && u.role == role));
        }
        users
            .into_iter()
            .map(|user| {
                let unit = self.unit(user.org_unit_id).clone();
                Viewer::of(user.clone(), unit, self.town_name(user.town_id).to_owned(), Uuid::nil())
            })
            .collect()
    }
}

fn kind_of(role: Role) -> Option<UnitKind> {
    match role {
        Role::Coordinator => Some(UnitKind::CoordinationOffice),
        Role::Discipline => Some(UnitKind::DisciplineCommission),
        Role::Police => Some(UnitKind::PoliceStation),
        Role::Judicial => Some(UnitKind::JudicialOffice),
        Role::Village => Some(UnitKind::Village),
        Role::Admin => None,
    }
}

fn role_of(kind: UnitKind) -> Role {
    Role::iter().find(|r| kind_of(*r) == Some(kind)).expect("every kind of unit has its role")
}

/// The policy's name for a role: its stored value in lower case (`POLICE` -> `police`).
fn role_name(role: Role) -> String {
    role.to_value().to_lowercase()
}

/// Empties the tables the worlds fill, children first.
async fn wipe(db: &DatabaseConnection) {
    unit_report::Entity::delete_many().exec(db).await.expect("wipe unit_report");
    audit_log::Entity::delete_many().exec(db).await.expect("wipe audit_log");
    task::Entity::delete_many().exec(db).await.expect("wipe task");
    lawyer_report::Entity::delete_many().exec(db).await.expect("wipe lawyer_report");
    meeting_unit::Entity::delete_many().exec(db).await.expect("wipe meeting_unit");
    meeting::Entity::delete_many().exec(db).await.expect("wipe meeting");
    risk_item::Entity::delete_many().exec(db).await.expect("wipe risk_item");
    lead_subject::Entity::delete_many().exec(db).await.expect("wipe lead_subject");
    lead::Entity::delete_many().exec(db).await.expect("wipe lead");
    venue::Entity::delete_many().exec(db).await.expect("wipe venue");
    person_judicial_tag::Entity::delete_many().exec(db).await.expect("wipe person_judicial_tag");
    person::Entity::delete_many().exec(db).await.expect("wipe person");
    app_user::Entity::delete_many().exec(db).await.expect("wipe app_user");
    org_unit::Entity::delete_many().exec(db).await.expect("wipe org_unit");
    village::Entity::delete_many().exec(db).await.expect("wipe village");
    // The kept counts the records' triggers wrote (keys at 0 stay as rows).
    record_tally::Entity::delete_many().exec(db).await.expect("wipe record_tally");
    task_tally::Entity::delete_many().exec(db).await.expect("wipe task_tally");
    task_due_tally::Entity::delete_many().exec(db).await.expect("wipe task_due_tally");
    lead_month_tally::Entity::delete_many().exec(db).await.expect("wipe lead_month_tally");
    lead_unit_month_tally::Entity::delete_many().exec(db).await.expect("wipe lead_unit_month_tally");
    duty_tally::Entity::delete_many().exec(db).await.expect("wipe duty_tally");
    town::Entity::delete_many().exec(db).await.expect("wipe town");
}

async fn insert<A: ActiveModelTrait + Send>(db: &DatabaseConnection, rows: Vec<A>) {
    if rows.is_empty() {
        return;
    }
    <A::Entity as EntityTrait>::insert_many(rows).exec(db).await.expect("insert a world's rows");
}

/// Writes the world of `plan` and loads it back.
async fn build(db: &DatabaseConnection, plan: &Plan) -> World {
    let now: DateTime<Utc> = Utc::now();
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    // Rows are written as active models with the columns the scopes and the schema need; every
    // other column keeps its default (NULL), so a new nullable column needs no change here.
    let mut towns = Vec::new();
    let mut villages = Vec::new();
    let mut units = Vec::new();
    let mut users = Vec::new();
    let mut persons = Vec::new();
    let mut tags = Vec::new();
    let mut venues = Vec::new();
    let mut leads = Vec::new();
    let mut subjects = Vec::new();
    let mut risks = Vec::new();
    let mut meetings = Vec::new();
    let mut attendees = Vec::new();
    let mut lawyer_reports = Vec::new();
    let mut tasks = Vec::new();
    let mut audits = Vec::new();
    for (t, tp) in plan.towns.iter().enumerate() {
        let label = ["A", "B"][t];
        let town_id = Uuid::now_v7();
        towns.push(town::ActiveModel { id: Set(town_id), name: Set(format!("town {label}")) });

        let village_ids: Vec<Uuid> = (0..tp.villages.len())
            .map(|i| {
                let id = Uuid::now_v7();
                villages.push(village::ActiveModel {
                    id: Set(id),
                    town_id: Set(town_id),
                    name: Set(format!("{label} village {i}")),
                });
                id
            })
            .collect();

        let mut town_units: Vec<(Uuid, UnitKind)> = Vec::new();
        let mut add_unit = |kind: UnitKind, name: String, village_id: Option<Uuid>| {
            let id = Uuid::now_v7();
            units.push(org_unit::ActiveModel {
                id: Set(id),
                town_id: Set(town_id),
                name: Set(name),
                kind: Set(kind),
                village_id: Set(village_id),
            });
            town_units.push((id, kind));
        };
        let (coordination, discipline, police, judicial) = tp.offices;
        for (kind, count, what) in [
            (UnitKind::CoordinationOffice, coordination, "coordination office"),
            (UnitKind::DisciplineCommission, discipline, "discipline commission"),
            (UnitKind::PoliceStation, police, "police station"),
            (UnitKind::JudicialOffice, judicial, "judicial office"),
        ] {
            for j in 0..count {
                add_unit(kind, format!("{label} {what} {j}"), None);
            }
        }
        for (i, count) in tp.villages.iter().enumerate() {
            for j in 0..*count {
                add_unit(UnitKind::Village, format!("{label} village {i} unit {j}"), Some(village_ids[i]));
            }
        }

        let mut town_users = Vec::new();
        let mut add_user = |role: Role, unit: Uuid| {
            let id = Uuid::now_v7();
            let username = format!("{label}-{}-{}", role_name(role), town_users.len());
            users.push(app_user::ActiveModel {
                id: Set(id),
                town_id: Set(town_id),
                org_unit_id: Set(unit),
                username: Set(username.clone()),
                display_name: Set(username),
                role: Set(role),
                password_hash: Set("-".into()),
                active: Set(true),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            town_users.push(id);
        };
        for (unit, kind) in &town_units {
            add_user(role_of(*kind), *unit);
        }
        add_user(Role::Admin, town_units[0].0);
        for (role, unit) in &tp.odd_users {
            add_user(*role, town_units[unit.index(town_units.len())].0);
        }
        let unit_at = |i: &Index| town_units[i.index(town_units.len())].0;

        let person_ids: Vec<Uuid> = tp
            .persons
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let id = Uuid::now_v7();
                persons.push(person::ActiveModel {
                    id: Set(id),
                    town_id: Set(town_id),
                    village_id: Set(village_ids[p.village.index(village_ids.len())]),
                    name: Set(format!("{label} person {i}")),
                    gender: Set(Gender::Male),
                    birth_date: Set(day),
                    id_number: Set(format!("{label}{i:04}")),
                    attention_level: Set(AttentionLevel::General),
                    level_since: Set(day),
                    listed_at: Set(day),
                    status: Set(RecordStatus::Active),
                    created_by_unit_id: Set(town_units[0].0),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                for (held, tag) in [
                    (p.released_prisoner, JudicialTag::ReleasedPrisoner),
                    (p.community_correction, JudicialTag::CommunityCorrection),
                ] {
                    if held {
                        tags.push(person_judicial_tag::ActiveModel {
                            id: Set(Uuid::now_v7()),
                            person_id: Set(id),
                            tag: Set(tag),
                            added_by_unit_id: Set(town_units[0].0),
                            created_at: Set(now),
                            ..Default::default()
                        });
                    }
                }
                id
            })
            .collect();

        let venue_ids: Vec<Uuid> = tp
            .venues
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let id = Uuid::now_v7();
                venues.push(venue::ActiveModel {
                    id: Set(id),
                    town_id: Set(town_id),
                    village_id: Set(village_ids[v.index(village_ids.len())]),
                    name: Set(format!("{label} venue {i}")),
                    venue_type: Set(VenueType::Other),
                    address: Set("-".into()),
                    attention_level: Set(AttentionLevel::General),
                    level_since: Set(day),
                    listed_at: Set(day),
                    status: Set(RecordStatus::Active),
                    created_by_unit_id: Set(town_units[0].0),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                id
            })
            .collect();

        let lead_ids: Vec<Uuid> = tp
            .leads
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let id = Uuid::now_v7();
                // As the app keeps it: set at registration by either field, or by marking; the
                // discipline commission's unmark clears all three.
                let umbrella = l.involves_official || l.category == LeadCategory::ProtectiveUmbrella || l.marked;
                leads.push(lead::ActiveModel {
                    id: Set(id),
                    town_id: Set(town_id),
                    serial: Set(format!("{label}-2026-{:04}", i + 1)),
                    serial_year: Set(2026),
                    serial_number: Set(i as i32 + 1),
                    received_at: Set(now),
                    source: Set(LeadSource::Other),
                    receiving_unit_id: Set(unit_at(&l.receiving)),
                    category: Set(l.category),
                    involves_official: Set(l.involves_official),
                    umbrella: Set(umbrella),
                    summary: Set("-".into()),
                    status: Set(l.status),
                    assignee_unit_id: Set(l.assignee.as_ref().map(unit_at)),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                let mut named = BTreeSet::new();
                for subject in &l.subjects {
                    let person_id = match subject {
                        Some(p) if !person_ids.is_empty() => Some(person_ids[p.index(person_ids.len())]),
                        _ => None,
                    };
                    if person_id.is_some() && !named.insert(person_id) {
                        continue;
                    }
                    subjects.push(lead_subject::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        lead_id: Set(id),
                        person_id: Set(person_id),
                        name: Set(Some("subject".into())),
                    });
                }
                id
            })
            .collect();

        let risk_ids: Vec<Uuid> = tp
            .risks
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let id = Uuid::now_v7();
                risks.push(risk_item::ActiveModel {
                    id: Set(id),
                    town_id: Set(town_id),
                    village_id: Set(village_ids[r.village.index(village_ids.len())]),
                    title: Set(format!("{label} risk {i}")),
                    category: Set(r.category),
                    description: Set("-".into()),
                    territorial_unit_id: Set(r.territorial.as_ref().map(unit_at)),
                    sector_unit_id: Set(r.sector.as_ref().map(unit_at)),
                    assignee_unit_id: Set(r.assignee.as_ref().map(unit_at)),
                    status: Set(RiskStatus::Reported),
                    escalation_level: Set(EscalationLevel::Village),
                    reported_by_unit_id: Set(unit_at(&r.reporter)),
                    reported_by_user_id: Set(town_users[0]),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                id
            })
            .collect();

        // As the app records them: a discipline commission's meeting is on umbrella leads, and
        // the recording unit is among the units that attended.
        let meeting_ids: Vec<Uuid> = tp
            .meetings
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let id = Uuid::now_v7();
                let kind = if m.umbrella { UnitKind::DisciplineCommission } else { UnitKind::CoordinationOffice };
                let recorders: Vec<Uuid> = town_units.iter().filter(|u| u.1 == kind).map(|u| u.0).collect();
                let recorder = recorders[m.recorder.index(recorders.len())];
                meetings.push(meeting::ActiveModel {
                    id: Set(id),
                    town_id: Set(town_id),
                    kind: Set(MeetingKind::JointMeeting),
                    held_on: Set(day),
                    summary: Set(format!("{label} meeting {i}")),
                    umbrella: Set(m.umbrella),
                    recorded_by_unit_id: Set(recorder),
                    recorded_by_user_id: Set(town_users[0]),
                    created_at: Set(now),
                });
                let units: BTreeSet<Uuid> = m.attendees.iter().map(unit_at).chain([recorder]).collect();
                attendees.extend(
                    units.into_iter().map(|unit| meeting_unit::ActiveModel { meeting_id: Set(id), unit_id: Set(unit) }),
                );
                id
            })
            .collect();

        for (i, recorder) in tp.lawyer_reports.iter().enumerate() {
            lawyer_reports.push(lawyer_report::ActiveModel {
                id: Set(Uuid::now_v7()),
                town_id: Set(town_id),
                lawyer_name: Set(format!("{label} lawyer {i}")),
                law_firm: Set("-".into()),
                case_name: Set("-".into()),
                court: Set("-".into()),
                reported_on: Set(day),
                recorded_by_unit_id: Set(unit_at(recorder)),
                recorded_by_user_id: Set(town_users[0]),
                created_at: Set(now),
                ..Default::default()
            });
        }

        for (i, tk) in tp.tasks.iter().enumerate() {
            let pick = |ids: &[Uuid], i: &Index| (!ids.is_empty()).then(|| ids[i.index(ids.len())]);
            let target = match &tk.target {
                Target::None => None,
                Target::Person(i) => pick(&person_ids, i).map(|id| (TaskTargetType::Person, id)),
                Target::Venue(i) => pick(&venue_ids, i).map(|id| (TaskTargetType::Venue, id)),
                Target::Lead(i) => pick(&lead_ids, i).map(|id| (TaskTargetType::Lead, id)),
                Target::RiskItem(i) => pick(&risk_ids, i).map(|id| (TaskTargetType::RiskItem, id)),
                Target::Meeting(i) => pick(&meeting_ids, i).map(|id| (TaskTargetType::Meeting, id)),
            };
            tasks.push(task::ActiveModel {
                id: Set(Uuid::now_v7()),
                town_id: Set(town_id),
                title: Set(format!("{label} task {i}")),
                kind: Set(TaskKind::AdHoc),
                target_type: Set(target.map(|(kind, _)| kind)),
                target_id: Set(target.map(|(_, id)| id)),
                assignee_unit_id: Set(unit_at(&tk.assignee)),
                creating_unit_id: Set(unit_at(&tk.creator)),
                due_at: Set(now),
                listed: Set(false),
                status: Set(TaskStatus::Open),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }

        for (i, administration) in tp.audits.iter().enumerate() {
            let (category, object_type) =
                if *administration { (AuditCategory::Administration, "user") } else { (AuditCategory::Case, "lead") };
            audits.push(audit_log::ActiveModel {
                id: Set(Uuid::now_v7()),
                town_id: Set(town_id),
                created_at: Set(now),
                username: Set("-".into()),
                unit_name: Set("-".into()),
                action: Set(format!("{label} action {i}")),
                object_type: Set(object_type.into()),
                field_groups: Set(String::new()),
                request_id: Set("-".into()),
                outcome: Set(AuditOutcome::Allowed),
                category: Set(category),
                ..Default::default()
            });
        }
    }

    insert(db, towns).await;
    insert(db, villages).await;
    insert(db, units).await;
    insert(db, users).await;
    insert(db, persons).await;
    insert(db, tags).await;
    insert(db, venues).await;
    insert(db, leads).await;
    insert(db, subjects).await;
    insert(db, risks).await;
    insert(db, meetings).await;
    insert(db, attendees).await;
    insert(db, lawyer_reports).await;
    insert(db, tasks).await;
    insert(db, audits).await;
    // A report of every unit that has a user, submitted by that user (every unit kind reports).
    let loaded_users = app_user::Entity::find().all(db).await.expect("load users");
    let loaded_units = org_unit::Entity::find().all(db).await.expect("load units");
    let reports: Vec<unit_report::ActiveModel> = loaded_units
        .iter()
        .filter_map(|unit| {
            let user = loaded_users.iter().find(|u| u.org_unit_id == unit.id)?;
            Some(unit_report::ActiveModel {
                id: Set(Uuid::now_v7()),
                town_id: Set(unit.town_id),
                unit_id: Set(unit.id),
                unit_kind: Set(unit.kind),
                kind: Set(ReportKind::Weekly),
                period: Set("2026-W49".into()),
                figures: Set("{}".into()),
                progress_note: Set(None),
                signed_by: Set("-".into()),
                sealed: Set(false),
                submitted_by_user_id: Set(user.id),
                submitted_at: Set(Utc::now()),
                due_at: Set(Utc::now()),
            })
        })
        .collect();
    insert(db, reports).await;

    let mut towns = town::Entity::find().all(db).await.expect("load towns");
    towns.sort_by(|a, b| a.name.cmp(&b.name));
    World {
        towns,
        villages: village::Entity::find().all(db).await.expect("load villages"),
        units: org_unit::Entity::find().all(db).await.expect("load units"),
        users: app_user::Entity::find().all(db).await.expect("load users"),
        persons: person::Entity::find().all(db).await.expect("load persons"),
        tags: person_judicial_tag::Entity::find().all(db).await.expect("load tags"),
        venues: venue::Entity::find().all(db).await.expect("load venues"),
        leads: lead::Entity::find().all(db).await.expect("load leads"),
        subjects: lead_subject::Entity::find().all(db).await.expect("load subjects"),
        risks: risk_item::Entity::find().all(db).await.expect("load risks"),
        meetings: meeting::Entity::find().all(db).await.expect("load meetings"),
        attendees: meeting_unit::Entity::find().all(db).await.expect("load attendees"),
        lawyer_reports: lawyer_report::Entity::find().all(db).await.expect("load lawyer reports"),
        tasks: task::Entity::find().all(db).await.expect("load tasks"),
        audits: audit_log::Entity::find().all(db).await.expect("load audits"),
        reports: unit_report::Entity::find().all(db).await.expect("load reports"),
    }
}

// ---------------------------------------------------------------------------------------------
// The second reading: what each scope atom means, in access.md's words, over loaded rows.

type Row<R> = <<R as Resource>::Entity as EntityTrait>::Model;

/// Where a resource's rows are in the world.
trait Table: Resource {
    fn id_column() -> <Self::Entity as EntityTrait>::Column;
    fn rows(w: &World) -> &[Row<Self>];
    fn id(row: &Row<Self>) -> Uuid;
    fn town(row: &Row<Self>) -> Uuid;
}

macro_rules! table {
    ($resource:ty, $module:ident, $field:ident) => {
        impl Table for $resource {
            fn id_column() -> $module::Column {
                $module::Column::Id
            }
            fn rows(w: &World) -> &[$module::Model] {
                &w.$field
            }
            fn id(row: &$module::Model) -> Uuid {
                row.id
            }
            fn town(row: &$module::Model) -> Uuid {
                row.town_id
            }
        }
    };
}
table!(Persons, person, persons);
table!(Venues, venue, venues);
table!(Leads, lead, leads);
table!(RiskItems, risk_item, risks);
table!(Tasks, task, tasks);
table!(Meetings, meeting, meetings);
table!(LawyerReports, lawyer_report, lawyer_reports);
table!(AuditEntries, audit_log, audits);
table!(Users, app_user, users);
table!(OrgUnits, org_unit, units);
table!(Villages, village, villages);
table!(UnitReports, unit_report, reports);

/// A resource of the policy, read a second time.
trait Spec: Table {
    /// The scope names this reading knows for the resource, besides `town` (and `row`, which
    /// field groups use for "every row the viewer may read").
    const ATOMS: &'static [&'static str];
    /// Whether every scope of the resource is decided by the row alone, so an in-memory decision
    /// must match the SQL exactly (where another table is needed it may only deny more).
    const ON_ROW_ALONE: bool;
    /// Whether `atom` holds on `row` for `viewer` (the town is checked apart). Without a
    /// reading of its own, a resource knows only the town.
    fn holds(atom: &str, _w: &World, _viewer: &Viewer, _row: &Row<Self>) -> bool {
        match atom {
            "town" | "row" => true,
            other => unknown(other, Self::NAME),
        }
    }
    /// The row, in words, for a failure message.
    fn describe(w: &World, row: &Row<Self>) -> String;
}

/// "Own village is the village of a `VILLAGE` unit": none for any other unit.
fn own_village(w: &World, viewer: &Viewer) -> Option<Uuid> {
    let unit = w.unit(viewer.unit_id);
    if unit.kind == UnitKind::Village { unit.village_id } else { None }
}

/// "A lead is an umbrella lead when `involvesOfficial` is true or its category is
/// `PROTECTIVE_UMBRELLA`", or when it has been marked umbrella (the stored flag) and not
/// unmarked since.
fn is_umbrella(l: &lead::Model) -> bool {
    l.involves_official || l.category == LeadCategory::ProtectiveUmbrella || l.umbrella
}

/// "A meeting the discipline commission records is on umbrella leads": the flag it is recorded
/// with.
fn is_umbrella_meeting(m: &meeting::Model) -> bool {
    m.umbrella
}

fn unknown(atom: &str, resource: &str) -> ! {
    panic!("this test has no reading of scope `{atom}` on `{resource}`: add one from access.md")
}

impl Spec for Persons {
    const ATOMS: &'static [&'static str] = &["own_village", "judicial_tagged", "umbrella_subject"];
    const ON_ROW_ALONE: bool = false;
    fn holds(atom: &str, w: &World, viewer: &Viewer, row: &person::Model) -> bool {
        match atom {
            "town" | "row" => true,
            // "residents of own village"
            "own_village" => own_village(w, viewer) == Some(row.village_id),
            // "persons with a judicial tag"
            "judicial_tagged" => w.tags.iter().any(|t| t.person_id == row.id),
            // "subjects of umbrella leads in town"
            "umbrella_subject" => w.subjects.iter().any(|s| {
                s.person_id == Some(row.id)
                    && w.lead(s.lead_id).is_some_and(|l| l.town_id == viewer.town_id && is_umbrella(l))
            }),
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &person::Model) -> String {
        let tags = w.tags.iter().filter(|t| t.person_id == row.id).count();
        let umbrella_leads: Vec<&str> = w
            .subjects
            .iter()
            .filter(|s| s.person_id == Some(row.id))
            .filter_map(|s| w.lead(s.lead_id))
            .filter(|l| is_umbrella(l))
            .map(|l| l.serial.as_str())
            .collect();
        format!(
            "person `{}` ({}, {}, {tags} judicial tag(s), subject of umbrella leads {umbrella_leads:?})",
            row.name,
            w.town_name(row.town_id),
            w.village_name(row.village_id)
        )
    }
}

impl Spec for Venues {
    const ATOMS: &'static [&'static str] = &["own_village"];
    const ON_ROW_ALONE: bool = true;
    fn holds(atom: &str, w: &World, viewer: &Viewer, row: &venue::Model) -> bool {
        match atom {
            "town" | "row" => true,
            "own_village" => own_village(w, viewer) == Some(row.village_id),
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &venue::Model) -> String {
        format!("venue `{}` ({}, {})", row.name, w.town_name(row.town_id), w.village_name(row.village_id))
    }
}

impl Spec for Leads {
    const ATOMS: &'static [&'static str] = &["umbrella", "ordinary", "received_by_own_unit", "assigned_to_own_unit"];
    const ON_ROW_ALONE: bool = true;
    fn holds(atom: &str, _w: &World, viewer: &Viewer, row: &lead::Model) -> bool {
        match atom {
            "town" | "row" => true,
            "umbrella" => is_umbrella(row),
            "ordinary" => !is_umbrella(row),
            "received_by_own_unit" => row.receiving_unit_id == viewer.unit_id,
            "assigned_to_own_unit" => row.assignee_unit_id == Some(viewer.unit_id),
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &lead::Model) -> String {
        format!(
            "lead {} ({}, umbrella flag {}, involves official {}, category {:?}, status {:?}, received by `{}`, assigned to `{}`)",
            row.serial,
            w.town_name(row.town_id),
            row.umbrella,
            row.involves_official,
            row.category,
            row.status,
            w.unit_name(Some(row.receiving_unit_id)),
            w.unit_name(row.assignee_unit_id)
        )
    }
}

impl Spec for RiskItems {
    const ATOMS: &'static [&'static str] = &[
        "own_village",
        "social_conflict",
        "not_social_conflict",
        "territorial_own_unit",
        "sector_own_unit",
        "assigned_to_own_unit",
    ];
    const ON_ROW_ALONE: bool = true;
    fn holds(atom: &str, w: &World, viewer: &Viewer, row: &risk_item::Model) -> bool {
        match atom {
            "town" | "row" => true,
            "own_village" => own_village(w, viewer) == Some(row.village_id),
            "social_conflict" => row.category == RiskCategory::SocialConflict,
            "not_social_conflict" => row.category != RiskCategory::SocialConflict,
            "territorial_own_unit" => row.territorial_unit_id == Some(viewer.unit_id),
            "sector_own_unit" => row.sector_unit_id == Some(viewer.unit_id),
            "assigned_to_own_unit" => row.assignee_unit_id == Some(viewer.unit_id),
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &risk_item::Model) -> String {
        format!(
            "risk item `{}` ({}, {}, category {:?}, territorial `{}`, sector `{}`, assignee `{}`)",
            row.title,
            w.town_name(row.town_id),
            w.village_name(row.village_id),
            row.category,
            w.unit_name(row.territorial_unit_id),
            w.unit_name(row.sector_unit_id),
            w.unit_name(row.assignee_unit_id)
        )
    }
}

impl Spec for Tasks {
    const ATOMS: &'static [&'static str] =
        &["assigned_to_own_unit", "created_by_own_unit", "target_umbrella_lead", "target_not_umbrella_lead"];
    const ON_ROW_ALONE: bool = false;
    fn holds(atom: &str, w: &World, viewer: &Viewer, row: &task::Model) -> bool {
        // "tasks whose target is an umbrella lead in town", or a meeting of the town on umbrella
        // leads (its decisions are the discipline commission's alone)
        let targets_umbrella_lead = || match (row.target_type, row.target_id) {
            (Some(TaskTargetType::Lead), Some(id)) => {
                w.lead(id).is_some_and(|l| l.town_id == viewer.town_id && is_umbrella(l))
            }
            (Some(TaskTargetType::Meeting), Some(id)) => {
                w.meeting(id).is_some_and(|m| m.town_id == viewer.town_id && is_umbrella_meeting(m))
            }
            _ => false,
        };
        match atom {
            "town" | "row" => true,
            "assigned_to_own_unit" => row.assignee_unit_id == viewer.unit_id,
            "created_by_own_unit" => row.creating_unit_id == viewer.unit_id,
            "target_umbrella_lead" => targets_umbrella_lead(),
            // "except tasks whose target is an umbrella lead": tasks without a target included
            "target_not_umbrella_lead" => !targets_umbrella_lead(),
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &task::Model) -> String {
        let target = match (row.target_type, row.target_id) {
            (Some(TaskTargetType::Lead), Some(id)) => match w.lead(id) {
                Some(l) => format!("lead {} (umbrella {})", l.serial, is_umbrella(l)),
                None => format!("missing lead {id}"),
            },
            (Some(TaskTargetType::Meeting), Some(id)) => match w.meeting(id) {
                Some(m) => format!("meeting `{}` (umbrella {})", m.summary, is_umbrella_meeting(m)),
                None => format!("missing meeting {id}"),
            },
            (Some(kind), _) => format!("{kind:?}"),
            (None, _) => "none".into(),
        };
        format!(
            "task `{}` ({}, assigned to `{}`, created by `{}`, target {target})",
            row.title,
            w.town_name(row.town_id),
            w.unit_name(Some(row.assignee_unit_id)),
            w.unit_name(Some(row.creating_unit_id))
        )
    }
}

impl Spec for Meetings {
    const ATOMS: &'static [&'static str] = &["umbrella", "ordinary", "attended_by_own_unit"];
    const ON_ROW_ALONE: bool = false;
    fn holds(atom: &str, w: &World, viewer: &Viewer, row: &meeting::Model) -> bool {
        match atom {
            "town" | "row" => true,
            // "a meeting the discipline commission records is on umbrella leads"
            "umbrella" => is_umbrella_meeting(row),
            // every other meeting
            "ordinary" => !is_umbrella_meeting(row),
            // "a unit reads those it attended"
            "attended_by_own_unit" => w.attended(row.id, viewer.unit_id),
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &meeting::Model) -> String {
        let units: Vec<String> =
            w.attendees.iter().filter(|a| a.meeting_id == row.id).map(|a| w.unit_name(Some(a.unit_id))).collect();
        format!(
            "meeting `{}` ({}, umbrella {}, recorded by `{}`, attended by {units:?})",
            row.summary,
            w.town_name(row.town_id),
            row.umbrella,
            w.unit_name(Some(row.recorded_by_unit_id))
        )
    }
}

impl Spec for LawyerReports {
    const ATOMS: &'static [&'static str] = &[];
    const ON_ROW_ALONE: bool = true;
    fn describe(w: &World, row: &lawyer_report::Model) -> String {
        format!("lawyer report of `{}` ({})", row.lawyer_name, w.town_name(row.town_id))
    }
}

impl Spec for AuditEntries {
    const ATOMS: &'static [&'static str] = &["administration"];
    const ON_ROW_ALONE: bool = true;
    fn holds(atom: &str, _w: &World, _viewer: &Viewer, row: &audit_log::Model) -> bool {
        match atom {
            "town" | "row" => true,
            // "entries about users, org units and policy only"
            "administration" => row.category == AuditCategory::Administration,
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &audit_log::Model) -> String {
        format!(
            "audit entry `{}` ({}, {:?} about {})",
            row.action,
            w.town_name(row.town_id),
            row.category,
            row.object_type
        )
    }
}

impl Spec for Users {
    const ATOMS: &'static [&'static str] = &["self"];
    const ON_ROW_ALONE: bool = true;
    fn holds(atom: &str, _w: &World, viewer: &Viewer, row: &app_user::Model) -> bool {
        match atom {
            "town" | "row" => true,
            // "Everyone reads their own user"
            "self" => row.id == viewer.user_id,
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &app_user::Model) -> String {
        format!("user `{}` ({})", row.username, w.town_name(row.town_id))
    }
}

impl Spec for OrgUnits {
    const ATOMS: &'static [&'static str] = &[];
    const ON_ROW_ALONE: bool = true;
    fn describe(w: &World, row: &org_unit::Model) -> String {
        format!("org unit `{}` ({})", row.name, w.town_name(row.town_id))
    }
}

impl Spec for Villages {
    const ATOMS: &'static [&'static str] = &[];
    const ON_ROW_ALONE: bool = true;
    fn describe(w: &World, row: &village::Model) -> String {
        format!("village `{}` ({})", row.name, w.town_name(row.town_id))
    }
}

impl Spec for UnitReports {
    const ATOMS: &'static [&'static str] = &["own_unit", "not_discipline_commission"];
    const ON_ROW_ALONE: bool = true;
    fn holds(atom: &str, _w: &World, viewer: &Viewer, row: &unit_report::Model) -> bool {
        match atom {
            "town" | "row" => true,
            // "the submitting unit" reads its reports
            "own_unit" => row.unit_id == viewer.unit_id,
            // "the discipline commission's own reports only to itself"
            "not_discipline_commission" => row.unit_kind != UnitKind::DisciplineCommission,
            other => unknown(other, Self::NAME),
        }
    }
    fn describe(w: &World, row: &unit_report::Model) -> String {
        format!("report of `{}` ({})", w.unit_name(Some(row.unit_id)), w.town_name(row.town_id))
    }
}

/// The atoms this test reads on a resource of the policy, or `None` for a resource it does not
/// know.
fn known_atoms(resource: &str) -> Option<&'static [&'static str]> {
    Some(match resource {
        "person" => Persons::ATOMS,
        "venue" => Venues::ATOMS,
        "lead" => Leads::ATOMS,
        "risk_item" => RiskItems::ATOMS,
        "task" => Tasks::ATOMS,
        "meeting" => Meetings::ATOMS,
        "lawyer_report" => LawyerReports::ATOMS,
        "audit_log" => AuditEntries::ATOMS,
        "user" => Users::ATOMS,
        "org_unit" => OrgUnits::ATOMS,
        "village" => Villages::ATOMS,
        "unit_report" => UnitReports::ATOMS,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// The comparison.

/// One policy line: role, town (`*` or an id), resource, action, scope.
struct Line {
    role: String,
    town: String,
    resource: String,
    action: String,
    scope: Vec<String>,
}

#[derive(Default)]
struct Stats {
    worlds: Cell<u64>,
    viewers: Cell<u64>,
    queries: Cell<u64>,
    /// Row decisions compared between SQL and the predicate (each row of the table, per viewer
    /// and per resource, action or group).
    sql_rows: Cell<u64>,
    /// Row decisions compared between an in-memory decision and the predicate.
    memory_rows: Cell<u64>,
}

fn bump(cell: &Cell<u64>, by: usize) {
    cell.set(cell.get() + by as u64);
}

struct Cx<'a> {
    db: &'a DatabaseConnection,
    access: &'a Access,
    lines: &'a [Line],
    world: &'a World,
    viewers: &'a [Viewer],
    stats: &'a Stats,
    backend: &'static str,
}

impl Cx<'_> {
    /// The scopes the policy grants the viewer for (resource, action) in its town.
    fn scopes(&self, viewer: &Viewer, resource: &str, action: &str) -> Vec<&[String]> {
        let (role, town) = (role_name(viewer.role), viewer.town_id.to_string());
        self.lines
            .iter()
            .filter(|l| l.role == role && (l.town == "*" || l.town == town))
            .filter(|l| l.resource == resource && l.action == action)
            .map(|l| l.scope.as_slice())
            .collect()
    }

    async fn ids<E: EntityTrait>(&self, query: Select<E>, id: E::Column, what: &str) -> Result<BTreeSet<Uuid>, String> {
        bump(&self.stats.queries, 1);
        let ids: Vec<Uuid> = query
            .select_only()
            .column(id)
            .into_tuple()
            .all(self.db)
            .await
            .map_err(|e| format!("{}: {what}: the query failed: {e}", self.backend))?;
        Ok(ids.into_iter().collect())
    }

    fn who(&self, viewer: &Viewer) -> String {
        format!("{} `{}` of `{}` ({})", role_name(viewer.role), viewer.username, viewer.unit_name, viewer.town_name)
    }

    /// Fails with the rows on which `by` and the predicate differ.
    fn compare<R: Spec>(
        &self,
        viewer: &Viewer,
        what: &str,
        by: &str,
        got: &BTreeSet<Uuid>,
        expected: &BTreeSet<Uuid>,
    ) -> Result<(), String> {
        if got == expected {
            return Ok(());
        }
        let describe = |ids: Vec<&Uuid>| -> String {
            ids.into_iter()
                .map(|id| match R::rows(self.world).iter().find(|r| R::id(r) == *id) {
                    Some(row) => R::describe(self.world, row),
                    None => format!("{id} (not a row of the world)"),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut message = format!("{}: {}, {what}:", self.backend, self.who(viewer));
        let extra: Vec<&Uuid> = got.difference(expected).collect();
        let missing: Vec<&Uuid> = expected.difference(got).collect();
        if !extra.is_empty() {
            let _ = write!(message, "\n  {by} admits, access.md denies: {}", describe(extra));
        }
        if !missing.is_empty() {
            let _ = write!(message, "\n  access.md admits, {by} denies: {}", describe(missing));
        }
        Err(message)
    }
}

/// Whether one of the granted scopes (each a conjunction of atoms) holds on the row.
fn admits<R: Spec>(scopes: &[&[String]], w: &World, viewer: &Viewer, row: &Row<R>) -> bool {
    scopes.iter().any(|scope| scope.iter().all(|atom| R::holds(atom, w, viewer, row)))
}

/// An `any()` condition true on every row, for wrapping with a group guard.
fn always_any() -> Condition {
    Condition::any().add(Expr::cust("1 = 1"))
}

async fn check<R: Spec>(cx: &Cx<'_>) -> Result<(), String> {
    let actions: BTreeSet<&str> =
        cx.lines.iter().filter(|l| l.resource == R::NAME).map(|l| l.action.as_str()).collect();
    let groups: BTreeSet<&str> = cx
        .lines
        .iter()
        .filter(|l| l.action == "read")
        .filter_map(|l| l.resource.strip_prefix(R::NAME).and_then(|g| g.strip_prefix('.')))
        .collect();
    let rows = R::rows(cx.world);
    for viewer in cx.viewers {
        let who = cx.who(viewer);
        let mut allowed: HashMap<&str, BTreeSet<Uuid>> = HashMap::new();
        for action in &actions {
            let what = format!("`{}` `{action}`", R::NAME);
            let scopes = cx.scopes(viewer, R::NAME, action);
            let expected: BTreeSet<Uuid> = rows
                .iter()
                .filter(|r| R::town(r) == viewer.town_id && admits::<R>(&scopes, cx.world, viewer, r))
                .map(R::id)
                .collect();
            let condition = cx.access.rows::<R>(viewer, action);
            if condition.is_none() != scopes.is_empty() {
                return Err(format!(
                    "{}: {who}, {what}: the policy has {} line(s) for it, but Access::rows {}",
                    cx.backend,
                    scopes.len(),
                    if condition.is_none() { "grants no row" } else { "gives a condition" }
                ));
            }
            let got = match condition {
                Some(condition) => cx.ids(R::Entity::find().filter(condition), R::id_column(), &what).await?,
                None => BTreeSet::new(),
            };
            bump(&cx.stats.sql_rows, rows.len());
            cx.compare::<R>(viewer, &what, "Access::rows", &got, &expected)?;
            if *action == "read" {
                let selected = match cx.access.select::<R>(viewer) {
                    Ok(query) => cx.ids(query, R::id_column(), &what).await?,
                    Err(_) if scopes.is_empty() => BTreeSet::new(),
                    Err(e) => return Err(format!("{}: {who}, {what}: Access::select refused: {e:?}", cx.backend)),
                };
                bump(&cx.stats.sql_rows, rows.len());
                cx.compare::<R>(viewer, &what, "Access::select", &selected, &expected)?;
            }
            allowed.insert(action, expected);
        }

        // Field groups, on the rows the viewer reads.
        let readable = allowed.get("read").cloned().unwrap_or_default();
        let readable_rows: Vec<&Row<R>> = rows.iter().filter(|r| readable.contains(&R::id(r))).collect();
        let held = cx.access.groups::<R>(viewer);
        for group in &groups {
            let resource = format!("{}.{group}", R::NAME);
            let what = format!("group `{resource}`");
            let scopes = cx.scopes(viewer, &resource, "read");
            let expected: BTreeSet<Uuid> =
                readable_rows.iter().filter(|r| admits::<R>(&scopes, cx.world, viewer, r)).map(|r| R::id(r)).collect();
            let (by_condition, by_guard) = match cx.access.select::<R>(viewer) {
                Ok(query) => (
                    cx.ids(query.clone().filter(held.condition(viewer, group)), R::id_column(), &what).await?,
                    cx.ids(query.filter(held.guarded(viewer, group, always_any())), R::id_column(), &what).await?,
                ),
                Err(_) => (BTreeSet::new(), BTreeSet::new()),
            };
            bump(&cx.stats.sql_rows, 2 * rows.len());
            cx.compare::<R>(viewer, &what, "Groups::condition", &by_condition, &expected)?;
            cx.compare::<R>(viewer, &what, "Groups::guarded", &by_guard, &expected)?;
            let on_row: BTreeSet<Uuid> =
                readable_rows.iter().filter(|r| held.on(viewer, r).has(group)).map(|r| R::id(r)).collect();
            bump(&cx.stats.memory_rows, readable_rows.len());
            cx.compare::<R>(viewer, &what, "Groups::on", &on_row, &expected)?;
        }

        // Steps decided in memory on a loaded (so readable) row.
        for action in &actions {
            let what = format!("`{}` `{action}` on a loaded row", R::NAME);
            let expected: BTreeSet<Uuid> = allowed[action].intersection(&readable).copied().collect();
            let on_row: BTreeSet<Uuid> = readable_rows
                .iter()
                .filter(|r| cx.access.can_on_row::<R>(viewer, action, r))
                .map(|r| R::id(r))
                .collect();
            bump(&cx.stats.memory_rows, readable_rows.len());
            if R::ON_ROW_ALONE {
                cx.compare::<R>(viewer, &what, "Access::can_on_row", &on_row, &expected)?;
            } else {
                // Scopes that need another table are denied in memory: never wider.
                let wider: BTreeSet<Uuid> = on_row.difference(&expected).copied().collect();
                cx.compare::<R>(viewer, &what, "Access::can_on_row", &wider, &BTreeSet::new())?;
            }
        }
    }
    Ok(())
}

async fn run_world(
    db: &DatabaseConnection,
    access: &Access,
    lines: &[Line],
    plan: &Plan,
    stats: &Stats,
    backend: &'static str,
) -> Result<(), String> {
    wipe(db).await;
    let world = build(db, plan).await;
    let viewers = world.viewers();
    bump(&stats.worlds, 1);
    bump(&stats.viewers, viewers.len());
    let cx = Cx { db, access, lines, world: &world, viewers: &viewers, stats, backend };
    check::<Persons>(&cx).await?;
    check::<Venues>(&cx).await?;
    check::<Leads>(&cx).await?;
    check::<RiskItems>(&cx).await?;
    check::<Meetings>(&cx).await?;
    check::<LawyerReports>(&cx).await?;
    check::<Tasks>(&cx).await?;
    check::<AuditEntries>(&cx).await?;
    check::<Users>(&cx).await?;
    check::<OrgUnits>(&cx).await?;
    check::<Villages>(&cx).await?;
    check::<UnitReports>(&cx).await?;
    Ok(())
}

/// Reads the policy lines and checks that this test has a reading of every resource and atom.
fn policy_lines(access: &Access) -> Vec<Line> {
    let mut lines = Vec::new();
    for rule in access.rules() {
        let [role, town, resource, action, scope] = rule.as_slice() else {
            panic!("policy line {rule:?} must have five fields");
        };
        let (base, group) = match resource.split_once('.') {
            Some((base, group)) => (base, Some(group)),
            None => (resource.as_str(), None),
        };
        let known = known_atoms(base)
            .unwrap_or_else(|| panic!("policy line {rule:?}: this test has no reading of resource `{base}`"));
        let scope: Vec<String> = scope.split('&').map(|a| a.trim().to_owned()).collect();
        for atom in &scope {
            let ok = atom == "town" || (atom == "row" && group.is_some()) || known.contains(&atom.as_str());
            assert!(ok, "policy line {rule:?}: this test has no reading of scope `{atom}` on `{base}`");
        }
        lines.push(Line {
            role: role.clone(),
            town: town.clone(),
            resource: resource.clone(),
            action: action.clone(),
            scope,
        });
    }
    lines
}

/// A seed for a run that names none.
fn fresh_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now())
}

#[test]
fn the_sql_of_every_scope_admits_exactly_the_rows_access_md_admits() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let backend = TestDb::backend();
    let (test_db, db, access) = runtime.block_on(async {
        let test_db = TestDb::create().await;
        let db = pingan::db::connect(&test_db.url).await.expect("connect");
        pingan::db::migrate(&db).await.expect("migrate");
        (test_db, db, Access::load().await.expect("the committed policy loads"))
    });
    let lines = policy_lines(&access);

    // `Config::default()` reads the PROPTEST_* variables.
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 24;
    }
    if std::env::var_os("PROPTEST_MAX_SHRINK_ITERS").is_none() {
        config.max_shrink_iters = 64;
    }
    config.failure_persistence = None;
    let seed = match config.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => fresh_seed(),
    };
    config.rng_seed = RngSeed::Fixed(seed);
    let cases = config.cases;
    println!(
        "scopes ({backend}): {cases} random worlds, {} policy lines, seed {seed} (PROPTEST_RNG_SEED={seed} repeats it)",
        lines.len()
    );

    let stats = Stats::default();
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&plan(), |plan| {
        runtime.block_on(run_world(&db, &access, &lines, &plan, &stats, backend)).map_err(TestCaseError::fail)
    });
    let elapsed = started.elapsed();
    runtime.block_on(async {
        db.close().await.ok();
    });
    drop(test_db);

    let summary = format!(
        "scopes ({backend}): {} worlds run, {} viewers, {} SQL row decisions and {} in-memory row decisions compared \
         with access.md ({} queries) in {:.1} s",
        stats.worlds.get(),
        stats.viewers.get(),
        stats.sql_rows.get(),
        stats.memory_rows.get(),
        stats.queries.get(),
        elapsed.as_secs_f64()
    );
    println!("{summary}");
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, plan)) => {
            panic!("{reason}\n(seed {seed}, after shrinking; the world: {plan:?})")
        }
        Err(TestError::Abort(reason)) => panic!("aborted: {reason} (seed {seed})"),
    }
}
