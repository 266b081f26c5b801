//! The judicial office's ledger of lawyers' reports of representing gang cases (seed 001
//! "建立律师代理涉黑涉恶涉霸案报告制度"): `lawyerReports`, `lawyerReport` and
//! `recordLawyerReport`. The judicial office keeps it; it and the coordination office read it.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::lawyer_report;
use uuid::Uuid;

use super::ContextExt;
use super::connection::Page;
use super::fetch;
use super::ids::{self, Kind};
use super::org::OrgUnit;
use crate::access::page::PageArgs;
use crate::access::resource::LawyerReports;
use crate::access::store::{Sort, Store};
use crate::access::stores::lawyer::{self as store, LawyerReportFilter, ReportedOn};
use crate::audit;
use crate::domain::lead_flow::today;
use crate::domain::validate;
use crate::error::ApiError;
use crate::scalars::Date;

/// An edge of `lawyerReports`.
pub type LawyerReportEdge = super::connection::Edge<LawyerReport>;

/// A report the viewer reads (no field groups: read whole).
#[derive(Clone)]
pub struct LawyerReport(Arc<lawyer_report::Model>);

/// 律师代理涉黑涉恶案件报告 — a lawyer's report of representing a gang case, as the judicial office
/// recorded it.
#[Object]
impl LawyerReport {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::LawyerReport, self.0.id)
    }
    /// 律师姓名 — the lawyer who reported.
    async fn lawyer_name(&self) -> &str {
        &self.0.lawyer_name
    }
    /// 律师事务所 — the lawyer's firm.
    async fn law_firm(&self) -> &str {
        &self.0.law_firm
    }
    /// 代理案件 — the case represented.
    async fn case_name(&self) -> &str {
        &self.0.case_name
    }
    /// 审理法院 — the court hearing the case.
    async fn court(&self) -> &str {
        &self.0.court
    }
    /// 报告日期 — the day the lawyer reported.
    async fn reported_on(&self) -> Date {
        Date(self.0.reported_on)
    }
    /// 备注 — anything else the office noted.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// 登记单位 — the unit that recorded the report.
    async fn recorded_by_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.recorded_by_unit_id).await?)
    }
    /// 登记时间 — when the report was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

impl LawyerReport {
    pub fn new(model: lawyer_report::Model) -> Self {
        Self(Arc::new(model))
    }
}

/// The report with `id` in the viewer's scope, else none (a real one is logged as denied).
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<LawyerReport>, ApiError> {
    Ok(fetch::one::<LawyerReports>(ctx, id, "LawyerReport").await?.map(|(m, _)| LawyerReport::new(m)))
}

#[derive(Default)]
pub struct LawyerReportQuery;

#[Object]
impl LawyerReportQuery {
    /// 律师代理报告台账 — the lawyers' reports, the latest reported first.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn lawyer_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the reports that match every condition given.")] filter: Option<
            LawyerReportFilter,
        >,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<LawyerReport>> {
        let args = PageArgs::new(first, after, last, before)?;
        let sort = Sort { field: ReportedOn, ascending: false };
        let page = fetch::list::<LawyerReports>(ctx, filter.unwrap_or_default(), sort, args).await?;
        Ok(page.connection(|(m, _)| LawyerReport::new(m)))
    }

    /// 律师代理报告 — one report by id, or null when the viewer may not read it.
    async fn lawyer_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — the report's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<LawyerReport>> {
        let Some(id) = ids::decode_as(&id, Kind::LawyerReport) else { return Ok(None) };
        Ok(find(ctx, id).await?)
    }
}

/// 登记律师代理报告 — a lawyer's report of representing a gang case.
#[derive(InputObject)]
pub struct RecordLawyerReportInput {
    /// 律师姓名 — the lawyer who reported.
    pub lawyer_name: String,
    /// 律师事务所 — the lawyer's firm.
    pub law_firm: String,
    /// 代理案件 — the case represented.
    pub case_name: String,
    /// 审理法院 — the court hearing the case.
    pub court: String,
    /// 报告日期 — the day the lawyer reported (not after today).
    pub reported_on: Date,
    /// 备注 — anything else to note.
    pub note: Option<String>,
}

/// 律师代理报告 — the report recorded.
#[derive(SimpleObject)]
pub struct LawyerReportPayload {
    /// 律师代理报告 — the report as recorded.
    pub lawyer_report: Option<LawyerReport>,
}

#[derive(Default)]
pub struct LawyerReportMutation;

#[Object]
impl LawyerReportMutation {
    /// 登记律师代理报告 — records a lawyer's report of representing a gang case (the judicial office).
    async fn record_lawyer_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordLawyerReportInput,
    ) -> async_graphql::Result<LawyerReportPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<LawyerReports>(viewer, "record").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        let new = store::NewLawyerReport {
            lawyer_name: validate::text("input.lawyerName", &input.lawyer_name, 100)?,
            law_firm: validate::text("input.lawFirm", &input.law_firm, 200)?,
            case_name: validate::text("input.caseName", &input.case_name, 200)?,
            court: validate::text("input.court", &input.court, 200)?,
            reported_on: input.reported_on.0,
            note: Some(validate::optional_text("input.note", input.note.as_deref().unwrap_or(""), 2000)?)
                .filter(|n| !n.is_empty()),
        };
        if new.reported_on > today() {
            let zh = "报告日期不能晚于今天。";
            return Err(ApiError::bad_input("input.reportedOn", "The day reported cannot be after today.", zh).into());
        }
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let id = store::insert(&txn, viewer, new).await?;
        if !Store::new(&state.access, viewer).granted::<LawyerReports>(&txn, id, "record").await? {
            return Err(ApiError::Forbidden.into());
        }
        audit::record(&txn, ctx, viewer, super::meeting::entry("LawyerReport", "record_lawyer_report", id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(LawyerReportPayload { lawyer_report: find(ctx, id).await? })
    }
}
