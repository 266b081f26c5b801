//! Leads (线索): the most confidential records. `leads`, `lead`, and one mutation per step of
//! the lifecycle (domain.md "Leads"; the order of steps is `domain::lead_flow`).
//!
//! Field groups (access.md): `shell` (serial, umbrella flag, coarse status), `receipt`
//! (received at, receiving unit: hidden on umbrella leads from all but the discipline commission
//! and the receiving unit), `submission`, `handling`, `reporter`. Which groups a viewer holds
//! depends on the row (ordinary or umbrella, received by its unit), so every filter or sort on a
//! field is combined in SQL with "the viewer holds its group on this row" (rule 4). Reads of
//! `submission`, `handling` and `reporter` are audited. The reporter never appears in an event,
//! an error, a log line or an audit entry.
//!
//! A step checks, in this order: the lead is in the viewer's read scope (else `NOT_FOUND`), the
//! step is granted on it (else `FORBIDDEN`), then the state (`CONFLICT`, naming the allowed next
//! steps only to a viewer who reads `handling`).

use super::lead_loaders::serials;
use super::loaders::{prime, prime_children};
use crate::access::page::PageArgs;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{CountyAnswer, LeadCategory, LeadEventKind, LeadSource, LeadStatus};
use entity::{lead, lead_event, lead_subject};
use uuid::Uuid;

use super::ContextExt;
use super::connection::Page;
use super::fetch;
use super::ids::{self, Kind};
use super::loaders::{EventsOf, GangPartsOf, MajorOf, Officer, SubjectsOf};
use super::org::OrgUnit;
use super::person::Person;
use crate::access::GroupSet;
use crate::access::resource::{Leads, Persons};
use crate::access::store::{Listing, Sort, Store};
use crate::access::stores::lead::{GangParts, LeadEvents, LeadPriorities, LeadSubjects, is_major};
pub use crate::access::stores::lead::{
    LeadCoarseStatus, LeadFilter, LeadOrder, LeadOrderField, coarse, filter_condition,
};
use crate::audit;
use crate::db::Checkout;
use crate::domain::lead_flow;
use crate::error::ApiError;

/// An edge of `leads`.
pub type LeadEdge = super::connection::Edge<Lead>;

/// Groups whose reads are audited (access.md rule 6).
const AUDITED: &[&str] = &["submission", "handling", "reporter"];

/// A lead as the viewer may see it.
#[derive(Clone)]
pub struct Lead {
    model: Arc<lead::Model>,
    groups: GroupSet<Leads>,
}

impl Lead {
    pub fn new(model: lead::Model, groups: GroupSet<Leads>) -> Self {
        Self { model: Arc::new(model), groups }
    }

    /// The serial, when the viewer reads the shell (task summaries).
    pub fn display_serial(&self) -> Option<&str> {
        self.groups.has("shell").then_some(self.model.serial.as_str())
    }

    /// The stored row (for the write paths; never serve it whole).
    pub fn model(&self) -> &lead::Model {
        &self.model
    }

    /// Whether a group's fields are served; notes audited reads.
    fn reveal(&self, ctx: &Context<'_>, group: &'static str) -> bool {
        let held = self.groups.has(group);
        if held
            && AUDITED.contains(&group)
            && let Some(log) = audit::read_log(ctx)
        {
            log.read("Lead", self.model.id, group);
        }
        held
    }

    fn current_deadline(&self) -> Option<DateTime<Utc>> {
        match self.model.status {
            LeadStatus::Registered => self.model.transfer_due_at,
            LeadStatus::Transferred => self.model.review_due_at,
            LeadStatus::Verifying => self.model.deadline,
            _ => None,
        }
    }
}

