//! Conformance behaviours: notifications.

use super::*;

// Notifications.

pub async fn notifications_are_listed_newest_first(store: &dyn Store) {
    let fx = seed(store, "notifications").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let first = store
        .create_notification(new_notification(fx.agent.id, "one", T0 + 1))
        .await
        .unwrap();
    let linked = NewNotification {
        kind: NotificationKind::Assignment,
        conversation_id: Some(conversation.id),
        actor_user_id: Some(fx.admin.id),
        ..new_notification(fx.agent.id, "two", T0 + 2)
    };
    let second = store.create_notification(linked).await.unwrap();
    assert_eq!(
        (second.user_id, second.kind, second.text.as_str()),
        (fx.agent.id, NotificationKind::Assignment, "two")
    );
    assert_eq!(
        (second.conversation_id, second.entry_id),
        (Some(conversation.id), None)
    );
    // The link needs the conversation's inbox; an unlinked notification has none.
    assert_eq!((second.inbox_id, first.inbox_id), (Some(fx.inbox.id), None));
    assert_eq!(
        (second.actor_user_id, second.read, second.created_at),
        (Some(fx.admin.id), false, T0 + 2)
    );
    let third = store
        .create_notification(new_notification(fx.agent.id, "three", T0 + 3))
        .await
        .unwrap();
    store
        .create_notification(new_notification(fx.admin.id, "for admin", T0 + 4))
        .await
        .unwrap();

    let listed = store.notifications(fx.agent.id, 10).await.unwrap();
    assert_eq!(listed, vec![third.clone(), second.clone(), first]);
    assert_eq!(
        store.notifications(fx.agent.id, 2).await.unwrap(),
        vec![third, second]
    );
    assert_eq!(store.notifications(fx.admin.id, 10).await.unwrap().len(), 1);
}

pub async fn marking_a_notification_read_sets_read(store: &dyn Store) {
    let fx = seed(store, "notification-read").await;
    let unread = store
        .create_notification(new_notification(fx.agent.id, "one", T0))
        .await
        .unwrap();
    let read = store
        .create_notification(new_notification(fx.agent.id, "two", T0 + 1))
        .await
        .unwrap();
    store
        .mark_notification_read(fx.agent.id, read.id, T0 + 10)
        .await
        .unwrap();
    // Marking twice is harmless.
    store
        .mark_notification_read(fx.agent.id, read.id, T0 + 20)
        .await
        .unwrap();
    let listed = store.notifications(fx.agent.id, 10).await.unwrap();
    let flags: Vec<_> = listed.iter().map(|n| (n.id, n.read)).collect();
    assert_eq!(flags, vec![(read.id, true), (unread.id, false)]);
}

pub async fn marking_another_users_notification_is_not_found(store: &dyn Store) {
    let fx = seed(store, "notification-other").await;
    let theirs = store
        .create_notification(new_notification(fx.agent.id, "one", T0))
        .await
        .unwrap();
    assert_err!(
        store
            .mark_notification_read(fx.admin.id, theirs.id, T0)
            .await,
        StoreError::NotFound
    );
    let unknown = NotificationId(theirs.id.0 + 1_000);
    assert_err!(
        store.mark_notification_read(fx.agent.id, unknown, T0).await,
        StoreError::NotFound
    );
    assert!(!store.notifications(fx.agent.id, 10).await.unwrap()[0].read);
}

pub async fn outbox_lists_only_the_accounts_mail_oldest_first(store: &dyn Store) {
    let fx = seed(store, "outbox").await;
    let other = seed(store, "outbox-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    for (i, user) in [fx.agent.id, fx.admin.id, fx.agent.id]
        .into_iter()
        .enumerate()
    {
        let new = NewComment {
            notify: vec![mention(user, fx.admin.id, true)],
            ..comment(conversation.id, fx.admin.id, "x", T0 + i as i64)
        };
        store.add_comment(new).await.unwrap();
    }
    let mail = store.outbox(fx.account.id, 10).await.unwrap();
    let recipients: Vec<&str> = mail.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        [
            fx.agent.email.as_str(),
            fx.admin.email.as_str(),
            fx.agent.email.as_str()
        ]
    );
    assert!(mail.windows(2).all(|w| w[0].id < w[1].id));
    assert!(mail.iter().all(|m| m.account_id == fx.account.id));
    assert_eq!(store.outbox(fx.account.id, 2).await.unwrap().len(), 2);
    assert_eq!(store.outbox(other.account.id, 10).await.unwrap(), vec![]);
}
