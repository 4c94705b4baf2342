//! Who is asking: passwords (argon2id), login with throttling, browser sessions and API bearer
//! tokens, and the extractors handlers use to get an [`Actor`].
//!
//! Sessions and API tokens are the same thing stored differently: a random 256-bit secret held
//! by the client (a cookie, or an `Authorization: Bearer` header) and only its SHA-256 in the
//! database. This is the whole of what the tower-sessions + axum-login pair would give here,
//! in one table that every instance sharing the database sees.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use duban_core::access::Actor;
use duban_store::TokenKind;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::time::Duration;

pub const SESSION_COOKIE: &str = "duban_session";
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
pub const API_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Failed logins are counted over this window.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(60);
/// An address with this many failed logins within [`THROTTLE_WINDOW`] gets 429 for any name:
/// whoever guesses from there slows only themselves.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 10;
/// A name with more failed logins than this within [`THROTTLE_WINDOW`], from anywhere, makes
/// every further attempt at it wait ([`name_delay`]). Never a lock-out: a stranger who types
/// a clerk's name wrongly can delay the clerk's login by seconds, not refuse it.
pub const FREE_FAILURES_PER_NAME: u32 = 3;
const NAME_DELAY_FIRST: Duration = Duration::from_millis(500);
const NAME_DELAY_MAX: Duration = Duration::from_secs(4);

/// How long an attempt at a name waits after `failures` recent failures for it: nothing for
/// the first few, then doubling from half a second up to four.
pub fn name_delay(failures: u32) -> Duration {
    match failures.checked_sub(FREE_FAILURES_PER_NAME) {
        None | Some(0) => Duration::ZERO,
        Some(n) => NAME_DELAY_FIRST
            .saturating_mul(1 << (n - 1).min(8))
            .min(NAME_DELAY_MAX),
    }
}

/// Hashes a password with argon2id and a random salt. CPU-heavy on purpose: call it through
/// `spawn_blocking`.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a stored PHC string. CPU-heavy: `spawn_blocking`.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    use argon2::password_hash::phc::PasswordHash;
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A fresh secret for a session or a token, and the hash that is stored.
pub fn new_secret() -> Result<(String, String), ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(&e))?;
    let secret = hex::encode(bytes);
    let hash = secret_hash(&secret);
    Ok((secret, hash))
}

pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Logs in: throttled per address (429) and per name (a growing delay), constant work whether
/// or not the name exists, audited either way (`login`, `login_failed`). Returns the user id.
/// Who logged in, and whether they must choose a new password first (the office reset it).
#[derive(Debug, Clone, Copy)]
pub struct LoggedIn {
    pub user_id: i64,
    pub must_change_password: bool,
}

pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    address: &str,
) -> Result<LoggedIn, ApiError> {
    let (by_name, by_addr) = state
        .store
        .login_failures_within(username, address, THROTTLE_WINDOW)
        .await?;
    if by_addr >= MAX_FAILURES_PER_ADDRESS {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "此地址登录失败次数过多，请一分钟后再试 / too many failed logins from this address; wait a minute",
        ));
    }
    tokio::time::sleep(name_delay(by_name)).await;
    let creds = state.store.credentials(username).await?;
    // Without an account, verify against a fixed hash anyway, so timing does not say which
    // names exist.
    let phc = creds
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    match creds {
        // Said only to whoever knows the password: it tells nothing to a guesser.
        Some(c) if ok && c.disabled => {
            state.store.record_login_failure(username, address).await?;
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "account_disabled",
                "账户已停用，请联系管理员 / this account is disabled; ask the office",
            ))
        }
        Some(c) if ok => {
            state.store.record_login(username, address).await?;
            Ok(LoggedIn {
                user_id: c.user_id,
                must_change_password: c.must_change_password,
            })
        }
        _ => {
            state.store.record_login_failure(username, address).await?;
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "用户名或密码错误 / wrong user name or password",
            ))
        }
    }
}

/// argon2id of a random password nobody knows, for the no-such-user path of [`login`].
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W6rLBFcO8GTwaPGyDLIWJmQvZP2O2iGm1hqWcK2O0tY";

/// The client's address, for throttling and the audit log; "unknown" when the server was not
/// started with connection info (tests driving the router directly). Behind a reverse proxy
/// every connection comes from the proxy, so with [`AppState::trust_proxy`] the address is the
/// last one in `X-Forwarded-For`, the one the proxy itself added; never the first, which the
/// client writes.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .trust_proxy
            .then(|| {
                let header = parts.headers.get("x-forwarded-for")?.to_str().ok()?;
                let last = header.rsplit(',').next()?.trim();
                last.parse::<std::net::IpAddr>().ok()
            })
            .flatten();
        Ok(ClientAddr(match forwarded {
            Some(ip) => ip.to_string(),
            None => parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        }))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

