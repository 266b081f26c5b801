//! Every enumerated value the ledger stores.
//!
//! Each enum is stored as its SCREAMING_CASE name in a `VARCHAR(40)` column (never a database
//! enum type, so adding a value needs no `ALTER TYPE`), serialises to the same name with serde, and,
//! with the `graphql` feature, is a GraphQL enum whose values are again the same names. The string
//! values are part of the stored data: never rename one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// 角色 — the role a user holds; named after the kind of its org unit, plus `ADMIN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// 扫黑办 / 综治办 — the coordination office: registers and routes leads, supervises everything.
    #[sea_orm(string_value = "COORDINATOR")]
    Coordinator,
    /// 纪委 — the discipline commission: handles protective-umbrella leads.
    #[sea_orm(string_value = "DISCIPLINE")]
    Discipline,
    /// 派出所民警 — the police station: keeps the key-person and key-venue ledgers, investigates.
    #[sea_orm(string_value = "POLICE")]
    Police,
    /// 司法所 — the judicial office: released prisoners, community correction, dispute mediation.
    #[sea_orm(string_value = "JUDICIAL")]
    Judicial,
    /// 村两委 / 社区 — a village: reports leads and risks, sees its own village.
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    /// 系统管理员 — manages users, org units and policy; reads no case data.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// 单位类型 — the kind of an org unit inside a town.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnitKind {
    /// 扫黑办 / 综治办 — the coordination office: registers and routes leads, supervises everything.
    #[sea_orm(string_value = "COORDINATION_OFFICE")]
    CoordinationOffice,
    /// 纪委 / 纪工委 — the discipline commission: handles protective-umbrella leads.
    #[sea_orm(string_value = "DISCIPLINE_COMMISSION")]
    DisciplineCommission,
    /// 派出所 — the police station: keeps the key-person and key-venue ledgers, investigates.
    #[sea_orm(string_value = "POLICE_STATION")]
    PoliceStation,
    /// 司法所 — the judicial office: released prisoners, community correction, dispute mediation.
    #[sea_orm(string_value = "JUDICIAL_OFFICE")]
    JudicialOffice,
    /// 村两委 / 社区 — one per village: reports leads and risks, sees its own village.
    #[sea_orm(string_value = "VILLAGE")]
    Village,
}

/// 性别 — a person's gender, as derived from or checked against the national ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Gender {
    /// 男 — male.
    #[sea_orm(string_value = "MALE")]
    Male,
    /// 女 — female.
    #[sea_orm(string_value = "FEMALE")]
    Female,
}

/// 人员类别 — why a person is on the key-person ledger (seed 000, items 1–18). Criminal conduct only: no category
/// may describe opinion, religion, profession, petitioning or speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PersonCategory {
    /// 黑恶前科 / 监外执行 — prior gang crime, or serving a sentence outside prison.
    #[sea_orm(string_value = "PRIOR_GANG_CRIME")]
    PriorGangCrime,
    /// 暴力前科 — prior forced trading, assault, unlawful detention, extortion, property damage,
    /// affray, provocation or illegal mining.
    #[sea_orm(string_value = "PRIOR_VIOLENCE")]
    PriorViolence,
    /// 黄赌毒 — prostitution, gambling or drugs.
    #[sea_orm(string_value = "VICE")]
    Vice,
    /// 结伙作案 — crime in a group of three or more.
    #[sea_orm(string_value = "GROUP_CRIME")]
    GroupCrime,
    /// 高利贷 / 套路贷 / 软暴力 — usury, loan traps, violent or "soft violence" debt collection.
    #[sea_orm(string_value = "USURY_SOFT_VIOLENCE")]
    UsurySoftViolence,
    /// 把持基层政权 — controlling grassroots government, rigging elections, seizing village resources or
    /// collective assets.
    #[sea_orm(string_value = "GRASSROOTS_POWER_ABUSE")]
    GrassrootsPowerAbuse,
    /// 村霸 / 市霸 / 行霸 / 路霸 — local tyrants and clan forces.
    #[sea_orm(string_value = "LOCAL_TYRANT")]
    LocalTyrant,
    /// 乡村干部违法犯罪 — crime by village or town cadres.
    #[sea_orm(string_value = "CADRE_CRIME")]
    CadreCrime,
    /// 欺行霸市 — market bullying, forced buying and selling, protection money.
    #[sea_orm(string_value = "MARKET_BULLYING")]
    MarketBullying,
    /// 强揽工程 — forcing contracts, controlling markets, rigging bids.
    #[sea_orm(string_value = "SECTOR_MONOPOLY")]
    SectorMonopoly,
    /// 征地拆迁威胁恐吓 — intimidation in land requisition and demolition.
    #[sea_orm(string_value = "DEMOLITION_INTIMIDATION")]
    DemolitionIntimidation,
    /// 网络敲诈 — online threats, extortion, loan traps or soft-violence collection.
    #[sea_orm(string_value = "ONLINE_EXTORTION")]
    OnlineExtortion,
    /// 携带管制器具滋事 — trouble-making with controlled weapons.
    #[sea_orm(string_value = "CONTROLLED_WEAPONS")]
    ControlledWeapons,
    /// 校园周边滋扰 — disturbances around schools.
    #[sea_orm(string_value = "CAMPUS_DISTURBANCE")]
    CampusDisturbance,
    /// 校园霸凌 — school bullying.
    #[sea_orm(string_value = "SCHOOL_BULLYING")]
    SchoolBullying,
    /// 小错不断 — repeated minor offences.
    #[sea_orm(string_value = "REPEATED_MINOR_OFFENCES")]
    RepeatedMinorOffences,
    /// 滋事闹事 / 飙车炸街 — stirring up trouble, street racing.
    #[sea_orm(string_value = "PROVOCATION")]
    Provocation,
    /// 群众反映强烈的其他 — other conduct the public strongly complains of.
    #[sea_orm(string_value = "OTHER_REPORTED")]
    OtherReported,
}

