//! The writes of the lead ledger: registration (with the serial and the dual transfer of
//! umbrella leads), one mutation per lifecycle step, umbrella marking, and the hand-over of an
//! umbrella lead's gang-crime part to the police. Every write is one transaction with its event
//! and audit entry; no event, error or audit entry ever carries the reporter.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::Utc;
use entity::enums::{
    AuditCategory, AuditOutcome, CountyAnswer, LeadCategory, LeadEventKind, LeadSource, LeadStatus, Role, UnitKind,
};
use entity::lead;
use uuid::Uuid;

mod input;

use super::ContextExt;
use super::ids::{self, Kind};
use super::lead::{Lead, find};
use super::refs::unit_in_town;
use crate::access::resource::Leads;
use crate::access::store::Store;
use crate::access::stores::lead::{self as store, LeadChange};
use crate::audit;
use crate::auth::Viewer;
use crate::domain::lead_flow::{self, Step};
use crate::domain::validate;
use crate::error::ApiError;
use crate::rules::{self, Trigger};
pub use input::{
    AssignLeadInput, ConcludeLeadInput, DecideLeadInput, HandOverGangPartInput, LeadDecision, LeadOutcome,
    LeadStepInput, MarkLeadMajorInput, MarkLeadUmbrellaInput, RecordCountyAnswerInput, RegisterLeadInput,
    UnmarkLeadUmbrellaInput,
};

/// 线索 — the lead after a step.
#[derive(SimpleObject)]
pub struct LeadPayload {
    /// 线索 — the lead as it stands after the step.
    pub lead: Option<Lead>,
}

#[derive(Default)]
pub struct LeadMutation;

#[Object]
impl LeadMutation {
    /// 线索登记 — registers a lead received by the viewer's unit (any unit but admin). A lead involving an
    /// official, or of category PROTECTIVE_UMBRELLA, goes to the discipline commission at once.
    async fn register_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RegisterLeadInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        if state.access.rows::<Leads>(viewer, "register").is_none() {
            return Err(ApiError::Forbidden.into());
        }
        if viewer.role == Role::Village && input.source != LeadSource::Village {
            return Err(ApiError::bad_input(
                "input.source",
                "A village registers leads with source VILLAGE.",
                "村（社区）登记的线索来源应为村（社区）上报。",
            )
            .into());
        }
        let now = Utc::now();
        if input.received_at > now {
            return Err(
                ApiError::bad_input("input.receivedAt", "This time is in the future.", "时间不能晚于现在。").into()
            );
        }
        let summary = validate::text("input.summary", &input.summary, 500)?;
        let content =
            optional(validate::optional_text("input.content", input.content.as_deref().unwrap_or(""), 10_000)?);
        let reporter_name =
            optional(validate::optional_text("input.reporterName", input.reporter_name.as_deref().unwrap_or(""), 50)?);
        let reporter_contact = optional(validate::optional_text(
            "input.reporterContact",
            input.reporter_contact.as_deref().unwrap_or(""),
            100,
        )?);
        let persons =
            subject_persons(ctx, viewer, "input.subjectPersonIds", input.subject_person_ids.unwrap_or_default())
                .await?;
        let names = subject_names(input.subject_names.unwrap_or_default())?;
        let venue = match &input.venue_id {
            Some(id) => Some(venue_in_scope(ctx, viewer, id).await?),
            None => None,
        };
        let involves_official = input.involves_official.unwrap_or(false);
        let umbrella = involves_official || input.category == LeadCategory::ProtectiveUmbrella;
        // The coordination office's own leads need no transfer; umbrella leads go straight to
        // the discipline commission instead.
        let status = if viewer.unit_kind == UnitKind::CoordinationOffice && !umbrella {
            LeadStatus::Transferred
        } else {
            LeadStatus::Registered
        };
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let (year, number) = store::next_serial(&txn, viewer.town_id, now).await?;
        let id = Uuid::now_v7();
        let new = lead::Model {
            id: (id),
            town_id: (viewer.town_id),
            serial: (lead_flow::serial(year, number)),
            serial_year: (year),
            serial_number: (number),
            received_at: (input.received_at),
            source: (input.source),
            receiving_unit_id: (viewer.unit_id),
            reporter_name: (reporter_name),
            reporter_contact: (reporter_contact),
            category: (input.category),
            involves_official: (involves_official),
            umbrella: (umbrella),
            summary: (summary),
            content: (content),
            venue_id: (venue),
            status: (status),
            assignee_unit_id: (None),
            responsible_leader: (None),
            responsible_person: (None),
            measures: (None),
            deadline: (None),
            transfer_due_at: ((status == LeadStatus::Registered && !umbrella)
                .then(|| lead_flow::end_of_local_day(now))),
            review_due_at: ((status == LeadStatus::Transferred).then(|| lead_flow::review_due(now))),
            county_answer: (None),
            conclusion: (None),
            concluded_at: (None),
            handed_over_from_lead_id: (None),
            version: (1),
            created_at: (now),
            updated_at: (now),
        };
        store::insert(&txn, new, &persons, &names, input.major.unwrap_or(false)).await?;
        store::event(&txn, id, LeadEventKind::Registered, Some(viewer), None, Some(LeadStatus::Registered), None)
            .await?;
        if status == LeadStatus::Transferred {
            let note = Some("登记即移交（扫黑办登记）".to_owned());
            store::event(
                &txn,
                id,
                LeadEventKind::Transferred,
                Some(viewer),
                Some(LeadStatus::Registered),
                Some(status),
                note,
            )
            .await?;
        }
        if umbrella {
            let note = Some("双移交：交纪委办理".to_owned());
            store::event(&txn, id, LeadEventKind::MarkedUmbrella, Some(viewer), None, None, note).await?;
        }
        audit::record(&txn, ctx, viewer, entry("register_lead", id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Lead(id)).await.map_err(ApiError::from)?;
        payload(ctx, id).await
    }

