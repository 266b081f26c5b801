//! The one error type of the API layer and its single mapping to the GraphQL codes of api.md.
//!
//! Resolvers return `async_graphql::Result` and use `?` on [`ApiError`]; async-graphql keeps the
//! original value as the error's source, and [`map_errors`] turns it into the code and
//! extensions here, once, for every response (the request pipeline calls it). Anything that is not an `ApiError` is masked to
//! `INTERNAL` with the request id; its detail goes to the log only (access.md rule 5).
//!
//! Which variant to use:
//! - [`ApiError::Unauthenticated`]: no valid access token, or bad credentials. Never says which.
//! - [`ApiError::Forbidden`]: the viewer may see the row but not do this, or filter on a hidden field.
//! - [`ApiError::NotFound`]: no such row *or* a row outside the viewer's scope; identical text.
//! - [`ApiError::BadUserInput`]: the input is wrong; names the input path in `field`.
//! - [`ApiError::Conflict`]: a stale `expectedVersion` or a step the lifecycle does not allow.
//! - [`ApiError::RateLimited`]: too many attempts; try later.
//! - [`ApiError::Unavailable`]: the database cannot do it now (unreachable, busy, or a deadlock rolled
//!   the transaction back); retry later (HTTP 503).
//!   A database error is classified once, here ([`is_outage`]), wherever it was raised.
//! - [`ApiError::Internal`]: a bug; the client sees only the request id.

use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, Response, ServerError, Value};

/// An error as the client will see it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Authentication required: log in again.")]
    Unauthenticated,
    #[error("You are not allowed to do this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{message}")]
    BadUserInput { field: String, message: String, message_zh: String },
    #[error("{message}")]
    Conflict { message: String, message_zh: String, allowed: Vec<String> },
    #[error("Too many attempts. Try again in a minute.")]
    RateLimited,
    #[error("The service is briefly unavailable. Try again shortly.")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A bad value at input path `field` (e.g. `input.idNumber`).
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>, message_zh: impl Into<String>) -> Self {
        Self::BadUserInput { field: field.into(), message: message.into(), message_zh: message_zh.into() }
    }

    /// Any internal failure; the detail is logged, never shown.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// The GraphQL `extensions.code` (also used by the HTTP exports).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The Chinese message (`extensions.messageZh`).
    pub fn message_zh(&self) -> String {
        match self {
            Self::Unauthenticated => "需要登录，请重新登录。".into(),
            Self::Forbidden => "无权执行此操作。".into(),
            Self::NotFound => "未找到。".into(),
            Self::BadUserInput { message_zh, .. } | Self::Conflict { message_zh, .. } => message_zh.clone(),
            Self::RateLimited => "尝试次数过多，请一分钟后再试。".into(),
            Self::Unavailable => "服务暂时不可用，请稍后重试。".into(),
            Self::Internal(_) => "服务器内部错误。".into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_outage(&err) {
            tracing::warn!(error = %err, "database unavailable");
            return Self::Unavailable;
        }
        Self::Internal(err.into())
    }
}

/// Seconds a client is asked to wait before retrying an `UNAVAILABLE` answer (`Retry-After`).
pub const RETRY_AFTER_SECS: u32 = 5;

/// True when a database error says the database cannot be reached now, rather than that the
/// statement was wrong: no connection within the acquire timeout, a connection lost or refused
/// mid-statement, PostgreSQL shutting down or starting, SQLite's write lock held past the wait.
/// The same request may succeed when retried.
pub fn is_outage(err: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error;
    use sea_orm::{DbErr, RuntimeErr};
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else { return false };
    match sqlx.as_ref() {
        Error::Io(_) | Error::Tls(_) | Error::Protocol(_) | Error::PoolTimedOut | Error::PoolClosed => true,
        Error::WorkerCrashed | Error::BeginFailed => true,
        Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect
            // now), 40001 and 40P01 (a serialization failure or deadlock rolled the transaction
            // back: nothing was written and the same request may succeed). SQLite: BUSY and
            // LOCKED with their extended codes.
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "40001" | "40P01")
                || code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
        }),
        _ => false,
    }
}

