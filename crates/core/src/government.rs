//! 政府: the body whose targets and tables duban holds. A deployment may hold several (a city and
//! its counties, a province's platform), each as private to the others as its own deployment.
//!
//! A government is known by its name as its tables print it (菏泽市人民政府) and by a short id
//! for URLs ([`GovernmentCode`]): its 6-digit administrative division code (GB/T 2260, e.g.
//! `371700`) where the office gives one, else a slug made from the name ([`slug`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A government's short id, as it appears in `/g/{code}/…`: ASCII lower-case letters, digits
/// and `-`, 1–40 characters, not starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct GovernmentCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a government id is 1–40 characters of a–z, 0–9 and '-' (e.g. 371700 or heze), not {0:?}")]
pub struct BadCode(pub String);

impl GovernmentCode {
    pub fn parse(s: &str) -> Result<Self, BadCode> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(BadCode(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a GB/T 2260 administrative division code (six digits).
    pub fn is_division_code(&self) -> bool {
        self.0.len() == 6 && self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

impl fmt::Display for GovernmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that a width given (`{:<12}`) lines up a list of them.
        f.pad(&self.0)
    }
}

/// A registered government.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Government {
    /// The short id used in URLs.
    pub code: GovernmentCode,
    /// The name exactly as its tables print it.
    pub name: String,
}

/// The words a government's name ends with that say what it is, not which one: dropped from a
/// slug so that 菏泽市人民政府 becomes `heze`, not `hezeshirenminzhengfu`.
const GENERIC_ENDINGS: [&str; 6] = ["人民政府办公室", "人民政府", "政府", "市", "县", "区"];

/// A URL slug for a government that has no division code: the pinyin of its name without the
/// generic endings (菏泽市人民政府 → `heze`, 郓城县人民政府 → `yuncheng`). ASCII letters and
/// digits are kept; anything else (punctuation, characters without a reading) is dropped.
/// Collisions are the caller's to resolve (the store appends `-2`, `-3` …). The `pinyin` crate
/// carries the readings: writing that dictionary by hand would be the wrong trade.
pub fn slug(name: &str) -> GovernmentCode {
    use pinyin::ToPinyin;
    let mut core = name.trim();
    // Strip repeatedly: 菏泽市人民政府 → 菏泽市 → 菏泽; never down to nothing.
    while let Some(shorter) = GENERIC_ENDINGS
        .iter()
        .find_map(|end| core.strip_suffix(end))
        .filter(|rest| rest.chars().count() >= 2)
    {
        core = shorter;
    }
    let mut out = String::new();
    for (ch, reading) in core.chars().zip(core.to_pinyin()) {
        match reading {
            Some(p) => out.push_str(p.plain()),
            None if ch.is_ascii_alphanumeric() => out.push(ch.to_ascii_lowercase()),
            None if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            None => {}
        }
    }
    let out = out.trim_matches('-');
    let out: String = out.chars().take(40).collect();
    let out = out.trim_end_matches('-');
    GovernmentCode::parse(out).unwrap_or_else(|_| GovernmentCode("gov".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_read_like_the_place() {
        assert_eq!(slug("菏泽市人民政府").as_str(), "heze");
        assert_eq!(slug("郓城县人民政府").as_str(), "yuncheng");
        assert_eq!(slug("牡丹区人民政府").as_str(), "mudan");
        assert_eq!(slug("山东省人民政府").as_str(), "shandongsheng");
        // A one-character place keeps its ending rather than vanish.
        assert_eq!(slug("沛县人民政府").as_str(), "peixian");
        assert_eq!(slug("Springfield City").as_str(), "springfield-city");
        assert_eq!(slug("！！").as_str(), "gov");
    }

    #[test]
    fn codes_are_url_safe() {
        assert!(GovernmentCode::parse("371700").unwrap().is_division_code());
        assert!(!GovernmentCode::parse("heze").unwrap().is_division_code());
        for bad in ["", "-a", "a-", "Heze", "he ze", "菏泽", &"a".repeat(41)] {
            assert!(GovernmentCode::parse(bad).is_err(), "{bad:?}");
        }
    }
}
