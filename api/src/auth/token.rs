//! Access tokens: short-lived JWTs that name a user and a session, nothing more.
//!
//! Role, unit and town are never read from a token (access.md rule 7); they come from the
//! database on each request. Validation pins the one configured algorithm and checks `exp`,
//! `nbf`, `iat`, `iss` and `aud`, so `alg: none`, a key-confusion token or one minted for another
//! service is refused.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Leeway for clock skew between replicas, in seconds.
const LEEWAY_SECS: u64 = 30;
/// How many verified tokens are kept; past it the kept ones are all forgotten.
const VERIFIED_MAX: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub sid: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The signing and verification keys with the pinned validation rules.
#[derive(Clone)]
pub struct TokenKeys(Arc<Inner>);

struct Inner {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ephemeral: bool,
    /// The key refresh-token successors are derived with (see [`TokenKeys::successor`]).
    successor_key: [u8; 32],
    /// Tokens whose signature and claims were verified under these keys, by their exact text.
    /// A client sends the same token with every request for its lifetime, and checking its
    /// signature again (with its base64 and JSON) was some 50,000 instructions a request; a
    /// kept token still has its times checked on every use ([`current`]). Nothing else is
    /// kept: the session behind it is looked up per operation as before.
    verified: RwLock<HashMap<Box<str>, Claims, foldhash::fast::RandomState>>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid key: {0}")]
pub struct KeyError(String);

impl TokenKeys {
    /// HS256 with a shared secret.
    pub fn hs256(secret: &[u8], issuer: &str, audience: &str) -> Self {
        Self::new(
            Algorithm::HS256,
            EncodingKey::from_secret(secret),
            DecodingKey::from_secret(secret),
            issuer,
            audience,
            false,
            secret,
        )
    }

    /// EdDSA (Ed25519) with a PEM key pair.
    pub fn eddsa(private_pem: &[u8], public_pem: &[u8], issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let encoding = EncodingKey::from_ed_pem(private_pem).map_err(|e| KeyError(e.to_string()))?;
        let decoding = DecodingKey::from_ed_pem(public_pem).map_err(|e| KeyError(e.to_string()))?;
        Ok(Self::new(Algorithm::EdDSA, encoding, decoding, issuer, audience, false, private_pem))
    }

    /// A random HS256 key that lives as long as the process: demo mode only.
    pub fn ephemeral(issuer: &str, audience: &str) -> Self {
        let mut secret = [0u8; 64];
        rand::rng().fill_bytes(&mut secret);
        let mut keys = Self::hs256(&secret, issuer, audience);
        if let Some(inner) = Arc::get_mut(&mut keys.0) {
            inner.ephemeral = true;
        }
        keys
    }

    fn new(
        algorithm: Algorithm,
        encoding: EncodingKey,
        decoding: DecodingKey,
        issuer: &str,
        audience: &str,
        ephemeral: bool,
        secret: &[u8],
    ) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["sub", "iat", "nbf", "exp", "iss", "aud"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = LEEWAY_SECS;
        Self(Arc::new(Inner {
            algorithm,
            encoding,
            decoding,
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ephemeral,
            // A key of its own, so a successor never doubles as a signature.
            successor_key: Sha256::new_with_prefix(b"pingan refresh-token successor\n")
                .chain_update(secret)
                .finalize()
                .into(),
            verified: RwLock::default(),
        }))
    }

    /// The refresh token that replaces `token` when it is rotated: HMAC-SHA256 of it under a
    /// key derived from the signing secret (HS256) or private key (EdDSA).
    ///
    /// Derived rather than random so that concurrent refreshes with one token all hand out the
    /// same successor (the grace window in `session.rs`) while the database keeps only digests:
    /// whoever presents the old token can recompute its successor, and nobody without the
    /// server's key and the old token can.
    pub fn successor(&self, token: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0.successor_key).expect("HMAC takes any key length");
        mac.update(token.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A line for the start-up log, without key material.
    pub fn describe(&self) -> String {
        let kind = if self.0.ephemeral { "ephemeral (demo) " } else { "" };
        format!("{kind}{:?}, iss={}, aud={}", self.0.algorithm, self.0.issuer, self.0.audience)
    }

    /// Signs an access token for a session; returns it with its expiry.
    pub fn issue(&self, user: Uuid, session: Uuid, ttl: Duration) -> Result<(String, DateTime<Utc>), KeyError> {
        let now = Utc::now();
        let exp = now + chrono::Duration::from_std(ttl).map_err(|e| KeyError(e.to_string()))?;
        let claims = Claims {
            sub: user,
            sid: session,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: exp.timestamp(),
            iss: self.0.issuer.clone(),
            aud: self.0.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(self.0.algorithm), &claims, &self.0.encoding)
            .map_err(|e| KeyError(e.to_string()))?;
        Ok((token, exp))
    }

    /// Verifies a token; any failure is `None` (the caller answers `UNAUTHENTICATED`).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        self.verify_at(token, Utc::now().timestamp())
    }