    /// 线索移交 — transfers a lead to the coordination office (the receiving unit; due the same day).
    async fn transfer_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: LeadStepInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.lead_id, Step::Transfer).await?;
        let note = note("input.note", input.note)?;
        let now = Utc::now();
        let change = LeadChange {
            status: Some(LeadStatus::Transferred),
            review_due_at: Some(Some(lead_flow::review_due(now))),
            ..Default::default()
        };
        write_step(ctx, viewer, &current, change, LeadEventKind::Transferred, note, "transfer_lead").await
    }

    /// Puts a transferred lead before the leading group (呈阅; due 24 h after transfer).
    async fn start_lead_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: LeadStepInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.lead_id, Step::StartReview).await?;
        let note = note("input.note", input.note)?;
        let change = LeadChange { status: Some(LeadStatus::UnderReview), ..Default::default() };
        write_step(ctx, viewer, &current, change, LeadEventKind::ReviewStarted, note, "start_lead_review").await
    }

    /// 线索决定 — escalates a reviewed lead to the county, or hands it to local handling.
    async fn decide_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: DecideLeadInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.lead_id, Step::Decide).await?;
        let note = note("input.note", input.note)?;
        let status = match input.decision {
            LeadDecision::Escalated => LeadStatus::Escalated,
            LeadDecision::LocalHandling => LeadStatus::LocalHandling,
        };
        let change = LeadChange { status: Some(status), ..Default::default() };
        write_step(ctx, viewer, &current, change, LeadEventKind::Decided, note, "decide_lead").await
    }

    /// 记录县级答复 — records the county's answer to an escalated lead: taken over (the coordinator concludes
    /// it with the county's result later) or declined (local handling).
    async fn record_county_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RecordCountyAnswerInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.lead_id, Step::RecordCountyAnswer).await?;
        let note = note("input.note", input.note)?;
        let change = LeadChange {
            county_answer: Some(Some(input.answer)),
            status: (input.answer == CountyAnswer::Declined).then_some(LeadStatus::LocalHandling),
            ..Default::default()
        };
        write_step(ctx, viewer, &current, change, LeadEventKind::CountyAnswered, note, "record_county_answer").await
    }

    /// Sets 四定一包 (leader, person, measures, deadline) and the assignee unit: verification starts.
    async fn assign_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: AssignLeadInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.lead_id, Step::Assign).await?;
        let unit = unit_in_town(ctx, viewer, "input.assigneeUnitId", &input.assignee_unit_id).await?;
        if current.umbrella && unit.kind != UnitKind::DisciplineCommission {
            return Err(ApiError::bad_input(
                "input.assigneeUnitId",
                "An umbrella lead is verified by the discipline commission.",
                "保护伞线索由纪委核查。",
            )
            .into());
        }
        if input.deadline <= Utc::now() {
            return Err(ApiError::bad_input(
                "input.deadline",
                "The deadline must be in the future.",
                "期限须晚于现在。",
            )
            .into());
        }
        let change = LeadChange {
            status: Some(LeadStatus::Verifying),
            assignee_unit_id: Some(Some(unit.id)),
            responsible_leader: Some(Some(validate::text("input.responsibleLeader", &input.responsible_leader, 50)?)),
            responsible_person: Some(Some(validate::text("input.responsiblePerson", &input.responsible_person, 50)?)),
            measures: Some(Some(validate::text("input.measures", &input.measures, 2000)?)),
            deadline: Some(Some(input.deadline)),
            ..Default::default()
        };
        let note = Some(format!("四定一包：{}", unit.name));
        write_step(ctx, viewer, &current, change, LeadEventKind::Assigned, note, "assign_lead").await
    }

    /// 线索办结 — concludes a lead as substantiated (with the result) or unfounded (with the basis).
    async fn conclude_lead(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: ConcludeLeadInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_step(ctx, &input.lead_id, Step::Conclude).await?;
        let text = validate::text("input.text", &input.text, 5000)?;
        let status = match input.outcome {
            LeadOutcome::Substantiated => LeadStatus::Substantiated,
            LeadOutcome::Unfounded => LeadStatus::Unfounded,
        };
        let change = LeadChange {
            status: Some(status),
            conclusion: Some(Some(text)),
            concluded_at: Some(Some(Utc::now())),
            ..Default::default()
        };
        write_step(ctx, viewer, &current, change, LeadEventKind::Concluded, None, "conclude_lead").await
    }

    /// 标记保护伞 — marks a lead as a protective-umbrella lead: from now on only the discipline commission
    /// reads its content, handling and reporter (any viewer who reads its submission may).
    async fn mark_lead_umbrella(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: MarkLeadUmbrellaInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_action(ctx, &input.lead_id, "mark_umbrella").await?;
        let reason = validate::text("input.reason", &input.reason, 1000)?;
        let change = LeadChange { umbrella: Some(true), ..Default::default() };
        write_step(ctx, viewer, &current, change, LeadEventKind::MarkedUmbrella, Some(reason), "mark_lead_umbrella")
            .await
    }

    /// 标记重大线索 — marks a lead major (seed 001 "对于重大线索重大案件,要第一时间上报"): its handling unit
    /// (the coordination office, the discipline commission for an umbrella lead) gets a task to
    /// report it, due in 2 hours. Open to whoever reads the lead's submission. Marking a major
    /// lead again changes nothing and answers the same.
    async fn mark_lead_major(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: MarkLeadMajorInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_action(ctx, &input.lead_id, "mark_major").await?;
        let reason = validate::text("input.reason", &input.reason, 1000)?;
        let state = ctx.state();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        // Whether it is major already is `handling`, which the marker may not read: the answer is
        // the same either way, and only the first marking writes.
        if !store::major(&txn, current.id).await? {
            let change = LeadChange { major: Some(true), ..Default::default() };
            store::step(&txn, &current, change, LeadEventKind::MarkedMajor, viewer, Some(reason)).await?;
        }
        audit::record(&txn, ctx, viewer, entry("mark_lead_major", current.id)).await?;
        rules::commit(state, txn, Trigger::Lead(current.id)).await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }

    /// 取消保护伞标记 — returns an umbrella lead to ordinary handling (discipline commission only).
    async fn unmark_lead_umbrella(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: UnmarkLeadUmbrellaInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let current = for_action(ctx, &input.lead_id, "unmark_umbrella").await?;
        let reason = validate::text("input.reason", &input.reason, 1000)?;
        let category = match input.category {
            Some(LeadCategory::ProtectiveUmbrella) | None if current.category == LeadCategory::ProtectiveUmbrella => {
                return Err(ApiError::bad_input(
                    "input.category",
                    "Give the lead an ordinary category to unmark it.",
                    "取消保护伞标记须改为普通类别。",
                )
                .into());
            }
            Some(LeadCategory::ProtectiveUmbrella) => {
                return Err(ApiError::bad_input(
                    "input.category",
                    "Give the lead an ordinary category to unmark it.",
                    "取消保护伞标记须改为普通类别。",
                )
                .into());
            }
            Some(c) => c,
            None => current.category,
        };
        if lead_flow::is_concluded(current.status) {
            return Err(ApiError::Conflict {
                message: "A concluded umbrella lead stays with the discipline commission.".into(),
                message_zh: "已办结的保护伞线索不能取消标记。".into(),
                allowed: vec![],
            }
            .into());
        }
        let change = LeadChange {
            umbrella: Some(false),
            involves_official: Some(false),
            category: Some(category),
            // What was handled while the lead was umbrella stays the discipline commission's:
            // the lead returns to the coordination office's review as if just transferred,
            // carrying none of that handling (assignee, 四定一包, deadline, county answer).
            status: Some(LeadStatus::Transferred),
            transfer_due_at: Some(None),
            review_due_at: Some(Some(lead_flow::review_due(Utc::now()))),
            assignee_unit_id: Some(None),
            responsible_leader: Some(None),
            responsible_person: Some(None),
            measures: Some(None),
            deadline: Some(None),
            county_answer: Some(None),
            ..Default::default()
        };
        write_step(ctx, viewer, &current, change, LeadEventKind::UnmarkedUmbrella, Some(reason), "unmark_lead_umbrella")
            .await
    }

    /// 双移交 — hands the gang-crime part of an umbrella lead to the police as a new ordinary lead (its
    /// own serial, the discipline commission's text, never the reporter). Only the discipline
    /// commission sees the link. Answers with the umbrella lead.
    async fn hand_over_gang_part(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: HandOverGangPartInput,
    ) -> async_graphql::Result<LeadPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let current = for_action(ctx, &input.lead_id, "hand_over_gang_part").await?;
        let summary = validate::text("input.summary", &input.summary, 500)?;
        let content =
            optional(validate::optional_text("input.content", input.content.as_deref().unwrap_or(""), 10_000)?);
        let unit = unit_in_town(ctx, viewer, "input.assigneeUnitId", &input.assignee_unit_id).await?;
        if unit.kind != UnitKind::PoliceStation {
            return Err(ApiError::bad_input(
                "input.assigneeUnitId",
                "The gang-crime part goes to a police station.",
                "涉黑部分应移交派出所。",
            )
            .into());
        }
        let category = match input.category.unwrap_or(current.category) {
            LeadCategory::ProtectiveUmbrella => {
                return Err(ApiError::bad_input(
                    "input.category",
                    "Give the handed-over lead an ordinary category.",
                    "移交的线索须为普通类别。",
                )
                .into());
            }
            c => c,
        };
        let persons =
            subject_persons(ctx, viewer, "input.subjectPersonIds", input.subject_person_ids.unwrap_or_default())
                .await?;
        let now = Utc::now();
        let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
        let (year, number) = store::next_serial(&txn, viewer.town_id, now).await?;
        let id = Uuid::now_v7();
        let new = lead::Model {
            id: (id),
            town_id: (viewer.town_id),
            serial: (lead_flow::serial(year, number)),
            serial_year: (year),
            serial_number: (number),
            received_at: (now),
            source: (LeadSource::Discipline),
            receiving_unit_id: (viewer.unit_id),
            reporter_name: (None),
            reporter_contact: (None),
            category: (category),
            involves_official: (false),
            umbrella: (false),
            summary: (summary),
            content: (content),
            venue_id: (None),
            status: (LeadStatus::Transferred),
            assignee_unit_id: (Some(unit.id)),
            responsible_leader: (None),
            responsible_person: (None),
            measures: (None),
            deadline: (None),
            transfer_due_at: (None),
            review_due_at: (Some(lead_flow::review_due(now))),
            county_answer: (None),
            conclusion: (None),
            concluded_at: (None),
            handed_over_from_lead_id: (Some(current.id)),
            version: (1),
            created_at: (now),
            updated_at: (now),
        };
        store::insert(&txn, new, &persons, &[], false).await?;
        // The new lead's own history says only that the discipline commission handed it over.
        let handed = Some("纪委移交涉黑部分".to_owned());
        store::event(&txn, id, LeadEventKind::Registered, Some(viewer), None, Some(LeadStatus::Registered), None)
            .await?;
        store::event(
            &txn,
            id,
            LeadEventKind::Transferred,
            Some(viewer),
            Some(LeadStatus::Registered),
            Some(LeadStatus::Transferred),
            handed,
        )
        .await?;
        let note = Some(format!("涉黑部分移交{}：{}", unit.name, lead_flow::serial(year, number)));
        store::event(&txn, current.id, LeadEventKind::GangPartHandedOver, Some(viewer), None, None, note).await?;
        store::bump(&txn, &current, viewer).await?;
        audit::record(&txn, ctx, viewer, entry("hand_over_gang_part", current.id)).await?;
        audit::record(&txn, ctx, viewer, entry("register_lead", id)).await?;
        rules::commit(ctx.state(), txn, Trigger::Lead(id)).await.map_err(ApiError::from)?;
        payload(ctx, current.id).await
    }
}

