//! Administration: the admin manages its own town's users, units and villages, every step
//! audited; every other role is refused every step with nothing written; an admin of another
//! town finds nothing of this town; setup codes, password changes, the last admin, and a change
//! to a user reaching their next request and their open sockets.

use std::collections::BTreeSet;
use std::time::Duration;

use entity::enums::Role;
use entity::{app_user, audit_log, org_unit, village};
use futures_util::{SinkExt, StreamExt};
use pingan_tests::{PASSWORD, TestApp, error_code, global_id};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const USER_FIELDS: &str = "id username displayName role active setupPending unit { id name kind } town { name }";

/// The id of a user, from the database.
async fn user_id(app: &TestApp, username: &str) -> uuid::Uuid {
    let user = app_user::Entity::find().filter(app_user::Column::Username.eq(username));
    user.one(&app.state.db).await.unwrap().unwrap_or_else(|| panic!("no user {username}")).id
}

async fn village_id(app: &TestApp, name: &str) -> uuid::Uuid {
    let found = village::Entity::find().filter(village::Column::Name.eq(name));
    found.one(&app.state.db).await.unwrap().unwrap_or_else(|| panic!("no village {name}")).id
}

/// Runs `mutation(input: $i) { selection }` (input type `{Mutation}Input`); returns the body.
async fn run(app: &TestApp, token: &str, mutation: &str, input: Value, selection: &str) -> Value {
    let mut chars = mutation.chars();
    let input_type: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    let query = format!("mutation($i: {input_type}Input!) {{ {mutation}(input: $i) {{ {selection} }} }}");
    app.gql(Some(token), &query, json!({ "i": input })).await
}

fn field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

/// Adds an administrator to Liulin, which the demo world has none of (its password is the demo
/// one); returns its token.
async fn liulin_admin(app: &TestApp) -> String {
    let coord = app_user::Entity::find().filter(app_user::Column::Username.eq("liulin_coord"));
    let coord = coord.one(&app.state.db).await.unwrap().unwrap();
    let now = chrono::Utc::now();
    app_user::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        town_id: Set(coord.town_id),
        org_unit_id: Set(coord.org_unit_id),
        username: Set("liulin_admin".into()),
        display_name: Set("柳林 管理员".into()),
        role: Set(Role::Admin),
        password_hash: Set(coord.password_hash.clone()),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    app.login("liulin_admin").await
}

/// Every administration step, each with a valid input against Qinghe's demo world: (mutation,
/// input, selection).
async fn steps(app: &TestApp) -> Vec<(&'static str, Value, &'static str)> {
    let xizhuang = global_id("User", user_id(app, "xizhuang").await);
    let sifa = global_id("User", user_id(app, "sifa").await);
    let coord = global_id("User", user_id(app, "coord").await);
    let police_station = global_id("OrgUnit", app.unit_id("清河派出所").await);
    let judicial_office = global_id("OrgUnit", app.unit_id("清河司法所").await);
    let dongzhuang = global_id("Village", village_id(app, "东庄村").await);
    vec![
        (
            "createUser",
            json!({ "username": "new_officer", "displayName": "新 警官", "role": "POLICE", "unitId": police_station }),
            "setupCode user { id }",
        ),
        ("setUserRole", json!({ "userId": coord, "role": "ADMIN" }), "user { id role }"),
        ("moveUser", json!({ "userId": sifa, "unitId": police_station, "role": "POLICE" }), "user { id }"),
        ("resetPassword", json!({ "userId": xizhuang }), "setupCode user { id }"),
        ("deactivateUser", json!({ "userId": xizhuang }), "active"),
        ("reactivateUser", json!({ "userId": xizhuang }), "user { id active }"),
        ("createOrgUnit", json!({ "name": "清河镇综治中心", "kind": "COORDINATION_OFFICE" }), "orgUnit { id }"),
        ("renameOrgUnit", json!({ "unitId": judicial_office, "name": "清河镇司法所" }), "orgUnit { id name }"),
        ("createVillage", json!({ "name": "北岭村" }), "village { id } orgUnit { id kind }"),
        ("renameVillage", json!({ "villageId": dongzhuang, "name": "东庄社区" }), "village { id name }"),
    ]
}

