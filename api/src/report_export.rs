//! `GET /export/monthly-report.xlsx?unitId=…&month=YYYY-MM`: the monthly report as one sheet
//! shaped like seed 002's 附件2 table (扫黑除恶专项斗争开展情况月报表), headers in Chinese, followed by
//! the ledger, duty, risk and task figures of the same report.
//!
//! The figures are `graphql::report::monthly_report`'s, computed for the token's viewer with the
//! same permission rules: a viewer who may not see the report gets `FORBIDDEN` (the HTTP layer
//! answers it as JSON, in the GraphQL error shape), never an empty file. Every export writes an audit entry before the file
//! leaves. The file is small (a few dozen cells), so it is built in memory.

use async_graphql::ID;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use entity::enums::{AttentionLevel, AuditCategory, AuditOutcome, RiskLevel};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Deserialize;

use crate::AppState;
use crate::audit;
use crate::auth::Viewer;
use crate::domain::levels;
use crate::error::ApiError;
use crate::graphql::report::{LeadFigures, MonthlyReport, monthly_report};

/// The query string.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params {
    unit_id: Option<String>,
    month: Option<String>,
}

/// The file for `viewer`: compute, audit, answer (the HTTP layer authenticates and maps refusals).
pub async fn respond(
    state: &AppState,
    viewer: &Viewer,
    params: Params,
    request_id: &str,
) -> Result<Response, ApiError> {
    let unit = params.unit_id.map(ID);
    let month = params.month.unwrap_or_default();
    let report = monthly_report(state, viewer, unit.as_ref(), &month).await?;
    let bytes = workbook(&report).map_err(|e| ApiError::internal(anyhow::anyhow!("writing the report: {e}")))?;
    record(state, viewer, &report, request_id).await?;
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    // The month is validated (`YYYY-MM`), so the name is plain ASCII.
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"monthly-report-{}.xlsx\"", report.month))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn record(state: &AppState, viewer: &Viewer, report: &MonthlyReport, request_id: &str) -> Result<(), ApiError> {
    // The groups the sheet's figures were counted from: a section the viewer may not read is null
    // in the report and absent from the sheet.
    let sections = [
        (true, "lead.shell"),
        (report.leads.assisted.is_some(), "lead.handling"),
        (report.persons.is_some(), "person.basic"),
        (report.talks.is_some(), "person.record"),
        (report.venues.is_some(), "venue.basic"),
        (report.inspections.is_some(), "venue.record"),
        (report.risks.is_some(), "risk_item.basic"),
        (report.overdue_tasks.is_some(), "task"),
    ];
    let groups: Vec<&str> = sections.iter().filter(|(read, _)| *read).map(|(_, group)| *group).collect();
    let entry = audit::Entry {
        action: "export_monthly_report",
        object_type: "MonthlyReport",
        // The unit reported on; none for the town's report.
        object_id: report.unit_id,
        field_groups: &groups,
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    };
    audit::record_for_request(&state.db, &state.metrics, viewer, request_id, entry).await
}

