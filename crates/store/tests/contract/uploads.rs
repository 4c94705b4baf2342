//! Files held between an import's preview and its confirmation.

use crate::common::*;

contract!(
    /// An upload comes back byte for byte, to its owner only, until it is dropped or a day old.
    uploads_are_held_for_their_owner,
    |store, db| async move {
        let a = store
            .add_user(&new_user("a", Role::Admin, &[], None), "cli")
            .await
            .unwrap();
        let b = store
            .add_user(&new_user("b", Role::Admin, &[], None), "cli")
            .await
            .unwrap();
        // Every byte value, a NUL among them, and a PDF's opening.
        let mut bytes: Vec<u8> = b"%PDF-1.7\n".to_vec();
        bytes.extend(0..=255u8);
        bytes.extend(std::iter::repeat_n(0u8, 1000));
        let options = r#"{"format":"pdf","period":"2023Q3"}"#;
        let first = store
            .stash_upload(a, "菏泽 三季度.pdf", options, &bytes)
            .await
            .unwrap();
        let empty = store.stash_upload(a, "empty.txt", "", &[]).await.unwrap();
        assert_ne!(first, empty);

        assert_eq!(
            store.upload(first, a).await.unwrap(),
            Some(("菏泽 三季度.pdf".to_owned(), options.to_owned(), bytes.clone()))
        );
        assert_eq!(
            store.upload(empty, a).await.unwrap(),
            Some(("empty.txt".to_owned(), String::new(), Vec::new()))
        );
        assert_eq!(store.upload(first, b).await.unwrap(), None, "not b's");
        assert_eq!(store.upload(987_654, a).await.unwrap(), None);

        store.drop_upload(empty).await.unwrap();
        assert_eq!(store.upload(empty, a).await.unwrap(), None);
        store.drop_upload(empty).await.unwrap();

        // A day later it was never confirmed: the next upload clears it away.
        db.must("UPDATE uploads SET created_at = '2000-01-01T00:00:00.000Z'")
            .await;
        let fresh = store.stash_upload(b, "new.xlsx", "{}", b"PK").await.unwrap();
        assert_eq!(store.upload(first, a).await.unwrap(), None);
        assert_eq!(
            store.upload(fresh, b).await.unwrap(),
            Some(("new.xlsx".to_owned(), "{}".to_owned(), b"PK".to_vec()))
        );
        assert_eq!(db.count("uploads").await, 1);
    }
);
