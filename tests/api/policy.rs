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
        ("p, police, *, person, read, everywhere", "unknown scope"),
        ("p, police, *, persons, read, town", "unknown resource"),
        ("p, police, *, person.secrets, read, row", "no field group"),
        ("p, police, *, venue, read, judicial_tagged", "means nothing"),
        ("p, sheriff, *, person, read, town", "unknown role"),
        ("p, police, *, person, read, row", "field groups only"),
        ("p, police, 清河镇, person, read, town", "town id"),
        ("p, police, person, read, town", "five fields"),
    ];
    for (line, expected) in cases {
        let policy = format!("{POLICY}\n{line}\n");
        let err = Access::from_text(MODEL, &policy).await.err().unwrap_or_else(|| panic!("accepted: {line}"));
        assert!(err.to_string().contains(expected), "{line}: {err}");
    }
}

#[tokio::test]
async fn a_line_for_one_town_applies_in_that_town_only() {
    let town = uuid::Uuid::now_v7();
    let policy = format!("{POLICY}\np, village, {town}, person.identity, read, row\n");
    let access = Access::from_text(MODEL, &policy).await.expect("a town-specific line loads");
    let mut here = pingan::auth::Viewer::probe();
    here.role = entity::enums::Role::Village;
    here.town_id = town;
    let mut elsewhere = here.clone();
    elsewhere.town_id = uuid::Uuid::now_v7();
    let groups =
        |v: &pingan::auth::Viewer| access.groups::<pingan::access::resource::Persons>(v).held_anywhere("identity");
    assert!(groups(&here));
    assert!(!groups(&elsewhere));
    assert!(access.can(&here, "person.identity", "read"));
    assert!(!access.can(&elsewhere, "person.identity", "read"));
}
