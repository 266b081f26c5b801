//! The kept counts the dashboard, the monthly report and the task lists read (`record_tally`,
//! `task_tally`, `lead_month_tally`): after a seeded world's batches and after rows are inserted,
//! moved between keys and deleted, the counts equal a count of the rows themselves; and every
//! demo user's figures read from them equal the same figures counted from its own lists.

use std::collections::BTreeMap;

use entity::enums::{AttentionLevel, EscalationLevel, RecordStatus, RiskLevel, RiskStatus};
use entity::{lead, person, record_tally, risk_item, venue};
use pingan_tests::TestDb;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

type Key = (uuid::Uuid, String, String, String, String);

/// The kept counts, keys with rows only.
async fn kept(conn: &DatabaseConnection) -> BTreeMap<Key, i64> {
    record_tally::Entity::find()
        .all(conn)
        .await
        .expect("tallies")
        .into_iter()
        .filter(|t| t.n != 0)
        .map(|t| ((t.town_id, t.record, t.a, t.b, t.c), t.n))
        .collect()
}

/// The same counts, counted from the rows.
async fn counted(conn: &DatabaseConnection) -> BTreeMap<Key, i64> {
    let mut out = BTreeMap::new();
    let mut add = |town, record: &str, a: String, b: String, c: String| {
        *out.entry((town, record.to_owned(), a, b, c)).or_insert(0) += 1;
    };
    for p in person::Entity::find().all(conn).await.expect("persons") {
        add(p.town_id, "person", p.attention_level.to_value(), p.status.to_value(), String::new());
    }
    for v in venue::Entity::find().all(conn).await.expect("venues") {
        add(v.town_id, "venue", v.attention_level.to_value(), v.status.to_value(), String::new());
    }
    for l in lead::Entity::find().all(conn).await.expect("leads") {
        let umbrella = if l.umbrella { record_tally::UMBRELLA } else { record_tally::NOT_UMBRELLA };
        add(l.town_id, "lead", umbrella.to_owned(), l.status.to_value(), String::new());
    }
    for r in risk_item::Entity::find().all(conn).await.expect("risk items") {
        let level = r.level.map(|l| l.to_value()).unwrap_or_default();
        add(r.town_id, "risk_item", level, r.status.to_value(), r.escalation_level.to_value());
    }
    out
}

#[tokio::test]
async fn kept_counts_equal_the_rows_after_a_seed_and_after_rows_move_between_keys() {
    let (_db, conn) = TestDb::seeded(300).await;
    let after_seed = counted(&conn).await;
    assert!(after_seed.keys().any(|k| k.1 == "risk_item" && k.2.is_empty()), "an unassessed risk item");
    assert!(after_seed.keys().any(|k| k.1 == "lead" && k.2 == record_tally::UMBRELLA), "an umbrella lead");
    assert_eq!(kept(&conn).await, after_seed);

    // Updates that move rows between keys, one that moves none, and one of another column.
    let persons = person::Entity::find().order_by_asc(person::Column::Id).all(&conn).await.expect("persons");
    let mut moved = persons[0].clone().into_active_model();
    moved.attention_level = Set(AttentionLevel::Special);
    moved.status = Set(RecordStatus::Delisted);
    moved.update(&conn).await.expect("move a person");
    let mut same = persons[1].clone().into_active_model();
    same.attention_level = Set(persons[1].attention_level);
    same.update(&conn).await.expect("rewrite a person's key unchanged");
    let mut named = persons[2].clone().into_active_model();
    named.name = Set(format!("{}·", persons[2].name));
    named.update(&conn).await.expect("rename a person");
    person::Entity::update_many()
        .col_expr(person::Column::AttentionLevel, sea_orm::sea_query::Expr::value(AttentionLevel::Key.to_value()))
        .filter(person::Column::Id.is_in(persons.iter().skip(3).take(40).map(|p| p.id)))
        .exec(&conn)
        .await
        .expect("move forty persons");
    let venues = venue::Entity::find().order_by_asc(venue::Column::Id).all(&conn).await.expect("venues");
    let mut delisted = venues[0].clone().into_active_model();
    delisted.status = Set(RecordStatus::Delisted);
    delisted.update(&conn).await.expect("delist a venue");
    let leads = lead::Entity::find().order_by_asc(lead::Column::Id).all(&conn).await.expect("leads");
    for l in leads.iter().take(3) {
        let mut flipped = l.clone().into_active_model();
        flipped.umbrella = Set(!l.umbrella);
        flipped.update(&conn).await.expect("flip a lead's umbrella flag");
    }
    let risks = risk_item::Entity::find().order_by_asc(risk_item::Column::Id).all(&conn).await.expect("risks");
    for (i, r) in risks.iter().take(4).enumerate() {
        let mut changed = r.clone().into_active_model();
        changed.level = Set(if i % 2 == 0 { None } else { Some(RiskLevel::High) });
        changed.status = Set(RiskStatus::Resolved);
        changed.escalation_level = Set(EscalationLevel::District);
        changed.update(&conn).await.expect("move a risk item");
    }

    // A row inserted and one deleted.
    let mut copy = persons[5].clone();
    copy.id = uuid::Uuid::now_v7();
    copy.id_number = format!("{}X", &copy.id_number[..17]);
    copy.link_of_person_id = None;
    let copy = copy.into_active_model().reset_all().insert(&conn).await.expect("insert a person");
    let mut extra = copy.clone();
    extra.id = uuid::Uuid::now_v7();
    extra.name = format!("{}二", copy.name);
    extra.id_number = format!("{}Y", &copy.id_number[..17]);
    let extra = extra.into_active_model().reset_all().insert(&conn).await.expect("insert another");
    person::Entity::delete_by_id(extra.id).exec(&conn).await.expect("delete it");

    let now = counted(&conn).await;
    assert_ne!(now, after_seed, "the changes moved some counts");
    assert_eq!(kept(&conn).await, now);
    conn.close().await.ok();
}

