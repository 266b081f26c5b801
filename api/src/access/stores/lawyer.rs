//! The judicial office's ledger of lawyers' reports of representing gang cases (seed 001
//! "建立律师代理涉黑涉恶涉霸案报告制度"): a keyset list by the day reported, and the write.
//!
//! A report has no field groups: the judicial office and the coordination office read it whole;
//! no other role reads it at all.

use async_graphql::InputObject;
use chrono::Utc;
use entity::lawyer_report;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, Set};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::page::KeyKind;
use crate::access::resource::LawyerReports;
use crate::access::store::{Listed, ROW_ITSELF, SortKey, Store};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::scalars::Date;

/// 律师代理报告筛选 — conditions on lawyers' reports.
#[derive(InputObject, Default, Clone)]
pub struct LawyerReportFilter {
    /// 报告起始 — reports made on or after this day.
    pub reported_from: Option<Date>,
    /// 报告截止 — reports made on or before this day.
    pub reported_to: Option<Date>,
}

/// Reports have one order: the day reported, newest first (then id).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportedOn;

impl Listed for LawyerReports {
    type Filter = LawyerReportFilter;
    type Order = ReportedOn;

    fn filter(_store: &Store<'_>, _groups: &Groups<Self>, filter: LawyerReportFilter) -> Result<Condition, ApiError> {
        let mut cond = Condition::all();
        if let Some(from) = filter.reported_from {
            cond = cond.add(lawyer_report::Column::ReportedOn.gte(from.0));
        }
        if let Some(to) = filter.reported_to {
            cond = cond.add(lawyer_report::Column::ReportedOn.lte(to.0));
        }
        Ok(cond)
    }

    fn sort_key(_order: ReportedOn, _backend: DbBackend) -> SortKey {
        let expr = Expr::col((lawyer_report::Entity, lawyer_report::Column::ReportedOn));
        SortKey { expr, kind: KeyKind::Date, group: ROW_ITSELF }
    }
}

/// A validated report (`recordLawyerReport`).
pub struct NewLawyerReport {
    pub lawyer_name: String,
    pub law_firm: String,
    pub case_name: String,
    pub court: String,
    pub reported_on: chrono::NaiveDate,
    pub note: Option<String>,
}

/// Inserts the report, kept by the viewer's unit, and gives its id.
pub async fn insert(txn: &impl ConnectionTrait, viewer: &Viewer, new: NewLawyerReport) -> Result<Uuid, ApiError> {
    let id = Uuid::now_v7();
    lawyer_report::ActiveModel {
        id: Set(id),
        town_id: Set(viewer.town_id),
        lawyer_name: Set(new.lawyer_name),
        law_firm: Set(new.law_firm),
        case_name: Set(new.case_name),
        court: Set(new.court),
        reported_on: Set(new.reported_on),
        note: Set(new.note),
        recorded_by_unit_id: Set(viewer.unit_id),
        recorded_by_user_id: Set(viewer.user_id),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(id)
}
