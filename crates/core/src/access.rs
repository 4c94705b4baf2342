//! Who may do what: the one place that decides it. Handlers ask [`may`]; nothing else checks
//! roles, so a new route cannot grow its own idea of permission.

use crate::{Leader, ReportState, RoundState, Unit};
use serde::{Deserialize, Serialize};

/// An account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The government office: runs rounds, manages accounts, sees everything.
    Admin,
    /// Reads every report of a round; returns or accepts.
    Reviewer,
    /// A 责任单位 clerk: writes the reports of entries its units lead, reads those they assist.
    Unit,
    /// A 市政府领导: reads everything of their targets, may comment for reviewers.
    Leader,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reviewer, Role::Unit, Role::Leader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Unit => "unit",
            Role::Leader => "leader",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员（政府办）",
            Role::Reviewer => "审核人",
            Role::Unit => "责任单位",
            Role::Leader => "市政府领导",
        }
    }
}

/// A logged-in account, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// For a unit account: the 责任单位 it speaks for.
    pub units: Vec<Unit>,
    /// For a leader account: the 市政府领导 it is.
    pub leader: Option<Leader>,
    /// The government (by name) the account belongs to; `None` for a platform account, which
    /// may act on every government the deployment holds.
    pub government: Option<String>,
}

impl Actor {
    /// Whether the account may act on this government's data at all: its own, or any for a
    /// platform account. Every [`may`] asks this first.
    pub fn reaches(&self, government: &str) -> bool {
        self.government.as_deref().is_none_or(|g| g == government)
    }
}

/// The people on an entry, which decide who may touch its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryPeople<'a> {
    pub leaders: &'a [Leader],
    /// The first leads.
    pub units: &'a [Unit],
}