/// 司法标签 — a tag the judicial office puts on a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JudicialTag {
    /// 刑满释放人员 — released from prison; the tag carries the release date.
    #[sea_orm(string_value = "RELEASED_PRISONER")]
    ReleasedPrisoner,
    /// 社区矫正对象 — under community correction; the tag carries the date correction ends.
    #[sea_orm(string_value = "COMMUNITY_CORRECTION")]
    CommunityCorrection,
}

/// 关注等级 — attention level of a key person or key venue; it sets the talk and inspection intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttentionLevel {
    /// 一般关注 — general attention: a talk or inspection at least once per quarter.
    #[sea_orm(string_value = "GENERAL")]
    General,
    /// 重点关注 — key attention: a talk or inspection at least once every two months.
    #[sea_orm(string_value = "KEY")]
    Key,
    /// 特别关注 — special attention: a talk at least monthly, two inspections a month.
    #[sea_orm(string_value = "SPECIAL")]
    Special,
}

/// 在管状态 — whether a person or venue is on the ledger; a delisted record is kept, closed and read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordStatus {
    /// 在管 — on the ledger and under watch.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// 撤管 — delisted: the record is kept, closed and read-only.
    #[sea_orm(string_value = "DELISTED")]
    Delisted,
}

/// 谈话类型 — kind of a talk with a person (训诫 / 教育谈话).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TalkKind {
    /// 训诫谈话 — an admonition talk.
    #[sea_orm(string_value = "ADMONITION")]
    Admonition,
    /// 教育谈话 — an education talk.
    #[sea_orm(string_value = "EDUCATION")]
    Education,
    /// 其他 — another kind of talk.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// 惩戒措施 — a rung of the disciplinary ladder (教育惩戒), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeasureKind {
    /// 训诫谈话 — an admonition talk, the lowest rung.
    #[sea_orm(string_value = "ADMONITION_TALK")]
    AdmonitionTalk,
    /// 重点管控 — close control.
    #[sea_orm(string_value = "CLOSE_CONTROL")]
    CloseControl,
    /// 行政处罚 — an administrative penalty.
    #[sea_orm(string_value = "ADMINISTRATIVE_PENALTY")]
    AdministrativePenalty,
    /// 刑事追究 — criminal prosecution, the highest rung.
    #[sea_orm(string_value = "CRIMINAL_PROSECUTION")]
    CriminalProsecution,
}