/// Everything administration writes, to compare before and after a refusal.
async fn administered_state(app: &TestApp) -> Value {
    let db = &app.state.db;
    let users: Vec<Value> = app_user::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| json!([u.username, format!("{:?}", u.role), u.org_unit_id, u.active, u.version, u.password_hash]))
        .collect();
    let units: Vec<Value> =
        org_unit::Entity::find().all(db).await.unwrap().into_iter().map(|u| json!([u.id, u.name])).collect();
    let villages: Vec<Value> =
        village::Entity::find().all(db).await.unwrap().into_iter().map(|v| json!([v.id, v.name])).collect();
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Category.eq(entity::enums::AuditCategory::Administration))
        .count(db)
        .await
        .unwrap();
    json!({ "users": users, "units": units, "villages": villages, "entries": entries })
}

#[tokio::test]
async fn every_administration_step_works_for_the_admin_and_is_audited_as_administration() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let mut expected = Vec::new();
    for (mutation, input, selection) in steps(&app).await {
        let body = run(&app, &admin, mutation, input, selection).await;
        assert!(body["errors"].is_null(), "{mutation}: {body}");
        expected.push(mutation);
    }
    let log = app
        .gql(
            Some(&admin),
            "{ auditLog(first: 100) { nodes { action category objectType objectId outcome } } }",
            json!({}),
        )
        .await;
    let entries = log["data"]["auditLog"]["nodes"].as_array().unwrap_or_else(|| panic!("{log}"));
    let actions: BTreeSet<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for want in [
        "create_user",
        "set_user_role",
        "move_user",
        "reset_password",
        "deactivate_user",
        "reactivate_user",
        "create_org_unit",
        "rename_org_unit",
        "create_village",
        "rename_village",
    ] {
        assert!(actions.contains(want), "{want} is audited: {log}");
    }
    assert_eq!(entries.len(), expected.len(), "one entry per step: {log}");
    for entry in entries {
        assert_eq!(entry["category"], "ADMINISTRATION", "{entry}");
        assert_eq!(entry["outcome"], "ALLOWED", "{entry}");
        assert!(entry["objectId"].is_string(), "every entry names its object: {entry}");
    }

    // The effects, as the town now reads them.
    let units = app.gql(Some(&admin), "{ orgUnits { name kind village { name } } }", json!({})).await;
    let text = units.to_string();
    for name in ["清河镇综治中心", "清河镇司法所", "北岭村", "东庄社区"] {
        assert!(text.contains(name), "{name}: {units}");
    }
    assert!(!text.contains("清河司法所\""), "renamed: {units}");
    let sifa = app
        .gql(Some(&admin), "{ users(filter: { search: \"sifa\" }) { nodes { role unit { name } } } }", json!({}))
        .await;
    assert_eq!(sifa["data"]["users"]["nodes"][0]["role"], "POLICE", "{sifa}");
    assert_eq!(sifa["data"]["users"]["nodes"][0]["unit"]["name"], "清河派出所", "{sifa}");
}

#[tokio::test]
async fn every_role_but_admin_is_refused_every_administration_step_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let non_admins: Vec<&str> = pingan::demo::USERS.iter().filter(|u| u.3 != Role::Admin).map(|u| u.0).collect();
    let roles: BTreeSet<String> =
        pingan::demo::USERS.iter().filter(|u| non_admins.contains(&u.0)).map(|u| format!("{:?}", u.3)).collect();
    let every: BTreeSet<String> =
        pingan::access::ROLES.iter().filter(|r| **r != Role::Admin).map(|r| format!("{r:?}")).collect();
    assert_eq!(roles, every, "the demo users hold every role but admin");

    let steps = steps(&app).await;
    let before = administered_state(&app).await;
    for user in non_admins {
        let token = app.login(user).await;
        for (mutation, input, selection) in &steps {
            let body = run(&app, &token, mutation, input.clone(), selection).await;
            assert_eq!(error_code(&body), Some("FORBIDDEN"), "{user} {mutation}: {body}");
            assert!(body["data"].is_null() || body["data"][mutation].is_null(), "{user} {mutation}: {body}");
        }
    }
    assert_eq!(administered_state(&app).await, before, "nothing was written");
}

