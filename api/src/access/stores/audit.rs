//! The audit log: who did or read what, never the values (access.md "Audit log").
//!
//! An entry names the viewer (as plain values, so readers of the log need no access to users),
//! the action, the object's type and id, the field groups touched, the request id and the
//! outcome. It never holds a value read, a title or a name taken from the object.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::Context;
use chrono::{DateTime, Utc};
use entity::audit_log;
use entity::enums::{AuditCategory, AuditOutcome};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Set};
use uuid::Uuid;

use crate::access::resource::AuditEntries;
use crate::access::store::{Listed, ROW_ITSELF, SortKey, Store};
use crate::access::{Groups, page::KeyKind};
use crate::auth::Viewer;
use crate::error::{ApiError, RequestId};
use crate::ids;
use crate::metrics::Metrics;

/// What happened, without any value of the object.
pub struct Entry<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
    pub field_groups: &'a [&'a str],
    pub outcome: AuditOutcome,
    pub category: AuditCategory,
}

/// Appends one entry on `db` (pass the mutation's transaction so both commit or neither).
pub async fn record(
    db: &impl ConnectionTrait,
    ctx: &Context<'_>,
    viewer: &Viewer,
    entry: Entry<'_>,
) -> Result<(), ApiError> {
    let request_id = ctx.data_opt::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let state = ctx.data_opt::<std::sync::Arc<crate::AppState>>();
    match state {
        Some(state) => record_for_request(db, &state.metrics, viewer, &request_id, entry).await,
        None => insert(db, viewer, &request_id, &entry).await,
    }
}

/// [`record`] outside GraphQL (the HTTP exports), with the request id the handler gave.
pub async fn record_for_request(
    db: &impl ConnectionTrait,
    metrics: &Metrics,
    viewer: &Viewer,
    request_id: &str,
    entry: Entry<'_>,
) -> Result<(), ApiError> {
    insert(db, viewer, request_id, &entry).await?;
    metrics.audit_entries(entry.category, entry.outcome, 1);
    Ok(())
}

async fn insert(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    request_id: &str,
    entry: &Entry<'_>,
) -> Result<(), ApiError> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(viewer.town_id),
        created_at: Set(Utc::now()),
        user_id: Set(Some(viewer.user_id)),
        username: Set(viewer.username.clone()),
        unit_name: Set(viewer.unit_name.clone()),
        action: Set(entry.action.to_owned()),
        object_type: Set(entry.object_type.to_owned()),
        object_id: Set(entry.object_id),
        field_groups: Set(entry.field_groups.join(",")),
        request_id: Set(request_id.to_owned()),
        outcome: Set(entry.outcome),
        category: Set(entry.category),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The request's read log, when the request has a viewer.
pub fn read_log<'a>(ctx: &'a Context<'_>) -> Option<&'a ReadLog> {
    ctx.data_opt::<std::sync::Arc<ReadLog>>().map(|log| log.as_ref())
}

