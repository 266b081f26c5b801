//! The audit log: who did or read what, never the values (access.md "Audit log").
//!
//! An entry names the viewer (as plain values, so readers of the log need no access to users),
//! the action, the object's type and id, the field groups touched, the request id and the
//! outcome. It never holds a value read, a title or a name taken from the object.

use async_graphql::Context;
use chrono::Utc;
use entity::audit_log;
use entity::enums::{AuditCategory, AuditOutcome};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{ApiError, RequestId};

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
        request_id: Set(request_id),
        outcome: Set(entry.outcome),
        category: Set(entry.category),
    }
    .insert(db)
    .await?;
    Ok(())
}
