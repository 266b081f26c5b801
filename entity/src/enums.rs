//! Every enumerated value the ledger stores.
//!
//! Each enum is stored as its SCREAMING_CASE name in a `VARCHAR(40)` column (never a database
//! enum type, so adding a value needs no `ALTER TYPE`), serialises to the same name with serde, and,
//! with the `graphql` feature, is a GraphQL enum whose values are again the same names. The string
//! values are part of the stored data: never rename one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The role a user holds; named after the kind of its org unit, plus `ADMIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "COORDINATOR")]
    Coordinator,
    #[sea_orm(string_value = "DISCIPLINE")]
    Discipline,
    #[sea_orm(string_value = "POLICE")]
    Police,
    #[sea_orm(string_value = "JUDICIAL")]
    Judicial,
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// The kind of an org unit inside a town.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnitKind {
    #[sea_orm(string_value = "COORDINATION_OFFICE")]
    CoordinationOffice,
    #[sea_orm(string_value = "DISCIPLINE_COMMISSION")]
    DisciplineCommission,
    #[sea_orm(string_value = "POLICE_STATION")]
    PoliceStation,
    #[sea_orm(string_value = "JUDICIAL_OFFICE")]
    JudicialOffice,
    #[sea_orm(string_value = "VILLAGE")]
    Village,
}

/// A person's gender, as derived from or checked against the national ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Gender {
    #[sea_orm(string_value = "MALE")]
    Male,
    #[sea_orm(string_value = "FEMALE")]
    Female,
}

/// Why a person is on the key-person ledger (seed 000, items 1–18). Criminal conduct only: no category
/// may describe opinion, religion, profession, petitioning or speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PersonCategory {
    #[sea_orm(string_value = "PRIOR_GANG_CRIME")]
    PriorGangCrime,
    #[sea_orm(string_value = "PRIOR_VIOLENCE")]
    PriorViolence,
    #[sea_orm(string_value = "VICE")]
    Vice,
    #[sea_orm(string_value = "GROUP_CRIME")]
    GroupCrime,
    #[sea_orm(string_value = "USURY_SOFT_VIOLENCE")]
    UsurySoftViolence,
    #[sea_orm(string_value = "GRASSROOTS_POWER_ABUSE")]
    GrassrootsPowerAbuse,
    #[sea_orm(string_value = "LOCAL_TYRANT")]
    LocalTyrant,
    #[sea_orm(string_value = "CADRE_CRIME")]
    CadreCrime,
    #[sea_orm(string_value = "MARKET_BULLYING")]
    MarketBullying,
    #[sea_orm(string_value = "SECTOR_MONOPOLY")]
    SectorMonopoly,
    #[sea_orm(string_value = "DEMOLITION_INTIMIDATION")]
    DemolitionIntimidation,
    #[sea_orm(string_value = "ONLINE_EXTORTION")]
    OnlineExtortion,
    #[sea_orm(string_value = "CONTROLLED_WEAPONS")]
    ControlledWeapons,
    #[sea_orm(string_value = "CAMPUS_DISTURBANCE")]
    CampusDisturbance,
    #[sea_orm(string_value = "SCHOOL_BULLYING")]
    SchoolBullying,
    #[sea_orm(string_value = "REPEATED_MINOR_OFFENCES")]
    RepeatedMinorOffences,
    #[sea_orm(string_value = "PROVOCATION")]
    Provocation,
    #[sea_orm(string_value = "OTHER_REPORTED")]
    OtherReported,
}

/// A tag the judicial office puts on a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JudicialTag {
    #[sea_orm(string_value = "RELEASED_PRISONER")]
    ReleasedPrisoner,
    #[sea_orm(string_value = "COMMUNITY_CORRECTION")]
    CommunityCorrection,
}

/// Attention level of a key person or key venue; it sets the talk and inspection intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttentionLevel {
    #[sea_orm(string_value = "GENERAL")]
    General,
    #[sea_orm(string_value = "KEY")]
    Key,
    #[sea_orm(string_value = "SPECIAL")]
    Special,
}

/// Whether a person or venue is on the ledger; a delisted record is kept, closed and read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "DELISTED")]
    Delisted,
}

/// Kind of a talk with a person (训诫 / 教育谈话).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TalkKind {
    #[sea_orm(string_value = "ADMONITION")]
    Admonition,
    #[sea_orm(string_value = "EDUCATION")]
    Education,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// A rung of the disciplinary ladder (教育惩戒), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeasureKind {
    #[sea_orm(string_value = "ADMONITION_TALK")]
    AdmonitionTalk,
    #[sea_orm(string_value = "CLOSE_CONTROL")]
    CloseControl,
    #[sea_orm(string_value = "ADMINISTRATIVE_PENALTY")]
    AdministrativePenalty,
    #[sea_orm(string_value = "CRIMINAL_PROSECUTION")]
    CriminalProsecution,
}

