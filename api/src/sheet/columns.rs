//! The columns of each exported list: a Chinese header, the field group that holds the value
//! (access.md "Field groups"), and how the value is written. The import reads the same headers.

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, FixedOffset, Utc};
use entity::enums::JudicialTag;
use entity::{audit_log, lead, person, person_judicial_tag, risk_item, task, venue};
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::{Cell, label, yes_no};
use crate::access::resource::{AuditEntries, Leads, Persons, Resource, RiskItems, Tasks, Venues};
use crate::access::store::{Listed, Store};
use crate::access::stores::audit::AuditFilter;
use crate::access::stores::person as person_store;
use crate::access::stores::task::{TaskFilter, TaskList};
use crate::access::stores::{lead as lead_list, person as person_list, risk as risk_list, venue as venue_list};
use crate::error::ApiError;
use crate::ids;

/// Names of the town's villages and units, to write references as names.
#[derive(Default)]
pub struct Names {
    pub villages: HashMap<Uuid, String>,
    pub units: HashMap<Uuid, String>,
}

impl Names {
    fn village(&self, id: Uuid) -> Cell {
        Cell::opt(self.villages.get(&id).map(String::as_str))
    }
    fn unit(&self, id: Option<Uuid>) -> Cell {
        Cell::opt(id.and_then(|id| self.units.get(&id)).map(String::as_str))
    }
}

/// One column: its header, the group holding its value (`None`: held by whoever reads the row),
/// and the value of a row.
pub struct Column<M, X> {
    pub header: &'static str,
    pub group: Option<&'static str>,
    pub value: fn(&M, &X, &Names) -> Cell,
}

type Model<S> = <<S as Resource>::Entity as EntityTrait>::Model;

/// A list that exports: its filter (the list's own, from the query string), its columns and
/// what a row needs besides its table row (a person's categories and tags). The rows come from
/// the list's own store ([`Store::list`]), a keyset page at a time, in the list's default order.
pub trait Sheet: Listed<Order: Default, Filter: Clone + Sync> {
    /// The file name in `/export/{FILE}.{xlsx|csv}`.
    const FILE: &'static str;
    /// The object type in the audit log.
    const OBJECT: &'static str;
    /// Groups never exported, to anyone.
    const NEVER: &'static [&'static str] = &[];
    /// The action the policy must grant on the rows for the export (besides reading them).
    const ACTION: &'static str = "read";
    /// The filter a query string gives.
    type Query: async_graphql::InputType + Default;
    type Extra: Send + Default;

    fn columns() -> Vec<Column<Model<Self>, Self::Extra>>;
    /// The list's filter for an export's filter (the same type, but for tasks).
    fn listing(filter: Self::Query) -> <Self as Listed>::Filter;
    /// The extras of a page of rows, in the same order, read through the viewer's store.
    fn extras(
        _store: &Store<'_>,
        _db: &DatabaseConnection,
        rows: &[Model<Self>],
    ) -> impl Future<Output = Result<Vec<Self::Extra>, ApiError>> + Send {
        let none = rows.iter().map(|_| Self::Extra::default()).collect();
        async move { Ok(none) }
    }
}

/// Times as the town reads them (China Standard Time).
fn at(value: DateTime<Utc>) -> Cell {
    let cst = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    Cell::Text(value.with_timezone(&cst).format("%Y-%m-%d %H:%M").to_string())
}

