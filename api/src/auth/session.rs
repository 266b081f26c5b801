//! Sessions: login, refresh-token rotation with reuse detection, logout.
//!
//! A login's refresh token is 32 random bytes, shown once and stored only as its SHA-256. Every
//! use rotates it; presenting a token that was already used ends the whole session, since one of
//! the two holders is a thief — unless the reuse comes within a short grace window after the
//! rotation: a browser's tabs, or a retry after a lost answer, refresh with one token at once,
//! and all of them get the same new pair (the successor is derived from the old token, see
//! [`super::token::TokenKeys::successor`]). A thief within the window gets the pair too; after
//! it, reuse ends the session as before.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::{app_user, refresh_token, session};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::throttle::LoginThrottle;
use super::{Auth, Viewer, password};
use crate::error::ApiError;
use crate::replicas::{self, Forget};

/// What `login` and `refreshToken` hand out.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

impl Auth {
    /// Checks a username and password and opens a session. Wrong password, unknown user and
    /// inactive user give the same `UNAUTHENTICATED`; past the failure limit, `RATE_LIMITED`.
    pub async fn login(
        &self,
        db: &DatabaseConnection,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, ApiError> {
        // Counted before the hash: concurrent guesses cannot all be evaluated.
        let key = LoginThrottle::key(username, client);
        let attempt = self.throttle.begin(db, key).await?.ok_or(ApiError::RateLimited)?;
        let user = app_user::Entity::find().filter(app_user::Column::Username.eq(username)).one(db).await?;
        let guess = password.to_owned();
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let matches = self
            .hashes
            .run(move || match stored {
                Some(stored) => password::verify(&guess, &stored),
                None => {
                    password::verify_dummy(&guess);
                    false
                }
            })
            .await?;
        let user = match user {
            Some(user) if matches && user.active => user,
            _ => {
                tracing::info!(username, "failed login");
                self.throttle.failed(db, attempt).await?;
                return Err(ApiError::Unauthenticated);
            }
        };
        self.throttle.succeeded(db, attempt).await?;
        let (txn, _turn) = crate::db::write(db).await?;
        let (session_id, refresh) = self.open_session(&txn, user.id, Utc::now()).await?;
        txn.commit().await?;
        tracing::info!(username, session = %session_id, "login");
        self.pair(user.id, session_id, refresh)
    }

    /// Rotates a refresh token. A token used before ends its session (reuse detection), unless
    /// it was used within the grace window: then the caller gets the same successor.
    pub async fn refresh(&self, db: &DatabaseConnection, presented: &str) -> Result<TokenPair, ApiError> {
        let now = Utc::now();
        let (txn, _turn) = crate::db::write(db).await?;
        // The write comes first: of concurrent uses exactly one marks the token, and the others
        // wait for its commit (PostgreSQL's row lock, SQLite's single writer) before they read.
        let marked = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
            .filter(refresh_token::Column::TokenHash.eq(digest(presented)))
            .filter(refresh_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        let Some(stored) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(digest(presented)))
            .one(&txn)
            .await?
        else {
            return Err(ApiError::Unauthenticated);
        };
        let session =
            session::Entity::find_by_id(stored.session_id).one(&txn).await?.ok_or(ApiError::Unauthenticated)?;
        if session.revoked_at.is_some() || session.expires_at <= now || stored.expires_at <= now {
            return Err(ApiError::Unauthenticated);
        }
        let successor = self.keys.successor(presented);
        if marked.rows_affected != 1 {
            let grace = chrono::Duration::from_std(self.refresh_grace).map_err(ApiError::internal)?;
            let in_grace = stored.used_at.is_some_and(|used| now - used < grace);
            let rotated = refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(digest(&successor)))
                .filter(refresh_token::Column::SessionId.eq(session.id))
                .one(&txn)
                .await?;
            if in_grace && rotated.is_some() {
                txn.commit().await?;
                return self.pair(session.user_id, session.id, successor);
            }
            revoke(&txn, session.id, now).await?;
            replicas::announce_forget(&txn, Forget::Session(session.id)).await?;
            txn.commit().await?;
            self.viewers.forget_session(session.id);
            tracing::warn!(session = %session.id, "refresh token reused: session ended");
            return Err(ApiError::Unauthenticated);
        }
        let user = app_user::Entity::find_by_id(session.user_id).one(&txn).await?;
        if !user.is_some_and(|u| u.active) {
            return Err(ApiError::Unauthenticated);
        }
        self.store_refresh_token(&txn, session.id, &successor).await?;
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.pair(session.user_id, session.id, successor)
    }

    /// Ends the viewer's session: its access and refresh tokens stop working at once.
    pub async fn logout(&self, db: &DatabaseConnection, viewer: &Viewer) -> Result<(), ApiError> {
        let (txn, _turn) = crate::db::write(db).await?;
        revoke(&txn, viewer.session_id, Utc::now()).await?;
        replicas::announce_forget(&txn, Forget::Session(viewer.session_id)).await?;
        txn.commit().await?;
        self.viewers.forget_session(viewer.session_id);
        Ok(())
    }

    /// The viewer behind a bearer token, or `UNAUTHENTICATED`.
    pub async fn authenticate(&self, db: &DatabaseConnection, bearer: &str) -> Result<Viewer, ApiError> {
        let claims = self.keys.verify(bearer).ok_or(ApiError::Unauthenticated)?;
        self.viewers.load(db, claims.sub, claims.sid).await
    }

    /// Opens a session for a user whose credentials were just checked: its id and its first
    /// refresh token.
    pub(super) async fn open_session(
        &self,
        txn: &impl sea_orm::ConnectionTrait,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, String), ApiError> {
        let session_id = Uuid::now_v7();
        session::ActiveModel {
            id: Set(session_id),
            user_id: Set(user_id),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::from_std(self.refresh_ttl).map_err(ApiError::internal)?),
            revoked_at: Set(None),
            last_seen_at: Set(now),
        }
        .insert(txn)
        .await?;
        let refresh = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>());
        self.store_refresh_token(txn, session_id, &refresh).await?;
        Ok((session_id, refresh))
    }

    async fn store_refresh_token(
        &self,
        txn: &impl sea_orm::ConnectionTrait,
        session_id: Uuid,
        token: &str,
    ) -> Result<(), ApiError> {
        let now = Utc::now();
        refresh_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session_id),
            token_hash: Set(digest(token)),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::from_std(self.refresh_ttl).map_err(ApiError::internal)?),
            used_at: Set(None),
        }
        .insert(txn)
        .await?;
        Ok(())
    }

    pub(super) fn pair(&self, user_id: Uuid, session_id: Uuid, refresh_token: String) -> Result<TokenPair, ApiError> {
        let (access_token, expires_at) =
            self.keys.issue(user_id, session_id, self.access_ttl).map_err(ApiError::internal)?;
        Ok(TokenPair { access_token, refresh_token, expires_at, user_id, session_id })
    }
}

async fn revoke(db: &impl sea_orm::ConnectionTrait, session_id: Uuid, now: DateTime<Utc>) -> Result<(), ApiError> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Ends every live session of a user but `except` (the caller's own, when it changes its own
/// password).
pub(super) async fn revoke_all(
    db: &impl sea_orm::ConnectionTrait,
    user_id: Uuid,
    except: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = except {
        update = update.filter(session::Column::Id.ne(keep));
    }
    update.exec(db).await?;
    Ok(())
}
