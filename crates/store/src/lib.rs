//! duban's storage, behind one trait so callers never see which database they talk to.
//!
//! [`open`] takes the `--db` URL: `sqlite://FILE` (the default, embedded; the file is created on
//! first use) or `postgres://…` (several instances sharing one database). Either way the
//! backend's embedded migrations are applied on open. Both backends implement the same
//! contract, the traits below, and one test suite (`tests/contract`) runs against each.
//! Queries are written at run time with `$1` placeholders, per backend where the dialects
//! differ; what does not depend on the database is written once in `logic` and [`chain`].
//! Publications are frozen, hashed and chained ([`chain`]); every change is written to an
//! append-only audit log in the same transaction.

/// The hash chain formula lives in `duban_core` (a bundle is checked without storage).
pub use duban_core::chain;
pub mod changes;
pub mod copy;
mod error;
mod logic;
mod model;
mod postgres;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use changes::Change;
pub use error::StoreError;
pub use logic::plans::{Lineage, PlanRef, PlanTarget, PlannedTarget, RolloverOutcome};
pub use model::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use duban_core::access::Actor;
use duban_core::{Government, GovernmentCode, Period, Table, TargetDraft, TargetNo};
use std::{path::Path, sync::Arc};

/// Accounts, sessions, API tokens and login throttling.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync {
    /// Creates an account; a taken name is a conflict.
    async fn add_user(&self, user: &NewUser, actor: &str) -> Result<i64, StoreError>;
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError>;
    async fn actor(&self, user_id: i64) -> Result<Option<Actor>, StoreError>;
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: &str,
    ) -> Result<(), StoreError>;
    /// Stores a token's hash; the secret itself stays with the client.
    async fn create_token(
        &self,
        user_id: i64,
        token_sha256: &str,
        kind: TokenKind,
        ttl: std::time::Duration,
    ) -> Result<(), StoreError>;
    async fn actor_by_token(
        &self,
        token_sha256: &str,
        kind: TokenKind,
    ) -> Result<Option<Actor>, StoreError>;
    async fn delete_token(&self, token_sha256: &str) -> Result<(), StoreError>;
    /// A failed login, counted for throttling and audited (`login_failed`, with the address).
    async fn record_login_failure(&self, username: &str, address: &str) -> Result<(), StoreError>;
    /// A successful login, audited (`login`, with the address).
    async fn record_login(&self, username: &str, address: &str) -> Result<(), StoreError>;
    /// Failed logins within the last `window` for this name, and for this address.
    async fn login_failures_within(
        &self,
        username: &str,
        address: &str,
        window: std::time::Duration,
    ) -> Result<(u32, u32), StoreError>;
}

/// The office's hold on accounts (the accounts page): list them, change whom they speak for and
/// their contact, disable them, reset their password. Every change is audited.
#[async_trait::async_trait]
pub trait AccountAdmin: Send + Sync {
    /// The accounts of a government (not the platform's); with `None`, every account.
    async fn users(&self, government: Option<&str>) -> Result<Vec<UserView>, StoreError>;
    async fn user(&self, user_id: i64) -> Result<Option<UserView>, StoreError>;
    /// Sets an account's units, leader and e-mail (what its role needs, as [`Accounts::add_user`]).
    async fn change_user(
        &self,
        user_id: i64,
        change: &UserChange,
        actor: &str,
    ) -> Result<UserView, StoreError>;
    /// Disables (or enables again) an account. Disabling ends its sessions and tokens at once,
    /// on every instance.
    async fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: &str,
    ) -> Result<UserView, StoreError>;
    /// Sets a password the office chose; the account must choose its own at the next login,
    /// and its sessions and tokens end.
    async fn reset_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: &str,
    ) -> Result<UserView, StoreError>;
}

