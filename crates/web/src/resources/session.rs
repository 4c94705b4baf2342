//! Who is logged in: the login page and form, logout, the password page, and the API's
//! `POST /api/v1/login` / `logout`. The mechanics (hashing, throttling, tokens) are in `auth`.

use crate::AppState;
use crate::auth::{self, ClientAddr};
use crate::error::{ApiError, ErrorBody, PageError};
use crate::extract::{ApiActor, ApiJson, PageActor, PageForm};
use crate::policy::who;
use crate::view::{html, nav_who};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_core::access::Role;
use duban_core::text::{Password, UserName};
use duban_core::{Leader, Unit};
use duban_store::TokenKind;
use serde::{Deserialize, Serialize};

/// Only local paths may be redirected to after login, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/work".to_owned(),
    }
}

// ---- login ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: crate::view::i18n::Labels,
    error: Option<String>,
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(Query(q): Query<NextQuery>) -> Result<Html<String>, PageError> {
    html(&LoginPage {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/login"),
        error: None,
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: UserName,
    password: Password,
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(f.next.as_deref());
    match auth::login(&state, f.username.as_str(), f.password.as_str(), &addr.0).await {
        Ok(user) => {
            let (secret, hash) = auth::new_secret()?;
            state
                .store
                .create_token(user.user_id, &hash, TokenKind::Session, auth::SESSION_TTL)
                .await?;
            let cookie = auth::session_set_cookie(&secret, auth::is_tls(&headers));
            // A password the office set is changed before anything else.
            let to = if user.must_change_password {
                "/work/password?reset=1".to_owned()
            } else {
                next
            };
            let mut resp = Redirect::to(&to).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(e) if e.status.is_client_error() => {
            let page = html(&LoginPage {
                l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/login"),
                error: Some(e.message),
                next,
            })?;
            Ok((e.status, page).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

pub async fn logout_page(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    let (parts, _) = req.into_parts();
    if let Some(cookie) = auth::session_cookie(&parts) {
        let hash = auth::secret_hash(cookie);
        state.store.delete_token(&hash).await?;
        state.actors.forget_token(&hash);
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_clear_cookie()) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---- password change ----

#[derive(Template)]
#[template(path = "work_password.html")]
struct PasswordPage {
    l: crate::view::i18n::Labels,
    who: String,
    error: Option<String>,
    /// The office reset the password: this login must choose a new one.
    reset: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordQuery {
    #[serde(default)]
    reset: Option<String>,
}

pub async fn password_page(
    PageActor(actor): PageActor,
    axum::extract::Query(q): axum::extract::Query<PasswordQuery>,
) -> Result<Html<String>, PageError> {
    html(&PasswordPage {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work/password"),
        who: nav_who(&actor),
        error: None,
        reset: q.reset.is_some(),
    })
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: Password,
    new: Password,
}

/// Changes the caller's own password after checking the current one (throttled like a login);
/// every session and token of the account ends, so the user logs in again.
pub async fn password_change(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
    addr: ClientAddr,
    PageForm(f): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let again = |status: StatusCode, message: String| -> Result<Response, PageError> {
        let page = html(&PasswordPage {
            l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work/password"),
            who: nav_who(&actor),
            error: Some(message),
            reset: false,
        })?;
        Ok((status, page).into_response())
    };
    if f.new.as_str().chars().count() < 8 {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "新密码至少 8 位 / the new password needs 8 or more characters".into(),
        );
    }
    if let Err(e) = auth::login(&state, &actor.username, f.current.as_str(), &addr.0).await {
        return again(e.status, e.message);
    }
    let new = f.new.into_string();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|e| PageError(ApiError::internal(&e)))?
        .map_err(|e| PageError(ApiError::internal(&e)))?;
    state
        .store
        .set_password(actor.user_id, &hash, &who(&actor))
        .await?;
    state.actors.forget_user(actor.user_id);
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_clear_cookie()) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

// ---- the API ----

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    username: UserName,
    password: Password,
}

/// What a login answers: the bearer token (shown once) and who it speaks for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginAnswer {
    /// Send as `Authorization: Bearer TOKEN`.
    token: String,
    /// Seconds until the token expires.
    expires_in: u64,
    user: LoginUser,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginUser {
    username: String,
    role: Role,
    /// For a unit account: the 责任单位 it speaks for.
    units: Vec<Unit>,
    /// For a leader account: the 市政府领导 it is.
    leader: Option<Leader>,
}

/// Exchanges a name and password for a bearer token. Failed logins are throttled per name and
/// per address.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "work",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in", body = LoginAnswer),
        (status = 401, description = "Wrong user name or password (`bad_credentials`)", body = ErrorBody),
        (status = 403, description = "The account is disabled (`account_disabled`), or its password was reset and must be changed on the web page first (`password_change_required`)", body = ErrorBody),
        (status = 422, description = "Invalid input (`invalid_json`, `invalid_period`, …)", body = ErrorBody),
        (status = 429, description = "Too many failed logins (`too_many_attempts`)", body = ErrorBody),
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let login = auth::login(
        &state,
        body.username.as_str(),
        body.password.as_str(),
        &addr.0,
    )
    .await?;
    if login.must_change_password {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "管理员已重置密码：请先在网页登录并设置新密码 / the office reset this password: log in on the web page and choose a new one first",
        ));
    }
    let user = login.user_id;
    let (secret, hash) = auth::new_secret()?;
    state
        .store
        .create_token(user, &hash, TokenKind::Api, auth::API_TOKEN_TTL)
        .await?;
    let actor = state
        .store
        .actor(user)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(LoginAnswer {
        token: secret,
        expires_in: auth::API_TOKEN_TTL.as_secs(),
        user: LoginUser {
            username: actor.username,
            role: actor.role,
            units: actor.units,
            leader: actor.leader,
        },
    }))
}

/// Revokes the token the request was sent with.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "work",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token no longer works"),
        (status = 401, description = "No or bad token (`unauthenticated`)", body = ErrorBody),
    ),
)]
pub async fn logout(
    State(state): State<AppState>,
    ApiActor(_): ApiActor,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    if let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let hash = auth::secret_hash(token.trim());
        state.store.delete_token(&hash).await?;
        state.actors.forget_token(&hash);
    }
    Ok(StatusCode::NO_CONTENT)
}
