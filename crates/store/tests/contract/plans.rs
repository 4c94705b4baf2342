//! Plans across years: the next year's plan made from this year's targets.

use crate::common::*;

contract!(
    /// 长期坚持 targets carry over to the next year with their entries, leaders, units and
    /// groups, renumbered from 1 and linked to where they came from; a round of the new year
    /// collects from the same units; a second rollover into a plan that has targets is refused.
    the_next_years_plan_starts_from_this_years_ongoing_targets,
    |store, db| async move {
        let heze = heze();
        store.import_table(&heze, "test").await.unwrap();
        let ongoing: Vec<u32> = store
            .plan_targets(GOV, 2023)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.deadline == "长期坚持")
            .map(|t| u32::try_from(t.no).unwrap())
            .collect();
        assert!(ongoing.len() >= 2, "{ongoing:?}");
        let out = store
            .rollover(GOV, 2023, 2024, &ongoing, "user:office")
            .await
            .unwrap();
        assert_eq!(out.targets.len(), ongoing.len());
        assert_eq!(out.targets[0], (ongoing[0], 1));

        let new = store.plan_targets(GOV, 2024).await.unwrap();
        assert_eq!(new.len(), ongoing.len());
        assert_eq!(store.plan_years(GOV).await.unwrap(), [2024, 2023]);
        assert!(store.plan_years("某市").await.unwrap().is_empty());
        let first_old = heze
            .targets
            .iter()
            .find(|t| t.no.get() == ongoing[0])
            .unwrap();
        assert_eq!(
            (new[0].no, new[0].content.as_str(), new[0].deadline.as_str()),
            (1, first_old.content.as_str(), "长期坚持")
        );
        assert_eq!(
            new[0].lead_unit.as_deref(),
            Some(first_old.entries[0].units[0].as_str())
        );
        let old = store.plan_targets(GOV, 2023).await.unwrap();
        assert_eq!(
            old.iter().filter(|t| t.rolled_over).count(),
            ongoing.len(),
            "each carried target knows it was"
        );

        // A 2024 round asks the same units, leaders included.
        store
            .open_round(GOV, period("2024Q1"), date("2099-04-10"), "user:office")
            .await
            .unwrap();
        let reports = store.reports(GOV, period("2024Q1")).await.unwrap();
        assert!(reports.len() >= new.len(), "an entry's report each");
        assert_eq!(reports[0].units, first_old.entries[0].units);
        assert_eq!(reports[0].leaders.as_slice(), first_old.entries[0].leaders());

        // Once the plan has targets, another rollover would duplicate them.
        assert_conflict(
            store.rollover(GOV, 2023, 2024, &ongoing, "user:office").await,
            "plan_not_empty",
        );
        assert_invalid(store.rollover(GOV, 2023, 2023, &ongoing, "x").await);
        assert_invalid(store.rollover(GOV, 2023, 2025, &[], "x").await);
        assert_not_found(store.rollover(GOV, 2022, 2025, &[1], "x").await);
        assert_not_found(store.rollover(GOV, 2023, 2025, &[999], "x").await);
        assert_eq!(
            store.plan_targets(GOV, 2025).await.unwrap(),
            vec![],
            "a refused rollover leaves nothing"
        );

        let trail = trail(&*store, &format!("plan:{GOV}/2024")).await;
        assert_eq!(trail[0].action, "plan.rollover");
        let created = trail_of_target(&*store, "2024/1").await;
        assert_eq!(
            created.after.unwrap()["predecessor"],
            format!("target:{GOV}/2023/{}", ongoing[0])
        );
        assert!(db.count("targets").await >= 39 + ongoing.len() as i64);
        let no = |n: u32| duban_core::TargetNo::new(n).unwrap();
        let from = store.lineage(GOV, 2023, no(ongoing[0])).await.unwrap();
        assert_eq!(from.predecessor, None);
        assert_eq!(
            from.successors,
            [duban_store::PlanRef { year: 2024, no: no(1) }]
        );
        let to = store.lineage(GOV, 2024, no(1)).await.unwrap();
        assert_eq!(
            to.predecessor,
            Some(duban_store::PlanRef { year: 2023, no: no(ongoing[0]) })
        );
        // A retired successor is no longer one.
        store.retire_target(GOV, 2024, no(1), "user:office").await.unwrap();
        assert!(store.lineage(GOV, 2023, no(ongoing[0])).await.unwrap().successors.is_empty());
    }
);