fn opt_at(value: Option<DateTime<Utc>>) -> Cell {
    value.map_or(Cell::Empty, at)
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

/// A person's categories and judicial tags.
#[derive(Default)]
pub struct PersonRecord {
    pub categories: Vec<entity::enums::PersonCategory>,
    pub tags: Vec<person_judicial_tag::Model>,
}

impl PersonRecord {
    fn tag(&self, tag: JudicialTag) -> Option<&person_judicial_tag::Model> {
        self.tags.iter().find(|t| t.tag == tag)
    }
}

/// Headers the person import reads back.
pub mod person_headers {
    pub const NAME: &str = "姓名";
    pub const GENDER: &str = "性别";
    pub const LEVEL: &str = "关注等级";
    pub const VILLAGE: &str = "村（社区）";
    pub const ID_NUMBER: &str = "身份证号";
    pub const BIRTH_DATE: &str = "出生日期";
    pub const PHONE: &str = "联系电话";
    pub const ADDRESS: &str = "住址";
    pub const CATEGORIES: &str = "人员类别";
    pub const TAGS: &str = "司法标签";
    pub const RELEASE_DATE: &str = "释放日期";
    pub const CORRECTION_END: &str = "矫正期满日期";
    pub const NOTES: &str = "备注";
}

/// Headers the venue import reads back.
pub mod venue_headers {
    pub const NAME: &str = "场所名称";
    pub const TYPE: &str = "场所类型";
    pub const ADDRESS: &str = "地址";
    pub const VILLAGE: &str = "村（社区）";
    pub const LEVEL: &str = "关注等级";
    pub const LICENCE: &str = "许可证号";
    pub const MANAGER: &str = "负责人";
    pub const MANAGER_PHONE: &str = "负责人电话";
    pub const NOTES: &str = "备注";
}

/// Several values in one cell.
pub const SEPARATOR: &str = "、";

impl Sheet for Persons {
    const FILE: &'static str = "persons";
    const OBJECT: &'static str = "Person";
    type Query = person_list::PersonFilter;
    type Extra = PersonRecord;

    fn listing(filter: Self::Query) -> Self::Query {
        filter
    }

    fn columns() -> Vec<Column<person::Model, PersonRecord>> {
        use person_headers as h;
        let basic = Some("basic");
        let identity = Some("identity");
        let record = Some("record");
        vec![
            Column { header: h::NAME, group: basic, value: |m, _, _| text(&m.name) },
            Column { header: h::GENDER, group: basic, value: |m, _, _| Cell::Text(label(&m.gender)) },
            Column { header: h::LEVEL, group: basic, value: |m, _, _| Cell::Text(label(&m.attention_level)) },
            Column { header: "状态", group: basic, value: |m, _, _| Cell::Text(label(&m.status)) },
            Column { header: "列管日期", group: basic, value: |m, _, _| Cell::Date(m.listed_at) },
            Column { header: h::VILLAGE, group: basic, value: |m, _, n| n.village(m.village_id) },
            Column { header: h::ID_NUMBER, group: identity, value: |m, _, _| text(&m.id_number) },
            Column { header: h::BIRTH_DATE, group: identity, value: |m, _, _| Cell::Date(m.birth_date) },
            Column { header: h::PHONE, group: identity, value: |m, _, _| Cell::opt(m.phone.as_deref()) },
            Column { header: h::ADDRESS, group: identity, value: |m, _, _| Cell::opt(m.address.as_deref()) },
            Column {
                header: h::CATEGORIES,
                group: record,
                value: |_, x, _| Cell::Text(x.categories.iter().map(label).collect::<Vec<_>>().join(SEPARATOR)),
            },
            Column {
                header: h::TAGS,
                group: record,
                value: |_, x, _| Cell::Text(x.tags.iter().map(|t| label(&t.tag)).collect::<Vec<_>>().join(SEPARATOR)),
            },
            Column {
                header: h::RELEASE_DATE,
                group: record,
                value: |_, x, _| {
                    x.tag(JudicialTag::ReleasedPrisoner).and_then(|t| t.release_date).map_or(Cell::Empty, Cell::Date)
                },
            },
            Column {
                header: h::CORRECTION_END,
                group: record,
                value: |_, x, _| {
                    x.tag(JudicialTag::CommunityCorrection)
                        .and_then(|t| t.correction_end_date)
                        .map_or(Cell::Empty, Cell::Date)
                },
            },
            Column { header: h::NOTES, group: Some("notes"), value: |m, _, _| Cell::opt(m.notes.as_deref()) },
        ]
    }

    async fn extras(
        store: &Store<'_>,
        db: &DatabaseConnection,
        rows: &[person::Model],
    ) -> Result<Vec<PersonRecord>, ApiError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut categories = store.children::<person_store::Categories>(db, &ids).await?;
        let mut tags = store.children::<person_store::Tags>(db, &ids).await?;
        Ok(rows
            .iter()
            .map(|r| PersonRecord {
                categories: categories.remove(&r.id).unwrap_or_default().into_iter().map(|c| c.category).collect(),
                tags: tags.remove(&r.id).unwrap_or_default(),
            })
            .collect())
    }
}

impl Sheet for Venues {
    const FILE: &'static str = "venues";
    const OBJECT: &'static str = "Venue";
    type Query = venue_list::VenueFilter;
    type Extra = ();

    fn listing(filter: Self::Query) -> Self::Query {
        filter
    }

