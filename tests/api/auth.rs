//! Login, tokens and sessions (issue: foundation). Every failure is `UNAUTHENTICATED`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use pingan_tests::{AUDIENCE, ISSUER, PASSWORD, TEST_SECRET, TestApp, error_code};
use serde_json::{Value, json};

const ME: &str = "{ me { username role unit { name kind } town { name } } }";

async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), ME, json!({})).await
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("jwt payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

fn forge(claims: Value, alg: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).expect("encode")
}

#[tokio::test]
async fn every_demo_user_logs_in_and_me_answers_role_unit_and_town() {
    let app = TestApp::spawn().await;
    let expected = [
        ("coord", "COORDINATOR", "清河镇扫黑办", "清河镇"),
        ("jiwei", "DISCIPLINE", "清河镇纪委", "清河镇"),
        ("police", "POLICE", "清河派出所", "清河镇"),
        ("sifa", "JUDICIAL", "清河司法所", "清河镇"),
        ("dongzhuang", "VILLAGE", "东庄村", "清河镇"),
        ("xizhuang", "VILLAGE", "西庄村", "清河镇"),
        ("nanwan", "VILLAGE", "南湾社区", "清河镇"),
        ("admin", "ADMIN", "清河镇扫黑办", "清河镇"),
        ("liulin_coord", "COORDINATOR", "柳林镇扫黑办", "柳林镇"),
        ("liulin_police", "POLICE", "柳林派出所", "柳林镇"),
    ];
    for (username, role, unit, town) in expected {
        let token = app.login(username).await;
        let body = me(&app, &token).await;
        let me = &body["data"]["me"];
        assert_eq!(me["username"], username, "{body}");
        assert_eq!(me["role"], role, "{body}");
        assert_eq!(me["unit"]["name"], unit, "{body}");
        assert_eq!(me["town"]["name"], town, "{body}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_error() {
    let app = TestApp::spawn().await;
    let wrong = app.login_payload("police", "not-the-password").await;
    let unknown = app.login_payload("nobody-by-this-name", "not-the-password").await;
    assert_eq!(error_code(&wrong), Some("UNAUTHENTICATED"), "{wrong}");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"], unknown["errors"][0]["extensions"]);
    assert!(wrong["data"].is_null(), "{wrong}");
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_username() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let body = app.login_payload("police", "wrong").await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    // Even the right password is refused while the limit holds: no brute-force oracle.
    let body = app.login_payload("police", PASSWORD).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
}

#[tokio::test]
async fn me_without_a_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, ME, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn access_token_carries_sub_sid_iat_nbf_exp_iss_aud_and_no_role() {
    let app = TestApp::spawn().await;
    let claims = claims_of(&app.login("police").await);
    for claim in ["sub", "sid", "iat", "nbf", "exp", "iss", "aud"] {
        assert!(claims.get(claim).is_some(), "missing {claim} in {claims}");
    }
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], AUDIENCE);
    assert!(claims.get("role").is_none() && claims.get("unit").is_none(), "{claims}");
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 900, "default lifetime is 15 minutes");
}

