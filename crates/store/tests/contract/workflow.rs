//! The 调度 cycle: rounds, reports, review, publishing, and writers racing each other.

use crate::common::*;
use duban_core::text::ReturnReason;

contract!(
    /// A whole round: import last quarter's table, add accounts, open the next round, write,
    /// submit, return, accept, close, publish, verify — and the audit trail of it all.
    the_whole_cycle,
    |store, db| async move {
        let heze = heze();
        let (q3, q4) = (period("2023Q3"), period("2023Q4"));
        let imported = store.import_table(&heze, "cli").await.unwrap();
        let q3_sha = imported.published.unwrap().sha256;

        let office = new_user("office", Role::Admin, &[], None);
        let office = store.add_user(&office, "cli").await.unwrap();
        let reviewer = new_user("reviewer", Role::Reviewer, &[], None);
        let reviewer = store.add_user(&reviewer, "user:office").await.unwrap();
        let clerk = new_user("clerk", Role::Unit, &["市政府办公室"], None);
        let clerk = store.add_user(&clerk, "user:office").await.unwrap();
        let ids = [office, reviewer, clerk];
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
        assert_eq!(
            store.actor(clerk).await.unwrap().unwrap().role,
            Role::Unit
        );

        // Opening: a draft for every entry of the plan.
        let round = store
            .open_round(GOV, q4, date("2099-01-10"), "user:office")
            .await
            .unwrap();
        let title = format!("{GOV}2023年经济社会发展责任目标四季度工作推进情况一览表");
        assert_eq!(
            round,
            duban_store::RoundSummary {
                period: q4,
                government: GOV.into(),
                title: title.clone(),
                state: RoundState::Open,
                due: Some("2099-01-10".into()),
                reports: 40,
            }
        );
        assert_conflict(
            store
                .open_round(GOV, q4, date("2099-02-01"), "user:office")
                .await,
            "round_exists",
        );
        assert_eq!(store.round(GOV, q4).await.unwrap(), Some(round.clone()));
        let rounds = store.rounds().await.unwrap();
        assert_eq!(
            rounds.iter().map(|r| (r.period, r.state)).collect::<Vec<_>>(),
            [(q4, RoundState::Open), (q3, RoundState::Published)]
        );
        assert_eq!(db.count("reports").await, 80);

        let reports = store.reports(GOV, q4).await.unwrap();
        let entries: Vec<_> = heze
            .targets
            .iter()
            .flat_map(|t| t.entries.iter().enumerate().map(move |(i, e)| (t, i, e)))
            .collect();
        assert_eq!(reports.len(), entries.len());
        for (r, (t, i, e)) in reports.iter().zip(&entries) {
            assert_eq!((r.target_no, r.entry), (t.no.get(), *i as u32));
            assert_eq!((r.period, r.round_state), (q4, RoundState::Open));
            assert_eq!((r.state, r.version, r.late), (ReportState::Draft, 1, false));
            assert_eq!((r.progress.as_str(), r.on_schedule), ("", None));
            assert_eq!((r.leaders.as_slice(), &r.units), (e.leaders(), &e.units));
            assert_eq!(r.target_content, t.content);
            assert_eq!(r.deadline, t.deadline.to_string());
            assert_eq!(r.due.as_deref(), Some("2099-01-10"));
            assert_eq!(r.return_reason, None);
            // Last round's accepted text, for "start from last round".
            assert_eq!(r.previous_progress.as_deref(), Some(e.progress.as_str()));
        }
        assert_eq!(
            store.report(reports[5].id).await.unwrap().as_ref(),
            Some(&reports[5])
        );

        // Report 0: written, submitted, returned, corrected, accepted.
        let r0 = &reports[0];
        let saved = store
            .save_report(r0, &edit("第一稿", Some(1)), "user:clerk")
            .await
            .unwrap();
        assert_eq!(
            (
                saved.version,
                saved.progress.as_str(),
                saved.on_schedule,
                saved.state
            ),
            (2, "第一稿", Some(true), ReportState::Draft)
        );
        assert_eq!(store.report(r0.id).await.unwrap().unwrap(), saved);
        let submitted = store.submit_report(r0.id, "user:clerk").await.unwrap();
        assert_eq!(
            (submitted.state, submitted.version, submitted.late),
            (ReportState::Submitted, 3, false)
        );
        assert_conflict(
            store
                .save_report(&submitted, &edit("改", Some(3)), "user:clerk")
                .await,
            "wrong_report_state",
        );
        assert_conflict(
            store.submit_report(r0.id, "user:clerk").await,
            "wrong_report_state",
        );
        let blank = Review::Return {
            reason: ReturnReason::parse("  ").unwrap(),
        };
        assert_invalid(store.review_report(r0.id, &blank, "user:reviewer").await);
        let back = Review::Return {
            reason: ReturnReason::parse(" 数据不全 ").unwrap(),
        };
        let returned = store
            .review_report(r0.id, &back, "user:reviewer")
            .await
            .unwrap();
        assert_eq!(
            (
                returned.state,
                returned.version,
                returned.return_reason.as_deref()
            ),
            (ReportState::Returned, 4, Some("数据不全"))
        );
        assert_eq!(store.report(r0.id).await.unwrap().unwrap(), returned);
        let corrected = store
            .save_report(&returned, &edit("第二稿", Some(4)), "user:clerk")
            .await
            .unwrap();
        assert_eq!(
            (corrected.state, corrected.version),
            (ReportState::Returned, 5)
        );
        store.submit_report(r0.id, "user:clerk").await.unwrap();
        let accepted = store
            .review_report(r0.id, &Review::Accept, "user:reviewer")
            .await
            .unwrap();
        assert_eq!(
            (
                accepted.state,
                accepted.version,
                accepted.progress.as_str(),
                accepted.return_reason.as_deref()
            ),
            (ReportState::Accepted, 7, "第二稿", None)
        );
        assert_conflict(
            store
                .review_report(r0.id, &Review::Accept, "user:reviewer")
                .await,
            "wrong_report_state",
        );

        // Report 1 accepted as behind schedule; report 2 submitted, never accepted; report 3
        // a draft; report 4 refused without text, report 5 without 是/否.
        let behind = ReportEdit {
            on_schedule: Some(false),
            ..edit("进度滞后", Some(1))
        };
        let r1 = store
            .save_report(&reports[1], &behind, "user:clerk")
            .await
            .unwrap();
        store.submit_report(r1.id, "user:clerk").await.unwrap();
        store
            .review_report(r1.id, &Review::Accept, "user:reviewer")
            .await
            .unwrap();
        let r2 = store
            .save_report(&reports[2], &edit("已提交未审核", None), "user:clerk")
            .await
            .unwrap();
        store.submit_report(r2.id, "user:clerk").await.unwrap();
        store
            .save_report(&reports[3], &edit("草稿", None), "user:clerk")
            .await
            .unwrap();
        assert_invalid(store.submit_report(reports[4].id, "user:clerk").await);
        let undecided = ReportEdit {
            on_schedule: None,
            ..edit("没选是否", None)
        };
        store
            .save_report(&reports[5], &undecided, "user:clerk")
            .await
            .unwrap();
        assert_invalid(store.submit_report(reports[5].id, "user:clerk").await);

        // The table as it stands: only accepted reports show.
        let table = store.round_table(GOV, q4).await.unwrap().unwrap();
        assert_eq!(
            (table.period, table.government.as_str(), table.title.as_str()),
            (q4, GOV, title.as_str())
        );
        assert_eq!(table.targets.len(), 39);
        let shown: Vec<(&str, Option<bool>)> = table
            .targets
            .iter()
            .flat_map(|t| &t.entries)
            .take(6)
            .map(|e| (e.progress.as_str(), e.answer()))
            .collect();
        assert_eq!(
            shown,
            [
                ("第二稿", Some(true)),
                ("进度滞后", Some(false)),
                ("", None),
                ("", None),
                ("", None),
                ("", None)
            ]
        );

        // Closing: no more writing, reviewing goes on.
        let closed = store.close_round(GOV, q4, "user:office").await.unwrap();
        assert_eq!(
            closed,
            duban_store::RoundSummary {
                state: RoundState::Closed,
                ..round.clone()
            }
        );
        assert_conflict(
            store.close_round(GOV, q4, "user:office").await,
            "wrong_round_state",
        );
        let draft = store.report(reports[3].id).await.unwrap().unwrap();
        assert_eq!(draft.round_state, RoundState::Closed);
        assert_conflict(
            store
                .save_report(&draft, &edit("晚了", Some(draft.version)), "user:clerk")
                .await,
            "wrong_round_state",
        );
        assert_conflict(
            store.submit_report(draft.id, "user:clerk").await,
            "wrong_round_state",
        );

        // Publishing freezes exactly that table onto the chain.
        let p = store.publish(GOV, q4, "user:office").await.unwrap();
        assert_eq!((p.period, p.government.as_str()), (q4, GOV));
        assert_eq!(p.title, title);
        assert_eq!(p.previous_sha256.as_deref(), Some(q3_sha.as_str()));
        assert_eq!((p.supersedes.as_deref(), p.superseded), (None, false));
        let frozen = store.latest_publication(GOV, q4).await.unwrap().unwrap();
        assert_eq!(frozen.summary, p);
        assert_eq!(frozen.content, table.to_canonical_json());
        assert_eq!(
            store.round(GOV, q4).await.unwrap().unwrap().state,
            RoundState::Published
        );
        assert_eq!(store.round_table(GOV, q4).await.unwrap().unwrap(), table);
        // Nothing changed since: the publication stands.
        let again = store.publish(GOV, q4, "user:office").await.unwrap();
        assert_eq!(again, p);
        assert_eq!(
            store.publications_of(GOV, q4).await.unwrap(),
            std::slice::from_ref(&p)
        );
        // A published round takes no more reviews or writes.
        assert_conflict(
            store
                .review_report(r2.id, &Review::Accept, "user:reviewer")
                .await,
            "wrong_round_state",
        );
        assert_conflict(
            store
                .save_report(&draft, &edit("晚了", None), "user:clerk")
                .await,
            "wrong_round_state",
        );

        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (2, Vec::<String>::new()));
        let published = store.published().await.unwrap();
        assert_eq!(
            published.iter().map(|p| p.period).collect::<Vec<_>>(),
            [q4, q3]
        );
        assert_eq!(published[0], p);

        // The audit trail, newest first.
        let r0_trail = trail(&*store, "report:2023Q4/1/0").await;
        assert_eq!(
            actions(&r0_trail),
            [
                "report.accept",
                "report.submit",
                "report.save",
                "report.return",
                "report.submit",
                "report.save"
            ]
        );
        assert_eq!(r0_trail[0].actor, "user:reviewer");
        assert_eq!(r0_trail[0].before.as_ref().unwrap()["state"], "submitted");
        assert_eq!(r0_trail[0].after.as_ref().unwrap()["state"], "accepted");
        assert_eq!(r0_trail[0].after.as_ref().unwrap()["version"], 7);
        assert_eq!(r0_trail[3].after.as_ref().unwrap()["return_reason"], "数据不全");
        assert_eq!(r0_trail[5].actor, "user:clerk");
        let round_trail = trail(&*store, "round:2023Q4").await;
        assert_eq!(
            actions(&round_trail),
            ["publication.create", "round.close", "round.open"]
        );
        assert_eq!(
            round_trail[0].after.as_ref().unwrap()["sha256"],
            p.sha256.as_str()
        );
        assert_eq!(round_trail[2].after.as_ref().unwrap()["reports"], 40);
        assert_eq!(round_trail[2].after.as_ref().unwrap()["due"], "2099-01-10");
        assert_eq!(
            round_trail[1].before.as_ref().unwrap()["state"],
            "open"
        );
    }
);

