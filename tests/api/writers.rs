//! Concurrent writers: on the embedded SQLite default writers queue for the one write lock, and
//! on PostgreSQL they run side by side; either way none of them fails for being concurrent.

use futures_util::future::join_all;
use pingan_tests::TestApp;
use serde_json::{Value, json};

const PERSON: &str = "mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }";
const VENUE: &str = "mutation($input: CreateVenueInput!) { createVenue(input: $input) { venue { id } } }";
const LEAD: &str = "mutation($input: RegisterLeadInput!) { registerLead(input: $input) { lead { id serial } } }";
const TALK: &str = "mutation($input: RecordTalkInput!) { recordTalk(input: $input) { person { id } } }";

fn errors(answers: &[Value]) -> Vec<&Value> {
    answers.iter().filter(|a| a.get("errors").is_some()).collect()
}

#[tokio::test]
async fn fifty_concurrent_writers_of_each_kind_all_succeed() {
    // This checks that concurrency alone fails nothing, not the machine's capacity: a request
    // that waits longer than the acquire timeout for a pooled connection is answered
    // UNAVAILABLE (503, Retry-After) by design, and a CI machine busy with the other tests can
    // make 200 writers on a 20-connection pool wait that long. The wait is set out of reach.
    let app = TestApp::spawn_with(|c| c.connections.db_acquire_timeout = std::time::Duration::from_secs(60)).await;
    let police = app.login("police").await;
    let villages = app.gql(Some(&police), "{ villages { id name } }", json!({})).await;
    let village = villages["data"]["villages"][0]["id"].as_str().unwrap().to_owned();
    let people =
        app.gql(Some(&police), "{ people(first: 50) { nodes { id } } }", json!({})).await["data"]["people"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
    assert!(!people.is_empty());
    let mut calls = Vec::new();
    for n in 0..50 {
        let person = json!({ "name": format!("并发{n}"), "idNumber": pingan_tests::id_for("19900307", &format!("{n:03}")), "villageId": village,
                             "attentionLevel": "KEY", "categories": ["VICE"] });
        let venue = json!({ "name": format!("并发场所{n}"), "venueType": "ENTERTAINMENT", "address": "新街1号",
                            "villageId": village, "attentionLevel": "KEY", "licenceNumber": format!("CONC-{n}"),
                            "managerName": "经理", "managerPhone": "13800000000" });
        let lead = json!({ "source": "POLICE", "category": "VICE", "summary": format!("并发线索{n}"),
                           "receivedAt": "2026-01-05T09:00:00+08:00", "involvesOfficial": false, "content": "内容" });
        let talk = json!({ "personId": people[n % people.len()]["id"], "talkedOn": "2026-01-05", "kind": "EDUCATION",
                           "summary": format!("谈话{n}") });
        calls.push((PERSON, person));
        calls.push((VENUE, venue));
        calls.push((LEAD, lead));
        calls.push((TALK, talk));
    }
    let answers =
        join_all(calls.iter().map(|(query, input)| app.gql(Some(&police), query, json!({ "input": input })))).await;
    let failed = errors(&answers);
    assert!(failed.is_empty(), "{} of {} concurrent writes failed, e.g. {}", failed.len(), answers.len(), failed[0]);
    // Every lead got its own serial.
    let mut serials: Vec<&str> =
        answers.iter().filter_map(|a| a["data"]["registerLead"]["lead"]["serial"].as_str()).collect();
    serials.sort_unstable();
    serials.dedup();
    assert_eq!(serials.len(), 50);
}
