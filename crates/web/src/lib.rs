//! duban's HTTP side (axum): the public 一览表 pages and the public JSON API.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it on port 0 exactly as
//! `duban serve` does. Pages are rendered on the server and need no JavaScript; published
//! resources are rendered once and served pre-compressed from [`cache`].

pub mod cache;
mod error;
pub mod i18n;
mod public;
pub mod render;

pub use error::ApiError;

use axum::Router;
use axum::routing::get;
use duban_store::Store;
use std::sync::Arc;
use std::time::Duration;
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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            cache: Arc::default(),
            public_checks: true,
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(public::home))
        .route("/tables/{period}", get(public::table_page))
        .route("/publications/{sha256}", get(public::permalink))
        .route("/api/v1/periods", get(public::api_periods))
        .route("/api/v1/tables/{period}", get(public::api_table))
        .fallback(public::not_found)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
}

/// Serves `app` on a bound listener until Ctrl-C (or SIGTERM), finishing requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state))
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