pub fn session_cookie(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// The actor behind a request: a bearer token first, else the session cookie.
pub async fn actor_of(parts: &Parts, state: &AppState) -> Result<Option<Actor>, ApiError> {
    let (secret, kind) = match (bearer(parts), session_cookie(parts)) {
        (Some(token), _) => (token, TokenKind::Api),
        (None, Some(cookie)) => (cookie, TokenKind::Session),
        (None, None) => return Ok(None),
    };
    let hash = secret_hash(secret);
    if let Some(actor) = state.actors.get(&hash, kind) {
        return Ok(Some(actor));
    }
    let generation = state.actors.generation();
    let actor = state.store.actor_by_token(&hash, kind).await?;
    if let Some(a) = &actor {
        state.actors.put(hash, kind, a.clone(), generation);
    }
    Ok(actor)
}

/// How long this process trusts what it last read about a token. Every API call and work page
/// asks who is calling; remembering the answer briefly saves a database round trip on each.
/// A logout or password change takes effect at once: made through this process, it calls
/// [`ActorCache::forget_token`] / [`ActorCache::forget_user`]; made through another instance,
/// storage announces it ([`duban_store::Change`]; on PostgreSQL). An account's units changed,
/// or a logout by another process sharing a SQLite file, take effect within this long.
pub const ACTOR_CACHE_TTL: Duration = Duration::from_secs(5);

/// Tokens past this many are dropped wholesale rather than tracked one by one: the cache is
/// a shortcut, not a store, and a burst of new tokens only costs a few more reads.
const ACTOR_CACHE_MAX: usize = 10_000;

/// A token's hash and kind.
type TokenKey = (String, &'static str);

/// Recently resolved tokens (by the SHA-256 of the secret, never the secret itself).
#[derive(Debug, Default)]
pub struct ActorCache {
    map: std::sync::RwLock<std::collections::HashMap<TokenKey, (Actor, std::time::Instant)>>,
    /// Bumped by every forget, so that an answer read from storage before a logout is not
    /// kept after it.
    generation: std::sync::atomic::AtomicU64,
}

impl ActorCache {
    fn get(&self, hash: &str, kind: TokenKind) -> Option<Actor> {
        let map = self.map.read().ok()?;
        let (actor, at) = map.get(&(hash.to_owned(), kind.as_str()))?;
        (at.elapsed() < ACTOR_CACHE_TTL).then(|| actor.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Keeps what storage said about a token, unless a forget came since it was asked.
    fn put(&self, hash: String, kind: TokenKind, actor: Actor, generation: u64) {
        if let Ok(mut map) = self.map.write() {
            if self.generation() != generation {
                return;
            }
            if map.len() >= ACTOR_CACHE_MAX {
                map.clear();
            }
            map.insert((hash, kind.as_str()), (actor, std::time::Instant::now()));
        }
    }

    /// After a logout: the token must stop working here at once.
    pub fn forget_token(&self, hash: &str) {
        if let Ok(mut map) = self.map.write() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            map.retain(|(h, _), _| h != hash);
        }
    }

    /// After a password change, which ends every session and token of the account.
    pub fn forget_user(&self, user_id: i64) {
        if let Ok(mut map) = self.map.write() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            map.retain(|_, (a, _)| a.user_id != user_id);
        }
    }

    /// When announcements may have been missed.
    pub fn forget_all(&self) {
        if let Ok(mut map) = self.map.write() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            map.clear();
        }
    }
}

/// The Set-Cookie value for a new session. `Secure` when the request came over TLS (as a
/// reverse proxy says with X-Forwarded-Proto).
pub fn session_set_cookie(secret: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

pub fn session_clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub fn is_tls(parts_headers: &axum::http::HeaderMap) -> bool {
    parts_headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_for_a_name_grows_and_stops_growing() {
        assert_eq!(name_delay(0), Duration::ZERO);
        assert_eq!(name_delay(FREE_FAILURES_PER_NAME), Duration::ZERO);
        assert_eq!(name_delay(FREE_FAILURES_PER_NAME + 1), NAME_DELAY_FIRST);
        assert_eq!(name_delay(FREE_FAILURES_PER_NAME + 2), NAME_DELAY_FIRST * 2);
        assert_eq!(name_delay(1_000), NAME_DELAY_MAX);
        assert_eq!(name_delay(u32::MAX), NAME_DELAY_MAX);
    }

    #[test]
    fn passwords() {
        let h = hash_password("正确的密码").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码", &h));
        assert!(!verify_password("错误", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("x", DUMMY_HASH));
    }
}
