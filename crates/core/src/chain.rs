//! The publication hash chain: how a publication's `sha256` is computed, so that anyone holding
//! the published JSON and the previous hash can recompute it.
//!
//! ```text
//! content_sha256 = SHA-256(content bytes)                       # = sha256sum of the JSON download
//! sha256         = SHA-256("duban-publication-v1\n" period "\n" published_at "\n"
//!                          previous_sha256-or-empty "\n" content_sha256)
//! ```
//! Changing any published byte, date or link changes every later hash.

use sha2::{Digest, Sha256};

pub fn content_sha256(content: &str) -> String {
    sha256_hex(content.as_bytes())
}

/// SHA-256 of any bytes, as lowercase hex: what `sha256sum` prints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn publication_sha256(
    period: &str,
    published_at: &str,
    previous: Option<&str>,
    content_sha256: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"duban-publication-v1\n");
    for part in [period, published_at, previous.unwrap_or(""), content_sha256] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_counts() {
        let base = publication_sha256("2023Q3", "2023-10-30T00:00:00Z", None, "ab");
        assert_ne!(
            base,
            publication_sha256("2023Q4", "2023-10-30T00:00:00Z", None, "ab")
        );
        assert_ne!(
            base,
            publication_sha256("2023Q3", "2023-10-31T00:00:00Z", None, "ab")
        );
        assert_ne!(
            base,
            publication_sha256("2023Q3", "2023-10-30T00:00:00Z", Some("00"), "ab")
        );
        assert_ne!(
            base,
            publication_sha256("2023Q3", "2023-10-30T00:00:00Z", None, "ac")
        );
        assert_eq!(
            content_sha256(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