#[tokio::test]
async fn an_admin_of_another_town_finds_nothing_of_this_town() {
    let app = TestApp::spawn().await;
    let liulin = liulin_admin(&app).await;
    let missing_user = global_id("User", uuid::Uuid::now_v7());
    let missing_unit = global_id("OrgUnit", uuid::Uuid::now_v7());
    let missing_village = global_id("Village", uuid::Uuid::now_v7());
    let before = administered_state(&app).await;
    for (mutation, input, selection) in steps(&app).await {
        // Nothing of Qinghe is named in these: Liulin's admin would create in Liulin.
        if matches!(mutation, "createOrgUnit" | "createVillage") {
            continue;
        }
        let body = run(&app, &liulin, mutation, input.clone(), selection).await;
        match mutation {
            // A unit named as an input is a reference, refused like any unknown one.
            "createUser" => assert_eq!(field(&body), Some("input.unitId"), "{body}"),
            _ => {
                assert_eq!(error_code(&body), Some("NOT_FOUND"), "{mutation}: {body}");
                // The same answer as for an id that names nothing.
                let target = match mutation {
                    "renameOrgUnit" => ("unitId", &missing_unit),
                    "renameVillage" => ("villageId", &missing_village),
                    _ => ("userId", &missing_user),
                };
                let mut missing = input.clone();
                missing[target.0] = json!(target.1);
                let answer = run(&app, &liulin, mutation, missing, selection).await;
                assert_eq!(answer["errors"][0]["message"], body["errors"][0]["message"], "{mutation}");
                assert_eq!(answer["errors"][0]["extensions"], body["errors"][0]["extensions"], "{mutation}");
            }
        }
    }
    assert_eq!(administered_state(&app).await, before, "nothing of Qinghe was written");

    let qinghe_user = global_id("User", user_id(&app, "police").await);
    let read = app
        .gql(
            Some(&liulin),
            "query($id: ID!) { user(id: $id) { id } node(id: $id) { id } }",
            json!({ "id": qinghe_user }),
        )
        .await;
    assert_eq!(read["data"], json!({ "user": null, "node": null }), "{read}");
    let listed = app
        .gql(Some(&liulin), "{ users(first: 100) { totalCount nodes { username town { name } } } }", json!({}))
        .await;
    let names: BTreeSet<&str> =
        listed["data"]["users"]["nodes"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["liulin_admin", "liulin_coord", "liulin_police"]), "{listed}");
}