/// 等级变更类型 — why a person's or venue's attention level changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LevelChangeKind {
    /// 升级 — a step up by the police, applied at once.
    #[sea_orm(string_value = "RAISE")]
    Raise,
    /// 降级 / 撤管 — a step down or delisting, requested by the police and decided by the coordinator.
    #[sea_orm(string_value = "STEP_DOWN")]
    StepDown,
    /// 自动升级 — raised to special attention by the system after two incidents within 90 days.
    #[sea_orm(string_value = "AUTO_ESCALATION")]
    AutoEscalation,
    /// 初始等级 — the level the record was listed with.
    #[sea_orm(string_value = "INITIAL")]
    Initial,
}

/// 等级变更状态 — state of a level change: step-downs wait for the coordinator, other kinds apply at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LevelChangeStatus {
    /// 待审批 — a step-down request waiting for the coordinator.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// 已批准 — approved by the coordinator.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// 已驳回 — rejected by the coordinator.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// 已生效 — applied at once (a raise, an automatic escalation, the initial level).
    #[sea_orm(string_value = "APPLIED")]
    Applied,
}

/// 场所类型 — type of a key venue (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VenueType {
    /// 农贸市场 — a farmers' market.
    #[sea_orm(string_value = "FARMERS_MARKET")]
    FarmersMarket,
    /// 娱乐场所 — an entertainment venue.
    #[sea_orm(string_value = "ENTERTAINMENT")]
    Entertainment,
    /// 地摊烧烤 — street food stalls and barbecues.
    #[sea_orm(string_value = "STREET_FOOD_STALL")]
    StreetFoodStall,
    /// 汽车租赁 — a car rental business.
    #[sea_orm(string_value = "CAR_RENTAL")]
    CarRental,
    /// 借贷公司 — a lending company.
    #[sea_orm(string_value = "LENDING_COMPANY")]
    LendingCompany,
    /// 催收公司 — a debt collection company.
    #[sea_orm(string_value = "DEBT_COLLECTION")]
    DebtCollection,
    /// 武馆武校 — a martial arts school.
    #[sea_orm(string_value = "MARTIAL_ARTS_SCHOOL")]
    MartialArtsSchool,
    /// 洗浴足疗按摩店 — a bath house, foot spa or massage parlour.
    #[sea_orm(string_value = "BATH_MASSAGE")]
    BathMassage,
    /// 旅馆业（宾馆、公寓、出租房） — lodging: a hotel, apartment or rented room.
    #[sea_orm(string_value = "LODGING")]
    Lodging,
    /// 物业公司 — a property management company.
    #[sea_orm(string_value = "PROPERTY_MANAGEMENT")]
    PropertyManagement,
    /// 安保公司 — a security company.
    #[sea_orm(string_value = "SECURITY_COMPANY")]
    SecurityCompany,
    /// 网吧 — an internet cafe.
    #[sea_orm(string_value = "INTERNET_CAFE")]
    InternetCafe,
    /// 文身店 — a tattoo shop.
    #[sea_orm(string_value = "TATTOO_SHOP")]
    TattooShop,
    /// 物流货运 — a logistics or freight business.
    #[sea_orm(string_value = "LOGISTICS")]
    Logistics,
    /// 涉矿产资源企业 — a mining business.
    #[sea_orm(string_value = "MINING")]
    Mining,
    /// 其他重点行业场所 — another kind of venue.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// 线索来源 — where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadSource {
    /// 群众举报 — a public report (hotline, mailbox, letter).
    #[sea_orm(string_value = "PUBLIC_REPORT")]
    PublicReport,
    /// 公安 — found by the police.
    #[sea_orm(string_value = "POLICE")]
    Police,
    /// 纪检监察 — found by the discipline commission.
    #[sea_orm(string_value = "DISCIPLINE")]
    Discipline,
    /// 司法 — found by the judicial office.
    #[sea_orm(string_value = "JUDICIAL")]
    Judicial,
    /// 村（社区） — reported by a village.
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    /// 行业部门 — reported by a sector department.
    #[sea_orm(string_value = "SECTOR_DEPARTMENT")]
    SectorDepartment,
    /// 媒体 — from the media.
    #[sea_orm(string_value = "MEDIA")]
    Media,
    /// 其他 — another source.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// 线索类别 — category of a lead: the person categories plus `PROTECTIVE_UMBRELLA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadCategory {
    /// 黑恶前科 / 监外执行 — prior gang crime, or serving a sentence outside prison.
    #[sea_orm(string_value = "PRIOR_GANG_CRIME")]
    PriorGangCrime,
    /// 暴力前科 — prior forced trading, assault, unlawful detention, extortion, property damage,
    /// affray, provocation or illegal mining.
    #[sea_orm(string_value = "PRIOR_VIOLENCE")]
    PriorViolence,
    /// 黄赌毒 — prostitution, gambling or drugs.
    #[sea_orm(string_value = "VICE")]
    Vice,
    /// 结伙作案 — crime in a group of three or more.
    #[sea_orm(string_value = "GROUP_CRIME")]
    GroupCrime,
    /// 高利贷 / 套路贷 / 软暴力 — usury, loan traps, violent or "soft violence" debt collection.
    #[sea_orm(string_value = "USURY_SOFT_VIOLENCE")]
    UsurySoftViolence,
    /// 把持基层政权 — controlling grassroots government, rigging elections, seizing village resources or
    /// collective assets.
    #[sea_orm(string_value = "GRASSROOTS_POWER_ABUSE")]
    GrassrootsPowerAbuse,
    /// 村霸 / 市霸 / 行霸 / 路霸 — local tyrants and clan forces.
    #[sea_orm(string_value = "LOCAL_TYRANT")]
    LocalTyrant,
    /// 乡村干部违法犯罪 — crime by village or town cadres.
    #[sea_orm(string_value = "CADRE_CRIME")]
    CadreCrime,
    /// 欺行霸市 — market bullying, forced buying and selling, protection money.
    #[sea_orm(string_value = "MARKET_BULLYING")]
    MarketBullying,
    /// 强揽工程 — forcing contracts, controlling markets, rigging bids.
    #[sea_orm(string_value = "SECTOR_MONOPOLY")]
    SectorMonopoly,
    /// 征地拆迁威胁恐吓 — intimidation in land requisition and demolition.
    #[sea_orm(string_value = "DEMOLITION_INTIMIDATION")]
    DemolitionIntimidation,
    /// 网络敲诈 — online threats, extortion, loan traps or soft-violence collection.
    #[sea_orm(string_value = "ONLINE_EXTORTION")]
    OnlineExtortion,
    /// 携带管制器具滋事 — trouble-making with controlled weapons.
    #[sea_orm(string_value = "CONTROLLED_WEAPONS")]
    ControlledWeapons,
    /// 校园周边滋扰 — disturbances around schools.
    #[sea_orm(string_value = "CAMPUS_DISTURBANCE")]
    CampusDisturbance,
    /// 校园霸凌 — school bullying.
    #[sea_orm(string_value = "SCHOOL_BULLYING")]
    SchoolBullying,
    /// 小错不断 — repeated minor offences.
    #[sea_orm(string_value = "REPEATED_MINOR_OFFENCES")]
    RepeatedMinorOffences,
    /// 滋事闹事 / 飙车炸街 — stirring up trouble, street racing.
    #[sea_orm(string_value = "PROVOCATION")]
    Provocation,
    /// 群众反映强烈的其他 — other conduct the public strongly complains of.
    #[sea_orm(string_value = "OTHER_REPORTED")]
    OtherReported,
    /// 保护伞 — an official shielding gangs; handled by the discipline commission alone.
    #[sea_orm(string_value = "PROTECTIVE_UMBRELLA")]
    ProtectiveUmbrella,
}

