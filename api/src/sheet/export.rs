//! `GET /export/{persons|venues|leads|risk-items|tasks|audit-log}.{xlsx|csv}` (api.md; the audit
//! log for the discipline commission, whose policy grants it `export`).
//!
//! Rows come from the list's scoped query with the list's own filter, read in keyset pages of
//! [`PAGE`] rows, so memory stays flat however many rows there are: CSV is sent while it is
//! written, XLSX is written row by row in rust_xlsxwriter's constant-memory mode to a temporary
//! file that is sent when complete (a zip cannot be streamed before it is finished).
//!
//! A column is written when the viewer holds its field group on at least one exported row, and
//! is blank on the rows where it does not (issue 15: the ledger as the offices read it; the
//! coordination office's lead export keeps its columns though some rows are umbrella shells). A
//! blank cell tells no more than the row's own shell: the rows a group is hidden on are the rows
//! whose `viewerCan` says so in the list. A group held on no exported row is left out, and groups
//! a sheet never exports (a lead's reporter) are left out for everyone. One audit entry per export names the groups written, and
//! one per exported row names the row and its groups, written before the row leaves.

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::enums::{AuditCategory, AuditOutcome};
use rust_xlsxwriter::{Format as XlsxFormat, Workbook};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::mpsc;

use super::columns::{Column, Names, Sheet};
use super::{Cell, filter};
use crate::AppState;
use crate::access::Groups;
use crate::access::page::PageArgs;
use crate::access::resource::{AuditEntries, Leads, OrgUnits, Persons, RiskItems, Tasks, Venues, Villages};
use crate::access::store::{Listed, Sort, Store};
use crate::audit;
use crate::auth::Viewer;
use crate::error::ApiError;

/// Rows read per query.
pub const PAGE: u64 = 1000;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

/// Answers an export request named `file` (`persons.csv`); `None` when no such export exists.
pub async fn respond(
    state: Arc<AppState>,
    viewer: Viewer,
    file: &str,
    params: &[(String, String)],
    request_id: &str,
) -> Option<Result<Response, ApiError>> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        _ => return None,
    };
    Some(match name {
        "persons" => export::<Persons>(state, viewer, format, params, request_id).await,
        "venues" => export::<Venues>(state, viewer, format, params, request_id).await,
        "leads" => export::<Leads>(state, viewer, format, params, request_id).await,
        "risk-items" => export::<RiskItems>(state, viewer, format, params, request_id).await,
        "tasks" => export::<Tasks>(state, viewer, format, params, request_id).await,
        "audit-log" => export::<AuditEntries>(state, viewer, format, params, request_id).await,
        _ => return None,
    })
}

type Model<S> = <<S as crate::access::Resource>::Entity as EntityTrait>::Model;

/// Everything the writer needs, moved to the thread that writes.
struct Job<S: Sheet> {
    state: Arc<AppState>,
    viewer: Viewer,
    filter: <S as Listed>::Filter,
    columns: Vec<Column<Model<S>, S::Extra>>,
    names: Names,
    request_id: String,
}

