//! Reading the audit log.

use crate::common::*;

fn filter(actor: &str, action: &str, subject: &str) -> AuditFilter {
    AuditFilter {
        actor: actor.into(),
        action: action.into(),
        subject: subject.into(),
        ..AuditFilter::default()
    }
}

contract!(
    /// Newest first, limited, filtered by substrings taken literally (`%` and `_` too).
    audit_records_are_filtered_by_literal_substrings,
    |store, _db| async move {
        for (name, actor) in [("a_b", "cli"), ("axb", "user:office"), ("100%", "cli")] {
            store
                .add_user(&new_user(name, Role::Reviewer, &[], None), actor)
                .await
                .unwrap();
        }
        store
            .record_login_failure("axb", "192.0.2.1")
            .await
            .unwrap();

        let all = store.audit(100).await.unwrap();
        assert_eq!(
            all.iter()
                .map(|r| (r.action.as_str(), r.subject.as_str()))
                .collect::<Vec<_>>(),
            [
                ("login_failed", "user:axb"),
                ("user.create", "user:100%"),
                ("user.create", "user:axb"),
                ("user.create", "user:a_b"),
            ]
        );
        for r in &all {
            assert_eq!(r.at.len(), 24, "{}", r.at);
            assert!(r.at.ends_with('Z'), "{}", r.at);
            r.at.parse::<jiff::Timestamp>().unwrap();
        }
        assert!(all.windows(2).all(|w| w[0].at >= w[1].at));
        assert_eq!(store.audit(2).await.unwrap(), all[..2]);
        assert!(store.audit(0).await.unwrap().is_empty());

        let subjects = |records: Vec<duban_store::AuditRecord>| -> Vec<String> {
            records.into_iter().map(|r| r.subject).collect()
        };
        let find = |f: AuditFilter, limit: u32| {
            let store = store.clone();
            async move { subjects(store.audit_filtered(&f, limit).await.unwrap()) }
        };
        assert_eq!(find(filter("", "", "a_b"), 100).await, ["user:a_b"]);
        assert_eq!(find(filter("", "", "_"), 100).await, ["user:a_b"]);
        assert_eq!(find(filter("", "", "%"), 100).await, ["user:100%"]);
        assert_eq!(
            find(filter("office", "", ""), 100).await,
            ["user:axb"]
        );
        assert_eq!(
            find(filter("cli", "", ""), 100).await,
            ["user:100%", "user:a_b"]
        );
        assert_eq!(
            find(filter("", "login", ""), 100).await,
            ["user:axb"]
        );
        assert_eq!(
            find(filter("", "user.", ""), 2).await,
            ["user:100%", "user:axb"]
        );
        assert_eq!(find(filter("cli", "user.", "a_b"), 100).await, ["user:a_b"]);
        assert!(find(filter("", "", "USER:"), 100).await.is_empty());
        assert!(find(filter("nobody", "", ""), 100).await.is_empty());
        assert_eq!(
            store
                .audit_filtered(&AuditFilter::default(), 100)
                .await
                .unwrap(),
            all
        );
        let failed = store
            .audit_filtered(&filter("address:", "", ""), 100)
            .await
            .unwrap();
        assert_eq!(
            failed[0].after,
            Some(serde_json::json!({"address": "192.0.2.1"}))
        );
        assert_eq!(failed[0].before, None);
    }
);

contract!(
    /// By day as people in China count them: a record made now is in today's, not in
    /// yesterday's or tomorrow's; a day that is not a date is refused, naming the field.
    audit_records_are_filtered_by_day,
    |store, _db| async move {
        store
            .add_user(&new_user("clerk", Role::Reviewer, &[], None), "cli")
            .await
            .unwrap();
        let today = duban_core::time::date_in_china(jiff::Timestamp::now());
        let on = |from: String, to: String| AuditFilter {
            action: "user.create".into(),
            from,
            to,
            ..AuditFilter::default()
        };
        let count = |f: AuditFilter| {
            let store = store.clone();
            async move { store.audit_filtered(&f, 10).await.unwrap().len() }
        };
        let (yesterday, tomorrow) = (
            today.yesterday().unwrap().to_string(),
            today.tomorrow().unwrap().to_string(),
        );
        assert_eq!(count(on(today.to_string(), today.to_string())).await, 1);
        assert_eq!(count(on(String::new(), today.to_string())).await, 1);
        assert_eq!(count(on(yesterday.clone(), yesterday)).await, 0);
        assert_eq!(count(on(tomorrow, String::new())).await, 0);
        let bad = store.audit_filtered(&on("昨天".into(), String::new()), 10).await;
        assert!(
            matches!(&bad, Err(StoreError::Invalid(m)) if m.starts_with("from: “昨天”")),
            "{bad:?}"
        );
    }
);