/// A write that deadlocks on the kept counts (PostgreSQL rolls one transaction back) is answered
/// `UNAVAILABLE`, HTTP 503 with `Retry-After`, like any outage the same request may outlive; it
/// writes nothing, and the counts still equal the rows.
#[tokio::test]
async fn a_write_rolled_back_by_a_deadlock_is_unavailable_and_writes_nothing() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    use serde_json::json;
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: a deadlock needs two writers holding row locks; SQLite has one writer at a time");
        return;
    }
    let app = pingan_tests::TestApp::spawn().await;
    let police = app.login("police").await;
    let villages = app.gql(Some(&police), "{ villages { id } }", json!({})).await;
    let id_number = pingan_tests::id_for("19900307", "417");
    let input = json!({ "name": "死锁", "idNumber": id_number, "villageId": villages["data"]["villages"][0]["id"],
                        "attentionLevel": "KEY", "categories": ["VICE"] });

    // Another writer holds every person count of every town, and waits long before it looks for
    // a deadlock itself, so the server's transaction is the one PostgreSQL rolls back.
    let other = pingan::db::connect(&app.db.url).await.expect("connect");
    let txn = other.begin().await.expect("begin");
    txn.execute_unprepared("SET LOCAL deadlock_timeout = '30s'").await.unwrap();
    txn.execute_unprepared("UPDATE record_tally SET n = n WHERE record = 'person'").await.unwrap();

    // The server inserts the person, then waits for the count's row ...
    let query = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }";
    let request = app.client.post(app.url("/graphql")).bearer_auth(&police);
    let answer = tokio::spawn(request.json(&json!({ "query": query, "variables": { "input": input } })).send());
    let town = entity::town::Entity::find()
        .filter(entity::town::Column::Name.eq("清河镇"))
        .one(&other)
        .await
        .unwrap()
        .expect("the police's town");
    let waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO%person%'";
    for _ in 0..100 {
        let row = other.query_one_raw(sea_orm::Statement::from_string(other.get_database_backend(), waiting)).await;
        if row.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // ... while this writer inserts the same national ID in the same town, so it waits for the
    // server's transaction: a cycle.
    let same = format!(
        "INSERT INTO person (id, town_id, village_id, name, gender, birth_date, id_number, attention_level, \
         level_since, responsible_officer_id, listed_at, status, notes, created_by_unit_id, link_of_person_id, \
         version, created_at, updated_at) \
         SELECT gen_random_uuid(), town_id, village_id, name, gender, birth_date, '{id_number}', attention_level, \
         level_since, responsible_officer_id, listed_at, status, notes, created_by_unit_id, NULL, 1, now(), now() \
         FROM person WHERE town_id = '{}' LIMIT 1",
        town.id
    );
    txn.execute_unprepared(&same).await.expect("the other writer goes on once the server's transaction is rolled back");
    let response = answer.await.unwrap().expect("an answer");
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(pingan_tests::error_code(&body), Some("UNAVAILABLE"), "{body}");
    txn.rollback().await.unwrap();

    let written = person::Entity::find().filter(person::Column::IdNumber.eq(id_number)).all(&other).await.unwrap();
    assert!(written.is_empty(), "nothing of the rolled-back write is left");
    assert_eq!(kept(&other).await, counted(&other).await);
}

type TaskKey = (uuid::Uuid, String, uuid::Uuid, uuid::Uuid, Option<uuid::Uuid>, bool);

/// The kept task counts (`task_tally`), keys with tasks only; no assignee user as `None`.
async fn kept_tasks(conn: &DatabaseConnection) -> BTreeMap<TaskKey, i64> {
    entity::task_tally::Entity::find()
        .all(conn)
        .await
        .expect("task tallies")
        .into_iter()
        .filter(|t| t.n != 0)
        .map(|t| {
            let user = (!t.assignee_user_id.is_nil()).then_some(t.assignee_user_id);
            ((t.town_id, t.status.to_value(), t.assignee_unit_id, t.creating_unit_id, user, t.umbrella), t.n)
        })
        .collect()
}

/// (town, status, due hour in UTC, assignee unit, creating unit, umbrella).
type DueKey = (uuid::Uuid, String, chrono::DateTime<chrono::Utc>, uuid::Uuid, uuid::Uuid, bool);

/// The kept task counts by due hour (`task_due_tally`), keys with tasks only.
async fn kept_due_tasks(conn: &DatabaseConnection) -> BTreeMap<DueKey, i64> {
    entity::task_due_tally::Entity::find()
        .all(conn)
        .await
        .expect("task due tallies")
        .into_iter()
        .filter(|t| t.n != 0)
        .map(|t| {
            ((t.town_id, t.status.to_value(), t.due_hour, t.assignee_unit_id, t.creating_unit_id, t.umbrella), t.n)
        })
        .collect()
}