/// 线索 — a crime tip; the most confidential record, read field group by field group.
#[Object]
impl Lead {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Lead, self.model.id)
    }
    /// 版本号 — changes with every write; pass it as `expectedVersion` to update. Null unless the viewer
    /// reads every field group: the count of changes would otherwise tell of hidden activity.
    async fn version(&self) -> Option<i32> {
        self.groups.all().then_some(self.model.version)
    }
    /// 最后变更时间 — when the record last changed. Null unless the viewer reads every field
    /// group, as `version`: it moves with a change to any group.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.groups.all().then_some(self.model.updated_at)
    }

    // --- shell
    /// 线索编号 — `YYYY-NNNN`, per town per year.
    async fn serial(&self) -> Option<&str> {
        self.groups.has("shell").then_some(self.model.serial.as_str())
    }
    /// A protective-umbrella (保护伞) lead, handled by the discipline commission.
    async fn is_umbrella(&self) -> Option<bool> {
        self.groups.has("shell").then_some(self.model.umbrella)
    }
    /// 粗略状态 — received, in progress or concluded; shown where the fine status is hidden.
    async fn coarse_status(&self) -> Option<LeadCoarseStatus> {
        self.groups.has("shell").then_some(coarse(self.model.status))
    }

    // --- receipt
    /// 接收时间 — when the lead was received.
    async fn received_at(&self) -> Option<DateTime<Utc>> {
        self.groups.has("receipt").then_some(self.model.received_at)
    }
    /// 接收单位 — the unit that received and registered the lead.
    async fn receiving_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        if !self.groups.has("receipt") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.org_units.load_one(self.model.receiving_unit_id).await?)
    }

    // --- submission
    /// 线索来源 — where the lead came from.
    async fn source(&self, ctx: &Context<'_>) -> Option<LeadSource> {
        self.reveal(ctx, "submission").then_some(self.model.source)
    }
    /// 线索类别 — what the lead is about.
    async fn category(&self, ctx: &Context<'_>) -> Option<LeadCategory> {
        self.reveal(ctx, "submission").then_some(self.model.category)
    }
    /// 涉及公职人员 — whether the lead involves an official (which makes it an umbrella lead).
    async fn involves_official(&self, ctx: &Context<'_>) -> Option<bool> {
        self.reveal(ctx, "submission").then_some(self.model.involves_official)
    }
    /// 摘要 — a short account of the lead.
    async fn summary(&self, ctx: &Context<'_>) -> Option<&str> {
        self.reveal(ctx, "submission").then_some(self.model.summary.as_str())
    }
    /// 线索内容 — the full text of the lead.
    async fn content(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "submission") { self.model.content.as_deref() } else { None }
    }
    /// 涉及对象 — the persons and names the lead is about. A linked person shows only what the viewer may
    /// see of persons; the name given with the lead is part of the submission.
    async fn subjects(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<LeadSubject>>> {
        if !self.reveal(ctx, "submission") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.lead_records.load_one(SubjectsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(LeadSubject).collect()))
    }
    /// 涉及场所 — the related venue's global id (the venue itself resolves under venue rules via `node`).
    async fn venue_id(&self, ctx: &Context<'_>) -> Option<ID> {
        if self.reveal(ctx, "submission") { self.model.venue_id.map(|v| ids::encode(Kind::Venue, v)) } else { None }
    }

    // --- handling
    /// 线索状态 — the fine status of the lead's handling.
    async fn status(&self, ctx: &Context<'_>) -> Option<LeadStatus> {
        self.reveal(ctx, "handling").then_some(self.model.status)
    }
    /// 办理过程 — every step so far, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<LeadEventView>>> {
        if !self.reveal(ctx, "handling") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.lead_records.load_one(EventsOf(self.model.id)).await?.unwrap_or_default();
        // Events from a time the lead was umbrella show only to whoever holds the handling of
        // this lead as an umbrella lead (the policy decides who that is).
        let viewer = ctx.viewer()?;
        let as_umbrella = lead::Model { umbrella: true, ..(*self.model).clone() };
        let rows = if ctx.state().access.groups::<Leads>(viewer).on(viewer, &as_umbrella).has("handling") {
            rows
        } else {
            lead_flow::outside_umbrella_periods(rows, |e| e.kind, |e| e.from_status = None)
        };
        Ok(Some(rows.into_iter().map(LeadEventView).collect()))
    }
    /// 重大线索 — a major lead, reported within 2 hours of its marking.
    async fn major(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<bool>> {
        if !self.reveal(ctx, "handling") {
            return Ok(None);
        }
        Ok(Some(ctx.loaders()?.lead_records.load_one(MajorOf(self.model.id)).await?.unwrap_or(false)))
    }
    /// 核查单位 — the unit that verifies the lead.
    async fn assignee_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OrgUnit>> {
        match self.model.assignee_unit_id {
            Some(unit) if self.reveal(ctx, "handling") => Ok(ctx.loaders()?.org_units.load_one(unit).await?),
            _ => Ok(None),
        }
    }
    /// 四定一包: the responsible leader.
    async fn responsible_leader(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "handling") { self.model.responsible_leader.as_deref() } else { None }
    }
    /// 四定一包: the responsible person.
    async fn responsible_person(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "handling") { self.model.responsible_person.as_deref() } else { None }
    }
    /// 措施 — 四定一包: the measures to take.
    async fn measures(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "handling") { self.model.measures.as_deref() } else { None }
    }
    /// The deadline of the current duty: transfer (same day), review (24 h after transfer) or
    /// verification (the 四定一包 deadline).
    async fn deadline(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        if self.reveal(ctx, "handling") { self.current_deadline() } else { None }
    }
    /// 逾期 — past the deadline of the current duty.
    async fn overdue(&self, ctx: &Context<'_>) -> Option<bool> {
        self.reveal(ctx, "handling").then(|| self.current_deadline().is_some_and(|d| Utc::now() > d))
    }
    /// 县级答复 — the county's answer to an escalated lead.
    async fn county_answer(&self, ctx: &Context<'_>) -> Option<CountyAnswer> {
        if self.reveal(ctx, "handling") { self.model.county_answer } else { None }
    }
    /// The result (查实) or the basis (查否).
    async fn conclusion(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "handling") { self.model.conclusion.as_deref() } else { None }
    }
    /// 办结时间 — when the lead was concluded.
    async fn concluded_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        if self.reveal(ctx, "handling") { self.model.concluded_at } else { None }
    }
    /// 移交线索编号 — serials of the ordinary leads the discipline commission handed the gang-crime part to.
    async fn gang_part_serials(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<String>>> {
        if !self.model.umbrella || !self.reveal(ctx, "handling") {
            return Ok(None);
        }
        Ok(Some(ctx.loaders()?.lead_records.load_one(GangPartsOf(self.model.id)).await?.unwrap_or_default()))
    }
    /// 下一步 — the steps that may follow now (empty when concluded).
    async fn next_steps(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.reveal(ctx, "handling").then(|| {
            lead_flow::next_steps(self.model.umbrella, self.model.status, self.model.county_answer)
                .into_iter()
                .map(|s| s.mutation().to_owned())
                .collect()
        })
    }

    // --- reporter
    /// 举报人 — the reporter's name; null for an anonymous report.
    async fn reporter_name(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "reporter") { self.model.reporter_name.as_deref() } else { None }
    }
    /// 举报人联系方式 — how to reach the reporter.
    async fn reporter_contact(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "reporter") { self.model.reporter_contact.as_deref() } else { None }
    }

    /// 线索权限 — what the viewer may read and do on this lead.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<LeadViewerCan> {
        let viewer = ctx.viewer()?;
        let access = &ctx.state().access;
        let can = |action: &str| access.can_on_row::<Leads>(viewer, action, &self.model);
        Ok(LeadViewerCan {
            read_receipt: self.groups.has("receipt"),
            read_submission: self.groups.has("submission"),
            read_handling: self.groups.has("handling"),
            read_reporter: self.groups.has("reporter"),
            transfer: can("transfer"),
            review: can("review"),
            decide: can("decide"),
            record_county_answer: can("record_county_answer"),
            assign: can("assign"),
            conclude: can("conclude"),
            mark_umbrella: can("mark_umbrella"),
            mark_major: can("mark_major"),
            unmark_umbrella: can("unmark_umbrella"),
            hand_over_gang_part: can("hand_over_gang_part"),
        })
    }
}