async fn export<S: Sheet>(
    state: Arc<AppState>,
    viewer: Viewer,
    format: Format,
    params: &[(String, String)],
    request_id: &str,
) -> Result<Response, ApiError>
where
    Model<S>: Sync,
{
    // FORBIDDEN for a viewer who may not list the resource comes first: a bad filter must not
    // tell such a viewer anything.
    state.access.rows::<S>(&viewer, "read").ok_or(ApiError::Forbidden)?;
    state.access.rows::<S>(&viewer, S::ACTION).ok_or(ApiError::Forbidden)?;
    let groups = state.access.groups::<S>(&viewer);
    let filter = S::listing(filter::parse::<S::Query>(params)?);
    let store = Store::new(&state.access, &viewer);
    // The filter as the list reads it: one the viewer may not use is refused here, before the
    // response starts and without a query.
    store.condition::<S>(filter.clone())?;
    let columns = visible_columns::<S>(&state.db, &store, &groups, &filter).await?;
    let mut exported: Vec<&'static str> = columns.iter().filter_map(|c| c.group).collect();
    exported.dedup();
    let entry = audit::Entry {
        action: "export",
        object_type: S::OBJECT,
        object_id: None,
        field_groups: &exported,
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    };
    audit::record_for_request(&state.db, &state.metrics, &viewer, request_id, entry).await?;
    let names = names(&state, &viewer).await?;
    let job = Job::<S> { state, viewer, filter, columns, names, request_id: request_id.to_owned() };
    let file_name = format!("{}.{}", S::FILE, if format == Format::Csv { "csv" } else { "xlsx" });
    let body = match format {
        Format::Csv => csv_body(job),
        Format::Xlsx => xlsx_body(job).await?,
    };
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The columns the viewer sees on some exported row: its group held everywhere, or held on at
/// least one row the export holds (one query, in SQL, on the same scoped query).
async fn visible_columns<S: Sheet>(
    db: &DatabaseConnection,
    store: &Store<'_>,
    groups: &Groups<S>,
    filter: &<S as Listed>::Filter,
) -> Result<Vec<Column<Model<S>, S::Extra>>, ApiError> {
    let mut held: Vec<(&'static str, bool)> = Vec::new();
    let mut columns = Vec::new();
    for column in S::columns() {
        let Some(group) = column.group else {
            columns.push(column);
            continue;
        };
        let visible = match held.iter().find(|(g, _)| *g == group) {
            Some((_, visible)) => *visible,
            None => {
                let visible = !S::NEVER.contains(&group)
                    && (groups.held_everywhere(group)
                        || (groups.held_anywhere(group)
                            && store.holds_on_some::<S>(db, filter.clone(), group).await?));
                held.push((group, visible));
                visible
            }
        };
        if visible {
            columns.push(column);
        }
    }
    Ok(columns)
}

/// Names of the villages and units the viewer may read (references are written as names).
async fn names(state: &AppState, viewer: &Viewer) -> Result<Names, ApiError> {
    let mut names = Names::default();
    if let Ok(villages) = state.access.select::<Villages>(viewer) {
        names.villages = villages.all(&state.db).await?.into_iter().map(|v| (v.id, v.name)).collect();
    }
    if let Ok(units) = state.access.select::<OrgUnits>(viewer) {
        names.units = units.all(&state.db).await?.into_iter().map(|u| (u.id, u.name)).collect();
    }
    Ok(names)
}

/// Where rows go: a CSV stream or an XLSX sheet.
trait Sink {
    fn row(&mut self, cells: &[Cell]) -> anyhow::Result<()>;
}

/// Reads every row of the job in keyset pages and hands them to `sink`, header first. Runs on
/// a blocking thread; each page is read on the runtime.
fn write_rows<S: Sheet>(job: &Job<S>, runtime: &tokio::runtime::Handle, sink: &mut impl Sink) -> anyhow::Result<()> {
    let header: Vec<Cell> = job.columns.iter().map(|c| Cell::Text(c.header.to_owned())).collect();
    sink.row(&header)?;
    let store = Store::new(&job.state.access, &job.viewer);
    let mut page = PageArgs::forward(PAGE, None);
    loop {
        let sort = Sort { field: Default::default(), ascending: true };
        let listing = runtime.block_on(store.list::<S>(&job.state.db, job.filter.clone(), sort, &page))?;
        let Some((last, _)) = listing.rows().last() else { break };
        page.after = Some(last.cursor());
        let has_next = listing.has_next;
        let (models, held): (Vec<_>, Vec<_>) = listing.into_rows().into_iter().map(|(_, row)| row).unzip();
        let extras = runtime.block_on(S::extras(&store, &job.state.db, &models))?;
        // Each exported row is audited, with the groups written of it, before it leaves: the
        // discipline commission can answer "who exported lead 2026-0042".
        let exported = models.iter().zip(&held).map(|(model, held)| {
            let mut groups: Vec<&str> = job.columns.iter().filter_map(|c| c.group).filter(|g| held.has(g)).collect();
            groups.dedup();
            audit::Object {
                action: "export",
                object_type: S::OBJECT,
                id: S::row_id(model),
                field_groups: groups.join(","),
                outcome: AuditOutcome::Allowed,
            }
        });
        runtime.block_on(audit::record_objects(
            &job.state.db,
            &job.state.metrics,
            &job.viewer,
            &job.request_id,
            exported,
        ))?;
        for ((model, extra), held) in models.iter().zip(&extras).zip(held) {
            // The columns were chosen for every row; a row changed since is checked again, so
            // a group that is not held is never written.
            let cells: Vec<Cell> = job
                .columns
                .iter()
                .map(|c| match c.group {
                    Some(group) if !held.has(group) => Cell::Empty,
                    _ => (c.value)(model, extra, &job.names),
                })
                .collect();
            sink.row(&cells)?;
        }
        if !has_next {
            break;
        }
    }
    Ok(())
}

/// CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese) sent as it is
/// written.
fn csv_body<S: Sheet>(job: Job<S>) -> Body
where
    Model<S>: Sync,
{
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let chunks = Chunks { tx: tx.clone(), buf: "\u{feff}".as_bytes().to_vec() };
        let mut sink = CsvSink(csv::Writer::from_writer(chunks));
        let written = write_rows(&job, &runtime, &mut sink).and_then(|()| {
            let mut chunks = sink.0.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))?;
            chunks.send()?;
            Ok(())
        });
        if let Err(e) = written {
            tracing::error!(error = ?e, "writing a CSV export");
            let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
        }
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }))
}

