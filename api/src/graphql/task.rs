//! Supervision tasks (督办任务): `tasks`, `myTasks`, and the steps of a task's life.
//!
//! A task is read under the task scopes of access.md (assigned to or created by the viewer's
//! unit; the coordinator every task but those on umbrella leads; the discipline commission
//! those on umbrella leads). Its `target` resolves under the target's own rules, and its
//! one-line summary is built only from what the viewer may see of the target.
//!
//! OPEN -start-> IN_PROGRESS -submit-> SUBMITTED -accept-> ACCEPTED; a return sends a submitted
//! task back to IN_PROGRESS (an event with the reason); the creator may cancel any open task.
//! A `PERSON_LINK` task is started and commented on only: `decidePersonLink` closes it.

use super::loaders::{prime, prime_children};
use super::person_loaders::db_err;
use crate::access::page::PageArgs;
use crate::access::store::Sort;
use crate::access::stores::task::DueFirst;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AuditCategory, AuditOutcome, TaskEventKind, TaskKind, TaskStatus, TaskTargetType};
use entity::{task, task_event};
use sea_orm::{ConnectionTrait, Set};
use uuid::Uuid;

use super::ContextExt;
use super::connection::Page;
use super::fetch;
use super::ids::{self, Kind};
use super::loaders::{Officer, TaskEventsOf};
use super::node::Node;
use super::org::OrgUnit;
use super::refs::unit_in_town;
use super::subscription::{TaskAssigned, TaskChange, TaskUpdated};
use super::{lead, person, risk, venue};
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use crate::AppState;
use crate::access::resource::{Leads, Meetings, Persons, RiskItems, Tasks, Venues};
use crate::access::store::Held;
use crate::access::store::Store;
use crate::access::stores::task::{self as store, TaskEvents, TaskList};
pub use crate::access::stores::task::{TaskFilter, filter_condition};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::validate;
use crate::error::ApiError;
use crate::replicas;

/// An edge of `tasks` and `myTasks`.
pub type TaskEdge = super::connection::Edge<Task>;

/// A supervision task the viewer may see (tasks have no field groups: a visible task is
/// visible whole; its target is not).
#[derive(Clone)]
pub struct Task(std::sync::Arc<task::Model>);

impl Task {
    pub fn from_model(model: task::Model) -> Self {
        Self(std::sync::Arc::new(model))
    }

    fn is_overdue(&self) -> bool {
        !matches!(self.0.status, TaskStatus::Accepted | TaskStatus::Cancelled) && Utc::now() > self.0.due_at
    }
}

