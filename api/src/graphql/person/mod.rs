//! Key persons (重点人员): the `Person` object type and its record; `people` and `person` are in
//! [`query`], the writes of the person ledger in [`mutation`] (with `createPerson`'s checks in
//! `new`), the duties in `person_duties`, links in `person_links`.
//!
//! Every read goes through the person store (`access::stores::person`) and every field is served
//! only when the viewer holds its group on the row (access.md "Field groups"); reads of
//! `identity` and `notes` are noted in the request's audit log. Writes check, in this order: the
//! row is in the viewer's read scope (else `NOT_FOUND`, as for a random id), the action is
//! granted on it (else `FORBIDDEN`), then the state (`CONFLICT`).

pub mod mutation;
mod new;
pub mod query;

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AttentionLevel, Gender, JudicialTag, MeasureKind, PersonCategory, RecordStatus, TalkKind};
use entity::{
    board_publication, person, person_assessment, person_incident, person_judicial_tag, person_measure, person_talk,
};

use crate::error::ApiError;
use uuid::Uuid;

use super::ContextExt;
use super::fetch;
use super::flat::{Flat, Rows};
use super::ids::{self, Kind};
use super::level::LevelChange;
use super::loaders::{
    AssessmentsOf, BoardOf, CategoriesOf, IncidentsOf, LevelHistoryOf, MeasuresOf, Officer, PERSON_ACTIONS,
    PersonAction, TagsOf, TalksOf,
};
use super::org::Village;
use super::scalars::Date;
use crate::access::GroupSet;
use crate::access::resource::Persons;
use crate::audit;
use crate::domain::levels;

pub use crate::access::page::SortDirection;
pub use crate::access::stores::person::{PersonFilter, PersonOrder, PersonOrderField, filter_condition};
pub use mutation::{
    CreatePersonInput, JudicialTagInput, PersonMutation, PersonPayload, RecordIncidentInput, RecordTalkInput,
    UpdatePersonInput,
};
pub(crate) use mutation::{stale, writable, write_entry};
pub(crate) use new::NewPerson;
pub use query::PersonQuery;

/// An edge of `people`.
pub type PersonEdge = super::connection::Edge<Person>;

/// Groups whose reads are audited (access.md rule 6).
const AUDITED: &[&str] = &["identity", "notes"];

/// A key person's dossier, as the viewer may see it.
#[derive(Clone)]
pub struct Person {
    model: Arc<person::Model>,
    groups: GroupSet<Persons>,
}

impl Person {
    pub fn new(model: person::Model, groups: GroupSet<Persons>) -> Self {
        Self { model: Arc::new(model), groups }
    }

    /// The name, when the viewer reads `basic` (task summaries).
    pub fn display_name(&self) -> Option<&str> {
        self.groups.has("basic").then_some(self.model.name.as_str())
    }

    /// Whether a group's fields are served; notes audited reads.
    fn reveal(&self, ctx: &Context<'_>, group: &'static str) -> bool {
        let held = self.groups.has(group);
        if held
            && AUDITED.contains(&group)
            && let Some(log) = audit::read_log(ctx)
        {
            log.read("Person", self.model.id, group);
        }
        held
    }

    fn basic<T>(&self, value: impl FnOnce(&person::Model) -> T) -> Option<T> {
        self.groups.has("basic").then(|| value(&self.model))
    }
}

/// The fields of the record each field of `Person` shows (`None` for a field not named here: a
/// page showing it reads every column). A page reads only the columns of the fields asked for
/// ([`fetch::list_shown`]); the column-set suite asks for every field of the type, alone, and
/// compares the answer with `person`'s, which reads the whole record.
pub(crate) fn reads(field: &str) -> Option<&'static [&'static str]> {
    match field {
        "__typename" | "viewerCan" => Some(&[]),
        "categories" | "judicialTags" | "talks" | "incidents" | "assessments" | "measures" => Some(&[]),
        "boardPublications" | "levelHistory" => Some(&[]),
        "village" => Some(&["village_id"]),
        "responsibleOfficer" => Some(&["responsible_officer_id"]),
        "talkStatus" => Some(&["attention_level", "level_since", "status"]),
        _ => fetch::same_named::<person::Model>(field),
    }
}

