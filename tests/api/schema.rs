//! The schema client teams build against is committed as `schema.graphql`; it never drifts from
//! the server's.

#[test]
fn the_committed_schema_is_the_servers_schema() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).expect("schema.graphql");
    assert!(
        committed == pingan::graphql::sdl(),
        "schema.graphql differs from the server's schema: run `cargo run -- schema > schema.graphql`"
    );
}
