//! HTTP routes: `/graphql` (POST queries, GET GraphiQL when enabled), `/graphql/import` (the
//! import mutations, with a larger body), `/export/…`, `/healthz`, `/readyz`, `/metrics`.
//!
//! The GraphQL handler authenticates the bearer token, gives each request an id (also sent back
//! as `x-request-id` and written next to every logged error), enforces the batch limit and puts
//! the per-request data (viewer, loaders) into the request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::{BatchRequest, ServerError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;
use tracing::Instrument;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;
use crate::graphql::{Authn, Schemas};
use crate::pipeline::Operation;

#[derive(Clone)]
struct Shared {
    state: Arc<AppState>,
    schemas: Schemas,
}

/// The app's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let schemas = Schemas::new(state.clone(), &state.config.limits, state.config.demo, state.config.introspection);
    let timeout = state.config.connections.body_timeout;
    let body = Bodies { limit: state.config.limits.max_body_bytes, timeout };
    let import_body = Bodies { limit: state.config.limits.max_import_body_bytes, timeout };
    let shared = Shared { state, schemas };
    // Bodies are read whole, bounded in size and time, before any handler sees them (a longer
    // one is 413, a slower one 408), for every route and every caller, authenticated or not.
    let imports = Router::new()
        .route("/graphql/import", post(graphql).layer(axum::middleware::from_fn(json_only)))
        .layer(axum::middleware::from_fn_with_state(import_body, read_body));
    Router::new()
        .route("/graphql", get(graphiql).post(graphql).layer(axum::middleware::from_fn(json_only)))
        .route("/graphql/ws", get(graphql_ws))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/export/monthly-report.xlsx", get(monthly_report))
        .route("/export/weekly-reports.xlsx", get(weekly_reports))
        .route("/export/{file}", get(export))
        .layer(axum::middleware::from_fn_with_state(body, read_body))
        .merge(imports)
        // `read_body` bounds every body; axum's own 2 MB default would cut imports short.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(retry_after))
        .layer(TraceLayer::new_for_http())
        .with_state(shared)
}

/// How much of a body a route reads, and for how long.
#[derive(Clone, Copy)]
struct Bodies {
    limit: usize,
    timeout: Duration,
}

/// Reads the request's body whole before the handler runs: at most `limit` bytes (413 past it,
/// also when the client announced more), within `timeout` (408 for a client sending slower).
async fn read_body(
    State(rule): State<Bodies>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let request_id = Uuid::now_v7().to_string();
    let too_long = || {
        let en = format!("The request body is longer than {} bytes.", rule.limit);
        let zh = format!("请求内容超过 {} 字节。", rule.limit);
        refuse(StatusCode::PAYLOAD_TOO_LARGE, &en, &zh, &request_id)
    };
    let announced = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > rule.limit as u64) {
        return too_long();
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(rule.timeout, axum::body::to_bytes(body, rule.limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return too_long(),
        Err(_) => {
            let (en, zh) = ("The request body arrived too slowly.", "请求内容发送过慢。");
            return refuse(StatusCode::REQUEST_TIMEOUT, en, zh, &request_id);
        }
    };
    next.run(axum::extract::Request::from_parts(parts, Body::from(bytes))).await
}

/// Every 503 tells the client when to try again.
async fn retry_after(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(crate::error::RETRY_AFTER_SECS));
    }
    response
}

/// `POST /graphql`, and `POST /graphql/import`: the same pipeline for documents that only
/// import spreadsheets, which may be larger than any other request.
async fn graphql(
    State(shared): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    execute(&shared, client, &headers, &body, uri.path() == "/graphql/import").await
}

