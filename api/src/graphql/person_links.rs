//! Links between the judicial office's records and the town's dossiers (issue 12, finding 3).
//!
//! The judicial office listing an ID number whose dossier it may not read must learn nothing of
//! that dossier, not even that it exists. So `createPerson` answers as for a new person: the
//! office gets a *provisional* record of its own (`person.link_of_person_id` = the dossier), and
//! the police station a `PERSON_LINK` task on that record. The police station raises the task
//! for itself (creator and assignee): the judicial office sees no task appear.
//!
//! `decidePersonLink` is the police station's answer, in one transaction:
//! - confirm: the record's judicial tags, talks, incidents, assessments, measures and lead
//!   subjects move to the dossier, the rest of the record goes, and the dossier, now tagged,
//!   enters the judicial office's scope (`judicial_tagged`);
//! - decline: the record stays the judicial office's own, still pointing at the dossier, so the
//!   link is never asked again; nothing of the dossier reaches the office.
//!
//! A link is waiting while its `PERSON_LINK` task is open; only the decision closes that task.
//! The request and each decision are audited against the dossier's id.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{TaskEventKind, TaskKind, TaskStatus, TaskTargetType, UnitKind};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use super::person::{PersonPayload, find, write_entry};
use super::subscription::TaskAssigned;
use crate::access::resource::Persons;
use crate::access::store::Store;
use crate::access::stores::person::{link, write};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::validate;
use crate::error::ApiError;
use crate::rules::{self, Offices, SystemTask, Trigger};

/// The task's title: a fixed phrase, never a name.
const LINK_TITLE: &str = "司法所人员关联申请";
/// The task's description when the judicial office gives no reason.
const DEFAULT_REASON: &str = "司法所登记本所管理的人员，申请与本镇已有档案关联。";
/// Days the police station has to decide.
const DECISION_DAYS: i64 = 7;

const REQUESTED: &str = "司法所提出人员关联申请，由派出所确认或不予关联。";
const CONFIRMED: &str = "派出所确认为同一人员，司法所的记录已并入原档案。";
const DECLINED: &str = "派出所不予关联，司法所保留本所登记的记录。";
const MERGED: &str = "人员记录已并入原档案，系统撤销本任务。";

/// Asks the police station to link the judicial office's new `record` with `dossier`: the
/// `PERSON_LINK` task and the audit entry, in the creating transaction. Returns the task to
/// announce after the commit; `None` when the town has no police station to ask.
pub(crate) async fn request(
    txn: &impl ConnectionTrait,
    ctx: &Context<'_>,
    viewer: &Viewer,
    record: Uuid,
    dossier: Uuid,
    reason: &Option<String>,
) -> Result<Option<TaskAssigned>, ApiError> {
    audit::record(txn, ctx, viewer, write_entry("request_person_link", dossier)).await?;
    let offices = Offices::load(txn, Some(viewer.town_id)).await?;
    let Some(police) = offices.of_kind(viewer.town_id, UnitKind::PoliceStation) else {
        tracing::warn!(town = %viewer.town_id, "no police station to decide a person link; the record stays apart");
        return Ok(None);
    };
    let now = Utc::now();
    let task = SystemTask {
        town: viewer.town_id,
        title: LINK_TITLE.to_owned(),
        description: Some(reason.clone().unwrap_or_else(|| DEFAULT_REASON.to_owned())),
        kind: TaskKind::PersonLink,
        target: Some((TaskTargetType::Person, record)),
        assignee_unit: police,
        assignee_user: None,
        creating_unit: police,
        due_at: rules::end_of_day(rules::local_day(now) + Duration::days(DECISION_DAYS)),
        rule_key: None,
    };
    Ok(rules::open_task(txn, task, REQUESTED, now).await?)
}