/// 督办任务 — a supervision task with a due date and a thread of feedback.
#[Object]
impl Task {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Task, self.0.id)
    }
    /// 版本 — changes with every step; pass it as `expectedVersion` to the next one.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// 最后变更时间 — when the task last changed (tasks have no field groups: whoever reads the
    /// task reads it, as `version`).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// 标题 — what the task asks, in a line.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// 说明 — the task in full.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// 任务类型 — what kind of duty the task is.
    async fn kind(&self) -> TaskKind {
        self.0.kind
    }
    /// 任务状态 — where the task is in its lifecycle.
    async fn status(&self) -> TaskStatus {
        self.0.status
    }
    /// 期限 — when the task is due.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// 逾期 — past due and neither accepted nor cancelled.
    async fn overdue(&self) -> bool {
        self.is_overdue()
    }
    /// Listed supervision (挂牌督办).
    async fn listed(&self) -> bool {
        self.0.listed
    }
    /// 规则生成 — true when a rule raised the task (it closes itself when the duty is done).
    async fn raised_by_rule(&self) -> bool {
        self.0.created_by_user_id.is_none()
    }
    /// 创建时间 — when the task was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 承办单位 — the unit that must do the task.
    async fn assignee_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.assignee_unit_id).await?)
    }
    /// 承办人 — the user of the assignee unit the task is assigned to in person, if any.
    async fn assignee_user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        crate::graphql::loaders::officer(ctx, self.0.assignee_user_id).await
    }
    /// 交办单位 — the unit that created the task and accepts it.
    async fn creating_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        Ok(ctx.loaders()?.org_units.load_one(self.0.creating_unit_id).await?)
    }
    /// 督办对象 — the target, under its own rules: null when the viewer may not see it.
    async fn target(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        Ok(target_of(ctx, &self.0).await?)
    }
    /// 对象摘要 — one line about the target, built only from what the viewer may see of it.
    async fn target_summary(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(match target_of(ctx, &self.0).await? {
            Some(Node::Person(p)) => p.display_name().map(|n| format!("重点人员 {n}")),
            Some(Node::Venue(v)) => v.display_name().map(|n| format!("重点场所 {n}")),
            Some(Node::Lead(l)) => l.display_serial().map(|s| format!("线索 {s}")),
            Some(Node::RiskItem(r)) => r.display_title().map(|t| format!("风险隐患 {t}")),
            Some(Node::Meeting(m)) => Some(format!("会议 {}", m.summary_line())),
            _ => None,
        })
    }
    /// 任务记录 — feedback, returns and every other step, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TaskEventView>> {
        let rows = ctx.loaders()?.task_events.load_one(TaskEventsOf(self.0.id)).await?.unwrap_or_default();
        Ok(rows.into_iter().map(TaskEventView).collect())
    }
    /// 任务权限 — what the viewer may do on this task.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<TaskViewerCan> {
        let viewer = ctx.viewer()?;
        let access = &ctx.state().access;
        let work = access.can_on_row::<Tasks>(viewer, "work", &self.0);
        let review = access.can_on_row::<Tasks>(viewer, "review", &self.0);
        let steps = next_steps(self.0.kind, self.0.status);
        let can = |step: TaskStep| steps.contains(&step) && if step.by_assignee() { work } else { review };
        Ok(TaskViewerCan {
            start: can(TaskStep::Start),
            add_feedback: can(TaskStep::Feedback),
            submit: can(TaskStep::Submit),
            accept: can(TaskStep::Accept),
            return_task: can(TaskStep::Return),
            cancel: can(TaskStep::Cancel),
            set_listed: access.can(viewer, "task", "set_listed"),
            assign_user: work && !matches!(self.0.status, TaskStatus::Accepted | TaskStatus::Cancelled),
        })
    }
}

/// 任务权限 — what the viewer may do on a task.
#[derive(SimpleObject)]
pub struct TaskViewerCan {
    /// 可开始 — the viewer may start the task.
    pub start: bool,
    /// 可反馈 — the viewer may add feedback.
    pub add_feedback: bool,
    /// 可提交 — the viewer may submit the task.
    pub submit: bool,
    /// 可验收 — the viewer may accept the task.
    pub accept: bool,
    /// 可退回 — the viewer may return the task.
    #[graphql(name = "return")]
    pub return_task: bool,
    /// 可撤销 — the viewer may cancel the task.
    pub cancel: bool,
    /// 可挂牌督办 — the viewer may list or unlist the task.
    pub set_listed: bool,
    /// 指派承办人 — may assign the task to a user of its assignee unit (`assignTaskToUser`).
    pub assign_user: bool,
}

/// A step in a task's thread.
pub struct TaskEventView(task_event::Model);

/// 任务事件 — one entry in a task's thread.
#[Object(name = "TaskEvent")]
impl TaskEventView {
    /// 事件类型 — the kind of entry.
    async fn kind(&self) -> TaskEventKind {
        self.0.kind
    }
    /// 时间 — when the entry was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 内容 — feedback text, or the reason of a return or cancellation.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    /// 操作人 — null for the system's own steps.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        crate::graphql::loaders::officer(ctx, self.0.actor_user_id).await
    }
    /// 操作单位 — the unit the actor acted for; null for the system's own steps.
    async fn actor_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        crate::graphql::loaders::org_unit(ctx, self.0.actor_unit_id).await
    }
}