contract!(
    /// A save is checked against the version it was based on: a stale `version` is refused, no
    /// `version` means the last save wins, and the audit's "before" is always what was replaced.
    saves_check_versions_and_audit_what_they_replace,
    |store, _db| async move {
        let base = round_q4(&*store).await.remove(0);
        // Two clients read version 1. The first saves; the second, naming version 1, is refused.
        let first = store
            .save_report(&base, &edit("第一稿", Some(1)), "user:a")
            .await
            .unwrap();
        assert_eq!(first.version, 2);
        let record = store.audit(1).await.unwrap().remove(0);
        assert_eq!(
            (
                record.action.as_str(),
                record.actor.as_str(),
                record.subject.as_str()
            ),
            ("report.save", "user:a", "report:2023Q4/1/0")
        );
        assert_eq!(record.before.unwrap()["progress"], "");
        assert_eq!(record.after.unwrap()["version"], 2);
        assert_conflict(
            store
                .save_report(&base, &edit("第二稿", Some(1)), "user:b")
                .await,
            "stale_version",
        );
        assert_eq!(
            store.report(base.id).await.unwrap().unwrap().progress,
            "第一稿"
        );
        // Without a version it overwrites, and the audit says it replaced the first draft, not
        // the empty text the stale `base` held.
        let second = store
            .save_report(&base, &edit("第二稿", None), "user:b")
            .await
            .unwrap();
        assert_eq!((second.version, second.progress.as_str()), (3, "第二稿"));
        let last = store.audit(1).await.unwrap().remove(0);
        assert_eq!(last.action, "report.save");
        assert_eq!(last.before.unwrap()["progress"], "第一稿");
        assert_eq!(last.after.unwrap()["progress"], "第二稿");
        // Naming the current version works even from an old `base`.
        let third = store
            .save_report(&base, &edit("第三稿", Some(3)), "user:a")
            .await
            .unwrap();
        assert_eq!(third.version, 4);
        assert_eq!(store.report(base.id).await.unwrap().unwrap(), third);
        assert_eq!(
            store.audit(1).await.unwrap()[0].before.as_ref().unwrap()["progress"],
            "第二稿"
        );
        // A version from the future is stale too.
        assert_conflict(
            store
                .save_report(&base, &edit("第四稿", Some(9)), "user:a")
                .await,
            "stale_version",
        );
        // Once accepted, no save goes through, with or without a version.
        store.submit_report(base.id, "user:a").await.unwrap();
        store
            .review_report(base.id, &Review::Accept, "user:r")
            .await
            .unwrap();
        for version in [None, Some(6)] {
            assert_conflict(
                store.save_report(&base, &edit("改", version), "user:a").await,
                "wrong_report_state",
            );
        }
        let now = store.report(base.id).await.unwrap().unwrap();
        assert_eq!((now.progress.as_str(), now.version), ("第三稿", 6));
        let saves = store
            .audit_filtered(
                &AuditFilter {
                    action: "report.save".into(),
                    ..AuditFilter::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(saves.len(), 3, "refused saves are not audited");
    }
);

contract!(
    /// Many writers saving the same report from the same version at once: exactly one wins,
    /// every other is told its version is stale, and nothing of theirs is written.
    concurrent_saves_of_one_version_have_one_winner,
    |store, _db| async move {
        let base = round_q4(&*store).await.remove(3);
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let store = store.clone();
                let base = base.clone();
                tokio::spawn(async move {
                    let text = format!("第{i}稿");
                    let actor = format!("user:w{i}");
                    store
                        .save_report(&base, &edit(&text, Some(1)), &actor)
                        .await
                })
            })
            .collect();
        let mut won = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(v) => won.push(v),
                lost => assert_conflict(lost, "stale_version"),
            }
        }
        assert_eq!(won.len(), 1, "{won:?}");
        let now = store.report(base.id).await.unwrap().unwrap();
        assert_eq!(now, won[0]);
        assert_eq!(now.version, 2);
        let saves = trail(&*store, &subject(&base)).await;
        assert_eq!(actions(&saves), ["report.save"]);
        assert_eq!(saves[0].after.as_ref().unwrap()["progress"], now.progress);
    }
);

