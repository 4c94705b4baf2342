//! duban's HTTP side (axum): the public 一览表 pages and the public JSON API.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it on port 0 exactly as
//! `duban serve` does. Pages are rendered on the server and need no JavaScript; published
//! resources are rendered once and served pre-compressed from [`cache`].
//!
//! # Layout
//!
//! Organised by resource, as realworld-axum-sqlx's `http/` and crates.io's `controllers/` are: a
//! resource's pages, API calls and their types live together in `resources/` (session, home,
//! rounds, reports, dashboard, audit, extensions, comments, import, publications, search), and no
//! resource module imports from a sibling. What they share sits above them:
//!
//! - `routes`: the one route table (method, path, handler, body limit) the permission matrix walks;
//! - `error`: `ApiError`, `PageError`, the `ErrorBody` every API refusal carries;
//! - `extract`: who is asking (`ApiActor`, `PageActor`) and typed path, query and body extractors
//!   whose refusals speak JSON or the error page;
//! - `policy`: the steps around `duban_core::access::may` every handler repeats;
//! - [`view`]: the HTML escaper, labels ([`view::i18n`]), the public renderers, the checks'
//!   findings beside a round's reports, shared helpers;
//! - [`government`]: which government a request is about (`/g/{gov}`, or the only one);
//! - [`auth`] (passwords, throttling, tokens), [`cache`] (pre-rendered publications),
//!   [`security`] (response headers), `assets` (the stylesheet), [`openapi`] (which only gathers).

mod assets;
pub mod auth;
pub mod cache;
mod chained;
mod error;
mod extract;
pub mod government;
pub mod mail;
pub mod openapi;
mod policy;
mod resources;
mod routes;
pub mod security;
pub mod view;

pub use error::ApiError;
/// A government's open-data bundle, for `duban export --bundle` as for its download.
pub use resources::bundle::make as make_bundle;
pub use routes::{UPLOADS_AT_ONCE, route_table};

use axum::Router;
use duban_store::{Change, Store};
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
    /// The governments the deployment holds (see [`government`]).
    pub governments: Arc<government::GovernmentList>,
    /// Whether public tables carry the 自动核查 notes (a deployment may turn them off).
    pub public_checks: bool,
    /// Who recently used which token (see [`auth::ACTOR_CACHE_TTL`]).
    pub actors: Arc<auth::ActorCache>,
    /// Import uploads being read and parsed now, at most [`UPLOADS_AT_ONCE`]: each may hold
    /// tens of megabytes, so more wait their turn with a 503 instead of growing the process.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Whether requests come through a reverse proxy that sets `X-Forwarded-For` (see
    /// [`auth::ClientAddr`]); off unless the deployment says so, since a client could
    /// otherwise name any address it likes.
    pub trust_proxy: bool,
    /// The 催办 mail sender, when the deployment configured SMTP (see [`mail`]).
    pub mail: Option<Arc<mail::MailService>>,
}

impl AppState {
    /// The state for a store, following the changes it announces (call it inside the tokio
    /// runtime that will serve).
    pub fn new(store: Arc<dyn Store>) -> AppState {
        // When every process's changes are announced (PostgreSQL), a cached page is current
        // until an announcement says otherwise; asking storage again would only cost time.
        let revalidate_after = if store.announces_every_change() {
            Duration::MAX
        } else {
            cache::REVALIDATE_AFTER
        };
        let state = AppState {
            store,
            cache: Arc::new(cache::PageCache::new(revalidate_after)),
            governments: Arc::new(government::GovernmentList::new(revalidate_after)),
            public_checks: true,
            actors: Arc::default(),
            uploads: Arc::new(tokio::sync::Semaphore::new(UPLOADS_AT_ONCE)),
            trust_proxy: false,
            mail: None,
        };
        tokio::spawn(follow_changes(
            state.store.changes(),
            Arc::clone(&state.cache),
            Arc::clone(&state.actors),
            Arc::clone(&state.governments),
        ));
        state
    }

    /// Sends 催办 mail through the SMTP server `config` names (inside the tokio runtime that
    /// will serve). Refused when the URL or the sender's address does not read.
    pub fn with_mail(mut self, config: mail::MailConfig) -> Result<AppState, String> {
        self.mail = Some(Arc::new(mail::MailService::start(
            Arc::clone(&self.store),
            config,
        )?));
        Ok(self)
    }
}

/// Forgets what a change made stale, in this process, as storage announces it. Ends when the
/// store is gone.
async fn follow_changes(
    mut changes: tokio::sync::broadcast::Receiver<Change>,
    cache: Arc<cache::PageCache>,
    actors: Arc<auth::ActorCache>,
    governments: Arc<government::GovernmentList>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match changes.recv().await {
            Ok(Change::Published { period, .. }) => cache.forget_period(&period),
            Ok(Change::Message {
                year, target_no, ..
            }) => cache.forget_target(year, target_no),
            // Every page's links may change with the number of governments.
            Ok(Change::Government) => {
                governments.forget();
                cache.forget_all();
            }
            Ok(Change::TokenEnded { token_sha256 }) => actors.forget_token(&token_sha256),
            Ok(Change::UserTokensEnded { user_id }) => actors.forget_user(user_id),
            // Announcements were missed (by the database connection, or by this task falling
            // behind): nothing held can be trusted.
            Ok(Change::Resync) | Err(RecvError::Lagged(_)) => {
                cache.forget_all();
                actors.forget_all();
                governments.forget();
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for (_, path, handler) in routes::routes() {
        // Per route: a body past the limit is refused from its Content-Length before any of
        // it is read, and a streamed one as soon as it passes the limit.
        let limit = routes::body_limit(&path);
        let handler = handler
            .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(limit))
            .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(limit));
        router = router.route(&path, handler);
    }
    router
        .fallback(resources::publications::not_found)
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