/// Why a person's or venue's attention level changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LevelChangeKind {
    #[sea_orm(string_value = "RAISE")]
    Raise,
    #[sea_orm(string_value = "STEP_DOWN")]
    StepDown,
    #[sea_orm(string_value = "AUTO_ESCALATION")]
    AutoEscalation,
    #[sea_orm(string_value = "INITIAL")]
    Initial,
}

/// State of a level change: step-downs wait for the coordinator, other kinds apply at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LevelChangeStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "APPLIED")]
    Applied,
}

/// Type of a key venue (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VenueType {
    #[sea_orm(string_value = "FARMERS_MARKET")]
    FarmersMarket,
    #[sea_orm(string_value = "ENTERTAINMENT")]
    Entertainment,
    #[sea_orm(string_value = "STREET_FOOD_STALL")]
    StreetFoodStall,
    #[sea_orm(string_value = "CAR_RENTAL")]
    CarRental,
    #[sea_orm(string_value = "LENDING_COMPANY")]
    LendingCompany,
    #[sea_orm(string_value = "DEBT_COLLECTION")]
    DebtCollection,
    #[sea_orm(string_value = "MARTIAL_ARTS_SCHOOL")]
    MartialArtsSchool,
    #[sea_orm(string_value = "BATH_MASSAGE")]
    BathMassage,
    #[sea_orm(string_value = "LODGING")]
    Lodging,
    #[sea_orm(string_value = "PROPERTY_MANAGEMENT")]
    PropertyManagement,
    #[sea_orm(string_value = "SECURITY_COMPANY")]
    SecurityCompany,
    #[sea_orm(string_value = "INTERNET_CAFE")]
    InternetCafe,
    #[sea_orm(string_value = "TATTOO_SHOP")]
    TattooShop,
    #[sea_orm(string_value = "LOGISTICS")]
    Logistics,
    #[sea_orm(string_value = "MINING")]
    Mining,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadSource {
    #[sea_orm(string_value = "PUBLIC_REPORT")]
    PublicReport,
    #[sea_orm(string_value = "POLICE")]
    Police,
    #[sea_orm(string_value = "DISCIPLINE")]
    Discipline,
    #[sea_orm(string_value = "JUDICIAL")]
    Judicial,
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    #[sea_orm(string_value = "SECTOR_DEPARTMENT")]
    SectorDepartment,
    #[sea_orm(string_value = "MEDIA")]
    Media,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Category of a lead: the person categories plus `PROTECTIVE_UMBRELLA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadCategory {
    #[sea_orm(string_value = "PRIOR_GANG_CRIME")]
    PriorGangCrime,
    #[sea_orm(string_value = "PRIOR_VIOLENCE")]
    PriorViolence,
    #[sea_orm(string_value = "VICE")]
    Vice,
    #[sea_orm(string_value = "GROUP_CRIME")]
    GroupCrime,
    #[sea_orm(string_value = "USURY_SOFT_VIOLENCE")]
    UsurySoftViolence,
    #[sea_orm(string_value = "GRASSROOTS_POWER_ABUSE")]
    GrassrootsPowerAbuse,
    #[sea_orm(string_value = "LOCAL_TYRANT")]
    LocalTyrant,
    #[sea_orm(string_value = "CADRE_CRIME")]
    CadreCrime,
    #[sea_orm(string_value = "MARKET_BULLYING")]
    MarketBullying,
    #[sea_orm(string_value = "SECTOR_MONOPOLY")]
    SectorMonopoly,
    #[sea_orm(string_value = "DEMOLITION_INTIMIDATION")]
    DemolitionIntimidation,
    #[sea_orm(string_value = "ONLINE_EXTORTION")]
    OnlineExtortion,
    #[sea_orm(string_value = "CONTROLLED_WEAPONS")]
    ControlledWeapons,
    #[sea_orm(string_value = "CAMPUS_DISTURBANCE")]
    CampusDisturbance,
    #[sea_orm(string_value = "SCHOOL_BULLYING")]
    SchoolBullying,
    #[sea_orm(string_value = "REPEATED_MINOR_OFFENCES")]
    RepeatedMinorOffences,
    #[sea_orm(string_value = "PROVOCATION")]
    Provocation,
    #[sea_orm(string_value = "OTHER_REPORTED")]
    OtherReported,
    #[sea_orm(string_value = "PROTECTIVE_UMBRELLA")]
    ProtectiveUmbrella,
}

/// Fine status of a lead (seed 003 §三(二)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadStatus {
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    #[sea_orm(string_value = "UNDER_REVIEW")]
    UnderReview,
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    #[sea_orm(string_value = "LOCAL_HANDLING")]
    LocalHandling,
    #[sea_orm(string_value = "VERIFYING")]
    Verifying,
    #[sea_orm(string_value = "SUBSTANTIATED")]
    Substantiated,
    #[sea_orm(string_value = "UNFOUNDED")]
    Unfounded,
}

/// The county coordination office's answer to an escalated lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CountyAnswer {
    #[sea_orm(string_value = "TAKEN_OVER")]
    TakenOver,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
}

/// A step in a lead's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadEventKind {
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    #[sea_orm(string_value = "REVIEW_STARTED")]
    ReviewStarted,
    #[sea_orm(string_value = "DECIDED")]
    Decided,
    #[sea_orm(string_value = "COUNTY_ANSWERED")]
    CountyAnswered,
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    #[sea_orm(string_value = "CONCLUDED")]
    Concluded,
    #[sea_orm(string_value = "MARKED_UMBRELLA")]
    MarkedUmbrella,
    #[sea_orm(string_value = "UNMARKED_UMBRELLA")]
    UnmarkedUmbrella,
    #[sea_orm(string_value = "GANG_PART_HANDED_OVER")]
    GangPartHandedOver,
}

/// Category of a risk item (大排查大整治).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskCategory {
    #[sea_orm(string_value = "SOCIAL_CONFLICT")]
    SocialConflict,
    #[sea_orm(string_value = "PUBLIC_SAFETY_HAZARD")]
    PublicSafetyHazard,
    #[sea_orm(string_value = "KEY_PERSON_RISK")]
    KeyPersonRisk,
    #[sea_orm(string_value = "VIOLENT_ESCALATION")]
    ViolentEscalation,
    #[sea_orm(string_value = "ILLEGAL_FUNDRAISING")]
    IllegalFundraising,
    #[sea_orm(string_value = "CYBER_CRIME")]
    CyberCrime,
    #[sea_orm(string_value = "CAMPUS_SAFETY")]
    CampusSafety,
    #[sea_orm(string_value = "TRAFFIC_SAFETY")]
    TrafficSafety,
}

/// Level of a risk item, set at assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskLevel {
    #[sea_orm(string_value = "HIGH")]
    High,
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    #[sea_orm(string_value = "LOW")]
    Low,
}

/// Lifecycle of a risk item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskStatus {
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    #[sea_orm(string_value = "RESOLVING")]
    Resolving,
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
}

/// Which joint meeting (三级联席会议) a risk item is before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EscalationLevel {
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    #[sea_orm(string_value = "TOWN")]
    Town,
    #[sea_orm(string_value = "DISTRICT")]
    District,
}

/// A step in a risk item's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskEventKind {
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    #[sea_orm(string_value = "UPDATED")]
    Updated,
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    #[sea_orm(string_value = "FEEDBACK")]
    Feedback,
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
}

/// Kind of a supervision task (督办任务); all but `AD_HOC` and `PERSON_LINK` are raised by rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskKind {
    #[sea_orm(string_value = "TALK_DUE")]
    TalkDue,
    #[sea_orm(string_value = "INSPECTION_DUE")]
    InspectionDue,
    #[sea_orm(string_value = "LEAD_TRANSFER")]
    LeadTransfer,
    #[sea_orm(string_value = "LEAD_REVIEW")]
    LeadReview,
    #[sea_orm(string_value = "LEAD_VERIFICATION")]
    LeadVerification,
    #[sea_orm(string_value = "VILLAGE_LEAD_REPORT")]
    VillageLeadReport,
    #[sea_orm(string_value = "RISK_FEEDBACK")]
    RiskFeedback,
    #[sea_orm(string_value = "RISK_RESOLUTION")]
    RiskResolution,
    #[sea_orm(string_value = "MONTHLY_REPORT")]
    MonthlyReport,
    #[sea_orm(string_value = "AD_HOC")]
    AdHoc,
    /// The judicial office asks the police station to link its record of a person with the
    /// dossier the town already holds (raised by the police station for itself).
    #[sea_orm(string_value = "PERSON_LINK")]
    PersonLink,
}

/// Status of a task. A return is an event that sends a task back to `IN_PROGRESS`, not a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// What kind of record a task's polymorphic `target_id` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskTargetType {
    #[sea_orm(string_value = "PERSON")]
    Person,
    #[sea_orm(string_value = "VENUE")]
    Venue,
    #[sea_orm(string_value = "LEAD")]
    Lead,
    #[sea_orm(string_value = "RISK_ITEM")]
    RiskItem,
}

/// An entry in a task's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskEventKind {
    #[sea_orm(string_value = "CREATED")]
    Created,
    #[sea_orm(string_value = "STARTED")]
    Started,
    #[sea_orm(string_value = "FEEDBACK")]
    Feedback,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "RETURNED")]
    Returned,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "SYSTEM_CLOSED")]
    SystemClosed,
    /// A village's lead-report task closed with "nothing to report" (零报告).
    #[sea_orm(string_value = "NIL_REPORT")]
    NilReport,
}

/// Whether an audited access was allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditOutcome {
    #[sea_orm(string_value = "ALLOWED")]
    Allowed,
    #[sea_orm(string_value = "DENIED")]
    Denied,
}

/// Which reader an audit entry is for: `CASE` (case data, discipline reads) or `ADMINISTRATION`
/// (users, org units, policy; admin reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditCategory {
    #[sea_orm(string_value = "CASE")]
    Case,
    #[sea_orm(string_value = "ADMINISTRATION")]
    Administration,
}