/// 重点人员 — a key person on the town's ledger (一人一档), read field group by field group.
#[Object]
impl Person {
    /// 编号 — the record's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Person, self.model.id)
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
    /// 姓名 — the person's name.
    async fn name(&self) -> Option<&str> {
        self.groups.has("basic").then_some(self.model.name.as_str())
    }
    /// 性别 — the person's gender.
    async fn gender(&self) -> Option<Gender> {
        self.basic(|m| m.gender)
    }
    /// 关注等级 — the attention level; it sets how often talks or inspections are due.
    async fn attention_level(&self) -> Option<AttentionLevel> {
        self.basic(|m| m.attention_level)
    }
    /// 在管状态 — on the ledger or delisted (撤管).
    async fn status(&self) -> Option<RecordStatus> {
        self.basic(|m| m.status)
    }
    /// 列管日期 — the date the record was put on the ledger.
    async fn listed_at(&self) -> Option<Date> {
        self.basic(|m| Date(m.listed_at))
    }
    /// 居住村（社区） — residence village.
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Flat<Village>>> {
        if !self.groups.has("basic") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.villages.load_one(self.model.village_id).await?.map(Flat))
    }
    /// The responsible police officer (包村民警).
    async fn responsible_officer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Flat<Officer>>> {
        match self.model.responsible_officer_id {
            Some(officer) if self.groups.has("basic") => Ok(ctx.loaders()?.officers.load_one(officer).await?.map(Flat)),
            _ => Ok(None),
        }
    }

    /// National ID number (身份证号).
    async fn id_number(&self, ctx: &Context<'_>) -> Option<&str> {
        self.reveal(ctx, "identity").then_some(self.model.id_number.as_str())
    }
    /// 出生日期 — the person's date of birth.
    async fn birth_date(&self, ctx: &Context<'_>) -> Option<Date> {
        self.reveal(ctx, "identity").then_some(Date(self.model.birth_date))
    }
    /// 联系电话 — the person's phone number.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "identity") { self.model.phone.as_deref() } else { None }
    }
    /// 居住地址 — residence address.
    async fn address(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "identity") { self.model.address.as_deref() } else { None }
    }

    /// 人员类别 — why the person is on the ledger.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<PersonCategory>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        Ok(Some(ctx.loaders()?.person_records.load_one(CategoriesOf(self.model.id)).await?.unwrap_or_default()))
    }
    /// 司法标签 — tags the judicial office put on the person.
    async fn judicial_tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<JudicialTagEntry>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let tags = ctx.loaders()?.person_records.load_one(TagsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(tags.into_iter().map(JudicialTagEntry::from).collect()))
    }
    /// 谈话记录 — education and admonition talks, newest first.
    async fn talks(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Rows<Talk>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let talks = ctx.loaders()?.person_records.load_one(TalksOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some((0..talks.len()).map(|at| Talk { talks: talks.clone(), at }).collect()))
    }
    /// Incidents (警情/案件/不良记录), newest first.
    async fn incidents(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Incident>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let incidents = ctx.loaders()?.person_records.load_one(IncidentsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(incidents.into_iter().map(Incident).collect()))
    }

    /// 五清两稳 assessments, newest first.
    async fn assessments(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Assessment>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.person_records.load_one(AssessmentsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(Assessment).collect()))
    }
    /// Disciplinary measures (教育惩戒), newest first.
    async fn measures(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Measure>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.person_records.load_one(MeasuresOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(Measure).collect()))
    }
    /// 村公开栏 — the person's penalties published on the village board, newest first (the `board`
    /// group: the person's village reads these with the name, and nothing else of the dossier).
    async fn board_publications(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<BoardPublication>>> {
        if !self.groups.has("board") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.person_records.load_one(BoardOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(BoardPublication).collect()))
    }
    /// 等级变更记录 — changes of attention level, newest first, pending requests included.
    async fn level_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<LevelChange>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.person_records.load_one(LevelHistoryOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(LevelChange::from).collect()))
    }
    /// 谈话状态 — whether education talks are on time for the current level.
    async fn talk_status(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TalkStatus>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let talks = ctx.loaders()?.person_records.load_one(TalksOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(talk_status(&self.model, talks.first().map(|t| t.talked_on))))
    }

    /// 备注 — investigative notes.
    async fn notes(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "notes") { self.model.notes.as_deref() } else { None }
    }

    /// 人员权限 — what the viewer may read and do on this person.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<PersonViewerCan> {
        let loaders = ctx.loaders()?;
        let keys = PERSON_ACTIONS.iter().map(|a| PersonAction(a, self.model.id));
        let can = loaders.person_records.load_many(keys).await?;
        let can = |action: &'static str| can.get(&PersonAction(action, self.model.id)).copied().unwrap_or(false);
        Ok(PersonViewerCan {
            read_basic: self.groups.has("basic"),
            read_identity: self.groups.has("identity"),
            read_record: self.groups.has("record"),
            read_notes: self.groups.has("notes"),
            read_board: self.groups.has("board"),
            update: can("update"),
            record_talk: can("record_talk"),
            record_incident: can("record_incident"),
            record_assessment: can("record_assessment"),
            record_measure: can("record_measure"),
            raise_level: can("raise_level"),
            request_step_down: can("request_step_down"),
            decide_step_down: can("decide_step_down"),
        })
    }
}

