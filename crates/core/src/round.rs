//! 调度: a round collects one report (完成情况) per entry for a period, and its review states.

use serde::{Deserialize, Serialize};

/// A round goes open → closed → published; publishing again (a correction) keeps it published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    Open,
    Closed,
    Published,
}

impl RoundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Open => "open",
            RoundState::Closed => "closed",
            RoundState::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<RoundState> {
        [RoundState::Open, RoundState::Closed, RoundState::Published]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// Where a report stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::Returned => "returned",
            ReportState::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<ReportState> {
        [
            ReportState::Draft,
            ReportState::Submitted,
            ReportState::Returned,
            ReportState::Accepted,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}
