//! What persons and venues share about attention levels: the level history entry and the
//! coordinator's decision on a step-down request.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus};
use entity::{person_level_change, venue_level_change};

use super::ids::{self, Kind};

/// 降级审批 — the coordinator's answer to a step-down request.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum StepDownDecision {
    /// 批准 — approve the step-down.
    Approve,
    /// 驳回 — reject the step-down.
    Reject,
}

/// One change of attention level: a raise, a step-down request and its decision, an automatic
/// escalation, or the initial listing. `toLevel` null means delisted (撤管).
#[derive(SimpleObject, Clone)]
pub struct LevelChange {
    /// 编号 — the change's global ID.
    pub id: ID,
    /// 变更类型 — a raise, a step-down, an automatic escalation or the initial level.
    pub kind: LevelChangeKind,
    /// 审批状态 — pending, approved, rejected or applied at once.
    pub status: LevelChangeStatus,
    /// 原等级 — the level before the change; null for the initial listing.
    pub from_level: Option<AttentionLevel>,
    /// 新等级 — the level after the change; null means delisted (撤管).
    pub to_level: Option<AttentionLevel>,
    /// 理由 — why the level changes.
    pub reason: String,
    /// 申请单位 — null when the system made the change (automatic escalation).
    pub requested_by_unit_id: Option<ID>,
    /// 审批单位 — the unit that decided a step-down request.
    pub decided_by_unit_id: Option<ID>,
    /// 审批意见 — the decision's comment.
    pub decision_comment: Option<String>,
    /// 审批机关 — the body that approved (e.g. a district office), and its document number.
    pub approving_body: Option<String>,
    /// 批准文号 — the approving body's document number.
    pub document_number: Option<String>,
    /// 审批时间 — when the request was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// 申请时间 — when the change was requested or made.
    pub requested_at: DateTime<Utc>,
    /// 最后变更时间 — when the entry last changed (its decision); read with the entry.
    pub updated_at: DateTime<Utc>,
}

macro_rules! level_change_from {
    ($model:ty) => {
        impl From<$model> for LevelChange {
            fn from(m: $model) -> Self {
                Self {
                    id: ids::encode(Kind::LevelChange, m.id),
                    kind: m.kind,
                    status: m.status,
                    from_level: m.from_level,
                    to_level: m.to_level,
                    reason: m.reason,
                    requested_by_unit_id: m.requested_by_unit_id.map(|u| ids::encode(Kind::OrgUnit, u)),
                    decided_by_unit_id: m.decided_by_unit_id.map(|u| ids::encode(Kind::OrgUnit, u)),
                    decision_comment: m.decision_comment,
                    approving_body: m.approving_body,
                    document_number: m.document_number,
                    decided_at: m.decided_at,
                    requested_at: m.created_at,
                    updated_at: m.updated_at,
                }
            }
        }
    };
}
level_change_from!(person_level_change::Model);
level_change_from!(venue_level_change::Model);
