//! What persons and venues share about attention levels: the level history entry and the
//! coordinator's decision on a step-down request.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AttentionLevel, LevelChangeKind, LevelChangeStatus};
use entity::{person_level_change, venue_level_change};

use super::ids::{self, Kind};

/// The coordinator's answer to a step-down request.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum StepDownDecision {
    Approve,
    Reject,
}

/// One change of attention level: a raise, a step-down request and its decision, an automatic
/// escalation, or the initial listing. `toLevel` null means delisted (撤管).
#[derive(SimpleObject, Clone)]
pub struct LevelChange {
    pub id: ID,
    pub kind: LevelChangeKind,
    pub status: LevelChangeStatus,
    pub from_level: Option<AttentionLevel>,
    pub to_level: Option<AttentionLevel>,
    pub reason: String,
    /// Null when the system made the change (automatic escalation).
    pub requested_by_unit_id: Option<ID>,
    pub decided_by_unit_id: Option<ID>,
    pub decision_comment: Option<String>,
    /// The body that approved (e.g. a district office), and its document number.
    pub approving_body: Option<String>,
    pub document_number: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
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
