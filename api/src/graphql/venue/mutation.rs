//! The writes of the venue ledger. Each checks, in this order: the row is in the viewer's read
//! scope (else `NOT_FOUND`, as for a random id), the action is granted on it (else `FORBIDDEN`),
//! then input and state (`BAD_USER_INPUT`, `CONFLICT`); each is one transaction with its audit
//! entry, its SQL in the venue store.

use crate::domain::lead_flow;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus, RecordStatus, VenueType};
use entity::{venue, venue_level_change};

use super::{Venue, find, write_entry};
use crate::access::resource::Venues;
use crate::access::stores::venue::{
    self as store, Decision, NewInspection, NewVenue, NewVenueIncident, NewVenuePenalty, VenueChange,
};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::{levels, validate};
use crate::error::ApiError;
use crate::graphql::ids::{self, Kind};
use crate::graphql::level::StepDownDecision;
use crate::graphql::refs::{officer_in_town, optional_phone, village_in_town};
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, fetch};
use crate::rules::{self, Trigger};

/// 新增重点场所 — the particulars of a key venue to list.
#[derive(InputObject)]
pub struct CreateVenueInput {
    /// 场所名称 — the venue's name.
    pub name: String,
    /// 场所类型 — the type of venue.
    pub venue_type: VenueType,
    /// 场所地址 — the venue's address.
    pub address: String,
    /// 村（社区） — the village's global ID.
    pub village_id: ID,
    /// 关注等级 — the attention level; it sets how often talks or inspections are due.
    pub attention_level: AttentionLevel,
    /// 营业执照号 — unique in the town.
    pub licence_number: Option<String>,
    /// 负责人 — the manager's name.
    pub manager_name: Option<String>,
    /// 负责人电话 — the manager's phone number.
    pub manager_phone: Option<String>,
    /// 备注 — investigative notes.
    pub notes: Option<String>,
}

/// 修改重点场所 — fields left out stay as they are; an empty text clears an optional one.
#[derive(InputObject)]
pub struct UpdateVenueInput {
    /// 编号 — the venue's global ID.
    pub id: ID,
    /// 版本号 — the `version` you read; a stale one is a `CONFLICT`.
    pub expected_version: i32,
    /// 场所名称 — the venue's name.
    pub name: Option<String>,
    /// 场所类型 — the type of venue.
    pub venue_type: Option<VenueType>,
    /// 场所地址 — the venue's address.
    pub address: Option<String>,
    /// 村（社区） — the village the venue is in.
    pub village_id: Option<ID>,
    /// 营业执照号 — the business licence number; unique in the town.
    pub licence_number: Option<String>,
    /// 负责人 — the manager's name.
    pub manager_name: Option<String>,
    /// 负责人电话 — the manager's phone number.
    pub manager_phone: Option<String>,
    /// 备注 — investigative notes.
    pub notes: Option<String>,
}

/// 记录检查 — record an inspection of a venue.
#[derive(InputObject)]
pub struct RecordInspectionInput {
    /// 重点场所 — the venue's global ID.
    pub venue_id: ID,
    /// 检查日期 — the date of the inspection.
    pub inspected_on: Date,
    /// 检查情况 — what the inspection found.
    pub findings: String,
    /// 约谈负责人 — whether the manager was talked to.
    pub manager_talked: bool,
    /// 检查民警 — the inspecting officer; defaults to the viewer.
    pub inspector_id: Option<ID>,
}

/// 记录场所警情 — record an incident at a venue (警情, 投诉 …).
#[derive(InputObject)]
pub struct RecordVenueIncidentInput {
    /// 重点场所 — the venue's global ID.
    pub venue_id: ID,
    /// 发生日期 — the date of the incident; not in the future.
    pub occurred_on: Date,
    /// 类型 — the kind of incident, in a word or two (警情, 投诉 …).
    pub kind: String,
    /// 摘要 — what happened.
    pub summary: String,
}

