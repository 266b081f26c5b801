//! Spreadsheet bombs: imports whose XLSX unpacks to far more than it weighs are refused before
//! they are read, and the server goes on serving.

use std::io::{Cursor, Read, Write};

use base64::Engine as _;
use pingan_tests::{TestApp, error_code};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

const IMPORT: &str = "mutation($i: ImportInput!) { importPersons(input: $i) { rows created rejected { reason } } }";

const HEADER: [&str; 5] = ["姓名", "身份证号", "村（社区）", "关注等级", "人员类别"];
const GOOD: [&str; 5] = ["甲一", "110101199003070011", "东庄村", "重点关注", "黄赌毒"];

async fn import(app: &TestApp, token: &str, file: &[u8]) -> Value {
    let content = base64::engine::general_purpose::STANDARD.encode(file);
    app.import_gql(Some(token), IMPORT, json!({ "i": { "content": content, "dryRun": true } })).await
}

fn refused(body: &Value, needle: &str) {
    let shown: String = body.to_string().chars().take(600).collect();
    assert_eq!(error_code(body), Some("BAD_USER_INPUT"), "{shown}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.content", "{shown}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(needle), "{needle:?} in {message:?}");
}

/// The server still answers, and a good ledger still imports.
async fn still_serving(app: &TestApp, token: &str) {
    let body = import(app, token, &ledger(&[&HEADER, &GOOD])).await;
    assert_eq!(body["data"]["importPersons"]["rows"], 1, "{body}");
    assert_eq!(body["data"]["importPersons"]["rejected"], json!([]), "{body}");
}

/// A workbook with one sheet of rows (strings in the shared-strings part).
fn ledger(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

type Packer = ZipWriter<Cursor<Vec<u8>>>;

/// `file` with its shared-strings part written by `shared_strings` and `extra` empty parts added.
fn repack(file: &[u8], mut shared_strings: impl FnMut(&mut dyn Write), extra: usize) -> Vec<u8> {
    let level = std::env::var("BOMB_LEVEL").map_or(1, |v| v.parse().unwrap());
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    repack_with(
        file,
        |out| {
            out.start_file("xl/sharedStrings.xml", options.compression_level(Some(level))).unwrap();
            shared_strings(out);
        },
        extra,
    )
}

/// `file` with its shared-strings part replaced by what `replace` adds to the archive.
fn repack_with(file: &[u8], mut replace: impl FnMut(&mut Packer), extra: usize) -> Vec<u8> {
    let mut source = ZipArchive::new(Cursor::new(file)).unwrap();
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let part = source.by_index_raw(i).unwrap();
        if part.name().unwrap() == "xl/sharedStrings.xml" {
            drop(part);
            replace(&mut out);
        } else {
            out.raw_copy_file(part).unwrap();
        }
    }
    for i in 0..extra {
        out.start_file(format!("xl/media/empty{i}.bin"), SimpleFileOptions::default()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

const SST: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;

/// A shared-strings part whose first string is `mb` MiB of one letter, streamed in chunks so
/// the test never holds it.
fn huge_string(mb: usize) -> impl FnMut(&mut dyn Write) {
    move |w: &mut dyn Write| {
        write!(w, r#"{SST} count="5" uniqueCount="5"><si><t>"#).unwrap();
        let chunk = vec![b'A'; 1024 * 1024];
        for _ in 0..mb {
            w.write_all(&chunk).unwrap();
        }
        w.write_all("</t></si><si><t>b</t></si><si><t>c</t></si><si><t>d</t></si><si><t>e</t></si></sst>".as_bytes())
            .unwrap();
    }
}

/// Sets the uncompressed size the local header and the central directory declare for `name`.
fn declare_size(file: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for at in 0..file.len().saturating_sub(46) {
        // (offsets of the uncompressed size, the name's length and the name)
        let (size_at, name_len_at, name_at) = match &file[at..at + 4] {
            b"PK\x03\x04" => (22, 26, 30),
            b"PK\x01\x02" => (24, 28, 46),
            _ => continue,
        };
        let len = u16::from_le_bytes([file[at + name_len_at], file[at + name_len_at + 1]]) as usize;
        if file.get(at + name_at..at + name_at + len) == Some(name.as_bytes()) {
            file[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "a local header and a central directory entry");
}

/// The process's peak resident memory in MB (the server runs in the test process), printed to
/// measure a bomb by hand, e.g. 1.5 GB packed into 1.5 MB:
/// `BOMB_MB=1500 BOMB_LEVEL=9 cargo test -p pingan-tests --test api -- sheet_bombs::shared --nocapture`.
fn peak_rss_mb() -> u64 {
    let mut status = String::new();
    std::fs::File::open("/proc/self/status").and_then(|mut f| f.read_to_string(&mut status)).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

#[tokio::test]
async fn shared_strings_unpacking_past_the_limit_are_refused_before_they_are_read() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let base = ledger(&[&HEADER, &GOOD]);
    // About 1.6 MB on the wire (compressed fast, not well), 160 MB unpacked.
    let bomb = repack(&base, huge_string(std::env::var("BOMB_MB").map_or(160, |v| v.parse().unwrap())), 0);
    assert!(bomb.len() < 10 * 1024 * 1024, "{} bytes", bomb.len());
    let before = peak_rss_mb();
    refused(&import(&app, &token, &bomb).await, "unpacks to more than 100 MB");
    eprintln!("peak RSS {before} MB before the bomb, {} MB after", peak_rss_mb());

    // Under the size limit, but compressed as only bombs are.
    let mut dense = Vec::new();
    huge_string(20)(&mut dense);
    let mut packed = ZipWriter::new(Cursor::new(Vec::new()));
    let best = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(9));
    packed.start_file("xl/sharedStrings.xml", best).unwrap();
    packed.write_all(&dense).unwrap();
    let packed = packed.finish().unwrap().into_inner();
    let mut packed = ZipArchive::new(Cursor::new(packed)).unwrap();
    let dense = repack_with(&base, |out| out.raw_copy_file(packed.by_index_raw(0).unwrap()).unwrap(), 0);
    refused(&import(&app, &token, &dense).await, "compressed more than 250 to 1");
    still_serving(&app, &token).await;
}

#[tokio::test]
async fn a_part_inflating_past_its_declared_size_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    // The zip crate (9.8) already fails a part inflating past its declared size; this holds
    // that, since the declared sizes are what the checks bound.
    let mut liar = repack(&ledger(&[&HEADER, &GOOD]), huge_string(40), 0);
    declare_size(&mut liar, "xl/sharedStrings.xml", 1000);
    refused(&import(&app, &token, &liar).await, "damaged");
    still_serving(&app, &token).await;
}

#[tokio::test]
async fn a_shared_strings_count_past_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    // A few bytes asking calamine to reserve room for ten billion strings.
    let huge_count = repack(
        &ledger(&[&HEADER, &GOOD]),
        |w| {
            write!(w, r#"{SST} count="10000000000" uniqueCount="10000000000"><si><t>a</t></si></sst>"#).unwrap();
        },
        0,
    );
    refused(&import(&app, &token, &huge_count).await, "10000000000 shared strings");

    // More strings than the limit, whatever the count says.
    let many = repack(
        &ledger(&[&HEADER, &GOOD]),
        |w| {
            write!(w, r#"{SST} count="1" uniqueCount="1">"#).unwrap();
            let chunk = "<si/>".repeat(1000);
            for _ in 0..1001 {
                w.write_all(chunk.as_bytes()).unwrap();
            }
            w.write_all(b"</sst>").unwrap();
        },
        0,
    );
    refused(&import(&app, &token, &many).await, "at most 1000000 are taken");
    still_serving(&app, &token).await;
}

#[tokio::test]
async fn a_workbook_of_too_many_parts_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.login("police").await;
    let base = ledger(&[&HEADER, &GOOD]);
    let mut source = ZipArchive::new(Cursor::new(&base)).unwrap();
    let mut original = String::new();
    source.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut original).unwrap();
    let crowded = repack(&base, move |w| w.write_all(original.as_bytes()).unwrap(), 1000);
    refused(&import(&app, &token, &crowded).await, "a workbook has at most 1000");
    still_serving(&app, &token).await;
}

#[tokio::test]
async fn rows_repeating_a_long_shared_string_are_refused_past_the_text_limit() {
    let app = TestApp::spawn_with(|config| config.limits.max_import_unpacked_bytes = 2 * 1024 * 1024).await;
    let token = app.login("police").await;
    // 2000 cells of one 1000-character string: a small sheet, 6 MB of text once read.
    let long = "长".repeat(1000);
    let row: Vec<&str> = vec![&long; 5];
    let mut rows: Vec<&[&str]> = vec![&HEADER];
    rows.extend(std::iter::repeat_n(row.as_slice(), 400));
    refused(&import(&app, &token, &ledger(&rows)).await, "more than 2 MB of text");
    still_serving(&app, &token).await;
}
