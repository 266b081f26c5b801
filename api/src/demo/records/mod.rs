//! The case records of the demo world (`spec/demo.md`, "Records"): key persons, venues, leads,
//! risk items and supervision tasks of one town, written as data tables with one insert helper
//! per table.
//!
//! Every date is relative to the moment of loading, so the world stays current: the overdue
//! talks, inspections, reviews and tasks are overdue whenever the demo starts. All names are
//! invented. Task titles never carry confidential content (reporters, anything of an umbrella
//! lead beyond that a task exists): `insert_tasks` refuses a title that would name one.

use std::collections::BTreeMap;

use anyhow::anyhow;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use entity::enums::{
    AttentionLevel as Lv, CountyAnswer, EscalationLevel as Esc, Gender, JudicialTag, LeadCategory as Lc, LeadEventKind,
    LeadSource as Src, LeadStatus as Ls, LevelChangeKind as Lk, LevelChangeStatus, MeasureKind, PersonCategory as Pc,
    RecordStatus, RiskCategory as Rc, RiskEventKind, RiskLevel as Rl, RiskStatus as Rs, Role, TalkKind, TaskEventKind,
    TaskKind as Tk, TaskStatus as Ts, TaskTargetType, UnitKind, VenueType as Vt,
};
use entity::{
    app_user, lead, lead_event, lead_serial_counter, lead_subject, org_unit, person, person_assessment,
    person_category, person_incident, person_judicial_tag, person_level_change, person_measure, person_talk,
    risk_check, risk_event, risk_feedback, risk_item, task, task_event, venue, venue_incident, venue_inspection,
    venue_level_change, village,
};
use sea_orm::{ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::DemoError;
use crate::access::stores::seed::Seed;

mod insert;
mod synthetic;

pub(super) use insert::load;
pub use synthetic::Counts;
pub(super) use synthetic::load as load_synthetic;

// ---------------------------------------------------------------------------------------------
// Data tables. Day counts are days before today (negative: after today). `U` names a unit by its
// duty; `V(i)` is the unit of the town's i-th village.

/// A unit of the town, by duty.
#[derive(Clone, Copy, PartialEq)]
enum U {
    Coord,
    Jiwei,
    Police,
    Sifa,
    V(usize),
}

type Days = i64;
/// name, village, level, categories, birth (y, m, d), male, listed, how the current level began
/// when not at listing (days ago, previous level, kind), last talk, notes.
#[rustfmt::skip]
type PersonRow = (&'static str, usize, Lv, &'static [Pc], (i32, u32, u32), bool, Days, Option<(Days, Lv, Lk)>, Option<Days>, Option<&'static str>);
/// name, type, village, level, licence number, manager, listed, earlier level (as for persons),
/// last inspection, notes.
#[rustfmt::skip]
type VenueRow = (&'static str, Vt, usize, Lv, Option<&'static str>, &'static str, Days, Option<(Days, Lv, Lk)>, Days, Option<&'static str>);
/// received, source, receiving unit, reporter (name, contact), category, involves official,
/// status, county answer, assignee, venue, subjects, summary, content, conclusion.
#[rustfmt::skip]
type LeadRow = (Days, Src, U, Option<(&'static str, &'static str)>, Lc, bool, Ls, Option<CountyAnswer>, Option<U>, Option<usize>, &'static [S], &'static str, &'static str, Option<&'static str>);
/// title, category, level, village, status, escalation, sector unit, assignee (default: sector),
/// reporting unit, reported, daily checks, location, description, parties, resolution note.
#[rustfmt::skip]
type RiskRow = (&'static str, Rc, Option<Rl>, usize, Rs, Esc, U, Option<U>, U, Days, i64, &'static str, &'static str, Option<&'static str>, Option<&'static str>);
/// title (`{serial}` becomes the target lead's serial), kind, target, assignee, creating unit,
/// due, listed (挂牌), status, returned once.
type TaskRow = (&'static str, Tk, T, U, U, Due, bool, Ts, bool);
/// person or venue, day, kind, summary.
type IncidentRow = (usize, Days, &'static str, &'static str);
/// person, tag, release date or correction end.
type TagRow = (usize, JudicialTag, Days);
/// person, day, the one unclear item (index into `ASSESSMENT_NOTES`, note), employment stable, mind stable.
type AssessmentRow = (usize, Days, Option<(usize, &'static str)>, bool, bool);
type MeasureRow = (usize, MeasureKind, Days, &'static str);
/// person, requested, reason: a pending step-down request.
type StepDownRow = (usize, Days, &'static str);

/// A lead subject: a key person (index into the persons table) or a free-text name.
enum S {
    P(usize),
    N(&'static str),
}

/// A task target: index into the persons, venues, leads or risk items table.
#[derive(Clone, Copy)]
enum T {
    None,
    P(usize),
    Ve(usize),
    L(usize),
    R(usize),
}

/// When a task is due.
#[derive(Clone, Copy)]
enum Due {
    Days(Days),
    /// The duty of the target: talk or inspection interval, lead transfer, review or deadline, T+2.
    Target,
    /// The k-th village lead-report deadline (15th and last day of a month) from today, 0 the next.
    Report(i32),
    /// Day `.1` of the month `.0` months from now (monthly reports).
    Month(i32, u32),
}

const M: bool = true;
const F: bool = false;

struct World {
    villages: &'static [&'static str],
    /// Birth-place codes for the ID numbers, and the base of generated phone numbers.
    regions: &'static [&'static str],
    phones: u64,
    persons: &'static [PersonRow],
    tags: &'static [TagRow],
    incidents: &'static [IncidentRow],
    assessments: &'static [AssessmentRow],
    measures: &'static [MeasureRow],
    step_downs: &'static [StepDownRow],
    venues: &'static [VenueRow],
    venue_incidents: &'static [IncidentRow],
    leads: &'static [LeadRow],
    risks: &'static [RiskRow],
    tasks: &'static [TaskRow],
}

#[rustfmt::skip]
const QINGHE: World = World {
    villages: &["东庄村", "西庄村", "南湾社区"],
    regions: &["410523", "410526", "410522"],
    phones: 13_903_710_000,
    persons: &[
        ("马国强", 0, Lv::Key, &[Pc::PriorViolence, Pc::Provocation], (1984, 3, 12), M, 400, None, Some(20), Some("曾因寻衅滋事被判处有期徒刑一年六个月，刑满释放后回村居住。")),
        ("刘春生", 0, Lv::Special, &[Pc::PriorGangCrime, Pc::GroupCrime, Pc::UsurySoftViolence], (1979, 11, 2), M, 900, Some((200, Lv::Key, Lk::Raise)), Some(12), Some("原涉恶团伙成员，社区矫正期间仍与团伙旧人往来。")),
        ("赵德胜", 0, Lv::General, &[Pc::RepeatedMinorOffences], (1990, 6, 21), M, 500, None, Some(45), None),
        ("孙丽娟", 0, Lv::General, &[Pc::Vice], (1988, 9, 9), F, 300, None, Some(110), None),
        ("周建平", 0, Lv::Key, &[Pc::LocalTyrant, Pc::GrassrootsPowerAbuse], (1972, 1, 30), M, 800, None, Some(75), Some("群众反映其把持村内土地流转，阻挠他人承包。")),
        ("吴海涛", 0, Lv::General, &[Pc::ControlledWeapons, Pc::Provocation], (1997, 4, 17), M, 250, None, Some(30), None),
        ("郑小龙", 0, Lv::Special, &[Pc::PriorViolence, Pc::RepeatedMinorOffences], (1995, 8, 8), M, 600, Some((50, Lv::Key, Lk::AutoEscalation)), Some(40), Some("90日内两次警情，自动升为特别关注。")),
        ("王志远", 0, Lv::Key, &[Pc::MarketBullying], (1981, 12, 5), M, 420, None, Some(35), None),
        ("冯秀英", 0, Lv::General, &[Pc::UsurySoftViolence], (1969, 7, 14), F, 700, None, Some(80), None),
        ("陈永福", 0, Lv::Key, &[Pc::SectorMonopoly, Pc::PriorGangCrime], (1976, 2, 28), M, 1000, None, Some(50), Some("经营砂石生意，曾因强揽工程被判刑。")),
        ("钱卫东", 1, Lv::General, &[Pc::DemolitionIntimidation], (1974, 10, 10), M, 380, None, Some(20), None),
        ("何志明", 1, Lv::Key, &[Pc::PriorViolence], (1987, 5, 3), M, 560, None, Some(61), None),
        ("高洪亮", 1, Lv::Special, &[Pc::GroupCrime, Pc::Provocation, Pc::ControlledWeapons], (1999, 3, 25), M, 220, Some((150, Lv::General, Lk::Raise)), Some(10), Some("结伙飙车炸街，曾持棍棒滋事。")),
        ("林美玲", 1, Lv::General, &[Pc::OnlineExtortion], (1993, 12, 19), F, 200, None, Some(95), None),
        ("罗建军", 1, Lv::Key, &[Pc::Vice, Pc::GroupCrime], (1983, 8, 30), M, 650, None, Some(25), None),
        ("宋宝山", 1, Lv::General, &[Pc::PriorViolence], (1965, 4, 4), M, 1200, None, Some(60), None),
        ("谢东升", 1, Lv::Key, &[Pc::UsurySoftViolence, Pc::OnlineExtortion], (1989, 1, 15), M, 330, None, Some(15), None),
        ("唐文斌", 1, Lv::General, &[Pc::SchoolBullying, Pc::Provocation], (2007, 9, 1), M, 150, None, Some(70), None),
        ("韩春燕", 1, Lv::General, &[Pc::OtherReported], (1978, 6, 6), F, 40, None, None, Some("新列管，首次谈话待安排。")),
        ("曹金龙", 2, Lv::Special, &[Pc::PriorGangCrime, Pc::MarketBullying], (1970, 5, 20), M, 1100, None, Some(20), Some("曾因涉恶犯罪服刑，释放后仍与原团伙成员往来。")),
        ("彭丽华", 2, Lv::General, &[Pc::Vice], (1991, 2, 11), F, 260, None, Some(40), None),
        ("邓国栋", 2, Lv::Key, &[Pc::CadreCrime, Pc::GrassrootsPowerAbuse], (1968, 8, 18), M, 480, None, Some(90), None),
        ("许海波", 2, Lv::Key, &[Pc::UsurySoftViolence, Pc::PriorViolence], (1986, 11, 11), M, 720, None, Some(30), None),
        ("蒋志勇", 2, Lv::General, &[Pc::CampusDisturbance], (2004, 4, 2), M, 180, None, Some(85), None),
        ("沈玉梅", 2, Lv::General, &[Pc::UsurySoftViolence], (1975, 3, 3), F, 600, None, Some(100), None),
        ("韦立军", 2, Lv::Special, &[Pc::PriorViolence, Pc::ControlledWeapons], (1992, 7, 7), M, 340, Some((120, Lv::Key, Lk::Raise)), Some(28), Some("社区矫正对象，曾扬言报复原案被害人。")),
        ("石大勇", 2, Lv::Key, &[Pc::LocalTyrant], (1980, 10, 29), M, 900, None, Some(45), None),
        ("董建峰", 2, Lv::General, &[Pc::Provocation], (2001, 12, 24), M, 200, None, Some(10), None),
        ("潘金凤", 0, Lv::Key, &[Pc::MarketBullying, Pc::Vice], (1982, 4, 26), F, 510, None, Some(70), None),
        ("袁志军", 1, Lv::Special, &[Pc::PriorGangCrime, Pc::LocalTyrant, Pc::GroupCrime], (1977, 9, 13), M, 1500, None, Some(33), Some("原涉黑组织外围成员，宗族势力较强。")),
    ],
    tags: &[(0, JudicialTag::ReleasedPrisoner, 700), (1, JudicialTag::CommunityCorrection, -300), (15, JudicialTag::ReleasedPrisoner, 1500), (19, JudicialTag::ReleasedPrisoner, 1300), (25, JudicialTag::CommunityCorrection, -120)],
    incidents: &[
        (0, 300, "警情", "与邻居因排水沟发生口角推搡，经调解处理。"),
        (6, 80, "治安处罚", "寻衅滋事，被行政拘留五日。"),
        (6, 50, "警情", "酒后在烧烤摊与人斗殴，民警出警处置。"),
        (12, 150, "警情", "深夜驾驶改装摩托车在镇区飙车炸街，被依法查处。"),
        (25, 120, "案件", "持管制刀具与人发生冲突，已立案调查。"),
        (29, 400, "警情", "在工地阻工并威胁施工人员，经教育后离开。"),
    ],
    assessments: &[(1, 20, None, M, M), (6, 15, Some((4, "近期常去外地，行踪需进一步核实。")), F, F), (14, 40, None, M, M), (19, 25, None, M, M), (29, 10, Some((3, "与原团伙成员仍有往来。")), M, F)],
    measures: &[
        (6, MeasureKind::AdmonitionTalk, 48, "训诫谈话，责令具结悔过。"),
        (6, MeasureKind::CloseControl, 45, "列入严管，每周报告行踪。"),
        (12, MeasureKind::AdmonitionTalk, 148, "训诫谈话，通知家属共同教育。"),
        (25, MeasureKind::AdministrativePenalty, 118, "非法携带管制刀具，行政拘留十日。"),
    ],
    step_downs: &[(14, 5, "列管以来表现稳定，六个月内无违法记录，申请降为一般关注。")],
    venues: &[
        ("东庄农贸市场", Vt::FarmersMarket, 0, Lv::Key, Some("JY34105230012345"), "李德福", 600, None, 30, None),
        ("金海岸KTV", Vt::Entertainment, 2, Lv::Special, Some("娱经字（2024）第017号"), "黄晓军", 400, Some((100, Lv::Key, Lk::Raise)), 20, Some("因违规超时营业受行政处罚，升为特别关注。")),
        ("西庄夜市烧烤摊群", Vt::StreetFoodStall, 1, Lv::General, None, "杜长顺", 300, None, 100, None),
        ("顺达汽车租赁", Vt::CarRental, 2, Lv::General, Some("91410523MA45TL2X7Q"), "叶振华", 500, None, 40, None),
        ("恒信小额贷款公司", Vt::LendingCompany, 2, Lv::Key, Some("91410523MA46HX0K3W"), "傅明辉", 700, None, 70, Some("曾被投诉催收方式不当。")),
        ("快捷商务宾馆", Vt::Lodging, 0, Lv::General, Some("特行字第0032号"), "程玉兰", 450, None, 60, None),
        ("龙腾武术培训学校", Vt::MartialArtsSchool, 1, Lv::General, Some("教民14105230009号"), "雷振武", 800, None, 85, None),
        ("星空网吧", Vt::InternetCafe, 2, Lv::Key, Some("网文（2023）0158号"), "汪小波", 350, None, 20, None),
        ("清韵足浴", Vt::BathMassage, 0, Lv::Special, Some("JY24105230067890"), "苏红梅", 380, Some((90, Lv::Key, Lk::Raise)), 10, None),
        ("南湾物业服务中心", Vt::PropertyManagement, 2, Lv::General, Some("91410523MA40WY8R1E"), "邹海峰", 520, None, 30, None),
        ("安达物流货运站", Vt::Logistics, 1, Lv::General, Some("豫交运管许可字410523005321号"), "贺建新", 610, None, 120, None),
        ("西山采石场", Vt::Mining, 1, Lv::Key, Some("C4105002010127130098765"), "金永刚", 900, None, 45, Some("砂石运输曾有强揽业务的反映。")),
    ],
    venue_incidents: &[
        (1, 100, "行政处罚", "违规超时营业并容留未成年人，责令停业整顿七日。"),
        (8, 90, "治安处罚", "容留卖淫，经营者被行政拘留。"),
        (4, 200, "投诉", "借款人投诉催收人员夜间上门滋扰。"),
    ],
    leads: &[
        (150, Src::PublicReport, U::Coord, Some(("韩某某", "13903716620")), Lc::MarketBullying, F, Ls::Substantiated, None, Some(U::Police), Some(0), &[S::P(7), S::N("绰号“黑皮”的男子")], "农贸市场有人强收摊位“管理费”", "举报人称东庄农贸市场内有数名男子以“管理费”名义向外地摊贩强行收费，不交即掀摊驱赶，已持续半年。", Some("查实：王志远等三人强收摊位费，已立案侦查，二人被刑事拘留，市场秩序恢复。")),
        (140, Src::PublicReport, U::Coord, Some(("孟某", "13837105581")), Lc::GrassrootsPowerAbuse, M, Ls::Substantiated, None, Some(U::Jiwei), None, &[S::P(21), S::N("南湾社区原居委会委员")], "社区干部插手集体资产承包", "反映南湾社区个别干部在集体鱼塘承包中暗箱操作，为亲属压价承包，并对提出异议的村民进行威胁。", Some("查实：相关社区干部违规干预集体资产承包，已给予党纪政务处分；威胁村民部分已移交公安机关。")),
        (120, Src::Police, U::Police, None, Lc::UsurySoftViolence, F, Ls::Unfounded, None, Some(U::Police), Some(4), &[S::N("恒信小额贷款公司业务员")], "贷款公司涉嫌暴力催收", "接警反映恒信小额贷款公司业务员上门催收时言语威胁借款人。", Some("查否：经调取借款合同、通话录音并走访借款人，未发现威胁恐吓行为，已督促公司规范催收。")),
        (110, Src::PublicReport, U::Coord, None, Lc::Vice, F, Ls::Substantiated, None, Some(U::Police), Some(8), &[S::P(3)], "足浴店疑似容留卖淫", "匿名电话反映清韵足浴夜间有可疑人员出入，疑似存在卖淫嫖娼活动。", Some("查实：该店存在容留卖淫行为，已依法查处，经营者被行政拘留，场所列为特别关注。")),
        (100, Src::Judicial, U::Sifa, None, Lc::PriorViolence, F, Ls::Unfounded, None, Some(U::Sifa), None, &[S::P(15)], "刑释人员疑似结伙外出滋事", "司法所回访中听闻刑释人员宋宝山近期与人结伙外出，疑有违法活动。", Some("查否：经核实其在外地建筑工地务工，有用工单位证明，无违法活动。")),
        (95, Src::Police, U::Police, None, Lc::GroupCrime, F, Ls::Escalated, Some(CountyAnswer::TakenOver), None, None, &[S::P(29), S::P(1), S::N("外地籍男子两名")], "团伙跨镇强揽砂石运输", "工作中发现袁志军、刘春生等人纠集外地人员，以拦车、堵路方式强揽砂石运输业务，涉及多个乡镇。", None),
        (90, Src::Media, U::Coord, None, Lc::SectorMonopoly, F, Ls::LocalHandling, Some(CountyAnswer::Declined), None, None, &[S::P(9)], "网络曝光工程招标疑似被人操控", "网络媒体报道本镇道路维修工程招标中有人串通投标、威胁其他投标人退出。", None),
        (80, Src::PublicReport, U::Coord, Some(("罗某某", "13603712231")), Lc::LocalTyrant, F, Ls::Unfounded, None, Some(U::Police), None, &[S::P(26)], "有人在村道设卡收取过路费", "举报人称南湾社区有人在村道设卡向运输车辆收取“过路费”。", Some("查否：经现场蹲守及走访司机，卡口系村集体为保护新修道路设置的限高设施，未收取任何费用。")),
        (60, Src::Police, U::Police, None, Lc::ControlledWeapons, F, Ls::Verifying, None, Some(U::Police), None, &[S::P(25)], "社区矫正对象随身携带管制刀具", "巡逻中发现韦立军随身携带管制刀具，并扬言要“找人算账”。", None),
        (25, Src::Judicial, U::Sifa, None, Lc::UsurySoftViolence, F, Ls::Verifying, None, Some(U::Sifa), None, &[S::P(22), S::N("债务人家属")], "高息放贷并软暴力催收", "司法所调解中发现许海波以月息一角放贷，逾期后派人贴大字报、堵门催收。", None),
        (20, Src::Discipline, U::Jiwei, None, Lc::ProtectiveUmbrella, F, Ls::Verifying, None, Some(U::Jiwei), None, &[S::P(19), S::N("某执法站所工作人员")], "执法人员疑为涉恶人员通风报信", "纪委在信访件中发现，有执法站所工作人员涉嫌在检查前向曹金龙通风报信。", None),
        (18, Src::PublicReport, U::Coord, Some(("冯某", "13783710045")), Lc::Vice, F, Ls::LocalHandling, None, None, None, &[S::P(20)], "出租屋内疑似聚众赌博", "举报人称南湾社区一出租屋每晚有十余人聚集打牌，输赢较大，常有争吵。", None),
        (15, Src::Other, U::Coord, None, Lc::Provocation, F, Ls::Escalated, None, None, None, &[S::P(12)], "深夜飙车炸街扰民", "群众来信反映多名青年深夜驾驶改装摩托车在镇区飙车炸街，其中有人持棍棒。", None),
        (10, Src::PublicReport, U::Coord, None, Lc::PriorGangCrime, F, Ls::UnderReview, None, None, None, &[S::N("外号“三哥”的男子")], "疑似涉恶团伙骨干回流", "匿名电话反映原涉恶团伙骨干近期回到本镇，频繁在棋牌室纠集人员。", None),
        (8, Src::Police, U::Police, None, Lc::GroupCrime, F, Ls::UnderReview, None, None, None, &[S::P(5), S::P(27)], "青年结伙在校园周边滋事", "派出所接报多名青年结伙在中学周边拦截学生、起哄滋事。", None),
        (5, Src::Village, U::V(2), Some(("网格员 田某", "13523719876")), Lc::CampusDisturbance, F, Ls::Transferred, None, None, None, &[S::N("身份不明的青年三人")], "学校周边有人拦截学生索要财物", "网格员报告放学时段有三名青年在小学后门拦截学生索要零花钱。", None),
        (2, Src::Village, U::V(0), Some(("村民 欧阳某", "13938716672")), Lc::LocalTyrant, M, Ls::Registered, None, None, None, &[S::P(4), S::N("某站所负责人")], "村霸背后疑有公职人员撑腰", "村民反映周建平多次阻挠他人承包土地，扬言“上面有人”，有站所负责人为其打招呼。", None),
        (0, Src::PublicReport, U::Coord, Some(("邱某", "15893712208")), Lc::RepeatedMinorOffences, F, Ls::Transferred, None, None, None, &[S::P(2)], "有人屡次损坏公共设施", "举报人称东庄村有人多次酒后砸坏路灯和垃圾箱。", None),
        (1, Src::Village, U::V(1), Some(("村民 黎某", "13663715509")), Lc::DemolitionIntimidation, F, Ls::Registered, None, None, None, &[S::P(10)], "征地中有人威胁拒签农户", "村民反映在西庄村征地中有人夜间上门威胁未签协议的农户。", None),
        (0, Src::Police, U::Police, None, Lc::OnlineExtortion, F, Ls::Registered, None, None, None, &[S::P(13)], "网络“裸聊”敲诈", "受害人报案称遭遇网络裸聊敲诈，线索指向本镇人员。", None),
    ],
    risks: &[
        ("宅基地边界纠纷", Rc::SocialConflict, Some(Rl::Medium), 0, Rs::Resolving, Esc::Village, U::Sifa, None, U::V(0), 30, 2, "东庄村三组", "两户因宅基地边界多次争吵，一方扬言动手。", Some("张某（13903711111）、李某（13903712222）"), None),
        ("建筑工地拖欠农民工工资", Rc::SocialConflict, Some(Rl::High), 1, Rs::Assessed, Esc::Town, U::Sifa, None, U::V(1), 6, 2, "西庄村安置房工地", "包工头拖欠二十余名农民工工资，工人酝酿聚集讨薪。", Some("包工头 侯某（13783716543）；工人代表 龚某（15903714321）"), None),
        ("出租屋存放液化气罐", Rc::PublicSafetyHazard, Some(Rl::Low), 2, Rs::Resolved, Esc::Village, U::Police, None, U::V(2), 60, 0, "南湾社区12栋", "出租屋内违规存放多个液化气罐。", Some("房东 万某（13603719988）"), Some("已督促清理，房东签订安全承诺书。")),
        ("刑释人员扬言报复", Rc::KeyPersonRisk, Some(Rl::High), 2, Rs::Resolving, Esc::Town, U::Police, None, U::Sifa, 20, 1, "南湾社区", "刑释人员在回访中流露对原案证人的报复情绪。", Some("当事人及原案证人（姓名见档案）"), None),
        ("邻里积怨可能激化", Rc::ViolentEscalation, Some(Rl::High), 0, Rs::Resolved, Esc::Town, U::Sifa, None, U::V(0), 90, 0, "东庄村五组", "两户因排水问题积怨多年，近日发生推搡，有民转刑风险。", Some("马某、冯某"), Some("经三级联席会议调处，修建共用排水沟，双方签订调解协议。")),
        ("村民参与高息“养老投资”", Rc::IllegalFundraising, Some(Rl::High), 1, Rs::Resolving, Esc::District, U::Coord, Some(U::Police), U::Coord, 12, 1, "西庄村", "有人以高息回报吸收老年村民“养老投资”，涉及四十余户。", Some("组织者 尹某（13503718877）"), None),
        ("刷单返利诈骗高发", Rc::CyberCrime, Some(Rl::Medium), 2, Rs::Assessed, Esc::Village, U::Police, None, U::Police, 8, 1, "南湾社区", "近一个月辖区发生三起刷单返利诈骗。", None, None),
        ("小学门口上下学拥堵、摊贩聚集", Rc::CampusSafety, Some(Rl::Medium), 1, Rs::Resolved, Esc::Village, U::Police, None, U::V(1), 70, 0, "西庄小学门口", "上下学时段车辆拥堵、流动摊贩聚集。", None, Some("设置护学岗和临时停车区，摊贩已劝离。")),
        ("村道急弯缺少警示标志", Rc::TrafficSafety, Some(Rl::Low), 0, Rs::Assessed, Esc::Village, U::Coord, Some(U::V(0)), U::V(0), 15, 3, "东庄村北急弯", "村道急弯处无警示标志，夜间多次发生险情。", None, None),
        ("夫妻纠纷一方有过激言行", Rc::SocialConflict, None, 2, Rs::Reported, Esc::Village, U::Sifa, None, U::V(2), 2, 1, "南湾社区", "夫妻因离婚财产分割争吵，一方扬言“同归于尽”。", Some("当事夫妻双方（联系方式见登记表）"), None),
        ("精神障碍患者监护缺失", Rc::KeyPersonRisk, None, 1, Rs::Reported, Esc::Village, U::Police, None, U::Police, 1, 0, "西庄村", "一名肇事肇祸风险精神障碍患者近期停药，监护人外出务工。", Some("监护人 康某（13703712345）"), None),
        ("物流站克扣运费引发劳资纠纷", Rc::SocialConflict, Some(Rl::Low), 1, Rs::Resolved, Esc::Village, U::Sifa, None, U::Sifa, 100, 0, "安达物流货运站", "司机反映货运站克扣运费，多次争执。", Some("货运站负责人、司机代表"), Some("经调解补发运费，双方达成协议。")),
        ("烟花爆竹非法储存", Rc::PublicSafetyHazard, Some(Rl::High), 0, Rs::Resolved, Esc::Town, U::Police, None, U::Police, 45, 0, "东庄村仓库", "村民仓库内非法储存大量烟花爆竹。", Some("仓库主 段某"), Some("已依法收缴并对当事人作出行政处罚。")),
        ("网络套路贷催收骚扰", Rc::CyberCrime, Some(Rl::Medium), 0, Rs::Resolving, Esc::Village, U::Police, None, U::V(0), 25, 2, "东庄村", "多名村民反映遭遇网络贷款软暴力催收，通讯录被“爆”。", None, None),
        ("患者家属聚集卫生院", Rc::SocialConflict, Some(Rl::Medium), 2, Rs::Assessed, Esc::Town, U::Sifa, None, U::Coord, 9, 1, "镇卫生院", "医疗纠纷中患者家属多次聚集卫生院讨说法。", Some("患者家属 常某（15803716789）"), None),
    ],
    tasks: &[
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(3), U::Police, U::Coord, Due::Target, F, Ts::Open, F),
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(21), U::Police, U::Coord, Due::Target, M, Ts::Open, F),
        ("场所检查到期：重点场所", Tk::InspectionDue, T::Ve(2), U::Police, U::Coord, Due::Target, F, Ts::Open, F),
        ("线索移交：{serial}", Tk::LeadTransfer, T::L(18), U::V(1), U::Coord, Due::Target, F, Ts::Open, F),
        ("线索移交：{serial}", Tk::LeadTransfer, T::L(19), U::Police, U::Coord, Due::Target, F, Ts::Open, F),
        ("线索呈阅：{serial}", Tk::LeadReview, T::L(17), U::Coord, U::Coord, Due::Target, F, Ts::Open, F),
        ("村级线索半月报", Tk::VillageLeadReport, T::None, U::V(0), U::Coord, Due::Report(0), F, Ts::Open, F),
        ("村级线索半月报", Tk::VillageLeadReport, T::None, U::V(1), U::Coord, Due::Report(-1), F, Ts::Open, F),
        ("司法所月报", Tk::MonthlyReport, T::None, U::Sifa, U::Coord, Due::Month(1, 23), F, Ts::Open, F),
        ("风险隐患T+2反馈", Tk::RiskFeedback, T::R(1), U::Sifa, U::Coord, Due::Target, M, Ts::Open, F),
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(4), U::Police, U::Coord, Due::Target, F, Ts::InProgress, F),
        ("线索呈阅：{serial}", Tk::LeadReview, T::L(15), U::Coord, U::Coord, Due::Target, F, Ts::InProgress, F),
        ("场所检查到期：重点场所", Tk::InspectionDue, T::Ve(4), U::Police, U::Coord, Due::Target, F, Ts::InProgress, F),
        ("场所检查到期：重点场所", Tk::InspectionDue, T::Ve(1), U::Police, U::Coord, Due::Target, M, Ts::InProgress, F),
        ("督办：线索 {serial} 核查", Tk::LeadVerification, T::L(8), U::Police, U::Coord, Due::Target, M, Ts::InProgress, M),
        ("督办任务", Tk::LeadVerification, T::L(10), U::Jiwei, U::Jiwei, Due::Target, F, Ts::InProgress, F),
        ("督办任务", Tk::AdHoc, T::L(16), U::Jiwei, U::Jiwei, Due::Days(-10), F, Ts::InProgress, F),
        ("开展出租屋治安隐患排查", Tk::AdHoc, T::None, U::V(2), U::Coord, Due::Days(-5), F, Ts::InProgress, M),
        ("风险隐患化解：按一事一策落实", Tk::RiskResolution, T::R(3), U::Police, U::Coord, Due::Days(-20), F, Ts::Submitted, F),
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(11), U::Police, U::Coord, Due::Target, F, Ts::InProgress, F),
        ("采石场安全生产联合检查", Tk::AdHoc, T::Ve(11), U::Police, U::Coord, Due::Days(-2), F, Ts::Submitted, F),
        ("督办：线索 {serial} 核查", Tk::LeadVerification, T::L(9), U::Sifa, U::Coord, Due::Target, F, Ts::Submitted, F),
        ("农贸市场周边治安整治", Tk::AdHoc, T::None, U::Police, U::Coord, Due::Days(3), M, Ts::Submitted, F),
        ("派出所月报", Tk::MonthlyReport, T::None, U::Police, U::Coord, Due::Month(0, 23), F, Ts::Submitted, F),
        ("村级线索半月报", Tk::VillageLeadReport, T::None, U::V(2), U::Coord, Due::Report(-1), F, Ts::Submitted, F),
        ("风险隐患化解：按一事一策落实", Tk::RiskResolution, T::R(13), U::Police, U::Coord, Due::Days(-7), F, Ts::Submitted, F),
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(0), U::Police, U::Coord, Due::Days(25), F, Ts::Accepted, F),
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(12), U::Police, U::Coord, Due::Days(12), F, Ts::Accepted, F),
        ("场所检查到期：重点场所", Tk::InspectionDue, T::Ve(8), U::Police, U::Coord, Due::Days(12), F, Ts::Accepted, F),
        ("线索呈阅：{serial}", Tk::LeadReview, T::L(14), U::Coord, U::Coord, Due::Target, F, Ts::Accepted, F),
        ("线索呈阅：{serial}", Tk::LeadReview, T::L(13), U::Coord, U::Coord, Due::Target, F, Ts::Accepted, F),
        ("风险隐患T+2反馈", Tk::RiskFeedback, T::R(3), U::Police, U::Coord, Due::Target, F, Ts::Accepted, F),
        ("村级线索半月报", Tk::VillageLeadReport, T::None, U::V(0), U::Coord, Due::Report(-1), F, Ts::Accepted, F),
        ("司法所月报", Tk::MonthlyReport, T::None, U::Sifa, U::Coord, Due::Month(0, 23), F, Ts::Accepted, F),
        ("扫黑除恶宣传进村入户", Tk::AdHoc, T::None, U::V(1), U::Coord, Due::Days(20), F, Ts::Accepted, F),
        ("临时排查任务（已合并）", Tk::AdHoc, T::None, U::V(2), U::Coord, Due::Days(10), F, Ts::Cancelled, F),
        ("夜间巡查（重复下发）", Tk::AdHoc, T::None, U::Police, U::Coord, Due::Days(-15), F, Ts::Cancelled, F),
        ("矛盾纠纷先行调处", Tk::AdHoc, T::R(9), U::V(2), U::Coord, Due::Days(-3), F, Ts::Cancelled, F),
        ("社区矫正对象集中教育（活动取消）", Tk::AdHoc, T::None, U::Sifa, U::Coord, Due::Days(30), F, Ts::Cancelled, F),
        ("宾馆住宿登记专项检查", Tk::AdHoc, T::Ve(5), U::Police, U::Coord, Due::Days(-12), F, Ts::Cancelled, F),
    ],
};

#[rustfmt::skip]
const LIULIN: World = World {
    villages: &["柳林村", "河口村"],
    regions: &["410527"],
    phones: 13_703_720_000,
    persons: &[
        ("柴永胜", 0, Lv::Key, &[Pc::MarketBullying, Pc::PriorViolence], (1980, 5, 16), M, 500, None, Some(30), None),
        ("卢桂芳", 0, Lv::General, &[Pc::UsurySoftViolence], (1972, 8, 3), F, 300, None, Some(100), None),
        ("季海军", 1, Lv::Special, &[Pc::GroupCrime, Pc::Provocation], (1996, 2, 9), M, 400, Some((60, Lv::Key, Lk::Raise)), Some(12), Some("结伙滋事，近期升为特别关注。")),
        ("仇立新", 1, Lv::General, &[Pc::Vice], (1985, 11, 27), M, 200, None, Some(50), None),
        ("方晓东", 1, Lv::Key, &[Pc::LocalTyrant], (1975, 6, 1), M, 700, None, Some(65), None),
    ],
    tags: &[],
    incidents: &[(2, 60, "警情", "结伙在河口码头与人斗殴。")],
    assessments: &[(2, 20, None, M, F)],
    measures: &[],
    step_downs: &[],
    venues: &[
        ("柳林农贸市场", Vt::FarmersMarket, 0, Lv::Key, Some("JY34105270001111"), "严金宝", 400, None, 50, None),
        ("河口砂场", Vt::Mining, 1, Lv::General, None, "牛大成", 300, None, 95, None),
    ],
    venue_incidents: &[],
    leads: &[
        (40, Src::PublicReport, U::Coord, Some(("毛某", "13703725566")), Lc::MarketBullying, F, Ls::Substantiated, None, Some(U::Police), Some(0), &[S::P(0)], "农贸市场强买强卖", "举报人称柳林农贸市场有人强行低价收购农户蔬菜。", Some("查实：柴永胜强买强卖，已依法行政处罚。")),
        (12, Src::Police, U::Police, None, Lc::GroupCrime, F, Ls::Verifying, None, Some(U::Police), None, &[S::P(2)], "河口码头结伙斗殴", "派出所发现季海军等人结伙在码头斗殴，疑有组织。", None),
        (0, Src::PublicReport, U::Coord, None, Lc::OtherReported, F, Ls::Transferred, None, None, None, &[S::N("砂场运输车队负责人")], "砂场运输车辆强行占道", "匿名反映河口砂场运输车队强行占道，威胁过往村民。", None),
    ],
    risks: &[
        ("土地流转费用纠纷", Rc::SocialConflict, Some(Rl::Medium), 0, Rs::Resolving, Esc::Village, U::Coord, None, U::Coord, 10, 0, "柳林村", "村民与承包大户因流转费用发生争执。", Some("承包大户 邵某（13703721234）"), None),
        ("河道采砂坑未设防护", Rc::PublicSafetyHazard, None, 1, Rs::Reported, Esc::Village, U::Police, None, U::Police, 1, 0, "河口村河滩", "废弃采砂坑积水，周边无防护设施。", None, None),
    ],
    tasks: &[
        ("教育谈话到期：重点人员", Tk::TalkDue, T::P(1), U::Police, U::Coord, Due::Target, F, Ts::Open, F),
        ("线索呈阅：{serial}", Tk::LeadReview, T::L(2), U::Coord, U::Coord, Due::Target, F, Ts::Open, F),
        ("督办：线索 {serial} 核查", Tk::LeadVerification, T::L(1), U::Police, U::Coord, Due::Target, M, Ts::InProgress, F),
        ("派出所月报", Tk::MonthlyReport, T::None, U::Police, U::Coord, Due::Month(0, 23), F, Ts::Accepted, F),
    ],
};

const TALK_SUMMARIES: [&str; 3] = [
    "开展法治教育，告知列管事项和报告义务，本人表示遵守。",
    "了解近期就业和交往情况，提醒远离原不良交往对象。",
    "训诫谈话，指出近期不良行为，责令具结悔过。",
];
const INSPECTION_FINDINGS: [&str; 3] = [
    "证照齐全，治安防范制度落实，未发现问题。",
    "登记台账不完整，已责令限期整改。",
    "监控设备部分损坏，已要求三日内修复。",
];
const ASSESSMENT_NOTES: [&str; 5] = [
    "认错悔过态度端正，无对抗情绪。",
    "在本地务工，收入稳定。",
    "与家人同住，家庭关系和睦。",
    "交往对象已掌握，无不良交往。",
    "日常居住本村，外出主动报告。",
];
const FEEDBACK: [&str; 2] = ["已上门走访，落实包案责任人，当事各方情绪稳定。", "回访：化解措施已落实，未再发生冲突。"];
const CHECK_NOTES: [&str; 2] = ["日排查：已走访当事人，未发现异常。", "今日排查：情况稳定，无新变化。"];
const LEADER: &str = "镇党委副书记 韩卫东";

// ---------------------------------------------------------------------------------------------
// The town the records go into.

struct Town {
    id: Uuid,
    now: DateTime<Utc>,
    today: NaiveDate,
    names: &'static [&'static str],
    /// (village id, village unit id), in the order of `World::villages`.
    villages: Vec<(Uuid, Uuid)>,
    units: Vec<org_unit::Model>,
    users: Vec<app_user::Model>,
}