#[tokio::test]
async fn users_are_listed_for_the_admin_by_filter_a_keyset_page_at_a_time_and_others_read_only_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let query = "query($f: UserFilter, $n: Int, $a: String) { users(filter: $f, first: $n, after: $a) {
        totalCount pageInfo { hasNextPage endCursor } nodes { username role active unit { name } town { name } } } }";
    let all = app.gql(Some(&admin), query, json!({ "n": 100 })).await;
    let names: Vec<&str> =
        all["data"]["users"]["nodes"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    let mut qinghe: Vec<&str> =
        pingan::demo::USERS.iter().filter(|u| !u.0.starts_with("liulin")).map(|u| u.0).collect();
    qinghe.sort();
    assert_eq!(names, qinghe, "the town's users, by username: {all}");
    assert_eq!(all["data"]["users"]["totalCount"], qinghe.len());

    // Pages of 3 walk the same list.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.gql(Some(&admin), query, json!({ "n": 3, "a": after })).await;
        let users = &page["data"]["users"];
        walked.extend(users["nodes"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()));
        if users["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = users["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(walked, qinghe);

    let filtered = |filter: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            let body = app.gql(Some(admin), query, json!({ "f": filter, "n": 100 })).await;
            let mut names: Vec<String> = body["data"]["users"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(filtered(json!({ "role": "VILLAGE" })).await, ["dongzhuang", "nanwan", "xizhuang"]);
    let office = global_id("OrgUnit", app.unit_id("清河镇扫黑办").await);
    assert_eq!(filtered(json!({ "unitId": office })).await, ["admin", "coord"]);
    assert_eq!(filtered(json!({ "search": "王主任" })).await, ["coord"]);
    assert_eq!(filtered(json!({ "search": "ZHUANG" })).await, ["dongzhuang", "xizhuang"]);
    assert_eq!(filtered(json!({ "search": "%" })).await, Vec::<String>::new(), "a wildcard is taken literally");
    let xizhuang = global_id("User", user_id(&app, "xizhuang").await);
    run(&app, &admin, "deactivateUser", json!({ "userId": xizhuang }), "active").await;
    assert_eq!(filtered(json!({ "active": false })).await, ["xizhuang"]);

    // Everyone else reads only themselves; another user is null like a missing one.
    let police = app.login("police").await;
    let own = app.gql(Some(&police), query, json!({ "n": 100 })).await;
    assert_eq!(own["data"]["users"]["nodes"].as_array().unwrap().len(), 1, "{own}");
    assert_eq!(own["data"]["users"]["nodes"][0]["username"], "police");
    let other = app.gql(Some(&police), "query($id: ID!) { user(id: $id) { id } }", json!({ "id": xizhuang })).await;
    let missing = global_id("User", uuid::Uuid::now_v7());
    let none = app.gql(Some(&police), "query($id: ID!) { user(id: $id) { id } }", json!({ "id": missing })).await;
    assert_eq!(other, none, "{other}");
    assert_eq!(other["data"]["user"], Value::Null);
}

async fn redeem(app: &TestApp, username: &str, code: &str, password: &str) -> Value {
    app.gql(
        None,
        "mutation($i: RedeemSetupCodeInput!) { redeemSetupCode(input: $i) { accessToken user { username role } } }",
        json!({ "i": { "username": username, "setupCode": code, "newPassword": password } }),
    )
    .await
}

#[tokio::test]
async fn a_new_user_redeems_the_setup_code_once_and_a_reset_replaces_password_code_and_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let station = global_id("OrgUnit", app.unit_id("清河派出所").await);
    let created = run(
        &app,
        &admin,
        "createUser",
        json!({ "username": "li_jing", "displayName": "派出所 李警官", "role": "POLICE", "unitId": station }),
        &format!("setupCode user {{ {USER_FIELDS} }}"),
    )
    .await;
    let payload = &created["data"]["createUser"];
    assert_eq!(payload["user"]["role"], "POLICE", "{created}");
    assert_eq!(payload["user"]["setupPending"], true, "{created}");
    assert_eq!(payload["user"]["unit"]["name"], "清河派出所");
    let code = payload["setupCode"].as_str().unwrap().to_owned();
    let stored =
        app_user::Entity::find_by_id(user_id(&app, "li_jing").await).one(&app.state.db).await.unwrap().unwrap();
    assert!(!stored.password_hash.contains(&code) && stored.setup_code_hash.as_deref() != Some(code.as_str()));

    // No password yet: nothing logs in, not even the code as a password.
    assert_eq!(error_code(&app.login_payload("li_jing", &code).await), Some("UNAUTHENTICATED"));
    let password = "清河 春天 2026 平安";
    let redeemed = redeem(&app, "li_jing", &code.to_lowercase().replace('-', " "), password).await;
    assert_eq!(redeemed["data"]["redeemSetupCode"]["user"]["username"], "li_jing", "{redeemed}");
    let first_session = redeemed["data"]["redeemSetupCode"]["accessToken"].as_str().unwrap().to_owned();
    let me = app.gql(Some(&first_session), "{ me { role unit { name } } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "POLICE", "{me}");
    assert_eq!(error_code(&redeem(&app, "li_jing", &code, "another fine password").await), Some("UNAUTHENTICATED"));
    assert!(app.login_payload("li_jing", password).await["data"]["login"].is_object());

    // A reset: the password, the old code and every session stop working; the new code works.
    let id = global_id("User", stored.id);
    let reset = run(&app, &admin, "resetPassword", json!({ "userId": id }), "setupCode user { setupPending }").await;
    assert_eq!(reset["data"]["resetPassword"]["user"]["setupPending"], true, "{reset}");
    let new_code = reset["data"]["resetPassword"]["setupCode"].as_str().unwrap().to_owned();
    assert_ne!(new_code, code);
    assert_eq!(error_code(&app.gql(Some(&first_session), "{ me { id } }", json!({})).await), Some("UNAUTHENTICATED"));
    assert_eq!(error_code(&app.login_payload("li_jing", password).await), Some("UNAUTHENTICATED"));
    assert_eq!(error_code(&redeem(&app, "li_jing", &code, "yet another password").await), Some("UNAUTHENTICATED"));
    let again = redeem(&app, "li_jing", &new_code, "yet another password").await;
    assert!(again["data"]["redeemSetupCode"]["accessToken"].is_string(), "{again}");
}

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn open_socket(app: &TestApp, token: &str) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    let ack = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("ack in time");
    assert!(matches!(ack, Some(Ok(Message::Text(ref t))) if t.contains("connection_ack")), "{ack:?}");
    socket
}

/// The close code the socket received within `within`; `None` when it stayed open.
pub(crate) async fn closed_within(socket: &mut Socket, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Err(_) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map_or(0, |f| u16::from(f.code))),
            Ok(Some(Err(_))) | Ok(None) => return Some(0),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Much less than the watchdog's [`pingan::ws::SESSION_CHECK`]: the change itself closes the
/// socket, it does not wait for the next check.
pub(crate) const AT_ONCE: Duration = Duration::from_millis(400);

#[tokio::test]
async fn a_change_to_a_user_applies_to_their_next_request_and_closes_their_sockets_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let coord_id = global_id("User", user_id(&app, "coord").await);

    // The coordinator becomes an administrator: `me` says so at once, the lists follow.
    let coord = app.login("coord").await;
    let mut socket = open_socket(&app, &coord).await;
    let people = "{ people(first: 1) { nodes { id } } users(first: 100) { nodes { username } } }";
    let as_coord = app.gql(Some(&coord), people, json!({})).await;
    assert_eq!(as_coord["data"]["users"]["nodes"].as_array().unwrap().len(), 1, "{as_coord}");
    let out = run(&app, &admin, "setUserRole", json!({ "userId": coord_id, "role": "ADMIN" }), "user { role }").await;
    assert_eq!(out["data"]["setUserRole"]["user"]["role"], "ADMIN", "{out}");
    assert_eq!(closed_within(&mut socket, AT_ONCE).await, Some(4401), "the socket closed with the role change");
    let me = app.gql(Some(&coord), "{ me { role } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me}");
    let users = app.gql(Some(&coord), "{ users(first: 100) { nodes { username } } }", json!({})).await;
    assert!(users["data"]["users"]["nodes"].as_array().unwrap().len() > 1, "an admin reads the town's users: {users}");
    let cases = app.gql(Some(&coord), "{ people(first: 1) { nodes { id } } }", json!({})).await;
    assert_eq!(error_code(&cases), Some("FORBIDDEN"), "an admin reads no case data: {cases}");

    // Moving, resetting and deactivating close the user's sockets just as soon.
    let sifa_id = global_id("User", user_id(&app, "sifa").await);
    let station = global_id("OrgUnit", app.unit_id("清河派出所").await);
    let sifa = app.login("sifa").await;
    let mut socket = open_socket(&app, &sifa).await;
    let moved = run(
        &app,
        &admin,
        "moveUser",
        json!({ "userId": sifa_id, "unitId": station, "role": "POLICE" }),
        "user { role }",
    )
    .await;
    assert_eq!(moved["data"]["moveUser"]["user"]["role"], "POLICE", "{moved}");
    assert_eq!(closed_within(&mut socket, AT_ONCE).await, Some(4401), "the socket closed with the move");
    let me = app.gql(Some(&sifa), "{ me { role unit { name } } }", json!({})).await;
    assert_eq!(me["data"]["me"], json!({ "role": "POLICE", "unit": { "name": "清河派出所" } }), "{me}");

    let mut socket = open_socket(&app, &sifa).await;
    let reset = run(&app, &admin, "resetPassword", json!({ "userId": sifa_id }), "setupCode").await;
    assert!(reset["data"]["resetPassword"]["setupCode"].is_string(), "{reset}");
    assert_eq!(closed_within(&mut socket, AT_ONCE).await, Some(4401), "the socket closed with the reset");

    let nanwan_id = global_id("User", user_id(&app, "nanwan").await);
    let mut socket = open_socket(&app, &app.login("nanwan").await).await;
    let off = run(&app, &admin, "deactivateUser", json!({ "userId": nanwan_id }), "active").await;
    assert_eq!(off["data"]["deactivateUser"]["active"], false, "{off}");
    assert_eq!(closed_within(&mut socket, AT_ONCE).await, Some(4401), "the socket closed with the deactivation");

    // An unchanged user's socket stays open.
    let mut socket = open_socket(&app, &app.login("police").await).await;
    run(&app, &admin, "reactivateUser", json!({ "userId": nanwan_id }), "user { active }").await;
    assert_eq!(closed_within(&mut socket, Duration::from_millis(1500)).await, None, "others' sockets stay open");
}

