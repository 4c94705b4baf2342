//! Which mail to queue, and what it says (Chinese first, English after).
//!
//! [`calendar`] reads the open rounds and queues what the date calls for: to each unit's
//! accounts when the round opens, three days before its due date if they still owe reports,
//! and once it is overdue. Each of those has a key (kind, government, period, account), so
//! reading the calendar every minute, on every instance, queues each reminder once. The other
//! mail follows a request: a report returned (to the unit), submitted (to the reviewers), the
//! office's 催办 (to the units that owe).

use super::Sender;
use crate::view::clip;
use duban_core::ReportState;
use duban_store::{NewMail, ReportView, RoundSummary, StoreError, UserView};

/// Days before the due date when the "due soon" reminder goes out.
const DUE_SOON_DAYS: i32 = 3;

/// Queues the reminders the calendar calls for; returns how many were new.
pub(super) async fn calendar(sender: &Sender) -> Result<u64, StoreError> {
    let today = duban_core::time::date_in_china(jiff::Timestamp::now());
    let mut mails = Vec::new();
    for round in sender.store.rounds().await? {
        if round.state != duban_core::RoundState::Open {
            continue;
        }
        let Some(due) = due_of(&round) else { continue };
        let reports = sender
            .store
            .reports(&round.government, round.period)
            .await?;
        let users = sender.store.users(Some(&round.government)).await?;
        for user in users.iter().filter(|u| reachable(u, "unit")) {
            let duty = Duty::of(user, &reports);
            if duty.assigned == 0 {
                continue;
            }
            let days_left = (due - today).get_days();
            if days_left >= 0 {
                mails.push(unit_mail(
                    "round_opened",
                    &round,
                    user,
                    &duty,
                    &sender.config,
                ));
            }
            if duty.owed.is_empty() {
                continue;
            }
            if (0..=DUE_SOON_DAYS).contains(&days_left) {
                mails.push(unit_mail("due_soon", &round, user, &duty, &sender.config));
            } else if days_left < 0 {
                mails.push(unit_mail("overdue", &round, user, &duty, &sender.config));
            }
        }
    }
    sender.store.enqueue_mail(&mails).await
}

/// 催办: one mail to each account of a unit that still owes reports in the round (of `unit`
/// only, when given). `press` tells this press from the last, so each press mails once.
pub(crate) fn chase(
    config: &super::MailConfig,
    round: &RoundSummary,
    reports: &[ReportView],
    users: &[UserView],
    unit: Option<&str>,
    press: &str,
) -> Vec<NewMail> {
    users
        .iter()
        .filter(|u| reachable(u, "unit"))
        .filter(|u| unit.is_none_or(|unit| u.units.iter().any(|x| x == unit)))
        .filter_map(|u| {
            let duty = Duty::of(u, reports);
            (!duty.owed.is_empty()).then(|| {
                let mut mail = unit_mail("chase", round, u, &duty, config);
                mail.key = format!("{}:{press}", mail.key);
                mail
            })
        })
        .collect()
}

/// To the lead unit's accounts: a report came back, and why.
pub(crate) fn returned(
    config: &super::MailConfig,
    report: &ReportView,
    users: &[UserView],
) -> Vec<NewMail> {
    let Some(lead) = report.units.first() else {
        return Vec::new();
    };
    let reason = report.return_reason.as_deref().unwrap_or("");
    users
        .iter()
        .filter(|u| reachable(u, "unit") && u.units.iter().any(|x| x == lead.as_str()))
        .map(|u| NewMail {
            key: format!("returned:{}:{}:{}", report.id, report.version, u.id),
            government: Some(report.government.clone()),
            kind: "returned".into(),
            recipient: u.email.clone().unwrap_or_default(),
            subject: format!(
                "【督办】{}第{}项报告被退回，请修改后重新提交",
                report.period, report.target_no
            ),
            body: format!(
                "{lead}：\n\n{period}调度中，第{no}项目标（{content}）的报告被退回。\n退回原因：{reason}\n\n\
                 请登录督办系统修改后重新提交：{link}\n\n\
                 Your report on target {no} ({period}) was returned: {reason}\n\
                 Please correct it and submit again.\n",
                period = report.period,
                no = report.target_no,
                content = clip(&report.target_content, 60),
                link = link(config, &format!("/work/reports/{}", report.id)),
            ),
        })
        .collect()
}