/// 人员权限 — what the viewer may read and do on a person.
#[derive(SimpleObject)]
pub struct PersonViewerCan {
    /// 可读基本信息 — the viewer reads the basic fields.
    pub read_basic: bool,
    /// 可读身份信息 — the viewer reads the national ID number, birth date and gender.
    pub read_identity: bool,
    /// 可读管控记录 — the viewer reads the record group (talks, incidents, level history, duties).
    pub read_record: bool,
    /// 可读备注 — the viewer reads the investigative notes.
    pub read_notes: bool,
    /// 可读村公开栏 — the viewer reads the penalties published on the village board.
    pub read_board: bool,
    /// 可修改 — the viewer may change the particulars.
    pub update: bool,
    /// 可记录谈话 — the viewer may record a talk.
    pub record_talk: bool,
    /// 可记录警情 — the viewer may record an incident.
    pub record_incident: bool,
    /// 可记录评估 — the viewer may record a five-clear, two-stable assessment.
    pub record_assessment: bool,
    /// 可记录惩戒 — the viewer may record a disciplinary measure.
    pub record_measure: bool,
    /// 可升级 — the viewer may raise the attention level.
    pub raise_level: bool,
    /// 可申请降级 — the viewer may request a step-down.
    pub request_step_down: bool,
    /// 可审批降级 — the viewer may approve or reject a step-down request.
    pub decide_step_down: bool,
}

/// A judicial tag (刑满释放 with release date, 社区矫正 with end of correction).
#[derive(SimpleObject)]
pub struct JudicialTagEntry {
    /// 司法标签 — released prisoner (刑满释放) or community correction (社区矫正).
    pub tag: JudicialTag,
    /// 释放日期 — the release date of a released prisoner.
    pub release_date: Option<Date>,
    /// 矫正期满 — the date community correction ends.
    pub correction_end_date: Option<Date>,
}

impl From<person_judicial_tag::Model> for JudicialTagEntry {
    fn from(m: person_judicial_tag::Model) -> Self {
        Self {
            tag: m.tag,
            release_date: m.release_date.map(Date),
            correction_end_date: m.correction_end_date.map(Date),
        }
    }
}

/// An education or admonition talk (训诫/教育谈话): the one at `at` of a person's talks, which
/// the talks of a list share with the answers the request keeps (a page's 150 talks were copied,
/// summaries and all, from what the loader kept).
pub struct Talk {
    talks: Arc<[person_talk::Model]>,
    at: usize,
}

impl Talk {
    fn model(&self) -> &person_talk::Model {
        &self.talks[self.at]
    }
}

/// 谈话记录 — an education or admonition talk (训诫 / 教育谈话).
#[Object]
impl Talk {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Talk, self.model().id)
    }
    /// 谈话日期 — the date of the talk.
    async fn talked_on(&self) -> Date {
        Date(self.model().talked_on)
    }
    /// 谈话类型 — admonition, education or other.
    async fn kind(&self) -> TalkKind {
        self.model().kind
    }
    /// 谈话内容 — what was said.
    async fn summary(&self) -> &str {
        &self.model().summary
    }
    /// 谈话民警 — the officer who talked.
    async fn officer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Flat<Officer>>> {
        Ok(ctx.loaders()?.officers.load_one(self.model().officer_id).await?.map(Flat))
    }
}

/// A 五清两稳 assessment: thought, employment, family, social contacts and whereabouts each
/// clear or not, with a note; and whether employment and state of mind are stable.
pub struct Assessment(pub person_assessment::Model);

