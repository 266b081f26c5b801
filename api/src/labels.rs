//! The 中文 (and English) names of every enum value: the `labels` query, the spreadsheets'
//! cells and the reports' rows all read them here.

/// (GraphQL enum name, [(value, 中文)]).
pub const LABELS: &[(&str, &[(&str, &str)])] = &[
    (
        "Role",
        &[
            ("COORDINATOR", "扫黑办"),
            ("DISCIPLINE", "纪委"),
            ("POLICE", "派出所"),
            ("JUDICIAL", "司法所"),
            ("VILLAGE", "村（社区）"),
            ("ADMIN", "系统管理员"),
        ],
    ),
    (
        "UnitKind",
        &[
            ("COORDINATION_OFFICE", "扫黑办/综治办"),
            ("DISCIPLINE_COMMISSION", "纪委/纪工委"),
            ("POLICE_STATION", "派出所"),
            ("JUDICIAL_OFFICE", "司法所"),
            ("VILLAGE", "村（社区）"),
        ],
    ),
    ("Gender", &[("MALE", "男"), ("FEMALE", "女")]),
    ("PersonCategory", PERSON_CATEGORIES),
    ("JudicialTag", &[("RELEASED_PRISONER", "刑满释放人员"), ("COMMUNITY_CORRECTION", "社区矫正对象")]),
    ("AttentionLevel", &[("GENERAL", "一般关注"), ("KEY", "重点关注"), ("SPECIAL", "特别关注")]),
    ("RecordStatus", &[("ACTIVE", "在管"), ("DELISTED", "已撤管")]),
    ("TalkKind", &[("ADMONITION", "训诫谈话"), ("EDUCATION", "教育谈话"), ("OTHER", "其他谈话")]),
    (
        "MeasureKind",
        &[
            ("ADMONITION_TALK", "训诫谈话"),
            ("CLOSE_CONTROL", "严管严控"),
            ("ADMINISTRATIVE_PENALTY", "行政处罚"),
            ("CRIMINAL_PROSECUTION", "刑事追诉"),
        ],
    ),
    (
        "LevelChangeKind",
        &[("RAISE", "升级关注"), ("STEP_DOWN", "降级/撤管"), ("AUTO_ESCALATION", "自动升级"), ("INITIAL", "初次列管")],
    ),
    (
        "LevelChangeStatus",
        &[("PENDING", "待审批"), ("APPROVED", "已批准"), ("REJECTED", "已驳回"), ("APPLIED", "已生效")],
    ),
    (
        "VenueType",
        &[
            ("FARMERS_MARKET", "农贸市场"),
            ("ENTERTAINMENT", "娱乐场所"),
            ("STREET_FOOD_STALL", "夜市排档"),
            ("CAR_RENTAL", "汽车租赁"),
            ("LENDING_COMPANY", "小额贷款公司"),
            ("DEBT_COLLECTION", "讨债公司"),
            ("MARTIAL_ARTS_SCHOOL", "武术学校"),
            ("BATH_MASSAGE", "洗浴按摩"),
            ("LODGING", "宾馆/公寓/出租房"),
            ("PROPERTY_MANAGEMENT", "物业公司"),
            ("SECURITY_COMPANY", "保安公司"),
            ("INTERNET_CAFE", "网吧"),
            ("TATTOO_SHOP", "纹身店"),
            ("LOGISTICS", "物流"),
            ("MINING", "采矿/采砂"),
            ("OTHER", "其他"),
        ],
    ),
    (
        "LeadSource",
        &[
            ("PUBLIC_REPORT", "群众举报"),
            ("POLICE", "公安"),
            ("DISCIPLINE", "纪检监察"),
            ("JUDICIAL", "司法"),
            ("VILLAGE", "村（社区）上报"),
            ("SECTOR_DEPARTMENT", "行业部门"),
            ("MEDIA", "媒体"),
            ("OTHER", "其他"),
        ],
    ),
    (
        "LeadStatus",
        &[
            ("REGISTERED", "已登记"),
            ("TRANSFERRED", "已移交"),
            ("UNDER_REVIEW", "呈阅中"),
            ("ESCALATED", "已上报县扫黑办"),
            ("LOCAL_HANDLING", "本级办理"),
            ("VERIFYING", "核查中"),
            ("SUBSTANTIATED", "查实"),
            ("UNFOUNDED", "查否"),
        ],
    ),
    ("CountyAnswer", &[("TAKEN_OVER", "县级接办"), ("DECLINED", "退回本级")]),
    (
        "LeadEventKind",
        &[
            ("REGISTERED", "登记"),
            ("TRANSFERRED", "移交"),
            ("REVIEW_STARTED", "呈阅"),
            ("DECIDED", "决定"),
            ("COUNTY_ANSWERED", "县级答复"),
            ("ASSIGNED", "四定一包"),
            ("CONCLUDED", "办结"),
            ("MARKED_UMBRELLA", "标记为保护伞线索"),
            ("UNMARKED_UMBRELLA", "取消保护伞标记"),
            ("GANG_PART_HANDED_OVER", "涉黑部分移交公安"),
            ("MARKED_MAJOR", "标记重大线索"),
        ],
    ),
    (
        "RiskCategory",
        &[
            ("SOCIAL_CONFLICT", "矛盾纠纷"),
            ("PUBLIC_SAFETY_HAZARD", "治安隐患"),
            ("KEY_PERSON_RISK", "重点人员风险"),
            ("VIOLENT_ESCALATION", "民转刑风险"),
            ("ILLEGAL_FUNDRAISING", "非法集资"),
            ("CYBER_CRIME", "网络犯罪"),
            ("CAMPUS_SAFETY", "护校安园"),
            ("TRAFFIC_SAFETY", "交通安全"),
        ],
    ),
    ("RiskLevel", &[("HIGH", "高风险"), ("MEDIUM", "中风险"), ("LOW", "低风险")]),
    ("RiskStatus", &[("REPORTED", "已上报"), ("ASSESSED", "已研判"), ("RESOLVING", "化解中"), ("RESOLVED", "已销号")]),
    ("EscalationLevel", &[("VILLAGE", "村级"), ("TOWN", "镇级"), ("DISTRICT", "区级")]),
    (
        "RiskEventKind",
        &[
            ("REPORTED", "上报"),
            ("UPDATED", "修改"),
            ("ASSESSED", "研判"),
            ("FEEDBACK", "反馈"),
            ("ESCALATED", "提级"),
            ("RESOLVED", "销号"),
        ],
    ),
    (
        "TaskKind",
        &[
            ("TALK_DUE", "谈话到期"),
            ("INSPECTION_DUE", "检查到期"),
            ("LEAD_TRANSFER", "线索移交"),
            ("LEAD_REVIEW", "线索呈阅"),
            ("LEAD_VERIFICATION", "线索核查"),
            ("VILLAGE_LEAD_REPORT", "村级线索报送"),
            ("RISK_FEEDBACK", "风险反馈"),
            ("RISK_RESOLUTION", "风险化解"),
            ("MONTHLY_REPORT", "月报"),
            ("WEEKLY_REPORT", "周通报"),
            ("AD_HOC", "专项督办"),
            ("PERSON_LINK", "人员关联申请"),
            ("MEETING_DECISION", "会议决定事项"),
            ("MONTHLY_ANALYSIS_MEETING", "月度研判会"),
            ("UMBRELLA_LEAD_RECEIVED", "保护伞线索24小时内受理"),
            ("MAJOR_LEAD_REPORT", "重大线索2小时内上报"),
            ("STEP_DOWN_REVIEW", "降级审批"),
            ("WEEKLY_RISK_UPDATE", "风险隐患周调整"),
        ],
    ),
    (
        "MeetingKind",
        &[("MONTHLY_ANALYSIS", "研判会"), ("JOINT_MEETING", "联席会议"), ("THREE_LEVEL_JOINT_MEETING", "三级联席会议")],
    ),
    (
        "TaskStatus",
        &[
            ("OPEN", "待办"),
            ("IN_PROGRESS", "办理中"),
            ("SUBMITTED", "已提交"),
            ("ACCEPTED", "已验收"),
            ("CANCELLED", "已撤销"),
        ],
    ),
    (
        "TaskTargetType",
        &[
            ("PERSON", "重点人员"),
            ("VENUE", "重点场所"),
            ("LEAD", "线索"),
            ("RISK_ITEM", "风险隐患"),
            ("MEETING", "会议"),
        ],
    ),
    (
        "TaskEventKind",
        &[
            ("CREATED", "创建"),
            ("STARTED", "开始办理"),
            ("FEEDBACK", "反馈"),
            ("SUBMITTED", "提交"),
            ("ACCEPTED", "验收"),
            ("RETURNED", "退回"),
            ("CANCELLED", "撤销"),
            ("SYSTEM_CLOSED", "系统自动办结"),
            ("NIL_REPORT", "零报告"),
        ],
    ),
    (
        "TaskChange",
        &[
            ("STARTED", "开始办理"),
            ("FEEDBACK", "反馈"),
            ("SUBMITTED", "提交"),
            ("ACCEPTED", "验收"),
            ("RETURNED", "退回"),
            ("CANCELLED", "撤销"),
            ("NIL_REPORT", "零报告"),
            ("CHANGED", "变更"),
        ],
    ),
    ("AuditOutcome", &[("ALLOWED", "允许"), ("DENIED", "拒绝")]),
    ("PersonOrderField", &[("NAME", "姓名"), ("LISTED_AT", "列管日期"), ("NEXT_DUE", "下次谈话到期")]),
    ("VenueOrderField", &[("NAME", "名称"), ("LISTED_AT", "列管日期"), ("NEXT_DUE", "下次检查到期")]),
    ("SortDirection", &[("ASC", "升序"), ("DESC", "降序")]),
    ("StepDownDecision", &[("APPROVE", "批准"), ("REJECT", "驳回")]),
    ("LeadCoarseStatus", &[("RECEIVED", "已接收"), ("IN_PROGRESS", "办理中"), ("CONCLUDED", "已办结")]),
    ("LeadOrderField", &[("RECEIVED_AT", "接收时间"), ("DEADLINE", "办理期限"), ("SERIAL", "编号")]),
    ("RiskOrderField", &[("REPORTED_AT", "上报时间"), ("FEEDBACK_DUE", "反馈期限")]),
    ("LeadDecision", &[("ESCALATED", "上报县扫黑办"), ("LOCAL_HANDLING", "交综治办办理")]),
    ("LeadOutcome", &[("SUBSTANTIATED", "查实"), ("UNFOUNDED", "查否")]),
    ("AuditCategory", &[("CASE", "案件数据"), ("ADMINISTRATION", "系统管理")]),
    ("ReportKind", &[("WEEKLY", "周通报"), ("MONTHLY", "月报")]),
];

