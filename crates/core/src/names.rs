//! Names of people and bodies: 市政府领导 ([`Leader`]) and 责任单位 ([`Unit`]).
//!
//! Both are non-empty and carry no surrounding white space; inside they are kept as published.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {kind} name may not be empty")]
pub struct EmptyName {
    pub kind: &'static str,
}

macro_rules! name {
    ($(#[$m:meta])* $name:ident, $kind:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, EmptyName> {
                let s = s.trim();
                if s.is_empty() {
                    Err(EmptyName { kind: $kind })
                } else {
                    Ok(Self(s.to_owned()))
                }
            }

            /// Splits a cell that names several, separated by white space (ASCII or 全角).
            pub fn split_cell(cell: &str) -> Vec<Self> {
                cell.split(char::is_whitespace)
                    .filter(|s| !s.is_empty())
                    .map(|s| Self(s.to_owned()))
                    .collect()
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

name!(
    /// A city leader in charge of a target (市政府领导).
    Leader,
    "leader"
);
name!(
    /// A responsible unit (责任单位): a department or a county government.
    Unit,
    "unit"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_any_white_space() {
        let v = Unit::split_cell(" 市发展改革委 市财政局\u{3000}各县区人民政府 ");
        let names: Vec<&str> = v.iter().map(Unit::as_str).collect();
        assert_eq!(names, ["市发展改革委", "市财政局", "各县区人民政府"]);
        assert!(Leader::parse("  ").is_err());
    }
}