/// 线索权限 — what the viewer may read and do on a lead.
#[derive(SimpleObject)]
pub struct LeadViewerCan {
    /// 可读接收信息 — the viewer reads when and by whom the lead was received.
    pub read_receipt: bool,
    /// 可读线索内容 — the viewer reads the submission (source, category, summary, content, subjects).
    pub read_submission: bool,
    /// 可读办理信息 — the viewer reads the handling group (status, events, 四定一包).
    pub read_handling: bool,
    /// 可读举报人 — the viewer reads the reporter's name and contact.
    pub read_reporter: bool,
    /// 可移交 — the viewer may transfer the lead (the policy; `nextSteps` says what the lifecycle allows).
    pub transfer: bool,
    /// 可呈阅 — the viewer may start the review (the policy; `nextSteps` says what the lifecycle allows).
    pub review: bool,
    /// 可决定 — the viewer may decide the lead (the policy; `nextSteps` says what the lifecycle allows).
    pub decide: bool,
    /// 可记录县级答复 — the viewer may record the county's answer (the policy; `nextSteps` says what the
    /// lifecycle allows).
    pub record_county_answer: bool,
    /// 可交办 — the viewer may set 四定一包 (the policy; `nextSteps` says what the lifecycle allows).
    pub assign: bool,
    /// 可办结 — the viewer may conclude the lead (the policy; `nextSteps` says what the lifecycle allows).
    pub conclude: bool,
    /// 可标记保护伞 — the viewer may mark the lead as an umbrella lead.
    pub mark_umbrella: bool,
    /// 可标记重大线索 — the viewer may mark the lead major.
    pub mark_major: bool,
    /// 可取消保护伞标记 — the viewer may return the lead to ordinary handling.
    pub unmark_umbrella: bool,
    /// 可双移交 — the viewer may hand the gang-crime part to the police.
    pub hand_over_gang_part: bool,
}

