//! The open-data bundle (`/downloads/bundle.zip`): every publication of a government, its JSON
//! exactly as hashed, its CSV and a manifest of the chain, in one file that can be checked
//! offline (`duban verify --bundle`, or `sha256sum`; see `duban_formats::bundle`).
//!
//! It is built once per head of the government's chain and kept ([`crate::chained`]).

use crate::AppState;
use crate::cache::{Key, Rendered};
use crate::chained;
use crate::error::ApiError;
use crate::government::Gov;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use duban_core::Government;
use duban_formats::bundle;
use duban_store::{Publication, Store};

/// A new publication changes the bundle, so it is revalidated like "the latest" of a period.
const CACHE_CONTROL: &str = "public, max-age=60, must-revalidate";

/// A government's bundle, made from storage: for `duban export --bundle`.
pub async fn make(store: &dyn Store, government: &Government) -> Result<Vec<u8>, ApiError> {
    let chain = store.chain_of(&government.name).await?;
    let government = government.clone();
    // Rendering every table's CSV and deflating it is CPU work: off the async threads.
    tokio::task::spawn_blocking(move || bytes(&government, chain))
        .await
        .map_err(|e| ApiError::internal(&e))?
}

/// The bundle of a government's chain (oldest first).
fn bytes(government: &Government, chain: Vec<Publication>) -> Result<Vec<u8>, ApiError> {
    let sources: Vec<bundle::Source> = chain
        .into_iter()
        .map(|p| bundle::Source {
            period: p.summary.period.to_string(),
            sha256: p.summary.sha256,
            previous_sha256: p.summary.previous_sha256,
            content_sha256: p.summary.content_sha256,
            published_at: p.summary.published_at,
            supersedes: p.summary.supersedes,
            content: p.content,
        })
        .collect();
    bundle::write(&government.name, &government.code.to_string(), &sources)
        .map_err(|e| ApiError::internal(&e))
}

pub async fn download(
    State(state): State<AppState>,
    gov: Gov,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = Key::Bundle(gov.base.clone());
    let file = match gov.base.is_empty() {
        true => "duban-bundle.zip".to_string(),
        false => format!("duban-{}-bundle.zip", gov.government.code),
    };
    let government = gov.government.clone();
    chained::serve(&state, &gov, key, &headers, move |head, chain| {
        let zip = bytes(&government, chain)?;
        Ok(Some(Rendered::download(
            head,
            "application/zip",
            CACHE_CONTROL,
            zip,
            &file,
        )))
    })
    .await
}
