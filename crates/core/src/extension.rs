//! 延期申请: a unit asks for a later deadline for the entry it leads, with a reason; the office
//! approves or rejects it. An approved extension is published beside the target's deadline,
//! which itself stays exactly as the plan wrote it.

use crate::Deadline;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExtensionState {
    Pending,
    Approved,
    Rejected,
}

impl ExtensionState {
    pub const ALL: [ExtensionState; 3] = [
        ExtensionState::Pending,
        ExtensionState::Approved,
        ExtensionState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Pending => "pending",
            ExtensionState::Approved => "approved",
            ExtensionState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ExtensionState> {
        ExtensionState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ExtensionState::Pending => "待审批",
            ExtensionState::Approved => "已批准",
            ExtensionState::Rejected => "未批准",
        }
    }
}

/// An approved extension as the published table carries it, on the entry it was granted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    /// The new deadline (ISO date). The target's `deadline` is the original.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2024-06-30"))]
    pub deadline: Date,
    /// Why, in the unit's words.
    pub reason: String,
    /// When the office approved it (RFC 3339, UTC).
    pub approved_at: String,
}

/// Why a request for an extension is refused (422 over HTTP).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    #[error("the target has no deadline to extend (长期坚持, or none given)")]
    Ongoing,
    #[error("the new deadline {new} is not later than the current one ({current})")]
    NotLater { new: Date, current: Date },
    #[error("a reason is required to ask for an extension (延期理由)")]
    NoReason,
    #[error("a reason is required to reject an extension")]
    NoDecisionNote,
}

/// The last day a deadline allows, in the plan's year: 年底 is 31 December.
pub fn last_day(deadline: Deadline, plan_year: i16) -> Option<Date> {
    match deadline {
        Deadline::YearEnd => Date::new(plan_year, 12, 31).ok(),
        Deadline::Ongoing | Deadline::Unstated => None,
        Deadline::Date(d) => Some(d),
    }
}

/// A request must move a real deadline later than the one in force (the original, or the
/// extension already granted) and say why.
pub fn check_request(
    deadline: Deadline,
    plan_year: i16,
    granted: Option<Date>,
    new: Date,
    reason: &str,
) -> Result<(), ExtensionError> {
    if reason.trim().is_empty() {
        return Err(ExtensionError::NoReason);
    }
    let original = last_day(deadline, plan_year).ok_or(ExtensionError::Ongoing)?;
    let current = granted.map_or(original, |g| g.max(original));
    if new <= current {
        return Err(ExtensionError::NotLater { new, current });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_request_moves_a_real_deadline_later_and_says_why() {
        let ok = check_request(Deadline::YearEnd, 2023, None, d("2024-06-30"), "资金未到位");
        assert_eq!(ok, Ok(()));
        assert_eq!(
            check_request(Deadline::YearEnd, 2023, None, d("2023-12-31"), "x"),
            Err(ExtensionError::NotLater {
                new: d("2023-12-31"),
                current: d("2023-12-31")
            })
        );
        assert_eq!(
            check_request(Deadline::Ongoing, 2023, None, d("2024-06-30"), "x"),
            Err(ExtensionError::Ongoing)
        );
        assert_eq!(
            check_request(Deadline::YearEnd, 2023, None, d("2024-06-30"), "  "),
            Err(ExtensionError::NoReason)
        );
        // A second extension must go past the first one.
        assert!(
            check_request(
                Deadline::Date(d("2023-06-30")),
                2023,
                Some(d("2023-09-30")),
                d("2023-08-31"),
                "x"
            )
            .is_err()
        );
        assert!(
            check_request(
                Deadline::Date(d("2023-06-30")),
                2023,
                Some(d("2023-09-30")),
                d("2023-10-31"),
                "x"
            )
            .is_ok()
        );
    }

    #[test]
    fn states_round_trip() {
        for s in ExtensionState::ALL {
            assert_eq!(ExtensionState::parse(s.as_str()), Some(s));
        }
    }
}
