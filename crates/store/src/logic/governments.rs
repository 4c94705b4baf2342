//! Governments on every backend: the statements (the same in both dialects) and the choice of a
//! new government's code, which must be unique and stable once given.

use crate::StoreError;
use duban_core::government::slug;
use duban_core::{Government, GovernmentCode};
use serde_json::{Value, json};

/// Every government, in the order registered: `(code, name)`.
pub(crate) const ALL_SQL: &str = "SELECT code, name FROM governments ORDER BY id";

/// A government's code by its name.
pub(crate) const CODE_OF_SQL: &str = "SELECT code FROM governments WHERE name = $1";

/// The codes already given that a new one must not repeat: the wanted one and its `-n` forms.
pub(crate) const CODES_LIKE_SQL: &str =
    "SELECT code FROM governments WHERE code = $1 OR substr(code, 1, length($1) + 1) = $1 || '-'";

/// Registers a government: binds code, name, created_at.
pub(crate) const INSERT_SQL: &str =
    "INSERT INTO governments (code, name, created_at) VALUES ($1, $2, $3)";

/// Governments that hold plans but were never registered (a database from before governments
/// were): the store registers them when it opens.
pub(crate) const UNREGISTERED_SQL: &str = "SELECT DISTINCT government FROM plans
    WHERE government NOT IN (SELECT name FROM governments) ORDER BY government";

/// Who registers the governments found on opening an older database, in the audit log.
pub(crate) const OPENING_ACTOR: &str = "system:open";

/// What registering `name` does, given the code it already has (if registered) and the codes
/// taken that the new one could collide with.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Registration {
    /// Registered already, as asked.
    Existing(Government),
    /// New, with this code.
    New(Government),
}

pub(crate) fn register(
    name: &str,
    wanted: Option<&GovernmentCode>,
    existing: Option<String>,
    taken: &[String],
) -> Result<Registration, StoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("a government needs a name".into()));
    }
    if let Some(code) = existing {
        if let Some(w) = wanted
            && w.as_str() != code
        {
            return Err(StoreError::conflict(
                "government_code",
                format!("{name} is registered with the id {code}, not {w}"),
            ));
        }
        let code = GovernmentCode::parse(&code)
            .map_err(|e| StoreError::Corrupt(format!("government code: {e}")))?;
        return Ok(Registration::Existing(Government {
            code,
            name: name.to_owned(),
        }));
    }
    let code = match wanted {
        Some(w) if taken.iter().any(|t| t == w.as_str()) => {
            return Err(StoreError::conflict(
                "government_code",
                format!("the id {w} is taken by another government"),
            ));
        }
        Some(w) => w.clone(),
        None => {
            let base = slug(name);
            let free = |c: &str| !taken.iter().any(|t| t == c);
            let code = std::iter::once(base.to_string())
                .chain((2..).map(|n| format!("{base}-{n}")))
                .find(|c| free(c))
                .unwrap_or_default();
            GovernmentCode::parse(&code)
                .map_err(|e| StoreError::Invalid(format!("government code: {e}")))?
        }
    };
    Ok(Registration::New(Government {
        code,
        name: name.to_owned(),
    }))
}

/// The audit subject of a government.
pub(crate) fn subject(g: &Government) -> String {
    format!("government:{}", g.code)
}

/// The audit record's "after" of `government.register`.
pub(crate) fn audit_after(g: &Government) -> Value {
    json!({"code": g.code, "name": g.name})
}

/// Governments from `(code, name)` rows.
pub(crate) fn governments(rows: Vec<(String, String)>) -> Result<Vec<Government>, StoreError> {
    rows.into_iter()
        .map(|(code, name)| {
            Ok(Government {
                code: GovernmentCode::parse(&code)
                    .map_err(|e| StoreError::Corrupt(format!("government code: {e}")))?,
                name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_made_unique_and_a_given_code_is_kept() {
        let new = |taken: &[&str]| {
            let taken: Vec<String> = taken.iter().map(|s| s.to_string()).collect();
            match register("菏泽市人民政府", None, None, &taken).unwrap() {
                Registration::New(g) => g.code.to_string(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(new(&[]), "heze");
        assert_eq!(new(&["heze"]), "heze-2");
        assert_eq!(new(&["heze", "heze-2"]), "heze-3");
        let code = GovernmentCode::parse("371700").unwrap();
        assert!(matches!(
            register("菏泽市人民政府", Some(&code), None, &[]),
            Ok(Registration::New(g)) if g.code == code
        ));
        // Taken by another; registered under another code.
        assert!(register("x", Some(&code), None, &["371700".into()]).is_err());
        assert!(register("x", Some(&code), Some("heze".into()), &[]).is_err());
        assert!(matches!(
            register("x", None, Some("heze".into()), &[]),
            Ok(Registration::Existing(g)) if g.code.as_str() == "heze"
        ));
    }
}
