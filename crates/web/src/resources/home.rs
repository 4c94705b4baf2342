//! The work home (`/work`): every round the account reaches, with its own share of each
//! (a unit's reports, a leader's targets, all for the office), what to do first (returned
//! reports), a leader's targets in the current round with the checks' findings, and the
//! office's form to open a round.

use crate::AppState;
use crate::error::PageError;
use crate::extract::PageActor;
use crate::government::{base_in, base_of};
use crate::policy::people;
use crate::view::findings::{FindingNote, findings_of};
use crate::view::{html, nav_who, report_state_zh};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use duban_core::access::{Action, Role, may};
use duban_core::{ReportState, RoundState};
use duban_store::RoundSummary;

#[derive(Template)]
#[template(path = "work_home.html")]
struct WorkHome {
    l: crate::view::i18n::Labels,
    who: String,
    rounds: Vec<RoundRow>,
    /// Returned reports of open rounds that the actor writes: what to do first.
    todo: Vec<Todo>,
    is_admin: bool,
    is_unit: bool,
    /// The governments the account reaches, (base, name): where a round may be opened.
    governments: Vec<(String, String)>,
    /// For a leader: their targets in the current round.
    leader: Option<LeaderRound>,
}

struct RoundRow {
    /// The round's page (under its government's base).
    href: String,
    /// Its government, shown when the actor reaches several.
    government: String,
    period: String,
    title: String,
    state: &'static str,
    due: String,
    /// The actor's own share of the round (see [`Mine`]).
    mine: Mine,
}

/// The reports of a round that are the actor's: those a unit writes (it leads them), those a
/// leader's targets have, all of them for the office and the reviewers.
#[derive(Debug, Default)]
struct Mine {
    total: usize,
    /// Submitted or accepted.
    submitted: usize,
    accepted: usize,
    returned: usize,
}

/// One of a leader's entries in the current round, with what the checks say of it.
struct LeaderRow {
    href: String,
    no: u32,
    content: String,
    unit: String,
    state: &'static str,
    state_label: &'static str,
    on_schedule: &'static str,
    findings: Vec<FindingNote>,
}

/// The round a leader's home shows: the newest open one, else the newest.
struct LeaderRound {
    title: String,
    rows: Vec<LeaderRow>,
}

struct Todo {
    /// The round's page (under its government's base).
    href: String,
    period: String,
    id: i64,
    no: u32,
    content: String,
    reason: String,
}

pub async fn work_home(
    State(state): State<AppState>,
    PageActor(actor): PageActor,
) -> Result<Html<String>, PageError> {
    let governments = state.governments.get(&state, false).await?;
    // The rounds of the governments the account reaches.
    let rounds: Vec<RoundSummary> = state
        .store
        .rounds()
        .await?
        .into_iter()
        .filter(|r| actor.reaches(&r.government))
        .collect();
    let leader = match actor.role {
        Role::Leader => leader_round(&state, &actor, &rounds, &governments).await?,
        _ => None,
    };
    let mut rows = Vec::with_capacity(rounds.len());
    let mut todo = Vec::new();
    for r in rounds {
        let base = base_in(&governments, &r.government);
        let href = format!("{base}/work/{}", r.period);
        let mut mine = Mine::default();
        for report in state.store.reports(&r.government, r.period).await? {
            let ours = if actor.role == Role::Unit {
                may(
                    &actor,
                    &report.government,
                    Action::WriteReport(people(&report)),
                )
            } else {
                may(
                    &actor,
                    &report.government,
                    Action::ReadReport(people(&report)),
                )
            };
            if !ours {
                continue;
            }
            mine.total += 1;
            match report.state {
                ReportState::Submitted => mine.submitted += 1,
                ReportState::Accepted => {
                    mine.submitted += 1;
                    mine.accepted += 1;
                }
                ReportState::Returned => {
                    mine.returned += 1;
                    if r.state == RoundState::Open && actor.role == Role::Unit {
                        todo.push(Todo {
                            href: href.clone(),
                            period: r.period.to_string(),
                            id: report.id,
                            no: report.target_no,
                            content: report.target_content.clone(),
                            reason: report.return_reason.clone().unwrap_or_default(),
                        });
                    }
                }
                ReportState::Draft => {}
            }
        }
        rows.push(RoundRow {
            href,
            government: if governments.len() > 1 {
                r.government.clone()
            } else {
                String::new()
            },
            period: r.period.to_string(),
            title: r.title,
            state: round_state_zh(r.state),
            due: r.due.unwrap_or_default(),
            mine,
        });
    }
    html(&WorkHome {
        l: crate::view::i18n::Labels::new(crate::view::i18n::Lang::Zh, "/work"),
        who: nav_who(&actor),
        rounds: rows,
        todo,
        is_admin: actor.role == Role::Admin,
        is_unit: actor.role == Role::Unit,
        governments: governments
            .iter()
            .filter(|g| actor.reaches(&g.name))
            .map(|g| (base_of(g, &governments), g.name.clone()))
            .collect(),
        leader,
    })
}

/// A leader's targets in the current round (the newest open one, else the newest), with
/// their progress and the 核查 findings on the texts as they stand.
async fn leader_round(
    state: &AppState,
    actor: &duban_core::access::Actor,
    rounds: &[RoundSummary],
    governments: &[duban_core::Government],
) -> Result<Option<LeaderRound>, PageError> {
    let Some(round) = rounds
        .iter()
        .find(|r| r.state == RoundState::Open)
        .or(rounds.first())
    else {
        return Ok(None);
    };
    let base = base_in(governments, &round.government);
    let all = state.store.reports(&round.government, round.period).await?;
    let findings = findings_of(round, &all);
    let rows = all
        .iter()
        .filter(|r| may(actor, &r.government, Action::ReadReport(people(r))))
        .map(|r| {
            let mut f = findings
                .get(&(r.target_no, Some(r.entry as usize)))
                .cloned()
                .unwrap_or_default();
            if r.entry == 0 {
                f.extend(
                    findings
                        .get(&(r.target_no, None))
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            LeaderRow {
                href: format!("{base}/work/{}#r{}", round.period, r.id),
                no: r.target_no,
                content: r.target_content.chars().take(60).collect(),
                unit: r.units.first().map(|u| u.to_string()).unwrap_or_default(),
                state: r.state.as_str(),
                state_label: report_state_zh(r.state),
                on_schedule: match r.on_schedule {
                    Some(true) => "是",
                    Some(false) => "否",
                    None => "—",
                },
                // A draft nobody has written yet has nothing to check.
                findings: if r.state == ReportState::Draft && r.progress.is_empty() {
                    Vec::new()
                } else {
                    f
                },
            }
        })
        .collect();
    Ok(Some(LeaderRound {
        title: round.title.clone(),
        rows,
    }))
}

fn round_state_zh(s: RoundState) -> &'static str {
    match s {
        RoundState::Open => "报送中 open",
        RoundState::Closed => "已关闭 closed",
        RoundState::Published => "已公开 published",
    }
}