async fn trail_of_target(store: &dyn Store, at: &str) -> duban_store::AuditRecord {
    trail(store, &format!("target:{GOV}/{at}"))
        .await
        .into_iter()
        .find(|r| r.action == "target.create")
        .unwrap()
}

fn draft(json: serde_json::Value) -> duban_core::TargetDraft {
    serde_json::from_value(json).unwrap()
}

fn no(n: u32) -> duban_core::TargetNo {
    duban_core::TargetNo::new(n).unwrap()
}

/// The table JSON of a period's newest publication.
async fn published(store: &dyn Store, p: &str) -> serde_json::Value {
    let p = store
        .latest_publication(GOV, period(p))
        .await
        .unwrap()
        .unwrap();
    serde_json::from_str(&p.content).unwrap()
}

fn target_in(table: &serde_json::Value, n: u32) -> Option<&serde_json::Value> {
    table["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["no"] == n)
}

contract!(
    /// The office adds a target, rewrites one (new lead unit, a second entry) and retires a
    /// third while 2023Q4 is open: the open round follows at once (the new unit's report, a
    /// report for each new entry, none for the retired target), every change is audited with
    /// before and after, 2023Q3's publication stays as it was, and 2023Q4 publishes the plan as
    /// edited. Refusals name the field and leave nothing behind.
    the_office_edits_a_plan_and_only_the_next_publication_shows_it,
    |store, db| async move {
        let reports = round_q4(&*store).await;
        let q3_before = store.latest_sha256(GOV, period("2023Q3")).await.unwrap();
        let plan = store.plan(GOV, 2023).await.unwrap();
        let heze = heze();
        assert_eq!(plan.len(), heze.targets.len());
        assert_eq!(plan[0].content, heze.targets[0].content);
        assert_eq!(plan[0].entries[0].units, heze.targets[0].entries[0].units);
        let highest = plan.iter().map(|t| t.no.get()).max().unwrap();

        // Add: the next number, and a report in the open round at once.
        let added = store
            .add_target(
                GOV,
                2023,
                &draft(serde_json::json!({
                    "content": "新建城市书房10处",
                    "deadline": "11月底",
                    "group": ["一、民生实事"],
                    "entries": [{"units": ["市文化和旅游局"], "leaders": ["李春英"],
                                 "assisting_units": ["市财政局"]}]
                })),
                "user:office",
            )
            .await
            .unwrap();
        assert_eq!(added.no.get(), highest + 1);
        assert_eq!(added.deadline, "2023-11-30");
        let q4 = store.reports(GOV, period("2023Q4")).await.unwrap();
        let new_report = q4.iter().find(|r| r.target_no == highest + 1).unwrap();
        assert_eq!(new_report.units[0].as_str(), "市文化和旅游局");
        assert_eq!(new_report.state, ReportState::Draft);
        assert_eq!(q4.len(), reports.len() + 1);

        // Rewrite target 1: a new lead unit and a second entry. Its open report follows.
        let one = &plan[0];
        let old_lead = one.entries[0].units[0].clone();
        let mut rewritten = serde_json::to_value(one).unwrap();
        rewritten["entries"][0]["units"] = serde_json::json!(["市大数据局"]);
        rewritten["entries"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"units": ["市审计局"], "leaders": []}));
        rewritten.as_object_mut().unwrap().remove("no");
        let edited = store
            .edit_target(GOV, 2023, no(1), &draft(rewritten.clone()), "user:office")
            .await
            .unwrap();
        assert_eq!(edited.entries.len(), one.entries.len() + 1);
        let q4 = store.reports(GOV, period("2023Q4")).await.unwrap();
        let of_one: Vec<_> = q4.iter().filter(|r| r.target_no == 1).collect();
        assert_eq!(of_one.len(), one.entries.len() + 1, "a report for the new entry");
        assert_eq!(of_one[0].units[0].as_str(), "市大数据局", "the report follows its entry");
        assert_eq!(of_one[0].id, reports[0].id, "the same report, not a new one");
        let update = trail(&*store, &format!("target:{GOV}/2023/1")).await;
        assert_eq!(update[0].action, "target.update");
        assert_eq!(
            update[0].before.as_ref().unwrap()["entries"][0]["units"][0],
            old_lead.as_str()
        );
        assert_eq!(update[0].after.as_ref().unwrap()["entries"][0]["units"][0], "市大数据局");

        // The same draft again changes nothing and records nothing.
        store
            .edit_target(GOV, 2023, no(1), &draft(rewritten), "user:office")
            .await
            .unwrap();
        assert_eq!(trail(&*store, &format!("target:{GOV}/2023/1")).await.len(), update.len());

        // Retire target 2 after its unit wrote a draft: the draft is withdrawn, and kept in the
        // audit record.
        let two = q4.iter().find(|r| r.target_no == 2).unwrap();
        store
            .save_report(two, &edit("已完成年度任务的80%", Some(two.version)), "user:clerk")
            .await
            .unwrap();
        let retired = store.retire_target(GOV, 2023, no(2), "user:office").await.unwrap();
        assert!(retired.retired_at.is_some());
        let q4 = store.reports(GOV, period("2023Q4")).await.unwrap();
        assert!(q4.iter().all(|r| r.target_no != 2), "no report for a retired target");
        let retire = &trail(&*store, &format!("target:{GOV}/2023/2")).await[0];
        assert_eq!(retire.action, "target.retire");
        assert_eq!(
            retire.before.as_ref().unwrap()["withdrawn_reports"][0]["progress"],
            "已完成年度任务的80%"
        );
        assert_conflict(store.retire_target(GOV, 2023, no(2), "x").await, "target_retired");
        assert_conflict(
            store
                .edit_target(GOV, 2023, no(2), &draft(serde_json::json!({"content": "x", "entries": [{"units": ["甲"]}]})), "x")
                .await,
            "target_retired",
        );
        assert!(
            store.plan_targets(GOV, 2023).await.unwrap().iter().all(|t| t.no != 2),
            "a retired target is not offered for next year"
        );

        // Refusals, each leaving the plan as it was.
        let targets_before = db.count("targets").await;
        let audit_before = store.audit(10_000).await.unwrap().len();
        assert_invalid(
            store
                .add_target(GOV, 2023, &draft(serde_json::json!({"content": " ", "entries": [{"units": ["甲"]}]})), "x")
                .await,
        );
        assert_invalid(
            store
                .add_target(GOV, 2023, &draft(serde_json::json!({"content": "x", "deadline": "明年", "entries": [{"units": ["甲"]}]})), "x")
                .await,
        );
        assert_conflict(
            store
                .add_target(GOV, 2023, &draft(serde_json::json!({"no": 2, "content": "x", "entries": [{"units": ["甲"]}]})), "x")
                .await,
            "target_exists",
        );
        assert_invalid(
            store
                .edit_target(GOV, 2023, no(3), &draft(serde_json::json!({"no": 4, "content": "x", "entries": [{"units": ["甲"]}]})), "x")
                .await,
        );
        assert_not_found(
            store
                .edit_target(GOV, 2023, no(999), &draft(serde_json::json!({"content": "x", "entries": [{"units": ["甲"]}]})), "x")
                .await,
        );
        assert_eq!(db.count("targets").await, targets_before);
        assert_eq!(store.audit(10_000).await.unwrap().len(), audit_before);

        // 2023Q3 was published before the edits and stays so; 2023Q4 shows them.
        for r in store.reports(GOV, period("2023Q4")).await.unwrap() {
            accept(&*store, &r, "按计划推进").await;
        }
        store.publish(GOV, period("2023Q4"), "user:office").await.unwrap();
        assert_eq!(store.latest_sha256(GOV, period("2023Q3")).await.unwrap(), q3_before);
        let q3 = published(&*store, "2023Q3").await;
        assert!(target_in(&q3, 2).is_some() && target_in(&q3, highest + 1).is_none());
        assert_ne!(target_in(&q3, 1).unwrap()["entries"][0]["units"][0], "市大数据局");
        let q4 = published(&*store, "2023Q4").await;
        assert!(target_in(&q4, 2).is_none(), "the retired target is gone");
        let new = target_in(&q4, highest + 1).unwrap();
        assert_eq!(new["group"], serde_json::json!(["一、民生实事"]));
        assert_eq!(new["entries"][0]["assisting_units"], serde_json::json!(["市财政局"]));
        let one = target_in(&q4, 1).unwrap();
        assert_eq!(one["entries"][0]["units"][0], "市大数据局");
        assert_eq!(one["entries"].as_array().unwrap().len(), edited.entries.len());

        // A round opened later asks nothing of the retired target.
        store
            .open_round(GOV, period("2023M12"), date("2099-01-10"), "user:office")
            .await
            .unwrap();
        let m12 = store.reports(GOV, period("2023M12")).await.unwrap();
        assert!(m12.iter().all(|r| r.target_no != 2));
        assert!(m12.iter().any(|r| r.target_no == highest + 1));
    }
);