#[tokio::test]
async fn forged_and_tampered_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let good = app.login("police").await;
    assert!(me(&app, &good).await["data"]["me"].is_object());
    let claims = claims_of(&good);
    let now = chrono::Utc::now().timestamp();
    let with = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let cases: Vec<(&str, String)> = vec![
        ("expired", forge(with("exp", json!(now - 3600)), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("bad signature", forge(claims.clone(), Algorithm::HS256, b"some-other-secret-of-sufficient-length-000")),
        ("wrong iss", forge(with("iss", json!("someone-else")), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("wrong aud", forge(with("aud", json!("another-api")), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("not yet valid", forge(with("nbf", json!(now + 3600)), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("issued in the future", forge(with("iat", json!(now + 3600)), Algorithm::HS256, TEST_SECRET.as_bytes())),
        ("HS384 with the same secret", forge(claims.clone(), Algorithm::HS384, TEST_SECRET.as_bytes())),
        ("HS512 with the same secret", forge(claims.clone(), Algorithm::HS512, TEST_SECRET.as_bytes())),
        ("alg none", {
            let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
            let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
            format!("{header}.{payload}.")
        }),
        ("missing sid", {
            let mut c = claims.clone();
            c.as_object_mut().unwrap().remove("sid");
            forge(c, Algorithm::HS256, TEST_SECRET.as_bytes())
        }),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let body = me(&app, &token).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{case}: {body}");
    }
    // A correctly signed token with the claims of a real session still works: the cases above
    // failed for their defect, not because forging is impossible.
    let reforged = forge(claims.clone(), Algorithm::HS256, TEST_SECRET.as_bytes());
    assert!(me(&app, &reforged).await["data"]["me"].is_object());
}

const REFRESH: &str =
    "mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }";

#[tokio::test]
async fn refresh_rotates_and_reuse_ends_the_session() {
    // No grace window: any reuse counts (reuse within the window: `login_throttle.rs`).
    let app = TestApp::spawn_with(|config| config.limits.refresh_grace_secs = 0).await;
    let login = app.login_payload("coord", PASSWORD).await;
    let first_refresh = login["data"]["login"]["refreshToken"].as_str().unwrap().to_owned();

    let rotated = app.gql(None, REFRESH, json!({ "t": first_refresh })).await;
    let second_access = rotated["data"]["refreshToken"]["accessToken"].as_str().expect("rotated").to_owned();
    let second_refresh = rotated["data"]["refreshToken"]["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);
    assert!(me(&app, &second_access).await["data"]["me"].is_object());

    // The old token again: theft is assumed, the whole session ends.
    let reused = app.gql(None, REFRESH, json!({ "t": first_refresh })).await;
    assert_eq!(error_code(&reused), Some("UNAUTHENTICATED"), "{reused}");
    assert_eq!(error_code(&me(&app, &second_access).await), Some("UNAUTHENTICATED"));
    let newest = app.gql(None, REFRESH, json!({ "t": second_refresh })).await;
    assert_eq!(error_code(&newest), Some("UNAUTHENTICATED"), "{newest}");
}

#[tokio::test]
async fn logout_stops_both_tokens() {
    let app = TestApp::spawn().await;
    let login = app.login_payload("sifa", PASSWORD).await;
    let access = login["data"]["login"]["accessToken"].as_str().unwrap();
    let refresh = login["data"]["login"]["refreshToken"].as_str().unwrap();
    assert!(me(&app, access).await["data"]["me"].is_object());

    let out = app.gql(Some(access), "mutation { logout { ok } }", json!({})).await;
    assert_eq!(out["data"]["logout"]["ok"], true, "{out}");
    assert_eq!(error_code(&me(&app, access).await), Some("UNAUTHENTICATED"));
    let refreshed = app.gql(None, REFRESH, json!({ "t": refresh })).await;
    assert_eq!(error_code(&refreshed), Some("UNAUTHENTICATED"), "{refreshed}");
}

#[tokio::test]
async fn a_deactivated_users_live_token_is_refused_on_the_next_request() {
    let app = TestApp::spawn().await;
    let police = app.login("police").await;
    let police_id = me_id(&app, &police).await;
    let admin = app.login("admin").await;

    let out = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { active } }",
            json!({ "id": police_id }),
        )
        .await;
    assert_eq!(out["data"]["deactivateUser"]["active"], false, "{out}");
    assert_eq!(error_code(&me(&app, &police).await), Some("UNAUTHENTICATED"));
    // And they cannot log in again.
    let again = app.login_payload("police", PASSWORD).await;
    assert_eq!(error_code(&again), Some("UNAUTHENTICATED"), "{again}");
}

#[tokio::test]
async fn only_admin_deactivates_and_only_in_its_own_town() {
    let app = TestApp::spawn().await;
    let coord = app.login("coord").await;
    let police_id = me_id(&app, &app.login("police").await).await;
    let liulin_police_id = me_id(&app, &app.login("liulin_police").await).await;
    let deactivate = "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { active } }";

    let by_coord = app.gql(Some(&coord), deactivate, json!({ "id": police_id })).await;
    assert_eq!(error_code(&by_coord), Some("FORBIDDEN"), "{by_coord}");

    let admin = app.login("admin").await;
    let other_town = app.gql(Some(&admin), deactivate, json!({ "id": liulin_police_id })).await;
    assert_eq!(error_code(&other_town), Some("NOT_FOUND"), "{other_town}");
    let random = app
        .gql(Some(&admin), deactivate, json!({ "id": "VXNlcjowMTlhZjAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA" }))
        .await;
    assert_eq!(other_town["errors"][0]["message"], random["errors"][0]["message"]);
    assert_eq!(other_town["errors"][0]["extensions"], random["errors"][0]["extensions"]);
    assert!(app.login_payload("liulin_police", PASSWORD).await["data"]["login"].is_object());
}

async fn me_id(app: &TestApp, token: &str) -> String {
    let body = app.gql(Some(token), "{ me { id } }", json!({})).await;
    body["data"]["me"]["id"].as_str().expect("me id").to_owned()
}

#[tokio::test]
async fn the_towns_only_active_admin_cannot_deactivate_itself() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let id = app.gql(Some(&admin), "{ me { id } }", json!({})).await["data"]["me"]["id"].clone();
    let out = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { active } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&out), Some("CONFLICT"), "{out}");
    let me = app.gql(Some(&admin), "{ me { username active } }", json!({})).await;
    assert_eq!(me["data"]["me"]["active"], true, "{me}");
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_get_the_same_pair_and_the_session_lives() {
    let app = TestApp::spawn().await;
    let login = app.login_payload("coord", PASSWORD).await;
    let refresh = login["data"]["login"]["refreshToken"].as_str().expect("refresh token").to_owned();
    let bodies = join_all((0..20).map(|_| app.gql(None, REFRESH, json!({ "t": refresh })))).await;
    let mut tokens: Vec<&str> = Vec::new();
    for body in &bodies {
        let pair = &body["data"]["refreshToken"];
        assert!(pair.is_object(), "{body}");
        tokens.push(pair["refreshToken"].as_str().unwrap());
        let me = app.gql(pair["accessToken"].as_str(), "{ me { username } }", json!({})).await;
        assert_eq!(me["data"]["me"]["username"], "coord", "{me}");
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every caller gets the same new refresh token: {tokens:?}");
    let next = app.gql(None, REFRESH, json!({ "t": tokens[0] })).await;
    assert!(next["data"]["refreshToken"].is_object(), "the session lives on: {next}");
}

#[tokio::test]
async fn a_refresh_token_reused_after_the_grace_window_ends_the_session() {
    let app = TestApp::spawn_with(|config| config.limits.refresh_grace_secs = 1).await;
    let login = app.login_payload("coord", PASSWORD).await;
    let first = login["data"]["login"]["refreshToken"].as_str().unwrap().to_owned();
    let rotated = app.gql(None, REFRESH, json!({ "t": first })).await;
    let access = rotated["data"]["refreshToken"]["accessToken"].as_str().expect("rotated").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let reused = app.gql(None, REFRESH, json!({ "t": first })).await;
    assert_eq!(error_code(&reused), Some("UNAUTHENTICATED"), "{reused}");
    let me = app.gql(Some(&access), "{ me { username } }", json!({})).await;
    assert_eq!(error_code(&me), Some("UNAUTHENTICATED"), "{me}");
}