fn entry(action: &'static str, id: Uuid) -> audit::Entry<'static> {
    audit::Entry {
        action,
        object_type: "Lead",
        object_id: Some(id),
        field_groups: &[],
        outcome: AuditOutcome::Allowed,
        category: AuditCategory::Case,
    }
}

fn optional(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

fn note(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    Ok(optional(validate::optional_text(field, value.as_deref().unwrap_or(""), 1000)?))
}

async fn payload(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<LeadPayload> {
    ctx.loaders()?.clear();
    Ok(LeadPayload { lead: find(ctx, id).await? })
}

/// The current row of a lead the viewer may `action`: `NOT_FOUND` outside the read scope,
/// `FORBIDDEN` when the action is not granted on it.
async fn for_action(ctx: &Context<'_>, id: &ID, action: &str) -> Result<lead::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let state = ctx.state();
    let id = ids::decode_as(id, Kind::Lead).ok_or(ApiError::NotFound)?;
    let store = Store::new(&state.access, viewer);
    match store.for_action::<Leads>(&state.db, id, action).await {
        Ok((model, _)) => Ok(model),
        Err(ApiError::NotFound) => {
            // A real lead outside the read scope is noted as a denied attempt (rule 6).
            if let Some(log) = audit::read_log(ctx)
                && store.hidden::<Leads>(&state.db, id).await?
            {
                log.denied("Lead", id);
            }
            Err(ApiError::NotFound)
        }
        Err(e) => Err(e),
    }
}

/// [`for_action`] for a lifecycle step, then the state: a wrong step is `CONFLICT`, naming the
/// allowed next steps only to a viewer who reads the lead's handling.
async fn for_step(ctx: &Context<'_>, id: &ID, step: Step) -> Result<lead::Model, ApiError> {
    let viewer = ctx.viewer()?;
    let current = for_action(ctx, id, step.action()).await?;
    let allowed = lead_flow::next_steps(current.umbrella, current.status, current.county_answer);
    if allowed.contains(&step) {
        return Ok(current);
    }
    let reads_handling = ctx.state().access.groups::<Leads>(viewer).on(viewer, &current).has("handling");
    Err(if reads_handling {
        let names: Vec<String> = allowed.iter().map(|s| s.mutation().to_owned()).collect();
        let list = if names.is_empty() { "none: the lead is concluded".to_owned() } else { names.join(", ") };
        ApiError::Conflict {
            message: format!("{} is not possible now; allowed next steps: {list}.", step.mutation()),
            message_zh: format!("当前不能执行{}；可执行的下一步：{list}。", step.mutation()),
            allowed: names,
        }
    } else {
        ApiError::Conflict {
            message: "This step is not possible now.".into(),
            message_zh: "当前不能执行此操作。".into(),
            allowed: vec![],
        }
    })
}

/// Writes a step: the row (only if nobody changed it meanwhile), its event and audit entry.
async fn write_step(
    ctx: &Context<'_>,
    viewer: &Viewer,
    current: &lead::Model,
    change: LeadChange,
    kind: LeadEventKind,
    note: Option<String>,
    action: &'static str,
) -> async_graphql::Result<LeadPayload> {
    let state = ctx.state();
    let (txn, _turn) = crate::db::write(&state.db).await.map_err(ApiError::from)?;
    store::step(&txn, current, change, kind, viewer, note).await?;
    audit::record(&txn, ctx, viewer, entry(action, current.id)).await?;
    rules::commit(ctx.state(), txn, Trigger::Lead(current.id)).await.map_err(ApiError::from)?;
    payload(ctx, current.id).await
}

/// Subject persons the viewer may see; any other id (hidden or unknown) is the same bad input.
async fn subject_persons(
    ctx: &Context<'_>,
    viewer: &Viewer,
    field: &str,
    ids_in: Vec<ID>,
) -> Result<Vec<Uuid>, ApiError> {
    if ids_in.is_empty() {
        return Ok(Vec::new());
    }
    if ids_in.len() > MAX_SUBJECTS {
        return Err(too_many_subjects(field));
    }
    let bad = || ApiError::bad_input(field, "No such person in your view.", "没有这名人员。");
    let wanted: Vec<Uuid> =
        ids_in.iter().map(|id| ids::decode_as(id, Kind::Person).ok_or_else(bad)).collect::<Result<_, _>>()?;
    let state = ctx.state();
    let store = Store::new(&state.access, viewer);
    let Some(found) = store::visible_persons(&store, &state.db, &wanted).await? else { return Err(bad()) };
    if found.len() != wanted.iter().collect::<std::collections::BTreeSet<_>>().len() {
        return Err(bad());
    }
    Ok(found)
}

/// Most subjects (named or chosen) one lead holds: a lead is about a few people, and a list
/// must stay well inside SQLite's bound-variable limit.
const MAX_SUBJECTS: usize = 50;

fn too_many_subjects(field: &str) -> ApiError {
    ApiError::bad_input(
        field,
        format!("A lead names at most {MAX_SUBJECTS} subjects."),
        format!("一条线索最多涉及 {MAX_SUBJECTS} 名对象。"),
    )
}

fn subject_names(names: Vec<String>) -> Result<Vec<String>, ApiError> {
    if names.len() > MAX_SUBJECTS {
        return Err(too_many_subjects("input.subjectNames"));
    }
    let names = names.iter().enumerate().map(|(i, n)| validate::text(&format!("input.subjectNames.{i}"), n, 50));
    Ok(names.collect::<Result<_, _>>()?)
}

async fn venue_in_scope(ctx: &Context<'_>, viewer: &Viewer, id: &ID) -> Result<Uuid, ApiError> {
    let bad = || ApiError::bad_input("input.venueId", "No such venue in your view.", "没有这个场所。");
    let venue = ids::decode_as(id, Kind::Venue).ok_or_else(bad)?;
    let state = ctx.state();
    store::visible_venue(&Store::new(&state.access, viewer), &state.db, venue).await?.ok_or_else(bad)
}