contract!(
    /// Writers saving without a version at once: each save lands, one after the other, and
    /// each is audited with what it replaced.
    concurrent_saves_without_a_version_all_land,
    |store, _db| async move {
        let base = round_q4(&*store).await.remove(3);
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let store = store.clone();
                let base = base.clone();
                tokio::spawn(async move {
                    store
                        .save_report(&base, &edit(&format!("第{i}稿"), None), "user:w")
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut versions = Vec::new();
        for task in tasks {
            versions.push(task.await.unwrap().version);
        }
        versions.sort_unstable();
        assert_eq!(versions, (2..=11).collect::<Vec<i64>>());
        let now = store.report(base.id).await.unwrap().unwrap();
        assert_eq!(now.version, 11);
        let saves = trail(&*store, &subject(&base)).await;
        assert_eq!(saves.len(), 10);
        // Each record's "before" is the one before it's "after": no save was lost.
        for pair in saves.windows(2) {
            let (newer, older) = (&pair[0], &pair[1]);
            assert_eq!(
                newer.before.as_ref().unwrap()["progress"],
                older.after.as_ref().unwrap()["progress"]
            );
        }
        assert_eq!(
            saves[0].after.as_ref().unwrap()["progress"],
            now.progress.as_str()
        );
    }
);

contract!(
    /// Two handles (two processes, or two instances) publishing the same round at once: one
    /// publication, the chain stays one line.
    racing_publishes_of_one_round_do_not_fork_the_chain,
    |store, db| async move {
        let q4 = period("2023Q4");
        let reports = round_q4(&*store).await;
        accept(&*store, &reports[0], "四季度进展").await;
        let q3_sha = store.latest_sha256(GOV, period("2023Q3")).await.unwrap();
        let other = db.reopen().await;
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let s = if i % 2 == 0 {
                    store.clone()
                } else {
                    other.clone()
                };
                tokio::spawn(async move { s.publish(GOV, q4, "user:office").await.unwrap() })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let history = store.publications_of(GOV, q4).await.unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        assert!(results.iter().all(|p| *p == history[0]), "{results:?}");
        assert_eq!(history[0].previous_sha256, q3_sha);
        assert_eq!(
            db.i64s("SELECT chain_position FROM publications ORDER BY chain_position")
                .await,
            [0, 1]
        );
        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (2, Vec::<String>::new()));
        other.close().await;
    }
);

contract!(
    /// Publications of different rounds made at once from two handles take their turns on
    /// the chain: contiguous positions, each linked to the one before.
    racing_publishes_of_different_rounds_chain_in_turn,
    |store, db| async move {
        let reports = round_q4(&*store).await;
        accept(&*store, &reports[0], "四季度进展").await;
        let m10 = period("2023M10");
        store
            .open_round(GOV, m10, date("2099-01-10"), "user:office")
            .await
            .unwrap();
        let m10_reports = store.reports(GOV, m10).await.unwrap();
        accept(&*store, &m10_reports[1], "十月进展").await;
        let mut corrected = heze();
        corrected.targets[2].entries[0].progress = "更正".into();

        let other = db.reopen().await;
        let (a, b, c) = (store.clone(), other.clone(), other.clone());
        let q4_task =
            tokio::spawn(async move { a.publish(GOV, period("2023Q4"), "user:a").await.unwrap() });
        let m10_task = tokio::spawn(async move { b.publish(GOV, m10, "user:b").await.unwrap() });
        let import_task = tokio::spawn(async move {
            c.import_table(&corrected, "user:c")
                .await
                .unwrap()
                .published
                .unwrap()
        });
        let mut made = vec![
            q4_task.await.unwrap(),
            m10_task.await.unwrap(),
            import_task.await.unwrap(),
        ];
        assert_eq!(
            db.i64s("SELECT chain_position FROM publications ORDER BY chain_position")
                .await,
            [0, 1, 2, 3]
        );
        // The three new ones link one after the other, in some order, after the first.
        let first = store
            .publications_of(GOV, period("2023Q3"))
            .await
            .unwrap()
            .pop()
            .unwrap();
        let mut previous = Some(first.sha256);
        while !made.is_empty() {
            let next = made
                .iter()
                .position(|p| p.previous_sha256 == previous)
                .unwrap_or_else(|| panic!("nothing links to {previous:?}: {made:?}"));
            previous = Some(made.remove(next).sha256);
        }
        let report = store.verify().await.unwrap();
        assert_eq!((report.checked, report.problems), (4, Vec::<String>::new()));
        assert_eq!(store.published().await.unwrap().len(), 3);
        other.close().await;
    }
);

contract!(
    /// A report submitted after the round's due date is marked late.
    submissions_after_the_due_date_are_late,
    |store, _db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let m10 = period("2023M10");
        store
            .open_round(GOV, m10, date("2023-11-05"), "user:office")
            .await
            .unwrap();
        let base = store.reports(GOV, m10).await.unwrap().remove(0);
        // The round before M10 is Q3: its accepted text is offered.
        assert_eq!(
            base.previous_progress.as_deref(),
            Some(heze().targets[0].entries[0].progress.as_str())
        );
        store
            .save_report(&base, &edit("迟交", None), "user:clerk")
            .await
            .unwrap();
        let submitted = store.submit_report(base.id, "user:clerk").await.unwrap();
        assert!(submitted.late);
        assert_eq!(store.report(base.id).await.unwrap().unwrap(), submitted);
        assert_eq!(
            trail(&*store, "report:2023M10/1/0").await[0].after.as_ref().unwrap()["late"],
            true
        );
    }
);

