//! The canary leak suite (access.md "no-leak rules").
//!
//! Canary records carry a unique marker in every confidential field. For every demo user the
//! suite walks the schema by introspection and runs every query field to depth 3 (connections
//! with `first: 100`, each field also under two aliases), then asks every single-id query
//! (`node`, `person`, …) for every id any user has seen. It fails when a marker the user may
//! not see appears anywhere in a response — data or errors — or when a marker the user may see
//! never appears. Nothing here names a field or type: new ones are walked automatically.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use entity::enums::{
    AttentionLevel, Gender, JudicialTag, LeadCategory, LeadEventKind, LeadSource, LeadStatus, LevelChangeKind,
    LevelChangeStatus, PersonCategory, RecordStatus, TalkKind, TaskEventKind, TaskKind, TaskStatus, TaskTargetType,
    VenueType,
};
use entity::{
    app_user, lead, lead_event, lead_subject, org_unit, person, person_category, person_incident, person_judicial_tag,
    person_talk, task, task_event, town, venue, venue_incident, venue_inspection, venue_level_change, village,
};
use pingan_tests::TestApp;
use pingan_tests::schema::{Schema, USERS, collect_ids};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

/// A canary person: where it lives and what makes it special.
struct Canary {
    key: &'static str,
    town: &'static str,
    village: &'static str,
    judicial: bool,
    umbrella_subject: bool,
}

const CANARIES: [Canary; 4] = [
    Canary { key: "P1", town: "清河镇", village: "东庄村", judicial: false, umbrella_subject: false },
    Canary { key: "P2", town: "清河镇", village: "西庄村", judicial: true, umbrella_subject: false },
    Canary { key: "P3", town: "清河镇", village: "南湾社区", judicial: false, umbrella_subject: true },
    Canary { key: "P4", town: "柳林镇", village: "柳林村", judicial: false, umbrella_subject: false },
];

fn marker(key: &str, group: &str) -> String {
    format!("CNRY{key}x{group}")
}

/// Which person groups a user may read on a canary, straight from access.md's persons table.
fn expected_groups(user: &str, c: &Canary) -> &'static [&'static str] {
    let qinghe = c.town == "清河镇";
    match user {
        "police" if qinghe => &["basic", "identity", "record", "notes"],
        "coord" if qinghe => &["basic", "identity", "record"],
        "sifa" if qinghe && c.judicial => &["basic", "identity", "record"],
        "dongzhuang" if c.village == "东庄村" => &["basic"],
        "xizhuang" if c.village == "西庄村" => &["basic"],
        "nanwan" if c.village == "南湾社区" => &["basic"],
        "jiwei" if qinghe && c.umbrella_subject => &["basic", "identity"],
        "liulin_police" if !qinghe => &["basic", "identity", "record", "notes"],
        "liulin_coord" if !qinghe => &["basic", "identity", "record"],
        _ => &[],
    }
}

const GROUPS: [&str; 4] = ["basic", "identity", "record", "notes"];

/// A canary venue: where it is.
struct VenueCanary {
    key: &'static str,
    town: &'static str,
    village: &'static str,
}

const VENUE_CANARIES: [VenueCanary; 2] = [
    VenueCanary { key: "V1", town: "清河镇", village: "东庄村" },
    VenueCanary { key: "V2", town: "柳林镇", village: "柳林村" },
];

/// Which venue groups a user may read on a canary, straight from access.md's venues table.
fn expected_venue_groups(user: &str, c: &VenueCanary) -> &'static [&'static str] {
    let qinghe = c.town == "清河镇";
    match user {
        "police" | "coord" if qinghe => &["basic", "contact", "record"],
        "dongzhuang" if c.village == "东庄村" => &["basic"],
        "xizhuang" if c.village == "西庄村" => &["basic"],
        "nanwan" if c.village == "南湾社区" => &["basic"],
        "liulin_police" | "liulin_coord" if !qinghe => &["basic", "contact", "record"],
        _ => &[],
    }
}

const VENUE_GROUPS: [&str; 3] = ["basic", "contact", "record"];

/// A canary lead: its town, receiving and assignee units, and whether it is an umbrella lead.
struct LeadCanary {
    key: &'static str,
    town: &'static str,
    receiving: &'static str,
    assignee: Option<&'static str>,
    umbrella: bool,
}

