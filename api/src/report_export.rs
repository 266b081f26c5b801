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
use crate::domain::lead_flow;
use crate::domain::levels;
use crate::error::ApiError;
use crate::graphql::report::{LeadFigures, MonthlyReport, ReportSignature, monthly_report};
use crate::graphql::unit_report::{WeeklyReports, weekly_reports};

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
    // The month is validated (`YYYY-MM`), so the name is plain ASCII.
    Ok(xlsx_response(bytes, &format!("monthly-report-{}.xlsx", report.month)))
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
    signature_block(sheet, row, report.signature.as_ref())?;
    workbook.save_to_buffer()
}

/// The signature block (主要领导签字、单位盖章): who signed the submitted report, the seal and the
/// day it was submitted; blank lines to sign on while it is not submitted.
fn signature_block(sheet: &mut Worksheet, row: u32, signature: Option<&ReportSignature>) -> Result<(), XlsxError> {
    match signature {
        Some(s) => {
            let day = s.submitted_at.with_timezone(&lead_flow::town_zone()).format("%Y-%m-%d");
            sheet.write_string(row, 0, format!("主要领导签字：{}", s.signed_by))?;
            sheet.write_string(row, 2, format!("单位盖章：{}", if s.sealed { "已盖章" } else { "未盖章" }))?;
            sheet.write_string(row, 4, format!("报送日期：{day}"))?;
            sheet.write_string(row + 1, 0, if s.on_time { "按时报送" } else { "逾期报送" })?;
        }
        None => {
            sheet.write_string(row, 0, "主要领导签字：")?;
            sheet.write_string(row, 2, "单位盖章：")?;
            sheet.write_string(row, 4, "报送日期：")?;
        }
    }
    Ok(())
}

/// The query string of `GET /export/weekly-reports.xlsx?week=YYYY-Www`.
#[derive(Deserialize)]
pub struct WeekParams {
    week: Option<String>,
}

/// `GET /export/weekly-reports.xlsx`: `weeklyReports(week)` as one sheet, one row per unit
/// (submitted or not, when, signed by whom, the figures it counted), audited before it leaves.
pub async fn respond_weekly(
    state: &AppState,
    viewer: &Viewer,
    params: WeekParams,
    request_id: &str,
) -> Result<Response, ApiError> {
    let week = weekly_reports(state, viewer, params.week.as_deref().unwrap_or_default()).await?;
    let bytes = weekly_workbook(&week).map_err(|e| ApiError::internal(anyhow::anyhow!("writing the report: {e}")))?;
    let entry = audit::Entry {
        action: "export_weekly_reports",
        object_type: "UnitReport",
        object_id: None,
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    };
    audit::record_for_request(&state.db, &state.metrics, viewer, request_id, entry).await?;
    // The week is validated (`YYYY-Www`), so the name is plain ASCII.
    Ok(xlsx_response(bytes, &format!("weekly-reports-{}.xlsx", week.week)))
}

/// The sheet of a week's reports.
pub fn weekly_workbook(week: &WeeklyReports) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("周通报")?;
    let title = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let headers = [
        "单位",
        "报送情况",
        "报送时间",
        "签字领导",
        "登记线索",
        "日排查",
        "谈话教育",
        "新增风险隐患",
        "化解销号",
        "工作进展",
    ];
    sheet.merge_range(0, 0, 0, headers.len() as u16 - 1, "扫黑除恶工作周通报报送情况", &title)?;
    let due = week.due_at.with_timezone(&lead_flow::town_zone()).format("%Y-%m-%d %H:%M");
    sheet.write_string(1, 0, format!("周次：{}（截止 {due}）", week.week))?;
    for (col, text) in headers.iter().enumerate() {
        sheet.set_column_width(col as u16, if col == 9 { 40 } else { 14 })?;
        sheet.write_string_with_format(2, col as u16, *text, &head)?;
    }
    for (i, status) in week.units.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_string_with_format(row, 0, &status.unit_name, &cell)?;
        let report = status.report.as_ref();
        let state = match report.map(|r| r.signature_of()) {
            Some(s) if s.on_time => "按时报送",
            Some(_) => "逾期报送",
            None if status.overdue => "逾期未报",
            None => "未报送",
        };
        sheet.write_string_with_format(row, 1, state, &cell)?;
        let at = report.map(|r| {
            r.signature_of().submitted_at.with_timezone(&lead_flow::town_zone()).format("%Y-%m-%d %H:%M").to_string()
        });
        sheet.write_string_with_format(row, 2, at.unwrap_or_default(), &cell)?;
        sheet.write_string_with_format(
            row,
            3,
            report.map(|r| r.signature_of().signed_by).unwrap_or_default(),
            &cell,
        )?;
        let counts = report.and_then(|r| r.weekly_counts());
        let figures = counts.map(|c| [c.leads_registered, c.checks_done, c.talks_held, c.risks_opened, c.risks_closed]);
        for (j, value) in figures.unwrap_or_default().into_iter().enumerate() {
            number_or_dash(sheet, row, 4 + j as u16, value, &cell)?;
        }
        sheet.write_string_with_format(row, 9, report.and_then(|r| r.note()).unwrap_or_default(), &cell)?;
    }
    workbook.save_to_buffer()
}

fn xlsx_response(bytes: Vec<u8>, name: &str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
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