/// 人员关联决定 — the police station's decision on a judicial office's request to link a record with a dossier.
#[derive(InputObject)]
pub struct DecidePersonLinkInput {
    /// 人员 — the judicial office's provisional record: the target of the `PERSON_LINK` task.
    pub person_id: ID,
    /// 确认 — true: the record and the dossier are one person, merge them. False: keep them apart.
    pub confirm: bool,
    /// 备注 — a note for the task's thread (at most 1000 characters).
    pub note: Option<String>,
}

#[derive(Default)]
pub struct PersonLinkMutation;

#[Object]
impl PersonLinkMutation {
    /// 人员关联决定 — the police station's decision on a judicial office's link request (see the `PERSON_LINK`
    /// task). Confirming merges the provisional record into the dossier and answers the
    /// dossier; declining keeps the record apart for good and answers the record.
    ///
    /// `FORBIDDEN` for every role but the police; `BAD_USER_INPUT` on `input.personId` when the
    /// person is a dossier, not a provisional record; `CONFLICT` when the link was decided.
    async fn decide_person_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: DecidePersonLinkInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        // The grant is the role's, whatever the row: answering it first tells nothing of rows.
        if state.access.rows::<Persons>(viewer, "decide_link").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        let id = ids::decode_as(&input.person_id, Kind::Person).ok_or(ApiError::NotFound)?;
        if find(ctx, id).await?.is_none() {
            return Err(ApiError::NotFound.into());
        }
        let (record, _) = Store::new(&state.access, viewer).for_action::<Persons>(&state.db, id, "decide_link").await?;
        let Some(dossier) = record.link_of_person_id else {
            return Err(ApiError::bad_input(
                "input.personId",
                "This person is a dossier, not a provisional record waiting for a link.",
                "该人员是正式档案，不是待关联的临时记录。",
            )
            .into());
        };
        let note = validate::optional_text("input.note", input.note.as_deref().unwrap_or(""), 1000)?;
        let now = Utc::now();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let waiting = link::open_tasks(&txn, record.id, Some(TaskKind::PersonLink))
            .await?
            .into_iter()
            .next()
            .ok_or_else(decided)?;
        if !note.is_empty() {
            let actor = Some((viewer.user_id, viewer.unit_id));
            rules::task_event(&txn, waiting.id, TaskEventKind::Feedback, actor, Some(note), now).await?;
        }
        let closing = if input.confirm { CONFIRMED } else { DECLINED };
        // Of two decisions at once, the task's version lets exactly one through.
        if !rules::close(&txn, &waiting, TaskStatus::Accepted, closing, now).await? {
            return Err(decided().into());
        }
        let answer = if input.confirm {
            merge(&txn, record.id, dossier, now).await?;
            audit::record(&txn, ctx, viewer, write_entry("confirm_person_link", dossier)).await?;
            dossier
        } else {
            audit::record(&txn, ctx, viewer, write_entry("reject_person_link", dossier)).await?;
            record.id
        };
        // The dossier's talks may have moved: its talk rule looks again.
        rules::commit(state, txn, Trigger::Person(answer)).await.map_err(ApiError::from)?;
        ctx.loaders()?.clear();
        Ok(PersonPayload { person: find(ctx, answer).await? })
    }
}

fn decided() -> ApiError {
    ApiError::Conflict {
        message: "This link was decided already.".into(),
        message_zh: "该关联申请已处理。".into(),
        allowed: vec![],
    }
}

/// Merges the provisional `record` into `dossier`: what the judicial office recorded moves over,
/// the rest of the record goes.
async fn merge(txn: &impl ConnectionTrait, record: Uuid, dossier: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    link::row(txn, dossier).await?.ok_or(ApiError::NotFound)?;
    link::merge(txn, record, dossier).await?;
    // Its open tasks (a talk falling due …) end with it; the link task is closed already.
    for task in &link::open_tasks(txn, record, None).await? {
        rules::close(txn, task, TaskStatus::Cancelled, MERGED, now).await?;
    }
    link::remove(txn, record).await?;
    write::touch(txn, dossier).await
}
