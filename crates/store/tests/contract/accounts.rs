//! Accounts, tokens and login throttling.

use crate::common::*;
use duban_core::access::Actor;
use duban_core::{Leader, Unit};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

contract!(
    /// Accounts are created once per name, with the rules of their role, and read back as the
    /// policy sees them.
    users_and_their_actors,
    |store, db| async move {
        let office = store
            .add_user(&new_user("office", Role::Admin, &[], None), "cli")
            .await
            .unwrap();
        let clerk = new_user("clerk", Role::Unit, &["市财政局", "市政府办公室"], None);
        let clerk = store.add_user(&clerk, "user:office").await.unwrap();
        let leader = new_user("li", Role::Leader, &[], Some("李春英"));
        let leader = store.add_user(&leader, "user:office").await.unwrap();
        assert!(office != clerk && clerk != leader && office != leader);

        assert_conflict(
            store
                .add_user(&new_user("clerk", Role::Reviewer, &[], None), "user:office")
                .await,
            "user_exists",
        );
        assert_invalid(
            store
                .add_user(&new_user("  ", Role::Admin, &[], None), "user:office")
                .await,
        );
        assert_invalid(
            store
                .add_user(&new_user("u", Role::Unit, &[], None), "user:office")
                .await,
        );
        assert_invalid(
            store
                .add_user(&new_user("l", Role::Leader, &[], None), "user:office")
                .await,
        );
        assert_eq!(db.count("users").await, 3);

        let c = store.credentials("clerk").await.unwrap().unwrap();
        assert_eq!(c.user_id, clerk);
        assert_eq!(
            c.password_hash,
            new_user("clerk", Role::Unit, &[], None).password_hash
        );
        assert!(store.credentials("nobody").await.unwrap().is_none());
        assert!(store.credentials("Clerk").await.unwrap().is_none());

        // Units in code point order (SQLite's, whatever the database's collation).
        assert_eq!(
            store.actor(clerk).await.unwrap(),
            Some(Actor {
                user_id: clerk,
                username: "clerk".into(),
                role: Role::Unit,
                units: vec![
                    Unit::parse("市政府办公室").unwrap(),
                    Unit::parse("市财政局").unwrap()
                ],
                leader: None,
                government: None,
            })
        );
        assert_eq!(
            store.actor(leader).await.unwrap(),
            Some(Actor {
                user_id: leader,
                username: "li".into(),
                role: Role::Leader,
                units: vec![],
                leader: Some(Leader::parse("李春英").unwrap()),
                government: None,
            })
        );
        assert_eq!(
            store.actor(office).await.unwrap().unwrap().role,
            Role::Admin
        );
        assert_eq!(store.actor(987_654).await.unwrap(), None);

        let created = trail(&*store, "user:clerk").await;
        assert_eq!(actions(&created), ["user.create"]);
        assert_eq!(created[0].actor, "user:office");
        assert_eq!(created[0].before, None);
        assert_eq!(
            created[0].after,
            Some(serde_json::json!({
                "role": "unit",
                "units": ["市财政局", "市政府办公室"],
                "leader": null,
                "government": null
            }))
        );
    }
);

contract!(
    /// Session and API tokens: found by hash and kind until they expire or are deleted.
    tokens_are_looked_up_by_hash_and_kind,
    |store, _db| async move {
        let clerk = new_user("clerk", Role::Unit, &["市财政局"], None);
        let clerk = store.add_user(&clerk, "cli").await.unwrap();
        let me = store.actor(clerk).await.unwrap().unwrap();
        let (session, api, expired) = (token("s1"), token("a1"), token("x1"));
        store
            .create_token(clerk, &session, TokenKind::Session, HOUR)
            .await
            .unwrap();
        store
            .create_token(clerk, &api, TokenKind::Api, 30 * 24 * HOUR)
            .await
            .unwrap();
        store
            .create_token(clerk, &expired, TokenKind::Session, Duration::ZERO)
            .await
            .unwrap();

        let found = store
            .actor_by_token(&session, TokenKind::Session)
            .await
            .unwrap();
        assert_eq!(found.as_ref(), Some(&me));
        assert_eq!(
            store.actor_by_token(&api, TokenKind::Api).await.unwrap(),
            Some(me.clone())
        );
        // The kind must match: a session cookie is no bearer token and the other way round.
        assert_eq!(
            store.actor_by_token(&session, TokenKind::Api).await.unwrap(),
            None
        );
        assert_eq!(
            store.actor_by_token(&api, TokenKind::Session).await.unwrap(),
            None
        );
        assert_eq!(
            store
                .actor_by_token(&expired, TokenKind::Session)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .actor_by_token(&token("never"), TokenKind::Session)
                .await
                .unwrap(),
            None
        );
        assert_conflict(
            store
                .create_token(clerk, &session, TokenKind::Session, HOUR)
                .await,
            "exists",
        );
        assert!(
            store
                .create_token(987_654, &token("orphan"), TokenKind::Session, HOUR)
                .await
                .is_err(),
            "a token needs an account"
        );

        store.delete_token(&session).await.unwrap();
        assert_eq!(
            store
                .actor_by_token(&session, TokenKind::Session)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store.actor_by_token(&api, TokenKind::Api).await.unwrap(),
            Some(me)
        );
        // Deleting what is not there is no error (a logout twice).
        store.delete_token(&session).await.unwrap();
        store.delete_token(&token("never")).await.unwrap();
    }
);