    fn columns() -> Vec<Column<venue::Model, ()>> {
        use venue_headers as h;
        let basic = Some("basic");
        let contact = Some("contact");
        vec![
            Column { header: h::NAME, group: basic, value: |m, _, _| text(&m.name) },
            Column { header: h::TYPE, group: basic, value: |m, _, _| Cell::Text(label(&m.venue_type)) },
            Column { header: h::ADDRESS, group: basic, value: |m, _, _| text(&m.address) },
            Column { header: h::VILLAGE, group: basic, value: |m, _, n| n.village(m.village_id) },
            Column { header: h::LEVEL, group: basic, value: |m, _, _| Cell::Text(label(&m.attention_level)) },
            Column { header: "状态", group: basic, value: |m, _, _| Cell::Text(label(&m.status)) },
            Column { header: "列管日期", group: basic, value: |m, _, _| Cell::Date(m.listed_at) },
            Column { header: h::LICENCE, group: contact, value: |m, _, _| Cell::opt(m.licence_number.as_deref()) },
            Column { header: h::MANAGER, group: contact, value: |m, _, _| Cell::opt(m.manager_name.as_deref()) },
            Column { header: h::MANAGER_PHONE, group: contact, value: |m, _, _| Cell::opt(m.manager_phone.as_deref()) },
            Column { header: h::NOTES, group: Some("record"), value: |m, _, _| Cell::opt(m.notes.as_deref()) },
        ]
    }
}

impl Sheet for Leads {
    const FILE: &'static str = "leads";
    const OBJECT: &'static str = "Lead";
    /// Whoever reported a lead is never written to a file (access.md: the reporter group).
    const NEVER: &'static [&'static str] = &["reporter"];
    type Query = lead_list::LeadFilter;
    type Extra = ();

    fn listing(filter: Self::Query) -> Self::Query {
        filter
    }

    fn columns() -> Vec<Column<lead::Model, ()>> {
        let shell = Some("shell");
        let receipt = Some("receipt");
        let submission = Some("submission");
        let handling = Some("handling");
        vec![
            Column { header: "线索编号", group: shell, value: |m, _, _| text(&m.serial) },
            Column { header: "保护伞线索", group: shell, value: |m, _, _| yes_no(m.umbrella) },
            Column { header: "接收时间", group: receipt, value: |m, _, _| at(m.received_at) },
            Column { header: "接收单位", group: receipt, value: |m, _, n| n.unit(Some(m.receiving_unit_id)) },
            Column { header: "线索来源", group: submission, value: |m, _, _| Cell::Text(label(&m.source)) },
            Column { header: "线索类别", group: submission, value: |m, _, _| Cell::Text(label(&m.category)) },
            Column { header: "涉及公职人员", group: submission, value: |m, _, _| yes_no(m.involves_official) },
            Column { header: "线索摘要", group: submission, value: |m, _, _| text(&m.summary) },
            Column { header: "办理状态", group: handling, value: |m, _, _| Cell::Text(label(&m.status)) },
            Column { header: "承办单位", group: handling, value: |m, _, n| n.unit(m.assignee_unit_id) },
            Column {
                header: "责任领导", group: handling, value: |m, _, _| Cell::opt(m.responsible_leader.as_deref())
            },
            Column {
                header: "责任人", group: handling, value: |m, _, _| Cell::opt(m.responsible_person.as_deref())
            },
            Column { header: "办结时间", group: handling, value: |m, _, _| opt_at(m.concluded_at) },
        ]
    }
}

impl Sheet for RiskItems {
    const FILE: &'static str = "risk-items";
    const OBJECT: &'static str = "RiskItem";
    type Query = risk_list::RiskFilter;
    type Extra = ();

    fn listing(filter: Self::Query) -> Self::Query {
        filter
    }