#[tokio::test]
async fn bad_administration_inputs_name_their_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let station = global_id("OrgUnit", app.unit_id("清河派出所").await);
    let dongzhuang_unit = global_id("OrgUnit", app.unit_id("东庄村").await);
    let judicial = global_id("OrgUnit", app.unit_id("清河司法所").await);
    let police_id = global_id("User", user_id(&app, "police").await);
    let dongzhuang = global_id("Village", village_id(&app, "东庄村").await);
    let user = |username: &str, name: &str, role: &str, unit: &str| json!({ "username": username, "displayName": name, "role": role, "unitId": unit });
    let cases = [
        ("createUser", user("police", "重名", "POLICE", &station), "input.username"),
        // Usernames are unique across towns; the answer is the same "taken".
        ("createUser", user("liulin_police", "重名", "POLICE", &station), "input.username"),
        ("createUser", user("李 警官", "名字", "POLICE", &station), "input.username"),
        ("createUser", user("x", "名字", "POLICE", &station), "input.username"),
        ("createUser", user("new_one", "  ", "POLICE", &station), "input.displayName"),
        ("createUser", user("new_one", "名字", "POLICE", &dongzhuang_unit), "input.role"),
        ("createUser", user("new_one", "名字", "ADMIN", &station), "input.role"),
        ("createUser", user("new_one", "名字", "POLICE", &global_id("OrgUnit", uuid::Uuid::now_v7())), "input.unitId"),
        ("createUser", user("new_one", "名字", "POLICE", &police_id), "input.unitId"),
        ("setUserRole", json!({ "userId": police_id, "role": "JUDICIAL" }), "input.role"),
        ("moveUser", json!({ "userId": police_id, "unitId": judicial }), "input.unitId"),
        ("moveUser", json!({ "userId": police_id, "unitId": judicial, "role": "VILLAGE" }), "input.role"),
        ("createOrgUnit", json!({ "name": "清河派出所", "kind": "POLICE_STATION" }), "input.name"),
        ("createOrgUnit", json!({ "name": "", "kind": "POLICE_STATION" }), "input.name"),
        ("createOrgUnit", json!({ "name": "某村", "kind": "VILLAGE" }), "input.kind"),
        ("renameOrgUnit", json!({ "unitId": judicial, "name": "清河派出所" }), "input.name"),
        ("createVillage", json!({ "name": "西庄村" }), "input.name"),
        // A village's committee bears its name, so a unit's name is taken for villages too.
        ("createVillage", json!({ "name": "清河派出所" }), "input.name"),
        ("renameVillage", json!({ "villageId": dongzhuang, "name": "南湾社区" }), "input.name"),
        ("renameVillage", json!({ "villageId": dongzhuang, "name": "x".repeat(65) }), "input.name"),
    ];
    let before = administered_state(&app).await;
    for (mutation, input, expected) in cases {
        let body = run(&app, &admin, mutation, input.clone(), "__typename").await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{mutation} {input}: {body}");
        assert_eq!(field(&body), Some(expected), "{mutation} {input}: {body}");
    }
    let taken = run(&app, &admin, "createUser", user("police", "重名", "POLICE", &station), "__typename").await;
    let elsewhere =
        run(&app, &admin, "createUser", user("liulin_police", "重名", "POLICE", &station), "__typename").await;
    assert_eq!(taken["errors"], elsewhere["errors"], "a username taken in another town says no more than taken");
    assert_eq!(administered_state(&app).await, before, "nothing was written");
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_moved_away_nor_deactivated() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let admin_id = global_id("User", user_id(&app, "admin").await);
    let office = global_id("OrgUnit", app.unit_id("清河镇扫黑办").await);
    let before = administered_state(&app).await;
    let refused = [
        ("setUserRole", json!({ "userId": admin_id, "role": "COORDINATOR" }), "user { id }"),
        ("moveUser", json!({ "userId": admin_id, "unitId": office, "role": "COORDINATOR" }), "user { id }"),
        ("deactivateUser", json!({ "userId": admin_id }), "active"),
    ];
    for (mutation, input, selection) in &refused {
        let body = run(&app, &admin, mutation, input.clone(), selection).await;
        assert_eq!(error_code(&body), Some("CONFLICT"), "{mutation}: {body}");
    }
    assert_eq!(administered_state(&app).await, before, "nothing was written");

    // With a second administrator, the first may step down.
    let coord_id = global_id("User", user_id(&app, "coord").await);
    run(&app, &admin, "setUserRole", json!({ "userId": coord_id, "role": "ADMIN" }), "user { id }").await;
    let down =
        run(&app, &admin, "setUserRole", json!({ "userId": admin_id, "role": "COORDINATOR" }), "user { role }").await;
    assert_eq!(down["data"]["setUserRole"]["user"]["role"], "COORDINATOR", "{down}");
    // And the remaining one is now the last.
    let coord = app.login("coord").await;
    let last = run(&app, &coord, "deactivateUser", json!({ "userId": coord_id }), "active").await;
    assert_eq!(error_code(&last), Some("CONFLICT"), "{last}");
}