/// To the reviewers of the report's government: a report waits for them.
pub(crate) fn submitted(
    config: &super::MailConfig,
    report: &ReportView,
    users: &[UserView],
) -> Vec<NewMail> {
    let lead = report.units.first().map(|u| u.as_str()).unwrap_or("");
    users
        .iter()
        .filter(|u| reachable(u, "reviewer"))
        .map(|u| NewMail {
            key: format!("submitted:{}:{}:{}", report.id, report.version, u.id),
            government: Some(report.government.clone()),
            kind: "submitted".into(),
            recipient: u.email.clone().unwrap_or_default(),
            subject: format!(
                "【督办】{lead}已提交{}第{}项报告，请审核",
                report.period, report.target_no
            ),
            body: format!(
                "{lead}已提交{period}调度第{no}项目标（{content}）的报告{late}，请审核：{link}\n\n\
                 {lead} submitted its report on target {no} ({period}) for review.\n",
                period = report.period,
                no = report.target_no,
                content = clip(&report.target_content, 60),
                late = if report.late { "（迟报）" } else { "" },
                link = link(config, &format!("/work/reports/{}", report.id)),
            ),
        })
        .collect()
}

/// An enabled account of the role that mail can reach.
fn reachable(user: &UserView, role: &str) -> bool {
    user.role == role && user.disabled_at.is_none() && user.email.is_some()
}

fn due_of(round: &RoundSummary) -> Option<jiff::civil::Date> {
    round.due.as_deref().and_then(|d| d.parse().ok())
}

/// What one unit account leads in a round: how many reports, and which it still owes.
struct Duty {
    assigned: usize,
    owed: Vec<u32>,
}

impl Duty {
    fn of(user: &UserView, reports: &[ReportView]) -> Duty {
        let mine: Vec<&ReportView> = reports
            .iter()
            .filter(|r| {
                r.units
                    .first()
                    .is_some_and(|lead| user.units.iter().any(|u| u == lead.as_str()))
            })
            .collect();
        let mut owed: Vec<u32> = mine
            .iter()
            .filter(|r| matches!(r.state, ReportState::Draft | ReportState::Returned))
            .map(|r| r.target_no)
            .collect();
        owed.dedup();
        Duty {
            assigned: mine.len(),
            owed,
        }
    }
}

/// A reminder about a round to a unit account.
fn unit_mail(
    kind: &str,
    round: &RoundSummary,
    user: &UserView,
    duty: &Duty,
    config: &super::MailConfig,
) -> NewMail {
    let due = round.due.as_deref().unwrap_or("");
    let due_zh = due_of(round)
        .map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day()))
        .unwrap_or_default();
    let owed: Vec<String> = duty.owed.iter().map(|n| format!("第{n}项")).collect();
    let n = duty.owed.len();
    let units = user.units.join("、");
    let (subject, opening, english) = match kind {
        "round_opened" => (
            format!("【督办】{}已开始报送，截止{due_zh}", round.title),
            format!(
                "{}已开始调度，请于{due_zh}前报送贵单位牵头的 {} 项目标进展。",
                round.title, duty.assigned
            ),
            format!(
                "The round {} is open: please report on the {} targets you lead by {due}.",
                round.period, duty.assigned
            ),
        ),
        "due_soon" => (
            format!("【督办】{}将于{due_zh}截止，尚有 {n} 项未报送", round.title),
            format!(
                "{}将于{due_zh}截止报送，贵单位尚有 {n} 项未提交。",
                round.title
            ),
            format!(
                "The round {} closes on {due}: {n} of your reports are not submitted yet.",
                round.period
            ),
        ),
        "overdue" => (
            format!("【督办】{}已逾期，尚有 {n} 项未报送", round.title),
            format!(
                "{}报送已于{due_zh}截止，贵单位尚有 {n} 项未提交，已逾期。",
                round.title
            ),
            format!(
                "The round {} closed on {due}: {n} of your reports are overdue.",
                round.period
            ),
        ),
        _ => (
            format!("【催办】{}尚有 {n} 项未报送，请抓紧报送", round.title),
            format!(
                "【催办】{}报送截止日期为{due_zh}，贵单位尚有 {n} 项未提交（或被退回待修改），请抓紧报送。",
                round.title
            ),
            format!(
                "Reminder from the office: {n} of your reports in the round {} (due {due}) are not submitted.",
                round.period
            ),
        ),
    };
    let list = if owed.is_empty() {
        String::new()
    } else {
        format!("\n未提交 / not submitted：{}\n", owed.join("、"))
    };
    NewMail {
        key: format!("{kind}:{}:{}:{}", round.government, round.period, user.id),
        government: Some(round.government.clone()),
        kind: kind.to_owned(),
        recipient: user.email.clone().unwrap_or_default(),
        subject,
        body: format!(
            "{units}：\n\n{opening}\n{list}\n登录督办系统报送：{}\n\n{english}\n",
            link(config, "/work")
        ),
    }
}

/// A page of the site, as a link when the public address is known.
fn link(config: &super::MailConfig, path: &str) -> String {
    match &config.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => format!("（站内页面 {path}）"),
    }
}
