//! 群众监督 messages: held until the office decides, decided once, counted per address, audited
//! without the sender's contact, and never reaching another government's targets.

use crate::common::*;
use duban_core::text::{MessageBody, MessageContact, MessageName, MessageReply};

fn message(body: &str, address: &str) -> NewMessage {
    NewMessage {
        body: MessageBody::parse(body).unwrap(),
        name: Some(MessageName::parse("王先生").unwrap()),
        contact: Some(MessageContact::parse("13800000000").unwrap()),
        address: address.into(),
    }
}

fn on_target(government: &str, no: u32, state: Option<MessageState>) -> MessageFilter {
    MessageFilter {
        government: Some(government.into()),
        state,
        target: Some((2023, no)),
        limit: 100,
    }
}

contract!(
    /// A message waits, is published once with a reply, and carries its target's people.
    messages_wait_for_the_office,
    |store, _db| async move {
        store.import_table(&heze(), "test").await.unwrap();
        let m = store
            .add_message(GOV, 2023, 39, &message("储备粮进度偏慢，请说明", "10.0.0.1"), "public:10.0.0.1")
            .await
            .unwrap();
        assert_eq!(m.state, MessageState::Pending);
        assert_eq!((m.year, m.target_no), (2023, 39));
        assert_eq!(m.contact.as_deref(), Some("13800000000"));
        assert_eq!(
            m.units.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
            ["市发展改革委", "华瑞集团"]
        );
        assert_eq!(m.leaders.iter().map(|l| l.as_str()).collect::<Vec<_>>(), ["聂元科"]);

        // No such target, no such government: nothing held.
        assert_not_found(store.add_message(GOV, 2023, 999, &message("x", "10.0.0.1"), "public").await);
        assert_not_found(store.add_message(GOV, 2022, 39, &message("x", "10.0.0.1"), "public").await);
        assert_not_found(
            store
                .add_message("郓城县人民政府", 2023, 39, &message("x", "10.0.0.1"), "public")
                .await,
        );
        assert_invalid(store.add_message(GOV, 2023, 39, &message("  ", "10.0.0.1"), "public").await);

        // Only pending ones until decided.
        let published = on_target(GOV, 39, Some(MessageState::Published));
        assert!(store.messages(&published).await.unwrap().is_empty());
        let pending = store
            .messages(&on_target(GOV, 39, Some(MessageState::Pending)))
            .await
            .unwrap();
        assert_eq!(pending, std::slice::from_ref(&m));

        let reply = MessageReply::parse("已转市发展改革委，四季度完成轮换。").unwrap();
        let decided = store
            .decide_message(m.id, &MessageDecision::Publish { reply: Some(reply.clone()) }, "user:office")
            .await
            .unwrap();
        assert_eq!(decided.state, MessageState::Published);
        assert_eq!(decided.reply.as_deref(), Some(reply.as_str()));
        assert!(decided.decided_at.is_some());
        assert_eq!(
            store.messages(&published).await.unwrap(),
            std::slice::from_ref(&decided)
        );
        // Decided once: a second decision, either way, is refused and changes nothing.
        assert_conflict(
            store
                .decide_message(m.id, &MessageDecision::Reject { note: reply.clone() }, "user:office")
                .await,
            "not_pending",
        );
        assert_eq!(store.messages(&published).await.unwrap(), [decided]);
        assert_not_found(
            store
                .decide_message(9999, &MessageDecision::Publish { reply: None }, "user:office")
                .await,
        );

        // A rejection needs its reason, and keeps the message from the published list.
        let other = store
            .add_message(GOV, 2023, 39, &message("广告", "10.0.0.2"), "public:10.0.0.2")
            .await
            .unwrap();
        assert_invalid(
            store
                .decide_message(other.id, &MessageDecision::Reject { note: MessageReply::parse(" ").unwrap() }, "user:office")
                .await,
        );
        let rejected = store
            .decide_message(other.id, &MessageDecision::Reject { note: MessageReply::parse("广告").unwrap() }, "user:office")
            .await
            .unwrap();
        assert_eq!((rejected.state, rejected.note.as_deref()), (MessageState::Rejected, Some("广告")));
        assert_eq!(store.messages(&published).await.unwrap().len(), 1);
        let all = MessageFilter { limit: 100, ..Default::default() };
        assert_eq!(
            store.messages(&all).await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(),
            [other.id, m.id],
            "newest first"
        );

        // Audited, without the contact.
        let created = trail(&*store, "target:2023/39").await;
        assert_eq!(actions(&created), ["message.create", "message.create"]);
        let decisions = trail(&*store, &format!("message:{}", m.id)).await;
        assert_eq!(actions(&decisions), ["message.publish"]);
        for r in created.iter().chain(&decisions) {
            assert_eq!(r.government.as_deref(), Some(GOV));
            assert!(!format!("{:?}", r.after).contains("13800000000"), "{r:?}");
        }

        // Counted per address, from a time on.
        assert_eq!(store.messages_from("10.0.0.1", "2000-01-01T00:00:00.000Z").await.unwrap(), 1);
        assert_eq!(store.messages_from("10.0.0.9", "2000-01-01T00:00:00.000Z").await.unwrap(), 0);
        assert_eq!(store.messages_from("10.0.0.1", "2999-01-01T00:00:00.000Z").await.unwrap(), 0);
    }
);
