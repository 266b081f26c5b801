//! `importPersons` / `importVenues` and `pingan import`: the ledgers towns keep, read from XLSX.
//!
//! A ledger is a sheet with a header row of Chinese column names: the headers the export writes
//! (so an export imports back), or any others mapped to them by a mapping (JSON:
//! `{"sheet": "…", "columns": {"人员姓名": "姓名"}}`). Every row goes through the very validation
//! and insertion of `createPerson` / `createVenue`, with the same audit entry and level history;
//! then all rows are written in one transaction, or none when any row is rejected.
//!
//! Re-importing changes nothing: a person whose national ID number the town holds, and a venue
//! whose licence number (without one: name and address) the town holds, is left as it is and
//! counted as unchanged, even when the file says otherwise; changes go through the update
//! mutations, which check versions.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use base64::Engine as _;
use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use entity::enums::{JudicialTag, PersonCategory};
use entity::village;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::access::resource::{Persons, Venues, Villages};
use crate::audit;
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::graphql::ContextExt;
use crate::graphql::ids::{self, Kind};
use crate::graphql::person::{CreatePersonInput, JudicialTagInput, NewPerson};
use crate::graphql::scalars::Date;
use crate::graphql::venue::{CreateVenueInput, NewVenue};
use crate::sheet::columns::{person_headers as ph, venue_headers as vh};
use crate::sheet::from_label;

/// The largest file taken (bytes).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most data rows taken from one file.
pub const MAX_ROWS: u32 = 20_000;
/// The longest cell taken (characters).
pub const MAX_CELL_CHARS: usize = 4000;

/// How long an import waits for another to finish before it is refused (`RATE_LIMITED`).
const IMPORT_WAIT: Duration = Duration::from_secs(30);

/// The imports being read, server-wide: each may hold its file, its shared strings and its rows
/// (each bounded by `max_import_unpacked_bytes`), so only a few run at once. Sized by the first
/// import's configuration (one server per process); kept here so the bound stays with imports.
static IMPORTS: OnceLock<Semaphore> = OnceLock::new();

/// A place among the imports running at once, waiting up to `wait` for one.
async fn slot(slots: &Semaphore, wait: Duration) -> Result<SemaphorePermit<'_>, ApiError> {
    match tokio::time::timeout(wait, slots.acquire()).await {
        Ok(permit) => permit.map_err(|e| ApiError::Internal(e.into())),
        Err(_) => Err(ApiError::RateLimited),
    }
}

/// Reports progress of a long import (the command line prints it): (stage, done, total).
#[derive(Clone)]
pub struct Progress(pub Arc<ProgressFn>);

/// (stage, rows done, rows in all or 0 when not known yet).
pub type ProgressFn = dyn Fn(&str, usize, usize) + Send + Sync;

/// 导入错误 — a row the import refused, or a fault of the whole file (then `line` or `column` may be null).
#[derive(SimpleObject, Debug, Clone)]
pub struct ImportRejection {
    /// 行号 — the spreadsheet's row number (1 is the first row).
    pub line: Option<u32>,
    /// 列 — the column's header.
    pub column: Option<String>,
    /// 原因 — why the row or file was refused, in English.
    pub reason: String,
    /// 中文原因 — why the row or file was refused, in Chinese.
    pub reason_zh: String,
}

/// 台账导入 — an XLSX ledger to import.
#[derive(InputObject)]
pub struct ImportInput {
    /// 文件内容 — the XLSX file, base64-encoded.
    pub content: String,
    /// 工作表 — the sheet to read; the first one when not given.
    pub sheet: Option<String>,
    /// A mapping of this file's headers to the ledger's (JSON `{"columns": {"header": "姓名"}}`).
    pub mapping: Option<String>,
    /// 试导入 — check every row and write nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// 导入结果 — what an import read, created and refused.
#[derive(SimpleObject)]
pub struct ImportPayload {
    /// 行数 — data rows read.
    pub rows: u32,
    /// 新增 — records created (none on a dry run or when any row is rejected).
    pub created: u32,
    /// 未变 — rows whose record the town already holds, left as they are.
    pub unchanged: u32,
    /// 试导入 — whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// 拒绝行 — every rejected row; when there is any, nothing was written.
    pub rejected: Vec<ImportRejection>,
}

/// A mapping file.
#[derive(serde::Deserialize, Default)]
struct Mapping {
    sheet: Option<String>,
    #[serde(default)]
    columns: HashMap<String, String>,
}

/// One cell as read.
#[derive(Debug, Clone)]
enum Raw {
    Text(String),
    Date(NaiveDate),
}

/// A data row: its line and its cells by ledger header.
struct Row {
    line: u32,
    cells: HashMap<&'static str, Raw>,
}

impl Row {
    fn text(&self, header: &str) -> Option<String> {
        match self.cells.get(header)? {
            Raw::Text(t) => Some(t.clone()),
            Raw::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
        }
    }