/// A person or a name a lead is about.
pub struct LeadSubject(lead_subject::Model);

/// 涉及对象 — a person or name a lead is about.
#[Object]
impl LeadSubject {
    /// 重点人员 — the key person, when linked and visible to the viewer under the persons' rules.
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.person_id else { return Ok(None) };
        let viewer = ctx.viewer()?;
        let Some(model) = ctx.loaders()?.persons.load_one(id).await? else { return Ok(None) };
        let groups = ctx.state().access.groups::<Persons>(viewer).on(viewer, &model);
        Ok(Some(Person::new(model, groups)))
    }
    /// 姓名 — the name as the lead gives it (free text).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
}

/// One step in a lead's handling.
pub struct LeadEventView(lead_event::Model);

/// 线索事件 — one step in a lead's history.
#[Object(name = "LeadEvent")]
impl LeadEventView {
    /// 事件类型 — the kind of step.
    async fn kind(&self) -> LeadEventKind {
        self.0.kind
    }
    /// 时间 — when the step was taken.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// 原状态 — the status before the step.
    async fn from_status(&self) -> Option<LeadStatus> {
        self.0.from_status
    }
    /// 新状态 — the status after the step.
    async fn to_status(&self) -> Option<LeadStatus> {
        self.0.to_status
    }
    /// 备注 — the note given with the step.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
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

#[derive(Default)]
pub struct LeadQuery;

#[Object]
impl LeadQuery {
    /// Leads in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.or(last).unwrap_or(20), 0) as usize * child_complexity + 1")]
    // A list's arguments are the client's: filter, order and the two ways of paging.
    /// 线索台账 — the leads the viewer may see, a keyset page at a time; newest first unless ordered.
    #[allow(clippy::too_many_arguments)]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "筛选条件 — only the rows that match every condition given.")] filter: Option<LeadFilter>,
        #[graphql(desc = "排序 — the order of the rows; each list has its default.")] order_by: Option<LeadOrder>,
        #[graphql(desc = "每页条数 — how many rows after `after`: 1 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "起始游标 — forward paging: the rows after this cursor.")] after: Option<String>,
        #[graphql(desc = "倒数条数 — how many rows before `before`: 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "截止游标 — backward paging: the rows before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Page<Lead>> {
        let order = order_by.unwrap_or_default();
        let sort = Sort { field: order.field, ascending: order.direction.ascending() };
        let page =
            fetch::list::<Leads>(ctx, filter.unwrap_or_default(), sort, PageArgs::new(first, after, last, before)?)
                .await?;
        prefetch(ctx, &page.reads, &page.listing).await?;
        Ok(page.connection(|(m, groups)| Lead::new(m, groups)))
    }

