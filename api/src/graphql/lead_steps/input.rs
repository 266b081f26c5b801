//! The inputs of the lead ledger's writes.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};
use entity::enums::{CountyAnswer, LeadCategory, LeadSource};

#[derive(InputObject)]
pub struct RegisterLeadInput {
    pub source: LeadSource,
    pub category: LeadCategory,
    pub summary: String,
    pub received_at: DateTime<Utc>,
    /// An official shields the conduct (保护伞): the lead goes to the discipline commission.
    pub involves_official: Option<bool>,
    pub content: Option<String>,
    /// Leave empty for an anonymous report.
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    pub subject_person_ids: Option<Vec<ID>>,
    pub subject_names: Option<Vec<String>>,
    pub venue_id: Option<ID>,
}

#[derive(InputObject)]
pub struct LeadStepInput {
    pub lead_id: ID,
    pub note: Option<String>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LeadDecision {
    /// 上报县扫黑办.
    Escalated,
    /// 交综治办按信访事项办理.
    LocalHandling,
}

#[derive(InputObject)]
pub struct DecideLeadInput {
    pub lead_id: ID,
    pub decision: LeadDecision,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RecordCountyAnswerInput {
    pub lead_id: ID,
    pub answer: CountyAnswer,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct AssignLeadInput {
    pub lead_id: ID,
    /// The unit that verifies (an umbrella lead: the discipline commission).
    pub assignee_unit_id: ID,
    pub responsible_leader: String,
    pub responsible_person: String,
    pub measures: String,
    pub deadline: DateTime<Utc>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LeadOutcome {
    /// 查实.
    Substantiated,
    /// 查否.
    Unfounded,
}

#[derive(InputObject)]
pub struct ConcludeLeadInput {
    pub lead_id: ID,
    pub outcome: LeadOutcome,
    /// The result (查实) or the basis (查否); required.
    pub text: String,
}

#[derive(InputObject)]
pub struct MarkLeadUmbrellaInput {
    pub lead_id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct UnmarkLeadUmbrellaInput {
    pub lead_id: ID,
    pub reason: String,
    /// Required when the lead's category is PROTECTIVE_UMBRELLA.
    pub category: Option<LeadCategory>,
}

#[derive(InputObject)]
pub struct HandOverGangPartInput {
    pub lead_id: ID,
    pub summary: String,
    pub content: Option<String>,
    pub subject_person_ids: Option<Vec<ID>>,
    /// The police station that works it.
    pub assignee_unit_id: ID,
    /// Defaults to the umbrella lead's category; required when that is PROTECTIVE_UMBRELLA.
    pub category: Option<LeadCategory>,
}
