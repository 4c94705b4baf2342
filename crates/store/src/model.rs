//! What storage hands back: publications, summaries, audit records and import outcomes.

use duban_core::{Period, PlanId, RoundId};
use serde_json::Value;

/// A frozen round as the public sees it (INTERFACES.md's publication, plus its content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub summary: PublicationSummary,
    /// The table JSON exactly as published and served.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicationSummary {
    pub period: Period,
    pub government: String,
    pub title: String,
    /// The publication hash: it covers the content and the previous publication (see [`crate::chain`]).
    pub sha256: String,
    /// SHA-256 of the content bytes alone, so a downloaded JSON file can be checked with `sha256sum`.
    pub content_sha256: String,
    pub previous_sha256: Option<String>,
    /// RFC 3339, UTC.
    pub published_at: String,
    /// The hash of the publication of the same round this one replaced, if any.
    pub supersedes: Option<String>,
    /// Whether a newer publication of the same round replaced this one.
    pub superseded: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub plan: PlanId,
    pub round: RoundId,
    pub targets_added: usize,
    pub targets_changed: usize,
    pub reports_changed: usize,
    /// The new publication, or `None` when the stored round already said exactly this.
    pub published: Option<PublicationSummary>,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    pub checked: usize,
    /// One line per publication that fails, naming it.
    pub problems: Vec<String>,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRecord {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}
