//! The policy is data, checked against the code at start, and the README shows exactly it.

use pingan::access::{Access, MODEL, POLICY, matrix};

#[tokio::test]
async fn the_readme_access_matrix_is_generated_from_the_policy() {
    let access = Access::load().await.expect("the committed policy loads");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    let committed = matrix::section_of(&readme).expect("README.md has the generated access matrix section");
    let generated = matrix::render(&access.rules());
    assert!(
        committed == generated,
        "README.md's access matrix differs from policy/: run `cargo run -- policy matrix --write README.md`"
    );
}

#[tokio::test]
async fn a_policy_line_the_code_cannot_honour_stops_the_server() {
    let cases = [
        ("p, police, person, read, everywhere", "unknown scope"),
        ("p, police, persons, read, town", "unknown resource"),
        ("p, police, person.secrets, read, row", "no field group"),
        ("p, police, venue, read, judicial_tagged", "means nothing"),
        ("p, sheriff, person, read, town", "unknown role"),
        ("p, police, person, read, row", "field groups only"),
    ];
    for (line, expected) in cases {
        let policy = format!("{POLICY}\n{line}\n");
        let err = Access::from_text(MODEL, &policy).await.err().unwrap_or_else(|| panic!("accepted: {line}"));
        assert!(err.to_string().contains(expected), "{line}: {err}");
    }
}
