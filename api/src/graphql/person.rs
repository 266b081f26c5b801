//! Key persons (重点人员): `people`, `person`, and the writes of the person ledger.
//!
//! Every read starts from `Access::select::<Persons>` and every field is served only when the
//! viewer holds its group on the row (access.md "Field groups"); reads of `identity` and
//! `notes` are noted in the request's audit log. Writes check, in this order: the row is in
//! the viewer's read scope (else `NOT_FOUND`, as for a random id), the action is granted on it
//! (else `FORBIDDEN`), then the state (`CONFLICT`).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{NaiveDate, Utc};
use entity::enums::{
    AttentionLevel, AuditCategory, AuditOutcome, Gender, JudicialTag, LevelChangeKind, LevelChangeStatus, MeasureKind,
    PersonCategory, RecordStatus, Role, TalkKind,
};
use entity::{
    person, person_assessment, person_category, person_incident, person_judicial_tag, person_level_change,
    person_measure, person_talk,
};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, SqlErr, TransactionTrait,
};
use uuid::Uuid;

use super::ContextExt;
use super::connection::{Connection, KeyKind, Page, after as keyset_after, encode_cursor, page_size};
use super::fetch;
use super::ids::{self, Kind};
use super::level::LevelChange;
use super::loaders::{
    AssessmentsOf, CategoriesOf, IncidentsOf, LevelHistoryOf, MeasuresOf, Officer, PERSON_ACTIONS, PersonAction,
    PersonWants, TagsOf, TalksOf, prefetch_people,
};
use super::org::Village;
use super::person_duties;
use super::person_links;
use super::refs::{officer_in_town, optional_phone, police_officer, village_in_town};
use super::scalars::Date;
use crate::access::GroupSet;
use crate::access::duty;
use crate::access::resource::Persons;
use crate::audit;
use crate::auth::Viewer;
use crate::domain::{levels, validate};
use crate::error::ApiError;
use crate::rules::{self, Trigger};

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

