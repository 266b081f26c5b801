//! `node(id:)`: any record by its global id, under the viewer's scope (Relay).

use async_graphql::{Context, ID, Interface, Object};

use super::ContextExt;
use super::ids::{self, Kind};
use super::lawyer_report::{self, LawyerReport};
use super::lead::{self, Lead};
use super::meeting::{self, Meeting};
use super::org::{OrgUnit, User, Village};
use super::person::{self, Person};
use super::risk::{self, RiskItem};
use super::task::{self, Task};
use super::venue::{self, Venue};
use crate::access::resource::{OrgUnits, Users};
use sea_orm::{ColumnTrait, QueryFilter};

/// 节点 — a record with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "编号 — the record's global ID."))]
pub enum Node {
    Person(Person),
    Venue(Venue),
    Lead(Lead),
    Task(Task),
    RiskItem(RiskItem),
    User(User),
    OrgUnit(OrgUnit),
    Village(Village),
    Meeting(Meeting),
    LawyerReport(LawyerReport),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// 节点 — the record with this id, or null when there is none in the viewer's scope (also for a
    /// malformed id: every miss looks the same).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "编号 — a global ID of any record kind.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let Some((kind, uuid)) = ids::decode(&id) else {
            return Ok(None);
        };
        Ok(match kind {
            Kind::Person => person::find(ctx, uuid).await?.map(Node::Person),
            Kind::Venue => venue::find(ctx, uuid).await?.map(Node::Venue),
            Kind::Lead => lead::find(ctx, uuid).await?.map(Node::Lead),
            Kind::Task => task::find(ctx, uuid).await?.map(Node::Task),
            Kind::RiskItem => risk::find(ctx, uuid).await?.map(Node::RiskItem),
            Kind::Meeting => meeting::find(ctx, uuid).await?.map(Node::Meeting),
            Kind::LawyerReport => lawyer_report::find(ctx, uuid).await?.map(Node::LawyerReport),
            Kind::User => match state.access.select::<Users>(viewer) {
                Ok(select) => match select.filter(entity::app_user::Column::Id.eq(uuid)).one(&state.db).await? {
                    Some(user) => Some(Node::User(User::one(ctx, user).await?)),
                    None => None,
                },
                Err(_) => None,
            },
            Kind::OrgUnit => match state.access.select::<OrgUnits>(viewer) {
                Ok(select) => select
                    .filter(entity::org_unit::Column::Id.eq(uuid))
                    .one(&state.db)
                    .await?
                    .map(|u| Node::OrgUnit(OrgUnit::from(u))),
                Err(_) => None,
            },
            Kind::Village => ctx.loaders()?.villages.load_one(uuid).await?.map(Node::Village),
            _ => None,
        })
    }
}