impl Town {
    async fn find(txn: &impl ConnectionTrait, id: Uuid, names: &'static [&'static str]) -> Result<Self, DemoError> {
        let units = org_unit::Entity::find().filter(org_unit::Column::TownId.eq(id)).all(txn).await?;
        let all = village::Entity::find().filter(village::Column::TownId.eq(id)).all(txn).await?;
        let mut villages = Vec::new();
        for name in names {
            let v = all.iter().find(|v| v.name == *name).ok_or_else(|| anyhow!("demo village {name} missing"))?;
            let unit = units
                .iter()
                .find(|u| u.village_id == Some(v.id))
                .ok_or_else(|| anyhow!("demo village {name} has no unit"))?;
            villages.push((v.id, unit.id));
        }
        let users = app_user::Entity::find().filter(app_user::Column::TownId.eq(id)).all(txn).await?;
        let now = Utc::now();
        Ok(Self { id, now, today: local_date(now), names, villages, units, users })
    }

    fn unit(&self, u: U) -> Result<Uuid, DemoError> {
        let kind = match u {
            U::V(i) => {
                return Ok(self.villages.get(i).ok_or_else(|| anyhow!("no demo village {i}"))?.1);
            }
            U::Coord => UnitKind::CoordinationOffice,
            U::Jiwei => UnitKind::DisciplineCommission,
            U::Police => UnitKind::PoliceStation,
            U::Sifa => UnitKind::JudicialOffice,
        };
        let unit = self.units.iter().find(|unit| unit.kind == kind);
        Ok(unit.ok_or_else(|| anyhow!("demo town lacks a {kind:?} unit"))?.id)
    }

    /// The unit's working user (never the admin), if it has one: the actor of the unit's steps.
    fn user(&self, unit: Uuid) -> Option<&app_user::Model> {
        self.users.iter().find(|user| user.org_unit_id == unit && user.role != Role::Admin)
    }

    /// The unit and its user, for records that need a user.
    fn actor(&self, u: U) -> Result<(Uuid, Uuid), DemoError> {
        let unit = self.unit(u)?;
        Ok((unit, self.user(unit).ok_or_else(|| anyhow!("demo unit {unit} has no user"))?.id))
    }

    fn ago(&self, days: Days) -> DateTime<Utc> {
        self.now - Duration::days(days)
    }

    fn date(&self, days_ago: Days) -> NaiveDate {
        self.today - Duration::days(days_ago)
    }

    /// Day `day` (0: the last day) of the month `months` from this one.
    fn month_day(&self, months: i32, day: u32) -> NaiveDate {
        let first = self.today.with_day(1).unwrap_or(self.today);
        // The last day of a month is the day before the next month's first.
        let offset = months + i32::from(day == 0);
        let shift = Months::new(offset.unsigned_abs());
        let month = if offset >= 0 { first.checked_add_months(shift) } else { first.checked_sub_months(shift) };
        let month = month.unwrap_or(first);
        if day == 0 { month.pred_opt().unwrap_or(month) } else { month.with_day(day).unwrap_or(month) }
    }

    /// The k-th village lead-report deadline (the 15th and the last day of each month) from
    /// today: 0 is the next one (today included), -1 the one before.
    fn report_deadline(&self, k: i32) -> NaiveDate {
        let mut days: Vec<NaiveDate> = (-3..=3).flat_map(|m| [self.month_day(m, 15), self.month_day(m, 0)]).collect();
        days.sort();
        let next = days.iter().position(|d| *d >= self.today).unwrap_or(0) as i32;
        days[(next + k).clamp(0, days.len() as i32 - 1) as usize]
    }
}

/// The towns keep China Standard Time: a day, and a deadline "by the end of the day", ends at
/// local midnight.
const ZONE_HOURS: i64 = 8;

fn local_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(ZONE_HOURS)).date_naive()
}

fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    (date + Duration::days(1)).and_time(chrono::NaiveTime::MIN).and_utc()
        - Duration::hours(ZONE_HOURS)
        - Duration::seconds(1)
}

/// An 18-digit national ID number (GB 11643): region, birth date, a three-digit order code whose
/// last digit is odd for men, and the check digit.
fn id_number(region: &str, birth: NaiveDate, seq: u32, male: bool) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let order = (seq % 500) * 2 + u32::from(male);
    let body = format!("{region}{}{order:03}", birth.format("%Y%m%d"));
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn interval(level: Lv, venue: bool) -> Days {
    match (level, venue) {
        (Lv::General, _) => 90,
        (Lv::Key, _) => 60,
        (Lv::Special, false) => 30,
        (Lv::Special, true) => 15,
    }
}