/// Every task with whether its target is an umbrella lead or meeting, read from the lead or meeting.
async fn tasks_with_flag(conn: &DatabaseConnection) -> Vec<(entity::task::Model, bool)> {
    use entity::enums::TaskTargetType;
    let umbrella_leads: Vec<uuid::Uuid> = lead::Entity::find()
        .filter(lead::Column::Umbrella.eq(true))
        .all(conn)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    let umbrella_meetings: Vec<uuid::Uuid> = entity::meeting::Entity::find()
        .filter(entity::meeting::Column::Umbrella.eq(true))
        .all(conn)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let tasks = entity::task::Entity::find().all(conn).await.expect("tasks");
    tasks
        .into_iter()
        .map(|t| {
            let umbrella = match (t.target_type, t.target_id) {
                (Some(TaskTargetType::Lead), Some(id)) => umbrella_leads.contains(&id),
                (Some(TaskTargetType::Meeting), Some(id)) => umbrella_meetings.contains(&id),
                _ => false,
            };
            (t, umbrella)
        })
        .collect()
}

/// The same counts as [`kept_tasks`] from the tasks.
async fn counted_tasks(conn: &DatabaseConnection) -> BTreeMap<TaskKey, i64> {
    let mut out = BTreeMap::new();
    for (t, umbrella) in tasks_with_flag(conn).await {
        let key =
            (t.town_id, t.status.to_value(), t.assignee_unit_id, t.creating_unit_id, t.assignee_user_id, umbrella);
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// The same counts as [`kept_due_tasks`] from the tasks.
async fn counted_due_tasks(conn: &DatabaseConnection) -> BTreeMap<DueKey, i64> {
    let mut out = BTreeMap::new();
    for (t, umbrella) in tasks_with_flag(conn).await {
        let hour = chrono::DurationRound::duration_trunc(t.due_at, chrono::Duration::hours(1)).unwrap();
        let key = (t.town_id, t.status.to_value(), hour, t.assignee_unit_id, t.creating_unit_id, umbrella);
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

#[tokio::test]
async fn kept_task_counts_equal_the_tasks_after_a_seed_and_after_tasks_and_their_targets_change() {
    use entity::enums::{TaskStatus, TaskTargetType};
    use entity::{app_user, meeting, task};
    let (_db, conn) = TestDb::seeded(300).await;
    let after_seed = counted_tasks(&conn).await;
    assert!(after_seed.keys().any(|k| k.5), "a task on an umbrella lead or meeting");
    assert_eq!(kept_tasks(&conn).await, after_seed);
    let due_after_seed = counted_due_tasks(&conn).await;
    assert_eq!(kept_due_tasks(&conn).await, due_after_seed);

    // Tasks moved between keys: a status, a unit, a user given and taken off, one of another column.
    let tasks = task::Entity::find().order_by_asc(task::Column::Id).all(&conn).await.expect("tasks");
    let mut done = tasks[0].clone().into_active_model();
    done.status = Set(TaskStatus::Accepted);
    done.update(&conn).await.expect("accept a task");
    let mut moved = tasks[1].clone().into_active_model();
    moved.assignee_unit_id = Set(tasks[2].assignee_unit_id);
    moved.creating_unit_id = Set(tasks[2].assignee_unit_id);
    moved.update(&conn).await.expect("hand a task to another unit");
    let user = app_user::Entity::find().one(&conn).await.unwrap().unwrap();
    for (i, t) in tasks.iter().skip(6).take(2).enumerate() {
        let mut personal = t.clone().into_active_model();
        personal.assignee_user_id = Set(Some(user.id));
        let personal = personal.update(&conn).await.expect("assign a task to a user");
        if i == 1 {
            let mut unassigned = personal.into_active_model();
            unassigned.assignee_user_id = Set(None);
            unassigned.update(&conn).await.expect("take a task off its user");
        }
    }
    let mut titled = tasks[3].clone().into_active_model();
    titled.title = Set(format!("{}·", tasks[3].title));
    titled.update(&conn).await.expect("retitle a task");
    // Due later: two days on (another hour's key), and earlier within its hour.
    let mut postponed = tasks[8].clone().into_active_model();
    postponed.due_at = Set(tasks[8].due_at + chrono::Duration::days(2));
    postponed.update(&conn).await.expect("postpone a task");
    let its_hour = chrono::DurationRound::duration_trunc(tasks[9].due_at, chrono::Duration::hours(1)).unwrap();
    let mut earlier = tasks[9].clone().into_active_model();
    earlier.due_at = Set(its_hour);
    earlier.update(&conn).await.expect("move a task within its hour");
    // Due in the last instant of its hour: the hour is the text's own, not rounded to the next.
    let last_instant = its_hour + chrono::Duration::hours(1) - chrono::Duration::microseconds(300);
    let mut at_the_hour = tasks[10].clone().into_active_model();
    at_the_hour.due_at = Set(last_instant);
    at_the_hour.update(&conn).await.expect("make a task due in its hour's last instant");

    // Targets whose umbrella flag flips: every lead with a task on it, and a meeting with one.
    let on_leads: Vec<uuid::Uuid> =
        tasks.iter().filter(|t| t.target_type == Some(TaskTargetType::Lead)).filter_map(|t| t.target_id).collect();
    assert!(!on_leads.is_empty(), "tasks on leads");
    for l in
        lead::Entity::find().filter(lead::Column::Id.is_in(on_leads.iter().take(6).copied())).all(&conn).await.unwrap()
    {
        let mut flipped = l.clone().into_active_model();
        flipped.umbrella = Set(!l.umbrella);
        flipped.update(&conn).await.expect("flip a lead's umbrella flag");
    }
    let on_meeting = tasks.iter().find(|t| t.target_type == Some(TaskTargetType::Meeting)).expect("a meeting's task");
    let m = meeting::Entity::find_by_id(on_meeting.target_id.unwrap()).one(&conn).await.unwrap().unwrap();
    let mut flipped = m.clone().into_active_model();
    flipped.umbrella = Set(!m.umbrella);
    flipped.update(&conn).await.expect("flip a meeting's umbrella flag");

    // A task inserted on an umbrella lead, for a user, and one inserted and deleted.
    let umbrella = lead::Entity::find().filter(lead::Column::Umbrella.eq(true)).one(&conn).await.unwrap().unwrap();
    let mut new = tasks[4].clone();
    new.id = uuid::Uuid::now_v7();
    new.town_id = umbrella.town_id;
    new.rule_key = None;
    new.target_type = Some(TaskTargetType::Lead);
    new.target_id = Some(umbrella.id);
    new.assignee_user_id = Some(user.id);
    new.into_active_model().reset_all().insert(&conn).await.expect("insert a task");
    let mut gone = tasks[5].clone();
    gone.id = uuid::Uuid::now_v7();
    gone.rule_key = None;
    let gone = gone.into_active_model().reset_all().insert(&conn).await.expect("insert another");
    task::Entity::delete_by_id(gone.id).exec(&conn).await.expect("delete it");

    let now = counted_tasks(&conn).await;
    assert_ne!(now, after_seed, "the changes moved some counts");
    assert_eq!(kept_tasks(&conn).await, now);
    let due_now = counted_due_tasks(&conn).await;
    assert_ne!(due_now, due_after_seed, "the changes moved some counts by due hour");
    assert_eq!(kept_due_tasks(&conn).await, due_now);
    conn.close().await.ok();
}

/// Every task figure read from the kept counts equals the same figure counted over the rows (a
/// list with a filter is counted over the rows), for every demo user, before and after a lead
/// with tasks on it becomes an umbrella lead.
#[tokio::test]
async fn every_viewers_task_figures_from_kept_counts_equal_its_lists() {
    use serde_json::{Value, json};
    let app = pingan_tests::TestApp::spawn().await;
    let users =
        ["coord", "jiwei", "police", "sifa", "dongzhuang", "xizhuang", "nanwan", "liulin_coord", "liulin_police"];
    let statuses = ["OPEN", "IN_PROGRESS", "SUBMITTED", "ACCEPTED", "CANCELLED"];
    let total = |token: String, list: &'static str, filter: Value| {
        let app = &app;
        async move {
            let query = format!("query($f: TaskFilter) {{ {list}(filter: $f, first: 1) {{ totalCount }} }}");
            let body = app.gql(Some(&token), &query, json!({ "f": filter })).await;
            body["data"][list]["totalCount"].as_i64().unwrap_or_else(|| panic!("{list}: {body}"))
        }
    };
    let check = |when: &'static str| {
        let app = &app;
        async move {
            for user in users {
                let token = app.login(user).await;
                for list in ["tasks", "myTasks"] {
                    let kept = total(token.clone(), list, Value::Null).await;
                    let counted = total(token.clone(), list, json!({ "status": statuses })).await;
                    assert_eq!(kept, counted, "{when}: {user}'s {list}");
                }
                let query = "{ dashboard { tasks { status count } overdueTasksByUnit { unit { id } count } } }";
                let body = app.gql(Some(&token), query, json!({})).await;
                let board = &body["data"]["dashboard"];
                for status in statuses {
                    let kept = board["tasks"].as_array().unwrap().iter().find(|c| c["status"] == status);
                    let kept = kept.map_or(0, |c| c["count"].as_i64().unwrap());
                    let counted = total(token.clone(), "tasks", json!({ "status": [status] })).await;
                    assert_eq!(kept, counted, "{when}: {user}'s {status} tasks");
                }
                let units = app.gql(Some(&token), "{ orgUnits { id } }", json!({})).await;
                for unit in units["data"]["orgUnits"].as_array().unwrap() {
                    let kept =
                        board["overdueTasksByUnit"].as_array().unwrap().iter().find(|c| c["unit"]["id"] == unit["id"]);
                    let kept = kept.map_or(0, |c| c["count"].as_i64().unwrap());
                    let filter = json!({ "assigneeUnitId": unit["id"], "overdue": true });
                    assert_eq!(kept, total(token.clone(), "tasks", filter).await, "{when}: {user}'s overdue tasks");
                }
            }
        }
    };
    check("the demo").await;
    let on_leads = entity::task::Entity::find()
        .filter(entity::task::Column::TargetType.eq(entity::enums::TaskTargetType::Lead))
        .all(&app.state.db)
        .await
        .unwrap();
    let on_plain: Vec<uuid::Uuid> = on_leads.iter().filter_map(|t| t.target_id).collect();
    let plain = lead::Entity::find()
        .filter(lead::Column::Id.is_in(on_plain))
        .filter(lead::Column::Umbrella.eq(false))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(!plain.is_empty(), "the demo has tasks on ordinary leads");
    for l in plain {
        let mut marked = l.into_active_model();
        marked.umbrella = Set(true);
        marked.update(&app.state.db).await.unwrap();
    }
    // Open tasks due earlier in this hour (overdue, counted one by one), later in this hour, in
    // the next hour and tomorrow (the kept counts by due hour from this hour on).
    let now = chrono::Utc::now();
    let open = entity::task::Entity::find()
        .filter(entity::task::Column::Status.eq(entity::enums::TaskStatus::Open))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(open.len() >= 4, "the demo has open tasks");
    let hour = chrono::DurationRound::duration_trunc(now, chrono::Duration::hours(1)).unwrap();
    let to_next_hour = hour + chrono::Duration::hours(1) - now;
    // Halfway to the next hour, unless it is too near for the checks to finish before the task is due.
    let later_this_hour = if to_next_hour > chrono::Duration::minutes(10) {
        now + to_next_hour / 2
    } else {
        now + chrono::Duration::minutes(30)
    };
    let dues = [
        hour + (now - hour) / 2,
        later_this_hour,
        hour + chrono::Duration::hours(1) + chrono::Duration::minutes(17),
        now + chrono::Duration::days(1),
    ];
    for (t, due) in open.into_iter().zip(dues) {
        let mut moved = t.into_active_model();
        moved.due_at = Set(due);
        moved.update(&app.state.db).await.unwrap();
    }
    check("after leads with tasks became umbrella leads and tasks moved due").await;
}

/// The open tasks due before a moment, by unit, read from the kept counts by due hour
/// ([`task::open_due_before`]), equal for every demo user the open tasks of its own list due
/// before it, at the edges of an hour: the moment on the hour (a month's end), a microsecond
/// into it and the hour's last microsecond, with tasks due a microsecond either side of each.
#[tokio::test]
async fn open_tasks_due_before_a_moment_equal_each_viewers_list_at_the_edges_of_an_hour() {
    use pingan::access::page::PageArgs;
    use pingan::access::resource::Tasks;
    use pingan::access::store::{Sort, Store};
    use pingan::access::stores::task;
    let app = pingan_tests::TestApp::spawn().await;
    let db = &app.state.db;
    let us = chrono::Duration::microseconds(1);
    let in_three_days = chrono::Utc::now() + chrono::Duration::days(3);
    let hour = chrono::DurationRound::duration_trunc(in_three_days, chrono::Duration::hours(1)).unwrap();
    let last = hour + chrono::Duration::hours(1) - us;
    let dues = [hour - us, hour, hour + us, hour + chrono::Duration::minutes(17), last - us, last, last + us];
    let open = entity::task::Entity::find()
        .filter(entity::task::Column::Status.eq(entity::enums::TaskStatus::Open))
        .order_by_asc(entity::task::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert!(open.len() >= dues.len(), "the demo has open tasks");
    for (t, due) in open.into_iter().zip(dues) {
        let mut moved = t.into_active_model();
        moved.due_at = Set(due);
        moved.update(db).await.unwrap();
    }
    let mut checked = 0;
    for viewer in pingan_tests::viewers(&app).await {
        let store = Store::new(&app.state.access, &viewer);
        let who = viewer.username.as_str();
        let mut listed = Vec::new();
        let mut args = PageArgs::forward(100, None);
        loop {
            let Ok(page) = store.list::<Tasks>(db, Default::default(), Sort::default(), &args).await else { break };
            listed.extend(page.models().into_iter().cloned());
            if !page.has_next {
                break;
            }
            args = PageArgs::forward(100, page.rows().last().map(|(place, _)| place.cursor()));
        }
        for cut in [hour, hour + us, last] {
            let mut expected = BTreeMap::new();
            for t in listed.iter().filter(|t| !task::CLOSED.contains(&t.status) && t.due_at < cut) {
                *expected.entry(t.assignee_unit_id).or_insert(0i64) += 1;
            }
            let kept: BTreeMap<uuid::Uuid, i64> = match task::open_due_before(&store, db, cut, None).await {
                Ok(by_unit) => by_unit.into_iter().collect(),
                Err(e) => {
                    assert!(listed.is_empty(), "{who}: refused though it lists tasks: {e:?}");
                    continue;
                }
            };
            assert_eq!(kept, expected, "{who}: open tasks due before {cut}");
            checked += expected.values().sum::<i64>();
        }
    }
    assert!(checked > 0, "some viewer has overdue tasks at those moments");
}

/// (town, umbrella, receiving unit, assignee unit, category, handed on, event, month).
type MonthKey = (uuid::Uuid, bool, uuid::Uuid, uuid::Uuid, String, bool, String, String);

/// The kept monthly lead counts (`lead_month_tally`), keys with leads only.
async fn kept_lead_months(conn: &DatabaseConnection) -> BTreeMap<MonthKey, i64> {
    entity::lead_month_tally::Entity::find()
        .all(conn)
        .await
        .expect("lead month tallies")
        .into_iter()
        .filter(|t| t.n != 0)
        .map(|t| {
            let key = (t.town_id, t.umbrella, t.receiving_unit_id, t.assignee_unit_id, t.category, t.handed_on);
            ((key.0, key.1, key.2, key.3, key.4, key.5, t.event, t.month), t.n)
        })
        .collect()
}

/// (town, umbrella, receiving unit, assignee unit, event, month).
type UnitMonthKey = (uuid::Uuid, bool, uuid::Uuid, uuid::Uuid, String, String);

/// The kept monthly lead counts by the policy's columns alone (`lead_unit_month_tally`), keys with
/// leads only.
async fn kept_unit_lead_months(conn: &DatabaseConnection) -> BTreeMap<UnitMonthKey, i64> {
    entity::lead_unit_month_tally::Entity::find()
        .all(conn)
        .await
        .expect("lead unit month tallies")
        .into_iter()
        .filter(|t| t.n != 0)
        .map(|t| ((t.town_id, t.umbrella, t.receiving_unit_id, t.assignee_unit_id, t.event, t.month), t.n))
        .collect()
}

/// The counts of [`counted_lead_months`] summed over category and hand-on, receipts and
/// conclusions only: what `lead_unit_month_tally` keeps.
fn by_unit(months: &BTreeMap<MonthKey, i64>) -> BTreeMap<UnitMonthKey, i64> {
    let mut out = BTreeMap::new();
    for ((town, umbrella, receiving, assignee, _, _, event, month), n) in months {
        if event != entity::lead_month_tally::REGISTERED {
            let key = (*town, *umbrella, *receiving, *assignee, event.clone(), month.clone());
            *out.entry(key).or_insert(0) += n;
        }
    }
    out
}

/// The same counts from the leads, each month in the town's time (UTC+8): every lead's receipt,
/// each concluded lead's conclusion, each umbrella lead's registration.
async fn counted_lead_months(conn: &DatabaseConnection) -> BTreeMap<MonthKey, i64> {
    use entity::enums::LeadStatus;
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let month = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&zone).format("%Y-%m").to_string();
    let mut out = BTreeMap::new();
    for l in lead::Entity::find().all(conn).await.expect("leads") {
        let unit = l.assignee_unit_id.unwrap_or_else(uuid::Uuid::nil);
        let (category, handed_on) = (l.category.to_value(), l.status != LeadStatus::Registered);
        let key = |event: &str, at| {
            let month = month(at);
            (l.town_id, l.umbrella, l.receiving_unit_id, unit, category.clone(), handed_on, event.to_owned(), month)
        };
        *out.entry(key(entity::lead_month_tally::RECEIVED, l.received_at)).or_insert(0) += 1;
        if let (LeadStatus::Substantiated | LeadStatus::Unfounded, Some(at)) = (l.status, l.concluded_at) {
            *out.entry(key(entity::lead_month_tally::CONCLUDED, at)).or_insert(0) += 1;
        }
        if l.umbrella {
            *out.entry(key(entity::lead_month_tally::REGISTERED, l.created_at)).or_insert(0) += 1;
        }
    }
    out
}

#[tokio::test]
async fn kept_lead_months_equal_the_leads_after_a_seed_and_after_leads_change() {
    use chrono::{Duration, TimeZone, Utc};
    use entity::enums::LeadStatus;
    let (_db, conn) = TestDb::seeded(300).await;
    let after_seed = counted_lead_months(&conn).await;
    assert!(after_seed.keys().any(|k| k.6 == entity::lead_month_tally::CONCLUDED), "a concluded lead");
    assert_eq!(kept_lead_months(&conn).await, after_seed);
    assert_eq!(kept_unit_lead_months(&conn).await, by_unit(&after_seed));

    let leads = lead::Entity::find().order_by_asc(lead::Column::Id).all(&conn).await.expect("leads");
    let open = leads.iter().filter(|l| l.concluded_at.is_none()).take(2).collect::<Vec<_>>();
    // Concluded at 16:30 UTC on the last day of a month: already the next month in the town.
    let mut concluded = open[0].clone().into_active_model();
    concluded.status = Set(LeadStatus::Substantiated);
    concluded.concluded_at = Set(Some(Utc.with_ymd_and_hms(2026, 10, 31, 16, 30, 0).unwrap()));
    concluded.update(&conn).await.expect("conclude a lead");
    let mut assigned = open[1].clone().into_active_model();
    assigned.assignee_unit_id = Set(Some(leads[0].receiving_unit_id));
    assigned.umbrella = Set(!open[1].umbrella);
    assigned.received_at = Set(open[1].received_at - Duration::days(40));
    assigned.update(&conn).await.expect("assign, mark and move a lead");
    // Only the receiving unit changes: the triggers must watch that column on its own.
    let passed = &leads[5];
    let other_unit = leads
        .iter()
        .filter(|l| l.town_id == passed.town_id && l.receiving_unit_id != passed.receiving_unit_id)
        .map(|l| l.receiving_unit_id)
        .next();
    let mut passed = passed.clone().into_active_model();
    passed.receiving_unit_id = Set(other_unit.expect("leads received by two units of a town"));
    passed.update(&conn).await.expect("pass a lead to another receiving unit");
    let done = leads.iter().find(|l| l.concluded_at.is_some()).expect("a concluded lead");
    let mut reopened = done.clone().into_active_model();
    reopened.status = Set(LeadStatus::Verifying);
    reopened.update(&conn).await.expect("reopen a lead");
    let mut summary = leads[3].clone().into_active_model();
    summary.summary = Set(format!("{}·", leads[3].summary));
    summary.update(&conn).await.expect("another column");
    let registered = leads.iter().find(|l| l.status == LeadStatus::Registered).expect("a registered lead");
    let mut handed_on = registered.clone().into_active_model();
    handed_on.status = Set(LeadStatus::Verifying);
    handed_on.category = Set(if registered.category == entity::enums::LeadCategory::Vice {
        entity::enums::LeadCategory::GroupCrime
    } else {
        entity::enums::LeadCategory::Vice
    });
    handed_on.update(&conn).await.expect("hand a lead on and change its category");

    let mut extra = leads[4].clone();
    extra.id = uuid::Uuid::now_v7();
    extra.serial = format!("{}-X", leads[4].serial);
    extra.serial_number += 100_000;
    let extra = extra.into_active_model().reset_all().insert(&conn).await.expect("insert a lead");
    let after_insert = counted_lead_months(&conn).await;
    assert_eq!(kept_lead_months(&conn).await, after_insert);
    assert_eq!(kept_unit_lead_months(&conn).await, by_unit(&after_insert));
    lead::Entity::delete_by_id(extra.id).exec(&conn).await.expect("delete it");

    let now = counted_lead_months(&conn).await;
    assert_ne!(now, after_seed, "the changes moved some counts");
    assert_eq!(kept_lead_months(&conn).await, now);
    assert_eq!(kept_unit_lead_months(&conn).await, by_unit(&now));
    conn.close().await.ok();
}

/// Every viewer's twelve months of leads on the dashboard, read from the kept counts, equal its
/// own lead list: found where it reads the receipt, resolved where it reads the handling.
#[tokio::test]
async fn every_viewers_lead_months_equal_its_lead_list() {
    use serde_json::{Value, json};
    let app = pingan_tests::TestApp::spawn().await;
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let month_of = |at: &Value| {
        at.as_str().map(|s| {
            s.parse::<chrono::DateTime<chrono::Utc>>().unwrap().with_timezone(&zone).format("%Y-%m").to_string()
        })
    };
    for user in
        ["coord", "jiwei", "police", "sifa", "dongzhuang", "xizhuang", "nanwan", "liulin_coord", "liulin_police"]
    {
        let token = app.login(user).await;
        let body = app.gql(Some(&token), "{ dashboard { leadMonths { month found resolved } } }", json!({})).await;
        let months = body["data"]["dashboard"]["leadMonths"].as_array().unwrap_or_else(|| panic!("{body}")).clone();
        let mut listed = Vec::new();
        let mut after = Value::Null;
        loop {
            let query = "query($a: String) { leads(first: 100, after: $a) { nodes { receivedAt concludedAt status } \
                         pageInfo { hasNextPage endCursor } } }";
            let page = app.gql(Some(&token), query, json!({ "a": after })).await;
            let leads = &page["data"]["leads"];
            listed.extend(leads["nodes"].as_array().unwrap_or_else(|| panic!("{page}")).iter().cloned());
            if leads["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = leads["pageInfo"]["endCursor"].clone();
        }
        assert!(months.iter().any(|m| m["found"].as_i64().unwrap() > 0), "{user} found leads this year");
        for m in &months {
            let month = m["month"].as_str().map(str::to_owned);
            let found = listed.iter().filter(|l| month_of(&l["receivedAt"]) == month).count() as i64;
            assert_eq!(m["found"], found, "{user}: found in {month:?}");
            if !m["resolved"].is_null() {
                let resolved = listed
                    .iter()
                    .filter(|l| matches!(l["status"].as_str(), Some("SUBSTANTIATED" | "UNFOUNDED")))
                    .filter(|l| month_of(&l["concludedAt"]) == month)
                    .count() as i64;
                assert_eq!(m["resolved"], resolved, "{user}: resolved in {month:?}");
            }
        }
    }
}

/// A lead marked umbrella while a task on it is being written, on PostgreSQL: the mark waits for
/// the task's transaction (the task trigger holds the lead's row), then moves the task too, so the
/// task ends under the lead's new flag. Without that lock the mark would move the tasks it could
/// see and the new one would stay counted as ordinary.
#[tokio::test]
async fn a_lead_marked_umbrella_while_a_task_on_it_is_written_moves_that_task_too() {
    use entity::enums::TaskTargetType;
    use entity::task;
    use sea_orm::TransactionTrait;
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: SQLite has one writer at a time");
        return;
    }
    let (db, conn) = TestDb::seeded(300).await;
    let ordinary = lead::Entity::find().filter(lead::Column::Umbrella.eq(false)).one(&conn).await.unwrap().unwrap();
    let mut new = task::Entity::find().one(&conn).await.unwrap().unwrap();
    new.id = uuid::Uuid::now_v7();
    new.town_id = ordinary.town_id;
    new.rule_key = None;
    new.target_type = Some(TaskTargetType::Lead);
    new.target_id = Some(ordinary.id);

    let writer = pingan::db::connect(&db.url).await.expect("connect");
    let txn = writer.begin().await.unwrap();
    new.into_active_model().reset_all().insert(&txn).await.expect("insert the task");
    let marker = pingan::db::connect(&db.url).await.expect("connect");
    let mark = tokio::spawn(async move {
        let mut marked = ordinary.into_active_model();
        marked.umbrella = Set(true);
        marked.update(&marker).await.expect("mark the lead umbrella");
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    txn.commit().await.unwrap();
    mark.await.unwrap();
    assert_eq!(kept_tasks(&conn).await, counted_tasks(&conn).await);
    assert_eq!(kept_due_tasks(&conn).await, counted_due_tasks(&conn).await);
}

/// On PostgreSQL, which fires a table's triggers in the order of their names, every writer takes
/// the keys of `task_tally` before those of `task_due_tally` (a task's write and a target's flag
/// change alike), so two writers cannot each hold a key the other waits for.
#[tokio::test]
async fn every_table_moves_task_tally_before_task_due_tally() {
    use sea_orm::ConnectionTrait;
    let (_db, conn) = TestDb::seeded(0).await;
    if conn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let sql = "SELECT c.relname, t.tgname, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
               JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal ORDER BY c.relname, t.tgname";
    let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    let mut order: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        let (table, body): (String, String) = (row.try_get("", "relname").unwrap(), row.try_get("", "prosrc").unwrap());
        let writes = if body.contains("INSERT INTO task_due_tally") {
            "task_due_tally"
        } else if body.contains("INSERT INTO task_tally") {
            "task_tally"
        } else {
            continue;
        };
        order.entry(table).or_default().push(writes);
    }
    for table in ["task", "lead", "meeting"] {
        assert_eq!(order.get(table).map(Vec::as_slice), Some(&["task_tally", "task_due_tally"][..]), "{table}");
    }
    conn.close().await.ok();
}

/// The kept-count migrations count what is already there: on a seeded world, taken down and
/// applied again, their backfills give the same counts as the rows (and as the triggers had).
#[tokio::test]
async fn the_task_and_lead_month_backfills_count_a_world_already_there() {
    use migration::{Migrator, MigratorTrait};
    let (_db, conn) = TestDb::seeded(300).await;
    TestDb::down_through(&conn, "m20261204_000020_task_tallies").await;
    Migrator::up(&conn, None).await.expect("up again, counting the rows");
    let tasks = counted_tasks(&conn).await;
    assert!(tasks.keys().any(|k| k.5), "a task on an umbrella target");
    assert_eq!(kept_tasks(&conn).await, tasks);
    assert_eq!(kept_due_tasks(&conn).await, counted_due_tasks(&conn).await);
    let months = counted_lead_months(&conn).await;
    assert!(months.keys().any(|k| k.6 == entity::lead_month_tally::CONCLUDED), "a concluded lead");
    assert_eq!(kept_lead_months(&conn).await, months);
    assert_eq!(kept_unit_lead_months(&conn).await, by_unit(&months));
    conn.close().await.ok();
}

/// The monthly report's leads per field of struggle, read from the kept monthly counts, equal for
/// the coordinator the leads themselves for the town and for every unit, month by month: found
/// (received in the month, by the unit, where it reads the receipt; for the town also the
/// umbrella leads whose receipt it lacks, in the month they were registered), transferred (those
/// handed on, or umbrella leads) and assisted (ordinary leads concluded in the month, assigned to
/// a unit, to the unit).
#[tokio::test]
async fn the_monthly_reports_lead_fields_from_kept_counts_equal_the_leads() {
    use chrono::Datelike;
    use entity::enums::{LeadCategory, LeadStatus};
    use entity::org_unit;
    use serde_json::json;
    let (db, conn) = TestDb::seeded(300).await;
    let leads = lead::Entity::find().all(&conn).await.expect("leads");
    let coord = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::Username.eq("coord"))
        .one(&conn)
        .await
        .unwrap()
        .expect("the coordinator");
    let units = org_unit::Entity::find().filter(org_unit::Column::TownId.eq(coord.town_id)).all(&conn).await.unwrap();
    conn.close().await.ok();
    let url = db.url.clone();
    let app = pingan_tests::TestApp::start(db, pingan_tests::test_config(&url)).await;
    let token = app.login("coord").await;
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let month_of = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&zone).format("%Y-%m").to_string();
    let query = "query($u: ID, $m: String!) { monthlyReport(unitId: $u, month: $m) { \
                 leadRows { category figures { found transferred assisted } } } }";
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let mut seen = 0;
    let first = today.with_day(1).unwrap();
    for back in 0..13 {
        let day = first.checked_sub_months(chrono::Months::new(back)).unwrap();
        let month = format!("{}-{:02}", day.year(), day.month());
        let subjects = std::iter::once(None).chain(units.iter().map(|u| Some(u.id)));
        for unit in subjects {
            let id = unit.map(|u| pingan_tests::global_id("OrgUnit", u));
            let body = app.gql(Some(&token), query, json!({ "u": id, "m": month })).await;
            let rows = body["data"]["monthlyReport"]["leadRows"].as_array().unwrap_or_else(|| panic!("{body}"));
            let in_town = leads.iter().filter(|l| l.town_id == coord.town_id);
            let mut expected: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
            for l in in_town {
                // The coordinator's lead lines: `receipt` on ordinary leads and those its own
                // unit received, `submission` and `handling` on ordinary leads.
                let receipt = !l.umbrella || l.receiving_unit_id == coord.org_unit_id;
                let field =
                    if l.umbrella { LeadCategory::ProtectiveUmbrella.to_value() } else { l.category.to_value() };
                let figure = expected.entry(field).or_default();
                let received = month_of(l.received_at) == month && unit.is_none_or(|u| l.receiving_unit_id == u);
                let shell_only = unit.is_none() && l.umbrella && !receipt && month_of(l.created_at) == month;
                if (received && receipt) || shell_only {
                    figure.0 += 1;
                    figure.1 += i64::from(l.status != LeadStatus::Registered || l.umbrella);
                }
                let concluded = matches!(l.status, LeadStatus::Substantiated | LeadStatus::Unfounded);
                if concluded
                    && !l.umbrella
                    && l.concluded_at.is_some_and(|at| month_of(at) == month)
                    && l.assignee_unit_id.is_some()
                    && unit.is_none_or(|u| l.assignee_unit_id == Some(u))
                {
                    figure.2 += 1;
                }
            }
            for row in rows {
                let category = row["category"].as_str().unwrap().to_owned();
                let f = &row["figures"];
                let got =
                    (f["found"].as_i64().unwrap(), f["transferred"].as_i64().unwrap(), f["assisted"].as_i64().unwrap());
                let want = expected.get(&category).copied().unwrap_or_default();
                assert_eq!(got, want, "{category} in {month} for {unit:?}");
                seen += got.0 + got.2;
            }
        }
    }
    assert!(seen > 0, "some months have leads");
}
