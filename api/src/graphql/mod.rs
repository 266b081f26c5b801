//! The GraphQL schema: one module per resource, merged here, with the limits of api.md.
//!
//! Resolvers get the [`Viewer`] from [`ContextExt::viewer`] and every read through the access
//! layer ([`crate::access::Access`]); none of them touches the database around it.

pub mod admin;
pub mod audit_log;
pub mod auth;
pub mod connection;
pub mod dashboard;
pub mod fetch;
pub mod flat;
pub mod import;
pub mod labels;
pub mod lawyer_report;
pub mod lead;
pub mod lead_loaders;
pub mod lead_steps;
pub mod level;
pub mod limits;
pub mod loaders;
pub mod meeting;
pub mod node;
pub mod org;
pub mod person;
pub mod person_duties;
pub mod person_links;
pub mod person_loaders;
pub mod refs;
pub mod report;
pub mod risk;
pub mod risk_loaders;
pub mod subscription;
pub mod task;
pub mod unit_report;
pub mod venue;
pub mod venue_loaders;

pub use crate::{ids, scalars};

use std::sync::Arc;

use async_graphql::{Context, MergedObject, Schema};

use crate::AppState;
use crate::auth::Viewer;
use crate::config::Limits;
use crate::error::ApiError;
use loaders::Loaders;

/// 查询 — every read, scoped to what the viewer may see.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    org::OrgQuery,
    admin::AdminQuery,
    person::PersonQuery,
    venue::VenueQuery,
    lead::LeadQuery,
    task::TaskQuery,
    risk::RiskQuery,
    audit_log::AuditQuery,
    meeting::MeetingQuery,
    lawyer_report::LawyerReportQuery,
    labels::LabelQuery,
    report::ReportQuery,
    unit_report::UnitReportQuery,
    dashboard::DashboardQuery,
);

/// 变更 — every change to the ledger; each one is a single transaction.
#[derive(MergedObject, Default)]
pub struct Mutation(
    auth::AuthMutation,
    person::PersonMutation,
    person_duties::PersonDutyMutation,
    person_links::PersonLinkMutation,
    venue::VenueMutation,
    lead_steps::LeadMutation,
    task::TaskMutation,
    unit_report::UnitReportMutation,
    risk::RiskMutation,
    meeting::MeetingMutation,
    lawyer_report::LawyerReportMutation,
    risk::RiskPlanMutation,
    admin::AdminMutation,
    import::ImportMutation,
);

pub type PinganSchema = Schema<Query, Mutation, subscription::Subscription>;

/// Who is asking, as the HTTP layer found it.
#[derive(Clone)]
pub enum Authn {
    /// No `Authorization` header.
    Anonymous,
    /// A header whose token or session is not valid.
    Invalid,
    Viewer(Viewer),
}

/// The client's address, for login rate limits.
#[derive(Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

/// Builds the schema with the configured limits. `dev` turns field suggestions on;
/// `introspection` answers `__schema` and `__type` (off outside demo mode unless asked for).
// No `.extension(..)` here: limits and error mapping run once per request, and the rows of a page
// resolve without per-field hooks (`flat`), which an extension resolving each field would miss.
pub fn build_schema(state: Arc<AppState>, limits: &Limits, dev: bool, introspection: bool) -> PinganSchema {
    builder(state, limits, dev, introspection).finish()
}

/// The schema twice: validating every document in full, and validating in
/// `ValidationMode::Fast` (the depth and complexity limits and fragment cycles only) for a run
/// that passed in full before (`pipeline::Admission::validated`). Validation was a twentieth of
/// the work of a page of 50 persons, every time, for the same few documents.
#[derive(Clone)]
pub struct Schemas {
    full: PinganSchema,
    fast: PinganSchema,
}

impl Schemas {
    pub fn new(state: Arc<AppState>, limits: &Limits, dev: bool, introspection: bool) -> Self {
        let full = build_schema(state.clone(), limits, dev, introspection);
        let fast =
            builder(state, limits, dev, introspection).validation_mode(async_graphql::ValidationMode::Fast).finish();
        Self { full, fast }
    }

    /// The schema to run requests on: the fast one only when every one of them was validated.
    pub fn run(&self, validated: bool) -> &PinganSchema {
        if validated { &self.fast } else { &self.full }
    }
}

fn builder(
    state: Arc<AppState>,
    limits: &Limits,
    dev: bool,
    introspection: bool,
) -> async_graphql::SchemaBuilder<Query, Mutation, subscription::Subscription> {
    let mut builder = types()
        .data(state)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(16);
    // No schema extension: with one, every field's resolution runs through the extension chain.
    // The alias limit is checked when the pipeline admits a document, and errors are mapped
    // once per answer by the pipeline.
    if !dev {
        builder = builder.disable_suggestions();
    }
    if !introspection {
        builder = builder.disable_introspection();
    }
    builder
}

/// The schema's types, before any data or limit is attached.
fn types() -> async_graphql::SchemaBuilder<Query, Mutation, subscription::Subscription> {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
        .register_output_type::<node::Node>()
        // async-graphql's own scalar: described here like every type of ours.
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            "时间 — an instant, RFC 3339 with its offset, e.g. `2026-03-01T08:00:00+08:00`.",
        )
}

/// The schema in SDL, as client teams get it (`pingan schema`, the committed `schema.graphql`).
pub fn sdl() -> String {
    types().finish().sdl()
}

/// What every resolver needs from the context.
pub trait ContextExt {
    fn state(&self) -> &Arc<AppState>;
    /// The authenticated viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> Result<&Viewer, ApiError>;
    /// The viewer's DataLoaders, or `UNAUTHENTICATED` when there is no viewer. Shared (`Arc`), so
    /// a subscription's stream can hold them past the operation's context.
    fn loaders(&self) -> Result<&Arc<Loaders>, ApiError>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &Arc<AppState> {
        self.data_unchecked::<Arc<AppState>>()
    }

    fn viewer(&self) -> Result<&Viewer, ApiError> {
        match self.data_opt::<Authn>() {
            Some(Authn::Viewer(viewer)) => Ok(viewer),
            _ => Err(ApiError::Unauthenticated),
        }
    }

    fn loaders(&self) -> Result<&Arc<Loaders>, ApiError> {
        self.viewer()?;
        self.data_opt::<Arc<Loaders>>().ok_or(ApiError::Unauthenticated)
    }
}