const CHANGE: &str = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { ok } }";

#[tokio::test]
async fn changing_a_password_needs_the_old_one_counts_wrong_ones_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let here = app.login("police").await;
    let elsewhere = app.login("police").await;
    let mut other_socket = open_socket(&app, &elsewhere).await;
    let mut own_socket = open_socket(&app, &here).await;

    let weak =
        app.gql(Some(&here), CHANGE, json!({ "i": { "oldPassword": PASSWORD, "newPassword": "1234567890" } })).await;
    assert_eq!(field(&weak), Some("input.newPassword"), "{weak}");
    let new_password = "派出所的新密码 2026";
    let changed =
        app.gql(Some(&here), CHANGE, json!({ "i": { "oldPassword": PASSWORD, "newPassword": new_password } })).await;
    assert_eq!(changed["data"]["changePassword"]["ok"], true, "{changed}");
    assert_eq!(error_code(&app.gql(Some(&elsewhere), "{ me { id } }", json!({})).await), Some("UNAUTHENTICATED"));
    assert_eq!(closed_within(&mut other_socket, AT_ONCE).await, Some(4401), "the other session's socket closed");
    assert_eq!(closed_within(&mut own_socket, Duration::from_millis(1500)).await, None, "this session's stays");
    assert!(app.gql(Some(&here), "{ me { id } }", json!({})).await["data"]["me"].is_object());
    assert_eq!(error_code(&app.login_payload("police", PASSWORD).await), Some("UNAUTHENTICATED"));
    assert!(app.login_payload("police", new_password).await["data"]["login"].is_object());

    // A wrong old password names its field, and counts against the login throttle.
    for _ in 0..5 {
        let wrong = app
            .gql(
                Some(&here),
                CHANGE,
                json!({ "i": { "oldPassword": "not it at all", "newPassword": "另一个足够长的新密码！" } }),
            )
            .await;
        assert_eq!(field(&wrong), Some("input.oldPassword"), "{wrong}");
    }
    let locked = app
        .gql(
            Some(&here),
            CHANGE,
            json!({ "i": { "oldPassword": new_password, "newPassword": "另一个足够长的新密码！" } }),
        )
        .await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "{locked}");
    assert_eq!(error_code(&app.login_payload("police", new_password).await), Some("RATE_LIMITED"));
}