contract!(
    /// What is not there is `NotFound` (or `None` where the signature says "if any").
    missing_rounds_and_reports_are_not_found,
    |store, _db| async move {
        let q1 = period("2023Q1");
        // No plan for the year yet.
        assert_not_found(
            store
                .open_round(GOV, q1, date("2099-01-01"), "user:office")
                .await,
        );
        store.import_table(&heze(), "test").await.unwrap();
        assert_not_found(
            store
                .open_round(GOV, period("2024Q1"), date("2099-01-01"), "user:office")
                .await,
        );
        assert_not_found(store.reports(GOV, q1).await);
        assert_not_found(store.close_round(GOV, q1, "user:office").await);
        assert_not_found(store.publish(GOV, q1, "user:office").await);
        assert_eq!(store.round(GOV, q1).await.unwrap(), None);
        assert_eq!(store.report(987_654).await.unwrap(), None);
        assert_not_found(store.submit_report(987_654, "user:clerk").await);
        assert_not_found(
            store
                .review_report(987_654, &Review::Accept, "user:reviewer")
                .await,
        );
        assert!(store.comments(&[987_654]).await.unwrap().is_empty());
        // Nothing of that was audited.
        let audit = store.audit(1000).await.unwrap();
        assert!(
            audit
                .iter()
                .all(|a| a.actor == "test"),
            "{:?}",
            actions(&audit)
        );
    }
);

