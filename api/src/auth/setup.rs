//! One-time setup codes and the password rules.
//!
//! Nobody ever sees another user's password in clear: an administrator who creates a user, or
//! resets a password, hands over a one-time setup code instead, and the user redeems it with a
//! password of their own choosing (`redeemSetupCode`). Until then the user has no password at
//! all ([`entity::app_user::NO_PASSWORD`]), so nothing else logs them in, and issuing a code ends
//! every session the user had.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use entity::app_user;
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::throttle::LoginThrottle;
use super::{Auth, TokenPair, Viewer, password};
use crate::error::ApiError;
use crate::replicas::{self, Forget};

/// How long a setup code can be redeemed.
pub const SETUP_CODE_DAYS: i64 = 7;

/// When a code issued at `now` stops working.
pub fn expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::days(SETUP_CODE_DAYS)
}

/// The letters of a setup code: no 0/O, 1/I/L, so it can be read out over the phone.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted: argon2 hashes whatever it is given, and a megabyte of password is
/// not a password.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords people choose first, in the towns' offices as everywhere; compared without case.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "1111111111",
    "0000000000",
    "8888888888",
    "6666666666",
    "1234554321",
    "1357924680",
    "9876543210",
    "qwertyuiop",
    "1qaz2wsx3edc",
    "1q2w3e4r5t",
    "q1w2e3r4t5",
    "qazwsxedcrfv",
    "asdfghjkl;",
    "password123",
    "password1234",
    "passw0rd123",
    "p@ssw0rd123",
    "admin12345",
    "admin123456",
    "administrator",
    "abc1234567",
    "abcd123456",
    "abc123456789",
    "a123456789",
    "aa12345678",
    "qq123456789",
    "woaini1314",
    "woaini520520",
    "5201314520",
    "1314520520",
    "iloveyou123",
    "welcome123",
    "changeme123",
    "letmein1234",
    "pingan12345",
    "pingan123456",
    "saohei12345",
    "saoheichue",
    "zhongguo123",
    "china123456",
    "demo-pass-2026",
];

