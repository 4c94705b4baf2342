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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The table's government, and whether this import registered it.
    pub government: duban_core::Government,
    pub registered: bool,
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
    /// The government the change concerns; `None` for what concerns none (a login).
    pub government: Option<String>,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub role: duban_core::access::Role,
    /// An argon2id PHC string; storage never sees a password.
    pub password_hash: String,
    pub units: Vec<String>,
    pub leader: Option<String>,
    /// The government (by name) the account belongs to; `None` for a platform account.
    pub government: Option<String>,
    /// Where reminders reach the account (a unit's go to every account speaking for it).
    pub email: Option<String>,
}

/// What a login needs: the account and its password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: i64,
    pub password_hash: String,
    /// A disabled account cannot log in, whatever the password.
    pub disabled: bool,
    /// The office reset the password: the next login must choose a new one.
    pub must_change_password: bool,
}

/// An account as the office's accounts page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: i64,
    pub username: String,
    /// `admin`, `reviewer`, `unit` or `leader`.
    pub role: String,
    pub units: Vec<String>,
    pub leader: Option<String>,
    pub government: Option<String>,
    pub email: Option<String>,
    /// When the office disabled the account; absent while it is enabled.
    pub disabled_at: Option<String>,
    pub must_change_password: bool,
    pub created_at: String,
}

/// What the office may change of an account besides its state: whom it speaks for, and its
/// contact. The role and the name stay (a new role is a new account).
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub units: Vec<String>,
    pub leader: Option<String>,
    pub email: Option<String>,
}

/// A mail to queue. `key` names what it is about; a key already queued or sent is not queued
/// again, so planning the same reminder twice (or on two instances) sends it once.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub key: String,
    pub government: Option<String>,
    /// `round_opened`, `due_soon`, `overdue`, `returned`, `submitted`, `chase`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Where a queued mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// Waiting for its turn, or for another try after a failure.
    Queued,
    /// The SMTP server took it.
    Sent,
    /// Given up after the last try.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<MailState> {
        match s {
            "queued" => Some(MailState::Queued),
            "sent" => Some(MailState::Sent),
            "failed" => Some(MailState::Failed),
            _ => None,
        }
    }
}

/// A mail in the queue, as the office's mail page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailView {
    pub id: i64,
    pub key: String,
    pub government: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub state: MailState,
    /// Tries so far (a claim counts as one).
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// A browser session or an API bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Api,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }
}

/// A round as lists and dashboards show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundSummary {
    pub period: Period,
    pub government: String,
    pub title: String,
    pub state: duban_core::RoundState,
    /// ISO date; `None` for rounds imported from a published table.
    pub due: Option<String>,
    pub reports: usize,
}

/// A report with everything a page or the API shows beside it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportView {
    pub id: i64,
    pub government: String,
    pub period: Period,
    pub target_no: u32,
    /// 0-based, in the source's order.
    pub entry: u32,
    pub leaders: Vec<duban_core::Leader>,
    /// The first leads and writes the report.
    pub units: Vec<duban_core::Unit>,
    pub progress: String,
    pub on_schedule: Option<bool>,
    pub state: duban_core::ReportState,
    pub return_reason: Option<String>,
    pub late: bool,
    pub version: i64,
    pub target_content: String,
    pub deadline: String,
    pub round_state: duban_core::RoundState,
    pub due: Option<String>,
    pub updated_at: String,
    /// The accepted text of the same entry in the round before, for "start from last round"
    /// and the reviewer's diff.
    pub previous_progress: Option<String>,
    /// 存在问题, when the report gives one.
    pub problems: Option<String>,
    /// 下步打算, when the report gives one.
    pub next_steps: Option<String>,
}

/// A unit's draft or correction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportEdit {
    pub progress: duban_core::text::Progress,
    pub on_schedule: Option<bool>,
    /// 存在问题; absent or blank: none.
    #[serde(default)]
    pub problems: Option<duban_core::text::Said>,
    /// 下步打算; absent or blank: none.
    #[serde(default)]
    pub next_steps: Option<duban_core::text::Said>,
    /// The version the edit was based on; a stale one is refused (409) instead of overwriting.
    pub version: Option<i64>,
}

