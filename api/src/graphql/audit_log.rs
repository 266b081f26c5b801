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

/// One audit entry.
#[derive(SimpleObject, Clone)]
pub struct AuditEntry {
    pub id: ID,
    pub at: DateTime<Utc>,
    pub username: String,
    pub unit_name: String,
    pub action: String,
    pub object_type: String,
    /// The global id of the object.
    pub object_id: Option<ID>,
    pub field_groups: Vec<String>,
    pub request_id: String,
    pub outcome: AuditOutcome,
    pub category: AuditCategory,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        let kind = match m.object_type.as_str() {
            "Person" => Some(Kind::Person),
            "Venue" => Some(Kind::Venue),
            "Lead" => Some(Kind::Lead),
            "Task" => Some(Kind::Task),
            "RiskItem" => Some(Kind::RiskItem),
            "User" => Some(Kind::User),
            "OrgUnit" => Some(Kind::OrgUnit),
            "Village" => Some(Kind::Village),
            _ => None,
        };
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
    /// The audit log, newest first.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
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
