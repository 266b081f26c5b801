//! `/graphql/ws`: the graphql-transport-ws protocol on the same pipeline as `POST /graphql`.
//!
//! A socket is trusted with nothing once and for all. `connection_init` hands over a bearer
//! token; every `subscribe` (a query, a mutation or a subscription) authenticates that token
//! afresh and runs as its own [`Operation`], with its own request id, loaders and read log, and
//! the read audit is written before each result leaves. A watchdog checks the session every
//! [`SESSION_CHECK`]: when it ends (logout, deactivation, expiry of the token) or the user's
//! role, unit or town changes, the socket is closed with 4401 and its subscriptions with it, so
//! a socket never outlives the rights it was opened with. A change to a user (an administrator's
//! role or unit change, deactivation, a password reset) does not wait for the watchdog: it
//! [`Sockets::recheck`]s the user's sockets on this replica at once, and on the others when they
//! hear the change announced (`crate::replicas`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing::Instrument;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Viewer;
use crate::graphql::{Authn, PinganSchema, Schemas};
use crate::metrics::{Described, Transport};
use crate::pipeline::Operation;

/// The only subprotocol served.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// How often an open socket's session is checked.
pub const SESSION_CHECK: Duration = Duration::from_secs(1);

/// What an operation's task hands back to the socket's loop.
enum Out {
    Send(Value),
    Finished(String),
}

/// Why a socket is closed (graphql-transport-ws close codes).
struct Close(u16, String);

impl Close {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self(code, reason.into())
    }
    fn unauthorized() -> Self {
        Self::new(4401, "Unauthorized")
    }
}

/// Serves one socket until the client leaves or the socket must close.
pub async fn serve(socket: WebSocket, state: Arc<AppState>, schemas: Schemas, client: Option<IpAddr>) {
    let (mut sink, mut incoming) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let init_timeout = state.config.connections.ws_init_timeout;
    let mut socket = Socket { state, schemas, client, tx, session: None, operations: HashMap::new(), held: None };
    let init_deadline = tokio::time::sleep(init_timeout);
    tokio::pin!(init_deadline);
    let mut stopping = socket.state.stopping.subscribe();
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let close = loop {
        tokio::select! {
            () = async { let _ = stopping.wait_for(|stop| *stop).await; } => {
                break Some(Close::new(1001, "Server shutting down"));
            }
            () = &mut init_deadline, if socket.session.is_none() => {
                break Some(Close::new(4408, "Connection initialisation timeout"));
            }
            _ = check.tick(), if socket.session.is_some() => {
                if let Err(close) = socket.viewer().await {
                    break Some(close);
                }
            }
            () = changed(&mut socket.held) => {
                if let Err(close) = socket.viewer().await {
                    break Some(close);
                }
            }
            Some(out) = rx.recv() => match out {
                Out::Send(message) => {
                    if sink.send(Message::Text(message.to_string().into())).await.is_err() {
                        break None;
                    }
                }
                Out::Finished(id) => {
                    socket.operations.remove(&id);
                }
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Err(close) = socket.handle(text.as_str()).await {
                        break Some(close);
                    }
                }
                Some(Ok(Message::Binary(_))) => break Some(Close::new(4400, "Binary messages are not supported")),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
            },
        }
    };
    for operation in socket.operations.values() {
        operation.abort();
    }
    if let Some(Close(code, reason)) = close {
        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }
}

struct Socket {
    state: Arc<AppState>,
    schemas: Schemas,
    client: Option<IpAddr>,
    tx: mpsc::UnboundedSender<Out>,
    /// The token of `connection_init` and the viewer it named then.
    session: Option<(String, Viewer)>,
    operations: HashMap<String, tokio::task::AbortHandle>,
    /// This socket's place among its user's open sockets, given back when it closes.
    held: Option<Held>,
}

/// Open sockets per user, so that one account cannot hold the server's connections, and so that
/// a change to a user reaches that user's sockets at once.
#[derive(Default)]
pub struct Sockets(std::sync::Mutex<HashMap<Uuid, UserSockets>>);

/// One user's open sockets: how many, and the signal that makes each check its session now.
struct UserSockets {
    count: usize,
    recheck: tokio::sync::watch::Sender<()>,
}

impl Sockets {
    /// True when no user holds an open socket.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Makes every open socket of `user` on this replica check its session now (the user was
    /// changed, deactivated or had their sessions ended): a socket whose rights changed closes
    /// with 4401 without waiting for the watchdog.
    pub fn recheck(&self, user: Uuid) {
        if let Some(open) = self.lock().get(&user) {
            open.recheck.send_replace(());
        }
    }