/// 记录场所处罚 — record an administrative penalty of a venue; it makes the venue SPECIAL.
#[derive(InputObject)]
pub struct RecordVenuePenaltyInput {
    /// 重点场所 — the venue's global ID.
    pub venue_id: ID,
    /// 处罚日期 — the date of the penalty decision; not in the future.
    pub penalised_on: Date,
    /// 处罚机关 — the body that imposed it.
    pub authority: String,
    /// 处罚内容 — the penalty imposed.
    pub penalty: String,
    /// 处罚决定书文号 — the number of the penalty decision.
    pub decision_number: Option<String>,
}

/// 场所升级 — raise a venue's attention level at once.
#[derive(InputObject)]
pub struct RaiseVenueAttentionInput {
    /// 重点场所 — the venue's global ID.
    pub venue_id: ID,
    /// 关注等级 — must be above the current level.
    pub level: AttentionLevel,
    /// 理由 — the reason, in a sentence or two.
    pub reason: String,
}

/// 场所申请降级 — ask the coordinator to step a venue down one level.
#[derive(InputObject)]
pub struct RequestVenueStepDownInput {
    /// 重点场所 — the venue's global ID.
    pub venue_id: ID,
    /// 理由 — why the venue may step down.
    pub reason: String,
}

/// 场所降级审批 — the coordinator's decision on a venue's step-down request.
#[derive(InputObject)]
pub struct DecideVenueStepDownInput {
    /// 等级变更 — the pending `STEP_DOWN` entry of the venue's `levelHistory`.
    pub level_change_id: ID,
    /// 审批 — approve or reject.
    pub decision: StepDownDecision,
    /// 审批意见 — the decision's comment.
    pub comment: Option<String>,
    /// 审批机关 — the body that approved (e.g. the district office); required to approve.
    pub approving_body: Option<String>,
    /// 批准文号 — its document number; required to approve.
    pub document_number: Option<String>,
}

/// 重点场所 — the venue after a step.
#[derive(SimpleObject)]
pub struct VenuePayload {
    /// 重点场所 — the venue as it stands after the step.
    pub venue: Option<Venue>,
}

#[derive(Default)]
pub struct VenueMutation;

