//! The writes of the person ledger: `createPerson`, `updatePerson`, `recordTalk`,
//! `recordIncident`. The SQL of each step is the person store's.

use crate::domain::lead_flow;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::Utc;
use entity::enums::{
    AttentionLevel, AuditCategory, AuditOutcome, Gender, JudicialTag, LevelChangeKind, LevelChangeStatus,
    PersonCategory, RecordStatus, TalkKind,
};
use entity::{person, person_incident, person_talk};
use uuid::Uuid;

use super::new::NewPerson;
use super::new::{categories, non_empty};
use super::{Person, find};
use crate::access::resource::Persons;
use crate::access::store::Store;
use crate::access::stores::person::write::Change;
use crate::access::stores::person::{self as store};
use crate::audit;
use crate::domain::{levels, validate};
use crate::error::ApiError;
use crate::graphql::ContextExt;
use crate::graphql::ids::{self, Kind};
use crate::graphql::person_duties;
use crate::graphql::person_links;
use crate::graphql::refs::{officer_in_town, optional_phone, police_officer, village_in_town};
use crate::graphql::scalars::Date;
use crate::replicas;
use crate::rules::{self, Trigger};

/// 司法标签 — a judicial tag to put on a person, with its date.
#[derive(InputObject)]
pub struct JudicialTagInput {
    /// 司法标签 — released prisoner (刑满释放) or community correction (社区矫正).
    pub tag: JudicialTag,
    /// 释放日期 — required for `RELEASED_PRISONER`.
    pub release_date: Option<Date>,
    /// 矫正期满 — required for `COMMUNITY_CORRECTION`.
    pub correction_end_date: Option<Date>,
}

/// 新增重点人员 — the particulars of a key person to list.
#[derive(InputObject)]
pub struct CreatePersonInput {
    /// 姓名 — the person's name.
    pub name: String,
    /// 身份证号 — the national ID number, checked by its check digit; unique in the town.
    pub id_number: String,
    /// 居住村（社区） — the residence village.
    pub village_id: ID,
    /// 关注等级 — the attention level; it sets how often talks or inspections are due.
    pub attention_level: AttentionLevel,
    /// 人员类别 — why the person is on the ledger: one or more categories.
    pub categories: Vec<PersonCategory>,
    /// 性别 — defaults to what the ID number says; must agree with it.
    pub gender: Option<Gender>,
    /// 出生日期 — defaults to what the ID number says; must agree with it.
    pub birth_date: Option<Date>,
    /// 联系电话 — the person's phone number.
    pub phone: Option<String>,
    /// 居住地址 — the residence address.
    pub address: Option<String>,
    /// 司法标签 — tags the judicial office put on the person.
    pub judicial_tags: Option<Vec<JudicialTagInput>>,
    /// 包村民警 — a police user of the town; defaults to the creating police user.
    pub responsible_officer_id: Option<ID>,
    /// 备注 — investigative notes.
    pub notes: Option<String>,
    /// 关联理由 — why the judicial office lists this person (at most 500 characters). Should the town
    /// already hold a dossier of the ID number, the police station reads it when deciding on
    /// the link; otherwise it is not kept.
    pub link_reason: Option<String>,
}

/// 修改重点人员 — changes to a person's particulars; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// 编号 — the person's global ID.
    pub id: ID,
    /// 版本号 — the `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// 姓名 — the person's name.
    pub name: Option<String>,
    /// 联系电话 — the person's phone number.
    pub phone: Option<String>,
    /// 居住地址 — the residence address.
    pub address: Option<String>,
    /// 居住村（社区） — the residence village.
    pub village_id: Option<ID>,
    /// 人员类别 — why the person is on the ledger: one or more categories.
    pub categories: Option<Vec<PersonCategory>>,
    /// 包村民警 — the responsible officer (a police user of the town).
    pub responsible_officer_id: Option<ID>,
    /// 备注 — investigative notes.
    pub notes: Option<String>,
}

/// 记录谈话 — record an education or admonition talk.
#[derive(InputObject)]
pub struct RecordTalkInput {
    /// 重点人员 — the person's global ID.
    pub person_id: ID,
    /// 谈话日期 — the date of the talk.
    pub talked_on: Date,
    /// 谈话类型 — admonition, education or other.
    pub kind: TalkKind,
    /// 谈话内容 — what was said.
    pub summary: String,
    /// 谈话民警 — the officer who talked; defaults to the viewer.
    pub officer_id: Option<ID>,
}

/// 记录警情 — record an incident, case or misconduct of a person.
#[derive(InputObject)]
pub struct RecordIncidentInput {
    /// 重点人员 — the person's global ID.
    pub person_id: ID,
    /// 发生日期 — the date of the incident.
    pub occurred_on: Date,
    /// 类型 — 警情 (police call), 案件 (case), 不良记录 (misconduct) or another kind.
    pub kind: String,
    /// 摘要 — what happened.
    pub summary: String,
}

/// 重点人员 — the person after a step.
#[derive(SimpleObject)]
pub struct PersonPayload {
    /// 重点人员 — the person as it stands after the step.
    pub person: Option<Person>,
}

#[derive(Default)]
pub struct PersonMutation;