contract!(
    /// Reopening a published round for corrections (issue #15): a returned report is corrected
    /// and accepted, and publishing again supersedes the publication, which keeps its place in
    /// the chain. Only a published round reopens; a reopened round with no correction goes
    /// back to published with no new publication.
    a_published_round_reopens_for_corrections,
    |store, _db| async move {
        let q4 = period("2023Q4");
        let reports = round_q4(&*store).await;
        accept(&*store, &reports[0], "第一项已完成").await;
        // Returned before publication: it goes public as not reported.
        let r1 = store
            .save_report(&reports[1], &edit("初稿", None), "user:clerk")
            .await
            .unwrap();
        store.submit_report(r1.id, "user:clerk").await.unwrap();
        let reason = ReturnReason::parse("请补充数据").unwrap();
        store
            .review_report(r1.id, &Review::Return { reason }, "user:reviewer")
            .await
            .unwrap();
        assert_conflict(
            store.reopen_round(GOV, q4, "user:office").await,
            "wrong_round_state",
        );
        let first = store.publish(GOV, q4, "user:office").await.unwrap();
        let returned = store.report(r1.id).await.unwrap().unwrap();
        assert_conflict(
            store
                .save_report(&returned, &edit("更正", None), "user:clerk")
                .await,
            "wrong_round_state",
        );

        let reopened = store.reopen_round(GOV, q4, "user:office").await.unwrap();
        assert_eq!(reopened.state, RoundState::Open);
        assert_conflict(
            store.reopen_round(GOV, q4, "user:office").await,
            "wrong_round_state",
        );
        let records = trail(&*store, "round:2023Q4").await;
        let reopen = records.iter().find(|r| r.action == "round.reopen").unwrap();
        assert_eq!(reopen.actor, "user:office");
        assert_eq!(
            (&reopen.before, &reopen.after),
            (
                &Some(serde_json::json!({"state": "published"})),
                &Some(serde_json::json!({"state": "open"}))
            )
        );

        // The unit corrects the returned report, the reviewer accepts, the office publishes.
        accept(&*store, &returned, "已补充：全年完成").await;
        let correction = store.publish(GOV, q4, "user:office").await.unwrap();
        assert_eq!(correction.supersedes.as_deref(), Some(first.sha256.as_str()));
        assert_eq!(
            correction.previous_sha256.as_deref(),
            Some(first.sha256.as_str())
        );
        let first_again = store.publication(&first.sha256).await.unwrap().unwrap();
        assert!(first_again.summary.superseded);
        assert!(!first_again.content.contains("已补充：全年完成"));
        let latest = store.latest_publication(GOV, q4).await.unwrap().unwrap();
        assert!(latest.content.contains("已补充：全年完成"));
        assert!(store.verify().await.unwrap().problems.is_empty());

        // Reopened and published with nothing corrected: published again, no new publication.
        store.reopen_round(GOV, q4, "user:office").await.unwrap();
        let same = store.publish(GOV, q4, "user:office").await.unwrap();
        assert_eq!(same, store.publications_of(GOV, q4).await.unwrap()[0]);
        assert_eq!(store.publications_of(GOV, q4).await.unwrap().len(), 2);
        assert_eq!(
            store.round(GOV, q4).await.unwrap().unwrap().state,
            RoundState::Published
        );
        let records = trail(&*store, "round:2023Q4").await;
        let actions = actions(&records);
        assert!(
            actions.contains(&"round.republish_unchanged"),
            "{actions:?}"
        );
    }
);