/// 线索状态 — fine status of a lead (seed 003 §三(二)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadStatus {
    /// 收集登记 — registered by a unit; serial assigned.
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    /// 移交 — transferred to the coordination office.
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    /// 呈阅 — put before the leading group.
    #[sea_orm(string_value = "UNDER_REVIEW")]
    UnderReview,
    /// 上报县扫黑办 — escalated to the county; waiting for its answer.
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    /// 本级处置 — handled in the town.
    #[sea_orm(string_value = "LOCAL_HANDLING")]
    LocalHandling,
    /// 核查中 — being verified under 四定一包.
    #[sea_orm(string_value = "VERIFYING")]
    Verifying,
    /// 查实 — concluded as substantiated, with the result.
    #[sea_orm(string_value = "SUBSTANTIATED")]
    Substantiated,
    /// 查否 — concluded as unfounded, with the basis.
    #[sea_orm(string_value = "UNFOUNDED")]
    Unfounded,
}

/// 县级答复 — the county coordination office's answer to an escalated lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CountyAnswer {
    /// 县级接办 — the county takes the lead over.
    #[sea_orm(string_value = "TAKEN_OVER")]
    TakenOver,
    /// 县级退回 — the county declines; the lead is handled in the town.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
}

/// 线索事件 — a step in a lead's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadEventKind {
    /// 登记 — the lead was registered.
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    /// 移交 — the lead was transferred to the coordination office.
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    /// 呈阅 — the lead was put before the leading group.
    #[sea_orm(string_value = "REVIEW_STARTED")]
    ReviewStarted,
    /// 决定 — the coordinator decided: escalate or handle in the town.
    #[sea_orm(string_value = "DECIDED")]
    Decided,
    /// 县级答复 — the county's answer was recorded.
    #[sea_orm(string_value = "COUNTY_ANSWERED")]
    CountyAnswered,
    /// 四定一包 — responsibility was set and a unit assigned to verify.
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    /// 办结 — the lead was concluded.
    #[sea_orm(string_value = "CONCLUDED")]
    Concluded,
    /// 标记保护伞 — the lead was marked as a protective-umbrella lead.
    #[sea_orm(string_value = "MARKED_UMBRELLA")]
    MarkedUmbrella,
    /// 取消保护伞标记 — the discipline commission unmarked the lead.
    #[sea_orm(string_value = "UNMARKED_UMBRELLA")]
    UnmarkedUmbrella,
    /// 双移交 — the gang-crime part was handed to the police as a new lead.
    #[sea_orm(string_value = "GANG_PART_HANDED_OVER")]
    GangPartHandedOver,
    /// 标记重大线索 — marked major: to be reported within 2 hours.
    #[sea_orm(string_value = "MARKED_MAJOR")]
    MarkedMajor,
}

