//! Extractors whose refusals speak the right language: the API's `{"error","message"}` JSON for
//! `/api` calls, the error page for forms. axum's own extractors answer a bad path id, query or
//! body in plain text, which a generated client cannot read and the OpenAPI document does not
//! describe.

use crate::AppState;
use crate::auth;
use crate::error::{ApiError, PageError};
use crate::view::urlencoding;
use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Form, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use duban_core::Period;
use duban_core::access::Actor;
use serde::de::DeserializeOwned;

/// `Json<T>` whose rejections (bad JSON, wrong or over-long fields, too large) answer in the
/// API's error format. A body that reads but does not fit `T` is 422; one that cannot be read
/// keeps axum's status (413 too large, 415 not JSON, 400 broken).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| ApiJson(v))
            .map_err(|e: JsonRejection| {
                let status = match e.status() {
                    // Syntax and shape errors alike: the request was read but is not valid.
                    StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
                    s => s,
                };
                // A body that was read but is not valid is `invalid_json`; one that could not be
                // taken (413, 415) has the code any layer gives that status.
                let code = match status {
                    StatusCode::UNPROCESSABLE_ENTITY => "invalid_json",
                    s => crate::error::layer_code(s),
                };
                ApiError::new(status, code, e.body_text())
            })
    }
}

/// `Path<T>` for the API: an id that is not a number in range (`1e3`, 2⁶³) is 422
/// `invalid_path`, as JSON.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_path",
                    e.body_text(),
                )
            })
    }
}

/// `Query<T>` for the API: a parameter of the wrong type (`limit=abc`) is 422 `invalid_query`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_query",
                    e.body_text(),
                )
            })
    }
}

/// `Form<T>` for the work pages: a field that does not fit (too long, an unknown choice) is
/// the error page saying which, with axum's status.
#[derive(Debug)]
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        Form::<T>::from_request(req, state)
            .await
            .map(|Form(v)| PageForm(v))
            .map_err(|e: FormRejection| {
                PageError(ApiError::new(e.status(), "invalid_form", e.body_text()))
            })
    }
}

/// `Path<T>` for the work pages: a malformed id is the "not found" page, as a missing one is.
#[derive(Debug)]
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| PagePath(v))
            .map_err(|_| PageError(ApiError::not_found("no such page")))
    }
}

/// A logged-in browser user; anyone else is sent to the login page.
#[derive(Debug, Clone)]
pub struct PageActor(pub Actor);

impl FromRequestParts<AppState> for PageActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match auth::actor_of(parts, state).await {
            Ok(Some(a)) => Ok(PageActor(a)),
            Ok(None) => {
                let next = parts.uri.path_and_query().map_or("/work", |p| p.as_str());
                let to = format!("/login?next={}", urlencoding(next));
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// The `{period}` of a route's path, by name: a `{gov}` beside it is [`crate::government::Gov`]'s.
#[derive(Debug, serde::Deserialize)]
pub struct PeriodPath {
    pub period: String,
}

/// A period named in a page's path: one that cannot be is a page that does not exist.
pub(crate) fn page_period(s: &str) -> Result<Period, PageError> {
    s.parse()
        .map_err(|_| PageError(ApiError::not_found("period")))
}

/// An API caller who must be logged in: 401 JSON otherwise.
#[derive(Debug, Clone)]
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        auth::actor_of(parts, state)
            .await?
            .map(ApiActor)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "log in first: POST /api/v1/login, then send Authorization: Bearer TOKEN",
                )
            })
    }
}

pub(crate) fn api_period(s: &str) -> Result<Period, ApiError> {
    s.parse().map_err(|e: duban_core::period::PeriodError| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_period",
            e.to_string(),
        )
    })
}

/// `?lang=en` on a public page or feed (Chinese otherwise).
#[derive(Debug, serde::Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    pub fn lang(&self) -> crate::view::i18n::Lang {
        crate::view::i18n::Lang::from_query(self.lang.as_deref())
    }
}

/// `?year=2023&lang=en` on a page about a year (a unit's, a leader's): the year, when given,
/// and the language.
#[derive(Debug, serde::Deserialize)]
pub struct YearQuery {
    year: Option<String>,
    lang: Option<String>,
}

impl YearQuery {
    /// The year asked for; text that is not a year is a 404, like a year naming no one.
    pub fn year(&self) -> Result<Option<i16>, ApiError> {
        self.year
            .as_deref()
            .map(|y| {
                y.parse()
                    .ok()
                    .filter(|y| (1949..=2200).contains(y))
                    .ok_or_else(|| ApiError::not_found("year"))
            })
            .transpose()
    }

    pub fn lang(&self) -> crate::view::i18n::Lang {
        crate::view::i18n::Lang::from_query(self.lang.as_deref())
    }
}