    fn reject(&self, column: &str, reason: impl Into<String>, reason_zh: impl Into<String>) -> ImportRejection {
        ImportRejection {
            line: Some(self.line),
            column: Some(column.to_owned()),
            reason: reason.into(),
            reason_zh: reason_zh.into(),
        }
    }

    /// A date cell or a date written as text (2024-03-05, 2024/3/5, 2024年3月5日, 20240305).
    fn date(&self, header: &str) -> Result<Option<Date>, ImportRejection> {
        match self.cells.get(header) {
            None => Ok(None),
            Some(Raw::Date(d)) => Ok(Some(Date(*d))),
            Some(Raw::Text(t)) => parse_date(t)
                .map(|d| Some(Date(d)))
                .ok_or_else(|| self.reject(header, format!("{t} is not a date."), format!("{t} 不是日期。"))),
        }
    }

    /// An enum value by label or name.
    fn value<E: async_graphql::InputType>(&self, header: &str) -> Result<Option<E>, ImportRejection> {
        match self.text(header) {
            None => Ok(None),
            Some(t) => from_label::<E>(&t)
                .map(Some)
                .ok_or_else(|| self.reject(header, format!("Unknown value {t}."), format!("无法识别的取值：{t}。"))),
        }
    }

    /// Several enum values in one cell.
    fn values<E: async_graphql::InputType>(&self, header: &str) -> Result<Vec<E>, ImportRejection> {
        let Some(text) = self.text(header) else { return Ok(Vec::new()) };
        text.split([',', '，', ';', '；', '、'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                from_label::<E>(p)
                    .ok_or_else(|| self.reject(header, format!("Unknown value {p}."), format!("无法识别的取值：{p}。")))
            })
            .collect()
    }
}

/// Dates as towns write them.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

fn file_error(line: Option<u32>, column: Option<&str>, reason: String, reason_zh: String) -> ApiError {
    let at = match (line, column) {
        (Some(l), Some(c)) => format!(" (row {l}, column {c})"),
        (Some(l), None) => format!(" (row {l})"),
        _ => String::new(),
    };
    let at_zh = match (line, column) {
        (Some(l), Some(c)) => format!("（第{l}行，{c}列）"),
        (Some(l), None) => format!("（第{l}行）"),
        _ => String::new(),
    };
    ApiError::bad_input("input.content", format!("{reason}{at}"), format!("{reason_zh}{at_zh}"))
}

/// Reads the ledger's rows: the header row (the first non-empty row), then each data row by
/// header, cell by cell as the sheet streams. Refuses, naming the row and column, a file that is
/// not XLSX or unpacks past `max_unpacked` bytes ([`crate::sheet::package`]), a missing sheet or
/// required column, a formula, an over-long cell, more than [`MAX_ROWS`] rows and rows holding
/// more than `max_unpacked` bytes of text (one shared string may fill many cells).
fn read_ledger(
    bytes: &[u8],
    sheet: Option<&str>,
    mapping: &Mapping,
    known: &[&'static str],
    required: &[&'static str],
    progress: Option<&Progress>,
    max_unpacked: u64,
) -> Result<Vec<Row>, ApiError> {
    if bytes.len() > MAX_BYTES {
        let mb = MAX_BYTES / 1024 / 1024;
        return Err(file_error(None, None, format!("The file is larger than {mb} MB."), format!("文件超过{mb}MB。")));
    }
    crate::sheet::package::check(bytes, max_unpacked)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| {
        file_error(None, None, "The file is not an XLSX workbook.".into(), "文件不是XLSX工作簿。".into())
    })?;
    let names = book.sheet_names();
    let sheet = match sheet.or(mapping.sheet.as_deref()) {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => {
            let all = names.join(", ");
            return Err(ApiError::bad_input(
                "input.sheet",
                format!("The workbook has no sheet {s} (it has {all})."),
                format!("工作簿中没有工作表 {s}（现有：{all}）。"),
            ));
        }
        None => names.first().cloned().ok_or_else(|| {
            file_error(None, None, "The workbook has no sheet.".into(), "工作簿中没有工作表。".into())
        })?,
    };
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|_| file_error(None, None, "The sheet cannot be read.".into(), "无法读取工作表。".into()))?;
    let mut text_bytes: u64 = 0;
    let mut header: HashMap<u32, &'static str> = HashMap::new();
    let mut header_line: Option<u32> = None;
    let mut pending_header: Vec<(u32, String)> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut current: Option<Row> = None;
    let unreadable = || file_error(None, None, "The sheet cannot be read.".into(), "无法读取工作表。".into());
    while let Some(cell) = cells.next_cell_with_formula_metadata().map_err(|_| unreadable())? {
        let (r, c) = cell.pos;
        let line = r + 1;
        let column_name = header.get(&c).copied().map(str::to_owned).unwrap_or_else(|| column_letter(c));
        if cell.formula.is_some() {
            return Err(file_error(
                Some(line),
                Some(&column_name),
                "Formulas are not taken; paste values instead.".into(),
                "不接受公式，请粘贴为数值。".into(),
            ));
        }
        let raw = match cell.value {
            DataRef::Empty => continue,
            DataRef::String(s) => Raw::Text(s),
            DataRef::SharedString(s) => Raw::Text(s.to_owned()),
            DataRef::Int(i) => Raw::Text(i.to_string()),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Raw::Text(format!("{f:.0}")),
            DataRef::Float(f) => Raw::Text(f.to_string()),
            DataRef::Bool(b) => Raw::Text(if b { "是" } else { "否" }.to_owned()),
            DataRef::DateTime(d) => match d.as_datetime() {
                Some(d) => Raw::Date(d.date()),
                None => Raw::Text(d.as_f64().to_string()),
            },
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Raw::Text(s),
            DataRef::Error(_) => {
                return Err(file_error(
                    Some(line),
                    Some(&column_name),
                    "The cell holds an error value.".into(),
                    "单元格为错误值。".into(),
                ));
            }
        };
        if let Raw::Text(t) = &raw
            && t.chars().count() > MAX_CELL_CHARS
        {
            return Err(file_error(
                Some(line),
                Some(&column_name),
                format!("The cell is longer than {MAX_CELL_CHARS} characters."),
                format!("单元格超过{MAX_CELL_CHARS}个字符。"),
            ));
        }
        let raw = match raw {
            Raw::Text(t) if t.trim().is_empty() => continue,
            Raw::Text(t) => Raw::Text(t.trim().to_owned()),
            date => date,
        };
        if let Raw::Text(t) = &raw {
            text_bytes += t.len() as u64;
            if text_bytes > max_unpacked {
                let mb = max_unpacked / 1024 / 1024;
                return Err(file_error(
                    Some(line),
                    None,
                    format!("The sheet holds more than {mb} MB of text; split the ledger."),
                    format!("工作表文字超过{mb}MB，请拆分台账后导入。"),
                ));
            }
        }
        match header_line {
            None | Some(_) if header_line.is_none_or(|h| h == line) => {
                header_line = Some(line);
                let text = match raw {
                    Raw::Text(t) => t,
                    Raw::Date(d) => d.to_string(),
                };
                pending_header.push((c, text));
                continue;
            }
            _ => {}
        }
        if !pending_header.is_empty() {
            header = resolve_header(std::mem::take(&mut pending_header), mapping, known, required, header_line)?;
        }
        let Some(&name) = header.get(&c) else { continue };
        if current.as_ref().is_none_or(|row| row.line != line) {
            if let Some(done) = current.take() {
                rows.push(done);
            }
            if rows.len() as u32 >= MAX_ROWS {
                return Err(too_many_rows(line));
            }
            if let Some(p) = progress
                && rows.len().is_multiple_of(1000)
            {
                (p.0)("read", rows.len(), 0);
            }
            current = Some(Row { line, cells: HashMap::new() });
        }
        if let Some(row) = current.as_mut() {
            row.cells.insert(name, raw);
        }
    }
    if !pending_header.is_empty() {
        resolve_header(pending_header, mapping, known, required, header_line)?;
    }
    if header_line.is_none() {
        return Err(file_error(None, None, "The sheet is empty.".into(), "工作表为空。".into()));
    }
    rows.extend(current);
    Ok(rows)
}

fn too_many_rows(line: u32) -> ApiError {
    file_error(
        Some(line),
        None,
        format!("The file has more than {MAX_ROWS} rows; split it."),
        format!("文件超过{MAX_ROWS}行，请拆分后导入。"),
    )
}

/// Reads the ledger off the async workers (parsing a large sheet takes a while), holding one of
/// the server's few import slots.
async fn read_rows(
    ctx: &Context<'_>,
    input: &ImportInput,
    known: &'static [&'static str],
    required: &'static [&'static str],
) -> Result<(Vec<Row>, SemaphorePermit<'static>), ApiError> {
    let limits = &ctx.state().config.limits;
    let slots = IMPORTS.get_or_init(|| Semaphore::new(limits.max_concurrent_imports.max(1)));
    let permit = slot(slots, IMPORT_WAIT).await?;
    let (bytes, mapping) = decode(input)?;
    let progress = ctx.data_opt::<Progress>().cloned();
    let sheet = input.sheet.clone();
    let max_unpacked = limits.max_import_unpacked_bytes;
    // The permit goes with the reading: a request dropped meanwhile does not free its slot early.
    let (rows, permit) = tokio::task::spawn_blocking(move || {
        let rows = read_ledger(&bytes, sheet.as_deref(), &mapping, known, required, progress.as_ref(), max_unpacked);
        (rows, permit)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((rows?, permit))
}

/// The ledger header of each column of the header row; refuses a missing required column.
fn resolve_header(
    cells: Vec<(u32, String)>,
    mapping: &Mapping,
    known: &[&'static str],
    required: &[&'static str],
    line: Option<u32>,
) -> Result<HashMap<u32, &'static str>, ApiError> {
    let mut header = HashMap::new();
    for (c, text) in cells {
        let name = mapping.columns.get(&text).map(String::as_str).unwrap_or(text.as_str());
        if let Some(known) = known.iter().find(|k| **k == name) {
            header.insert(c, *known);
        }
    }
    for column in required {
        if !header.values().any(|h| h == column) {
            return Err(file_error(
                line,
                Some(column),
                format!("The header row has no column {column}."),
                format!("表头缺少必填列“{column}”。"),
            ));
        }
    }
    Ok(header)
}

/// `A`, `B`, … `AA` for a zero-based column index.
fn column_letter(mut c: u32) -> String {
    let mut name = String::new();
    loop {
        name.insert(0, char::from(b'A' + (c % 26) as u8));
        if c < 26 {
            return name;
        }
        c = c / 26 - 1;
    }
}

/// The villages the viewer may name, by name.
async fn villages(ctx: &Context<'_>, viewer: &Viewer) -> Result<HashMap<String, ID>, ApiError> {
    let state = ctx.state();
    let rows: Vec<village::Model> = state.access.select::<Villages>(viewer)?.all(&state.db).await?;
    Ok(rows.into_iter().map(|v| (v.name, ids::encode(Kind::Village, v.id))).collect())
}

/// Which column an input path of a create mutation came from.
fn column_of(field: &str, columns: &[(&str, &'static str)]) -> &'static str {
    columns.iter().find(|(prefix, _)| field.starts_with(prefix)).map_or("", |(_, c)| c)
}

fn rejection_of(row: &Row, err: ApiError, columns: &[(&str, &'static str)]) -> Result<ImportRejection, ApiError> {
    match err {
        ApiError::BadUserInput { field, message, message_zh } => {
            Ok(row.reject(column_of(&field, columns), message, message_zh))
        }
        ApiError::Conflict { message, message_zh, .. } => Ok(row.reject("", message, message_zh)),
        other => Err(other),
    }
}

const PERSON_FIELDS: &[(&str, &str)] = &[
    ("input.name", ph::NAME),
    ("input.idNumber", ph::ID_NUMBER),
    ("input.gender", ph::GENDER),
    ("input.birthDate", ph::BIRTH_DATE),
    ("input.villageId", ph::VILLAGE),
    ("input.categories", ph::CATEGORIES),
    ("input.phone", ph::PHONE),
    ("input.address", ph::ADDRESS),
    ("input.notes", ph::NOTES),
];

const VENUE_FIELDS: &[(&str, &str)] = &[
    ("input.name", vh::NAME),
    ("input.address", vh::ADDRESS),
    ("input.villageId", vh::VILLAGE),
    ("input.licenceNumber", vh::LICENCE),
    ("input.managerName", vh::MANAGER),
    ("input.managerPhone", vh::MANAGER_PHONE),
    ("input.notes", vh::NOTES),
];

/// The file and its options, decoded.
fn decode(input: &ImportInput) -> Result<(Vec<u8>, Mapping), ApiError> {
    // Base64 is 4/3 of the bytes: refuse before decoding anything larger than allowed.
    if input.content.len() > MAX_BYTES / 3 * 4 + 4 {
        let mb = MAX_BYTES / 1024 / 1024;
        return Err(file_error(None, None, format!("The file is larger than {mb} MB."), format!("文件超过{mb}MB。")));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(input.content.trim())
        .map_err(|_| ApiError::bad_input("input.content", "The content is not base64.", "文件内容不是base64编码。"))?;
    let mapping = match &input.mapping {
        Some(text) => serde_json::from_str(text).map_err(|e| {
            ApiError::bad_input("input.mapping", format!("The mapping is not valid: {e}."), "映射文件格式不正确。")
        })?,
        None => Mapping::default(),
    };
    Ok((bytes, mapping))
}

fn report(ctx: &Context<'_>, stage: &str, done: usize, total: usize) {
    if let Some(p) = ctx.data_opt::<Progress>()
        && (done.is_multiple_of(100) || done == total)
    {
        (p.0)(stage, done, total);
    }
}

/// A person row as a `createPerson` input.
fn person_input(row: &Row, villages: &HashMap<String, ID>) -> Result<CreatePersonInput, ImportRejection> {
    let required = |h: &str| row.text(h).ok_or_else(|| row.reject(h, "This must not be empty.", "此项不能为空。"));
    let village = required(ph::VILLAGE)?;
    let village_id = villages.get(&village).cloned().ok_or_else(|| {
        row.reject(ph::VILLAGE, format!("No village {village} in your town."), format!("本镇没有“{village}”。"))
    })?;
    let level =
        row.value(ph::LEVEL)?.ok_or_else(|| row.reject(ph::LEVEL, "This must not be empty.", "此项不能为空。"))?;
    let tags: Vec<JudicialTag> = row.values(ph::TAGS)?;
    let release_date = row.date(ph::RELEASE_DATE)?;
    let correction_end_date = row.date(ph::CORRECTION_END)?;
    let judicial_tags = tags
        .into_iter()
        .map(|tag| JudicialTagInput {
            tag,
            release_date: (tag == JudicialTag::ReleasedPrisoner).then_some(release_date).flatten(),
            correction_end_date: (tag == JudicialTag::CommunityCorrection).then_some(correction_end_date).flatten(),
        })
        .collect();
    Ok(CreatePersonInput {
        name: required(ph::NAME)?,
        id_number: required(ph::ID_NUMBER)?,
        village_id,
        attention_level: level,
        categories: row.values::<PersonCategory>(ph::CATEGORIES)?,
        gender: row.value(ph::GENDER)?,
        birth_date: row.date(ph::BIRTH_DATE)?,
        phone: row.text(ph::PHONE),
        address: row.text(ph::ADDRESS),
        judicial_tags: Some(judicial_tags),
        responsible_officer_id: None,
        notes: row.text(ph::NOTES),
        link_reason: None,
    })
}

/// A venue row as a `createVenue` input.
fn venue_input(row: &Row, villages: &HashMap<String, ID>) -> Result<CreateVenueInput, ImportRejection> {
    let required = |h: &str| row.text(h).ok_or_else(|| row.reject(h, "This must not be empty.", "此项不能为空。"));
    let village = required(vh::VILLAGE)?;
    let village_id = villages.get(&village).cloned().ok_or_else(|| {
        row.reject(vh::VILLAGE, format!("No village {village} in your town."), format!("本镇没有“{village}”。"))
    })?;
    let empty = |h: &str| row.reject(h, "This must not be empty.", "此项不能为空。");
    Ok(CreateVenueInput {
        name: required(vh::NAME)?,
        venue_type: row.value(vh::TYPE)?.ok_or_else(|| empty(vh::TYPE))?,
        address: required(vh::ADDRESS)?,
        village_id,
        attention_level: row.value(vh::LEVEL)?.ok_or_else(|| empty(vh::LEVEL))?,
        licence_number: row.text(vh::LICENCE),
        manager_name: row.text(vh::MANAGER),
        manager_phone: row.text(vh::MANAGER_PHONE),
        notes: row.text(vh::NOTES),
    })
}

/// `FORBIDDEN` unless the viewer may import `R`.
fn may_import<R: crate::access::Resource>(ctx: &Context<'_>, viewer: &Viewer) -> Result<(), ApiError> {
    ctx.state().access.rows::<R>(viewer, "import").map(|_| ()).ok_or(ApiError::Forbidden)
}

const PERSON_KNOWN: &[&str] = &[
    ph::NAME,
    ph::GENDER,
    ph::LEVEL,
    ph::VILLAGE,
    ph::ID_NUMBER,
    ph::BIRTH_DATE,
    ph::PHONE,
    ph::ADDRESS,
    ph::CATEGORIES,
    ph::TAGS,
    ph::RELEASE_DATE,
    ph::CORRECTION_END,
    ph::NOTES,
];
const PERSON_REQUIRED: &[&str] = &[ph::NAME, ph::ID_NUMBER, ph::VILLAGE, ph::LEVEL, ph::CATEGORIES];
const VENUE_KNOWN: &[&str] =
    &[vh::NAME, vh::TYPE, vh::ADDRESS, vh::VILLAGE, vh::LEVEL, vh::LICENCE, vh::MANAGER, vh::MANAGER_PHONE, vh::NOTES];
const VENUE_REQUIRED: &[&str] = &[vh::NAME, vh::TYPE, vh::ADDRESS, vh::VILLAGE, vh::LEVEL];

async fn import_persons(ctx: &Context<'_>, input: ImportInput) -> Result<ImportPayload, ApiError> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    may_import::<Persons>(ctx, viewer)?;
    // The slot is held to the end: the rows stay in memory until then.
    let (rows, _slot) = read_rows(ctx, &input, PERSON_KNOWN, PERSON_REQUIRED).await?;
    let villages = villages(ctx, viewer).await?;
    let notes_allowed = state.access.groups::<Persons>(viewer).held_anywhere("notes");
    let mut rejected = Vec::new();
    let mut new: Vec<NewPerson> = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut unchanged = 0;
    for (i, row) in rows.iter().enumerate() {
        report(ctx, "check", i + 1, rows.len());
        let input = match person_input(row, &villages) {
            Ok(input) => input,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        if input.notes.is_some() && !notes_allowed {
            rejected.push(row.reject(ph::NOTES, "You may not write investigative notes.", "无权填写侦查备注。"));
            continue;
        }
        let person = match NewPerson::validate(ctx, viewer, input, false).await {
            Ok(p) => p,
            Err(e) => {
                rejected.push(rejection_of(row, e, PERSON_FIELDS)?);
                continue;
            }
        };
        if let Some(first) = seen.insert(person.id_number.clone(), row.line) {
            let (en, zh) =
                (format!("The same national ID number as row {first}."), format!("与第{first}行身份证号重复。"));
            rejected.push(row.reject(ph::ID_NUMBER, en, zh));
            continue;
        }
        // A dossier with the number (a provisional record repeats its dossier's number).
        let held =
            crate::access::stores::person::dossier_with_number(&state.db, viewer.town_id, &person.id_number).await?;
        if held.is_some() {
            unchanged += 1;
        } else {
            new.push(person);
        }
    }
    let created = if rejected.is_empty() && !input.dry_run {
        let (txn, _turn) = crate::db::write(&state.db).await?;
        for (i, person) in new.iter().enumerate() {
            let id = person.insert(&txn, viewer, None).await?;
            audit::record(&txn, ctx, viewer, crate::graphql::person::write_entry("create_person", id)).await?;
            report(ctx, "write", i + 1, new.len());
        }
        txn.commit().await?;
        new.len() as u32
    } else {
        0
    };
    Ok(ImportPayload { rows: rows.len() as u32, created, unchanged, dry_run: input.dry_run, rejected })
}

async fn import_venues(ctx: &Context<'_>, input: ImportInput) -> Result<ImportPayload, ApiError> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    may_import::<Venues>(ctx, viewer)?;
    // The slot is held to the end: the rows stay in memory until then.
    let (rows, _slot) = read_rows(ctx, &input, VENUE_KNOWN, VENUE_REQUIRED).await?;
    let villages = villages(ctx, viewer).await?;
    let notes_allowed = state.access.groups::<Venues>(viewer).held_anywhere("record");
    let mut rejected = Vec::new();
    let mut new: Vec<NewVenue> = Vec::new();
    let mut seen: HashMap<(Option<String>, String, String), u32> = HashMap::new();
    let mut unchanged = 0;
    for (i, row) in rows.iter().enumerate() {
        report(ctx, "check", i + 1, rows.len());
        let input = match venue_input(row, &villages) {
            Ok(input) => input,
            Err(r) => {
                rejected.push(r);
                continue;
            }
        };
        if input.notes.is_some() && !notes_allowed {
            rejected.push(row.reject(vh::NOTES, "You may not write these notes.", "无权填写备注。"));
            continue;
        }
        // The key first: a venue the town holds is left alone, and its own licence number is
        // then no conflict.
        let licence = input.licence_number.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
        let key = (licence.clone(), input.name.trim().to_owned(), input.address.trim().to_owned());
        let key = if licence.is_some() { (key.0, String::new(), String::new()) } else { key };
        if let Some(first) = seen.insert(key, row.line) {
            let (en, zh) = (format!("The same venue as row {first}."), format!("与第{first}行为同一场所。"));
            rejected.push(row.reject(vh::LICENCE, en, zh));
            continue;
        }
        if crate::access::stores::venue::held_by_key(
            &state.db,
            viewer,
            licence.as_deref(),
            input.name.trim(),
            input.address.trim(),
        )
        .await?
        {
            unchanged += 1;
            continue;
        }
        match NewVenue::validate(ctx, viewer, input).await {
            Ok(v) => new.push(v),
            Err(e) => rejected.push(rejection_of(row, e, VENUE_FIELDS)?),
        }
    }
    let created = if rejected.is_empty() && !input.dry_run {
        let (txn, _turn) = crate::db::write(&state.db).await?;
        let total = new.len();
        for (i, v) in new.into_iter().enumerate() {
            let id = v.insert(&txn, viewer).await?;
            audit::record(&txn, ctx, viewer, crate::graphql::venue::write_entry("create_venue", id)).await?;
            report(ctx, "write", i + 1, total);
        }
        txn.commit().await?;
        total as u32
    } else {
        0
    };
    Ok(ImportPayload { rows: rows.len() as u32, created, unchanged, dry_run: input.dry_run, rejected })
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// 导入重点人员 — imports a persons ledger (coordinator, police): every row or none.
    async fn import_persons(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ImportInput,
    ) -> async_graphql::Result<ImportPayload> {
        Ok(import_persons(ctx, input).await?)
    }

    /// 导入重点场所 — imports a venues ledger (coordinator, police): every row or none.
    async fn import_venues(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ImportInput,
    ) -> async_graphql::Result<ImportPayload> {
        Ok(import_venues(ctx, input).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_import_past_the_slots_waits_then_is_refused() {
        let slots = Semaphore::new(1);
        let held = slot(&slots, Duration::from_millis(10)).await.unwrap();
        assert!(matches!(slot(&slots, Duration::from_millis(10)).await, Err(ApiError::RateLimited)));
        drop(held);
        assert!(slot(&slots, Duration::from_millis(10)).await.is_ok());
    }
}