#[Object]
impl PersonMutation {
    /// 新增重点人员 — lists a key person (police), or a person with a judicial tag (judicial office).
    ///
    /// The judicial office listing an ID number it already reads (a dossier with a judicial
    /// tag, or its own record) adds its tags there. An ID number of a dossier it may not read
    /// is answered exactly as a new one: it gets a record of its own holding only what it gave,
    /// and the police station gets a `PERSON_LINK` task to link the two (`decidePersonLink`).
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: CreatePersonInput,
    ) -> async_graphql::Result<PersonPayload> {
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
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let dossier = store::dossier_with_number(&txn, viewer.town_id, &new.id_number).await?;
        let mut requested = None;
        let person_id = if judicial_only {
            // What the judicial office reads of the number: the dossier once it bears a judicial
            // tag, or the office's own provisional record.
            let readable =
                store::readable_with_number(&Store::new(&state.access, viewer), &txn, &new.id_number).await?;
            let known = readable.iter().find(|p| p.link_of_person_id.is_none()).or(readable.first());
            match (known, dossier) {
                (Some(known), _) => {
                    store::write::add_tags(&txn, viewer, known.id, &new.tags).await?;
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
        replicas::commit_announcing(txn, &state.task_events, requested.as_slice()).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, person_id).await? })
    }

    /// 修改重点人员 — changes a dossier (police). Fails with `CONFLICT` when `expectedVersion` is stale or the
    /// person is delisted.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: UpdatePersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.id, "update").await?;
        let mut change = Change::default();
        if let Some(name) = &input.name {
            change.name = Some(validate::text("input.name", name, 50)?);
        }
        if let Some(phone) = &input.phone {
            change.phone = Some(optional_phone("input.phone", Some(phone))?);
        }
        if let Some(address) = &input.address {
            change.address = Some(non_empty(validate::optional_text("input.address", address, 200)?));
        }
        if let Some(village) = &input.village_id {
            change.village_id = Some(village_in_town(ctx, viewer, "input.villageId", village).await?);
        }
        if let Some(notes) = &input.notes {
            change.notes = Some(non_empty(validate::optional_text("input.notes", notes, 4000)?));
        }
        if let Some(officer) = &input.responsible_officer_id {
            change.responsible_officer_id =
                Some(police_officer(ctx, viewer, "input.responsibleOfficerId", officer).await?);
        }
        let categories = match &input.categories {
            Some(c) => Some(categories("input.categories", c)?),
            None => None,
        };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::write::update(&txn, current.id, input.expected_version, change).await?.ok_or_else(stale)?;
        if let Some(categories) = categories {
            store::write::set_categories(&txn, current.id, &categories).await?;
        }
        audit::record(&txn, ctx, viewer, write_entry("update_person", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// 记录谈话 — records an education or admonition talk (police; judicial office for its persons).
    async fn record_talk(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordTalkInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.person_id, "record_talk").await?;
        let talked_on = validate::past_date("input.talkedOn", input.talked_on.0, lead_flow::today())?;
        let summary = validate::text("input.summary", &input.summary, 2000)?;
        let officer = match &input.officer_id {
            Some(id) => officer_in_town(ctx, viewer, "input.officerId", id).await?,
            None => viewer.user_id,
        };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let talk = person_talk::Model {
            id: Uuid::now_v7(),
            person_id: current.id,
            talked_on,
            officer_id: officer,
            kind: input.kind,
            summary,
            recorded_by_user_id: viewer.user_id,
            created_at: Utc::now(),
        };
        store::write::insert_talk(&txn, talk).await?;
        store::write::touch(&txn, current.id).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_talk", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// 记录警情 — records an incident, case or misconduct (police).
    async fn record_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordIncidentInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.person_id, "record_incident").await?;
        let occurred_on = validate::past_date("input.occurredOn", input.occurred_on.0, lead_flow::today())?;
        let kind = validate::text("input.kind", &input.kind, 50)?;
        let summary = validate::text("input.summary", &input.summary, 2000)?;
        let earlier = store::incident_dates(&state.db, current.id).await?;
        // Two incidents fewer than 90 days apart make a GENERAL or KEY person SPECIAL at once.
        let partner =
            earlier.iter().copied().filter(|d| levels::escalates(current.attention_level, occurred_on, &[*d])).max();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let incident = person_incident::Model {
            id: Uuid::now_v7(),
            person_id: current.id,
            occurred_on,
            kind,
            summary,
            recorded_by_user_id: viewer.user_id,
            created_at: Utc::now(),
        };
        store::write::insert_incident(&txn, incident).await?;
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
            None => store::write::touch(&txn, current.id).await?,
        }
        audit::record(&txn, ctx, viewer, write_entry("record_incident", current.id)).await?;
        // An incident may make the person SPECIAL at once, which moves the next talk.
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }
}

/// The current row of a person the viewer may write with `action`: `NOT_FOUND` outside the
/// read scope (like a random id), `FORBIDDEN` when the action is not granted on it, `CONFLICT`
/// when the dossier is closed.
pub(crate) async fn writable(ctx: &Context<'_>, id: &ID, action: &str) -> Result<person::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let id = ids::decode_as(id, Kind::Person).ok_or(ApiError::NotFound)?;
    if find(ctx, id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let (current, _) = Store::new(&state.access, viewer).for_action::<Persons>(&state.db, id, action).await?;
    if current.status == RecordStatus::Delisted {
        return Err(ApiError::Conflict {
            message: "This person is delisted; the dossier is closed and read-only.".into(),
            message_zh: "该人员已撤管，档案只读。".into(),
            allowed: vec![],
        });
    }
    Ok(current)
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

pub(super) fn conflict_duplicate() -> ApiError {
    ApiError::Conflict {
        message: "A dossier with this national ID number already exists in the town.".into(),
        message_zh: "本镇已有该身份证号的档案。".into(),
        allowed: vec![],
    }
}

pub(crate) fn stale() -> ApiError {
    ApiError::Conflict {
        message: "The person was changed since you read it; reload and try again.".into(),
        message_zh: "该档案已被修改，请刷新后重试。".into(),
        allowed: vec![],
    }
}
