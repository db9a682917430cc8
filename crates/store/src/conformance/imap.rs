//! Conformance behaviours: IMAP sources — configuring an inbox's source, keeping or
//! resetting the poller's progress, recording polls, stale revisions and removal.

use super::*;

/// A source for `inbox` on `imap.{tag}.example`, reading the INBOX.
fn source(inbox: InboxId, tag: &str, now: Millis) -> NewImapSource {
    NewImapSource {
        inbox_id: inbox,
        host: format!("imap.{tag}.example"),
        port: 993,
        tls: ImapTls::Tls,
        username: format!("support@{tag}.example"),
        password_file: "/etc/switchboard/imap-password".to_owned(),
        folder: "INBOX".to_owned(),
        ca_file: None,
        now,
    }
}

/// The sources of the given inboxes, in the order the store lists them (other
/// behaviours may share the database).
async fn sources_of(store: &dyn Store, inboxes: &[InboxId]) -> Vec<ImapSource> {
    store
        .imap_sources()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| inboxes.contains(&s.inbox_id))
        .collect()
}

pub async fn imap_source_is_set_read_and_listed_by_inbox(store: &dyn Store) {
    let fx = seed(store, "imap-set").await;
    let other = add_inbox(store, fx.account.id, "Sales", None, vec![], vec![]).await;
    assert_err!(store.imap_source(fx.inbox.id).await, StoreError::NotFound);
    let mut with_ca = source(other.id, "imap-set", T0);
    with_ca.tls = ImapTls::Starttls;
    with_ca.port = 143;
    with_ca.folder = "Support/Incoming".to_owned();
    with_ca.ca_file = Some("/etc/switchboard/imap-ca.pem".to_owned());
    let second = store.set_imap_source(with_ca).await.unwrap();
    let first = store
        .set_imap_source(source(fx.inbox.id, "imap-set", T0 + 1))
        .await
        .unwrap();
    assert_eq!(first.inbox_id, fx.inbox.id);
    assert_eq!(first.account_id, fx.account.id);
    assert_eq!(first.host, "imap.imap-set.example");
    assert_eq!(first.port, 993);
    assert_eq!(first.tls, ImapTls::Tls);
    assert_eq!(first.username, "support@imap-set.example");
    assert_eq!(first.password_file, "/etc/switchboard/imap-password");
    assert_eq!(first.folder, "INBOX");
    assert_eq!(first.ca_file, None);
    assert_eq!(first.uid_validity, None);
    assert_eq!(first.last_uid, 0);
    assert_eq!(first.last_error, None);
    assert_eq!(first.last_polled_at, None);
    assert_eq!(first.revision, T0 + 1);
    assert_eq!((first.created_at, first.updated_at), (T0 + 1, T0 + 1));
    assert_eq!(second.tls, ImapTls::Starttls);
    assert_eq!(second.port, 143);
    assert_eq!(second.folder, "Support/Incoming");
    assert_eq!(
        second.ca_file.as_deref(),
        Some("/etc/switchboard/imap-ca.pem")
    );
    assert_eq!(store.imap_source(fx.inbox.id).await.unwrap(), first);
    let mut expected = vec![first, second];
    expected.sort_by_key(|s| s.inbox_id);
    assert_eq!(sources_of(store, &[fx.inbox.id, other.id]).await, expected);
}

pub async fn imap_source_of_an_unknown_inbox_is_not_found(store: &dyn Store) {
    assert_err!(
        store
            .set_imap_source(source(InboxId(987_654_321), "imap-unknown", T0))
            .await,
        StoreError::NotFound
    );
    assert_err!(
        store.imap_source(InboxId(987_654_321)).await,
        StoreError::NotFound
    );
}

pub async fn imap_progress_and_poll_results_are_recorded(store: &dyn Store) {
    let fx = seed(store, "imap-progress").await;
    let set = store
        .set_imap_source(source(fx.inbox.id, "imap-progress", T0))
        .await
        .unwrap();
    assert!(store
        .record_imap_progress(fx.inbox.id, set.revision, 1_700_000, 42)
        .await
        .unwrap());
    assert!(store
        .record_imap_poll(fx.inbox.id, set.revision, Some("login refused"), T0 + 5)
        .await
        .unwrap());
    let got = store.imap_source(fx.inbox.id).await.unwrap();
    assert_eq!(got.uid_validity, Some(1_700_000));
    assert_eq!(got.last_uid, 42);
    assert_eq!(got.last_error.as_deref(), Some("login refused"));
    assert_eq!(got.last_polled_at, Some(T0 + 5));
    assert_eq!(got.revision, set.revision);
    // A successful poll clears the error; UIDs use all 32 bits.
    assert!(store
        .record_imap_progress(fx.inbox.id, set.revision, u32::MAX, u32::MAX)
        .await
        .unwrap());
    assert!(store
        .record_imap_poll(fx.inbox.id, set.revision, None, T0 + 9)
        .await
        .unwrap());
    let got = store.imap_source(fx.inbox.id).await.unwrap();
    assert_eq!(got.uid_validity, Some(u32::MAX));
    assert_eq!(got.last_uid, u32::MAX);
    assert_eq!(got.last_error, None);
    assert_eq!(got.last_polled_at, Some(T0 + 9));
}

