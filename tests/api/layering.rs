//! One door: only the access layer (`api/src/access/`) names a case table's `Entity`,
//! `ActiveModel` or `Column`. Resolvers, exports, imports, the rule scheduler, the CLI and the
//! demo loader go through its stores.

use std::path::{Path, PathBuf};

/// The case tables (entity modules): records, their child tables and the audit log.
fn is_case_table(module: &str) -> bool {
    ["person", "venue", "lead", "risk_", "task", "audit_log", "record_tally", "duty_tally"]
        .iter()
        .any(|p| module.starts_with(p))
}

const NAMES: [&str; 3] = ["Entity", "ActiveModel", "Column"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every naming of a case table's entity, active model or column in `text`, as
/// `line: module::Name`: paths (`person::Column`), braced imports
/// (`use entity::person::{Column, …}`) and the prelude's entity names.
fn violations(text: &str) -> Vec<String> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices("::") {
            let before = &code[..at];
            let word = &before[before.trim_end_matches(ident).len()..];
            if !is_case_table(word) {
                continue;
            }
            let after = &code[at + 2..];
            let named = NAMES.iter().find(|name| after.starts_with(*name) && !after[name.len()..].starts_with(ident));
            let braced = after.starts_with('{') && NAMES.iter().any(|name| after.contains(name));
            if named.is_some() || braced {
                found.push(format!("{}: {word}::{}", n + 1, named.copied().unwrap_or("{…}")));
            }
        }
        if code.contains("entity::prelude") {
            found.push(format!("{}: entity::prelude", n + 1));
        }
    }
    found
}

#[test]
fn only_the_access_layer_names_case_entities_active_models_and_columns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("api");
    let access = root.join("src").join("access");
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    if root.join("examples").exists() {
        rust_files(&root.join("examples"), &mut files);
    }
    assert!(files.len() > 20, "the scan found the sources");
    let mut report = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&access)) {
        let text = std::fs::read_to_string(file).unwrap();
        for v in violations(&text) {
            report.push(format!("{}:{v}", file.strip_prefix(&root).unwrap().display()));
        }
    }
    assert!(report.is_empty(), "outside api/src/access:\n{}", report.join("\n"));
}

#[test]
fn the_scan_recognises_every_way_of_naming_them() {
    assert_eq!(violations("let q = person::Entity::find();").len(), 1);
    assert_eq!(violations("x.filter(lead_event::Column::LeadId.eq(id))").len(), 1);
    assert_eq!(violations("risk_item::ActiveModel { .. }").len(), 1);
    assert_eq!(violations("use entity::task::{Column, Entity};").len(), 1);
    assert_eq!(violations("use entity::prelude::*;").len(), 1);
    assert_eq!(violations("fn f(m: &person::Model, p: &village::Entity) {}").len(), 0);
    assert_eq!(violations("// person::Entity in a comment").len(), 0);
    assert_eq!(violations("audit_log::Column::TownId").len(), 1);
    assert_eq!(violations("person::ColumnRef").len(), 0);
}

#[test]
fn the_layers_below_the_schema_import_nothing_from_it() {
    // Each layer, and what it must never name: the stores stand below everything; the domain,
    // the rules and the spreadsheets below the GraphQL schema and the transports.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("api").join("src");
    let above_schema = ["crate::graphql", "crate::http", "crate::ws", "crate::pipeline", "crate::import_command"];
    let layers: [(&str, Vec<&str>); 4] = [
        ("access", [&above_schema[..], &["crate::rules", "crate::sheet", "crate::demo"]].concat()),
        ("domain", [&above_schema[..], &["crate::rules", "crate::sheet", "crate::access"]].concat()),
        ("sheet", above_schema.to_vec()),
        ("rules.rs", above_schema.to_vec()),
    ];
    let mut report = Vec::new();
    for (layer, forbidden) in layers {
        let mut files = Vec::new();
        let path = root.join(layer);
        if path.is_dir() {
            rust_files(&path, &mut files)
        } else {
            files.push(path)
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for name in forbidden.iter().filter(|f| code.contains(*f)) {
                    report.push(format!("{}:{}: {name}", file.strip_prefix(&root).unwrap().display(), n + 1));
                }
            }
        }
    }
    assert!(report.is_empty(), "a layer names one above it:\n{}", report.join("\n"));
}