    /// 线索 — one lead, or null when there is none in the viewer's scope.
    async fn lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — the record's global ID.")] id: ID,
    ) -> async_graphql::Result<Option<Lead>> {
        let Some(id) = ids::decode_as(&id, Kind::Lead) else { return Ok(None) };
        Ok(find(ctx, id).await?)
    }
}

/// Loads the page's relations in one batch each (see `loaders::prefetch_people`).
async fn prefetch(ctx: &Context<'_>, reads: &Checkout<'_>, page: &Listing<Leads>) -> Result<(), ApiError> {
    let rows = page.models();
    let look = ctx.look_ahead();
    let node = [look.field("nodes"), look.field("edges").field("node")];
    let wants = |field: &str| node.iter().any(|n| n.field(field).exists());
    let loaders = ctx.loaders()?;
    let state = ctx.state();
    let store = Store::new(&state.access, ctx.viewer()?);
    let records = &loaders.lead_records;
    let loaded = async {
        if wants("events") {
            prime_children::<LeadEvents, _, _>(records, store, reads, page, EventsOf, |rows| rows).await?;
        }
        if wants("subjects") {
            let subjects =
                prime_children::<LeadSubjects, _, _>(records, store, reads, page, SubjectsOf, |rows| rows).await?;
            if node.iter().any(|n| n.field("subjects").field("person").exists()) {
                prime(&loaders.persons, subjects.values().flatten().filter_map(|s| s.person_id)).await?;
            }
        }
        if wants("gangPartSerials") {
            prime_children::<GangParts, _, _>(records, store, reads, page, GangPartsOf, serials).await?;
        }
        if wants("major") {
            prime_children::<LeadPriorities, _, _>(records, store, reads, page, MajorOf, |rows| is_major(&rows))
                .await?;
        }
        let mut units: Vec<Uuid> = Vec::new();
        if wants("receivingUnit") {
            units.extend(rows.iter().map(|l| l.receiving_unit_id));
        }
        if wants("assigneeUnit") {
            units.extend(rows.iter().filter_map(|l| l.assignee_unit_id));
        }
        if !units.is_empty() {
            prime(&loaders.org_units, units).await?;
        }
        Ok::<(), Arc<sea_orm::DbErr>>(())
    };
    loaded.await.map_err(|e| ApiError::internal(anyhow::anyhow!("loading lead relations: {e}")))
}

/// The lead with `id` in the viewer's read scope. A real lead outside it is logged as a denied
/// attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Lead>, ApiError> {
    Ok(fetch::one::<Leads>(ctx, id, "Lead").await?.map(|(m, groups)| Lead::new(m, groups)))
}
