//! duban's HTTP side (axum): the public 一览表 pages and the public JSON API.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it on port 0 exactly as
//! `duban serve` does. Pages are rendered on the server and need no JavaScript; published
//! resources are rendered once and served pre-compressed from [`cache`].

mod assets;
pub mod auth;
pub mod cache;
mod comments;
mod error;
mod extensions;
mod extract;
pub mod i18n;
mod import_page;
pub mod openapi;
mod pages;
mod public;
pub mod render;
mod search;
pub mod security;
pub mod view;
mod work_api;

pub use error::ApiError;

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get};
use duban_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler shares. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub cache: Arc<cache::PageCache>,
    /// Whether public tables carry the 自动核查 notes (a deployment may turn them off).
    pub public_checks: bool,
    /// Who recently used which token (see [`auth::ACTOR_CACHE_TTL`]).
    pub actors: Arc<auth::ActorCache>,
    /// Import uploads being read and parsed now, at most [`UPLOADS_AT_ONCE`]: each may hold
    /// tens of megabytes, so more wait their turn with a 503 instead of growing the process.
    pub uploads: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            cache: Arc::default(),
            public_checks: true,
            actors: Arc::default(),
            uploads: Arc::new(tokio::sync::Semaphore::new(UPLOADS_AT_ONCE)),
        }
    }
}

/// Every route: method, path and handler, in one table. The router is built from it and the
/// permission-matrix test walks it, so a route added here without a row there fails the test.
fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    use axum::routing::{post, put};
    vec![
        (Method::GET, "/", get(public::home)),
        (Method::GET, "/static/duban.css", get(assets::stylesheet)),
        (Method::GET, "/tables/{period}", get(public::table_page)),
        (
            Method::GET,
            "/publications/{sha256}",
            get(public::permalink),
        ),
        (
            Method::GET,
            "/downloads/{period}/{format}",
            get(public::download),
        ),
        (
            Method::GET,
            "/targets/{year}/{no}",
            get(public::target_page),
        ),
        (Method::GET, "/search", get(search::page)),
        (Method::GET, "/api/v1/search", get(search::api_search)),
        (Method::GET, "/api/v1/periods", get(public::api_periods)),
        (
            Method::GET,
            "/api/v1/tables/{period}",
            get(public::api_table),
        ),
        (Method::GET, "/login", get(pages::login_page)),
        (Method::POST, "/login", post(pages::login_submit)),
        (Method::POST, "/logout", post(pages::logout)),
        (Method::GET, "/work", get(pages::work_home)),
        (Method::POST, "/work/rounds", post(pages::open_round)),
        (Method::GET, "/work/password", get(pages::password_page)),
        (Method::POST, "/work/password", post(pages::password_change)),
        (Method::GET, "/work/audit", get(pages::audit_page)),
        (Method::GET, "/work/audit.csv", get(pages::audit_csv)),
        (Method::GET, "/work/import", get(import_page::import_form)),
        (
            Method::POST,
            "/work/import",
            post(import_page::import_upload),
        ),
        (
            Method::POST,
            "/work/import/{id}/confirm",
            post(import_page::import_confirm),
        ),
        (Method::GET, "/work/{period}", get(pages::round_page)),
        (
            Method::POST,
            "/work/{period}/close",
            post(pages::close_round),
        ),
        (
            Method::POST,
            "/work/{period}/publish",
            post(pages::publish_round),
        ),
        (
            Method::GET,
            "/work/{period}/dashboard",
            get(pages::dashboard),
        ),
        (
            Method::GET,
            "/work/{period}/chase.csv",
            get(pages::chase_csv),
        ),
        (
            Method::POST,
            "/work/reports/{id}",
            post(pages::report_submit),
        ),
        (
            Method::POST,
            "/work/reports/{id}/review",
            post(pages::review_submit),
        ),
        (
            Method::POST,
            "/work/reports/{id}/extension",
            post(extensions::page_request),
        ),
        (
            Method::POST,
            "/work/reports/{id}/comments",
            post(comments::page_add),
        ),
        (Method::GET, "/work/extensions", get(extensions::page_list)),
        (
            Method::POST,
            "/work/extensions/{id}/decide",
            post(extensions::page_decide),
        ),
        (Method::POST, "/api/v1/login", post(work_api::login)),
        (Method::POST, "/api/v1/logout", post(work_api::logout)),
        (Method::POST, "/api/v1/rounds", post(work_api::open_round)),
        (
            Method::GET,
            "/api/v1/rounds/{period}/reports",
            get(work_api::round_reports),
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/close",
            post(work_api::close_round),
        ),
        (
            Method::POST,
            "/api/v1/rounds/{period}/publish",
            post(work_api::publish),
        ),
        (
            Method::PUT,
            "/api/v1/reports/{id}",
            put(work_api::save_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/submit",
            post(work_api::submit_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/return",
            post(work_api::return_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/accept",
            post(work_api::accept_report),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/extensions",
            post(extensions::api_request),
        ),
        (
            Method::GET,
            "/api/v1/reports/{id}/comments",
            get(comments::api_list),
        ),
        (
            Method::POST,
            "/api/v1/reports/{id}/comments",
            post(comments::api_add),
        ),
        (Method::GET, "/api/v1/extensions", get(extensions::api_list)),
        (
            Method::POST,
            "/api/v1/extensions/{id}/approve",
            post(extensions::api_approve),
        ),
        (
            Method::POST,
            "/api/v1/extensions/{id}/reject",
            post(extensions::api_reject),
        ),
        (Method::GET, "/api/openapi.json", get(openapi::openapi_json)),
        (Method::GET, "/api/docs", get(openapi::docs_redirect)),
        (Method::GET, "/api/docs/", get(openapi::docs_index)),
        (Method::GET, "/api/docs/{*file}", get(openapi::docs_file)),
    ]
}

/// Every route's method and path, for tests and documentation.
pub fn route_table() -> Vec<(Method, &'static str)> {
    routes().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// The largest body of a form or a JSON call. The longest text a person may send is a report of
/// 10,000 characters; written as JSON escapes (`\ud83d\ude00`, 12 bytes a character) that is
/// 120 KB. A login needs less than one: anything bigger is refused before it is read.
const BODY_LIMIT: usize = 256 * 1024;

/// The largest upload for import (the importers' own 20 MB limit, plus room for the form
/// around it); only the import route takes it.
const UPLOAD_LIMIT: usize = 21 * 1024 * 1024;

/// How many import uploads are read and parsed at once.
pub const UPLOADS_AT_ONCE: usize = 2;

/// The body a route may take: megabytes for the office's import, kilobytes for the rest.
fn body_limit(path: &str) -> usize {
    if path == "/work/import" {
        UPLOAD_LIMIT
    } else {
        BODY_LIMIT
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for (_, path, handler) in routes() {
        // Per route: a body past the limit is refused from its Content-Length before any of
        // it is read, and a streamed one as soon as it passes the limit.
        let limit = body_limit(path);
        let handler = handler
            .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(limit))
            .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(limit));
        router = router.route(path, handler);
    }
    router
        .fallback(public::not_found)
        .with_state(state)
        // Cross-site form posts are refused by Sec-Fetch-Site / Origin checks (the scheme Go
        // 1.25 adopted), which needs no per-form token state.
        .layer(CsrfLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        // Outside everything that can refuse a request, so their refusals are covered too.
        .layer(axum::middleware::from_fn(error::api_errors_as_json))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
}

/// Serves `app` on a bound listener until Ctrl-C (or SIGTERM), finishing requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