#[Object]
impl Person {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Person, self.model.id)
    }
    /// Changes with every write; pass it as `expectedVersion` to update. Null unless the viewer
    /// reads every field group: the count of changes would otherwise tell of hidden activity.
    async fn version(&self) -> Option<i32> {
        self.groups.all().then_some(self.model.version)
    }
    async fn name(&self) -> Option<&str> {
        self.groups.has("basic").then_some(self.model.name.as_str())
    }
    async fn gender(&self) -> Option<Gender> {
        self.basic(|m| m.gender)
    }
    async fn attention_level(&self) -> Option<AttentionLevel> {
        self.basic(|m| m.attention_level)
    }
    async fn status(&self) -> Option<RecordStatus> {
        self.basic(|m| m.status)
    }
    async fn listed_at(&self) -> Option<Date> {
        self.basic(|m| Date(m.listed_at))
    }
    /// Residence village.
    async fn village(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Village>> {
        if !self.groups.has("basic") {
            return Ok(None);
        }
        Ok(ctx.loaders()?.villages.load_one(self.model.village_id).await?)
    }
    /// The responsible police officer (包村民警).
    async fn responsible_officer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        match self.model.responsible_officer_id {
            Some(officer) if self.groups.has("basic") => Ok(ctx.loaders()?.officers.load_one(officer).await?),
            _ => Ok(None),
        }
    }

    /// National ID number (身份证号).
    async fn id_number(&self, ctx: &Context<'_>) -> Option<&str> {
        self.reveal(ctx, "identity").then_some(self.model.id_number.as_str())
    }
    async fn birth_date(&self, ctx: &Context<'_>) -> Option<Date> {
        self.reveal(ctx, "identity").then_some(Date(self.model.birth_date))
    }
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "identity") { self.model.phone.as_deref() } else { None }
    }
    /// Residence address.
    async fn address(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "identity") { self.model.address.as_deref() } else { None }
    }

    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<PersonCategory>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        Ok(Some(ctx.loaders()?.person_records.load_one(CategoriesOf(self.model.id)).await?.unwrap_or_default()))
    }
    async fn judicial_tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<JudicialTagEntry>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let tags = ctx.loaders()?.person_records.load_one(TagsOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(tags.into_iter().map(JudicialTagEntry::from).collect()))
    }
    /// Education and admonition talks, newest first.
    async fn talks(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Talk>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let talks = ctx.loaders()?.person_records.load_one(TalksOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(talks.into_iter().map(Talk).collect()))
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
    /// Changes of attention level, newest first, pending requests included.
    async fn level_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<LevelChange>>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let rows = ctx.loaders()?.person_records.load_one(LevelHistoryOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(LevelChange::from).collect()))
    }
    /// Whether education talks are on time for the current level.
    async fn talk_status(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TalkStatus>> {
        if !self.groups.has("record") {
            return Ok(None);
        }
        let talks = ctx.loaders()?.person_records.load_one(TalksOf(self.model.id)).await?.unwrap_or_default();
        Ok(Some(talk_status(&self.model, talks.first().map(|t| t.talked_on))))
    }

    /// Investigative notes.
    async fn notes(&self, ctx: &Context<'_>) -> Option<&str> {
        if self.reveal(ctx, "notes") { self.model.notes.as_deref() } else { None }
    }

    /// What the viewer may read and do on this person.
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

#[derive(SimpleObject)]
pub struct PersonViewerCan {
    pub read_basic: bool,
    pub read_identity: bool,
    pub read_record: bool,
    pub read_notes: bool,
    pub update: bool,
    pub record_talk: bool,
    pub record_incident: bool,
    pub record_assessment: bool,
    pub record_measure: bool,
    pub raise_level: bool,
    pub request_step_down: bool,
    pub decide_step_down: bool,
}

/// A judicial tag (刑满释放 with release date, 社区矫正 with end of correction).
#[derive(SimpleObject)]
pub struct JudicialTagEntry {
    pub tag: JudicialTag,
    pub release_date: Option<Date>,
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

/// An education or admonition talk (训诫/教育谈话).
pub struct Talk(person_talk::Model);

#[Object]
impl Talk {
    async fn id(&self) -> ID {
        ids::encode(Kind::Talk, self.0.id)
    }
    async fn talked_on(&self) -> Date {
        Date(self.0.talked_on)
    }
    async fn kind(&self) -> TalkKind {
        self.0.kind
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn officer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Officer>> {
        Ok(ctx.loaders()?.officers.load_one(self.0.officer_id).await?)
    }
}

/// A 五清两稳 assessment: thought, employment, family, social contacts and whereabouts each
/// clear or not, with a note; and whether employment and state of mind are stable.
pub struct Assessment(pub person_assessment::Model);

#[Object]
impl Assessment {
    async fn id(&self) -> ID {
        ids::encode(Kind::Assessment, self.0.id)
    }
    async fn assessed_on(&self) -> Date {
        Date(self.0.assessed_on)
    }
    async fn thought_clear(&self) -> bool {
        self.0.thought_clear
    }
    async fn thought_note(&self) -> &str {
        &self.0.thought_note
    }
    async fn employment_clear(&self) -> bool {
        self.0.employment_clear
    }
    async fn employment_note(&self) -> &str {
        &self.0.employment_note
    }
    async fn family_clear(&self) -> bool {
        self.0.family_clear
    }
    async fn family_note(&self) -> &str {
        &self.0.family_note
    }
    async fn social_clear(&self) -> bool {
        self.0.social_clear
    }
    async fn social_note(&self) -> &str {
        &self.0.social_note
    }
    async fn whereabouts_clear(&self) -> bool {
        self.0.whereabouts_clear
    }
    async fn whereabouts_note(&self) -> &str {
        &self.0.whereabouts_note
    }
    async fn employment_stable(&self) -> bool {
        self.0.employment_stable
    }
    async fn mind_stable(&self) -> bool {
        self.0.mind_stable
    }
}

/// A disciplinary measure (教育惩戒) on the ladder.
pub struct Measure(pub person_measure::Model);

#[Object]
impl Measure {
    async fn id(&self) -> ID {
        ids::encode(Kind::Measure, self.0.id)
    }
    async fn kind(&self) -> MeasureKind {
        self.0.kind
    }
    async fn taken_on(&self) -> Date {
        Date(self.0.taken_on)
    }
    async fn note(&self) -> &str {
        &self.0.note
    }
}

/// An incident, case or misconduct record (警情/案件/不良记录).
pub struct Incident(person_incident::Model);

#[Object]
impl Incident {
    async fn id(&self) -> ID {
        ids::encode(Kind::Incident, self.0.id)
    }
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}

#[derive(InputObject, Default)]
pub struct PersonFilter {
    pub village_id: Option<ID>,
    pub attention_level: Option<Vec<AttentionLevel>>,
    pub status: Option<RecordStatus>,
    /// Names starting with this text.
    pub name_prefix: Option<String>,
    /// Needs the `record` group.
    pub category: Option<PersonCategory>,
    /// Needs the `record` group.
    pub judicial_tag: Option<JudicialTag>,
    /// Persons whose responsible officer is this user.
    pub responsible_officer_id: Option<ID>,
    /// Listed on or after this date.
    pub listed_from: Option<Date>,
    /// Listed on or before this date.
    pub listed_to: Option<Date>,
    /// Whose education talk is overdue (true) or not (false). Needs the `record` group.
    pub talk_overdue: Option<bool>,
    /// Released prisoners (刑满释放) within five years of release. Needs the `record` group.
    pub released_within_five_years: Option<bool>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonOrderField {
    #[default]
    Name,
    ListedAt,
    /// The date the next education talk is due (needs the `record` group).
    NextDue,
}

pub use crate::access::page::SortDirection;

#[derive(InputObject, Default)]
pub struct PersonOrder {
    #[graphql(default)]
    pub field: PersonOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

#[derive(Default)]
pub struct PersonQuery;

#[Object]
impl PersonQuery {
    /// Key persons in the viewer's scope, a page at a time.
    #[graphql(complexity = "std::cmp::max(first.unwrap_or(20), 0) as usize * child_complexity + 1")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        filter: Option<PersonFilter>,
        order_by: Option<PersonOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Person>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let first = page_size(first)?;
        let groups = state.access.groups::<Persons>(viewer);
        let filter_cond = filter_condition(viewer, &groups, filter.unwrap_or_default())?;
        let order = order_by.unwrap_or_default();
        // Rule 4 for ordering: name and listing date are `basic`, the next talk due date also
        // needs the talks (`record`). No role holds these on only some of the persons it reads;
        // should one ever, refuse rather than sort by hidden values.
        let sort_group = if order.field == PersonOrderField::NextDue { "record" } else { "basic" };
        if !groups.held_everywhere(sort_group) {
            return Err(ApiError::Forbidden.into());
        }
        let base = state.access.select::<Persons>(viewer)?.filter(filter_cond.clone());
        let backend = state.db.get_database_backend();
        let key = match order.field {
            PersonOrderField::Name => Expr::col((person::Entity, person::Column::Name)),
            PersonOrderField::ListedAt => Expr::col((person::Entity, person::Column::ListedAt)),
            PersonOrderField::NextDue => duty::TALKS.next_due(backend),
        };
        let mut page = base.clone();
        if let Some(cursor) = after {
            let kind = if order.field == PersonOrderField::Name { KeyKind::Text } else { KeyKind::Date };
            let id = Expr::col((person::Entity, person::Column::Id));
            page = page.filter(keyset_after(&cursor, kind, key.clone(), id, order.direction == SortDirection::Asc)?);
        }
        let direction = match order.direction {
            SortDirection::Asc => sea_orm::Order::Asc,
            SortDirection::Desc => sea_orm::Order::Desc,
        };
        let page = page.order_by(key, direction.clone()).order_by(person::Column::Id, direction);
        let rows = page.limit(first + 1).all(&state.db).await.map_err(ApiError::from)?;
        let look = ctx.look_ahead();
        let node = [look.field("nodes"), look.field("edges").field("node")];
        let wants = |field: &str| node.iter().any(|n| n.field(field).exists());
        let wants = PersonWants {
            village: wants("village"),
            officer: wants("responsibleOfficer"),
            talks: wants("talks") || wants("talkStatus") || order.field == PersonOrderField::NextDue,
            talk_officers: node.iter().any(|n| n.field("talks").field("officer").exists()),
            incidents: wants("incidents"),
            categories: wants("categories"),
            tags: wants("judicialTags"),
            assessments: wants("assessments"),
            measures: wants("measures"),
            level_history: wants("levelHistory"),
            actions: wants("viewerCan"),
        };
        let loaders = ctx.loaders()?;
        prefetch_people(loaders, &rows, &wants).await?;
        let total_count = if ctx.look_ahead().field("totalCount").exists() {
            Some(base.count(&state.db).await.map_err(ApiError::from)? as i64)
        } else {
            None
        };
        let mut page_rows = Vec::with_capacity(rows.len());
        for m in rows {
            let cursor_key = match order.field {
                PersonOrderField::Name => m.name.clone(),
                PersonOrderField::ListedAt => m.listed_at.format("%Y-%m-%d").to_string(),
                PersonOrderField::NextDue => {
                    let talks = loaders.person_records.load_one(TalksOf(m.id)).await?.unwrap_or_default();
                    talk_status(&m, talks.first().map(|t| t.talked_on)).next_due_at.0.format("%Y-%m-%d").to_string()
                }
            };
            let groups = groups.on(viewer, &m);
            page_rows.push((encode_cursor(&cursor_key, m.id), Person::new(m, groups)));
        }
        let rows = page_rows;
        Ok(Connection::new(rows, first, total_count))
    }

    /// One key person, or null when there is none in the viewer's scope.
    async fn person(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Person>> {
        let Some(id) = ids::decode_as(&id, Kind::Person) else {
            return Ok(None);
        };
        Ok(find(ctx, id).await?)
    }
}

/// The person with `id` in the viewer's read scope. A real person outside it is logged as a
/// denied attempt and answered exactly like a missing one.
pub async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Option<Person>, ApiError> {
    Ok(fetch::one::<Persons>(ctx, id, "Person").await?.map(|(m, groups)| Person::new(m, groups)))
}

/// The SQL condition of a filter (the list and the export share it).
pub(crate) fn filter_condition(
    viewer: &Viewer,
    groups: &crate::access::Groups<Persons>,
    filter: PersonFilter,
) -> Result<Condition, ApiError> {
    // Rule 4: see `Groups::filter`.
    let guard = |group: &str, cond: Condition| groups.filter(viewer, group, cond);
    let mut all = Condition::all();
    if let Some(village) = filter.village_id {
        let village = ids::decode_as(&village, Kind::Village).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(person::Column::VillageId.eq(village)))?);
    }
    if let Some(levels) = filter.attention_level {
        all = all.add(guard("basic", Condition::all().add(person::Column::AttentionLevel.is_in(levels)))?);
    }
    if let Some(status) = filter.status {
        all = all.add(guard("basic", Condition::all().add(person::Column::Status.eq(status)))?);
    }
    if let Some(prefix) = filter.name_prefix {
        let prefix = validate::optional_text("filter.namePrefix", &prefix, 50)?;
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let like = Expr::col(person::Column::Name).like(LikeExpr::new(format!("{escaped}%")).escape('\\'));
        all = all.add(guard("basic", Condition::all().add(like))?);
    }
    if let Some(category) = filter.category {
        let ids = sea_orm::sea_query::Query::select()
            .column(person_category::Column::PersonId)
            .from(person_category::Entity)
            .and_where(person_category::Column::Category.eq(category))
            .to_owned();
        all = all.add(guard("record", Condition::all().add(person::Column::Id.in_subquery(ids)))?);
    }
    if let Some(tag) = filter.judicial_tag {
        let ids = sea_orm::sea_query::Query::select()
            .column(person_judicial_tag::Column::PersonId)
            .from(person_judicial_tag::Entity)
            .and_where(person_judicial_tag::Column::Tag.eq(tag))
            .to_owned();
        all = all.add(guard("record", Condition::all().add(person::Column::Id.in_subquery(ids)))?);
    }
    if let Some(officer) = filter.responsible_officer_id {
        let officer = ids::decode_as(&officer, Kind::User).unwrap_or_else(Uuid::nil);
        all = all.add(guard("basic", Condition::all().add(person::Column::ResponsibleOfficerId.eq(officer)))?);
    }
    if let Some(from) = filter.listed_from {
        all = all.add(guard("basic", Condition::all().add(person::Column::ListedAt.gte(from.0)))?);
    }
    if let Some(to) = filter.listed_to {
        all = all.add(guard("basic", Condition::all().add(person::Column::ListedAt.lte(to.0)))?);
    }
    if let Some(overdue) = filter.talk_overdue {
        let cond = duty::TALKS.overdue(crate::domain::lead_flow::today());
        all = all.add(guard("record", if overdue { cond } else { cond.not() })?);
    }
    if let Some(released) = filter.released_within_five_years {
        let since = crate::domain::lead_flow::today() - chrono::Duration::days(5 * 365 + 1);
        let ids = sea_orm::sea_query::Query::select()
            .column(person_judicial_tag::Column::PersonId)
            .from(person_judicial_tag::Entity)
            .and_where(person_judicial_tag::Column::Tag.eq(JudicialTag::ReleasedPrisoner))
            .and_where(person_judicial_tag::Column::ReleaseDate.gte(since))
            .to_owned();
        let cond = Condition::all().add(person::Column::Id.in_subquery(ids));
        all = all.add(guard("record", if released { cond } else { cond.not() })?);
    }
    Ok(all)
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

/// Whether a person's education talks are on time (domain.md: 30/60/90 days by level).
#[derive(SimpleObject)]
pub struct TalkStatus {
    pub last_talk_at: Option<Date>,
    pub next_due_at: Date,
    pub overdue: bool,
}

#[derive(InputObject)]
pub struct JudicialTagInput {
    pub tag: JudicialTag,
    /// Required for `RELEASED_PRISONER`.
    pub release_date: Option<Date>,
    /// Required for `COMMUNITY_CORRECTION`.
    pub correction_end_date: Option<Date>,
}

#[derive(InputObject)]
pub struct CreatePersonInput {
    pub name: String,
    pub id_number: String,
    pub village_id: ID,
    pub attention_level: AttentionLevel,
    pub categories: Vec<PersonCategory>,
    /// Defaults to what the ID number says; must agree with it.
    pub gender: Option<Gender>,
    /// Defaults to what the ID number says; must agree with it.
    pub birth_date: Option<Date>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub judicial_tags: Option<Vec<JudicialTagInput>>,
    /// A police user of the town; defaults to the creating police user.
    pub responsible_officer_id: Option<ID>,
    pub notes: Option<String>,
    /// Why the judicial office lists this person (at most 500 characters). Should the town
    /// already hold a dossier of the ID number, the police station reads it when deciding on
    /// the link; otherwise it is not kept.
    pub link_reason: Option<String>,
}

#[derive(InputObject)]
pub struct UpdatePersonInput {
    pub id: ID,
    /// The `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub village_id: Option<ID>,
    pub categories: Option<Vec<PersonCategory>>,
    pub responsible_officer_id: Option<ID>,
    pub notes: Option<String>,
}

#[derive(InputObject)]
pub struct RecordTalkInput {
    pub person_id: ID,
    pub talked_on: Date,
    pub kind: TalkKind,
    pub summary: String,
    /// The officer who talked; defaults to the viewer.
    pub officer_id: Option<ID>,
}

#[derive(InputObject)]
pub struct RecordIncidentInput {
    pub person_id: ID,
    pub occurred_on: Date,
    /// 警情, 案件, 不良记录 …
    pub kind: String,
    pub summary: String,
}

#[derive(SimpleObject)]
pub struct PersonPayload {
    pub person: Option<Person>,
}

#[derive(Default)]
pub struct PersonMutation;

#[Object]
impl PersonMutation {
    /// Lists a key person (police), or a person with a judicial tag (judicial office).
    ///
    /// The judicial office listing an ID number it already reads (a dossier with a judicial
    /// tag, or its own record) adds its tags there. An ID number of a dossier it may not read
    /// is answered exactly as a new one: it gets a record of its own holding only what it gave,
    /// and the police station gets a `PERSON_LINK` task to link the two (`decidePersonLink`).
    async fn create_person(&self, ctx: &Context<'_>, input: CreatePersonInput) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let judicial_only = match (
            state.access.rows::<Persons>(viewer, "create"),
            state.access.rows::<Persons>(viewer, "create_judicial"),
        ) {
            (Some(_), _) => false,
            (None, Some(_)) => true,
            (None, None) => return Err(ApiError::Forbidden.into()),
        };
        let new = NewPerson::validate(ctx, viewer, input, judicial_only).await?;
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        let same_number = Condition::all()
            .add(person::Column::TownId.eq(viewer.town_id))
            .add(person::Column::IdNumber.eq(&new.id_number));
        let dossier = person::Entity::find()
            .filter(same_number.clone())
            .filter(person::Column::LinkOfPersonId.is_null())
            .one(&txn)
            .await
            .map_err(ApiError::from)?;
        let mut requested = None;
        let person_id = if judicial_only {
            // What the judicial office reads of the number: the dossier once it bears a judicial
            // tag, or the office's own provisional record.
            let readable = state.access.select::<Persons>(viewer)?.filter(same_number);
            let readable = readable.all(&txn).await.map_err(ApiError::from)?;
            let known = readable.iter().find(|p| p.link_of_person_id.is_none()).or(readable.first());
            match (known, dossier) {
                (Some(known), _) => {
                    add_tags(&txn, viewer, known.id, &new.tags).await?;
                    known.id
                }
                // A dossier it may not read: nothing of it may reach the office, not even that
                // it exists.
                (None, Some(dossier)) => {
                    let record = new.insert(&txn, viewer, Some(dossier.id)).await?;
                    requested = person_links::request(&txn, ctx, viewer, record, dossier.id, &new.link_reason).await?;
                    record
                }
                (None, None) => new.insert(&txn, viewer, None).await?,
            }
        } else {
            if dossier.is_some() {
                return Err(conflict_duplicate().into());
            }
            new.insert(&txn, viewer, None).await?
        };
        audit::record(&txn, ctx, viewer, write_entry("create_person", person_id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        if let Some(task) = requested {
            // Nobody listening is fine: the task is in the lists either way.
            let _ = state.task_events.send(task);
        }
        Ok(PersonPayload { person: find(ctx, person_id).await? })
    }

    /// Changes a dossier (police). Fails with `CONFLICT` when `expectedVersion` is stale or the
    /// person is delisted.
    async fn update_person(&self, ctx: &Context<'_>, input: UpdatePersonInput) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.id, "update").await?;
        let mut active: person::ActiveModel = current.clone().into();
        if let Some(name) = &input.name {
            active.name = Set(validate::text("input.name", name, 50)?);
        }
        if let Some(phone) = &input.phone {
            active.phone = Set(optional_phone("input.phone", Some(phone))?);
        }
        if let Some(address) = &input.address {
            active.address = Set(non_empty(validate::optional_text("input.address", address, 200)?));
        }
        if let Some(village) = &input.village_id {
            active.village_id = Set(village_in_town(ctx, viewer, "input.villageId", village).await?);
        }
        if let Some(notes) = &input.notes {
            active.notes = Set(non_empty(validate::optional_text("input.notes", notes, 4000)?));
        }
        if let Some(officer) = &input.responsible_officer_id {
            active.responsible_officer_id =
                Set(Some(police_officer(ctx, viewer, "input.responsibleOfficerId", officer).await?));
        }
        let categories = match &input.categories {
            Some(c) => Some(categories("input.categories", c)?),
            None => None,
        };
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        active.version = Set(current.version + 1);
        active.updated_at = Set(Utc::now());
        let updated = person::Entity::update_many()
            .set(active)
            .filter(person::Column::Id.eq(current.id))
            .filter(person::Column::Version.eq(input.expected_version))
            .exec(&txn)
            .await
            .map_err(ApiError::from)?;
        if updated.rows_affected == 0 {
            return Err(stale().into());
        }
        if let Some(categories) = categories {
            person_category::Entity::delete_many()
                .filter(person_category::Column::PersonId.eq(current.id))
                .exec(&txn)
                .await
                .map_err(ApiError::from)?;
            insert_categories(&txn, current.id, &categories).await?;
        }
        audit::record(&txn, ctx, viewer, write_entry("update_person", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// Records an education or admonition talk (police; judicial office for its persons).
    async fn record_talk(&self, ctx: &Context<'_>, input: RecordTalkInput) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.person_id, "record_talk").await?;
        let talked_on = validate::past_date("input.talkedOn", input.talked_on.0)?;
        let summary = validate::text("input.summary", &input.summary, 2000)?;
        let officer = match &input.officer_id {
            Some(id) => officer_in_town(ctx, viewer, "input.officerId", id).await?,
            None => viewer.user_id,
        };
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        person_talk::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(current.id),
            talked_on: Set(talked_on),
            officer_id: Set(officer),
            kind: Set(input.kind),
            summary: Set(summary),
            recorded_by_user_id: Set(viewer.user_id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        touch(&txn, &current).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_talk", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// Records an incident, case or misconduct (police).
    async fn record_incident(
        &self,
        ctx: &Context<'_>,
        input: RecordIncidentInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.person_id, "record_incident").await?;
        let occurred_on = validate::past_date("input.occurredOn", input.occurred_on.0)?;
        let kind = validate::text("input.kind", &input.kind, 50)?;
        let summary = validate::text("input.summary", &input.summary, 2000)?;
        let earlier: Vec<NaiveDate> = person_incident::Entity::find()
            .filter(person_incident::Column::PersonId.eq(current.id))
            .all(&state.db)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|i| i.occurred_on)
            .collect();
        // Two incidents fewer than 90 days apart make a GENERAL or KEY person SPECIAL at once.
        let partner =
            earlier.iter().copied().filter(|d| levels::escalates(current.attention_level, occurred_on, &[*d])).max();
        let txn = state.db.begin().await.map_err(ApiError::from)?;
        person_incident::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(current.id),
            occurred_on: Set(occurred_on),
            kind: Set(kind),
            summary: Set(summary),
            recorded_by_user_id: Set(viewer.user_id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(ApiError::from)?;
        match partner {
            Some(other) => {
                let reason = format!(
                    "Two incidents fewer than {days} days apart ({other}, {occurred_on}): raised to SPECIAL automatically. \
                     {days}天内两次事件，自动升为特别关注。",
                    days = levels::ESCALATION_DAYS
                );
                person_duties::set_level(&txn, &current, Some(AttentionLevel::Special)).await?;
                person_duties::insert_change(
                    &txn,
                    &current,
                    LevelChangeKind::AutoEscalation,
                    LevelChangeStatus::Applied,
                    Some(AttentionLevel::Special),
                    reason,
                    None,
                )
                .await?;
            }
            None => touch(&txn, &current).await?,
        }
        audit::record(&txn, ctx, viewer, write_entry("record_incident", current.id)).await?;
        // An incident may make the person SPECIAL at once, which moves the next talk.
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }
}

/// A validated `createPerson` input (the mutation and the ledger import share it).
pub(crate) struct NewPerson {
    name: String,
    pub(crate) id_number: String,
    village_id: Uuid,
    attention_level: AttentionLevel,
    categories: Vec<PersonCategory>,
    gender: Gender,
    birth_date: NaiveDate,
    phone: Option<String>,
    address: Option<String>,
    tags: Vec<person_judicial_tag::Model>,
    responsible_officer_id: Option<Uuid>,
    notes: Option<String>,
    /// Used only should the judicial office ask for a link.
    link_reason: Option<String>,
}

impl NewPerson {
    pub(crate) async fn validate(
        ctx: &Context<'_>,
        viewer: &Viewer,
        input: CreatePersonInput,
        judicial_only: bool,
    ) -> Result<Self, ApiError> {
        let name = validate::text("input.name", &input.name, 50)?;
        let id_number = input.id_number.trim().to_uppercase();
        let facts = validate::national_id("input.idNumber", &id_number)?;
        if input.gender.is_some_and(|g| g != facts.gender) {
            return Err(ApiError::bad_input(
                "input.gender",
                "The gender does not agree with the national ID number.",
                "性别与身份证号不符。",
            ));
        }
        if input.birth_date.is_some_and(|d| d.0 != facts.birth_date) {
            return Err(ApiError::bad_input(
                "input.birthDate",
                "The birth date does not agree with the national ID number.",
                "出生日期与身份证号不符。",
            ));
        }
        let village_id = village_in_town(ctx, viewer, "input.villageId", &input.village_id).await?;
        let categories = categories("input.categories", &input.categories)?;
        let phone = optional_phone("input.phone", input.phone.as_deref())?;
        let address = match &input.address {
            Some(a) => non_empty(validate::optional_text("input.address", a, 200)?),
            None => None,
        };
        let tags = judicial_tags(viewer, input.judicial_tags.unwrap_or_default())?;
        if judicial_only && tags.is_empty() {
            return Err(ApiError::bad_input(
                "input.judicialTags",
                "The judicial office lists persons with a judicial tag.",
                "司法所登记的人员须有司法标签。",
            ));
        }
        let notes = match &input.notes {
            Some(_) if judicial_only => {
                return Err(ApiError::bad_input(
                    "input.notes",
                    "Only the police station writes investigative notes.",
                    "只有派出所可以填写侦查备注。",
                ));
            }
            Some(n) => non_empty(validate::optional_text("input.notes", n, 4000)?),
            None => None,
        };
        let link_reason = match &input.link_reason {
            Some(r) => non_empty(validate::optional_text("input.linkReason", r, 500)?),
            None => None,
        };
        let responsible_officer_id = match &input.responsible_officer_id {
            Some(id) => Some(police_officer(ctx, viewer, "input.responsibleOfficerId", id).await?),
            None if viewer.role == Role::Police => Some(viewer.user_id),
            None => None,
        };
        Ok(Self {
            name,
            id_number,
            village_id,
            attention_level: input.attention_level,
            categories,
            gender: facts.gender,
            birth_date: facts.birth_date,
            phone,
            address,
            tags,
            responsible_officer_id,
            notes,
            link_reason,
        })
    }

    /// Inserts the person: a dossier, or with `link_of` a provisional record of that dossier.
    pub(crate) async fn insert(
        &self,
        txn: &impl ConnectionTrait,
        viewer: &Viewer,
        link_of: Option<Uuid>,
    ) -> Result<Uuid, ApiError> {
        let now = Utc::now();
        let today = crate::domain::lead_flow::today();
        let id = Uuid::now_v7();
        let inserted = person::ActiveModel {
            id: Set(id),
            town_id: Set(viewer.town_id),
            village_id: Set(self.village_id),
            name: Set(self.name.clone()),
            gender: Set(self.gender),
            birth_date: Set(self.birth_date),
            id_number: Set(self.id_number.clone()),
            phone: Set(self.phone.clone()),
            address: Set(self.address.clone()),
            attention_level: Set(self.attention_level),
            level_since: Set(today),
            responsible_officer_id: Set(self.responsible_officer_id),
            listed_at: Set(today),
            status: Set(RecordStatus::Active),
            notes: Set(self.notes.clone()),
            created_by_unit_id: Set(viewer.unit_id),
            link_of_person_id: Set(link_of),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await;
        if let Err(err) = inserted {
            // Two creations of the same ID number at once: a unique index decides (for a
            // provisional record, the one of its dossier), with the same answer either way.
            return Err(match err.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => conflict_duplicate(),
                _ => ApiError::from(err),
            });
        }
        insert_categories(txn, id, &self.categories).await?;
        add_tags(txn, viewer, id, &self.tags).await?;
        person_level_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(id),
            kind: Set(LevelChangeKind::Initial),
            status: Set(LevelChangeStatus::Applied),
            from_level: Set(None),
            to_level: Set(Some(self.attention_level)),
            reason: Set("列管".to_owned()),
            requested_by_user_id: Set(Some(viewer.user_id)),
            requested_by_unit_id: Set(Some(viewer.unit_id)),
            decided_by_user_id: Set(None),
            decided_by_unit_id: Set(None),
            decision_comment: Set(None),
            approving_body: Set(None),
            document_number: Set(None),
            decided_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        Ok(id)
    }
}

/// The current row of a person the viewer may write with `action`: `NOT_FOUND` outside the
/// read scope (like a random id), `FORBIDDEN` when the action is not granted on it, `CONFLICT`
/// when the dossier is closed.
pub(super) async fn writable(ctx: &Context<'_>, id: &ID, action: &str) -> Result<person::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let id = ids::decode_as(id, Kind::Person).ok_or(ApiError::NotFound)?;
    if find(ctx, id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let allowed = state.access.rows::<Persons>(viewer, action).ok_or(ApiError::Forbidden)?;
    let current = person::Entity::find()
        .filter(allowed)
        .filter(person::Column::Id.eq(id))
        .one(&state.db)
        .await?
        .ok_or(ApiError::Forbidden)?;
    if current.status == RecordStatus::Delisted {
        return Err(ApiError::Conflict {
            message: "This person is delisted; the dossier is closed and read-only.".into(),
            message_zh: "该人员已撤管，档案只读。".into(),
            allowed: vec![],
        });
    }
    Ok(current)
}

pub(super) async fn touch(txn: &impl ConnectionTrait, current: &person::Model) -> Result<(), ApiError> {
    person::Entity::update_many()
        .col_expr(person::Column::Version, Expr::col(person::Column::Version).add(1))
        .col_expr(person::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(person::Column::Id.eq(current.id))
        .exec(txn)
        .await?;
    Ok(())
}

pub(crate) fn write_entry(action: &'static str, id: Uuid) -> audit::Entry<'static> {
    audit::Entry {
        action,
        object_type: "Person",
        object_id: Some(id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    }
}

fn conflict_duplicate() -> ApiError {
    ApiError::Conflict {
        message: "A dossier with this national ID number already exists in the town.".into(),
        message_zh: "本镇已有该身份证号的档案。".into(),
        allowed: vec![],
    }
}

pub(super) fn stale() -> ApiError {
    ApiError::Conflict {
        message: "The person was changed since you read it; reload and try again.".into(),
        message_zh: "该档案已被修改，请刷新后重试。".into(),
        allowed: vec![],
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

fn categories(field: &str, categories: &[PersonCategory]) -> Result<Vec<PersonCategory>, ApiError> {
    let mut unique: Vec<PersonCategory> = Vec::new();
    for c in categories {
        if !unique.contains(c) {
            unique.push(*c);
        }
    }
    if unique.is_empty() {
        return Err(ApiError::bad_input(field, "Give at least one category.", "至少选择一个类别。"));
    }
    Ok(unique)
}

fn judicial_tags(viewer: &Viewer, tags: Vec<JudicialTagInput>) -> Result<Vec<person_judicial_tag::Model>, ApiError> {
    let today = crate::domain::lead_flow::today();
    let mut out: Vec<person_judicial_tag::Model> = Vec::new();
    for (i, t) in tags.into_iter().enumerate() {
        let field = format!("input.judicialTags.{i}");
        match t.tag {
            JudicialTag::ReleasedPrisoner => match t.release_date {
                Some(d) if d.0 <= today => {}
                Some(_) => {
                    return Err(ApiError::bad_input(
                        format!("{field}.releaseDate"),
                        "This date is in the future.",
                        "日期不能晚于今天。",
                    ));
                }
                None => {
                    return Err(ApiError::bad_input(
                        format!("{field}.releaseDate"),
                        "Give the release date.",
                        "请填写释放日期。",
                    ));
                }
            },
            JudicialTag::CommunityCorrection => {
                if t.correction_end_date.is_none() {
                    return Err(ApiError::bad_input(
                        format!("{field}.correctionEndDate"),
                        "Give the date correction ends.",
                        "请填写矫正期满日期。",
                    ));
                }
            }
        }
        if out.iter().any(|o| o.tag == t.tag) {
            return Err(ApiError::bad_input(field, "Each tag may be given once.", "同一标签只能填写一次。"));
        }
        out.push(person_judicial_tag::Model {
            id: Uuid::now_v7(),
            person_id: Uuid::nil(),
            tag: t.tag,
            release_date: t.release_date.map(NaiveDate::from),
            correction_end_date: t.correction_end_date.map(NaiveDate::from),
            added_by_unit_id: viewer.unit_id,
            created_at: Utc::now(),
        });
    }
    Ok(out)
}

async fn insert_categories(
    txn: &impl ConnectionTrait,
    person: Uuid,
    categories: &[PersonCategory],
) -> Result<(), ApiError> {
    let rows = categories.iter().map(|c| person_category::ActiveModel { person_id: Set(person), category: Set(*c) });
    person_category::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// Adds judicial tags the dossier does not hold yet (re-adding one changes nothing).
async fn add_tags(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    person: Uuid,
    tags: &[person_judicial_tag::Model],
) -> Result<(), ApiError> {
    let held: Vec<JudicialTag> = person_judicial_tag::Entity::find()
        .filter(person_judicial_tag::Column::PersonId.eq(person))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect();
    for tag in tags.iter().filter(|t| !held.contains(&t.tag)) {
        person_judicial_tag::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person),
            tag: Set(tag.tag),
            release_date: Set(tag.release_date),
            correction_end_date: Set(tag.correction_end_date),
            added_by_unit_id: Set(viewer.unit_id),
            created_at: Set(Utc::now()),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