async fn target_of(ctx: &Context<'_>, task: &task::Model) -> Result<Option<Node>, ApiError> {
    let (Some(kind), Some(id)) = (task.target_type, task.target_id) else { return Ok(None) };
    let loaded = ctx.loaders()?.targets.load_one(TargetOf(kind, id)).await;
    let Some(target) = loaded.map_err(|e| ApiError::internal(anyhow::anyhow!("loading a task's target: {e}")))? else {
        return Ok(None);
    };
    Ok(Some(match target {
        TargetRow::Person(row) => Node::Person(person::Person::new(row.0.clone(), row.1)),
        TargetRow::Venue(row) => Node::Venue(venue::from_held(ctx, (row.0.clone(), row.1))?),
        TargetRow::Lead(row) => Node::Lead(lead::Lead::new(row.0.clone(), row.1)),
        TargetRow::Risk(row) => Node::RiskItem(risk::from_held(ctx, (row.0.clone(), row.1))?),
        TargetRow::Meeting(row) => Node::Meeting(super::meeting::Meeting::new(row.0.clone())),
    }))
}

/// A task's target: what kind of record, and which.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TargetOf(pub TaskTargetType, pub Uuid);

/// A target the viewer reads, with its groups.
#[derive(Clone)]
pub enum TargetRow {
    Person(Arc<Held<Persons>>),
    Venue(Arc<Held<Venues>>),
    Lead(Arc<Held<Leads>>),
    Risk(Arc<Held<RiskItems>>),
    Meeting(Arc<Held<Meetings>>),
}

/// Tasks' targets, read in one statement per kind through the stores; a target the viewer may
/// not read is absent (the task shows null), exactly like a missing one.
pub struct TargetLoader {
    state: Arc<AppState>,
    viewer: Viewer,
}

impl TargetLoader {
    pub fn new(state: Arc<AppState>, viewer: Viewer) -> Self {
        Self { state, viewer }
    }
}

impl Loader<TargetOf> for TargetLoader {
    type Value = TargetRow;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[TargetOf]) -> Result<HashMap<TargetOf, TargetRow>, Self::Error> {
        let store = Store::new(&self.state.access, &self.viewer);
        let db = &self.state.db;
        let ids = |kind: TaskTargetType| keys.iter().filter(|k| k.0 == kind).map(|k| k.1).collect::<Vec<_>>();
        let mut out = HashMap::new();
        for row in store.many::<Persons>(db, &ids(TaskTargetType::Person)).await.map_err(db_err)? {
            out.insert(TargetOf(TaskTargetType::Person, row.0.id), TargetRow::Person(Arc::new(row)));
        }
        for row in store.many::<Venues>(db, &ids(TaskTargetType::Venue)).await.map_err(db_err)? {
            out.insert(TargetOf(TaskTargetType::Venue, row.0.id), TargetRow::Venue(Arc::new(row)));
        }
        for row in store.many::<Leads>(db, &ids(TaskTargetType::Lead)).await.map_err(db_err)? {
            out.insert(TargetOf(TaskTargetType::Lead, row.0.id), TargetRow::Lead(Arc::new(row)));
        }
        for row in store.many::<RiskItems>(db, &ids(TaskTargetType::RiskItem)).await.map_err(db_err)? {
            out.insert(TargetOf(TaskTargetType::RiskItem, row.0.id), TargetRow::Risk(Arc::new(row)));
        }
        for row in store.many::<Meetings>(db, &ids(TaskTargetType::Meeting)).await.map_err(db_err)? {
            out.insert(TargetOf(TaskTargetType::Meeting, row.0.id), TargetRow::Meeting(Arc::new(row)));
        }
        Ok(out)
    }
}

/// A step of a task's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskStep {
    Start,
    Feedback,
    Submit,
    Accept,
    Return,
    Cancel,
}

