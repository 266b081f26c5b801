//! `taskAssigned` and `taskUpdated`, over graphql-transport-ws.
//!
//! Each event is re-read through the task scope of the viewer as the database says now (the
//! session is checked again per event, so logout or deactivation ends the stream), so a
//! subscriber never receives a task it could not list: `taskUpdated` is scoped exactly like
//! `tasks`, `taskAssigned` further to tasks assigned to the viewer's unit. A change of the
//! viewer's access (role, unit) ends the stream too, and each event reads its relations anew.

use async_graphql::futures_util::Stream;
use async_graphql::futures_util::stream;
use async_graphql::{Context, SimpleObject, Subscription};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::ContextExt;
use super::task::Task;
use crate::AppState;
use crate::access::resource::Tasks;
use crate::access::store::Store;
use crate::auth::Viewer;
use crate::error::ApiError;

pub use crate::rules::{TaskAssigned, TaskChange, TaskNews, TaskUpdated, channel};

#[derive(Default)]
pub struct Subscription;

/// 任务动态 — a step on a task the viewer may list, with the task as it stands after it.
#[derive(SimpleObject)]
pub struct TaskUpdate {
    /// 变更类型 — what happened.
    pub change: TaskChange,
    /// 任务 — the task now.
    pub task: Task,
}

/// 订阅 — events pushed over a WebSocket, scoped like the lists.
#[Subscription]
impl Subscription {
    /// 新任务 — tasks newly assigned to the viewer's unit.
    async fn task_assigned(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = Task> + use<>> {
        follow(ctx, |news, viewer| match news {
            TaskNews::Assigned(t) if t.assignee_unit == viewer.unit_id => Some((t.task, ())),
            _ => None,
        })
        .map(|s| async_graphql::futures_util::StreamExt::map(s, |((), task)| task))
    }

    /// 任务动态 — steps on every task the viewer may list (started, feedback, submitted,
    /// accepted, returned, cancelled, a nil report, a changed particular), scoped exactly like
    /// `tasks`: an event for a task the viewer cannot list never reaches it.
    async fn task_updated(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = TaskUpdate> + use<>> {
        follow(ctx, |news, _viewer| match news {
            TaskNews::Updated(t) => Some((t.task, t.change)),
            TaskNews::Assigned(_) => None,
        })
        .map(|s| async_graphql::futures_util::StreamExt::map(s, |(change, task)| TaskUpdate { change, task }))
    }
}

/// The tasks of the town's announcements that `pick` routes to the viewer, each re-read in the
/// viewer's task scope as of the event (the viewer itself re-read, so a session that ended ends
/// the stream), with what `pick` kept of the announcement.
fn follow<T: Send + 'static>(
    ctx: &Context<'_>,
    pick: fn(&TaskNews, &Viewer) -> Option<(Uuid, T)>,
) -> async_graphql::Result<impl Stream<Item = (T, Task)> + use<T>> {
    let viewer = ctx.viewer()?.clone();
    let state = ctx.state().clone();
    let loaders = ctx.loaders()?.clone();
    let receiver = state.task_events.subscribe();
    Ok(stream::unfold((receiver, state, viewer), move |(mut receiver, state, viewer)| {
        let loaders = loaders.clone();
        async move {
            loop {
                let news = match receiver.recv().await {
                    Ok(news) => news,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                let town = match news {
                    TaskNews::Assigned(t) => t.town,
                    TaskNews::Updated(t) => t.town,
                };
                if town != viewer.town_id {
                    continue;
                }
                let Some((id, kept)) = pick(&news, &viewer) else { continue };
                // The viewer as of now: a session that ended ends the stream, and so does a change of
                // its access (role, unit, activity): the operation's fields and relations are read as
                // the viewer it was opened as, so the client opens it again as who it is now.
                let Ok(now) = state.auth.viewers.load(&state.db, viewer.user_id, viewer.session_id).await else {
                    return None;
                };
                if !now.same_access(&viewer) {
                    return None;
                }
                match visible(&state, &now, id).await {
                    Ok(Some(task)) => {
                        // Each event's relations are read as they stand at it, not as an earlier
                        // event of the stream read them.
                        loaders.clear();
                        return Some(((kept, task), (receiver, state, now)));
                    }
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(error = ?e, "loading a task for a subscriber");
                        continue;
                    }
                }
            }
        }
    }))
}

async fn visible(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<Option<Task>, ApiError> {
    let store = Store::new(&state.access, viewer);
    Ok(store.one::<Tasks>(&state.db, id).await?.map(|(model, _)| Task::from_model(model)))
}