/// A fresh setup code, `XXXX-XXXX-XXXX-XXXX` (about 79 bits).
pub fn new_code() -> String {
    let mut rng = rand::rng();
    let letters: Vec<char> = (0..16).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    letters.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// What is stored of a code: the SHA-256 of its letters, without case, spaces or dashes, so a
/// code read out and typed back in any of those ways is the same code. A code has enough entropy
/// that a fast digest is safe, unlike a password.
pub fn digest(code: &str) -> String {
    let letters: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    Sha256::digest(letters.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The password rules: at least [`MIN_PASSWORD_CHARS`] characters, at most
/// [`MAX_PASSWORD_CHARS`], not the username (nor containing a username of four or more
/// characters), not one of the common ones nor one character repeated.
/// `field` names the input in the error.
pub fn check_password(field: &str, username: &str, password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ApiError::bad_input(
            field,
            format!("A password has at least {MIN_PASSWORD_CHARS} characters."),
            format!("密码至少需要 {MIN_PASSWORD_CHARS} 个字符。"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ApiError::bad_input(
            field,
            format!("A password has at most {MAX_PASSWORD_CHARS} characters."),
            format!("密码最多 {MAX_PASSWORD_CHARS} 个字符。"),
        ));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    // A short username is a syllable of many good passwords: only the whole of it is refused.
    let named = if name.chars().count() >= 4 { lower.contains(&name) } else { lower == name };
    if named {
        return Err(ApiError::bad_input(field, "A password must not contain the username.", "密码不能包含用户名。"));
    }
    if COMMON.contains(&lower.as_str()) || password.chars().all(|c| password.starts_with(c)) {
        return Err(ApiError::bad_input(
            field,
            "This password is too common; choose another.",
            "该密码过于常见，请另选一个。",
        ));
    }
    Ok(())
}

/// Gives a user a new setup code, returned once in clear: their password stops working and every
/// session they had ends, on every replica. The caller's transaction commits it (and must then
/// forget the user in this replica's viewer cache).
pub async fn issue(txn: &impl ConnectionTrait, user_id: Uuid, now: DateTime<Utc>) -> Result<String, ApiError> {
    let code = new_code();
    app_user::Entity::update_many()
        .col_expr(app_user::Column::PasswordHash, Expr::value(app_user::NO_PASSWORD))
        .col_expr(app_user::Column::SetupCodeHash, Expr::value(digest(&code)))
        .col_expr(app_user::Column::SetupCodeExpiresAt, Expr::value(expiry(now)))
        .col_expr(app_user::Column::Version, Expr::col(app_user::Column::Version).add(1))
        .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    super::session::revoke_all(txn, user_id, None, now).await?;
    replicas::announce_forget(txn, Forget::User(user_id)).await?;
    Ok(code)
}

impl Auth {
    /// Redeems a setup code: sets the user's first password and opens a session. A wrong,
    /// used or expired code, an unknown or inactive user all give the same `UNAUTHENTICATED`,
    /// counted by the login throttle like a wrong password.
    pub async fn redeem_setup_code(
        &self,
        db: &DatabaseConnection,
        username: &str,
        code: &str,
        new_password: &str,
        client: Option<IpAddr>,
    ) -> Result<TokenPair, ApiError> {
        check_password("input.newPassword", username, new_password)?;
        let attempt =
            self.throttle.begin(db, LoginThrottle::key(username, client)).await?.ok_or(ApiError::RateLimited)?;
        let now = Utc::now();
        let presented = digest(code);
        let user = app_user::Entity::find()
            .filter(app_user::Column::Username.eq(username))
            .filter(app_user::Column::Active.eq(true))
            .filter(app_user::Column::SetupCodeHash.eq(presented.as_str()))
            .filter(app_user::Column::SetupCodeExpiresAt.gt(now))
            .one(db)
            .await?;
        let Some(user) = user else {
            tracing::info!(username, "failed setup-code redemption");
            self.throttle.failed(db, attempt).await?;
            return Err(ApiError::Unauthenticated);
        };
        let chosen = new_password.to_owned();
        let hash = self.hashes.run(move || password::hash(&chosen)).await?.map_err(ApiError::internal)?;
        let (txn, _turn) = crate::db::write(db).await?;
        // The code is cleared by the same statement that checks it: of two redemptions at once,
        // one sets the password and the other finds no code.
        let set = app_user::Entity::update_many()
            .col_expr(app_user::Column::PasswordHash, Expr::value(hash))
            .col_expr(app_user::Column::SetupCodeHash, Expr::value(Option::<String>::None))
            .col_expr(app_user::Column::SetupCodeExpiresAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(app_user::Column::Version, Expr::col(app_user::Column::Version).add(1))
            .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
            .filter(app_user::Column::Id.eq(user.id))
            .filter(app_user::Column::SetupCodeHash.eq(presented.as_str()))
            .exec(&txn)
            .await?;
        if set.rows_affected != 1 {
            return Err(ApiError::Unauthenticated);
        }
        let (session_id, refresh) = self.open_session(&txn, user.id, now).await?;
        txn.commit().await?;
        self.throttle.succeeded(db, attempt).await?;
        tracing::info!(username, session = %session_id, "setup code redeemed");
        self.pair(user.id, session_id, refresh)
    }

    /// Changes the viewer's own password; the old one is required (a wrong one is counted by the
    /// login throttle). The viewer's other sessions end; this one goes on.
    pub async fn change_password(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
        old_password: &str,
        new_password: &str,
        client: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        check_password("input.newPassword", &viewer.username, new_password)?;
        if old_password == new_password {
            return Err(ApiError::bad_input(
                "input.newPassword",
                "The new password must differ from the old one.",
                "新密码不能与旧密码相同。",
            ));
        }
        let attempt = self
            .throttle
            .begin(db, LoginThrottle::key(&viewer.username, client))
            .await?
            .ok_or(ApiError::RateLimited)?;
        let stored = app_user::Entity::find_by_id(viewer.user_id)
            .one(db)
            .await?
            .map(|u| u.password_hash)
            .ok_or(ApiError::Unauthenticated)?;
        let (old, new) = (old_password.to_owned(), new_password.to_owned());
        let hashed = self
            .hashes
            .run(move || if password::verify(&old, &stored) { password::hash(&new).map(Some) } else { Ok(None) })
            .await?
            .map_err(ApiError::internal)?;
        let Some(hash) = hashed else {
            self.throttle.failed(db, attempt).await?;
            return Err(ApiError::bad_input("input.oldPassword", "The old password is wrong.", "旧密码不正确。"));
        };
        let now = Utc::now();
        let (txn, _turn) = crate::db::write(db).await?;
        app_user::Entity::update_many()
            .col_expr(app_user::Column::PasswordHash, Expr::value(hash))
            .col_expr(app_user::Column::Version, Expr::col(app_user::Column::Version).add(1))
            .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
            .filter(app_user::Column::Id.eq(viewer.user_id))
            .exec(&txn)
            .await?;
        super::session::revoke_all(&txn, viewer.user_id, Some(viewer.session_id), now).await?;
        replicas::announce_forget(&txn, Forget::User(viewer.user_id)).await?;
        txn.commit().await?;
        self.throttle.succeeded(db, attempt).await?;
        self.viewers.forget_user(viewer.user_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_fresh_readable_and_typed_back_in_any_case_or_spacing() {
        let code = new_code();
        assert_eq!(code.len(), 19);
        assert!(code.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_ne!(code, new_code());
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(digest(&typed), digest(&code));
        assert_ne!(digest(&new_code()), digest(&code));
    }

    #[test]
    fn the_password_rules_name_the_field_and_refuse_short_named_and_common_passwords() {
        let refused = |user: &str, pw: &str| match check_password("input.newPassword", user, pw) {
            Err(ApiError::BadUserInput { field, .. }) => field == "input.newPassword",
            _ => false,
        };
        assert!(refused("li", "short1"));
        assert!(refused("zhangwei", "ZhangWei2026!"));
        assert!(refused("li", "Password123"));
        assert!(refused("li", "aaaaaaaaaaaa"));
        assert!(refused("li", &"x1".repeat(100)));
        assert!(check_password("input.newPassword", "li", "春风十里清河镇平安无事").is_ok());
        assert!(check_password("input.newPassword", "zhangwei", "correct horse battery").is_ok());
    }
}
