//! A target as the office writes it into a plan (`/work/plan`, `POST`/`PUT
//! /api/v1/plans/{year}/targets`): its text, deadline, group headings, and the entries of
//! leaders and units that answer for it. The checks here are the ones a plan needs whatever the
//! store: a target says something, has someone to do it, names nobody twice in one list, and
//! has a deadline that reads.

use crate::text::{DeadlineText, GroupHeading, NameText, TargetText};
use crate::{Deadline, Leader, TargetNo, Unit};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Most entries one target may have; the 菏泽 table's largest has 16.
pub const MAX_ENTRIES: usize = 50;
/// Most names in one list of an entry; a long 配合单位 list may name every county.
pub const MAX_NAMES: usize = 60;
/// Most levels of group headings (一、/（一）/1./（1）and one more).
pub const MAX_GROUP_DEPTH: usize = 5;

/// Who answers for a target: one entry (承办条目) of its units and leaders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryDraft {
    /// 牵头单位 first, then the other responsible units as the table lists them. The lead
    /// unit's clerks report the entry.
    #[serde(deserialize_with = "typed_names")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<NameText>))]
    pub units: Vec<Unit>,
    /// 责任领导, in order.
    #[serde(default, deserialize_with = "typed_names")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<NameText>))]
    pub leaders: Vec<Leader>,
    /// 配合单位.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "typed_names"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<NameText>))]
    pub assisting_units: Vec<Unit>,
}

/// A target as the office writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetDraft {
    /// The number (序号) a new target takes; the next free one when absent. A target's number
    /// never changes once it has one, because published tables cite it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1))]
    pub no: Option<TargetNo>,
    /// The target's text (工作任务).
    pub content: TargetText,
    /// 年底, 长期坚持, a date (2024年6月底, 2024-06-30), or empty when the plan gives none.
    #[serde(default)]
    pub deadline: DeadlineText,
    /// The group headings above it, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<GroupHeading>,
    pub entries: Vec<EntryDraft>,
}

/// Names as typed into a request: each capped ([`NameText`]), then read as a name (not empty,
/// trimmed). The cap is here, not on [`Unit`], because a published table's names are kept
/// whatever their length.
fn typed_names<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'a> Deserialize<'a>,
{
    let typed: Vec<NameText> = Vec::deserialize(d)?;
    typed
        .into_iter()
        .map(|n| {
            T::deserialize(serde::de::value::StringDeserializer::<D::Error>::new(
                n.into_string(),
            ))
        })
        .collect()
}

/// Why a draft was refused: the field, as the API spells it, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DraftError {
    pub field: String,
    pub message: String,
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> DraftError {
    DraftError {
        field: field.into(),
        message: message.into(),
    }
}

/// A list of names with none twice.
fn distinct<T: AsRef<str>>(field: String, names: &[T]) -> Result<(), DraftError> {
    if names.len() > MAX_NAMES {
        return Err(refuse(field, format!("at most {MAX_NAMES} names")));
    }
    let mut seen = HashSet::new();
    for n in names {
        if !seen.insert(n.as_ref()) {
            return Err(refuse(field, format!("“{}” is named twice", n.as_ref())));
        }
    }
    Ok(())
}

impl AsRef<str> for Unit {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Leader {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl TargetDraft {
    /// Checks a new target for a plan of `year` and reads its deadline: [`TargetDraft::check`],
    /// and it must say what it is.
    pub fn check_new(&self, year: i16) -> Result<Deadline, DraftError> {
        if self.content.is_blank() {
            return Err(refuse("content", "the target's text (工作任务) is empty"));
        }
        self.check(year)
    }

