//! Meetings (研判会, 联席会议, 三级联席会议): `meetings`, `meeting`, and `recordMeeting`.
//!
//! The coordination office records the town's meetings and reads them all; a unit reads the
//! meetings it attended. A meeting the discipline commission records is on umbrella leads and
//! only it reads it. Each decision may be assigned to a unit: it raises a `MEETING_DECISION`
//! task whose target is the meeting, so the task is read under the task scopes and its target
//! under the meeting's own (a unit given a decision of a meeting it did not attend sees the
//! decision in the task, not the meeting). Recording the month's analysis meeting closes the
//! coordination office's `MONTHLY_ANALYSIS_MEETING` task.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AuditCategory, AuditOutcome, MeetingKind, TaskEventKind, TaskKind, TaskStatus, TaskTargetType};
use entity::{meeting, meeting_decision, task};
use sea_orm::DbErr;
use uuid::Uuid;

use super::ContextExt;
use super::connection::Page;
use super::fetch;
use super::ids::{self, Kind};
use super::org::OrgUnit;
use super::refs::unit_in_town;
use super::risk::{self, RiskItem};
use super::subscription::TaskAssigned;
use super::task::{TargetOf, TargetRow, Task};
use crate::AppState;
use crate::access::page::PageArgs;
use crate::access::resource::{Meetings, Tasks};
use crate::access::store::{Sort, Store};
use crate::access::stores::meeting::{self as store, Attendees, Decisions, HeldOn, MeetingFilter, RisksTakenUp};
use crate::access::stores::task as task_store;
use crate::audit;
use crate::auth::Viewer;
use crate::domain::lead_flow::today;
use crate::domain::validate;
use crate::error::ApiError;
use crate::rules::{self, Trigger};
use crate::scalars::Date;
use crate::sheet::label;

/// An edge of `meetings`.
pub type MeetingEdge = super::connection::Edge<Meeting>;

/// A meeting the viewer reads (meetings have no field groups: a readable meeting is read whole).
#[derive(Clone)]
pub struct Meeting(Arc<meeting::Model>);

impl Meeting {
    pub fn new(model: meeting::Model) -> Self {
        Self(Arc::new(model))
    }

    /// One line naming the meeting, from its own fields (for a task's `targetSummary`).
    pub fn summary_line(&self) -> String {
        format!("{} {}", self.0.held_on.format("%Y-%m-%d"), label(&self.0.kind))
    }

    async fn parts(&self, ctx: &Context<'_>) -> Result<MeetingParts, ApiError> {
        let loaded = ctx.loaders()?.meetings.load_one(PartsOf(self.0.id)).await;
        Ok(loaded.map_err(|e| ApiError::internal(anyhow::anyhow!("loading a meeting: {e}")))?.unwrap_or_default())
    }
}

/// 会议 — a meeting (研判会, 联席会议, 三级联席会议) with its attending units and decisions.
#[Object]
impl Meeting {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Meeting, self.0.id)
    }
    /// 会议类型 — what kind of meeting.
    async fn kind(&self) -> MeetingKind {
        self.0.kind
    }
    /// 召开日期 — the day the meeting was held.
    async fn held_on(&self) -> Date {
        Date(self.0.held_on)
    }
    /// 会议纪要 — what the meeting discussed, in brief.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// 涉保护伞 — a meeting of the discipline commission on umbrella leads (only it reads it).
    async fn on_umbrella_leads(&self) -> bool {
        self.0.umbrella
    }
    /// 记录单位 — the unit that held and recorded the meeting.
    async fn recorded_by_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.recorded_by_unit_id).await?)
    }
    /// 记录时间 — when the meeting was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 参会单位 — the units that attended, the recording unit among them.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrgUnit>> {
        let ids = self.parts(ctx).await?.units;
        let units = ctx.loaders()?.org_units.load_many(ids.iter().copied()).await?;
        Ok(ids.iter().filter_map(|id| units.get(id).cloned()).collect())
    }
    /// 会议决定 — the decisions, in the order taken.
    async fn decisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MeetingDecision>> {
        Ok(self.parts(ctx).await?.decisions.into_iter().map(MeetingDecision).collect())
    }
    /// 研究的风险隐患 — the risk items escalated to this meeting, those the viewer reads.
    async fn risk_items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RiskItem>> {
        let ids = self.parts(ctx).await?.risks;
        let keys = ids.iter().map(|id| TargetOf(TaskTargetType::RiskItem, *id));
        let found = ctx.loaders()?.targets.load_many(keys).await?;
        let mut items = Vec::new();
        for id in ids {
            if let Some(TargetRow::Risk(row)) = found.get(&TargetOf(TaskTargetType::RiskItem, id)) {
                items.push(risk::from_held(ctx, (row.0.clone(), row.1))?);
            }
        }
        Ok(items)
    }
}