#[tokio::test]
async fn an_expired_or_wrong_setup_code_is_refused_and_counted() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let id = user_id(&app, "nanwan").await;
    let reset = run(&app, &admin, "resetPassword", json!({ "userId": global_id("User", id) }), "setupCode").await;
    let code = reset["data"]["resetPassword"]["setupCode"].as_str().unwrap().to_owned();
    let short = redeem(&app, "nanwan", &code, "short").await;
    assert_eq!(field(&short), Some("input.newPassword"), "{short}");

    let mut user: app_user::ActiveModel =
        app_user::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap().into();
    user.setup_code_expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(1)));
    user.update(&app.state.db).await.unwrap();
    let expired = redeem(&app, "nanwan", &code, "南湾社区 新的密码口令").await;
    assert_eq!(error_code(&expired), Some("UNAUTHENTICATED"), "{expired}");

    for _ in 0..4 {
        let wrong = redeem(&app, "nanwan", "AAAA-BBBB-CCCC-DDDD", "南湾社区 新的密码口令").await;
        assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"), "{wrong}");
    }
    let locked = redeem(&app, "nanwan", &code, "南湾社区 新的密码口令").await;
    assert_eq!(error_code(&locked), Some("RATE_LIMITED"), "the expired and the wrong codes were counted: {locked}");
}
