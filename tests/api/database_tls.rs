//! TLS to PostgreSQL: the `sslmode` of the database URL is enforced as given, never downgraded.

use std::time::{Duration, Instant};

use pingan::App;
use pingan_tests::{TestDb, test_config};
use sea_orm::ConnectionTrait as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The URL with `sslmode` set.
fn with_sslmode(url: &str, mode: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode={mode}")
}

/// The whole chain of an error, as the operator reads it at start.
fn chain(err: &anyhow::Error) -> String {
    format!("{err:#}")
}

/// The SSLRequest message: length 8, then the code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// A stand-in PostgreSQL server for one connection: it answers an SSLRequest with `answer`
/// (`S` agrees to TLS, `N` refuses it) and hands back every byte the client sent until it
/// stopped sending (or 2 seconds passed), then hangs up.
async fn stand_in(answer: u8) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut seen = vec![0u8; 8];
        stream.read_exact(&mut seen).await.expect("a first message");
        if seen == SSL_REQUEST {
            stream.write_all(&[answer]).await.expect("answer");
        }
        let mut buffer = [0u8; 512];
        while let Ok(Ok(read @ 1..)) = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await {
            seen.extend_from_slice(&buffer[..read]);
            if seen.len() > 8 {
                break;
            }
        }
        seen
    });
    (format!("postgres://pingan@{addr}/pingan"), seen)
}

/// True when `bytes` start with a StartupMessage of protocol 3.0 (a plain-text connection).
fn startup_message(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(&[0, 3, 0, 0])
}

#[tokio::test]
async fn requiring_tls_of_a_server_without_it_stops_the_start_and_says_why() {
    for mode in ["require", "verify-ca", "verify-full"] {
        let (url, seen) = stand_in(b'N').await;
        let started = Instant::now();
        let refused = App::build(test_config(&with_sslmode(&url, mode))).await;
        let Err(err) = refused else { panic!("sslmode={mode} started against a server without TLS") };
        let message = chain(&err);
        assert!(started.elapsed() < Duration::from_secs(10), "sslmode={mode} took {:?}", started.elapsed());
        assert!(message.contains("server does not support TLS"), "sslmode={mode}: the error names TLS: {message}");
        assert!(message.contains("cannot connect to the database"), "sslmode={mode}: {message}");
        // Refused, the client hung up: it never went on in plain text.
        let seen = seen.await.expect("the stand-in ran");
        assert_eq!(seen, SSL_REQUEST, "sslmode={mode}: nothing follows the refused SSLRequest");
    }
}

#[tokio::test]
async fn prefer_goes_on_in_plain_text_without_tls_and_disable_never_asks() {
    let (url, seen) = stand_in(b'N').await;
    let _ = tokio::time::timeout(Duration::from_secs(10), pingan::db::connect(&with_sslmode(&url, "prefer"))).await;
    let seen = seen.await.expect("the stand-in ran");
    assert_eq!(seen[..8], SSL_REQUEST, "prefer asks for TLS first");
    assert!(startup_message(&seen[8..]), "then starts in plain text: {seen:?}");

    let (url, seen) = stand_in(b'N').await;
    let _ = tokio::time::timeout(Duration::from_secs(10), pingan::db::connect(&with_sslmode(&url, "disable"))).await;
    let seen = seen.await.expect("the stand-in ran");
    assert!(startup_message(&seen), "disable starts in plain text at once: {seen:?}");
}

#[tokio::test]
async fn a_server_that_agrees_to_tls_gets_a_tls_handshake_not_plain_text() {
    for mode in ["require", "verify-full"] {
        let (url, seen) = stand_in(b'S').await;
        let outcome =
            tokio::time::timeout(Duration::from_secs(10), pingan::db::connect(&with_sslmode(&url, mode))).await;
        let outcome = outcome.unwrap_or_else(|_| panic!("sslmode={mode}: connecting did not end"));
        assert!(outcome.is_err(), "sslmode={mode}: connected to a server that spoke no TLS");
        let seen = seen.await.expect("the stand-in ran");
        assert_eq!(seen[..8], SSL_REQUEST, "sslmode={mode}: the client asks for TLS");
        // A TLS record of type handshake (22), version 3.x: the ClientHello, not a startup message.
        assert_eq!(seen.get(8..10), Some(&[0x16, 0x03][..]), "sslmode={mode}: a ClientHello follows: {seen:?}");
    }
}

/// Where Debian's PostgreSQL finds its self-signed certificate (`ssl_cert_file`).
const SERVER_CERTIFICATE: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

#[tokio::test]
async fn the_test_server_is_reached_as_the_url_says() {
    if TestDb::backend() != "postgres" {
        eprintln!("skipped: needs a PostgreSQL server; set PINGAN_TEST_POSTGRES_URL to run this test");
        return;
    }
    let db = TestDb::create().await;
    let encrypted = |app: App| async move {
        let row = app
            .state()
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            ))
            .await
            .expect("query")
            .expect("a row");
        row.try_get::<bool>("", "ssl").expect("ssl")
    };
    let plain = App::build(test_config(&with_sslmode(&db.url, "disable"))).await.expect("sslmode=disable connects");
    assert!(!encrypted(plain).await, "sslmode=disable never encrypts");
    let server_has_tls = App::build(test_config(&with_sslmode(&db.url, "prefer"))).await.expect("prefer connects");
    let server_has_tls = encrypted(server_has_tls).await;
    let required = App::build(test_config(&with_sslmode(&db.url, "require"))).await;
    if server_has_tls {
        let required = required.unwrap_or_else(|e| panic!("sslmode=require connects: {}", chain(&e)));
        assert!(encrypted(required).await, "sslmode=require encrypts");
        // The server's certificate is its own (self-signed), not one of a known authority.
        let unverified = App::build(test_config(&with_sslmode(&db.url, "verify-full"))).await;
        let Err(err) = unverified else { panic!("verify-full accepted a certificate nothing vouches for") };
        assert!(chain(&err).contains("certificate"), "{}", chain(&err));
        // With the server's certificate named as the trusted one (sslrootcert), it verifies.
        let certificate = std::path::Path::new(SERVER_CERTIFICATE);
        if certificate.exists() {
            let trusting = format!("{}&sslrootcert={}", with_sslmode(&db.url, "verify-ca"), certificate.display());
            let verified = App::build(test_config(&trusting)).await;
            let verified = verified.unwrap_or_else(|e| panic!("verify-ca with sslrootcert connects: {}", chain(&e)));
            assert!(encrypted(verified).await, "sslmode=verify-ca encrypts");
        }
    } else {
        let Err(err) = required else { panic!("sslmode=require started against a server without TLS") };
        assert!(chain(&err).contains("server does not support TLS"), "{}", chain(&err));
    }
}