/// A decision of a meeting.
#[derive(Clone)]
pub struct MeetingDecision(meeting_decision::Model);

/// 会议决定 — one decision of a meeting, and the task it raised.
#[Object]
impl MeetingDecision {
    /// 序号 — its place among the meeting's decisions, from 1.
    async fn number(&self) -> i32 {
        self.0.position + 1
    }
    /// 决定内容 — what the meeting decided.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// 承办单位 — the unit the decision was given to, if any.
    async fn assignee_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        crate::graphql::loaders::org_unit(ctx, self.0.assignee_unit_id).await
    }
    /// 办理期限 — when the unit must have carried it out.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }
    /// 督办任务 — the task the decision raised, when the viewer may read it.
    async fn task(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Task>> {
        let Some(id) = self.0.task_id else { return Ok(None) };
        Ok(ctx.loaders()?.meetings.load_one(TaskOf(id)).await?.map(Task::from_model))
    }
}

/// A meeting's children: its units, decisions and the risk items it took up.
#[derive(Clone, Default)]
pub struct MeetingParts {
    units: Vec<Uuid>,
    decisions: Vec<meeting_decision::Model>,
    risks: Vec<Uuid>,
}

/// The children of a meeting.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartsOf(pub Uuid);

/// A task by id (a decision's), under the task scopes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskOf(pub Uuid);

/// Meetings' children and decisions' tasks, each in one statement per kind through the stores.
pub struct MeetingLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl MeetingLoader {
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Self {
        Self { state, viewer }
    }
}

use super::loaders::store_error as loader_error;

impl Loader<PartsOf> for MeetingLoader {
    type Value = MeetingParts;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PartsOf]) -> Result<HashMap<PartsOf, MeetingParts>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let store = Store::new(&self.state.access, &self.viewer);
        let db = &self.state.db;
        let mut units = store.children::<Attendees>(db, &ids).await.map_err(loader_error)?;
        let mut decisions = store.children::<Decisions>(db, &ids).await.map_err(loader_error)?;
        let mut risks = store.children::<RisksTakenUp>(db, &ids).await.map_err(loader_error)?;
        Ok(ids
            .into_iter()
            .map(|id| {
                let parts = MeetingParts {
                    units: units.remove(&id).unwrap_or_default().into_iter().map(|u| u.unit_id).collect(),
                    decisions: decisions.remove(&id).unwrap_or_default(),
                    risks: risks.remove(&id).unwrap_or_default().into_iter().map(|r| r.risk_item_id).collect(),
                };
                (PartsOf(id), parts)
            })
            .collect())
    }
}

impl Loader<TaskOf> for MeetingLoader {
    type Value = task::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TaskOf]) -> Result<HashMap<TaskOf, task::Model>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let store = Store::new(&self.state.access, &self.viewer);
        let rows = store.many::<Tasks>(&self.state.db, &ids).await.map_err(loader_error)?;
        Ok(rows.into_iter().map(|(task, _)| (TaskOf(task.id), task)).collect())
    }
}

/// The meeting with `id` in the viewer's scope; a real one outside it is logged as a denied
/// attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Meeting>, ApiError> {
    Ok(fetch::one::<Meetings>(ctx, id, "Meeting").await?.map(|(m, _)| Meeting::new(m)))
}

/// A meeting the viewer reads, named in an input (`field`): a hidden and a missing one are the
/// same bad input, so the check is no existence oracle.
pub async fn readable(ctx: &Context<'_>, field: &str, id: &ID) -> Result<Uuid, ApiError> {
    let bad = || ApiError::bad_input(field, "No such meeting in your view.", "没有这个会议。");
    let id = ids::decode_as(id, Kind::Meeting).ok_or_else(bad)?;
    let state = ctx.state();
    let found = Store::new(&state.access, ctx.viewer()?).one::<Meetings>(&state.db, id).await?;
    found.map(|(m, _)| m.id).ok_or_else(bad)
}

#[derive(Default)]
pub struct MeetingQuery;

