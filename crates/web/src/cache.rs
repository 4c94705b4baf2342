//! Published pages are immutable, so each is rendered once and kept as bytes: plain, gzip and
//! brotli, with a strong ETag per encoding. Requests then cost a map lookup and a copy of an
//! `Arc`, and a repeat visitor gets `304 Not Modified`.
//!
//! A page for "the latest publication of 2023Q3" can change when a correction is published,
//! possibly by another process sharing the database. Storage announces every publication
//! ([`duban_store::Change`]) and the pages of its period are forgotten at once. On PostgreSQL
//! the announcements come from every instance, so nothing else is needed; on SQLite they come
//! only from this process, so each cached page also remembers the hash it was rendered from
//! and re-asks storage for the latest hash at most once per [`REVALIDATE_AFTER`]. A permalink
//! (`/publications/{sha256}`) never changes and is never re-asked.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

/// How stale "the latest" may be when another process publishes a correction.
pub const REVALIDATE_AFTER: Duration = Duration::from_secs(2);

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_ms() -> u64 {
    u64::try_from(EPOCH.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// One resource in every encoding we serve.
#[derive(Debug)]
pub struct Rendered {
    /// The publication hash the bytes were made from.
    pub source_sha256: String,
    content_type: &'static str,
    cache_control: &'static str,
    etag: String,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    /// `Content-Disposition`, for downloads.
    disposition: Option<String>,
    checked_ms: AtomicU64,
}

/// The entity tag of what was made from `source`: a publication hash's first 20 digits, or,
/// for a resource made from several things (a target's rounds and messages), a hash of them all,
/// so that any change to any of them changes the tag.
fn etag_of(source: &str) -> String {
    let tag = if source.len() == 64 && source.bytes().all(|b| b.is_ascii_hexdigit()) {
        source.to_owned()
    } else {
        duban_core::chain::sha256_hex(source.as_bytes())
    };
    tag[..20].to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Rendered {
    /// Compresses `body` once, at the highest settings: the cost is paid once per publication.
    /// CPU-heavy (brotli at quality 11): call it through `spawn_blocking`.
    pub fn new(
        source_sha256: String,
        content_type: &'static str,
        cache_control: &'static str,
        body: Vec<u8>,
    ) -> Rendered {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&body);
        let gzip = gz.finish().unwrap_or_default();
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        let _ = brotli::BrotliCompress(&mut &body[..], &mut br, &params);
        let etag = etag_of(&source_sha256);
        Rendered {
            source_sha256,
            content_type,
            cache_control,
            etag,
            identity: Bytes::from(body),
            gzip: Bytes::from(gzip),
            brotli: Bytes::from(br),
            disposition: None,
            checked_ms: AtomicU64::new(now_ms()),
        }
    }

    /// A download (XLSX, PDF: already compressed inside) kept as it is, served as an attachment.
    pub fn download(
        source_sha256: String,
        content_type: &'static str,
        cache_control: &'static str,
        body: Vec<u8>,
        file_name: &str,
    ) -> Rendered {
        Rendered {
            etag: etag_of(&source_sha256),
            source_sha256,
            content_type,
            cache_control,
            identity: Bytes::from(body),
            gzip: Bytes::new(),
            brotli: Bytes::new(),
            disposition: Some(format!("attachment; filename=\"{file_name}\"")),
            checked_ms: AtomicU64::new(now_ms()),
        }
    }

    /// Adds `Content-Disposition: attachment` to a compressed resource (CSV, JSON downloads).
    pub fn with_attachment(mut self, file_name: &str) -> Rendered {
        self.disposition = Some(format!("attachment; filename=\"{file_name}\""));
        self
    }

    /// Whether storage should be asked again if this page is still the latest.
    pub fn due_for_check(&self, after: Duration) -> bool {
        now_ms().saturating_sub(self.checked_ms.load(Ordering::Relaxed))
            >= u64::try_from(after.as_millis()).unwrap_or(u64::MAX)
    }

    pub fn mark_checked(&self) {
        self.checked_ms.store(now_ms(), Ordering::Relaxed);
    }

    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// The response for a request with these headers: the best encoding the client accepts,
    /// or 304 when its `If-None-Match` already names that representation.
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let mut enc = negotiate(req.get(header::ACCEPT_ENCODING));
        if self.gzip.is_empty() {
            enc = Encoding::Identity; // a download kept as it is
        }
        let (body, suffix, coding) = match enc {
            Encoding::Brotli => (&self.brotli, "-br", Some("br")),
            Encoding::Gzip => (&self.gzip, "-gz", Some("gzip")),
            Encoding::Identity => (&self.identity, "", None),
        };
        // A strong validator must differ between encodings of the same resource (RFC 9110 8.8.3).
        let etag = format!("\"{}{suffix}\"", self.etag);
        let mut headers = HeaderMap::new();
        let mut put = |name, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        };
        put(header::ETAG, &etag);
        put(header::CACHE_CONTROL, self.cache_control);
        put(header::VARY, "accept-encoding");
        if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok())
            && if_none_match_hits(inm, &etag)
        {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        put(header::CONTENT_TYPE, self.content_type);
        put(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        if let Some(c) = coding {
            put(header::CONTENT_ENCODING, c);
        }
        if let Some(d) = &self.disposition {
            put(header::CONTENT_DISPOSITION, d);
        }
        (headers, Body::from(body.clone())).into_response()
    }
}

/// `If-None-Match` uses weak comparison (RFC 9110 13.1.2): `W/` prefixes are ignored.
fn if_none_match_hits(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// Picks brotli, then gzip, then identity, honouring `q=0`. Hand-written because tower-http's
/// negotiation lives inside its compression middleware and is not exposed for bytes we
/// compressed ahead of time.
fn negotiate(accept: Option<&HeaderValue>) -> Encoding {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return Encoding::Identity;
    };
    let q_of = |name: &str| -> Option<f32> {
        let mut star = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let token = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if token == name {
                return Some(q);
            }
            if token == "*" {
                star = Some(q);
            }
        }
        star
    };
    let br = q_of("br").unwrap_or(0.0);
    let gz = q_of("gzip").unwrap_or(0.0);
    if br > 0.0 && br >= gz {
        Encoding::Brotli
    } else if gz > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// What a cached resource is: a page in a language, or a JSON document. The first field of
/// a government's resources is its `base` (see `crate::government::Gov`): it tells the
/// governments apart, and a page whose links change with it is a different page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// The latest publication of a period, as HTML in a language.
    LatestPage(String, String, &'static str),
    /// The latest publication of a period, as JSON.
    LatestJson(String, String),
    /// A publication by hash, as HTML in a language.
    Permalink(String, &'static str),
    /// The latest publication of a period, as a file (csv, xlsx, pdf, json).
    Download(String, String, &'static str),
    /// One target across the year's published rounds (year, number), as HTML in a language.
    Target(String, i16, u32, &'static str),
    /// Every publication of a government, as the open-data bundle.
    Bundle(String),
    /// An Atom feed of a government (`publications`, `targets/2023/39`, `units/市财政局`), in a
    /// language.
    Feed(String, String, &'static str),
    /// The units or leaders a government's tables name, as JSON.
    Names(String, &'static str),
    /// A government's home page with its overview, in a language.
    Overview(String, &'static str),
    /// A government's scorecard of a year, as HTML in a language or as `csv`.
    Scorecard(String, i16, &'static str),
    /// One unit's or leader's year (`units` or `leaders`, the name, the year asked for or the
    /// newest naming them), as HTML in a language. Only names the tables hold are kept.
    Person(String, &'static str, String, Option<i16>, &'static str),
    /// The latest publication of a period filtered (`?unit=…`): as HTML in a language (`zh`,
    /// `en`) or as a file (`csv`, `xlsx`, `pdf`, `json`), by the filter's canonical query.
    /// At most [`MAX_FILTERED`] are kept: the filters people share are few, and the ways to
    /// combine parameters are not.
    Filtered(String, String, &'static str, String),
}

/// Filtered pages and files kept at once; past it, a new filter's page is rendered for its
/// request and not kept, so a crawler walking every combination cannot grow the process.
pub const MAX_FILTERED: usize = 2000;

/// The rendered resources, by key.
#[derive(Debug)]
pub struct PageCache {
    map: RwLock<HashMap<Key, Arc<Rendered>>>,
    /// Bumped by every forget. A page rendered from what storage said before a forget must not
    /// be kept after it: see [`PageCache::put_unless_forgotten`].
    generation: AtomicU64,
    /// How long a "latest" page is trusted before storage is asked again.
    pub revalidate_after: Duration,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(REVALIDATE_AFTER)
    }
}

impl PageCache {
    pub fn new(revalidate_after: Duration) -> PageCache {
        PageCache {
            map: RwLock::default(),
            generation: AtomicU64::new(0),
            revalidate_after,
        }
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Rendered>> {
        self.map.read().ok()?.get(key).cloned()
    }

    pub fn put(&self, key: Key, value: Arc<Rendered>) {
        if let Ok(mut m) = self.map.write()
            && room_for(&m, &key)
        {
            m.insert(key, value);
        }
    }

    /// Where the forgets stand; take it before reading what a page is rendered from.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a page unless something was forgotten since `generation` was taken: the page may
    /// then have been rendered from a publication that is no longer the latest, and with no
    /// revalidation interval (PostgreSQL) nothing else would ever replace it.
    pub fn put_unless_forgotten(&self, key: Key, value: Arc<Rendered>, generation: u64) {
        if let Ok(mut m) = self.map.write()
            && self.generation.load(Ordering::Acquire) == generation
            && room_for(&m, &key)
        {
            m.insert(key, value);
        }
    }

    /// Forgets everything (announcements may have been missed).
    pub fn forget_all(&self) {
        if let Ok(mut m) = self.map.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            m.clear();
        }
    }

    /// Forgets a target's page (after a message on it was published), of every government and
    /// language.
    pub fn forget_target(&self, year: i16, no: u32) {
        if let Ok(mut m) = self.map.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            m.retain(|k, _| !matches!(k, Key::Target(_, y, n, _) if *y == year && *n == no));
        }
    }

    /// Forgets every "latest" resource of a period (after a publication of it), of every
    /// government: a little more than needed, and simpler than knowing every government's
    /// base here.
    pub fn forget_period(&self, period: &str) {
        if let Ok(mut m) = self.map.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            m.retain(|k, _| match k {
                Key::LatestPage(_, p, _)
                | Key::LatestJson(_, p)
                | Key::Download(_, p, _)
                | Key::Filtered(_, p, ..) => p != period,
                Key::Target(_, year, ..) => !period.starts_with(&year.to_string()),
                Key::Bundle(_)
                | Key::Feed(..)
                | Key::Names(..)
                | Key::Overview(..)
                | Key::Scorecard(..)
                | Key::Person(..) => false,
                Key::Permalink(..) => true,
            });
        }
    }
}

/// Whether `key` may be kept: anything but a filtered page past [`MAX_FILTERED`] of them (a
/// scan, on a miss only, over a map of a few thousand keys).
fn room_for(map: &HashMap<Key, Arc<Rendered>>, key: &Key) -> bool {
    !matches!(key, Key::Filtered(..))
        || map.contains_key(key)
        || map
            .keys()
            .filter(|k| matches!(k, Key::Filtered(..)))
            .count()
            < MAX_FILTERED
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    #[test]
    fn negotiates() {
        assert_eq!(negotiate(None), Encoding::Identity);
        assert_eq!(negotiate(Some(&hv("gzip"))), Encoding::Gzip);
        assert_eq!(negotiate(Some(&hv("gzip, deflate, br"))), Encoding::Brotli);
        assert_eq!(negotiate(Some(&hv("br;q=0, gzip"))), Encoding::Gzip);
        assert_eq!(negotiate(Some(&hv("gzip;q=0"))), Encoding::Identity);
        assert_eq!(negotiate(Some(&hv("*"))), Encoding::Brotli);
        assert_eq!(negotiate(Some(&hv("identity"))), Encoding::Identity);
    }

    #[test]
    fn if_none_match() {
        assert!(if_none_match_hits("\"a-gz\"", "\"a-gz\""));
        assert!(if_none_match_hits("\"x\", W/\"a-gz\"", "\"a-gz\""));
        assert!(if_none_match_hits("*", "\"a\""));
        assert!(!if_none_match_hits("\"a\"", "\"a-gz\""));
    }
}