#[Object]
impl VenueMutation {
    /// 新增重点场所 — lists a key venue (police). A licence number the town already holds is a `CONFLICT`
    /// (the police read every venue of the town, so this tells them nothing new).
    async fn create_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: CreateVenueInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<Venues>(viewer, "create").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        let new = NewVenue::validate(ctx, viewer, input).await?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let id = new.insert(&txn, viewer).await?;
        audit::record(&txn, ctx, viewer, write_entry("create_venue", id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, id).await? })
    }

    /// 修改重点场所 — changes a venue's particulars (police). Fails with `CONFLICT` when `expectedVersion` is
    /// stale, the licence number is taken, or the venue is delisted. Levels change through
    /// `raiseVenueAttention` and the step-down requests, never here.
    async fn update_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: UpdateVenueInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.id, "update").await?;
        let mut change = VenueChange::default();
        if let Some(name) = &input.name {
            change.name = Some(validate::text("input.name", name, 200)?);
        }
        change.venue_type = input.venue_type;
        if let Some(address) = &input.address {
            change.address = Some(validate::text("input.address", address, 500)?);
        }
        if let Some(village) = &input.village_id {
            change.village_id = Some(village_in_town(ctx, viewer, "input.villageId", village).await?);
        }
        if let Some(licence) = &input.licence_number {
            let licence = optional("input.licenceNumber", Some(licence), 100)?;
            if let Some(licence) = &licence {
                store::licence_free(&state.db, viewer, licence, Some(current.id)).await?;
            }
            change.licence_number = Some(licence);
        }
        if let Some(manager) = &input.manager_name {
            change.manager_name = Some(optional("input.managerName", Some(manager), 200)?);
        }
        if let Some(phone) = &input.manager_phone {
            change.manager_phone = Some(optional_phone("input.managerPhone", Some(phone))?);
        }
        if let Some(notes) = &input.notes {
            change.notes = Some(optional("input.notes", Some(notes), 4000)?);
        }
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::update(&txn, current.id, input.expected_version, change).await?;
        audit::record(&txn, ctx, viewer, write_entry("update_venue", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// 记录检查 — records an inspection (police).
    async fn record_inspection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordInspectionInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "record_inspection").await?;
        let inspected_on = validate::past_date("input.inspectedOn", input.inspected_on.0, lead_flow::today())?;
        let findings = validate::text("input.findings", &input.findings, 4000)?;
        let inspector_id = match &input.inspector_id {
            Some(id) => officer_in_town(ctx, viewer, "input.inspectorId", id).await?,
            None => viewer.user_id,
        };
        let inspection = NewInspection { inspected_on, inspector_id, findings, manager_talked: input.manager_talked };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::record_inspection(&txn, viewer, current.id, inspection).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_inspection", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// 记录场所警情 — records an incident at a venue (police). It ends the venue's clean months: no
    /// step down for six months after it.
    async fn record_venue_incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordVenueIncidentInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "record_incident").await?;
        let occurred_on = validate::past_date("input.occurredOn", input.occurred_on.0, lead_flow::today())?;
        let kind = validate::text("input.kind", &input.kind, 50)?;
        let summary = validate::text("input.summary", &input.summary, 2000)?;
        let incident = NewVenueIncident { occurred_on, kind, summary };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::record_incident(&txn, viewer, current.id, incident).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_venue_incident", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// 记录场所处罚 — records an administrative penalty of a venue (police) and makes the venue SPECIAL at
    /// once, with an `AUTO_ESCALATION` entry in its level history (seed 000 "被处罚的…列为特别关注场所").
    /// Like an incident, it ends the venue's clean months.
    async fn record_venue_penalty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordVenuePenaltyInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "record_penalty").await?;
        let penalised_on = validate::past_date("input.penalisedOn", input.penalised_on.0, lead_flow::today())?;
        let authority = validate::text("input.authority", &input.authority, 200)?;
        let penalty = validate::text("input.penalty", &input.penalty, 2000)?;
        let decision_number = optional("input.decisionNumber", input.decision_number.as_deref(), 100)?;
        let new = NewVenuePenalty { penalised_on, authority, penalty, decision_number };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::record_penalty(&txn, viewer, &current, new).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_venue_penalty", current.id)).await?;
        // SPECIAL moves the next inspection closer.
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// 场所升级 — raises a venue's attention level at once (police); the new level counts from today.
    async fn raise_venue_attention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RaiseVenueAttentionInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "raise_level").await?;
        if !levels::is_higher(input.level, current.attention_level) {
            return Err(ApiError::bad_input(
                "input.level",
                format!("Choose a level above {}.", levels::level_name(current.attention_level)),
                format!("请选择高于{}的级别。", levels::level_name_zh(current.attention_level)),
            )
            .into());
        }
        let reason = validate::text("input.reason", &input.reason, 2000)?;
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::raise(&txn, viewer, &current, input.level, reason).await?;
        audit::record(&txn, ctx, viewer, write_entry("raise_venue_attention", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// 场所申请降级 — asks the coordinator to step a venue down one level, or to delist a GENERAL venue
    /// (police). Refused with `CONFLICT` while a request is pending, or unless the venue has
    /// had no incident for 6 months and has held its level for 6 months.
    async fn request_venue_step_down(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RequestVenueStepDownInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = writable(ctx, &input.venue_id, "request_step_down").await?;
        let reason = validate::text("input.reason", &input.reason, 2000)?;
        if store::step_down_pending(&state.db, current.id).await? {
            return Err(ApiError::Conflict {
                message: "A step-down request for this venue is already waiting for a decision.".into(),
                message_zh: "该场所已有待审批的降级申请。".into(),
                allowed: vec![],
            }
            .into());
        }
        // The police request checks incidents only (domain.md "Key venues").
        let today = crate::domain::lead_flow::today();
        let last_incident = store::last_incident_on(&state.db, current.id).await?;
        if let Some((message, message_zh)) =
            levels::step_down_refusal(current.attention_level, current.level_since, last_incident, today)
        {
            return Err(ApiError::Conflict { message, message_zh, allowed: vec![] }.into());
        }
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::request_step_down(&txn, viewer, &current, reason).await?;
        audit::record(&txn, ctx, viewer, write_entry("request_venue_step_down", current.id)).await?;
        // The request raises the coordination office's review task with it.
        rules::commit(ctx.state(), txn, Trigger::Venue(current.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, current.id).await? })
    }

    /// 场所降级审批 — approves or rejects a pending step-down request (coordinator). Approval records the
    /// approving body and its document number, checks again that the venue is clean (no
    /// incident and no ordinary lead naming it for 6 months) and applies the step at once.
    /// A request already decided, or made by the viewer's own unit, is a `CONFLICT`; of two
    /// decisions at once exactly one wins.
    async fn decide_venue_step_down(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: DecideVenueStepDownInput,
    ) -> async_graphql::Result<VenuePayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let (request, venue) = step_down_request(ctx, &input.level_change_id).await?;
        check_decidable(viewer, &request)?;
        let approve = input.decision == StepDownDecision::Approve;
        let comment = optional("input.comment", input.comment.as_deref(), 2000)?;
        let (approving_body, document_number) = if approve {
            (
                Some(validate::text("input.approvingBody", input.approving_body.as_deref().unwrap_or(""), 200)?),
                Some(validate::text("input.documentNumber", input.document_number.as_deref().unwrap_or(""), 100)?),
            )
        } else {
            (
                optional("input.approvingBody", input.approving_body.as_deref(), 200)?,
                optional("input.documentNumber", input.document_number.as_deref(), 100)?,
            )
        };
        let today = crate::domain::lead_flow::today();
        if approve {
            check_still_applies(&request, &venue)?;
            if let Some((message, message_zh)) = approval_refusal(ctx, viewer, &venue, today).await? {
                return Err(ApiError::Conflict { message, message_zh, allowed: vec![] }.into());
            }
        }
        let decision = Decision { approve, comment, approving_body, document_number };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        store::decide_step_down(&txn, viewer, &request, &venue, decision, today).await?;
        audit::record(&txn, ctx, viewer, write_entry("decide_venue_step_down", venue.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Venue(venue.id)).await.map_err(ApiError::from)?;
        Ok(VenuePayload { venue: find(ctx, venue.id).await? })
    }
}