#[Object]
impl MeetingQuery {
    /// 会议 — the meetings the viewer may read, the latest held first.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the meetings that match every condition given.")] filter: Option<
            MeetingFilter,
        >,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Meeting>> {
        let args = PageArgs::new(first, after, last, before)?;
        let sort = Sort { field: HeldOn, ascending: false };
        let page = fetch::list::<Meetings>(ctx, filter.unwrap_or_default(), sort, args).await?;
        let ids: Vec<PartsOf> = page.listing.models().iter().map(|m| PartsOf(m.id)).collect();
        super::loaders::prime(&ctx.loaders()?.meetings, ids)
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("loading meetings: {e}")))?;
        Ok(page.connection(|(m, _)| Meeting::new(m)))
    }

    /// 会议 — one meeting by id, or null when the viewer may not read it.
    async fn meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — the meeting's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Meeting>> {
        let Some(id) = ids::decode_as(&id, Kind::Meeting) else { return Ok(None) };
        Ok(find(ctx, id).await?)
    }
}

/// 记录会议 — a meeting held: its kind, day, units, summary and decisions.
#[derive(InputObject)]
pub struct RecordMeetingInput {
    /// 会议类型 — what kind of meeting.
    pub kind: MeetingKind,
    /// 召开日期 — the day it was held (not after today).
    pub held_on: Date,
    /// 参会单位 — the units of the town that attended (the recording unit attends by itself).
    pub unit_ids: Vec<ID>,
    /// 会议纪要 — what the meeting discussed, in brief.
    pub summary: String,
    /// 会议决定 — the decisions, in order; each may be given to a unit with a due time.
    #[graphql(default)]
    pub decisions: Vec<MeetingDecisionInput>,
}

/// 会议决定 — one decision; given to a unit, it raises a supervision task for it.
#[derive(InputObject)]
pub struct MeetingDecisionInput {
    /// 决定内容 — what the meeting decided.
    pub text: String,
    /// 承办单位 — the unit of the town that must carry it out (raises a task).
    pub assignee_unit_id: Option<ID>,
    /// 办理期限 — when the unit must have carried it out; required with a unit.
    pub due_at: Option<DateTime<Utc>>,
}

/// 会议 — the meeting recorded.
#[derive(SimpleObject)]
pub struct MeetingPayload {
    /// 会议 — the meeting as recorded.
    pub meeting: Option<Meeting>,
}

/// Units and decisions a meeting may have at most.
const MAX_UNITS: usize = 100;
const MAX_DECISIONS: usize = 50;