impl TaskStep {
    fn by_assignee(self) -> bool {
        matches!(self, TaskStep::Start | TaskStep::Feedback | TaskStep::Submit)
    }

    fn mutation(self) -> &'static str {
        match self {
            TaskStep::Start => "startTask",
            TaskStep::Feedback => "addTaskFeedback",
            TaskStep::Submit => "submitTask",
            TaskStep::Accept => "acceptTask",
            TaskStep::Return => "returnTask",
            TaskStep::Cancel => "cancelTask",
        }
    }
}

fn next_steps(kind: TaskKind, status: TaskStatus) -> Vec<TaskStep> {
    if matches!(kind, TaskKind::PersonLink | TaskKind::StepDownReview | TaskKind::WeeklyRiskUpdate) {
        // Only the step itself closes these (`decidePersonLink`, a step-down decision, the
        // weekly update): a submitted, accepted or cancelled task would leave it undone.
        return match status {
            TaskStatus::Open => vec![TaskStep::Start, TaskStep::Feedback],
            TaskStatus::InProgress => vec![TaskStep::Feedback],
            _ => Vec::new(),
        };
    }
    match status {
        TaskStatus::Open => vec![TaskStep::Start, TaskStep::Feedback, TaskStep::Cancel],
        TaskStatus::InProgress => vec![TaskStep::Feedback, TaskStep::Submit, TaskStep::Cancel],
        TaskStatus::Submitted => vec![TaskStep::Accept, TaskStep::Return, TaskStep::Cancel],
        TaskStatus::Accepted | TaskStatus::Cancelled => Vec::new(),
    }
}

#[derive(Default)]
pub struct TaskQuery;

#[Object]
impl TaskQuery {
    /// 督办任务 — every task the viewer may see, by due date.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the tasks that match every condition given.")] filter: Option<TaskFilter>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Task>> {
        Ok(page(
            ctx,
            TaskList { filter: filter.unwrap_or_default(), mine: false },
            PageArgs::new(first, after, last, before)?,
        )
        .await?)
    }

    /// 我的任务 — the open tasks of the viewer's unit (or the viewer), overdue first, then by due date:
    /// the mobile app's work list.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn my_tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the tasks that match every condition given.")] filter: Option<TaskFilter>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Task>> {
        // Due dates order overdue tasks first on their own: a task is overdue exactly when its
        // due date has passed.
        Ok(page(
            ctx,
            TaskList { filter: filter.unwrap_or_default(), mine: true },
            PageArgs::new(first, after, last, before)?,
        )
        .await?)
    }
}

async fn page(ctx: &Context<'_>, list: TaskList, args: PageArgs) -> Result<Page<Task>, ApiError> {
    let page = fetch::list::<Tasks>(ctx, list, Sort { field: DueFirst, ascending: true }, args).await?;
    let loaders = ctx.loaders()?;
    let state = ctx.state();
    let reader = Store::new(&state.access, ctx.viewer()?);
    let look = ctx.look_ahead();
    let node = [look.field("nodes"), look.field("edges").field("node")];
    let wants = |f: &str| node.iter().any(|n| n.field(f).exists());
    let rows = page.listing.models();
    let prefetched = async {
        if wants("events") {
            let events = &loaders.task_events;
            prime_children::<TaskEvents, _, _>(events, reader, &page.reads, &page.listing, TaskEventsOf, |rows| rows)
                .await?;
        }
        if wants("target") || wants("targetSummary") {
            prime(&loaders.targets, rows.iter().filter_map(|t| Some(TargetOf(t.target_type?, t.target_id?)))).await?;
        }
        if wants("assigneeUnit") || wants("creatingUnit") {
            prime(&loaders.org_units, rows.iter().flat_map(|t| [t.assignee_unit_id, t.creating_unit_id])).await?;
        }
        Ok::<(), std::sync::Arc<sea_orm::DbErr>>(())
    };
    prefetched.await.map_err(|e| ApiError::internal(anyhow::anyhow!("loading task relations: {e}")))?;
    Ok(page.connection(|(m, _)| Task::from_model(m)))
}