contract!(
    /// A new password ends every session and token of the account, and only of that one.
    set_password_ends_the_accounts_tokens,
    |store, db| async move {
        let a = store
            .add_user(&new_user("a", Role::Reviewer, &[], None), "cli")
            .await
            .unwrap();
        let b = store
            .add_user(&new_user("b", Role::Reviewer, &[], None), "cli")
            .await
            .unwrap();
        for (user, secret, kind) in [
            (a, "a-session", TokenKind::Session),
            (a, "a-api", TokenKind::Api),
            (b, "b-session", TokenKind::Session),
        ] {
            store
                .create_token(user, &token(secret), kind, HOUR)
                .await
                .unwrap();
        }
        store
            .set_password(a, "$argon2id$new", "user:office")
            .await
            .unwrap();
        assert_eq!(
            store.credentials("a").await.unwrap().unwrap().password_hash,
            "$argon2id$new"
        );
        for (secret, kind) in [("a-session", TokenKind::Session), ("a-api", TokenKind::Api)] {
            assert_eq!(
                store.actor_by_token(&token(secret), kind).await.unwrap(),
                None,
                "{secret}"
            );
        }
        assert_eq!(
            store
                .actor_by_token(&token("b-session"), TokenKind::Session)
                .await
                .unwrap()
                .map(|actor| actor.user_id),
            Some(b)
        );
        assert_eq!(db.count("tokens").await, 1);

        let changed = trail(&*store, "user:a").await;
        assert_eq!(actions(&changed), ["user.password", "user.create"]);
        assert_eq!(changed[0].actor, "user:office");
        assert_eq!((&changed[0].before, &changed[0].after), (&None, &None));
        assert_not_found(store.set_password(987_654, "$argon2id$x", "user:office").await);
        assert_eq!(
            store.credentials("b").await.unwrap().unwrap().password_hash,
            new_user("b", Role::Reviewer, &[], None).password_hash
        );
    }
);