/// Everything an account can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Read a report (of an unpublished round).
    ReadReport(EntryPeople<'a>),
    /// Save a draft, submit, ask for a deadline extension.
    WriteReport(EntryPeople<'a>),
    /// Return or accept.
    ReviewReport,
    /// Comment on a report for the reviewers.
    CommentReport(EntryPeople<'a>),
    /// Read the leaders' comments on a report: they are written for the reviewers, so the
    /// units do not see them.
    ReadComments(EntryPeople<'a>),
    /// Open, close or publish a round.
    ManageRounds,
    /// Approve or reject an extension.
    DecideExtension,
    /// The office dashboard and the 催办 list.
    SeeDashboard,
    ManageAccounts,
    ReadAudit,
    /// Publish or reject citizens' messages, and reply (the office).
    ModerateMessages,
    /// Read the messages on a target, published or not: the office, and the target's leaders
    /// and units (who may not change them).
    ReadMessages(EntryPeople<'a>),
}

/// The policy: whether `actor` may do `action` on data of `government`. An account never
/// reaches another government's data, whatever its role; within its reach, its role decides.
/// Anonymous visitors have no actor and may do none of these: they read only publications,
/// through routes that touch nothing else.
pub fn may(actor: &Actor, government: &str, action: Action<'_>) -> bool {
    actor.reaches(government) && role_may(actor, action)
}

/// What the role allows, before the government is asked: for the few decisions that are not
/// about one government's data (whether to show the audit page at all; which records it then
/// lists is filtered by [`Actor::reaches`]).
pub fn role_may(actor: &Actor, action: Action<'_>) -> bool {
    let own_unit = |p: &EntryPeople<'_>| actor.units.iter().any(|u| p.units.contains(u));
    let leads = |p: &EntryPeople<'_>| {
        p.units
            .first()
            .is_some_and(|lead| actor.units.contains(lead))
    };
    let is_leader_of =
        |p: &EntryPeople<'_>| actor.leader.as_ref().is_some_and(|l| p.leaders.contains(l));
    match (actor.role, action) {
        (Role::Admin, _) => true,
        (
            Role::Reviewer,
            Action::ReadReport(_)
            | Action::ReviewReport
            | Action::SeeDashboard
            | Action::ReadComments(_)
            | Action::ModerateMessages
            | Action::ReadMessages(_),
        ) => true,
        (Role::Unit, Action::ReadReport(p) | Action::ReadMessages(p)) => own_unit(&p),
        (Role::Unit, Action::WriteReport(p)) => leads(&p),
        (
            Role::Leader,
            Action::ReadReport(p)
            | Action::CommentReport(p)
            | Action::ReadComments(p)
            | Action::ReadMessages(p),
        ) => is_leader_of(&p),
        _ => false,
    }
}

/// Why a state change was refused (409 over HTTP).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the report is {0}: only a draft or a returned report can be edited or submitted")]
    NotEditable(&'static str),
    #[error("the report is {0}: only a submitted report can be returned or accepted")]
    NotSubmitted(&'static str),
    #[error("the round is {0}: reports can only be written while it is open")]
    RoundNotOpen(&'static str),
    #[error("the round is {0}: it can only be closed while open")]
    RoundNotClosable(&'static str),
    #[error("the round is {0}: only a published round can be reopened for corrections")]
    RoundNotReopenable(&'static str),
    #[error("the round is {0}: a later deadline can only be asked for while it is open")]
    RoundNotTakingRequests(&'static str),
    #[error("a reason is required to return a report (退回原因)")]
    NoReason,
}

/// A report may be written (saved or submitted) only while its round is open and it is a
/// draft or was returned.
pub fn check_writable(round: RoundState, report: ReportState) -> Result<(), TransitionError> {
    if round != RoundState::Open {
        return Err(TransitionError::RoundNotOpen(round.as_str()));
    }
    match report {
        ReportState::Draft | ReportState::Returned => Ok(()),
        s => Err(TransitionError::NotEditable(s.as_str())),
    }
}

/// Only a published round is reopened: units correct returned or missing entries, reviewers
/// accept, and publishing again makes a correction that supersedes the publication.
pub fn check_reopenable(round: RoundState) -> Result<(), TransitionError> {
    match round {
        RoundState::Published => Ok(()),
        s => Err(TransitionError::RoundNotReopenable(s.as_str())),
    }
}

/// A unit asks for a later deadline from a report of an open round: once the round is closed
/// or published, the office no longer takes requests through it.
pub fn check_extension_round(round: RoundState) -> Result<(), TransitionError> {
    match round {
        RoundState::Open => Ok(()),
        s => Err(TransitionError::RoundNotTakingRequests(s.as_str())),
    }
}

/// A reviewer acts only on a submitted report, in a round not yet published.
pub fn check_reviewable(round: RoundState, report: ReportState) -> Result<(), TransitionError> {
    if round == RoundState::Published {
        return Err(TransitionError::RoundNotOpen(round.as_str()));
    }
    match report {
        ReportState::Submitted => Ok(()),
        s => Err(TransitionError::NotSubmitted(s.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_published_round_reopens_and_only_an_open_one_takes_requests() {
        for s in [RoundState::Open, RoundState::Closed, RoundState::Published] {
            assert_eq!(
                check_reopenable(s).is_ok(),
                s == RoundState::Published,
                "{s:?}"
            );
            assert_eq!(
                check_extension_round(s).is_ok(),
                s == RoundState::Open,
                "{s:?}"
            );
        }
    }

    fn actor(role: Role, units: &[&str], leader: Option<&str>) -> Actor {
        Actor {
            user_id: 1,
            username: "x".into(),
            role,
            units: units.iter().map(|u| Unit::parse(u).unwrap()).collect(),
            leader: leader.map(|l| Leader::parse(l).unwrap()),
            government: Some(H.to_owned()),
        }
    }

    #[test]
    fn units_write_what_they_lead_and_read_what_they_assist() {
        let leaders = [Leader::parse("聂元科").unwrap()];
        let units = [
            Unit::parse("市发展改革委").unwrap(),
            Unit::parse("华瑞集团").unwrap(),
        ];
        let p = EntryPeople {
            leaders: &leaders,
            units: &units,
        };
        let lead = actor(Role::Unit, &["市发展改革委"], None);
        let assist = actor(Role::Unit, &["华瑞集团"], None);
        let other = actor(Role::Unit, &["市财政局"], None);
        assert!(may(&lead, H, Action::WriteReport(p)) && may(&lead, H, Action::ReadReport(p)));
        assert!(!may(&assist, H, Action::WriteReport(p)) && may(&assist, H, Action::ReadReport(p)));
        assert!(!may(&other, H, Action::ReadReport(p)));
        assert!(!may(&lead, H, Action::ReviewReport) && !may(&lead, H, Action::ManageRounds));
        let leader = actor(Role::Leader, &[], Some("聂元科"));
        assert!(
            may(&leader, H, Action::ReadReport(p)) && may(&leader, H, Action::CommentReport(p))
        );
        assert!(!may(&leader, H, Action::WriteReport(p)));
        assert!(may(&leader, H, Action::ReadComments(p)));
        assert!(
            !may(&lead, H, Action::ReadComments(p)) && !may(&lead, H, Action::CommentReport(p))
        );
        assert!(!may(&lead, H, Action::DecideExtension));
        assert!(!may(
            &actor(Role::Leader, &[], Some("李春英")),
            H,
            Action::ReadReport(p)
        ));
        let reviewer = actor(Role::Reviewer, &[], None);
        assert!(
            may(&reviewer, H, Action::ReviewReport) && !may(&reviewer, H, Action::ManageRounds)
        );
        assert!(!may(&reviewer, H, Action::WriteReport(p)));
        assert!(
            may(&reviewer, H, Action::ReadComments(p))
                && !may(&reviewer, H, Action::CommentReport(p))
        );
        assert!(!may(&reviewer, H, Action::DecideExtension));
    }

    const H: &str = "菏泽市人民政府";

    #[test]
    fn nobody_reaches_another_government() {
        let units = [Unit::parse("市财政局").unwrap()];
        let p = EntryPeople {
            leaders: &[],
            units: &units,
        };
        let admin = actor(Role::Admin, &[], None);
        let clerk = actor(Role::Unit, &["市财政局"], None);
        assert!(may(&admin, H, Action::ManageRounds));
        assert!(!may(&admin, "郓城县人民政府", Action::ManageRounds));
        assert!(may(&clerk, H, Action::WriteReport(p)));
        assert!(!may(&clerk, "郓城县人民政府", Action::WriteReport(p)));
        let platform = Actor {
            government: None,
            ..admin
        };
        assert!(may(&platform, "郓城县人民政府", Action::ManageRounds));
    }

    #[test]
    fn states() {
        use ReportState::*;
        assert!(check_writable(RoundState::Open, Draft).is_ok());
        assert!(check_writable(RoundState::Open, Returned).is_ok());
        assert!(check_writable(RoundState::Open, Accepted).is_err());
        assert!(check_writable(RoundState::Open, Submitted).is_err());
        assert!(check_writable(RoundState::Closed, Draft).is_err());
        assert!(check_reviewable(RoundState::Open, Submitted).is_ok());
        assert!(check_reviewable(RoundState::Closed, Submitted).is_ok());
        assert!(check_reviewable(RoundState::Open, Draft).is_err());
    }
}