/// The task with `id` in the viewer's scope; a real one outside it is logged as a denied
/// attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Task>, ApiError> {
    Ok(fetch::one::<Tasks>(ctx, id, "Task").await?.map(|(m, _)| Task::from_model(m)))
}

/// 新建督办任务 — a task the coordinator assigns by hand.
#[derive(InputObject)]
pub struct CreateTaskInput {
    /// 标题 — what the task asks, in a line.
    pub title: String,
    /// 说明 — the task in full.
    pub description: Option<String>,
    /// 承办单位 — the unit that must act.
    pub assignee_unit_id: ID,
    /// 期限 — when the task is due.
    pub due_at: DateTime<Utc>,
    /// 督办对象 — a person, venue, lead or risk item the viewer may see.
    pub target_id: Option<ID>,
    /// Listed supervision (挂牌督办); the coordinator only.
    pub listed: Option<bool>,
    /// 承办人 — an active user of the assignee unit to assign the task to in person.
    pub assignee_user_id: Option<ID>,
}

/// 任务步骤 — a task and a text, for a step of its thread.
#[derive(InputObject)]
pub struct TaskStepInput {
    /// 督办任务 — the task's global ID.
    pub task_id: ID,
    /// 版本 — the task's `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// 内容 — feedback text, or the reason of a return or cancellation.
    pub body: Option<String>,
}

/// 挂牌督办 — put a task under listed supervision, or take it off.
#[derive(InputObject)]
pub struct SetTaskListedInput {
    /// 督办任务 — the task's global ID.
    pub task_id: ID,
    /// 挂牌督办 — true to list the task for supervision, false to take it off.
    pub listed: bool,
    /// 版本 — the task's `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
}

/// 指派承办人 — a task handed to one user of its assignee unit.
#[derive(InputObject)]
pub struct AssignTaskToUserInput {
    /// 督办任务 — the task's global ID.
    pub task_id: ID,
    /// 承办人 — an active user of the task's assignee unit; null takes the task back to the
    /// unit as a whole.
    pub user_id: Option<ID>,
    /// 版本 — the task's `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
}

/// 督办任务 — the task after a step.
#[derive(SimpleObject)]
pub struct TaskPayload {
    /// 督办任务 — the task as it stands after the step.
    pub task: Option<Task>,
}