contract!(
    /// Failed logins are counted by name and by address within a window, for any name (an
    /// account or not), and audited with the address; successful ones are audited too.
    login_failures_are_counted_by_name_and_address,
    |store, db| async move {
        for (name, address) in [
            ("alice", "10.0.0.1"),
            ("alice", "10.0.0.1"),
            ("alice", "10.0.0.1"),
            ("alice", "10.0.0.2"),
            ("bob", "10.0.0.1"),
            ("bob", "10.0.0.1"),
        ] {
            store.record_login_failure(name, address).await.unwrap();
        }
        // One long ago: outside any reasonable window.
        db.must(
            "INSERT INTO login_failures (at, username, address)
             VALUES ('2000-01-01T00:00:00.000Z', 'alice', '10.0.0.1')",
        )
        .await;
        let window = Duration::from_secs(15 * 60);
        let within = |name: &'static str, address: &'static str, window: Duration| {
            let store = store.clone();
            async move {
                store
                    .login_failures_within(name, address, window)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(within("alice", "10.0.0.1", window).await, (4, 5));
        assert_eq!(within("bob", "10.0.0.2", window).await, (2, 1));
        assert_eq!(within("carol", "192.0.2.9", window).await, (0, 0));
        assert_eq!(within("ALICE", "10.0.0.1", window).await, (0, 5));
        let decades = Duration::from_secs(40 * 365 * 24 * 3600);
        assert_eq!(within("alice", "10.0.0.1", decades).await, (5, 6));

        store.record_login("alice", "10.0.0.3").await.unwrap();
        assert_eq!(
            within("alice", "10.0.0.1", window).await,
            (4, 5),
            "a success does not forgive earlier failures"
        );

        let audit = store.audit(100).await.unwrap();
        assert_eq!(
            actions(&audit),
            [
                "login",
                "login_failed",
                "login_failed",
                "login_failed",
                "login_failed",
                "login_failed",
                "login_failed"
            ]
        );
        assert_eq!(
            (
                audit[0].actor.as_str(),
                audit[0].subject.as_str(),
                audit[0].after.clone()
            ),
            (
                "user:alice",
                "user:alice",
                Some(serde_json::json!({"address": "10.0.0.3"}))
            )
        );
        assert_eq!(
            (
                audit[1].actor.as_str(),
                audit[1].subject.as_str(),
                audit[1].after.clone()
            ),
            (
                "address:10.0.0.1",
                "user:bob",
                Some(serde_json::json!({"address": "10.0.0.1"}))
            )
        );
    }
);

contract!(
    /// The office changes an account's units and contact, disables it (its tokens end at once,
    /// it cannot log in), enables it, and resets its password (to be changed at the next
    /// login); each change is audited, and a government's list holds only its own accounts.
    the_office_manages_accounts,
    |store, _db| async move {
        use duban_store::UserChange;
        let clerk = NewUser {
            email: Some(" clerk@czj.example.cn ".into()),
            ..new_user("clerk", Role::Unit, &["市财政局"], None)
        };
        let id = store.add_user(&clerk, "user:office").await.unwrap();
        store.add_user(&new_user("root", Role::Admin, &[], None), "cli").await.unwrap();
        let bad = NewUser {
            email: Some("not an address".into()),
            ..new_user("bad", Role::Unit, &["市财政局"], None)
        };
        assert_invalid(store.add_user(&bad, "user:office").await);

        let all = store.users(None).await.unwrap();
        assert_eq!(all.len(), 2);
        let view = store.user(id).await.unwrap().unwrap();
        assert_eq!(view.email.as_deref(), Some("clerk@czj.example.cn"));
        assert_eq!(view.units, ["市财政局"]);
        assert!(view.disabled_at.is_none() && !view.must_change_password);
        // Accounts without a government are the platform's: no government's list has them.
        assert!(store.users(Some(GOV)).await.unwrap().is_empty());

        let changed = store
            .change_user(
                id,
                &UserChange {
                    units: vec!["市政府办公室".into(), "市财政局".into(), " ".into()],
                    leader: None,
                    email: Some("new@czj.example.cn".into()),
                },
                "user:office",
            )
            .await
            .unwrap();
        assert_eq!(changed.units, ["市政府办公室", "市财政局"]);
        assert_eq!(changed.email.as_deref(), Some("new@czj.example.cn"));
        // A unit account without a unit, a bad address: refused, nothing changed.
        assert_invalid(store.change_user(id, &UserChange::default(), "user:office").await);
        let no_address = UserChange {
            units: vec!["市财政局".into()],
            leader: None,
            email: Some("a b@c".into()),
        };
        assert_invalid(store.change_user(id, &no_address, "user:office").await);
        assert_eq!(store.user(id).await.unwrap().unwrap(), changed);
        assert_not_found(store.change_user(9999, &UserChange::default(), "user:office").await);

        // Disabled: its token no longer names anyone, and the login is refused.
        store
            .create_token(id, "aa", TokenKind::Api, HOUR)
            .await
            .unwrap();
        assert!(store.actor_by_token("aa", TokenKind::Api).await.unwrap().is_some());
        let off = store.set_disabled(id, true, "user:office").await.unwrap();
        assert!(off.disabled_at.is_some());
        assert!(store.actor_by_token("aa", TokenKind::Api).await.unwrap().is_none());
        assert!(store.credentials("clerk").await.unwrap().unwrap().disabled);
        let on = store.set_disabled(id, false, "user:office").await.unwrap();
        assert!(on.disabled_at.is_none());
        assert!(!store.credentials("clerk").await.unwrap().unwrap().disabled);

        // Reset: must change at the next login, until the account sets its own.
        store.create_token(id, "bb", TokenKind::Session, HOUR).await.unwrap();
        let reset = store.reset_password(id, "$argon2id$reset", "user:office").await.unwrap();
        assert!(reset.must_change_password);
        assert!(store.actor_by_token("bb", TokenKind::Session).await.unwrap().is_none());
        let c = store.credentials("clerk").await.unwrap().unwrap();
        assert!(c.must_change_password);
        assert_eq!(c.password_hash, "$argon2id$reset");
        store.set_password(id, "$argon2id$own", "user:clerk").await.unwrap();
        assert!(!store.credentials("clerk").await.unwrap().unwrap().must_change_password);

        let actions: Vec<String> = store
            .audit(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.subject == "user:clerk")
            .map(|r| r.action)
            .collect();
        for a in ["user.update", "user.disable", "user.enable", "user.reset_password"] {
            assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
        }
        // The log never holds a password hash.
        let log = serde_json::to_string(&store.audit(50).await.unwrap()).unwrap();
        assert!(!log.contains("argon2id"));
    }
);