/// 风险类别 — category of a risk item (大排查大整治).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskCategory {
    /// 矛盾纠纷 — a dispute (marriage, family, neighbours, loans, wages, medical).
    #[sea_orm(string_value = "SOCIAL_CONFLICT")]
    SocialConflict,
    /// 治安隐患 — a public-safety hazard at a key place or with dangerous goods.
    #[sea_orm(string_value = "PUBLIC_SAFETY_HAZARD")]
    PublicSafetyHazard,
    /// 重点人员风险 — a key person at risk of causing harm or reoffending.
    #[sea_orm(string_value = "KEY_PERSON_RISK")]
    KeyPersonRisk,
    /// 民转刑 / 刑转命 — a dispute at risk of turning violent.
    #[sea_orm(string_value = "VIOLENT_ESCALATION")]
    ViolentEscalation,
    /// 非法集资 — illegal fundraising or mass economic crime.
    #[sea_orm(string_value = "ILLEGAL_FUNDRAISING")]
    IllegalFundraising,
    /// 网络犯罪 — online fraud, online gun sales, online loan sharking.
    #[sea_orm(string_value = "CYBER_CRIME")]
    CyberCrime,
    /// 护校安园 — safety around schools.
    #[sea_orm(string_value = "CAMPUS_SAFETY")]
    CampusSafety,
    /// 交通安全 — traffic safety.
    #[sea_orm(string_value = "TRAFFIC_SAFETY")]
    TrafficSafety,
}

/// 风险等级 — level of a risk item, set at assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskLevel {
    /// 高 — high: feedback due within 2 days (T+2); target 100 % resolved.
    #[sea_orm(string_value = "HIGH")]
    High,
    /// 中 — medium: target at least 90 % resolved.
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    /// 低 — low: target at least 90 % resolved.
    #[sea_orm(string_value = "LOW")]
    Low,
}

/// 风险状态 — lifecycle of a risk item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskStatus {
    /// 已上报 — reported, waiting for assessment.
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    /// 已研判 — assessed: level, assignee and plan set.
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    /// 化解中 — the assignee has given feedback and is resolving it.
    #[sea_orm(string_value = "RESOLVING")]
    Resolving,
    /// 已销号 — resolved, with a resolution note.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
}

