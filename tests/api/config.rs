//! Configuration: no secret has a default outside demo mode.

use clap::Parser;
use pingan::config::{Cli, Command, ConfigError, ServeArgs};

fn serve_args(extra: &[&str]) -> ServeArgs {
    let mut argv = vec!["pingan", "serve"];
    argv.extend_from_slice(extra);
    let Command::Serve(mut args) = Cli::try_parse_from(argv).expect("valid command line").command else {
        panic!("not serve");
    };
    // Independent of the environment the tests run in.
    if !extra.iter().any(|a| a.starts_with("--jwt")) {
        args.keys.jwt_secret = None;
        args.keys.jwt_private_key_file = None;
        args.keys.jwt_public_key_file = None;
    }
    *args
}

#[test]
fn serve_refuses_to_start_without_a_signing_key() {
    let err = serve_args(&[]).into_config().expect_err("must refuse");
    assert!(matches!(err, ConfigError::MissingSigningKey));
    let message = err.to_string();
    assert!(message.contains("PINGAN_JWT_SECRET"), "the message says how to set one: {message}");
}

#[test]
fn demo_mode_runs_with_an_ephemeral_key_and_graphiql() {
    let config = serve_args(&["--demo"]).into_config().expect("demo starts without a key");
    assert!(config.keys.describe().contains("ephemeral"));
    assert!(config.playground);
}

#[test]
fn a_short_secret_is_refused() {
    let err = serve_args(&["--jwt-secret", "short"]).into_config().expect_err("must refuse");
    assert!(matches!(err, ConfigError::WeakSecret));
}

#[test]
fn half_an_eddsa_key_pair_is_refused() {
    let err = serve_args(&["--jwt-private-key-file", "/nonexistent.pem"]).into_config().expect_err("must refuse");
    assert!(matches!(err, ConfigError::HalfKeyPair));
}

#[test]
fn a_configured_secret_starts_without_graphiql_by_default() {
    let config = serve_args(&["--jwt-secret", "0123456789abcdef0123456789abcdef"]).into_config().expect("valid");
    assert!(!config.playground);
    assert!(config.keys.describe().starts_with("HS256"));
    assert!(!format!("{config:?}").contains("0123456789abcdef"), "the secret is never printed");
}