#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Assigns a supervision task (督办) to a unit of the town (coordinator; the discipline
    /// commission on umbrella leads).
    async fn create_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: CreateTaskInput,
    ) -> async_graphql::Result<TaskPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<Tasks>(viewer, "create").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        let title = validate::text("input.title", &input.title, 200)?;
        let description =
            validate::optional_text("input.description", input.description.as_deref().unwrap_or(""), 4000)?;
        let unit = unit_in_town(ctx, viewer, "input.assigneeUnitId", &input.assignee_unit_id).await?;
        if input.due_at <= Utc::now() {
            return Err(
                ApiError::bad_input("input.dueAt", "The due time must be in the future.", "期限须晚于现在。").into()
            );
        }
        let (target_type, target_id) = match &input.target_id {
            Some(id) => {
                let bad = || ApiError::bad_input("input.targetId", "No such record in your view.", "没有这条记录。");
                let (kind, uuid) = ids::decode(id).ok_or_else(bad)?;
                let (target_type, visible) = match kind {
                    Kind::Person => (TaskTargetType::Person, person::find(ctx, uuid).await?.is_some()),
                    Kind::Venue => (TaskTargetType::Venue, venue::find(ctx, uuid).await?.is_some()),
                    Kind::Lead => (TaskTargetType::Lead, lead::find(ctx, uuid).await?.is_some()),
                    Kind::RiskItem => (TaskTargetType::RiskItem, risk::find(ctx, uuid).await?.is_some()),
                    _ => return Err(bad().into()),
                };
                if !visible {
                    return Err(bad().into());
                }
                (Some(target_type), Some(uuid))
            }
            None => (None, None),
        };
        let listed = input.listed.unwrap_or(false);
        if listed && !state.access.can(viewer, "task", "set_listed") {
            return Err(ApiError::Forbidden.into());
        }
        let assignee_user = match &input.assignee_user_id {
            Some(user) => Some(member(ctx, viewer, unit.id, "input.assigneeUserId", user).await?),
            None => None,
        };
        let now = Utc::now();
        let id = Uuid::now_v7();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let new = task::Model {
            id,
            town_id: viewer.town_id,
            title,
            description: (!description.is_empty()).then_some(description),
            kind: TaskKind::AdHoc,
            target_type,
            target_id,
            assignee_unit_id: unit.id,
            assignee_user_id: assignee_user,
            creating_unit_id: viewer.unit_id,
            created_by_user_id: Some(viewer.user_id),
            due_at: input.due_at,
            listed,
            status: TaskStatus::Open,
            rule_key: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        // The create grant may depend on the target (the discipline commission: umbrella leads
        // only), so the new row itself must lie in it.
        // A target outside that grant answers exactly like a target that does not exist.
        if !store::create(&Store::new(&state.access, viewer), &txn, new).await? {
            return Err(match target_id {
                Some(_) => ApiError::bad_input("input.targetId", "No such record in your view.", "没有这条记录。"),
                None => ApiError::Forbidden,
            }
            .into());
        }
        event(&txn, id, TaskEventKind::Created, Some(viewer), None).await?;
        audit::record(&txn, ctx, viewer, entry("create_task", id)).await?;
        let assigned = TaskAssigned { task: id, town: viewer.town_id, assignee_unit: unit.id };
        replicas::commit_announcing(txn, &state.task_events, &[assigned]).await.map_err(ApiError::from)?;
        payload(ctx, id).await
    }

    /// 开始办理 — the assignee starts work (OPEN → IN_PROGRESS).
    async fn start_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        step(ctx, input, TaskStep::Start).await
    }

    /// 任务反馈 — the assignee adds feedback to the thread.
    async fn add_task_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        step(ctx, input, TaskStep::Feedback).await
    }

    /// 提交任务 — the assignee submits the work for acceptance (IN_PROGRESS → SUBMITTED).
    async fn submit_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        step(ctx, input, TaskStep::Submit).await
    }

    /// 验收任务 — the creating unit accepts submitted work (→ ACCEPTED).
    async fn accept_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        step(ctx, input, TaskStep::Accept).await
    }

    /// 退回任务 — the creating unit returns submitted work, with a reason (→ IN_PROGRESS).
    async fn return_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        step(ctx, input, TaskStep::Return).await
    }

    /// 撤销任务 — the creating unit cancels an open task.
    async fn cancel_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        step(ctx, input, TaskStep::Cancel).await
    }

    /// Lists or unlists a task for supervision (挂牌督办; coordinator).
    async fn set_task_listed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: SetTaskListedInput,
    ) -> async_graphql::Result<TaskPayload> {
        let current =
            for_step(ctx, &input.task_id, |access, viewer, _| access.can(viewer, "task", "set_listed")).await?;
        let write = Write { action: "set_task_listed", change: TaskChange::Changed, event: None };
        write_step(ctx, &current.0, input.expected_version, write, |m| m.listed = Set(input.listed)).await
    }

    /// 指派承办人 — the assignee unit assigns an open task to one of its users in person (or,
    /// with no user, back to the unit as a whole).
    async fn assign_task_to_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: AssignTaskToUserInput,
    ) -> async_graphql::Result<TaskPayload> {
        let viewer = ctx.viewer()?;
        let current =
            for_step(ctx, &input.task_id, |access, viewer, task| access.can_on_row::<Tasks>(viewer, "work", task))
                .await?;
        if matches!(current.0.status, TaskStatus::Accepted | TaskStatus::Cancelled) {
            return Err(closed().into());
        }
        let user = match &input.user_id {
            Some(user) => Some(member(ctx, viewer, current.0.assignee_unit_id, "input.userId", user).await?),
            None => None,
        };
        let write = Write { action: "assign_task_to_user", change: TaskChange::Changed, event: None };
        write_step(ctx, &current.0, input.expected_version, write, |m| m.assignee_user_id = Set(user)).await
    }
    /// A village closes its lead-report task of a period with nothing to report (零报告).
    async fn submit_nil_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: TaskStepInput,
    ) -> async_graphql::Result<TaskPayload> {
        let current =
            for_step(ctx, &input.task_id, |access, viewer, task| access.can_on_row::<Tasks>(viewer, "work", task))
                .await?;
        if current.0.kind != TaskKind::VillageLeadReport {
            return Err(ApiError::bad_input(
                "input.taskId",
                "Only a village lead-report task takes a nil report.",
                "只有村（社区）线索报告任务可以零报告。",
            )
            .into());
        }
        if next_steps(current.0.kind, current.0.status).is_empty() {
            return Err(closed().into());
        }
        let note = validate::optional_text("input.body", input.body.as_deref().unwrap_or(""), 4000)?;
        let note = if note.is_empty() { "本期无线索可报。".to_owned() } else { note };
        let write = Write {
            action: "submit_nil_report",
            change: TaskChange::NilReport,
            event: Some((TaskEventKind::NilReport, Some(note))),
        };
        write_step(ctx, &current.0, input.expected_version, write, |m| {
            m.status = Set(TaskStatus::Accepted);
            m.rule_key = Set(None);
        })
        .await
    }
}