const PERSON_CATEGORIES: &[(&str, &str)] = &[
    ("PRIOR_GANG_CRIME", "黑恶前科/监外执行"),
    ("PRIOR_VIOLENCE", "暴力犯罪前科"),
    ("VICE", "黄赌毒"),
    ("GROUP_CRIME", "三人以上结伙"),
    ("USURY_SOFT_VIOLENCE", "高利贷/套路贷/软暴力"),
    ("GRASSROOTS_POWER_ABUSE", "把持基层政权"),
    ("LOCAL_TYRANT", "村霸市霸行霸路霸/宗族势力"),
    ("CADRE_CRIME", "乡村干部违法犯罪"),
    ("MARKET_BULLYING", "欺行霸市/强买强卖"),
    ("SECTOR_MONOPOLY", "强揽工程/控制市场"),
    ("DEMOLITION_INTIMIDATION", "征地拆迁威胁恐吓"),
    ("ONLINE_EXTORTION", "网络敲诈/软暴力催收"),
    ("CONTROLLED_WEAPONS", "携带管制器具滋事"),
    ("CAMPUS_DISTURBANCE", "校园周边滋扰"),
    ("SCHOOL_BULLYING", "校园霸凌"),
    ("REPEATED_MINOR_OFFENCES", "小错不断"),
    ("PROVOCATION", "滋事闹事/飙车炸街"),
    ("OTHER_REPORTED", "群众反映强烈的其他"),
];

/// The values of an enum with their 中文 names. `LeadCategory` is the person categories plus
/// `PROTECTIVE_UMBRELLA` (domain.md "Leads").
pub fn lookup(enum_name: &str) -> Option<Vec<(&'static str, &'static str)>> {
    if enum_name == "LeadCategory" {
        let mut values = PERSON_CATEGORIES.to_vec();
        values.push(("PROTECTIVE_UMBRELLA", "保护伞"));
        return Some(values);
    }
    LABELS.iter().find(|(name, _)| *name == enum_name).map(|(_, values)| values.to_vec())
}

/// `PRIOR_GANG_CRIME` -> `Prior gang crime`.
pub fn humanize(value: &str) -> String {
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
