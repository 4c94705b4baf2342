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
    }
);

async fn trail_of_target(store: &dyn Store, at: &str) -> duban_store::AuditRecord {
    trail(store, &format!("target:{GOV}/{at}"))
        .await
        .into_iter()
        .find(|r| r.action == "target.create")
        .unwrap()
}