/// 联席会议级别 — which joint meeting (三级联席会议) a risk item is before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EscalationLevel {
    /// 村级 — the village's joint meeting.
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    /// 镇级 — the town's joint meeting.
    #[sea_orm(string_value = "TOWN")]
    Town,
    /// 区级 — the district's joint meeting.
    #[sea_orm(string_value = "DISTRICT")]
    District,
}

/// 风险事件 — a step in a risk item's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskEventKind {
    /// 上报 — the item was reported.
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    /// 更新 — the item's details were changed.
    #[sea_orm(string_value = "UPDATED")]
    Updated,
    /// 研判 — the coordinator assessed the item.
    #[sea_orm(string_value = "ASSESSED")]
    Assessed,
    /// 反馈 — the assignee gave feedback.
    #[sea_orm(string_value = "FEEDBACK")]
    Feedback,
    /// 升级 — the item went before a higher joint meeting.
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    /// 销号 — the item was resolved.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
}

/// 任务类型 — kind of a supervision task (督办任务); all but `AD_HOC` and `PERSON_LINK` are raised by rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskKind {
    /// 谈话到期 — an education talk with a key person is due.
    #[sea_orm(string_value = "TALK_DUE")]
    TalkDue,
    /// 检查到期 — an inspection of a key venue is due.
    #[sea_orm(string_value = "INSPECTION_DUE")]
    InspectionDue,
    /// 线索移交 — transfer a lead to the coordination office the same day.
    #[sea_orm(string_value = "LEAD_TRANSFER")]
    LeadTransfer,
    /// 线索呈阅 — put a lead before the leading group within 24 hours.
    #[sea_orm(string_value = "LEAD_REVIEW")]
    LeadReview,
    /// 线索核查 — verify a lead by its deadline.
    #[sea_orm(string_value = "LEAD_VERIFICATION")]
    LeadVerification,
    /// 每月两报 — a village's twice-monthly lead report.
    #[sea_orm(string_value = "VILLAGE_LEAD_REPORT")]
    VillageLeadReport,
    /// 风险反馈 — feedback on a high risk item within 2 days (T+2).
    #[sea_orm(string_value = "RISK_FEEDBACK")]
    RiskFeedback,
    /// 风险化解 — resolve a risk item.
    #[sea_orm(string_value = "RISK_RESOLUTION")]
    RiskResolution,
    /// 月报 — a unit's monthly report.
    #[sea_orm(string_value = "MONTHLY_REPORT")]
    MonthlyReport,
    /// 周通报 — a unit's weekly progress report, due each Friday.
    #[sea_orm(string_value = "WEEKLY_REPORT")]
    WeeklyReport,
    /// 专项督办 — a task a coordinator assigns by hand.
    #[sea_orm(string_value = "AD_HOC")]
    AdHoc,
    /// 人员关联 — the judicial office asks the police station to link its record of a person with the
    /// dossier the town already holds (raised by the police station for itself).
    #[sea_orm(string_value = "PERSON_LINK")]
    PersonLink,
    /// 会议决定事项 — a decision a meeting (研判会, 联席会议) assigned to a unit.
    #[sea_orm(string_value = "MEETING_DECISION")]
    MeetingDecision,
    /// 月度研判会 — the coordination office's monthly analysis meeting (研判会), raised on the 1st.
    #[sea_orm(string_value = "MONTHLY_ANALYSIS_MEETING")]
    MonthlyAnalysisMeeting,
    /// 保护伞线索待受理 — the discipline commission takes up an umbrella lead within 24 hours of receiving it.
    #[sea_orm(string_value = "UMBRELLA_LEAD_RECEIVED")]
    UmbrellaLeadReceived,
    /// 重大线索上报 — a major lead is reported within 2 hours (by the coordination office, or the
    /// discipline commission for an umbrella lead).
    #[sea_orm(string_value = "MAJOR_LEAD_REPORT")]
    MajorLeadReport,
    /// 降级审批 — the coordination office decides a pending step-down request of a person or venue.
    #[sea_orm(string_value = "STEP_DOWN_REVIEW")]
    StepDownReview,
    /// 风险周调 — the coordination office's weekly update of an open risk item (每周调整更新).
    #[sea_orm(string_value = "WEEKLY_RISK_UPDATE")]
    WeeklyRiskUpdate,
}