    /// Checks a draft for a plan of `year` and reads its deadline. The text may be empty here,
    /// because a published table may have lost a target's text (菏泽's target 13) and the
    /// office may edit its entries without supplying one.
    pub fn check(&self, year: i16) -> Result<Deadline, DraftError> {
        let deadline = if self.deadline.is_blank() {
            Deadline::Unstated
        } else {
            Deadline::parse(self.deadline.as_str(), year)
                .map_err(|e| refuse("deadline", e.to_string()))?
        };
        if self.group.len() > MAX_GROUP_DEPTH {
            return Err(refuse(
                "group",
                format!("at most {MAX_GROUP_DEPTH} levels of headings"),
            ));
        }
        if let Some(i) = self.group.iter().position(GroupHeading::is_blank) {
            return Err(refuse(format!("group[{i}]"), "a heading is empty"));
        }
        if self.entries.is_empty() {
            return Err(refuse(
                "entries",
                "a target needs at least one entry with its lead unit (牵头单位)",
            ));
        }
        if self.entries.len() > MAX_ENTRIES {
            return Err(refuse("entries", format!("at most {MAX_ENTRIES} entries")));
        }
        for (i, e) in self.entries.iter().enumerate() {
            if e.units.is_empty() {
                return Err(refuse(
                    format!("entries[{i}].units"),
                    "name the lead unit (牵头单位) first",
                ));
            }
            distinct(format!("entries[{i}].units"), &e.units)?;
            distinct(format!("entries[{i}].leaders"), &e.leaders)?;
            distinct(format!("entries[{i}].assisting_units"), &e.assisting_units)?;
            if let Some(u) = e.assisting_units.iter().find(|u| e.units.contains(u)) {
                return Err(refuse(
                    format!("entries[{i}].assisting_units"),
                    format!("“{u}” is already a responsible unit of this entry"),
                ));
            }
        }
        Ok(deadline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(json: serde_json::Value) -> TargetDraft {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_plain_target_reads_its_deadline() {
        let d = draft(serde_json::json!({
            "content": "新建幼儿园10所",
            "deadline": "6月底",
            "entries": [{"units": ["市教育局", "各县区人民政府"], "leaders": ["王某"]}]
        }));
        assert_eq!(
            d.check(2024).unwrap(),
            Deadline::Date(jiff::civil::date(2024, 6, 30))
        );
        let d = draft(serde_json::json!({"content": "x", "entries": [{"units": ["市教育局"]}]}));
        assert_eq!(d.check(2024).unwrap(), Deadline::Unstated);
    }

    #[test]
    fn refusals_name_the_field() {
        let untitled = serde_json::json!({"content": "", "entries": [{"units": ["甲"]}]});
        assert!(
            draft(untitled).check(2024).is_ok(),
            "an edit may keep a lost text"
        );
        let cases = [
            (
                serde_json::json!({"content": " ", "entries": [{"units": ["甲"]}]}),
                "content",
            ),
            (
                serde_json::json!({"content": "x", "entries": []}),
                "entries",
            ),
            (
                serde_json::json!({"content": "x", "deadline": "明年", "entries": [{"units": ["甲"]}]}),
                "deadline",
            ),
            (
                serde_json::json!({"content": "x", "entries": [{"units": ["甲"]}, {"units": []}]}),
                "entries[1].units",
            ),
            (
                serde_json::json!({"content": "x", "entries": [{"units": ["甲", "甲"]}]}),
                "entries[0].units",
            ),
            (
                serde_json::json!({"content": "x", "entries": [{"units": ["甲"], "assisting_units": ["甲"]}]}),
                "entries[0].assisting_units",
            ),
            (
                serde_json::json!({"content": "x", "group": ["一、", ""], "entries": [{"units": ["甲"]}]}),
                "group[1]",
            ),
        ];
        for (json, field) in cases {
            let e = draft(json.clone()).check_new(2024).unwrap_err();
            assert_eq!(e.field, field, "{json}");
        }
    }

    #[test]
    fn unknown_fields_and_long_names_do_not_parse() {
        let typo = serde_json::json!({"content": "x", "entrys": [], "entries": []});
        assert!(serde_json::from_value::<TargetDraft>(typo).is_err());
        let long = serde_json::json!({"content": "x", "entries": [{"units": ["局".repeat(101)]}]});
        let e = serde_json::from_value::<TargetDraft>(long).unwrap_err();
        assert!(e.to_string().contains("at most 100"), "{e}");
        let empty = serde_json::json!({"content": "x", "entries": [{"units": [" "]}]});
        assert!(serde_json::from_value::<TargetDraft>(empty).is_err());
    }
}