const LEAD_CANARIES: [LeadCanary; 6] = [
    LeadCanary { key: "L1", town: "清河镇", receiving: "东庄村", assignee: None, umbrella: false },
    LeadCanary {
        key: "L2", town: "清河镇", receiving: "清河派出所", assignee: Some("清河司法所"), umbrella: false
    },
    LeadCanary { key: "L3", town: "清河镇", receiving: "东庄村", assignee: None, umbrella: true },
    LeadCanary {
        key: "L4", town: "清河镇", receiving: "清河镇扫黑办", assignee: Some("清河镇纪委"), umbrella: true
    },
    LeadCanary { key: "L5", town: "清河镇", receiving: "清河镇扫黑办", assignee: None, umbrella: false },
    LeadCanary { key: "L6", town: "柳林镇", receiving: "柳林派出所", assignee: None, umbrella: false },
];

/// Which lead groups a user may read on a canary lead, from access.md's leads table.
fn expected_lead_groups(user: &str, c: &LeadCanary) -> &'static [&'static str] {
    let qinghe = c.town == "清河镇";
    let own_unit = match user {
        "coord" => "清河镇扫黑办",
        "jiwei" => "清河镇纪委",
        "police" => "清河派出所",
        "sifa" => "清河司法所",
        "dongzhuang" => "东庄村",
        "xizhuang" => "西庄村",
        "nanwan" => "南湾社区",
        "liulin_coord" => "柳林镇扫黑办",
        "liulin_police" => "柳林派出所",
        _ => "",
    };
    let received = c.receiving == own_unit;
    let assigned = c.assignee == Some(own_unit);
    match user {
        "coord" | "liulin_coord" if qinghe == (user == "coord") => match (c.umbrella, received) {
            (false, true) => &["submission", "handling", "reporter"],
            (false, false) => &["submission", "handling"],
            (true, _) => &[],
        },
        "jiwei" if qinghe && c.umbrella => &["submission", "handling", "reporter"],
        "police" | "sifa" | "liulin_police" if !c.umbrella => match (received, assigned) {
            (true, _) => &["submission", "handling", "reporter"],
            (false, true) => &["submission", "handling"],
            _ => &[],
        },
        "dongzhuang" | "xizhuang" | "nanwan" if received && !c.umbrella => &["submission", "reporter"],
        _ => &[],
    }
}

const LEAD_GROUPS: [&str; 3] = ["submission", "handling", "reporter"];