/// The current row of a venue the viewer may write with `action`: `NOT_FOUND` outside the read
/// scope (like a random id), `FORBIDDEN` when the action is not granted on it, `CONFLICT` when
/// the venue is delisted.
async fn writable(ctx: &Context<'_>, id: &ID, action: &str) -> Result<venue::Model, ApiError> {
    let id = ids::decode_as(id, Kind::Venue).ok_or(ApiError::NotFound)?;
    let current = fetch::for_action::<Venues>(ctx, id, action, "Venue").await?;
    if current.status == RecordStatus::Delisted {
        return Err(ApiError::Conflict {
            message: "This venue is delisted; its record is closed and read-only.".into(),
            message_zh: "该场所已撤管，档案只读。".into(),
            allowed: vec![],
        });
    }
    Ok(current)
}

/// A step-down request and its venue, for a decision: `NOT_FOUND` unless the viewer reads the
/// venue's level history (`record`), exactly as for a random id; `FORBIDDEN` unless it may
/// decide step-downs on the venue.
async fn step_down_request(ctx: &Context<'_>, id: &ID) -> Result<(venue_level_change::Model, venue::Model), ApiError> {
    let state = ctx.state();
    let id = ids::decode_as(id, Kind::LevelChange).ok_or(ApiError::NotFound)?;
    let request = store::step_down_request(&state.db, id).await?.ok_or(ApiError::NotFound)?;
    match find(ctx, request.venue_id).await? {
        Some(venue) if venue.groups.has("record") => {}
        Some(_) => {
            if let Some(log) = audit::read_log(ctx) {
                log.denied("Venue", request.venue_id);
            }
            return Err(ApiError::NotFound);
        }
        None => return Err(ApiError::NotFound),
    }
    let venue = fetch::for_action::<Venues>(ctx, request.venue_id, "decide_step_down", "Venue").await?;
    Ok((request, venue))
}

