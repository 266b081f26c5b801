//! `taskAssigned`: tasks newly assigned to the viewer's unit, over graphql-transport-ws.
//!
//! Each event is re-read through the task scope of the viewer as the database says now (the
//! session is checked again per event, so logout or deactivation ends the stream), so a
//! subscriber never receives a task it could not list.

use async_graphql::futures_util::Stream;
use async_graphql::futures_util::stream;
use async_graphql::{Context, Subscription};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::ContextExt;
use super::task::Task;
use crate::AppState;
use crate::access::resource::Tasks;
use crate::access::store::Store;
use crate::auth::Viewer;
use crate::error::ApiError;

pub use crate::rules::{TaskAssigned, channel};

#[derive(Default)]
pub struct Subscription;

/// 订阅 — events pushed over a WebSocket, scoped like the lists.
#[Subscription]
impl Subscription {
    /// 新任务 — tasks newly assigned to the viewer's unit.
    async fn task_assigned(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = Task> + use<>> {
        let viewer = ctx.viewer()?.clone();
        let state = ctx.state().clone();
        let receiver = state.task_events.subscribe();
        Ok(stream::unfold((receiver, state, viewer), |(mut receiver, state, viewer)| async move {
            loop {
                let event = match receiver.recv().await {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                if event.town != viewer.town_id || event.assignee_unit != viewer.unit_id {
                    continue;
                }
                // The viewer as of now: a session that ended ends the stream.
                let Ok(now) = state.auth.viewers.load(&state.db, viewer.user_id, viewer.session_id).await else {
                    return None;
                };
                match visible(&state, &now, event.task).await {
                    Ok(Some(task)) => return Some((task, (receiver, state, now))),
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(error = ?e, "loading an assigned task for a subscriber");
                        continue;
                    }
                }
            }
        }))
    }
}

async fn visible(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<Option<Task>, ApiError> {
    let store = Store::new(&state.access, viewer);
    Ok(store.one::<Tasks>(&state.db, id).await?.map(|(model, _)| Task::from_model(model)))
}