/// 任务状态 — status of a task. A return is an event that sends a task back to `IN_PROGRESS`, not a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// 待办 — open, not started.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// 办理中 — in progress (also after a return).
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// 已提交 — submitted, waiting for acceptance.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// 已办结 — accepted: the task is done.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// 已撤销 — cancelled.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// 任务对象类型 — what kind of record a task's polymorphic `target_id` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskTargetType {
    /// 重点人员 — a key person.
    #[sea_orm(string_value = "PERSON")]
    Person,
    /// 重点场所 — a key venue.
    #[sea_orm(string_value = "VENUE")]
    Venue,
    /// 线索 — a lead.
    #[sea_orm(string_value = "LEAD")]
    Lead,
    /// 风险隐患 — a risk item.
    #[sea_orm(string_value = "RISK_ITEM")]
    RiskItem,
    /// 会议 — a meeting whose decision the task carries out.
    #[sea_orm(string_value = "MEETING")]
    Meeting,
}

/// 任务事件 — an entry in a task's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskEventKind {
    /// 创建 — the task was created.
    #[sea_orm(string_value = "CREATED")]
    Created,
    /// 开始办理 — the assignee started work.
    #[sea_orm(string_value = "STARTED")]
    Started,
    /// 反馈 — a feedback entry.
    #[sea_orm(string_value = "FEEDBACK")]
    Feedback,
    /// 提交 — the assignee submitted the task.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// 验收 — the creating unit accepted the task.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// 退回 — the creating unit returned the task, with the reason.
    #[sea_orm(string_value = "RETURNED")]
    Returned,
    /// 撤销 — the task was cancelled.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// 系统办结 — the system closed the task when the duty was done.
    #[sea_orm(string_value = "SYSTEM_CLOSED")]
    SystemClosed,
    /// 零报告 — a village's lead-report task closed with "nothing to report".
    #[sea_orm(string_value = "NIL_REPORT")]
    NilReport,
}

/// 审计结果 — whether an audited access was allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditOutcome {
    /// 允许 — the access was allowed.
    #[sea_orm(string_value = "ALLOWED")]
    Allowed,
    /// 拒绝 — the access was denied.
    #[sea_orm(string_value = "DENIED")]
    Denied,
}

/// 审计类别 — which reader an audit entry is for: `CASE` (case data, discipline reads) or `ADMINISTRATION`
/// (users, org units, policy; admin reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditCategory {
    /// 业务数据 — case data, read by the discipline commission.
    #[sea_orm(string_value = "CASE")]
    Case,
    /// 系统管理 — users, org units and policy, read by the admin.
    #[sea_orm(string_value = "ADMINISTRATION")]
    Administration,
}

/// 会议类型 — the kinds of meeting the seeds hold (研判会, 联席会议, 三级联席会议).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeetingKind {
    /// 月度研判会 — the monthly analysis meeting on the town's situation (seed 001).
    #[sea_orm(string_value = "MONTHLY_ANALYSIS")]
    MonthlyAnalysis,
    /// 联席会议 — the monthly joint meeting of the offices (seed 003).
    #[sea_orm(string_value = "JOINT_MEETING")]
    JointMeeting,
    /// 三级联席会议 — the three-level joint meeting that takes up escalated risks (seed 004).
    #[sea_orm(string_value = "THREE_LEVEL_JOINT_MEETING")]
    ThreeLevelJointMeeting,
}

/// 报告类型 — the kind of a report a unit submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportKind {
    /// 周通报 — the weekly progress report, due each Friday.
    #[sea_orm(string_value = "WEEKLY")]
    Weekly,
    /// 月报 — the signed and sealed monthly report.
    #[sea_orm(string_value = "MONTHLY")]
    Monthly,
}

crate::text_enum_cells!(
    Role,
    UnitKind,
    Gender,
    PersonCategory,
    JudicialTag,
    AttentionLevel,
    RecordStatus,
    TalkKind,
    MeasureKind,
    LevelChangeKind,
    LevelChangeStatus,
    VenueType,
    LeadSource,
    LeadCategory,
    LeadStatus,
    CountyAnswer,
    LeadEventKind,
    RiskCategory,
    RiskLevel,
    RiskStatus,
    EscalationLevel,
    RiskEventKind,
    TaskKind,
    TaskStatus,
    TaskTargetType,
    TaskEventKind,
    AuditOutcome,
    AuditCategory,
    MeetingKind,
    ReportKind
);
