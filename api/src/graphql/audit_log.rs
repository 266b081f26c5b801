//! `auditLog`: who did or read what (discipline commission: the whole town; admin: the
//! administration entries). Entries hold ids and group names, never values.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;
use entity::enums::{AuditCategory, AuditOutcome};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::ContextExt;
use super::connection::{Connection, Page, decode_cursor, encode_cursor, page_size};
use super::ids::{self, Kind};
use crate::access::resource::AuditEntries;
use crate::error::ApiError;

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

#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Entries about this object (e.g. "who read this person").
    pub object_id: Option<ID>,
    pub username: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Entries written at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries written before this instant.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, newest first.
    #[graphql(complexity = "std::cmp::max(first.unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<AuditEntry>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let first = page_size(first)?;
        let filter = filter.unwrap_or_default();
        let mut cond = Condition::all();
        if let Some(object) = &filter.object_id {
            let uuid = ids::decode(object).map(|(_, id)| id).unwrap_or_else(uuid::Uuid::nil);
            cond = cond.add(audit_log::Column::ObjectId.eq(uuid));
        }
        if let Some(username) = &filter.username {
            cond = cond.add(audit_log::Column::Username.eq(username.as_str()));
        }
        if let Some(outcome) = filter.outcome {
            cond = cond.add(audit_log::Column::Outcome.eq(outcome));
        }
        if let Some(from) = filter.from {
            cond = cond.add(audit_log::Column::CreatedAt.gte(from));
        }
        if let Some(to) = filter.to {
            cond = cond.add(audit_log::Column::CreatedAt.lt(to));
        }
        let base = state.access.select::<AuditEntries>(viewer)?.filter(cond);
        let mut page = base.clone();
        if let Some(after) = after {
            // Ids are UUIDv7: newest first is descending id.
            let (_, id) = decode_cursor(&after)?;
            page = page.filter(Expr::col(audit_log::Column::Id).lt(id));
        }
        let rows =
            page.order_by_desc(audit_log::Column::Id).limit(first + 1).all(&state.db).await.map_err(ApiError::from)?;
        let total_count = if ctx.look_ahead().field("totalCount").exists() {
            Some(base.count(&state.db).await.map_err(ApiError::from)? as i64)
        } else {
            None
        };
        let rows = rows.into_iter().map(|m| (encode_cursor("", m.id), AuditEntry::from(m))).collect();
        Ok(Connection::new(rows, first, total_count))
    }
}