impl ReportEdit {
    /// `reports.details` for this edit: what it says beside its narrative, NULL when nothing.
    pub(crate) fn details(&self) -> Option<String> {
        crate::logic::details::said_text(
            self.problems.as_ref().map(|s| s.as_str()),
            self.next_steps.as_ref().map(|s| s.as_str()),
        )
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Accept,
    Return {
        reason: duban_core::text::ReturnReason,
    },
}

/// What the audit page filters on: substrings of the actor, the action and the subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub subject: String,
    /// Only this government's records (exactly), when given: what a government's own
    /// accounts see.
    #[serde(skip)]
    pub government: Option<String>,
    /// From this day on (YYYY-MM-DD, a day in China), when given.
    #[serde(default)]
    pub from: String,
    /// Until this day, inclusive (YYYY-MM-DD, a day in China), when given.
    #[serde(default)]
    pub to: String,
}

impl AuditFilter {
    /// The instants `[since, until)` the days ask for, as stored timestamps; a day that is not
    /// a date is refused, naming the field.
    pub fn instants(&self) -> Result<(Option<String>, Option<String>), crate::StoreError> {
        use duban_core::time::china_day_starts;
        let day = |field: &str,
                   text: &str|
         -> Result<Option<jiff::civil::Date>, crate::StoreError> {
            match text.trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| {
                    crate::StoreError::Invalid(format!("{field}: “{t}” is not a date (YYYY-MM-DD)"))
                }),
            }
        };
        let since = day("from", &self.from)?.map(|d| crate::logic::ts_string(china_day_starts(d)));
        let until = day("to", &self.to)?
            .and_then(|d| d.tomorrow().ok())
            .map(|d| crate::logic::ts_string(china_day_starts(d)));
        Ok((since, until))
    }
}

/// A request for a later deadline (延期申请), with everything the office's list shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionView {
    pub id: i64,
    pub government: String,
    /// The plan's year.
    pub year: i16,
    pub target_no: u32,
    /// 0-based, in the source's order.
    pub entry: u32,
    pub target_content: String,
    pub leaders: Vec<duban_core::Leader>,
    /// The first leads and asked for it.
    pub units: Vec<duban_core::Unit>,
    /// The target's deadline as the plan writes it (年底, 长期坚持 or an ISO date).
    pub original_deadline: String,
    /// The deadline asked for (ISO date).
    pub deadline: String,
    pub reason: String,
    pub state: duban_core::ExtensionState,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The office's note with its decision (required to reject).
    pub note: Option<String>,
}

/// The office's answer to a request for an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve {
        note: Option<duban_core::text::DecisionNote>,
    },
    Reject {
        note: duban_core::text::DecisionNote,
    },
}

/// A leader's comment on a report, for the reviewers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentView {
    pub id: i64,
    pub report_id: i64,
    pub author: String,
    /// The author's 市政府领导 name, for a leader.
    pub leader: Option<String>,
    pub body: String,
    pub at: String,
}

/// What a citizen searches published tables for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The words, as typed; each must be found whole in one field of the entry.
    pub text: String,
    /// Only this government, when given.
    pub government: Option<String>,
    /// Only this round, when given.
    pub period: Option<Period>,
    /// Only entries naming this unit (leading or not), by its exact name.
    pub unit: Option<String>,
    /// Only entries naming this leader, by the exact name.
    pub leader: Option<String>,
    /// Only entries naming, for each group, one of its units: the units a short name in the
    /// query stands for (发改委 → 市发展改革委), resolved by the caller.
    pub unit_groups: Vec<Vec<String>>,
    /// Hits skipped before the first returned: a page's start.
    pub offset: usize,
    pub limit: usize,
}