async fn step(ctx: &Context<'_>, input: TaskStepInput, step: TaskStep) -> async_graphql::Result<TaskPayload> {
    let action = if step.by_assignee() { "work" } else { "review" };
    let current =
        for_step(ctx, &input.task_id, |access, viewer, task| access.can_on_row::<Tasks>(viewer, action, task)).await?;
    let allowed = next_steps(current.0.kind, current.0.status);
    if !allowed.contains(&step) {
        let names: Vec<String> = allowed.iter().map(|s| s.mutation().to_owned()).collect();
        let list = if names.is_empty() { "none: the task is closed".to_owned() } else { names.join(", ") };
        return Err(ApiError::Conflict {
            message: format!("{} is not possible now; allowed next steps: {list}.", step.mutation()),
            message_zh: format!("当前不能执行{}；可执行的下一步：{list}。", step.mutation()),
            allowed: names,
        }
        .into());
    }
    let needs_body = matches!(step, TaskStep::Feedback | TaskStep::Return);
    let body = validate::optional_text("input.body", input.body.as_deref().unwrap_or(""), 4000)?;
    if needs_body && body.is_empty() {
        return Err(ApiError::bad_input("input.body", "Say what was done, or why.", "请填写内容或理由。").into());
    }
    let (status, kind, change) = match step {
        TaskStep::Start => (Some(TaskStatus::InProgress), TaskEventKind::Started, TaskChange::Started),
        TaskStep::Feedback => (None, TaskEventKind::Feedback, TaskChange::Feedback),
        TaskStep::Submit => (Some(TaskStatus::Submitted), TaskEventKind::Submitted, TaskChange::Submitted),
        TaskStep::Accept => (Some(TaskStatus::Accepted), TaskEventKind::Accepted, TaskChange::Accepted),
        TaskStep::Return => (Some(TaskStatus::InProgress), TaskEventKind::Returned, TaskChange::Returned),
        TaskStep::Cancel => (Some(TaskStatus::Cancelled), TaskEventKind::Cancelled, TaskChange::Cancelled),
    };
    let closes = matches!(status, Some(TaskStatus::Accepted | TaskStatus::Cancelled));
    let write = Write { action: step.mutation(), change, event: Some((kind, (!body.is_empty()).then_some(body))) };
    write_step(ctx, &current.0, input.expected_version, write, |m| {
        if let Some(status) = status {
            m.status = Set(status);
        }
        if closes {
            // A closed rule-raised task frees its rule for the next duty.
            m.rule_key = Set(None);
        }
    })
    .await
}

