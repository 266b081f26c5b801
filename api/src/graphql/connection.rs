//! Relay connections with keyset cursors.
//!
//! A cursor is opaque to clients: base64url of the sort key and the row id, so the next page is
//! `WHERE (key, id) > (cursor key, cursor id)` on an index, never an OFFSET. `totalCount` runs
//! only when asked for, and from the same scoped condition as the page.

pub use crate::access::page::{
    DEFAULT_PAGE, KeyKind, MAX_PAGE, Position, after, decode_cursor, encode_cursor, page_size,
};
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{OutputType, SimpleObject};

use super::flat::{Flat, Rows};

/// 分页 — one keyset page of a list: its rows, with and without cursors, the page info and the
/// total.
// `E` is always `Edge<T>`; async-graphql needs both named for concrete types.
#[derive(SimpleObject)]
#[graphql(concrete(name = "PersonConnection", params(super::person::Person, super::person::PersonEdge)))]
#[graphql(concrete(name = "VenueConnection", params(super::venue::Venue, super::venue::VenueEdge)))]
#[graphql(concrete(name = "LeadConnection", params(super::lead::Lead, super::lead::LeadEdge)))]
#[graphql(concrete(name = "TaskConnection", params(super::task::Task, super::task::TaskEdge)))]
#[graphql(concrete(name = "RiskItemConnection", params(super::risk::RiskItem, super::risk::RiskItemEdge)))]
#[graphql(concrete(name = "UserConnection", params(super::org::User, super::admin::UserEdge)))]
#[graphql(concrete(name = "MeetingConnection", params(super::meeting::Meeting, super::meeting::MeetingEdge)))]
#[graphql(concrete(
    name = "LawyerReportConnection",
    params(super::lawyer_report::LawyerReport, super::lawyer_report::LawyerReportEdge)
))]
#[graphql(concrete(
    name = "AuditEntryConnection",
    params(super::audit_log::AuditEntry, super::audit_log::AuditEntryEdge)
))]
// The rows resolve field after field ([`Rows`]): they are the bulk of every answer.
pub struct Connection<T: OutputType + ContainerType, E: OutputType + ContainerType> {
    /// 边 — the rows of the page, each with its cursor.
    pub edges: Rows<E>,
    /// 记录 — the rows of the page, without cursors.
    pub nodes: Rows<T>,
    /// 分页信息 — whether more rows follow or precede, and the cursors at both ends.
    pub page_info: PageInfo,
    /// 总数 — how many rows match the filter in the viewer's scope.
    pub total_count: Option<i64>,
}

/// A page of `T`.
pub type Page<T> = Connection<T, Edge<T>>;

/// 边 — one row of a page, with its cursor.
#[derive(SimpleObject)]
#[graphql(concrete(name = "PersonEdge", params(super::person::Person)))]
#[graphql(concrete(name = "VenueEdge", params(super::venue::Venue)))]
#[graphql(concrete(name = "LeadEdge", params(super::lead::Lead)))]
#[graphql(concrete(name = "TaskEdge", params(super::task::Task)))]
#[graphql(concrete(name = "RiskItemEdge", params(super::risk::RiskItem)))]
#[graphql(concrete(name = "AuditEntryEdge", params(super::audit_log::AuditEntry)))]
#[graphql(concrete(name = "UserEdge", params(super::org::User)))]
#[graphql(concrete(name = "MeetingEdge", params(super::meeting::Meeting)))]
#[graphql(concrete(name = "LawyerReportEdge", params(super::lawyer_report::LawyerReport)))]
pub struct Edge<T: OutputType + ContainerType> {
    /// 游标 — an opaque cursor, for `after` or `before`.
    pub cursor: String,
    /// 记录 — the record on this edge.
    pub node: Flat<T>,
}

/// 分页信息 — whether more rows follow or precede a page, and the cursors at its ends.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// 有下一页 — more rows follow this page.
    pub has_next_page: bool,
    /// 有上一页 — more rows precede this page.
    pub has_previous_page: bool,
    /// 首行游标 — the cursor of the first row; pass it as `before` for the page before.
    pub start_cursor: Option<String>,
    /// 末行游标 — the cursor of the last row; pass it as `after` for the page after.
    pub end_cursor: Option<String>,
}

/// Which parts of a connection the query selects (by look-ahead, through fragments, whatever
/// their directives): a part it does not select is left empty, as nobody reads it. The edges'
/// cursors are the costly part: a cursor is a formatted and encoded string per row.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub edges: bool,
    pub cursors: bool,
    pub nodes: bool,
}

impl<T: OutputType + ContainerType + Clone> Connection<T, Edge<T>>
where
    Edge<T>: OutputType + ContainerType,
{
    /// A page of rows already cut to the page size, and whether more follow and precede it,
    /// with the parts `shape` selects.
    pub fn new(
        rows: Vec<(Position, T)>,
        shape: Shape,
        has_next_page: bool,
        has_previous_page: bool,
        total_count: Option<i64>,
    ) -> Self {
        let start_cursor = rows.first().map(|(p, _)| p.cursor());
        let end_cursor = rows.last().map(|(p, _)| p.cursor());
        let nodes = if shape.nodes { rows.iter().map(|(_, n)| n.clone()).collect() } else { Rows(Vec::new()) };
        let edges = if shape.edges {
            rows.into_iter()
                .map(|(place, node)| Edge {
                    cursor: if shape.cursors { place.cursor() } else { String::new() },
                    node: Flat(node),
                })
                .collect()
        } else {
            Rows(Vec::new())
        };
        let page_info = PageInfo { has_next_page, has_previous_page, start_cursor, end_cursor };
        Self { edges, nodes, page_info, total_count }
    }
}