    fn columns() -> Vec<Column<risk_item::Model, ()>> {
        let basic = Some("basic");
        let detail = Some("detail");
        vec![
            Column { header: "标题", group: basic, value: |m, _, _| text(&m.title) },
            Column { header: "类别", group: basic, value: |m, _, _| Cell::Text(label(&m.category)) },
            Column {
                header: "风险等级",
                group: basic,
                value: |m, _, _| m.level.map_or(Cell::Empty, |l| Cell::Text(label(&l))),
            },
            Column { header: "村（社区）", group: basic, value: |m, _, n| n.village(m.village_id) },
            Column { header: "状态", group: basic, value: |m, _, _| Cell::Text(label(&m.status)) },
            Column { header: "化解层级", group: basic, value: |m, _, _| Cell::Text(label(&m.escalation_level)) },
            Column { header: "属地单位", group: basic, value: |m, _, n| n.unit(m.territorial_unit_id) },
            Column { header: "行业单位", group: basic, value: |m, _, n| n.unit(m.sector_unit_id) },
            Column { header: "承办单位", group: basic, value: |m, _, n| n.unit(m.assignee_unit_id) },
            Column { header: "上报时间", group: basic, value: |m, _, _| at(m.created_at) },
            Column { header: "反馈期限", group: basic, value: |m, _, _| opt_at(m.feedback_due_at) },
            Column { header: "情况描述", group: detail, value: |m, _, _| text(&m.description) },
            Column { header: "地点", group: detail, value: |m, _, _| Cell::opt(m.location.as_deref()) },
            Column { header: "网格", group: detail, value: |m, _, _| Cell::opt(m.grid.as_deref()) },
            Column { header: "责任人", group: detail, value: |m, _, _| Cell::opt(m.responsible_person.as_deref()) },
            Column { header: "化解方案", group: detail, value: |m, _, _| Cell::opt(m.plan.as_deref()) },
            Column { header: "销号说明", group: detail, value: |m, _, _| Cell::opt(m.resolution_note.as_deref()) },
            Column { header: "销号时间", group: detail, value: |m, _, _| opt_at(m.resolved_at) },
            Column { header: "当事人", group: Some("parties"), value: |m, _, _| Cell::opt(m.parties.as_deref()) },
        ]
    }
}

impl Sheet for Tasks {
    const FILE: &'static str = "tasks";
    const OBJECT: &'static str = "Task";
    type Query = TaskFilter;
    type Extra = ();

    fn listing(filter: TaskFilter) -> TaskList {
        TaskList { filter, mine: false }
    }

    fn columns() -> Vec<Column<task::Model, ()>> {
        vec![
            Column { header: "任务标题", group: None, value: |m, _, _| text(&m.title) },
            Column { header: "任务类型", group: None, value: |m, _, _| Cell::Text(label(&m.kind)) },
            Column { header: "状态", group: None, value: |m, _, _| Cell::Text(label(&m.status)) },
            Column { header: "承办单位", group: None, value: |m, _, n| n.unit(Some(m.assignee_unit_id)) },
            Column { header: "交办单位", group: None, value: |m, _, n| n.unit(Some(m.creating_unit_id)) },
            Column { header: "办理期限", group: None, value: |m, _, _| at(m.due_at) },
            Column { header: "挂牌督办", group: None, value: |m, _, _| yes_no(m.listed) },
            Column { header: "任务说明", group: None, value: |m, _, _| Cell::opt(m.description.as_deref()) },
        ]
    }
}

impl Sheet for AuditEntries {
    const FILE: &'static str = "audit-log";
    const OBJECT: &'static str = "AuditEntry";
    /// The discipline commission's (access.md "Audit log"): the policy grants `export` to it.
    const ACTION: &'static str = "export";
    type Query = AuditFilter;
    type Extra = ();

    /// An export reads the log as it stood when it began: every page it writes is audited, and
    /// those entries must not become rows of the same export.
    fn listing(mut filter: AuditFilter) -> AuditFilter {
        let now = Utc::now();
        filter.to = Some(filter.to.map_or(now, |to| to.min(now)));
        filter
    }

    fn columns() -> Vec<Column<audit_log::Model, ()>> {
        vec![
            Column { header: "时间", group: None, value: |m, _, _| at(m.created_at) },
            Column { header: "用户名", group: None, value: |m, _, _| text(&m.username) },
            Column { header: "单位名称", group: None, value: |m, _, _| text(&m.unit_name) },
            Column { header: "操作", group: None, value: |m, _, _| text(&m.action) },
            Column { header: "对象类型", group: None, value: |m, _, _| text(&m.object_type) },
            Column {
                header: "对象编号",
                group: None,
                value: |m, _, _| match (ids::Kind::named(&m.object_type), m.object_id) {
                    (Some(kind), Some(id)) => Cell::Text(ids::encode(kind, id).0),
                    _ => Cell::Empty,
                },
            },
            Column { header: "字段组", group: None, value: |m, _, _| text(&m.field_groups) },
            Column { header: "请求编号", group: None, value: |m, _, _| text(&m.request_id) },
            Column { header: "结果", group: None, value: |m, _, _| Cell::Text(label(&m.outcome)) },
            Column { header: "审计类别", group: None, value: |m, _, _| Cell::Text(label(&m.category)) },
        ]
    }
}