struct CsvSink<W: Write>(csv::Writer<W>);

impl<W: Write> Sink for CsvSink<W> {
    fn row(&mut self, cells: &[Cell]) -> anyhow::Result<()> {
        self.0.write_record(cells.iter().map(|cell| inert(cell.to_text())))?;
        Ok(())
    }
}

/// A CSV cell a spreadsheet program will not run: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'` (OWASP, "CSV injection"), so a name or summary
/// typed as a formula opens as the text it is. XLSX needs none of this: its cells are typed,
/// and text is written as text.
fn inert(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text }
}

/// Buffers bytes and sends them to the response in chunks of about 64 KiB.
struct Chunks {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        // The client went away: stop reading rows.
        self.tx.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::other("the client closed the connection"))
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// XLSX written in constant-memory mode to a temporary file, then sent.
async fn xlsx_body<S: Sheet>(job: Job<S>) -> Result<Body, ApiError>
where
    Model<S>: Sync,
{
    let runtime = tokio::runtime::Handle::current();
    let path = std::env::temp_dir().join(format!("pingan-export-{}.xlsx", uuid::Uuid::now_v7()));
    let target = path.clone();
    let written = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut sink = XlsxSink::new()?;
        write_rows(&job, &runtime, &mut sink)?;
        sink.workbook.save(&target)?;
        Ok(())
    })
    .await
    .map_err(ApiError::internal)
    .and_then(|r| r.map_err(ApiError::internal));
    let file = match written {
        Ok(()) => tokio::fs::File::open(&path).await.map_err(ApiError::internal),
        Err(e) => Err(e),
    };
    // Removed at once: the open handle keeps the data until the body is sent.
    let _ = std::fs::remove_file(&path);
    Ok(Body::from_stream(file_stream(file?)))
}

/// A file's bytes as a body stream.
fn file_stream(file: tokio::fs::File) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    })
}

struct XlsxSink {
    workbook: Workbook,
    row: u32,
    date: XlsxFormat,
}

impl XlsxSink {
    fn new() -> anyhow::Result<Self> {
        let mut workbook = Workbook::new();
        workbook.add_worksheet_with_constant_memory()?.set_name("Sheet1")?;
        Ok(Self { workbook, row: 0, date: XlsxFormat::new().set_num_format("yyyy-mm-dd") })
    }
}

impl Sink for XlsxSink {
    fn row(&mut self, cells: &[Cell]) -> anyhow::Result<()> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in cells.iter().enumerate() {
            let col = u16::try_from(col)?;
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(self.row, col, text)?;
                }
                Cell::Date(date) => {
                    sheet.write_datetime_with_format(self.row, col, date, &self.date)?;
                }
                Cell::Empty => {}
            }
        }
        self.row += 1;
        Ok(())
    }
}
