//! Leaders' comments on reports.

use crate::common::*;
use duban_core::text::CommentBody;

fn body(text: &str) -> CommentBody {
    CommentBody::parse(text).unwrap()
}

contract!(
    /// Comments are kept as written (trimmed), with their author, oldest first per report.
    comments_on_reports,
    |store, _db| async move {
        let reports = round_q4(&*store).await;
        let li = new_user("li", Role::Leader, &[], Some("李春英"));
        let li = store.add_user(&li, "cli").await.unwrap();
        let office = new_user("office", Role::Admin, &[], None);
        let office = store.add_user(&office, "cli").await.unwrap();
        let (r0, r1, r2) = (reports[0].id, reports[1].id, reports[2].id);

        let first = store
            .add_comment(r0, &body("  请加快进度 \n"), li, "user:li")
            .await
            .unwrap();
        assert_eq!(
            (
                first.report_id,
                first.author.as_str(),
                first.leader.as_deref(),
                first.body.as_str()
            ),
            (r0, "li", Some("李春英"), "请加快进度")
        );
        assert!(first.at.parse::<jiff::Timestamp>().is_ok());
        let second = store
            .add_comment(r1, &body("已阅"), office, "user:office")
            .await
            .unwrap();
        assert_eq!((second.author.as_str(), second.leader.as_deref()), ("office", None));
        let third = store
            .add_comment(r0, &body("数据要核实"), li, "user:li")
            .await
            .unwrap();
        assert!(first.id != second.id && second.id != third.id);

        assert_invalid(store.add_comment(r0, &body("   "), li, "user:li").await);
        assert_not_found(
            store
                .add_comment(987_654, &body("找不到"), li, "user:li")
                .await,
        );

        assert_eq!(
            store.comments(&[r0]).await.unwrap(),
            [first.clone(), third.clone()]
        );
        assert_eq!(
            store.comments(&[r2, r1, r0]).await.unwrap(),
            [first.clone(), second.clone(), third.clone()]
        );
        assert!(store.comments(&[r2]).await.unwrap().is_empty());
        assert!(store.comments(&[]).await.unwrap().is_empty());

        let audited = trail(&*store, &subject(&reports[0])).await;
        assert_eq!(actions(&audited), ["comment.add", "comment.add"]);
        assert_eq!(audited[1].actor, "user:li");
        assert_eq!(
            audited[1].after,
            Some(serde_json::json!({"comment": first.id, "body": "请加快进度"}))
        );
    }
);