impl SearchQuery {
    /// Whether there is anything to search by: words, a unit or a leader.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
            && self.unit.is_none()
            && self.leader.is_none()
            && self.unit_groups.is_empty()
    }

    /// The index terms every candidate must have: the words', and the unit's and leader's
    /// names' (so a filter narrows the candidates in the index, not after them).
    pub fn terms(&self) -> Vec<String> {
        let mut text = self.text.clone();
        for name in [&self.unit, &self.leader].into_iter().flatten() {
            text.push(' ');
            text.push_str(name);
        }
        let mut terms = duban_core::search::query_terms(&text);
        // A group's units may differ (市发展改革委, 县发展和改革局): the index terms all of them
        // have (pairs and single characters) still narrow the candidates. Units with no
        // character in common give none, and the other words must find the candidates.
        for group in &self.unit_groups {
            let terms_of = |u: &String| -> Vec<String> {
                duban_core::search::index_terms(u)
                    .split(' ')
                    .map(str::to_owned)
                    .collect()
            };
            if let [only] = group.as_slice() {
                for t in duban_core::search::query_terms(only) {
                    if !terms.contains(&t) {
                        terms.push(t);
                    }
                }
                continue;
            }
            let mut names = group.iter().map(terms_of);
            let mut common = names.next().unwrap_or_default();
            for other in names {
                common.retain(|t| other.contains(t));
            }
            for t in common {
                if !terms.contains(&t) {
                    terms.push(t);
                }
            }
        }
        terms
    }
}

/// One published entry that matches a search, as the round's newest publication has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub government: String,
    pub period: Period,
    pub target_no: u32,
    /// 0-based, in the source's order.
    pub entry: u32,
    pub content: String,
    pub deadline: String,
    pub leaders: Vec<duban_core::Leader>,
    pub units: Vec<duban_core::Unit>,
    pub progress: String,
    pub on_schedule: Option<bool>,
    /// The publication the text comes from.
    pub sha256: String,
}

/// A citizen's message as it arrives (群众监督).
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub body: duban_core::text::MessageBody,
    pub name: Option<duban_core::text::MessageName>,
    pub contact: Option<duban_core::text::MessageContact>,
    /// The sender's network address: counted for the rate limit, never shown.
    pub address: String,
}

/// Where a message stands: held for the office, public, or turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MessageState {
    Pending,
    Published,
    Rejected,
}

impl MessageState {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Published => "published",
            MessageState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<MessageState> {
        match s {
            "pending" => Some(MessageState::Pending),
            "published" => Some(MessageState::Published),
            "rejected" => Some(MessageState::Rejected),
            _ => None,
        }
    }
}

/// The office's decision on a pending message.
#[derive(Debug, Clone)]
pub enum MessageDecision {
    /// Make it public, with the office's reply beside it when there is one.
    Publish {
        reply: Option<duban_core::text::MessageReply>,
    },
    /// Keep it from the public; the note says why (for the office's record).
    Reject {
        note: duban_core::text::MessageReply,
    },
}

/// A message as storage holds it. `contact` is for the office only: public views leave it out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    pub id: i64,
    pub government: String,
    pub year: i16,
    pub target_no: u32,
    pub body: String,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub state: MessageState,
    /// The office's public reply.
    pub reply: Option<String>,
    /// Why it was rejected (the office's record).
    pub note: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub decided_at: Option<String>,
    /// The target's leaders and units (all its entries'), who may read its messages.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub leaders: Vec<duban_core::Leader>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub units: Vec<duban_core::Unit>,
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub government: Option<String>,
    pub state: Option<MessageState>,
    /// One target: (year, number).
    pub target: Option<(i16, u32)>,
    pub limit: u32,
}

impl MessageFilter {
    /// The published messages on one target (the most a page shows).
    pub fn published_on(government: &str, year: i16, target_no: u32) -> MessageFilter {
        MessageFilter {
            government: Some(government.to_owned()),
            state: Some(MessageState::Published),
            target: Some((year, target_no)),
            limit: 500,
        }
    }
}
