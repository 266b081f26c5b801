//! Reading exports back: downloads and the rows of a CSV or XLSX file as text.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::TestApp;

/// A download: status, body bytes.
pub async fn download(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("export request");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("export body").to_vec())
}

/// The rows of a CSV export (the byte-order mark removed).
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect()).collect()
}

/// The rows of the first sheet of an XLSX export, dates as `YYYY-MM-DD`.
pub fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::DateTime(d) => d.as_datetime().map(|d| d.date().to_string()).unwrap_or_default(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The rows of an export in either format.
pub fn rows(path: &str, bytes: &[u8]) -> Vec<Vec<String>> {
    if path.contains(".xlsx") { xlsx_rows(bytes) } else { csv_rows(bytes) }
}