pub async fn imap_source_set_again_keeps_progress_only_for_the_same_mailbox(store: &dyn Store) {
    let fx = seed(store, "imap-again").await;
    let first = store
        .set_imap_source(source(fx.inbox.id, "imap-again", T0))
        .await
        .unwrap();
    store
        .record_imap_progress(fx.inbox.id, first.revision, 77, 10)
        .await
        .unwrap();
    store
        .record_imap_poll(fx.inbox.id, first.revision, Some("timed out"), T0 + 1)
        .await
        .unwrap();
    // Another port, TLS mode and password file reach the same mailbox.
    let mut moved = source(fx.inbox.id, "imap-again", T0 + 2);
    moved.port = 143;
    moved.tls = ImapTls::Starttls;
    moved.password_file = "/run/secrets/imap".to_owned();
    let kept = store.set_imap_source(moved).await.unwrap();
    assert_eq!(kept.revision, first.revision + 1);
    assert_eq!((kept.uid_validity, kept.last_uid), (Some(77), 10));
    assert_eq!(kept.last_polled_at, Some(T0 + 1));
    assert_eq!(kept.last_error, None);
    assert_eq!(kept.port, 143);
    assert_eq!(kept.password_file, "/run/secrets/imap");
    assert_eq!((kept.created_at, kept.updated_at), (T0, T0 + 2));
    // Another folder, user or host is another mailbox: its UIDs start over.
    for change in ["folder", "username", "host"] {
        let current = store.imap_source(fx.inbox.id).await.unwrap();
        store
            .record_imap_progress(fx.inbox.id, current.revision, 77, 10)
            .await
            .unwrap();
        let mut other = source(fx.inbox.id, "imap-again", T0 + 3);
        match change {
            "folder" => other.folder = "Archive".to_owned(),
            "username" => other.username = "sales@imap-again.example".to_owned(),
            _ => other.host = "mail.imap-again.example".to_owned(),
        }
        let reset = store.set_imap_source(other).await.unwrap();
        assert_eq!(
            (reset.uid_validity, reset.last_uid, reset.last_polled_at),
            (None, 0, None),
            "after a change of {change}"
        );
        assert_eq!(reset.revision, current.revision + 1);
    }
}

pub async fn imap_writes_of_a_stale_revision_change_nothing(store: &dyn Store) {
    let fx = seed(store, "imap-stale").await;
    let old = store
        .set_imap_source(source(fx.inbox.id, "imap-stale", T0))
        .await
        .unwrap();
    let mut other = source(fx.inbox.id, "imap-stale", T0 + 1);
    other.host = "imap2.imap-stale.example".to_owned();
    let new = store.set_imap_source(other).await.unwrap();
    assert!(!store
        .record_imap_progress(fx.inbox.id, old.revision, 5, 99)
        .await
        .unwrap());
    assert!(!store
        .record_imap_poll(fx.inbox.id, old.revision, Some("old server down"), T0 + 2)
        .await
        .unwrap());
    assert_eq!(store.imap_source(fx.inbox.id).await.unwrap(), new);
}

pub async fn removed_imap_source_is_gone(store: &dyn Store) {
    let fx = seed(store, "imap-remove").await;
    let set = store
        .set_imap_source(source(fx.inbox.id, "imap-remove", T0))
        .await
        .unwrap();
    store.remove_imap_source(fx.inbox.id).await.unwrap();
    assert_err!(store.imap_source(fx.inbox.id).await, StoreError::NotFound);
    assert!(sources_of(store, &[fx.inbox.id]).await.is_empty());
    assert_err!(
        store.remove_imap_source(fx.inbox.id).await,
        StoreError::NotFound
    );
    // A poll that was running when it was removed records nothing.
    assert!(!store
        .record_imap_progress(fx.inbox.id, set.revision, 1, 1)
        .await
        .unwrap());
    // Set again, it starts from scratch.
    let again = store
        .set_imap_source(source(fx.inbox.id, "imap-remove", T0 + 1))
        .await
        .unwrap();
    assert_eq!((again.last_uid, again.uid_validity), (0, None));
    assert_ne!(again.revision, set.revision);
    assert!(!store
        .record_imap_progress(fx.inbox.id, set.revision, 1, 1)
        .await
        .unwrap());
}