/// An internal error whose cause is a database outage (however it was wrapped on its way).
fn outage_in(detail: &anyhow::Error) -> bool {
    detail.chain().any(|cause| cause.downcast_ref::<sea_orm::DbErr>().is_some_and(is_outage))
}

/// The request id of the GraphQL request, put into the request data by the HTTP layer.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Maps every error of a response to the codes of api.md (see the module docs). The request
/// pipeline calls it once on every answer of every transport.
pub fn map_errors(mut response: Response, request_id: &str) -> Response {
    if !response.errors.is_empty() {
        response.errors = std::mem::take(&mut response.errors).into_iter().map(|e| map_error(e, request_id)).collect();
    }
    response
}

/// An error refused outside GraphQL (an export) as the GraphQL error the client would get,
/// with the matching HTTP status.
pub fn http_error(err: ApiError, request_id: &str) -> (axum::http::StatusCode, ServerError) {
    use axum::http::StatusCode;
    let status = match err {
        ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden => StatusCode::FORBIDDEN,
        ApiError::NotFound => StatusCode::NOT_FOUND,
        ApiError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        ApiError::Conflict { .. } => StatusCode::CONFLICT,
        ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Internal(ref detail) if outage_in(detail) => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut error = ServerError::new(err.to_string(), None);
    error.source = Some(Arc::new(err));
    (status, map_error(error, request_id))
}

fn map_error(mut err: ServerError, request_id: &str) -> ServerError {
    let mut ext = ErrorExtensionValues::default();
    // A domain rule's refusal that a resolver passed on with `?` is the same bad input.
    let source = match err.source.as_deref().and_then(|s| s.downcast_ref::<crate::domain::Invalid>()) {
        Some(invalid) => Some(Arc::new(ApiError::from(invalid.clone())) as Arc<dyn std::any::Any + Send + Sync>),
        None => err.source.clone(),
    };
    let outage = Arc::new(ApiError::Unavailable) as Arc<dyn std::any::Any + Send + Sync>;
    let source = match source.as_deref().and_then(|s| s.downcast_ref::<ApiError>()) {
        Some(ApiError::Internal(detail)) if outage_in(detail) => {
            tracing::warn!(request_id, error = ?detail, "database unavailable");
            Some(outage)
        }
        None => match source.as_deref().and_then(|s| s.downcast_ref::<sea_orm::DbErr>()) {
            Some(db) if is_outage(db) => Some(outage),
            _ => source,
        },
        _ => source,
    };
    match source.as_deref().and_then(|s| s.downcast_ref::<ApiError>()) {
        Some(api) => {
            if let ApiError::Internal(detail) = api {
                tracing::error!(request_id, error = ?detail, path = ?err.path, "internal error");
                err.message = "Internal error.".into();
                ext.set("requestId", request_id);
            }
            ext.set("code", api.code());
            ext.set("messageZh", api.message_zh());
            match api {
                ApiError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::Conflict { allowed, .. } if !allowed.is_empty() => {
                    ext.set("allowed", Value::List(allowed.iter().map(|a| Value::String(a.clone())).collect()))
                }
                _ => {}
            }
        }
        None if err.source.is_some() => {
            // A resolver let a foreign error through `?`: never show its text.
            tracing::error!(request_id, message = %err.message, path = ?err.path, "unmapped internal error");
            err.message = "Internal error.".into();
            ext.set("code", "INTERNAL");
            ext.set("messageZh", "服务器内部错误。");
            ext.set("requestId", request_id);
        }
        None => {
            // async-graphql's own parse, validation and limit errors: they describe the query the
            // client sent, never stored data.
            ext.set("code", "BAD_USER_INPUT");
            ext.set("messageZh", "请求格式不正确。");
        }
    }
    err.extensions = Some(ext);
    err.source = None;
    err
}

impl From<crate::domain::Invalid> for ApiError {
    fn from(e: crate::domain::Invalid) -> Self {
        ApiError::BadUserInput { field: e.field, message: e.message, message_zh: e.message_zh }
    }
}
