//! `login`, `refreshToken`, `logout`, `redeemSetupCode`, `changePassword`.

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
pub struct RedeemSetupCodeInput {
    pub username: String,
    /// The one-time code the administrator handed over (case, spaces and dashes do not matter).
    pub setup_code: String,
    /// The password to set: at least 10 characters, not the username, not a common password.
    pub new_password: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub old_password: String,
    /// At least 10 characters, not the username, not a common password.
    pub new_password: String,
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

#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// True once the new password is set.
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
        let pair = state.auth.login(&state.db, input.username.trim(), &input.password, client).await?;
        Ok(payload(ctx, pair).await?)
    }

    /// Trades a refresh token for a new pair; a token used twice ends the session.
    async fn refresh_token(&self, ctx: &Context<'_>, input: RefreshTokenInput) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let pair = state.auth.refresh(&state.db, &input.refresh_token).await?;
        Ok(payload(ctx, pair).await?)
    }

    /// Sets a first password with a one-time setup code (a new user's, or after a reset) and
    /// opens a session. A wrong, used or expired code gives `UNAUTHENTICATED`, counted like a
    /// wrong password; a password against the rules gives `BAD_USER_INPUT` on `input.newPassword`.
    async fn redeem_setup_code(
        &self,
        ctx: &Context<'_>,
        input: RedeemSetupCodeInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let client = ctx.data_opt::<ClientAddr>().and_then(|c| c.0);
        let username = input.username.trim();
        let pair =
            state.auth.redeem_setup_code(&state.db, username, &input.setup_code, &input.new_password, client).await?;
        Ok(payload(ctx, pair).await?)
    }

    /// Changes the viewer's own password (the old one is required). The viewer's other sessions
    /// end; this one goes on.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let client = ctx.data_opt::<ClientAddr>().and_then(|c| c.0);
        state.auth.change_password(&state.db, viewer, &input.old_password, &input.new_password, client).await?;
        // The user's other sessions ended: their sockets close now, this session's stays.
        state.sockets.recheck(viewer.user_id);
        Ok(ChangePasswordPayload { ok: true })
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