/// (object type, id, denied) -> field groups read.
type Noted = BTreeMap<(&'static str, Uuid, Denied), BTreeSet<&'static str>>;

/// Whether an entry records a denied attempt.
type Denied = bool;

/// The confidential reads and denied attempts of one request, written in one insert when the
/// request ends (access.md rule 6). Only ids and group names are kept, never values.
#[derive(Default)]
pub struct ReadLog {
    entries: std::sync::Mutex<Noted>,
}

impl ReadLog {
    /// Notes that field group `group` of an object was read.
    pub fn read(&self, object_type: &'static str, id: Uuid, group: &'static str) {
        self.lock().entry((object_type, id, false)).or_default().insert(group);
    }

    /// Notes an attempt on a real object outside the viewer's scope.
    pub fn denied(&self, object_type: &'static str, id: Uuid) {
        self.lock().entry((object_type, id, true)).or_default();
    }

    /// Writes everything noted, in one statement.
    pub async fn flush(
        &self,
        db: &impl ConnectionTrait,
        metrics: &Metrics,
        viewer: &Viewer,
        request_id: &str,
    ) -> Result<(), ApiError> {
        let entries = std::mem::take(&mut *self.lock());
        let rows = entries.into_iter().map(|((object_type, id, denied), groups)| Object {
            action: if denied { "access" } else { "read" },
            object_type,
            id,
            field_groups: groups.into_iter().collect::<Vec<_>>().join(","),
            outcome: if denied { AuditOutcome::Denied } else { AuditOutcome::Allowed },
        });
        record_objects(db, metrics, viewer, request_id, rows).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Noted> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One audited object of a request (a read, a denied attempt, an exported row).
pub struct Object {
    pub action: &'static str,
    pub object_type: &'static str,
    pub id: Uuid,
    /// The field groups, comma-separated.
    pub field_groups: String,
    pub outcome: AuditOutcome,
}

/// Writes one entry per object, in one statement (none when there are none).
pub async fn record_objects(
    db: &impl ConnectionTrait,
    metrics: &Metrics,
    viewer: &Viewer,
    request_id: &str,
    objects: impl IntoIterator<Item = Object>,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let rows: Vec<audit_log::ActiveModel> = objects
        .into_iter()
        .map(|o| audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            town_id: Set(viewer.town_id),
            created_at: Set(now),
            user_id: Set(Some(viewer.user_id)),
            username: Set(viewer.username.clone()),
            unit_name: Set(viewer.unit_name.clone()),
            action: Set(o.action.to_owned()),
            object_type: Set(o.object_type.to_owned()),
            object_id: Set(Some(o.id)),
            field_groups: Set(o.field_groups),
            request_id: Set(request_id.to_owned()),
            outcome: Set(o.outcome),
            category: Set(AuditCategory::Case),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let denied =
        rows.iter().filter(|row| matches!(row.outcome, sea_orm::ActiveValue::Set(AuditOutcome::Denied))).count();
    let allowed = rows.len() - denied;
    audit_log::Entity::insert_many(rows).exec(db).await?;
    metrics.audit_entries(AuditCategory::Case, AuditOutcome::Allowed, allowed);
    metrics.audit_entries(AuditCategory::Case, AuditOutcome::Denied, denied);
    Ok(())
}

/// 审计筛选 — what the audit log may be filtered by.
#[derive(async_graphql::InputObject, Default, Clone)]
pub struct AuditFilter {
    /// 对象 — entries about this object (e.g. "who read this person").
    pub object_id: Option<async_graphql::ID>,
    /// 用户名 — entries of this user.
    pub username: Option<String>,
    /// 结果 — entries allowed or denied.
    pub outcome: Option<AuditOutcome>,
    /// 起始时间 — entries written at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// 截止时间 — entries written before this instant.
    pub to: Option<DateTime<Utc>>,
    /// 操作 — entries of these actions (e.g. `read`, `export`, `escalate_risk`).
    pub action: Option<Vec<String>>,
    /// 请求编号 — the entries of one request (e.g. every row one export wrote).
    pub request_id: Option<String>,
}

/// Actions one filter may name at most.
const MAX_ACTIONS: usize = 50;

/// The audit log has one order: newest first (ids are UUIDv7).
#[derive(Debug, Clone, Copy, Default)]
pub struct Newest;

impl Listed for AuditEntries {
    type Filter = AuditFilter;
    type Order = Newest;

    fn filter(_store: &Store<'_>, _groups: &Groups<Self>, filter: AuditFilter) -> Result<Condition, ApiError> {
        // An entry has no field groups: whoever reads it reads all of it.
        let mut cond = Condition::all();
        if let Some(object) = &filter.object_id {
            let uuid = ids::decode(object).map(|(_, id)| id).unwrap_or_else(Uuid::nil);
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
        if let Some(actions) = filter.action {
            if actions.len() > MAX_ACTIONS {
                let en = format!("At most {MAX_ACTIONS} actions.");
                return Err(ApiError::bad_input("filter.action", en, format!("操作最多{MAX_ACTIONS}个。")));
            }
            cond = cond.add(audit_log::Column::Action.is_in(actions));
        }
        if let Some(request) = &filter.request_id {
            cond = cond.add(audit_log::Column::RequestId.eq(request.as_str()));
        }
        Ok(cond)
    }

    fn sort_key(_order: Newest, _backend: DbBackend) -> SortKey {
        SortKey { expr: Expr::col((audit_log::Entity, audit_log::Column::Id)), kind: KeyKind::Id, group: ROW_ITSELF }
    }
}