async fn plant_leads(db: &DatabaseConnection) {
    let now = Utc::now();
    for (i, c) in LEAD_CANARIES.iter().enumerate() {
        let town = town::Entity::find().filter(town::Column::Name.eq(c.town)).one(db).await.unwrap().unwrap();
        let unit = |name: &'static str| async move {
            org_unit::Entity::find()
                .filter(org_unit::Column::TownId.eq(town.id))
                .filter(org_unit::Column::Name.eq(name))
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let receiving = unit(c.receiving).await;
        let assignee = match c.assignee {
            Some(name) => Some(unit(name).await),
            None => None,
        };
        let id = Uuid::now_v7();
        let number = 9101 + i as i32;
        lead::ActiveModel {
            id: Set(id),
            town_id: Set(town.id),
            serial: Set(format!("2026-{number}")),
            serial_year: Set(2026),
            serial_number: Set(number),
            received_at: Set(now),
            source: Set(LeadSource::PublicReport),
            receiving_unit_id: Set(receiving),
            reporter_name: Set(Some(marker(c.key, "reporter"))),
            reporter_contact: Set(Some(marker(c.key, "reporter"))),
            category: Set(if c.umbrella { LeadCategory::ProtectiveUmbrella } else { LeadCategory::Vice }),
            involves_official: Set(c.umbrella),
            umbrella: Set(c.umbrella),
            summary: Set(marker(c.key, "submission")),
            content: Set(Some(marker(c.key, "submission"))),
            venue_id: Set(None),
            status: Set(if assignee.is_some() { LeadStatus::Verifying } else { LeadStatus::Registered }),
            assignee_unit_id: Set(assignee),
            responsible_leader: Set(assignee.map(|_| marker(c.key, "handling"))),
            responsible_person: Set(assignee.map(|_| marker(c.key, "handling"))),
            measures: Set(Some(marker(c.key, "handling"))),
            deadline: Set(None),
            transfer_due_at: Set(None),
            review_due_at: Set(None),
            county_answer: Set(None),
            conclusion: Set(Some(marker(c.key, "handling"))),
            concluded_at: Set(None),
            handed_over_from_lead_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        lead_subject::ActiveModel {
            id: Set(Uuid::now_v7()),
            lead_id: Set(id),
            person_id: Set(None),
            name: Set(Some(marker(c.key, "submission"))),
        }
        .insert(db)
        .await
        .unwrap();
        lead_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            lead_id: Set(id),
            kind: Set(LeadEventKind::Registered),
            actor_user_id: Set(None),
            actor_unit_id: Set(Some(receiving)),
            from_status: Set(None),
            to_status: Set(Some(LeadStatus::Registered)),
            note: Set(Some(marker(c.key, "handling"))),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
    }
}

/// A canary task: who it is assigned to, who created it, and whether its target is an umbrella
/// lead (then it is planted on canary lead L4).
struct TaskCanary {
    key: &'static str,
    town: &'static str,
    assignee: &'static str,
    creator: &'static str,
    on_umbrella_lead: bool,
}

const TASK_CANARIES: [TaskCanary; 3] = [
    TaskCanary {
        key: "T1", town: "清河镇", assignee: "东庄村", creator: "清河镇扫黑办", on_umbrella_lead: false
    },
    TaskCanary {
        key: "T2", town: "清河镇", assignee: "清河镇纪委", creator: "清河镇纪委", on_umbrella_lead: true
    },
    TaskCanary {
        key: "T3", town: "柳林镇", assignee: "柳林派出所", creator: "柳林镇扫黑办", on_umbrella_lead: false
    },
];

/// Whether a user may see a canary task (access.md "Supervision tasks"; tasks have no groups).
fn expected_task(user: &str, c: &TaskCanary) -> bool {
    let own_unit = match user {
        "coord" => "清河镇扫黑办",
        "jiwei" => "清河镇纪委",
        "police" => "清河派出所",
        "sifa" => "清河司法所",
        "dongzhuang" => "东庄村",
        "xizhuang" => "西庄村",
        "nanwan" => "南湾社区",
        "liulin_coord" => "柳林镇扫黑办",
        "liulin_police" => "柳林派出所",
        _ => return false,
    };
    let same_town = (c.town == "清河镇") != user.starts_with("liulin");
    same_town
        && (c.assignee == own_unit
            || c.creator == own_unit
            || (user.ends_with("coord") && !c.on_umbrella_lead)
            || (user == "jiwei" && c.on_umbrella_lead))
}

async fn plant_tasks(db: &DatabaseConnection) {
    let now = Utc::now();
    for c in &TASK_CANARIES {
        let town = town::Entity::find().filter(town::Column::Name.eq(c.town)).one(db).await.unwrap().unwrap();
        let unit = |name: &'static str| async move {
            org_unit::Entity::find()
                .filter(org_unit::Column::TownId.eq(town.id))
                .filter(org_unit::Column::Name.eq(name))
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let target = if c.on_umbrella_lead {
            lead::Entity::find().filter(lead::Column::Serial.eq("2026-9104")).one(db).await.unwrap().map(|l| l.id)
        } else {
            None
        };
        let id = Uuid::now_v7();
        task::ActiveModel {
            id: Set(id),
            town_id: Set(town.id),
            title: Set(marker(c.key, "task")),
            description: Set(Some(marker(c.key, "task"))),
            kind: Set(TaskKind::AdHoc),
            target_type: Set(target.map(|_| TaskTargetType::Lead)),
            target_id: Set(target),
            assignee_unit_id: Set(unit(c.assignee).await),
            assignee_user_id: Set(None),
            creating_unit_id: Set(unit(c.creator).await),
            created_by_user_id: Set(None),
            due_at: Set(now),
            listed: Set(false),
            status: Set(TaskStatus::Open),
            rule_key: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        task_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            task_id: Set(id),
            kind: Set(TaskEventKind::Feedback),
            actor_user_id: Set(None),
            actor_unit_id: Set(None),
            body: Set(Some(marker(c.key, "task"))),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
    }
}

/// A canary risk item: where it is, its category, and the unit it is assigned to, if any.
struct RiskCanary {
    key: &'static str,
    town: &'static str,
    village: &'static str,
    social_conflict: bool,
    assignee: Option<&'static str>,
}

const RISK_CANARIES: [RiskCanary; 3] = [
    RiskCanary { key: "R1", town: "清河镇", village: "东庄村", social_conflict: true, assignee: None },
    RiskCanary {
        key: "R2", town: "清河镇", village: "西庄村", social_conflict: false, assignee: Some("清河镇纪委")
    },
    RiskCanary { key: "R3", town: "柳林镇", village: "柳林村", social_conflict: false, assignee: None },
];

/// Which risk groups a user may read on a canary, straight from access.md's risk items table
/// (the territorial unit is the village's unit, the sector unit the assignee).
fn expected_risk_groups(user: &str, c: &RiskCanary) -> &'static [&'static str] {
    const ALL: &[&str] = &["basic", "detail", "parties"];
    let qinghe = c.town == "清河镇";
    match user {
        "coord" if qinghe => ALL,
        "liulin_coord" if !qinghe => ALL,
        "sifa" if qinghe && (c.social_conflict || c.assignee == Some("清河司法所")) => ALL,
        "police" if qinghe && (!c.social_conflict || c.assignee == Some("清河派出所")) => ALL,
        "liulin_police" if !qinghe && (!c.social_conflict || c.assignee == Some("柳林派出所")) => ALL,
        "jiwei" if c.assignee == Some("清河镇纪委") => &["basic", "detail"],
        "dongzhuang" if c.village == "东庄村" => ALL,
        "xizhuang" if c.village == "西庄村" => ALL,
        "nanwan" if c.village == "南湾社区" => ALL,
        _ => &[],
    }
}

const RISK_GROUPS: [&str; 3] = ["basic", "detail", "parties"];

async fn plant_risks(db: &DatabaseConnection) {
    use entity::enums::{EscalationLevel, RiskCategory, RiskEventKind, RiskLevel, RiskStatus};
    use entity::{risk_check, risk_event, risk_feedback, risk_item};
    let now = Utc::now();
    for c in &RISK_CANARIES {
        let town = town::Entity::find().filter(town::Column::Name.eq(c.town)).one(db).await.unwrap().unwrap();
        let unit = |name: &'static str| async move {
            org_unit::Entity::find()
                .filter(org_unit::Column::TownId.eq(town.id))
                .filter(org_unit::Column::Name.eq(name))
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .id
        };
        let village = village::Entity::find()
            .filter(village::Column::TownId.eq(town.id))
            .filter(village::Column::Name.eq(c.village))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let village_unit = unit(c.village).await;
        let assignee = match c.assignee {
            Some(name) => Some(unit(name).await),
            None => None,
        };
        let user =
            app_user::Entity::find().filter(app_user::Column::TownId.eq(town.id)).one(db).await.unwrap().unwrap();
        let detail = marker(c.key, "detail");
        let id = Uuid::now_v7();
        risk_item::ActiveModel {
            id: Set(id),
            town_id: Set(town.id),
            village_id: Set(village.id),
            grid: Set(Some(detail.clone())),
            title: Set(marker(c.key, "basic")),
            category: Set(if c.social_conflict {
                RiskCategory::SocialConflict
            } else {
                RiskCategory::PublicSafetyHazard
            }),
            level: Set(Some(RiskLevel::Medium)),
            location: Set(Some(detail.clone())),
            description: Set(detail.clone()),
            parties: Set(Some(marker(c.key, "parties"))),
            territorial_unit_id: Set(Some(village_unit)),
            sector_unit_id: Set(assignee),
            assignee_unit_id: Set(assignee),
            responsible_person: Set(Some(detail.clone())),
            plan: Set(Some(detail.clone())),
            status: Set(RiskStatus::Resolving),
            escalation_level: Set(EscalationLevel::Village),
            reported_by_unit_id: Set(village_unit),
            reported_by_user_id: Set(user.id),
            assessed_at: Set(Some(now)),
            feedback_due_at: Set(None),
            resolution_note: Set(Some(detail.clone())),
            resolved_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        risk_check::ActiveModel {
            id: Set(Uuid::now_v7()),
            risk_item_id: Set(id),
            checked_on: Set(now.date_naive()),
            note: Set(detail.clone()),
            user_id: Set(user.id),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        risk_feedback::ActiveModel {
            id: Set(Uuid::now_v7()),
            risk_item_id: Set(id),
            unit_id: Set(assignee.unwrap_or(village_unit)),
            user_id: Set(user.id),
            body: Set(detail.clone()),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        risk_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            risk_item_id: Set(id),
            kind: Set(RiskEventKind::Escalated),
            actor_user_id: Set(None),
            actor_unit_id: Set(Some(village_unit)),
            from_value: Set(None),
            to_value: Set(None),
            note: Set(Some(detail)),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
    }
}

async fn plant(db: &DatabaseConnection) {
    plant_leads(db).await;
    plant_risks(db).await;
    plant_tasks(db).await;
    let now = Utc::now();
    let today = now.date_naive();
    for (i, c) in CANARIES.iter().enumerate() {
        let town = town::Entity::find().filter(town::Column::Name.eq(c.town)).one(db).await.unwrap().unwrap();
        let village = village::Entity::find()
            .filter(village::Column::TownId.eq(town.id))
            .filter(village::Column::Name.eq(c.village))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let unit =
            org_unit::Entity::find().filter(org_unit::Column::TownId.eq(town.id)).one(db).await.unwrap().unwrap();
        let user =
            app_user::Entity::find().filter(app_user::Column::TownId.eq(town.id)).one(db).await.unwrap().unwrap();
        let id = Uuid::now_v7();
        person::ActiveModel {
            id: Set(id),
            town_id: Set(town.id),
            village_id: Set(village.id),
            name: Set(marker(c.key, "basic")),
            gender: Set(Gender::Male),
            birth_date: Set(chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()),
            id_number: Set(format!("{}{i}", marker(c.key, "identity"))),
            phone: Set(Some(marker(c.key, "identity"))),
            address: Set(Some(marker(c.key, "identity"))),
            attention_level: Set(AttentionLevel::Key),
            level_since: Set(today),
            responsible_officer_id: Set(None),
            listed_at: Set(today),
            status: Set(RecordStatus::Active),
            notes: Set(Some(marker(c.key, "notes"))),
            created_by_unit_id: Set(unit.id),
            link_of_person_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        person_category::ActiveModel { person_id: Set(id), category: Set(PersonCategory::Vice) }
            .insert(db)
            .await
            .unwrap();
        person_talk::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(id),
            talked_on: Set(today),
            officer_id: Set(user.id),
            kind: Set(TalkKind::Education),
            summary: Set(marker(c.key, "record")),
            recorded_by_user_id: Set(user.id),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        person_incident::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(id),
            occurred_on: Set(today),
            kind: Set(marker(c.key, "record")),
            summary: Set(marker(c.key, "record")),
            recorded_by_user_id: Set(user.id),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        if c.judicial {
            person_judicial_tag::ActiveModel {
                id: Set(Uuid::now_v7()),
                person_id: Set(id),
                tag: Set(JudicialTag::ReleasedPrisoner),
                release_date: Set(Some(today)),
                correction_end_date: Set(None),
                added_by_unit_id: Set(unit.id),
                created_at: Set(now),
            }
            .insert(db)
            .await
            .unwrap();
        }
        if c.umbrella_subject {
            let lead_id = Uuid::now_v7();
            lead::ActiveModel {
                id: Set(lead_id),
                town_id: Set(town.id),
                serial: Set("2026-9001".into()),
                serial_year: Set(2026),
                serial_number: Set(9001),
                received_at: Set(now),
                source: Set(LeadSource::PublicReport),
                receiving_unit_id: Set(unit.id),
                reporter_name: Set(None),
                reporter_contact: Set(None),
                category: Set(LeadCategory::ProtectiveUmbrella),
                involves_official: Set(true),
                umbrella: Set(true),
                summary: Set("canary umbrella lead".into()),
                content: Set(None),
                venue_id: Set(None),
                status: Set(LeadStatus::Registered),
                assignee_unit_id: Set(None),
                responsible_leader: Set(None),
                responsible_person: Set(None),
                measures: Set(None),
                deadline: Set(None),
                transfer_due_at: Set(None),
                review_due_at: Set(None),
                county_answer: Set(None),
                conclusion: Set(None),
                concluded_at: Set(None),
                handed_over_from_lead_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .unwrap();
            lead_subject::ActiveModel {
                id: Set(Uuid::now_v7()),
                lead_id: Set(lead_id),
                person_id: Set(Some(id)),
                name: Set(None),
            }
            .insert(db)
            .await
            .unwrap();
        }
    }
    for (i, c) in VENUE_CANARIES.iter().enumerate() {
        let town = town::Entity::find().filter(town::Column::Name.eq(c.town)).one(db).await.unwrap().unwrap();
        let village = village::Entity::find()
            .filter(village::Column::TownId.eq(town.id))
            .filter(village::Column::Name.eq(c.village))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let unit =
            org_unit::Entity::find().filter(org_unit::Column::TownId.eq(town.id)).one(db).await.unwrap().unwrap();
        let user =
            app_user::Entity::find().filter(app_user::Column::TownId.eq(town.id)).one(db).await.unwrap().unwrap();
        let id = Uuid::now_v7();
        venue::ActiveModel {
            id: Set(id),
            town_id: Set(town.id),
            village_id: Set(village.id),
            name: Set(marker(c.key, "basic")),
            venue_type: Set(VenueType::Entertainment),
            address: Set(marker(c.key, "basic")),
            licence_number: Set(Some(format!("{}{i}", marker(c.key, "contact")))),
            manager_name: Set(Some(marker(c.key, "contact"))),
            manager_phone: Set(Some(marker(c.key, "contact"))),
            attention_level: Set(AttentionLevel::Key),
            level_since: Set(today),
            listed_at: Set(today),
            status: Set(RecordStatus::Active),
            notes: Set(Some(marker(c.key, "record"))),
            created_by_unit_id: Set(unit.id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        venue_inspection::ActiveModel {
            id: Set(Uuid::now_v7()),
            venue_id: Set(id),
            inspected_on: Set(today),
            inspector_id: Set(user.id),
            findings: Set(marker(c.key, "record")),
            manager_talked: Set(true),
            recorded_by_user_id: Set(user.id),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        venue_incident::ActiveModel {
            id: Set(Uuid::now_v7()),
            venue_id: Set(id),
            occurred_on: Set(today),
            kind: Set(marker(c.key, "record")),
            summary: Set(marker(c.key, "record")),
            recorded_by_user_id: Set(user.id),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .unwrap();
        venue_level_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            venue_id: Set(id),
            kind: Set(LevelChangeKind::Initial),
            status: Set(LevelChangeStatus::Applied),
            to_level: Set(Some(AttentionLevel::Key)),
            reason: Set(marker(c.key, "record")),
            requested_by_user_id: Set(Some(user.id)),
            requested_by_unit_id: Set(Some(unit.id)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
}

/// Every canary marker, with whether `user` may see it (from the access.md tables above).
fn expectations(user: &str) -> Vec<(String, bool)> {
    fn groups(out: &mut Vec<(String, bool)>, key: &str, all: &[&str], allowed: &[&str]) {
        out.extend(all.iter().map(|g| (marker(key, g), allowed.contains(g))));
    }
    let mut out = Vec::new();
    for c in &CANARIES {
        groups(&mut out, c.key, &GROUPS, expected_groups(user, c));
    }
    for c in &VENUE_CANARIES {
        groups(&mut out, c.key, &VENUE_GROUPS, expected_venue_groups(user, c));
    }
    for c in &LEAD_CANARIES {
        groups(&mut out, c.key, &LEAD_GROUPS, expected_lead_groups(user, c));
    }
    for c in &RISK_CANARIES {
        groups(&mut out, c.key, &RISK_GROUPS, expected_risk_groups(user, c));
    }
    for c in &TASK_CANARIES {
        out.push((marker(c.key, "task"), expected_task(user, c)));
    }
    out
}

#[tokio::test]
async fn no_role_ever_receives_a_value_it_may_not_see() {
    let app = TestApp::spawn().await;
    plant(&app.state.db).await;
    // Tasks the rules raise over the canaries are walked like every other task.
    let swept = pingan::rules::sweep_all(&app.state.db, &app.state.task_events, Utc::now()).await.unwrap();
    assert!(!swept.raised.is_empty(), "the canaries owe duties the rules raise tasks for");
    let mut tokens = BTreeMap::new();
    for user in USERS {
        tokens.insert(user, app.login(user).await);
    }
    let schema = Schema::load(&app, &tokens["police"]).await;

    // Phase 1: every argument-free query field (required arguments come in phase 2), twice
    // under aliases, as every user.
    let mut bodies: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut id_queries = Vec::new();
    let mut runs = 0usize;
    for field in schema.query_fields() {
        let name = field["name"].as_str().unwrap();
        let required = Schema::required_args(field);
        // Argument rules for required arguments that are not a single id: a month is this month.
        let month_only = required.len() == 1 && required[0]["name"] == "month";
        if !required.is_empty() && !month_only {
            if required.len() == 1 && Schema::named(&required[0]["type"]).1 == "ID" {
                id_queries.push((name.to_owned(), required[0]["name"].as_str().unwrap().to_owned(), field));
            } else if name == "labels" {
                // Reference data; checked by its own tests.
            } else {
                panic!("the canary suite does not know how to call {name}: give it an argument rule");
            }
            continue;
        }
        let args = if month_only {
            format!("(month: \"{}\")", Utc::now().format("%Y-%m"))
        } else if Schema::has_arg(field, "first") {
            "(first: 100)".to_owned()
        } else {
            String::new()
        };
        let (kind, inner) = Schema::named(&field["type"]);
        let selection = if kind == "SCALAR" || kind == "ENUM" {
            String::new()
        } else {
            format!("{{ {} }}", schema.selection(inner, 1))
        };
        let query = format!("{{ a: {name}{args} {selection} b: {name}{args} {selection} }}");
        for user in USERS {
            let body = app.gql(Some(&tokens[user]), &query, json!({})).await;
            collect_ids(&body, &mut ids);
            bodies.entry(user).or_default().push(body.to_string());
            runs += 1;
        }
    }

    // Phase 2: every single-id query for every id anyone has seen.
    for (name, arg, field) in &id_queries {
        let (kind, inner) = Schema::named(&field["type"]);
        let selection = if kind == "SCALAR" || kind == "ENUM" {
            String::new()
        } else {
            format!("{{ {} }}", schema.selection(inner, 1))
        };
        let query = format!("query($id: ID!) {{ {name}({arg}: $id) {selection} }}");
        for user in USERS {
            for id in &ids {
                let body = app.gql(Some(&tokens[user]), &query, json!({ "id": id })).await;
                bodies.entry(user).or_default().push(body.to_string());
                runs += 1;
            }
        }
    }

    let mut failures = Vec::new();
    for user in USERS {
        let seen = bodies[user].join("\n");
        for (m, allowed) in expectations(user) {
            match (allowed, seen.contains(&m)) {
                (false, true) => failures.push(format!("LEAK: {user} received {m}")),
                (true, false) => failures.push(format!("MISSING: {user} never received {m}")),
                _ => {}
            }
        }
    }
    println!(
        "canary suite: {} users x {} query fields ({} single-id queries over {} ids) = {runs} requests",
        USERS.len(),
        schema.query_fields().len(),
        id_queries.len(),
        ids.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every export, in both formats, as every user: no marker the user may not see, and the
/// persons' names a user may read are there (so the check reads real files).
#[tokio::test]
async fn no_export_holds_a_value_the_role_may_not_see() {
    use pingan_tests::sheets::{download, rows};
    let app = TestApp::spawn().await;
    plant(&app.state.db).await;
    let mut failures = Vec::new();
    for user in USERS {
        let token = app.login(user).await;
        let mut text = String::new();
        for file in ["persons", "venues", "leads", "risk-items", "tasks"] {
            for ext in ["csv", "xlsx"] {
                let path = format!("/export/{file}.{ext}");
                let (status, body) = download(&app, Some(&token), &path).await;
                match status {
                    200 => text.push_str(&rows(&path, &body).concat().join("|")),
                    403 => text.push_str(&String::from_utf8_lossy(&body)),
                    other => panic!("{user} {path}: status {other}"),
                }
            }
        }
        for (marker, allowed) in expectations(user) {
            if !allowed && text.contains(&marker) {
                failures.push(format!("{user} downloaded {marker}"));
            }
            if allowed && marker.ends_with("xbasic") && marker.starts_with("CNRYP") && !text.contains(&marker) {
                failures.push(format!("{user} may read {marker} but no export holds it"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