/// 五清两稳 — an assessment of a key or special person: five things clear, two things stable.
#[Object]
impl Assessment {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Assessment, self.0.id)
    }
    /// 评估日期 — the date of the assessment.
    async fn assessed_on(&self) -> Date {
        Date(self.0.assessed_on)
    }
    /// 思想清 — whether the person's thinking is clear to the officers.
    async fn thought_clear(&self) -> bool {
        self.0.thought_clear
    }
    /// 思想情况 — a note on the person's thinking.
    async fn thought_note(&self) -> &str {
        &self.0.thought_note
    }
    /// 工作清 — whether the person's work is clear to the officers.
    async fn employment_clear(&self) -> bool {
        self.0.employment_clear
    }
    /// 工作情况 — a note on the person's work.
    async fn employment_note(&self) -> &str {
        &self.0.employment_note
    }
    /// 家庭清 — whether the person's family situation is clear.
    async fn family_clear(&self) -> bool {
        self.0.family_clear
    }
    /// 家庭情况 — a note on the family situation.
    async fn family_note(&self) -> &str {
        &self.0.family_note
    }
    /// 社会交往清 — whether the person's social contacts are clear.
    async fn social_clear(&self) -> bool {
        self.0.social_clear
    }
    /// 社会交往情况 — a note on the social contacts.
    async fn social_note(&self) -> &str {
        &self.0.social_note
    }
    /// 去向清 — whether the person's whereabouts are clear.
    async fn whereabouts_clear(&self) -> bool {
        self.0.whereabouts_clear
    }
    /// 去向情况 — a note on the whereabouts.
    async fn whereabouts_note(&self) -> &str {
        &self.0.whereabouts_note
    }
    /// 就业稳 — whether the person's employment is stable.
    async fn employment_stable(&self) -> bool {
        self.0.employment_stable
    }
    /// 思想稳 — whether the person's state of mind is stable.
    async fn mind_stable(&self) -> bool {
        self.0.mind_stable
    }
}

/// A disciplinary measure (教育惩戒) on the ladder.
pub struct Measure(pub person_measure::Model);

/// 教育惩戒 — a disciplinary measure taken with a person.
#[Object]
impl Measure {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Measure, self.0.id)
    }
    /// 惩戒措施 — the rung of the disciplinary ladder.
    async fn kind(&self) -> MeasureKind {
        self.0.kind
    }
    /// 采取日期 — the date the measure was taken.
    async fn taken_on(&self) -> Date {
        Date(self.0.taken_on)
    }
    /// 备注 — a note on the measure.
    async fn note(&self) -> &str {
        &self.0.note
    }
}

/// A penalty as published on the village board.
pub struct BoardPublication(board_publication::Model);

/// 公开栏公示 — a person's administrative penalty as the village board shows it.
#[Object]
impl BoardPublication {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::BoardPublication, self.0.id)
    }
    /// 处罚 — the penalty as published.
    async fn penalty(&self) -> &str {
        &self.0.penalty
    }
    /// 处罚日期 — the date of the penalty.
    async fn penalised_on(&self) -> Date {
        Date(self.0.penalised_on)
    }
}

/// An incident, case or misconduct record (警情/案件/不良记录).
pub struct Incident(person_incident::Model);

/// 警情 / 案件 / 不良记录 — an incident, case or misconduct of a person.
#[Object]
impl Incident {
    /// 编号 — the record's global ID.
    async fn id(&self) -> ID {
        ids::encode(Kind::Incident, self.0.id)
    }
    /// 发生日期 — the date of the incident.
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }
    /// 类型 — 警情, 案件, 不良记录 or another kind, as recorded.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// 摘要 — what happened.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

/// The person with `id` in the viewer's read scope. A real person outside it is logged as a
/// denied attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Person>, ApiError> {
    Ok(fetch::one::<Persons>(ctx, id, "Person").await?.map(|(m, groups)| Person::new(m, groups)))
}

/// Talk compliance of a person, given its last talk.
pub fn talk_status(person: &person::Model, last_talk: Option<NaiveDate>) -> TalkStatus {
    let interval = levels::talk_interval_days(person.attention_level);
    let next_due_at = levels::next_due(last_talk, person.level_since, interval);
    TalkStatus {
        last_talk_at: last_talk.map(Date),
        next_due_at: Date(next_due_at),
        overdue: person.status == RecordStatus::Active && crate::domain::lead_flow::today() > next_due_at,
    }
}

/// 谈话状态 — whether a person's education talks are on time (domain.md: 30/60/90 days by level).
#[derive(SimpleObject)]
pub struct TalkStatus {
    /// 最近谈话 — the date of the last talk; null when there has been none.
    pub last_talk_at: Option<Date>,
    /// 下次谈话 — when the next talk is due.
    pub next_due_at: Date,
    /// 谈话逾期 — the next talk is past due.
    pub overdue: bool,
}
