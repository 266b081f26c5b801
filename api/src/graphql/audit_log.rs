//! `auditLog`: who did or read what (discipline commission: the whole town; admin: the
//! administration entries). Entries hold ids and group names, never values.

use crate::access::page::PageArgs;
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;
use entity::enums::{AuditCategory, AuditOutcome};

use super::connection::Page;
use super::fetch;
use super::ids::{self, Kind};
use crate::access::resource::AuditEntries;
use crate::access::store::Sort;
use crate::access::stores::audit::Newest;

/// An edge of `auditLog`.
pub type AuditEntryEdge = super::connection::Edge<AuditEntry>;

/// 审计记录 — one audit entry.
#[derive(SimpleObject, Clone)]
pub struct AuditEntry {
    /// 编号 — the record's global ID.
    pub id: ID,
    /// 时间 — when the access happened.
    pub at: DateTime<Utc>,
    /// 用户名 — who acted.
    pub username: String,
    /// 单位名称 — the name of the unit the user acted for.
    pub unit_name: String,
    /// 操作 — what was done, e.g. a read of a lead's confidential fields.
    pub action: String,
    /// 对象类型 — the kind of record acted on.
    pub object_type: String,
    /// 对象 — the global id of the object.
    pub object_id: Option<ID>,
    /// 字段组 — the field groups read or written.
    pub field_groups: Vec<String>,
    /// 请求编号 — the ID of the request, to match the server's log.
    pub request_id: String,
    /// 结果 — whether the access was allowed or denied.
    pub outcome: AuditOutcome,
    /// 审计类别 — who reads the entry: case data or administration.
    pub category: AuditCategory,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        let kind = Kind::named(&m.object_type);
        Self {
            id: ids::encode(Kind::AuditEntry, m.id),
            at: m.created_at,
            username: m.username,
            unit_name: m.unit_name,
            action: m.action,
            object_id: match (kind, m.object_id) {
                (Some(kind), Some(id)) => Some(ids::encode(kind, id)),
                _ => None,
            },
            object_type: m.object_type,
            field_groups: m.field_groups.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect(),
            request_id: m.request_id,
            outcome: m.outcome,
            category: m.category,
        }
    }
}

pub use crate::access::stores::audit::AuditFilter;

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// 审计日志 — the audit log, newest first.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the rows that match every condition given.")] filter: Option<AuditFilter>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<AuditEntry>> {
        let sort = Sort { field: Newest, ascending: false };
        let page = fetch::list::<AuditEntries>(
            ctx,
            filter.unwrap_or_default(),
            sort,
            PageArgs::new(first, after, last, before)?,
        )
        .await?;
        Ok(page.connection(|(m, _)| AuditEntry::from(m)))
    }
}