/// The state checks of a decision, after the access checks.
fn check_decidable(viewer: &Viewer, request: &venue_level_change::Model) -> Result<(), ApiError> {
    if request.kind != LevelChangeKind::StepDown {
        return Err(ApiError::Conflict {
            message: "This level change is not a step-down request.".into(),
            message_zh: "该记录不是降级申请。".into(),
            allowed: vec![],
        });
    }
    if request.status != LevelChangeStatus::Pending {
        return Err(store::already_decided());
    }
    if request.requested_by_unit_id == Some(viewer.unit_id) {
        return Err(ApiError::Conflict {
            message: "A unit may not decide its own step-down request.".into(),
            message_zh: "不能审批本单位提出的降级申请。".into(),
            allowed: vec![],
        });
    }
    Ok(())
}

/// `CONFLICT` when the venue's level is no longer the one the request was about (raised or
/// delisted since): such a request can only be rejected.
fn check_still_applies(request: &venue_level_change::Model, venue: &venue::Model) -> Result<(), ApiError> {
    if venue.status == RecordStatus::Delisted || request.from_level != Some(venue.attention_level) {
        return Err(ApiError::Conflict {
            message: "The venue's level changed since the request; it can only be rejected.".into(),
            message_zh: "申请提出后场所级别已变化，该申请只能驳回。".into(),
            allowed: vec!["REJECT".into()],
        });
    }
    Ok(())
}

/// Why the coordinator may not approve a step down now; `None` when the venue qualifies.
/// Incidents and the time at the level are checked as for the request, and their refusal says
/// which; then ordinary (never umbrella) leads naming the venue, whose refusal is generic so it
/// never names, dates or counts a lead.
async fn approval_refusal(
    ctx: &Context<'_>,
    viewer: &Viewer,
    venue: &venue::Model,
    today: NaiveDate,
) -> Result<Option<(String, String)>, ApiError> {
    let db = &ctx.state().db;
    let last_incident = store::last_incident_on(db, venue.id).await?;
    if let Some(refusal) = levels::step_down_refusal(venue.attention_level, venue.level_since, last_incident, today) {
        return Ok(Some(refusal));
    }
    let last_lead = store::last_ordinary_lead(db, viewer, venue.id).await?.map(crate::rules::local_day);
    if levels::step_down_refusal(venue.attention_level, venue.level_since, last_lead, today).is_some() {
        return Ok(Some((
            "The venue has not been clean for the last 6 months; a step down needs 6 clean months.".into(),
            "该场所近6个月内未保持平稳，降级须连续6个月平稳无事。".into(),
        )));
    }
    Ok(None)
}

impl NewVenue {
    /// A `createVenue` input, validated (the mutation and the ledger import share it).
    pub(crate) async fn validate(
        ctx: &Context<'_>,
        viewer: &Viewer,
        input: CreateVenueInput,
    ) -> Result<Self, ApiError> {
        let name = validate::text("input.name", &input.name, 200)?;
        let address = validate::text("input.address", &input.address, 500)?;
        let village_id = village_in_town(ctx, viewer, "input.villageId", &input.village_id).await?;
        let licence_number = optional("input.licenceNumber", input.licence_number.as_deref(), 100)?;
        let manager_name = optional("input.managerName", input.manager_name.as_deref(), 200)?;
        let manager_phone = optional_phone("input.managerPhone", input.manager_phone.as_deref())?;
        let notes = optional("input.notes", input.notes.as_deref(), 4000)?;
        if let Some(licence) = &licence_number {
            store::licence_free(&ctx.state().db, viewer, licence, None).await?;
        }
        Ok(Self {
            name,
            venue_type: input.venue_type,
            address,
            village_id,
            attention_level: input.attention_level,
            licence_number,
            manager_name,
            manager_phone,
            notes,
        })
    }
}

/// An optional text of at most `max` characters; blank is none.
fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    match value {
        Some(value) => {
            let value = validate::optional_text(field, value, max)?;
            Ok((!value.is_empty()).then_some(value))
        }
        None => Ok(None),
    }
}
