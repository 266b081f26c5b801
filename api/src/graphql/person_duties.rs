//! The duties of the person ledger (列管): raising and stepping down attention levels, the
//! coordinator's approval, 五清两稳 assessments, disciplinary measures, and the automatic
//! escalation after repeated incidents. The date rules live in `domain::levels`.

use crate::domain::lead_flow;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::Utc;
use entity::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus, MeasureKind, RecordStatus};
use entity::{person, person_assessment, person_measure};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::ContextExt;
use super::ids::{self, Kind};
use super::level::StepDownDecision;
use super::person::{PersonPayload, find, stale, writable, write_entry};
use super::scalars::Date;
use crate::access::resource::Persons;
use crate::access::store::Store;
use crate::access::stores::person::write::{self, Decision, NewLevelChange};
use crate::access::stores::person::{self as store};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::{levels, validate};
use crate::error::ApiError;
use crate::rules::{self, Trigger};

/// 升级关注 — raise a person's attention level at once.
#[derive(InputObject)]
pub struct RaiseAttentionInput {
    /// 重点人员 — the person's global ID.
    pub person_id: ID,
    /// 关注等级 — a level above the current one.
    pub level: AttentionLevel,
    /// 理由 — the reason, in a sentence or two.
    pub reason: String,
}

/// 申请降级 — ask the coordinator to step a person down one level.
#[derive(InputObject)]
pub struct RequestStepDownInput {
    /// 重点人员 — the person's global ID.
    pub person_id: ID,
    /// 理由 — why the person may step down.
    pub reason: String,
}

/// 降级审批 — the coordinator's decision on a person's step-down request.
#[derive(InputObject)]
pub struct DecideStepDownInput {
    /// 等级变更 — the pending request, from the person's `levelHistory`.
    pub level_change_id: ID,
    /// 审批 — approve or reject.
    pub decision: StepDownDecision,
    /// 审批意见 — the decision's comment.
    pub comment: Option<String>,
    /// 审批机关 — the approving body (e.g. the district's leading group); required to approve.
    pub approving_body: Option<String>,
    /// 批准文号 — its document number; required to approve.
    pub document_number: Option<String>,
}

/// 五清两稳评估 — record a five-clear, two-stable assessment of a person.
#[derive(InputObject)]
pub struct RecordAssessmentInput {
    /// 重点人员 — the person's global ID.
    pub person_id: ID,
    /// 评估日期 — the date of the assessment.
    pub assessed_on: Date,
    /// 思想清 — whether the person's thinking is clear to the officers.
    pub thought_clear: bool,
    /// 思想情况 — a note on the person's thinking.
    pub thought_note: Option<String>,
    /// 工作清 — whether the person's work is clear to the officers.
    pub employment_clear: bool,
    /// 工作情况 — a note on the person's work.
    pub employment_note: Option<String>,
    /// 家庭清 — whether the person's family situation is clear.
    pub family_clear: bool,
    /// 家庭情况 — a note on the family situation.
    pub family_note: Option<String>,
    /// 社会交往清 — whether the person's social contacts are clear.
    pub social_clear: bool,
    /// 社会交往情况 — a note on the social contacts.
    pub social_note: Option<String>,
    /// 去向清 — whether the person's whereabouts are clear.
    pub whereabouts_clear: bool,
    /// 去向情况 — a note on the whereabouts.
    pub whereabouts_note: Option<String>,
    /// 就业稳 — whether the person's employment is stable.
    pub employment_stable: bool,
    /// 思想稳 — whether the person's state of mind is stable.
    pub mind_stable: bool,
}

/// 记录惩戒 — record a disciplinary measure taken with a person.
#[derive(InputObject)]
pub struct RecordMeasureInput {
    /// 重点人员 — the person's global ID.
    pub person_id: ID,
    /// 惩戒措施 — the rung of the disciplinary ladder.
    pub kind: MeasureKind,
    /// 采取日期 — the date the measure was taken.
    pub taken_on: Date,
    /// 备注 — a note on the measure.
    pub note: String,
    /// 村公开栏公开 — the penalty as the village board is to show it (seed 000 "在村公开栏进行公开"):
    /// for an `ADMINISTRATIVE_PENALTY` only. The person's village then reads the person's name,
    /// this text and the date on its `boardPublications`, and nothing else of the dossier.
    pub board_text: Option<String>,
}

fn conflict(message: String, message_zh: String) -> ApiError {
    ApiError::Conflict { message, message_zh, allowed: vec![] }
}

#[derive(Default)]
pub struct PersonDutyMutation;

