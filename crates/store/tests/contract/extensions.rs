//! 延期申请: requests for a later deadline and the office's decisions.

use crate::common::*;
use duban_core::text::{DecisionNote, ExtensionReason};
use duban_core::{Deadline, ExtensionState};

fn reason(text: &str) -> ExtensionReason {
    ExtensionReason::parse(text).unwrap()
}

fn note(text: &str) -> DecisionNote {
    DecisionNote::parse(text).unwrap()
}

/// The 菏泽 table and round 2023Q4, with a unit clerk and the office; (reports, clerk, office).
async fn setup(store: &dyn Store) -> (Vec<ReportView>, i64, i64) {
    let reports = round_q4(store).await;
    let clerk = new_user("clerk", Role::Unit, &["市政府办公室"], None);
    let clerk = store.add_user(&clerk, "cli").await.unwrap();
    let office = new_user("office", Role::Admin, &[], None);
    let office = store.add_user(&office, "cli").await.unwrap();
    (reports, clerk, office)
}

contract!(
    /// A request moves a real deadline later with a reason; the office approves or rejects it
    /// once; approvals show in the round's table.
    requests_and_decisions,
    |store, _db| async move {
        let (reports, clerk, office) = setup(&*store).await;
        let heze = heze();
        let r0 = &reports[0];
        let asked = store
            .request_extension(
                r0.id,
                date("2024-03-31"),
                &reason(" 资金未到位 "),
                clerk,
                "user:clerk",
            )
            .await
            .unwrap();
        assert_eq!(
            (asked.government.as_str(), asked.year, asked.target_no, asked.entry),
            (GOV, 2023, 1, 0)
        );
        assert_eq!(asked.target_content, heze.targets[0].content);
        assert_eq!(
            (asked.leaders.as_slice(), &asked.units),
            (heze.targets[0].entries[0].leaders(), &heze.targets[0].entries[0].units)
        );
        assert_eq!(
            (
                asked.original_deadline.as_str(),
                asked.deadline.as_str(),
                asked.reason.as_str()
            ),
            ("年底", "2024-03-31", "资金未到位")
        );
        assert_eq!(
            (asked.state, asked.requested_by.as_str()),
            (ExtensionState::Pending, "clerk")
        );
        assert!(asked.requested_at.parse::<jiff::Timestamp>().is_ok());
        assert_eq!(
            (&asked.decided_by, &asked.decided_at, &asked.note),
            (&None, &None, &None)
        );

        // One pending request per entry.
        assert_conflict(
            store
                .request_extension(
                    r0.id,
                    date("2024-04-30"),
                    &reason("再延"),
                    clerk,
                    "user:clerk",
                )
                .await,
            "extension_pending",
        );
        // A published round's report takes no requests (issue #15): the office no longer
        // collects anything through that round.
        let q3_report = store.reports(GOV, period("2023Q3")).await.unwrap().remove(0);
        assert_eq!((q3_report.target_no, q3_report.entry), (1, 0));
        assert_conflict(
            store
                .request_extension(
                    q3_report.id,
                    date("2024-04-30"),
                    &reason("再延"),
                    clerk,
                    "user:clerk",
                )
                .await,
            "wrong_round_state",
        );

        // Refused: not later than the deadline in force, no reason, nothing to extend.
        let r1 = &reports[1];
        let ask = |report: i64, day: &'static str, why: &'static str| {
            let store = store.clone();
            async move {
                store
                    .request_extension(report, date(day), &reason(why), clerk, "user:clerk")
                    .await
            }
        };
        assert_invalid(ask(r1.id, "2023-12-31", "理由").await);
        assert_invalid(ask(r1.id, "2024-01-31", "   ").await);
        let ongoing = heze
            .targets
            .iter()
            .find(|t| t.deadline == Deadline::Ongoing)
            .expect("菏泽 has a 长期坚持 target");
        let ongoing = reports
            .iter()
            .find(|r| r.target_no == ongoing.no.get())
            .unwrap();
        assert_eq!(ongoing.deadline, "长期坚持");
        assert_invalid(ask(ongoing.id, "2024-12-31", "理由").await);
        assert_not_found(ask(987_654, "2024-12-31", "理由").await);

        // Rejected, with the note a rejection needs.
        let decide = |id: i64, decision: Decision| {
            let store = store.clone();
            async move {
                store
                    .decide_extension(id, &decision, office, "user:office")
                    .await
            }
        };
        assert_invalid(decide(asked.id, Decision::Reject { note: note(" ") }).await);
        let rejected = decide(
            asked.id,
            Decision::Reject {
                note: note("理由不充分"),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (
                rejected.state,
                rejected.note.as_deref(),
                rejected.decided_by.as_deref()
            ),
            (ExtensionState::Rejected, Some("理由不充分"), Some("office"))
        );
        assert!(rejected.decided_at.is_some());
        assert_eq!(
            (rejected.id, rejected.requested_at.as_str()),
            (asked.id, asked.requested_at.as_str())
        );
        assert_conflict(
            decide(asked.id, Decision::Approve { note: None }).await,
            "extension_decided",
        );
        assert_not_found(decide(987_654, Decision::Approve { note: None }).await);

        // Asked again and approved; the approval is the deadline in force from then on.
        let second = ask(r0.id, "2024-06-30", "工程延期").await.unwrap();
        let approved = decide(second.id, Decision::Approve { note: None })
            .await
            .unwrap();
        assert_eq!(
            (approved.state, approved.note.as_deref()),
            (ExtensionState::Approved, None)
        );
        assert_invalid(ask(r0.id, "2024-05-31", "早于已批准的").await);
        let third = ask(r0.id, "2024-09-30", "再次延期").await.unwrap();
        let other = ask(r1.id, "2024-01-31", "天气原因").await.unwrap();
        let blank_note = decide(
            other.id,
            Decision::Approve {
                note: Some(note("  ")),
            },
        )
        .await
        .unwrap();
        assert_eq!(blank_note.note, None);

        // Pending first, then newest first.
        let all = store.extensions(None).await.unwrap();
        assert_eq!(
            all.iter().map(|x| (x.id, x.state)).collect::<Vec<_>>(),
            [
                (third.id, ExtensionState::Pending),
                (other.id, ExtensionState::Approved),
                (second.id, ExtensionState::Approved),
                (asked.id, ExtensionState::Rejected),
            ]
        );
        assert_eq!(all[3], rejected);
        assert_eq!(all[2], approved);
        assert_eq!(store.extensions(Some((GOV, 2023))).await.unwrap(), all);
        assert!(store.extensions(Some((GOV, 2024))).await.unwrap().is_empty());
        assert!(
            store
                .extensions(Some(("某某县人民政府", 2023)))
                .await
                .unwrap()
                .is_empty()
        );

        // The round's table carries the approvals in force.
        let table = store.round_table(GOV, period("2023Q4")).await.unwrap().unwrap();
        let granted: Vec<_> = table
            .targets
            .iter()
            .flat_map(|t| &t.entries)
            .map(|e| e.extension.clone())
            .collect();
        let first = granted[0].as_ref().unwrap();
        assert_eq!(
            (first.deadline, first.reason.as_str()),
            (date("2024-06-30"), "工程延期")
        );
        assert_eq!(Some(&first.approved_at), approved.decided_at.as_ref());
        assert_eq!(granted[1].as_ref().unwrap().deadline, date("2024-01-31"));
        assert_eq!(granted.iter().filter(|g| g.is_some()).count(), 2);

        let subject = format!("extension:{GOV}/2023/1/entry:0#{}", asked.id);
        let first_trail = trail(&*store, &subject).await;
        assert_eq!(
            actions(&first_trail),
            ["extension.reject", "extension.request"]
        );
        assert_eq!(first_trail[0].actor, "user:office");
        assert_eq!(first_trail[0].before.as_ref().unwrap()["state"], "pending");
        assert_eq!(first_trail[0].after.as_ref().unwrap()["state"], "rejected");
        assert_eq!(first_trail[0].after.as_ref().unwrap()["note"], "理由不充分");
        assert_eq!(first_trail[1].after.as_ref().unwrap()["deadline"], "2024-03-31");
        let all_actions = store
            .audit_filtered(
                &AuditFilter {
                    action: "extension.".into(),
                    ..AuditFilter::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(
            actions(&all_actions),
            [
                "extension.approve",
                "extension.request",
                "extension.request",
                "extension.approve",
                "extension.request",
                "extension.reject",
                "extension.request"
            ]
        );
    }
);

contract!(
    /// Requests for one entry racing each other: one is taken, the rest are told one waits.
    racing_requests_leave_one_pending,
    |store, db| async move {
        let (reports, clerk, _office) = setup(&*store).await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                let id = reports[2].id;
                tokio::spawn(async move {
                    let why = format!("理由{i}");
                    store
                        .request_extension(
                            id,
                            date("2024-02-29"),
                            &reason(&why),
                            clerk,
                            "user:clerk",
                        )
                        .await
                })
            })
            .collect();
        let mut taken = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(x) => {
                    taken += 1;
                    assert_eq!(x.state, ExtensionState::Pending);
                }
                refused => assert_conflict(refused, "extension_pending"),
            }
        }
        assert_eq!(taken, 1);
        assert_eq!(db.count("extensions").await, 1);
        assert_eq!(store.extensions(None).await.unwrap().len(), 1);
    }
);