/// The task `id` names, for a step `allowed` says the viewer may take on it: `NOT_FOUND` when the
/// viewer does not read the task (hidden and missing alike), then `FORBIDDEN`, before the caller
/// looks at the task's state.
async fn for_step(
    ctx: &Context<'_>,
    id: &ID,
    allowed: impl FnOnce(&crate::access::Access, &Viewer, &task::Model) -> bool,
) -> Result<Task, ApiError> {
    let id = ids::decode_as(id, Kind::Task).ok_or(ApiError::NotFound)?;
    let current = find(ctx, id).await?.ok_or(ApiError::NotFound)?;
    if !allowed(&ctx.state().access, ctx.viewer()?, &current.0) {
        return Err(ApiError::Forbidden);
    }
    Ok(current)
}

/// What a write step on a task records besides its change.
struct Write {
    /// The audit entry's action.
    action: &'static str,
    /// What `taskUpdated` tells.
    change: TaskChange,
    /// The thread's event and its body, for steps that add one.
    event: Option<(TaskEventKind, Option<String>)>,
}

/// The one implementation of a write step on a task, in one transaction: the change under the
/// client's `expectedVersion` (`CONFLICT` when stale, nothing written), the thread's event, the
/// audit entry, and on commit the announcement to the `taskUpdated` subscribers of every replica.
async fn write_step(
    ctx: &Context<'_>,
    current: &task::Model,
    expected: i32,
    write: Write,
    change: impl FnOnce(&mut store::Edit),
) -> async_graphql::Result<TaskPayload> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
    store::update(&txn, current, expected, change).await?;
    if let Some((kind, body)) = write.event {
        event(&txn, current.id, kind, Some(viewer), body).await?;
    }
    audit::record(&txn, ctx, viewer, entry(write.action, current.id)).await?;
    let updated = TaskUpdated { task: current.id, town: current.town_id, change: write.change };
    replicas::commit_announcing(txn, &state.task_events, &[updated]).await.map_err(ApiError::from)?;
    payload(ctx, current.id).await
}

/// A step on a closed task.
fn closed() -> ApiError {
    ApiError::Conflict {
        message: "The task is closed already.".into(),
        message_zh: "该任务已办结。".into(),
        allowed: vec![],
    }
}

/// The user `id` names, if it is an active user of `unit` in the viewer's town (a task is
/// assigned in person only within its assignee unit); else `BAD_USER_INPUT` on `field`.
async fn member(ctx: &Context<'_>, viewer: &Viewer, unit: Uuid, field: &str, id: &ID) -> Result<Uuid, ApiError> {
    let bad = || ApiError::bad_input(field, "No such user in the assignee unit.", "承办单位没有该用户。");
    let user = ids::decode_as(id, Kind::User).ok_or_else(bad)?;
    if store::unit_member(&ctx.state().db, viewer, unit, user).await? { Ok(user) } else { Err(bad()) }
}

async fn event(
    txn: &impl ConnectionTrait,
    task: Uuid,
    kind: TaskEventKind,
    by: Option<&Viewer>,
    body: Option<String>,
) -> Result<(), ApiError> {
    let actor = by.map(|v| (v.user_id, v.unit_id));
    Ok(crate::rules::task_event(txn, task, kind, actor, body, Utc::now()).await?)
}

fn entry(action: &'static str, id: Uuid) -> audit::Entry<'static> {
    audit::Entry {
        action,
        object_type: "Task",
        object_id: Some(id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    }
}

async fn payload(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<TaskPayload> {
    ctx.loaders()?.clear();
    Ok(TaskPayload { task: find(ctx, id).await? })
}