/// A decision as checked, before anything is written.
struct Checked {
    text: String,
    assignee: Option<Uuid>,
    due_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct MeetingMutation;

#[Object]
impl MeetingMutation {
    /// 记录会议 — records a meeting (the coordination office; the discipline commission for its
    /// meetings on umbrella leads), raising a task for each decision given to a unit.
    async fn record_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordMeetingInput,
    ) -> async_graphql::Result<MeetingPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<Meetings>(viewer, "record").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        if input.held_on.0 > today() {
            let zh = "会议召开后方可记录，日期不能晚于今天。";
            return Err(ApiError::bad_input("input.heldOn", "A meeting is recorded once held.", zh).into());
        }
        let summary = validate::text("input.summary", &input.summary, 4000)?;
        if input.unit_ids.len() > MAX_UNITS {
            let zh = format!("参会单位最多{MAX_UNITS}个。");
            return Err(ApiError::bad_input("input.unitIds", format!("At most {MAX_UNITS} units."), zh).into());
        }
        let mut units = Vec::new();
        for (i, unit) in input.unit_ids.iter().enumerate() {
            units.push(unit_in_town(ctx, viewer, &format!("input.unitIds[{i}]"), unit).await?.id);
        }
        if input.decisions.len() > MAX_DECISIONS {
            let zh = format!("会议决定最多{MAX_DECISIONS}项。");
            let en = format!("At most {MAX_DECISIONS} decisions.");
            return Err(ApiError::bad_input("input.decisions", en, zh).into());
        }
        let now = Utc::now();
        let mut decisions = Vec::new();
        for (i, decision) in input.decisions.iter().enumerate() {
            let field = |name: &str| format!("input.decisions[{i}].{name}");
            let text = validate::text(&field("text"), &decision.text, 2000)?;
            let assignee = match &decision.assignee_unit_id {
                Some(unit) => Some(unit_in_town(ctx, viewer, &field("assigneeUnitId"), unit).await?.id),
                None => None,
            };
            let due_at = match (assignee, decision.due_at) {
                (Some(_), Some(due)) if due > now => Some(due),
                (Some(_), Some(_)) => {
                    let (en, zh) = ("The due time must be in the future.", "期限须晚于现在。");
                    return Err(ApiError::bad_input(field("dueAt"), en, zh).into());
                }
                (Some(_), None) => {
                    let (en, zh) = ("A decision given to a unit needs a due time.", "交办单位的决定须有办理期限。");
                    return Err(ApiError::bad_input(field("dueAt"), en, zh).into());
                }
                (None, Some(_)) => {
                    let (en, zh) = ("A due time needs a unit to carry it out.", "有办理期限的决定须有承办单位。");
                    return Err(ApiError::bad_input(field("assigneeUnitId"), en, zh).into());
                }
                (None, None) => None,
            };
            decisions.push(Checked { text, assignee, due_at });
        }

        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let new = store::NewMeeting { kind: input.kind, held_on: input.held_on.0, summary, units };
        let id = store::insert(&txn, viewer, new).await?;
        let store = Store::new(&state.access, viewer);
        // The grant decides on the new row (the discipline commission records meetings on
        // umbrella leads only); dropping the transaction undoes the insert.
        if !store.granted::<Meetings>(&txn, id, "record").await? {
            return Err(ApiError::Forbidden.into());
        }
        let mut assigned = Vec::new();
        for (position, decision) in decisions.into_iter().enumerate() {
            let task = match (decision.assignee, decision.due_at) {
                (Some(unit), Some(due_at)) => {
                    let task = decision_task(viewer, id, input.kind, unit, due_at, &decision.text, now);
                    let task_id = task.id;
                    if !task_store::create(&store, &txn, task).await? {
                        return Err(ApiError::Forbidden.into());
                    }
                    let actor = Some((viewer.user_id, viewer.unit_id));
                    rules::task_event(&txn, task_id, TaskEventKind::Created, actor, None, now)
                        .await
                        .map_err(ApiError::from)?;
                    assigned.push(TaskAssigned { task: task_id, town: viewer.town_id, assignee_unit: unit });
                    Some(task_id)
                }
                _ => None,
            };
            let position = i32::try_from(position).unwrap_or(i32::MAX);
            let new = store::NewDecision {
                position,
                text: decision.text,
                assignee_unit: decision.assignee,
                due_at: decision.due_at,
                task,
            };
            store::insert_decision(&txn, id, new).await?;
        }
        audit::record(&txn, ctx, viewer, entry("Meeting", "record_meeting", id)).await?;
        let swept = rules::after_write(&txn, Trigger::Meeting { town: viewer.town_id, unit: viewer.unit_id }, now)
            .await
            .map_err(ApiError::from)?;
        let news: Vec<rules::TaskNews> = assigned.into_iter().map(rules::TaskNews::from).chain(swept.news()).collect();
        crate::replicas::commit_announcing(txn, &state.task_events, &news).await.map_err(ApiError::from)?;
        state.metrics.tasks(crate::metrics::Trigger::Write, &swept);
        Ok(MeetingPayload { meeting: find(ctx, id).await? })
    }
}

/// The title of the task a decision of a meeting of `kind` raises: the kind of meeting, never
/// the decision's content.
pub fn decision_title(kind: MeetingKind) -> String {
    format!("{}决定事项", label(&kind))
}

/// The task a decision raises: a fixed title naming the kind of meeting (never its content),
/// the decision itself as the description, the meeting as the target.
fn decision_task(
    viewer: &Viewer,
    meeting: Uuid,
    kind: MeetingKind,
    unit: Uuid,
    due_at: DateTime<Utc>,
    text: &str,
    now: DateTime<Utc>,
) -> task::Model {
    task::Model {
        id: Uuid::now_v7(),
        town_id: viewer.town_id,
        title: decision_title(kind),
        description: Some(text.to_owned()),
        kind: TaskKind::MeetingDecision,
        target_type: Some(TaskTargetType::Meeting),
        target_id: Some(meeting),
        assignee_unit_id: unit,
        assignee_user_id: None,
        creating_unit_id: viewer.unit_id,
        created_by_user_id: Some(viewer.user_id),
        due_at,
        listed: false,
        status: TaskStatus::Open,
        rule_key: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// The audit entry of a write on a record without field groups.
pub(super) fn entry(object_type: &'static str, action: &'static str, id: Uuid) -> audit::Entry<'static> {
    audit::Entry {
        action,
        object_type,
        object_id: Some(id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    }
}