#[Object]
impl PersonDutyMutation {
    /// 升级关注 — raises a person's attention level at once (police).
    async fn raise_attention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RaiseAttentionInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let current = writable(ctx, &input.person_id, "raise_level").await?;
        if !levels::is_higher(input.level, current.attention_level) {
            return Err(ApiError::bad_input(
                "input.level",
                format!("The new level must be above {}.", levels::level_name(current.attention_level)),
                format!("新级别须高于{}。", levels::level_name_zh(current.attention_level)),
            )
            .into());
        }
        let reason = validate::text("input.reason", &input.reason, 1000)?;
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        set_level(&txn, &current, Some(input.level)).await?;
        insert_change(
            &txn,
            &current,
            LevelChangeKind::Raise,
            LevelChangeStatus::Applied,
            Some(input.level),
            reason,
            Some(viewer),
        )
        .await?;
        audit::record(&txn, ctx, viewer, write_entry("raise_attention", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        ctx.loaders()?.clear();
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// 申请降级 — asks the coordinator to step a person down one level (GENERAL: to delist). Refused while
    /// the person had an incident in the last 6 months or has held the level less than that.
    async fn request_step_down(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RequestStepDownInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let current = writable(ctx, &input.person_id, "request_step_down").await?;
        let reason = validate::text("input.reason", &input.reason, 1000)?;
        let state = ctx.state();
        if store::step_down_pending(&state.db, current.id).await? {
            return Err(conflict(
                "A step-down request for this person is already waiting for a decision.".into(),
                "该人员已有待审批的降级申请。".into(),
            )
            .into());
        }
        if let Some((en, zh)) = refusal(&state.db, &current).await? {
            return Err(conflict(en, zh).into());
        }
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        insert_change(
            &txn,
            &current,
            LevelChangeKind::StepDown,
            LevelChangeStatus::Pending,
            levels::step_down_target(current.attention_level),
            reason,
            Some(viewer),
        )
        .await?;
        write::touch(&txn, current.id).await?;
        audit::record(&txn, ctx, viewer, write_entry("request_step_down", current.id)).await?;
        // The request raises the coordination office's review task with it.
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        ctx.loaders()?.clear();
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// 降级审批 — approves or rejects a pending step-down request (coordinator). Approval re-checks the
    /// six-month rules and needs the approving body and its document number; of two decisions
    /// on the same request, exactly one wins.
    async fn decide_step_down(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: DecideStepDownInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let change_id = ids::decode_as(&input.level_change_id, Kind::LevelChange).ok_or(ApiError::NotFound)?;
        // The request is found only through a person the viewer may read.
        let store = Store::new(&state.access, viewer);
        let change = store::readable_level_change(&store, &state.db, change_id).await?.ok_or(ApiError::NotFound)?;
        let (current, _) = store.for_action::<Persons>(&state.db, change.person_id, "decide_step_down").await?;
        if change.kind != LevelChangeKind::StepDown || change.status != LevelChangeStatus::Pending {
            return Err(already_decided().into());
        }
        if change.requested_by_unit_id == Some(viewer.unit_id) {
            return Err(conflict(
                "A step-down request cannot be decided by the unit that made it.".into(),
                "降级申请不能由申请单位自行审批。".into(),
            )
            .into());
        }
        let comment = match &input.comment {
            Some(c) => Some(validate::optional_text("input.comment", c, 1000)?).filter(|c| !c.is_empty()),
            None => None,
        };
        let approve = input.decision == StepDownDecision::Approve;
        let (approving_body, document_number) = if approve {
            let body = validate::text("input.approvingBody", input.approving_body.as_deref().unwrap_or(""), 200)?;
            let number = validate::text("input.documentNumber", input.document_number.as_deref().unwrap_or(""), 100)?;
            (Some(body), Some(number))
        } else {
            (None, None)
        };
        if approve {
            if current.status != RecordStatus::Active || Some(current.attention_level) != change.from_level {
                return Err(conflict(
                    "The person's level changed since the request; it no longer applies.".into(),
                    "申请后人员级别已变化，申请不再适用。".into(),
                )
                .into());
            }
            if let Some((en, zh)) = refusal(&state.db, &current).await? {
                return Err(conflict(en, zh).into());
            }
        }
        let now = Utc::now();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        // The conditional update decides races: a request already decided matches no row.
        let decision = Decision {
            approve,
            user: viewer.user_id,
            unit: viewer.unit_id,
            comment,
            approving_body,
            document_number,
            at: now,
        };
        if !write::decide_change(&txn, change.id, decision).await? {
            return Err(already_decided().into());
        }
        if approve {
            set_level(&txn, &current, change.to_level).await?;
        } else {
            write::touch(&txn, current.id).await?;
        }
        audit::record(&txn, ctx, viewer, write_entry("decide_step_down", current.id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Person(current.id)).await.map_err(ApiError::from)?;
        ctx.loaders()?.clear();
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// Records a 五清两稳 assessment of a KEY or SPECIAL person (police; the judicial office for
    /// its persons).
    async fn record_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordAssessmentInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let current = writable(ctx, &input.person_id, "record_assessment").await?;
        if current.attention_level == AttentionLevel::General {
            return Err(conflict(
                "五清两稳 assessments are kept for KEY and SPECIAL persons only.".into(),
                "五清两稳评估只适用于重点关注和特别关注人员。".into(),
            )
            .into());
        }
        let assessed_on = validate::past_date("input.assessedOn", input.assessed_on.0, lead_flow::today())?;
        let note = |field: &str, value: &Option<String>| -> Result<String, ApiError> {
            Ok(validate::optional_text(field, value.as_deref().unwrap_or(""), 500)?)
        };
        let assessment = person_assessment::Model {
            id: Uuid::now_v7(),
            person_id: current.id,
            assessed_on,
            thought_clear: input.thought_clear,
            thought_note: note("input.thoughtNote", &input.thought_note)?,
            employment_clear: input.employment_clear,
            employment_note: note("input.employmentNote", &input.employment_note)?,
            family_clear: input.family_clear,
            family_note: note("input.familyNote", &input.family_note)?,
            social_clear: input.social_clear,
            social_note: note("input.socialNote", &input.social_note)?,
            whereabouts_clear: input.whereabouts_clear,
            whereabouts_note: note("input.whereaboutsNote", &input.whereabouts_note)?,
            employment_stable: input.employment_stable,
            mind_stable: input.mind_stable,
            recorded_by_user_id: viewer.user_id,
            created_at: Utc::now(),
        };
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        write::insert_assessment(&txn, assessment).await?;
        write::touch(&txn, current.id).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_assessment", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        ctx.loaders()?.clear();
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }

    /// 记录惩戒 — records a disciplinary measure (police).
    async fn record_measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordMeasureInput,
    ) -> async_graphql::Result<PersonPayload> {
        let viewer = ctx.viewer()?;
        let current = writable(ctx, &input.person_id, "record_measure").await?;
        let taken_on = validate::past_date("input.takenOn", input.taken_on.0, lead_flow::today())?;
        let note = validate::text("input.note", &input.note, 1000)?;
        let board_text = match input.board_text.as_deref() {
            Some(_) if input.kind != MeasureKind::AdministrativePenalty => {
                return Err(ApiError::bad_input(
                    "input.boardText",
                    "Only an administrative penalty is published on the village board.",
                    "只有行政处罚可在村公开栏公开。",
                )
                .into());
            }
            Some(text) => Some(validate::text("input.boardText", text, 500)?),
            None => None,
        };
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let measure = person_measure::Model {
            id: Uuid::now_v7(),
            person_id: current.id,
            kind: input.kind,
            taken_on,
            note,
            recorded_by_user_id: viewer.user_id,
            created_at: Utc::now(),
        };
        write::insert_measure(&txn, measure).await?;
        if let Some(text) = board_text {
            write::publish_on_board(&txn, viewer, current.id, text, taken_on).await?;
        }
        write::touch(&txn, current.id).await?;
        audit::record(&txn, ctx, viewer, write_entry("record_measure", current.id)).await?;
        txn.commit().await.map_err(ApiError::from)?;
        ctx.loaders()?.clear();
        Ok(PersonPayload { person: find(ctx, current.id).await? })
    }
}

fn already_decided() -> ApiError {
    conflict("This step-down request has already been decided.".into(), "该降级申请已审批。".into())
}

/// Why the six-month rules refuse stepping this person down today, if they do.
async fn refusal(db: &impl ConnectionTrait, current: &person::Model) -> Result<Option<(String, String)>, ApiError> {
    let last_incident = store::last_incident(db, current.id).await?;
    Ok(levels::step_down_refusal(
        current.attention_level,
        current.level_since,
        last_incident,
        crate::domain::lead_flow::today(),
    ))
}

/// Puts a person at `level` from today (`None`: delisted, the dossier closed); `CONFLICT` when
/// the person changed since `current` was read.
pub(super) async fn set_level(
    txn: &impl ConnectionTrait,
    current: &person::Model,
    level: Option<AttentionLevel>,
) -> Result<(), ApiError> {
    write::set_level(txn, current.id, current.version, level).await?.ok_or_else(stale)
}

/// Appends a level change; `by` is `None` for the system's own changes.
pub(super) async fn insert_change(
    txn: &impl ConnectionTrait,
    current: &person::Model,
    kind: LevelChangeKind,
    status: LevelChangeStatus,
    to_level: Option<AttentionLevel>,
    reason: String,
    by: Option<&Viewer>,
) -> Result<(), ApiError> {
    let change = NewLevelChange {
        person: current.id,
        kind,
        status,
        from_level: Some(current.attention_level),
        to_level,
        reason,
        by: by.map(|v| (v.user_id, v.unit_id)),
    };
    write::insert_change(txn, change).await
}
