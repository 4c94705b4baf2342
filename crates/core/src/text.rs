//! Text that people type into duban, each kind with its cap in one place: the type that holds
//! it. A handler, a form, the CLI and storage all take these types, so no path can store a
//! reason of a megabyte that then lands on every public page it is shown on; the OpenAPI schema
//! states the same cap as `maxLength`.
//!
//! Caps count characters (Unicode scalar values), as a clerk counts 字. The text itself is kept
//! exactly as typed: nothing is trimmed or rewritten here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: at most {max} characters (this text has {chars})")]
pub struct TooLong {
    /// The field's name as the API spells it.
    pub field: &'static str,
    pub max: usize,
    pub chars: usize,
}

/// Declares a capped text type: `parse` checks the cap, serde goes through `parse`, and the
/// OpenAPI schema says `maxLength`.
macro_rules! capped_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters it may hold.
            pub const MAX: usize = $max;

            pub fn parse(text: impl Into<String>) -> Result<$name, TooLong> {
                let text = text.into();
                // Bytes bound characters from above: most texts skip the count.
                if text.len() > Self::MAX {
                    let chars = text.chars().count();
                    if chars > Self::MAX {
                        return Err(TooLong { field: $field, max: Self::MAX, chars });
                    }
                }
                Ok($name(text))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }

            /// Whether there is nothing but white space (a required text left blank).
            pub fn is_blank(&self) -> bool {
                self.0.trim().is_empty()
            }
        }

        impl TryFrom<String> for $name {
            type Error = TooLong;
            fn try_from(s: String) -> Result<$name, TooLong> {
                $name::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(t: $name) -> String {
                t.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some($max))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

capped_text!(
    /// A report's 完成情况 narrative. The longest the 菏泽 table has is under 600 characters.
    Progress,
    "progress",
    10_000
);
capped_text!(
    /// What a report says beside its narrative: 存在问题 or 下步打算.
    Said,
    "problems / next_steps",
    5_000
);
capped_text!(
    /// Why a reviewer returns a report (退回原因).
    ReturnReason,
    "reason",
    1_000
);
capped_text!(
    /// Why a unit asks for a later deadline (延期理由); published beside the deadline.
    ExtensionReason,
    "reason",
    1_000
);
capped_text!(
    /// The office's note with a decision on an extension.
    DecisionNote,
    "note",
    1_000
);
capped_text!(
    /// A leader's comment on a report, for the reviewers.
    CommentBody,
    "body",
    2_000
);
capped_text!(
    /// A citizen's 群众监督 message on a target: text only, shown escaped, never as HTML.
    MessageBody,
    "body",
    2_000
);
capped_text!(
    /// The name a citizen signs a message with (optional, shown with it).
    MessageName,
    "name",
    50
);
capped_text!(
    /// How the office may reach a citizen (optional, never shown to anyone but the office).
    MessageContact,
    "contact",
    200
);
capped_text!(
    /// The office's public reply to a message, or its note on rejecting one.
    MessageReply,
    "reply",
    2_000
);
capped_text!(
    /// A target's text (工作任务) as the office writes it into a plan. The longest target of
    /// the 菏泽 table is under 300 characters.
    TargetText,
    "content",
    2_000
);
capped_text!(
    /// A deadline as the office types it (年底, 长期坚持, 2024年6月底); read by
    /// `Deadline::parse`.
    DeadlineText,
    "deadline",
    50
);
capped_text!(
    /// One group heading above a target (一、民生实事).
    GroupHeading,
    "group",
    200
);
capped_text!(
    /// A unit's or leader's name as the office types it into a plan. Names read from a
    /// published table are kept whatever their length; only typed ones are capped. The
    /// longest unit of the 菏泽 table is under 20 characters.
    NameText,
    "name",
    100
);
capped_text!(
    /// A password as typed. Hashing is slow on purpose, so an unbounded one would let anyone
    /// spend the server's CPU; no pass phrase needs more.
    Password,
    "password",
    256
);
capped_text!(
    /// A user name as typed at login.
    UserName,
    "username",
    64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_count_characters_not_bytes() {
        let chinese = "字".repeat(1_000);
        assert!(ReturnReason::parse(chinese.clone()).is_ok());
        let e = ReturnReason::parse(format!("{chinese}字")).unwrap_err();
        assert_eq!((e.field, e.max, e.chars), ("reason", 1_000, 1_001));
        assert!(e.to_string().contains("at most 1000"));
    }

    #[test]
    fn serde_goes_through_parse() {
        let too_long = serde_json::to_string(&"x".repeat(2_001)).unwrap();
        assert!(serde_json::from_str::<CommentBody>(&too_long).is_err());
        let ok: CommentBody = serde_json::from_str("\"同意\"").unwrap();
        assert_eq!(ok.as_str(), "同意");
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"同意\"");
    }

    #[test]
    fn text_is_kept_as_typed() {
        let t = Progress::parse("  前三季度\u{200b} ").unwrap();
        assert_eq!(t.as_str(), "  前三季度\u{200b} ");
        assert!(ReturnReason::parse(" \n").unwrap().is_blank());
    }
}