/// The sheet: the 附件2 table (title, 填报单位, one row per field of struggle, 合计), then the rest
/// of the report, one labelled row per figure.
pub fn workbook(report: &MonthlyReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("月报")?;
    let title = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin);
    sheet.set_column_width(0, 24)?;
    for col in 1..=5 {
        sheet.set_column_width(col, 18)?;
    }
    sheet.merge_range(0, 0, 0, 5, "扫黑除恶专项斗争开展情况月报表", &title)?;
    sheet.write_string(1, 0, format!("填报单位：{}", report.reporting_name))?;
    sheet.write_string(1, 3, format!("月份：{}", report.month))?;

    let headers = ["斗争领域", "排查涉黑涉恶线索数量", "移送涉黑涉恶线索数量", "配合查的案件数量"];
    for (col, text) in headers.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *text, &head)?;
    }
    let mut row = 3;
    for line in &report.lead_rows {
        lead_line(sheet, row, &line.label, &line.figures, &cell)?;
        row += 1;
    }
    lead_line(sheet, row, "合计", &report.leads, &head)?;
    row += 2;

    sheet.write_string_with_format(row, 0, "重点人员、重点场所", &head)?;
    for (col, level) in [AttentionLevel::General, AttentionLevel::Key, AttentionLevel::Special].into_iter().enumerate()
    {
        sheet.write_string_with_format(row, col as u16 + 1, levels::level_name_zh(level), &head)?;
    }
    row += 1;
    for (name, counts) in [("重点人员（在管）", &report.persons), ("重点场所（在管）", &report.venues)]
    {
        sheet.write_string_with_format(row, 0, name, &cell)?;
        for i in 0..3 {
            let count = counts.as_ref().map(|c| c[i].count);
            number_or_dash(sheet, row, i as u16 + 1, count, &cell)?;
        }
        row += 1;
    }
    row += 1;

    for (col, text) in ["履职情况", "应完成", "已完成", "完成率"].iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *text, &head)?;
    }
    row += 1;
    for (name, duty) in [("教育谈话", &report.talks), ("场所检查", &report.inspections)] {
        sheet.write_string_with_format(row, 0, name, &cell)?;
        number_or_dash(sheet, row, 1, duty.map(|d| d.due), &cell)?;
        number_or_dash(sheet, row, 2, duty.map(|d| d.done), &cell)?;
        percent_or_dash(sheet, row, 3, duty.and_then(|d| d.rate), &cell)?;
        row += 1;
    }
    row += 1;

    for (col, text) in ["风险隐患", "排查数", "化解数", "化解率", "目标", "是否达标"].iter().enumerate()
    {
        sheet.write_string_with_format(row, col as u16, *text, &head)?;
    }
    row += 1;
    let levels = report.risks.as_ref().map(|r| r.levels.as_slice()).unwrap_or_default();
    for (name, level) in [("高风险", RiskLevel::High), ("中风险", RiskLevel::Medium), ("低风险", RiskLevel::Low)]
    {
        sheet.write_string_with_format(row, 0, name, &cell)?;
        let stats = levels.iter().find(|l| l.level == level);
        number_or_dash(sheet, row, 1, stats.map(|s| s.found), &cell)?;
        number_or_dash(sheet, row, 2, stats.map(|s| s.resolved), &cell)?;
        percent_or_dash(sheet, row, 3, stats.and_then(|s| s.rate), &cell)?;
        percent_or_dash(sheet, row, 4, stats.map(|s| s.target), &cell)?;
        let meets = stats.map(|s| if s.meets_target { "是" } else { "否" }).unwrap_or("—");
        sheet.write_string_with_format(row, 5, meets, &cell)?;
        row += 1;
    }
    row += 1;

    sheet.write_string_with_format(row, 0, "逾期督办任务", &head)?;
    number_or_dash(sheet, row, 1, report.overdue_tasks, &cell)?;
    row += 2;
    sheet.write_string(row, 0, "填表人：")?;
    sheet.write_string(row, 2, "联系电话：")?;
    sheet.write_string(row, 4, "填表日期：")?;
    workbook.save_to_buffer()
}

fn lead_line(
    sheet: &mut Worksheet,
    row: u32,
    name: &str,
    figures: &LeadFigures,
    format: &Format,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, 0, name, format)?;
    number_or_dash(sheet, row, 1, Some(figures.found), format)?;
    number_or_dash(sheet, row, 2, Some(figures.transferred), format)?;
    number_or_dash(sheet, row, 3, figures.assisted, format)?;
    Ok(())
}

/// A count, or "—" where the viewer may not count (a null figure is not a zero).
fn number_or_dash(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<i64>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Some(n) => sheet.write_number_with_format(row, col, n as f64, format)?,
        None => sheet.write_string_with_format(row, col, "—", format)?,
    };
    Ok(())
}

fn percent_or_dash(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<f64>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Some(rate) => sheet.write_string_with_format(row, col, format!("{:.1}%", rate * 100.0), format)?,
        None => sheet.write_string_with_format(row, col, "—", format)?,
    };
    Ok(())
}