async fn execute(shared: &Shared, client: SocketAddr, headers: &HeaderMap, body: &[u8], imports: bool) -> Response {
    use crate::metrics::{Described, Transport};
    let started = Instant::now();
    let metrics = &shared.state.metrics;
    let request_id = Uuid::now_v7().to_string();
    let Ok(batch) = serde_json::from_slice::<BatchRequest>(body) else {
        let en =
            "The body is not a GraphQL request in JSON: an object with `query` (and `variables`), or a list of them.";
        let zh = "请求内容不是 JSON 格式的 GraphQL 请求。";
        return refuse(StatusCode::BAD_REQUEST, en, zh, &request_id);
    };
    let max_batch = shared.state.config.limits.max_batch;
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > max_batch
    {
        let message = format!("A batch may hold at most {max_batch} operations; this one has {}.", requests.len());
        return refuse(StatusCode::BAD_REQUEST, &message, "批量请求数量超出上限。", &request_id);
    }
    // Documents are admitted before anything else runs, for anonymous callers too.
    let mut batch = batch;
    let mut described = Vec::new();
    let mut admissions = Vec::new();
    for request in batch.iter_mut() {
        let admitted = crate::pipeline::admit(request, &shared.state.config.limits, &shared.state.documents).and_then(
            |admission| {
                if imports { crate::pipeline::imports_only(request).map(|()| admission) } else { Ok(admission) }
            },
        );
        let admission = match admitted {
            Ok(admission) => admission,
            Err(err) => {
                let (status, error) = crate::error::http_error(err, &request_id);
                let code = crate::metrics::code_of_error(&error);
                metrics.operation(Transport::Http, &Described::unread(request), code, started.elapsed());
                return (status, axum::Json(serde_json::json!({ "errors": [error] }))).into_response();
            }
        };
        admissions.push(admission);
        described.push(Described::of(request));
    }
    let refused = |code: &str| {
        for one in &described {
            metrics.operation(Transport::Http, one, code, started.elapsed());
        }
    };
    let authn = match authenticate(shared, headers, &request_id).await {
        Ok(authn) => authn,
        Err(response) => {
            refused(if response.status() == StatusCode::SERVICE_UNAVAILABLE { "UNAVAILABLE" } else { "INTERNAL" });
            return response;
        }
    };
    // One operation for the whole batch: one authentication, one read log, one request id.
    let operation = Operation::new(request_id.clone(), authn);
    let client = crate::auth::client_addr(client.ip(), headers, &shared.state.config.limits.trusted_proxy);
    for request in batch.iter_mut() {
        operation.attach(&shared.state, request, Some(client));
    }
    let span = tracing::info_span!("graphql", request_id = %request_id);
    let schema = shared.schemas.run(admissions.iter().all(crate::pipeline::Admission::validated));
    let response = operation.answer_batch(schema.execute_batch(batch).instrument(span).await);
    // Confidential reads are audited before their values leave: no entry, no answer.
    if let Err(e) = operation.finish(&shared.state).await {
        tracing::error!(request_id, error = ?e, "writing the read audit");
        refused("INTERNAL");
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.", "服务器内部错误。", &request_id);
    }
    // An answer the database could not give is 503 (with `Retry-After`), on every path.
    let answers = match &response {
        async_graphql::BatchResponse::Single(one) => std::slice::from_ref(one),
        async_graphql::BatchResponse::Batch(all) => all.as_slice(),
    };
    metrics.answers(Transport::Http, &described, answers, started.elapsed());
    for (admission, answer) in admissions.iter().zip(answers) {
        admission.answered(&shared.state.documents, answer);
    }
    let outage = answers
        .iter()
        .flat_map(|one| &one.errors)
        .any(|e| e.extensions.as_ref().and_then(|x| x.get("code")) == Some(&async_graphql::Value::from("UNAVAILABLE")));
    let mut response = crate::answer::http(response);
    if outage {
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// graphql-transport-ws: every operation on the socket goes through the same pipeline as a POST
/// (see [`crate::ws`]).
async fn graphql_ws(
    State(shared): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    open: Option<axum::Extension<crate::OpenConnection>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Shared { state, schemas } = shared;
    let client = crate::auth::client_addr(client.ip(), &headers, &state.config.limits.trusted_proxy);
    upgrade
        .protocols([crate::ws::PROTOCOL])
        .on_upgrade(move |socket| async move {
            // The socket holds its connection's place until it closes.
            let _open = open;
            crate::ws::serve(socket, state, schemas, Some(client)).await
        })
        .into_response()
}

/// Who sent the request, from its bearer token; an error response when that cannot be told.
async fn authenticate(shared: &Shared, headers: &HeaderMap, request_id: &str) -> Result<Authn, Response> {
    Ok(match bearer(headers) {
        None => Authn::Anonymous,
        Some(token) => match shared.state.auth.authenticate(&shared.state.db, token).await {
            Ok(viewer) => Authn::Viewer(viewer),
            Err(err @ ApiError::Unavailable) => {
                let (status, error) = crate::error::http_error(err, request_id);
                return Err((status, axum::Json(serde_json::json!({ "errors": [error] }))).into_response());
            }
            Err(crate::error::ApiError::Internal(e)) => {
                tracing::error!(request_id, error = ?e, "authenticating");
                return Err(refuse(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error.",
                    "服务器内部错误。",
                    request_id,
                ));
            }
            Err(_) => Authn::Invalid,
        },
    })
}

/// `GET /export/{file}`: a list as XLSX or CSV (see `sheet::export`).
async fn export(
    State(shared): State<Shared>,
    Path(file): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let state = shared.state.clone();
    download(&shared, &headers, |viewer, request_id| async move {
        crate::sheet::export::respond(state, viewer, &file, &params, &request_id).await
    })
    .await
}

/// `GET /export/monthly-report.xlsx` (see `report_export`).
async fn monthly_report(
    State(shared): State<Shared>,
    Query(params): Query<crate::report_export::Params>,
    headers: HeaderMap,
) -> Response {
    let state = shared.state.clone();
    download(&shared, &headers, |viewer, request_id| async move {
        Some(crate::report_export::respond(&state, &viewer, params, &request_id).await)
    })
    .await
}

/// `GET /export/weekly-reports.xlsx?week=YYYY-Www` (see `report_export`).
async fn weekly_reports(
    State(shared): State<Shared>,
    Query(params): Query<crate::report_export::WeekParams>,
    headers: HeaderMap,
) -> Response {
    let state = shared.state.clone();
    download(&shared, &headers, |viewer, request_id| async move {
        Some(crate::report_export::respond_weekly(&state, &viewer, params, &request_id).await)
    })
    .await
}

/// A file download, authenticated like `/graphql`: `None` from `file` is 404, and refusals carry
/// the GraphQL error body with its code (mapped once, by `error::http_error`).
async fn download<F, Fut>(shared: &Shared, headers: &HeaderMap, file: F) -> Response
where
    F: FnOnce(crate::auth::Viewer, String) -> Fut,
    Fut: std::future::Future<Output = Option<Result<Response, ApiError>>>,
{
    let request_id = Uuid::now_v7().to_string();
    let fail = |err: ApiError| {
        let (status, error) = crate::error::http_error(err, &request_id);
        (status, axum::Json(serde_json::json!({ "errors": [error] }))).into_response()
    };
    let viewer = match authenticate(shared, headers, &request_id).await {
        Ok(Authn::Viewer(viewer)) => viewer,
        Ok(_) => return fail(ApiError::Unauthenticated),
        Err(response) => return response,
    };
    let span = tracing::info_span!("export", request_id = %request_id);
    let mut response = match file(viewer, request_id.clone()).instrument(span).await {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(Ok(response)) => response,
        Some(Err(err)) => fail(err),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The bearer token of an `Authorization` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A GraphQL-shaped error response for requests refused before execution.
/// JSON only: a form or plain-text POST is what a page on another origin may send without
/// asking first, so it is never taken as an operation (415, before the body is read).
async fn json_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| matches!(t.trim(), "application/json" | "application/graphql-response+json"));
    if request.method() == axum::http::Method::POST && !json {
        let request_id = Uuid::now_v7().to_string();
        let (en, zh) = ("Send the operation as application/json.", "请以 application/json 格式发送请求。");
        return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, en, zh, &request_id);
    }
    next.run(request).await
}

fn refuse(status: StatusCode, message: &str, message_zh: &str, request_id: &str) -> Response {
    let mut error = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    let code = match status {
        StatusCode::SERVICE_UNAVAILABLE => "UNAVAILABLE",
        status if status.is_server_error() => "INTERNAL",
        _ => "BAD_USER_INPUT",
    };
    ext.set("code", code);
    ext.set("messageZh", message_zh);
    ext.set("requestId", request_id);
    error.extensions = Some(ext);
    let body = serde_json::json!({ "errors": [error] });
    (status, axum::Json(body)).into_response()
}

/// GraphiQL's page and assets, built into the binary: a town's intranet server has no internet,
/// so nothing of the page may come from another origin (its content security policy says so).
const GRAPHIQL: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.js", "text/javascript", include_bytes!("../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css", include_bytes!("../assets/graphiql/graphiql.min.css")),
    ("react.production.min.js", "text/javascript", include_bytes!("../assets/graphiql/react.production.min.js")),
    (
        "react-dom.production.min.js",
        "text/javascript",
        include_bytes!("../assets/graphiql/react-dom.production.min.js"),
    ),
    ("start.js", "text/javascript", include_bytes!("../assets/graphiql/start.js")),
    ("LICENSES.txt", "text/plain; charset=utf-8", include_bytes!("../assets/graphiql/LICENSES.txt")),
];
const GRAPHIQL_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

async fn graphiql(State(shared): State<Shared>) -> Response {
    if !shared.state.config.playground {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut page = Html(include_str!("../assets/graphiql/index.html")).into_response();
    page.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(GRAPHIQL_POLICY));
    page
}

async fn graphiql_asset(State(shared): State<Shared>, Path(file): Path<String>) -> Response {
    let asset = GRAPHIQL.iter().find(|(name, _, _)| *name == file);
    match asset {
        Some((_, content_type, bytes)) if shared.state.config.playground => {
            ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=86400")], *bytes)
                .into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /metrics` (see [`crate::metrics`]), when `--metrics` is on; no token, as scrapers ask.
async fn metrics(State(shared): State<Shared>) -> Response {
    let state = &shared.state;
    if !state.metrics.enabled() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let statements = state.statements.load(std::sync::atomic::Ordering::Relaxed);
    let text = state.metrics.render(&state.db, statements);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// Ready when the database answers within a second and its migrations are current.
async fn readyz(State(shared): State<Shared>) -> Response {
    let check = tokio::time::timeout(Duration::from_secs(1), crate::db::migrations_current(&shared.state.db));
    match check.await {
        Ok(Ok(true)) => (StatusCode::OK, "ready").into_response(),
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending").into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = ?e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}
