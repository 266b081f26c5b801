//! `login`, `refreshToken`, `logout`.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::org::User;
use super::{ClientAddr, ContextExt};
use crate::auth::TokenPair;
use crate::error::ApiError;

#[derive(InputObject)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshTokenInput {
    pub refresh_token: String,
}

/// Tokens for a session: send `accessToken` as `Authorization: Bearer …`; trade
/// `refreshToken` (once) for a new pair before `expiresAt`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// True once the session has ended.
    pub ok: bool,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Opens a session. Wrong password and unknown user give the same `UNAUTHENTICATED`.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let client = ctx.data_opt::<ClientAddr>().and_then(|c| c.0);
        let pair = state.auth.login(&state.db, input.username.trim(), &input.password, client).await;
        if let Err(refused @ (ApiError::Unauthenticated | ApiError::RateLimited)) = &pair {
            state.metrics.login_failed(refused.code());
        }
        Ok(payload(ctx, pair?).await?)
    }

    /// Trades a refresh token for a new pair; a token used twice ends the session.
    async fn refresh_token(&self, ctx: &Context<'_>, input: RefreshTokenInput) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let pair = state.auth.refresh(&state.db, &input.refresh_token).await?;
        Ok(payload(ctx, pair).await?)
    }

    /// Ends the current session: its access and refresh tokens stop working.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<LogoutPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        state.auth.logout(&state.db, viewer).await?;
        Ok(LogoutPayload { ok: true })
    }
}

async fn payload(ctx: &Context<'_>, pair: TokenPair) -> Result<AuthPayload, ApiError> {
    let state = ctx.state();
    let viewer = state.auth.viewers.load(&state.db, pair.user_id, pair.session_id).await?;
    Ok(AuthPayload {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        expires_at: pair.expires_at,
        user: User::of_viewer(&viewer),
    })
}
