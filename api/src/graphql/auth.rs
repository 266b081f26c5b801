//! `login`, `refreshToken`, `logout`, `redeemSetupCode`, `changePassword`.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::org::User;
use super::{ClientAddr, ContextExt};
use crate::auth::TokenPair;
use crate::error::ApiError;

/// 登录 — a username and password.
#[derive(InputObject)]
pub struct LoginInput {
    /// 用户名 — the login name.
    pub username: String,
    /// 密码 — the password.
    pub password: String,
}

/// 首次设置密码 — a one-time setup code redeemed for a first password.
#[derive(InputObject)]
pub struct RedeemSetupCodeInput {
    /// 用户名 — the login name the administrator gave.
    pub username: String,
    /// 一次性设置码 — the one-time code the administrator handed over (case, spaces and dashes
    /// do not matter).
    pub setup_code: String,
    /// 新密码 — the password to set: at least 10 characters, not the username, not a common
    /// password.
    pub new_password: String,
}

/// 修改密码 — the viewer's old password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// 原密码 — the password in use now.
    pub old_password: String,
    /// 新密码 — at least 10 characters, not the username, not a common password.
    pub new_password: String,
}

/// 刷新令牌 — a refresh token to trade for a new pair.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// 刷新令牌 — the refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// 登录凭证 — tokens for a session: send `accessToken` as `Authorization: Bearer …`; trade
/// `refreshToken` (once) for a new pair before `expiresAt`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// 访问令牌 — the short-lived access token, sent as a Bearer token.
    pub access_token: String,
    /// 刷新令牌 — the refresh token, traded once for a new pair.
    pub refresh_token: String,
    /// 过期时间 — when the access token expires.
    pub expires_at: DateTime<Utc>,
    /// 用户 — the logged-in user.
    pub user: User,
}

/// 退出登录 — the result of ending a session.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// 成功 — true once the session has ended.
    pub ok: bool,
}

/// 修改密码结果 — the answer to `changePassword`.
#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// 已修改 — true once the new password is set.
    pub ok: bool,
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// 登录 — opens a session. Wrong password and unknown user give the same `UNAUTHENTICATED`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let client = ctx.data_opt::<ClientAddr>().and_then(|c| c.0);
        let pair = state.auth.login(&state.db, input.username.trim(), &input.password, client).await;
        if let Err(refused @ (ApiError::Unauthenticated | ApiError::RateLimited)) = &pair {
            state.metrics.login_failed(refused.code());
        }
        Ok(payload(ctx, pair?).await?)
    }

    /// 刷新令牌 — trades a refresh token for a new pair; a token used twice ends the session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the fields of this step.")] input: RefreshTokenInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let pair = state.auth.refresh(&state.db, &input.refresh_token).await?;
        Ok(payload(ctx, pair).await?)
    }

    /// 首次设置密码 — sets a first password with a one-time setup code (a new user's, or after
    /// a reset) and opens a session. A wrong, used or expired code gives `UNAUTHENTICATED`, counted like a
    /// wrong password; a password against the rules gives `BAD_USER_INPUT` on `input.newPassword`.
    async fn redeem_setup_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the username, the setup code and the new password.")] input: RedeemSetupCodeInput,
    ) -> async_graphql::Result<AuthPayload> {
        let state = ctx.state();
        let client = ctx.data_opt::<ClientAddr>().and_then(|c| c.0);
        let username = input.username.trim();
        let pair =
            state.auth.redeem_setup_code(&state.db, username, &input.setup_code, &input.new_password, client).await?;
        Ok(payload(ctx, pair).await?)
    }

    /// 修改密码 — changes the viewer's own password (the old one is required). The viewer's other sessions
    /// end; this one goes on.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "输入 — the old password and the new one.")] input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let viewer = ctx.viewer()?;
        let state = ctx.state();
        let client = ctx.data_opt::<ClientAddr>().and_then(|c| c.0);
        state.auth.change_password(&state.db, viewer, &input.old_password, &input.new_password, client).await?;
        // The user's other sessions ended: their sockets close now, this session's stays.
        state.sockets.recheck(viewer.user_id);
        Ok(ChangePasswordPayload { ok: true })
    }

    /// 退出登录 — ends the current session: its access and refresh tokens stop working.
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