    fn verify_at(&self, token: &str, now: i64) -> Option<Claims> {
        let kept = self.0.verified.read().unwrap_or_else(PoisonError::into_inner).get(token).cloned();
        if let Some(claims) = kept {
            return current(claims, now);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.0.decoding, &self.0.validation).ok()?;
        let claims = current(data.claims, now)?;
        let mut verified = self.0.verified.write().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= VERIFIED_MAX {
            verified.clear();
        }
        verified.insert(token.into(), claims.clone());
        Some(claims)
    }
}

/// The claims, if their times hold at `now`: not expired, not before their start, and not
/// issued in the future, each within the leeway. jsonwebtoken checks the first two, with the
/// same bounds, when it verifies a signature; a kept token is checked here on every use.
/// jsonwebtoken does not check `iat` at all (the token must carry one only because
/// [`Claims::iat`] is not optional): a token "issued" in the future is forged or from a badly
/// skewed clock, and neither is trusted.
fn current(claims: Claims, now: i64) -> Option<Claims> {
    let leeway = LEEWAY_SECS as i64;
    (claims.exp >= now - leeway && claims.nbf <= now + leeway && claims.iat <= now + leeway).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::TokenKeys;
    use std::time::Duration;

    #[test]
    fn a_kept_token_is_checked_for_its_times_on_every_use() {
        let keys = TokenKeys::hs256(&[7; 48], "pingan", "pingan-api");
        let (token, exp) = keys.issue(uuid::Uuid::nil(), uuid::Uuid::nil(), Duration::from_secs(600)).unwrap();
        let now = chrono::Utc::now().timestamp();
        assert!(keys.verify_at(&token, now).is_some());
        assert!(keys.0.verified.read().unwrap().contains_key(token.as_str()), "a verified token is kept");
        // Kept now; past its expiry and the leeway it is refused all the same.
        assert!(keys.verify_at(&token, exp.timestamp() + 31).is_none());
        assert!(keys.verify_at(&token, exp.timestamp() + 29).is_some());
        // Before it was issued (beyond the leeway): refused.
        assert!(keys.verify_at(&token, now - 600).is_none());
    }

    #[test]
    fn a_token_changed_by_one_character_is_not_the_kept_one() {
        let keys = TokenKeys::hs256(&[7; 48], "pingan", "pingan-api");
        let (token, _) = keys.issue(uuid::Uuid::nil(), uuid::Uuid::nil(), Duration::from_secs(600)).unwrap();
        assert!(keys.verify(&token).is_some());
        // One character of the claims changed: the signature no longer matches.
        let at = token.find('.').unwrap() + 5;
        let was = token.as_bytes()[at];
        let mut forged = token.clone();
        forged.replace_range(at..=at, if was == b'x' { "y" } else { "x" });
        assert!(keys.verify(&forged).is_none());
        let other = TokenKeys::hs256(&[8; 48], "pingan", "pingan-api");
        assert!(other.verify(&token).is_none());
    }

    #[test]
    fn a_successor_is_the_same_for_one_token_and_key_and_differs_otherwise() {
        let keys = TokenKeys::hs256(&[7; 48], "pingan", "pingan-api");
        let other = TokenKeys::hs256(&[8; 48], "pingan", "pingan-api");
        assert_eq!(keys.successor("token-a"), keys.successor("token-a"));
        assert_ne!(keys.successor("token-a"), keys.successor("token-b"));
        assert_ne!(keys.successor("token-a"), other.successor("token-a"));
        assert_ne!(keys.successor("token-a"), "token-a");
    }
}