contract!(
    /// A plan can start from nothing: the first target added makes the year's plan, and a
    /// round of that year collects from it.
    a_plan_starts_from_its_first_target,
    |store, _db| async move {
        assert!(store.plan(GOV, 2030).await.unwrap().is_empty());
        assert!(store.plan_years(GOV).await.unwrap().is_empty());
        let t = store
            .add_target(
                GOV,
                2030,
                &draft(serde_json::json!({"content": "完成老旧小区改造50个", "deadline": "年底",
                                          "entries": [{"units": ["市住房城乡建设局"]}]})),
                "user:office",
            )
            .await
            .unwrap();
        assert_eq!((t.no.get(), t.deadline.as_str()), (1, "年底"));
        // The year is a plan's year now, with no round opened yet.
        assert_eq!(store.plan_years(GOV).await.unwrap(), [2030]);
        store
            .open_round(GOV, period("2030Q1"), date("2099-04-10"), "user:office")
            .await
            .unwrap();
        let reports = store.reports(GOV, period("2030Q1")).await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].units[0].as_str(), "市住房城乡建设局");
    }
);

contract!(
    /// A retirement undone: the target and the entries retired with it are live again and
    /// asked for in the rounds still collecting, the one opened while it was retired too; an
    /// entry dropped before stays dropped; the withdrawn draft is not brought back.
    a_retired_target_is_restored_with_the_entries_retired_with_it,
    |store, _db| async move {
        round_q4(&*store).await;
        let t = store
            .add_target(
                GOV,
                2023,
                &draft(serde_json::json!({"content": "新建城市书房10处", "deadline": "年底",
                    "entries": [{"units": ["市文化和旅游局"]}, {"units": ["市财政局"]},
                                {"units": ["市审计局"]}]})),
                "user:office",
            )
            .await
            .unwrap();
        let n = t.no;
        // The third entry is dropped by an edit first.
        let mut two = serde_json::to_value(&t).unwrap();
        two["entries"].as_array_mut().unwrap().truncate(2);
        two.as_object_mut().unwrap().remove("no");
        store.edit_target(GOV, 2023, n, &draft(two), "user:office").await.unwrap();
        // No pause: the entries retired with the target are marked so, not told apart by
        // the moment, which the edit and the retirement may share.
        let q4 = store.reports(GOV, period("2023Q4")).await.unwrap();
        let first = q4.iter().find(|r| r.target_no == n.get()).unwrap();
        store
            .save_report(first, &edit("已选址6处", Some(first.version)), "user:clerk")
            .await
            .unwrap();
        assert_conflict(store.restore_target(GOV, 2023, n, "x").await, "target_not_retired");
        store.retire_target(GOV, 2023, n, "user:office").await.unwrap();
        store
            .open_round(GOV, period("2023M12"), date("2099-01-10"), "user:office")
            .await
            .unwrap();

        let back = store.restore_target(GOV, 2023, n, "user:office").await.unwrap();
        assert!(back.retired_at.is_none());
        assert_eq!(back.entries.len(), 2, "the dropped entry stays dropped");
        assert_eq!(back.entries[1].units[0].as_str(), "市财政局");
        for p in ["2023Q4", "2023M12"] {
            let of_n: Vec<_> = store
                .reports(GOV, period(p))
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.target_no == n.get())
                .collect();
            assert_eq!(of_n.len(), 2, "{p}: a report for each live entry");
            assert!(
                of_n.iter().all(|r| r.state == ReportState::Draft && r.progress.is_empty()),
                "{p}: fresh drafts: {of_n:?}"
            );
        }
        assert!(store.plan_targets(GOV, 2023).await.unwrap().iter().any(|t| t.no == i64::from(n.get())));
        let record = &trail(&*store, &format!("target:{GOV}/2023/{n}")).await[0];
        assert_eq!(record.action, "target.restore");
        assert!(record.before.as_ref().unwrap()["retired_at"].is_string());
        assert_conflict(store.restore_target(GOV, 2023, n, "x").await, "target_not_retired");
        assert_not_found(store.restore_target(GOV, 2023, no(999), "x").await);
    }
);
