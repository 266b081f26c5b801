//! The inputs of the lead ledger's writes.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{CountyAnswer, LeadCategory, LeadSource};

/// 线索登记 — a lead as received (收集登记).
#[derive(InputObject)]
pub struct RegisterLeadInput {
    /// 线索来源 — where the lead came from.
    pub source: LeadSource,
    /// 线索类别 — what the lead is about.
    pub category: LeadCategory,
    /// 摘要 — a short account of the lead.
    pub summary: String,
    /// 接收时间 — when the lead was received.
    pub received_at: DateTime<Utc>,
    /// An official shields the conduct (保护伞): the lead goes to the discipline commission.
    pub involves_official: Option<bool>,
    /// 线索内容 — the full text of the lead.
    pub content: Option<String>,
    /// 举报人 — leave empty for an anonymous report.
    pub reporter_name: Option<String>,
    /// 举报人联系方式 — how to reach the reporter; leave empty when anonymous.
    pub reporter_contact: Option<String>,
    /// 涉及人员 — key persons the lead is about (global IDs the viewer may see).
    pub subject_person_ids: Option<Vec<ID>>,
    /// 涉及人员姓名 — names of persons the lead is about who are not on the ledger.
    pub subject_names: Option<Vec<String>>,
    /// 涉及场所 — the venue the lead names, if any.
    pub venue_id: Option<ID>,
    /// 重大线索 — a major lead, reported within 2 hours (to the coordination office's, or for an
    /// umbrella lead the discipline commission's, task list at once). False by default.
    pub major: Option<bool>,
}

/// 线索步骤 — a lead and an optional note, for a step that needs nothing else.
#[derive(InputObject)]
pub struct LeadStepInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 备注 — an optional note for the step.
    pub note: Option<String>,
}

/// 线索决定 — escalate a reviewed lead to the county or handle it in the town.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LeadDecision {
    /// 上报县扫黑办 — escalate to the county coordination office.
    Escalated,
    /// 本级处置 — hand to the town's comprehensive-management office, to handle as a petition matter
    /// (交综治办按信访事项办理).
    LocalHandling,
}

/// 线索决定 — the coordinator's decision on a reviewed lead.
#[derive(InputObject)]
pub struct DecideLeadInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 决定 — escalate to the county or handle in the town.
    pub decision: LeadDecision,
    /// 备注 — a free-text note.
    pub note: Option<String>,
}

/// 县级答复 — record the county's answer to an escalated lead.
#[derive(InputObject)]
pub struct RecordCountyAnswerInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 县级答复 — taken over or declined.
    pub answer: CountyAnswer,
    /// 备注 — the county's answer as received.
    pub note: Option<String>,
}

/// 四定一包 — set who verifies a lead, with leader, person, measures and deadline.
#[derive(InputObject)]
pub struct AssignLeadInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 承办单位 — the unit that verifies (an umbrella lead: the discipline commission).
    pub assignee_unit_id: ID,
    /// 责任领导 — 四定一包: the responsible leader.
    pub responsible_leader: String,
    /// 责任人 — the responsible person.
    pub responsible_person: String,
    /// 措施 — 四定一包: the measures to take.
    pub measures: String,
    /// 办理期限 — 四定一包: the deadline for verification.
    pub deadline: DateTime<Utc>,
}

/// 办结结果 — how a lead ends: substantiated (查实) or unfounded (查否).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LeadOutcome {
    /// 查实 — substantiated, with the result.
    Substantiated,
    /// 查否 — unfounded, with the basis.
    Unfounded,
}

/// 线索办结 — conclude a lead as substantiated or unfounded, with the text that says why.
#[derive(InputObject)]
pub struct ConcludeLeadInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 办结结果 — substantiated (查实) or unfounded (查否).
    pub outcome: LeadOutcome,
    /// The result (查实) or the basis (查否); required.
    pub text: String,
}

/// 标记保护伞 — mark a lead as a protective-umbrella lead.
#[derive(InputObject)]
pub struct MarkLeadUmbrellaInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 理由 — why the lead shields gangs; kept in the lead's history.
    pub reason: String,
}

/// 标记重大线索 — mark a lead major: it is reported within 2 hours.
#[derive(InputObject)]
pub struct MarkLeadMajorInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 理由 — why the lead is major; kept in the lead's history.
    pub reason: String,
}

/// 取消保护伞标记 — return an umbrella lead to ordinary handling.
#[derive(InputObject)]
pub struct UnmarkLeadUmbrellaInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 理由 — why the lead is not an umbrella lead after all.
    pub reason: String,
    /// 线索类别 — required when the lead's category is PROTECTIVE_UMBRELLA.
    pub category: Option<LeadCategory>,
}

/// 双移交 — hand the gang-crime part of an umbrella lead to the police as a new lead.
#[derive(InputObject)]
pub struct HandOverGangPartInput {
    /// 线索 — the lead's global ID.
    pub lead_id: ID,
    /// 摘要 — a short account of the gang-crime part, as the discipline commission writes it.
    pub summary: String,
    /// 内容 — the full text the police receive; never the reporter.
    pub content: Option<String>,
    /// 涉及人员 — key persons the lead is about (global IDs the viewer may see).
    pub subject_person_ids: Option<Vec<ID>>,
    /// 承办派出所 — the police station that works it.
    pub assignee_unit_id: ID,
    /// 线索类别 — defaults to the umbrella lead's category; required when that is PROTECTIVE_UMBRELLA.
    pub category: Option<LeadCategory>,
}