/// Outgoing mail (催办): a queue in the database, so that it survives a restart and several
/// instances share it; what is sent, and every failure, stays listed.
#[async_trait::async_trait]
pub trait Mail: Send + Sync {
    /// Queues mails, skipping any whose key is already queued or sent; returns how many were new.
    async fn enqueue_mail(&self, mails: &[NewMail]) -> Result<u64, StoreError>;
    /// Takes up to `limit` mails that are due, leased for `lease`: no other caller gets them
    /// until the lease ends (when the taker died, the mail is taken again). A take counts as a try.
    async fn claim_mail(
        &self,
        limit: u32,
        lease: std::time::Duration,
    ) -> Result<Vec<MailView>, StoreError>;
    /// The SMTP server took the mail: marked sent and audited (`mail.sent`).
    async fn mail_sent(&self, id: i64) -> Result<(), StoreError>;
    /// The try failed: tried again after `retry_after`, or, with none, given up (`failed`,
    /// audited as `mail.failed`).
    async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_after: Option<std::time::Duration>,
    ) -> Result<(), StoreError>;
    /// The newest mails first, of a government (every mail when `None`).
    async fn mails(
        &self,
        government: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MailView>, StoreError>;
}

/// The 调度 cycle: rounds, reports and their review.
#[async_trait::async_trait]
pub trait Workflow: Send + Sync {
    /// Opens a round for a period of a government: one draft report for every entry of that
    /// year's plan.
    async fn open_round(
        &self,
        government: &str,
        period: Period,
        due: jiff::civil::Date,
        actor: &str,
    ) -> Result<RoundSummary, StoreError>;
    /// No more submissions.
    async fn close_round(
        &self,
        government: &str,
        period: Period,
        actor: &str,
    ) -> Result<RoundSummary, StoreError>;
    /// Reopens a published round for corrections: units correct returned or missing entries,
    /// reviewers accept, and publishing again makes a correction that supersedes the standing
    /// publication (which keeps its permanent link and its place in the chain).
    async fn reopen_round(
        &self,
        government: &str,
        period: Period,
        actor: &str,
    ) -> Result<RoundSummary, StoreError>;
    /// Freezes the round's accepted reports (the rest show as not reported) as a publication.
    async fn publish(
        &self,
        government: &str,
        period: Period,
        actor: &str,
    ) -> Result<PublicationSummary, StoreError>;
    /// Every round of every government. Callers filter by what the actor may see.
    async fn rounds(&self) -> Result<Vec<RoundSummary>, StoreError>;
    async fn round(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<RoundSummary>, StoreError>;
    /// Every report of a round, by target and entry. Callers filter by what the actor may see.
    async fn reports(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Vec<ReportView>, StoreError>;
    async fn report(&self, id: i64) -> Result<Option<ReportView>, StoreError>;
    /// Saves a draft or a correction of `base`, the report as the caller read it (to decide
    /// that the actor may write it). It is refused if the report is no longer writable, or
    /// changed since `edit.version` when one is given; without one, the last save wins.
    async fn save_report(
        &self,
        base: &ReportView,
        edit: &ReportEdit,
        actor: &str,
    ) -> Result<ReportView, StoreError>;
    async fn submit_report(&self, id: i64, actor: &str) -> Result<ReportView, StoreError>;
    async fn review_report(
        &self,
        id: i64,
        review: &Review,
        actor: &str,
    ) -> Result<ReportView, StoreError>;
}

/// 延期申请: units ask for a later deadline for an entry they lead; the office decides.
#[async_trait::async_trait]
pub trait Extensions: Send + Sync {
    /// Asks for `deadline` for the entry of report `report`, on behalf of `user_id`. Refused when
    /// the date is not later than the deadline in force, without a reason, or while another
    /// request for the entry waits.
    async fn request_extension(
        &self,
        report: i64,
        deadline: jiff::civil::Date,
        reason: &duban_core::text::ExtensionReason,
        user_id: i64,
        actor: &str,
    ) -> Result<ExtensionView, StoreError>;
    /// Approves or rejects a pending request.
    async fn decide_extension(
        &self,
        id: i64,
        decision: &Decision,
        user_id: i64,
        actor: &str,
    ) -> Result<ExtensionView, StoreError>;
    /// Every request, or those of one plan (government, year): pending first, then newest
    /// first. Callers filter by what the actor may see.
    async fn extensions(&self, plan: Option<(&str, i16)>)
    -> Result<Vec<ExtensionView>, StoreError>;
}

/// Leaders' comments on reports, for the reviewers.
#[async_trait::async_trait]
pub trait Comments: Send + Sync {
    async fn add_comment(
        &self,
        report: i64,
        body: &duban_core::text::CommentBody,
        user_id: i64,
        actor: &str,
    ) -> Result<CommentView, StoreError>;
    /// The comments on these reports, oldest first.
    async fn comments(&self, reports: &[i64]) -> Result<Vec<CommentView>, StoreError>;
}

/// 群众监督: citizens' messages on targets, held until the office publishes or rejects them.
#[async_trait::async_trait]
pub trait Messages: Send + Sync {
    /// Holds a message on a target of a government's plan of `year` for the office (audited
    /// without its contact); `NotFound` when there is no such target.
    async fn add_message(
        &self,
        government: &str,
        year: i16,
        target_no: u32,
        message: &NewMessage,
        actor: &str,
    ) -> Result<MessageView, StoreError>;
    /// One message, whatever its state.
    async fn message(&self, id: i64) -> Result<Option<MessageView>, StoreError>;
    /// How many messages `address` sent after `since` (RFC 3339), for the rate limit.
    async fn messages_from(&self, address: &str, since: &str) -> Result<u64, StoreError>;
    /// The messages a filter asks for, newest first.
    async fn messages(&self, filter: &MessageFilter) -> Result<Vec<MessageView>, StoreError>;
    /// Publishes or rejects a pending message (audited); a decided one is a `Conflict`.
    async fn decide_message(
        &self,
        id: i64,
        decision: &MessageDecision,
        actor: &str,
    ) -> Result<MessageView, StoreError>;
}

/// A government's plans across years: what a plan holds, and the next year's made from it.
#[async_trait::async_trait]
pub trait Plans: Send + Sync {
    /// The targets of a government's plan for a year, by number.
    async fn plan_targets(
        &self,
        government: &str,
        year: i16,
    ) -> Result<Vec<PlanTarget>, StoreError>;
    /// The years a government has a plan with targets for, newest first: imported, carried
    /// over or typed in target by target, whether or not a round was opened.
    async fn plan_years(&self, government: &str) -> Result<Vec<i16>, StoreError>;
    /// Makes the `to` plan from the `from` targets numbered `pick` (renumbered from 1 in their
    /// order), each with its entries, leaders, units and group, and linked to its predecessor.
    /// Refused when the `to` plan already has targets; audited (`target.create` each,
    /// `plan.rollover`).
    async fn rollover(
        &self,
        government: &str,
        from: i16,
        to: i16,
        pick: &[u32],
        actor: &str,
    ) -> Result<RolloverOutcome, StoreError>;
    /// Where a target came from and went to across years (`duban plan rollover`), for its
    /// public page.
    async fn lineage(
        &self,
        government: &str,
        year: i16,
        no: TargetNo,
    ) -> Result<Lineage, StoreError>;
    /// One target of a plan, retired or not, with its live entries.
    async fn plan_target(
        &self,
        government: &str,
        year: i16,
        no: TargetNo,
    ) -> Result<Option<PlannedTarget>, StoreError>;
    /// Every target of a government's plan for a year, retired ones too, with their live
    /// entries; empty when there is no such plan.
    async fn plan(&self, government: &str, year: i16) -> Result<Vec<PlannedTarget>, StoreError>;
    /// Adds a target to a plan (made when the year has none yet), numbered as the draft says or
    /// next after the highest; each round of the plan still collecting gets a report for each
    /// of its entries at once. Audited (`target.create`, with the target as made).
    async fn add_target(
        &self,
        government: &str,
        year: i16,
        draft: &TargetDraft,
        actor: &str,
    ) -> Result<PlannedTarget, StoreError>;
    /// Rewrites a target: text, deadline, group and entries, matched by their order. Reports
    /// follow their entry, so a new lead unit's clerks see the entry's open reports at once; an
    /// entry added gets reports in the rounds still collecting, an entry dropped is retired and
    /// its reports there withdrawn. Publications are never touched: the change shows in the
    /// next one. Audited (`target.update`, before and after) when anything changed.
    async fn edit_target(
        &self,
        government: &str,
        year: i16,
        no: TargetNo,
        draft: &TargetDraft,
        actor: &str,
    ) -> Result<PlannedTarget, StoreError>;
    /// Retires a target: it keeps its number, gets no report in rounds opened later, and its
    /// reports in rounds never published are withdrawn. Audited (`target.retire`, with the
    /// target and the withdrawn reports before).
    async fn retire_target(
        &self,
        government: &str,
        year: i16,
        no: TargetNo,
        actor: &str,
    ) -> Result<PlannedTarget, StoreError>;
    /// Undoes a retirement (恢复): the target and the entries retired with it are live again
    /// and get draft reports in the plan's rounds still collecting. Reports the retirement
    /// withdrew are not brought back (their text is in its audit record). Refused when the
    /// target is live (`target_not_retired`); audited (`target.restore`).
    async fn restore_target(
        &self,
        government: &str,
        year: i16,
        no: TargetNo,
        actor: &str,
    ) -> Result<PlannedTarget, StoreError>;
}

/// Units by other names: the office's aliases (the built-in short forms are
/// `duban_core::aliases`), for search.
#[async_trait::async_trait]
pub trait Aliases: Send + Sync {
    /// Lets `alias` find `unit` (a unit of the government); audited; adding it again changes
    /// nothing.
    async fn add_alias(
        &self,
        government: &str,
        alias: &str,
        unit: &str,
        actor: &str,
    ) -> Result<(), StoreError>;
    /// The office's aliases of a government: (alias, unit), by alias.
    async fn aliases(&self, government: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// Every unit a government's plans name.
    async fn unit_names(&self, government: &str) -> Result<Vec<String>, StoreError>;
    /// Renames a unit (机构改革): the plan's rows and the accounts bound to it take the new
    /// name, and each name becomes an alias of the other, so a search for either finds the
    /// rounds published under both. Publications keep the name they were published with;
    /// the audit log keeps who renamed what, when. Refused when the new name is taken.
    async fn rename_unit(
        &self,
        government: &str,
        from: &str,
        to: &str,
        actor: &str,
    ) -> Result<(), StoreError>;
}

/// 检索 over what was published: the newest publication of each round, nothing else.
#[async_trait::async_trait]
pub trait Search: Send + Sync {
    /// Entries whose target, progress, leaders or units contain the query: the newest round
    /// first, then by target number and entry.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError>;
}

/// Publications (公开): importing a published table, freezing a round, reading and verifying the
/// chain.
#[async_trait::async_trait]
pub trait Publications: Send + Sync {
    /// Stores a published table: registers its government when it is new (with a slug of its
    /// name), registers (or updates) the plan's targets and entries, records the round's reports
    /// as accepted, and publishes the round when its content changed.
    /// One transaction: on any error nothing is written.
    async fn import_table(&self, table: &Table, actor: &str) -> Result<ImportOutcome, StoreError>;

    /// The newest publication of each published round, newest period first.
    async fn published(&self) -> Result<Vec<PublicationSummary>, StoreError>;

    /// The newest publication of a period, if it was ever published.
    async fn latest_publication(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<Publication>, StoreError>;

    /// Only the hash of the newest publication of a period: a cheap check that a cached
    /// rendering is still current.
    async fn latest_sha256(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<String>, StoreError>;

    /// A publication by its hash, superseded or not.
    async fn publication(&self, sha256: &str) -> Result<Option<Publication>, StoreError>;

    /// Every publication of a government, superseded ones included, in chain order (oldest
    /// first): what an open-data bundle holds.
    async fn chain_of(&self, government: &str) -> Result<Vec<Publication>, StoreError>;

    /// The hash of a government's newest publication: a cheap check that a cached bundle is
    /// still whole.
    async fn chain_head(&self, government: &str) -> Result<Option<String>, StoreError>;

    /// Every publication of a period, newest first.
    async fn publications_of(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Vec<PublicationSummary>, StoreError>;

    /// A round's table as it stands now, published or not (reports not yet accepted show as
    /// not reported).
    async fn round_table(
        &self,
        government: &str,
        period: Period,
    ) -> Result<Option<Table>, StoreError>;

    /// Recomputes every publication's hashes and the links of each government's chain; a
    /// problem names the government.
    async fn verify(&self) -> Result<VerifyReport, StoreError>;
}

/// The governments a deployment holds.
#[async_trait::async_trait]
pub trait Governments: Send + Sync {
    /// Every registered government, in the order they were registered.
    async fn governments(&self) -> Result<Vec<Government>, StoreError>;

    /// Registers a government by its name, with `code` or else a slug of its name (made unique
    /// with `-2`, `-3` …). Registering a name again returns it unchanged, unless `code` differs
    /// from the one it has: a conflict. A code taken by another government is a conflict too.
    async fn register_government(
        &self,
        name: &str,
        code: Option<&GovernmentCode>,
        actor: &str,
    ) -> Result<Government, StoreError>;
}

/// The audit log.
#[async_trait::async_trait]
pub trait Audit: Send + Sync {
    /// The newest audit records, newest first.
    async fn audit(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;

    /// Audit records matching a filter (each field a substring; empty matches all; a
    /// government, exactly, and then only that government's records), newest first.
    async fn audit_filtered(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError>;
}

/// Files held between an import's preview and its confirmation.
#[async_trait::async_trait]
pub trait Uploads: Send + Sync {
    /// Holds an uploaded file between its preview and the confirmation; returns its id.
    async fn stash_upload(
        &self,
        user_id: i64,
        file_name: &str,
        options: &str,
        bytes: &[u8],
    ) -> Result<i64, StoreError>;

    /// An upload of this user's, if it is still there: (file name, options, bytes).
    async fn upload(
        &self,
        id: i64,
        user_id: i64,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError>;

    async fn drop_upload(&self, id: i64) -> Result<(), StoreError>;
}

/// Everything the application asks of storage.
#[async_trait::async_trait]
pub trait Store:
    Accounts
    + AccountAdmin
    + Mail
    + Governments
    + Workflow
    + Extensions
    + Comments
    + Aliases
    + Plans
    + Messages
    + Search
    + Publications
    + Audit
    + Uploads
    + Send
    + Sync
    + std::fmt::Debug
{
    /// A consistent copy of the whole database, taken while it runs.
    async fn backup(&self, to: &Path) -> Result<(), StoreError>;

    /// Ends this process's use of the database, leaving it complete on disk. A short-lived
    /// command calls it before it exits: dropping the handles closes connections on background
    /// threads that the exit may cut short.
    async fn close(&self);

    /// Changes announced by every process using this database (see [`changes`]); on SQLite,
    /// which has no such channel, nothing comes.
    fn changes(&self) -> tokio::sync::broadcast::Receiver<Change>;

    /// Whether [`Store::changes`] carries the changes of other processes too (PostgreSQL), or
    /// only this one's, so that a cache must still revalidate now and then (SQLite).
    fn announces_every_change(&self) -> bool;
}

/// Opens the database a `--db` URL names.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match copy::Database::open(url).await? {
        copy::Database::Sqlite(s) => Arc::new(s),
        copy::Database::Postgres(p) => Arc::new(p),
    })
}