    /// Takes a place for one more socket of `user`, or `None` when it holds `max` already.
    fn hold(self: &Arc<Self>, user: Uuid, max: usize) -> Option<Held> {
        let mut open = self.lock();
        let entry =
            open.entry(user).or_insert_with(|| UserSockets { count: 0, recheck: tokio::sync::watch::Sender::new(()) });
        if entry.count >= max {
            return None;
        }
        entry.count += 1;
        Some(Held { sockets: self.clone(), user, recheck: entry.recheck.subscribe() })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, UserSockets>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One socket's place; dropping it gives the place back.
struct Held {
    sockets: Arc<Sockets>,
    user: Uuid,
    recheck: tokio::sync::watch::Receiver<()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.sockets.lock();
        if let Some(entry) = open.get_mut(&self.user) {
            entry.count -= 1;
            if entry.count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

/// Resolves when the socket's user was changed ([`Sockets::recheck`]); never before the socket
/// holds a place.
async fn changed(held: &mut Option<Held>) {
    let Some(held) = held else { return std::future::pending().await };
    if held.recheck.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

impl Socket {
    async fn handle(&mut self, text: &str) -> Result<(), Close> {
        let message: Value = serde_json::from_str(text).map_err(|_| Close::new(4400, "Invalid message received"))?;
        match message["type"].as_str() {
            Some("connection_init") => self.init(&message["payload"]).await,
            Some("ping") => {
                let _ = self.tx.send(Out::Send(json!({ "type": "pong" })));
                Ok(())
            }
            Some("pong") => Ok(()),
            Some("subscribe") => self.subscribe(&message).await,
            Some("complete") => {
                if let Some(operation) = message["id"].as_str().and_then(|id| self.operations.remove(id)) {
                    operation.abort();
                }
                Ok(())
            }
            _ => Err(Close::new(4400, "Invalid message received")),
        }
    }

    async fn init(&mut self, payload: &Value) -> Result<(), Close> {
        if self.session.is_some() {
            return Err(Close::new(4429, "Too many initialisation requests"));
        }
        let token = ["Authorization", "authorization"]
            .iter()
            .find_map(|key| payload[*key].as_str())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_owned())
            .ok_or_else(|| Close::new(4403, "Forbidden"))?;
        let viewer =
            self.state.auth.authenticate(&self.state.db, &token).await.map_err(|_| Close::new(4403, "Forbidden"))?;
        let max = self.state.config.connections.max_sockets_per_user;
        let held = self.state.sockets.hold(viewer.user_id, max);
        self.held = Some(held.ok_or_else(|| Close::new(4429, format!("At most {max} sockets per user")))?);
        self.session = Some((token, viewer));
        let _ = self.tx.send(Out::Send(json!({ "type": "connection_ack" })));
        Ok(())
    }

    /// The viewer as the database says now; closes the socket when the session ended or the
    /// user's role, unit or town is no longer what the socket was opened with.
    async fn viewer(&self) -> Result<Viewer, Close> {
        let Some((token, opened)) = &self.session else { return Err(Close::unauthorized()) };
        let now = self.state.auth.authenticate(&self.state.db, token).await.map_err(|_| Close::unauthorized())?;
        let same = now.user_id == opened.user_id
            && now.role == opened.role
            && now.unit_id == opened.unit_id
            && now.town_id == opened.town_id;
        if same { Ok(now) } else { Err(Close::unauthorized()) }
    }

    async fn subscribe(&mut self, message: &Value) -> Result<(), Close> {
        let id = message["id"].as_str().ok_or_else(|| Close::new(4400, "Invalid message received"))?.to_owned();
        if self.operations.contains_key(&id) {
            return Err(Close::new(4409, format!("Subscriber for {id} already exists")));
        }
        let started = Instant::now();
        let viewer = self.viewer().await?;
        let mut request: async_graphql::Request = serde_json::from_value(message["payload"].clone())
            .map_err(|_| Close::new(4400, "Invalid message received"))?;
        let request_id = Uuid::now_v7().to_string();
        let admission = match crate::pipeline::admit(&mut request, &self.state.config.limits, &self.state.documents) {
            Ok(admission) => admission,
            Err(err) => {
                let (_, error) = crate::error::http_error(err, &request_id);
                let code = crate::metrics::code_of_error(&error);
                self.state.metrics.operation(
                    Transport::WebSocket,
                    &Described::unread(&request),
                    code,
                    started.elapsed(),
                );
                let _ = self.tx.send(Out::Send(json!({ "type": "error", "id": id, "payload": [error] })));
                return Ok(());
            }
        };
        let described = Described::of(&mut request);
        let operation = Operation::new(request_id, Authn::Viewer(viewer));
        operation.attach(&self.state, &mut request, self.client);
        let (state, schema, tx) =
            (self.state.clone(), self.schemas.run(admission.validated()).clone(), self.tx.clone());
        let span = tracing::info_span!("graphql_ws", request_id = %operation.request_id);
        let counted = Counted { described, started, admission };
        let task = tokio::spawn(run(state, schema, request, operation, counted, tx, id.clone()).instrument(span));
        self.operations.insert(id, task.abort_handle());
        Ok(())
    }
}

/// What `/metrics` counts of a socket's operation, once, with its first answer.
struct Counted {
    described: Described,
    started: Instant,
    admission: crate::pipeline::Admission,
}

/// Runs one operation and sends its results: one for a query or mutation, one per event for a
/// subscription, each after its read audit is written.
async fn run(
    state: Arc<AppState>,
    schema: PinganSchema,
    request: async_graphql::Request,
    operation: Operation,
    counted: Counted,
    tx: mpsc::UnboundedSender<Out>,
    id: String,
) {
    let Counted { described, started, admission } = counted;
    let mut first = Some((described, started));
    let mut count = |code: &str| {
        if let Some((described, started)) = first.take() {
            state.metrics.operation(Transport::WebSocket, &described, code, started.elapsed());
        }
    };
    let mut admission = Some(admission);
    let mut results = schema.execute_stream(request);
    while let Some(response) = results.next().await {
        // Confidential reads are audited before their values leave: no entry, no answer.
        if let Err(e) = operation.finish(&state).await {
            let (_, error) = crate::error::http_error(e, &operation.request_id);
            count(crate::metrics::code_of_error(&error));
            let _ = tx.send(Out::Send(json!({ "type": "error", "id": id, "payload": [error] })));
            let _ = tx.send(Out::Finished(id));
            return;
        }
        let response = operation.answer(response);
        if let Some(admission) = admission.take() {
            admission.answered(&state.documents, &response);
        }
        count(crate::metrics::code_of(&response));
        let _ = tx.send(Out::Send(json!({ "type": "next", "id": id, "payload": response })));
    }
    let _ = tx.send(Out::Send(json!({ "type": "complete", "id": id })));
    let _ = tx.send(Out::Finished(id));
}