contract!(
    /// A round collected here freezes each entry's timeliness into its publication (when the
    /// unit last submitted, whether late, how many times it was returned); an imported table
    /// carries none, so its bytes and hash stay as before.
    publications_freeze_timeliness,
    |store, _db| async move {
        let reports = round_q4(&*store).await;
        let (a, b) = (&reports[0], &reports[1]);
        let returned = Review::Return {
            reason: ReturnReason::parse("请补充数据").unwrap(),
        };
        // a: returned twice, then accepted on time.
        let mut version = a.version;
        for _ in 0..2 {
            let saved = store
                .save_report(&store.report(a.id).await.unwrap().unwrap(), &edit("推进中", Some(version)), "user:clerk")
                .await
                .unwrap();
            store.submit_report(saved.id, "user:clerk").await.unwrap();
            version = store.review_report(a.id, &returned, "user:reviewer").await.unwrap().version;
        }
        let again = store.report(a.id).await.unwrap().unwrap();
        accept(&*store, &again, "已完成").await;
        // b: never submitted.
        let _ = b;
        store.close_round(GOV, period("2023Q4"), "user:office").await.unwrap();
        let published = store.publish(GOV, period("2023Q4"), "user:office").await.unwrap();
        let p = store.publication(&published.sha256).await.unwrap().unwrap();
        let table: duban_core::Table = serde_json::from_str(&p.content).unwrap();
        let entry = |r: &ReportView| {
            let t = table.targets.iter().find(|t| t.no.get() == r.target_no).unwrap();
            t.entries[usize::try_from(r.entry).unwrap()].clone()
        };
        let ta = entry(a).timeliness.expect("a round collected here says how reports came in");
        assert!(ta.submitted_at.is_some());
        assert!(!ta.late);
        assert_eq!(ta.returned, 2);
        let tb = entry(b).timeliness.unwrap();
        assert_eq!((tb.submitted_at, tb.late, tb.returned), (None, false, 0));
        assert!(p.content.contains("\"timeliness\""));

        // The imported third quarter has none.
        let q3 = store.publications_of(GOV, period("2023Q3")).await.unwrap().remove(0);
        let q3 = store.publication(&q3.sha256).await.unwrap().unwrap();
        assert!(!q3.content.contains("timeliness"));
    }
);
