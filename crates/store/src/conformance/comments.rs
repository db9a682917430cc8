//! Conformance behaviours: internal comments with their attachments, notifications and
//! outbox mail, and their soft deletion.

use super::*;

pub async fn comment_is_appended_with_its_meta_and_leaves_preview_alone(store: &dyn Store) {
    let fx = seed(store, "comment").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello there", T0).await;
    let written = store
        .add_comment(comment(conversation.id, fx.agent.id, "**look**", T0 + 10))
        .await
        .unwrap();
    let entry = &written.entry;
    assert_eq!(
        (entry.kind, entry.direction, entry.author_user_id),
        (EntryKind::Comment, None, Some(fx.agent.id))
    );
    assert_eq!(
        (entry.body.as_str(), entry.created_at),
        ("**look**", T0 + 10)
    );
    assert_eq!(entry.meta["html"], "<p>**look**</p>");
    assert_eq!(written.inbox_id, fx.inbox.id);
    assert_eq!(written.notifications, vec![]);
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.preview.as_str(), read.last_activity_at),
        ("hello there", T0)
    );
    assert_eq!(
        store.entry(conversation.id, entry.id).await.unwrap(),
        *entry
    );
    // A comment is not the contact's: it is not searchable.
    assert_eq!(search(store, fx.inbox.id, "look").await, vec![]);
}

pub async fn comment_notifications_point_at_the_entry_and_queue_mail_for_who_wants_it(
    store: &dyn Store,
) {
    let fx = seed(store, "comment-notify").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    store
        .update_user(
            fx.account.id,
            fx.admin.id,
            UserUpdate {
                notify_email: Some(false),
                ..UserUpdate::default()
            },
        )
        .await
        .unwrap();
    let new = NewComment {
        notify: vec![
            mention(fx.agent.id, fx.admin.id, true),
            mention(fx.admin.id, fx.agent.id, true),
        ],
        ..comment(conversation.id, fx.agent.id, "@both", T0 + 5)
    };
    let written = store.add_comment(new).await.unwrap();
    let entry = written.entry.id;
    assert_eq!(written.notifications.len(), 2);
    for n in &written.notifications {
        assert_eq!(
            (n.conversation_id, n.inbox_id, n.entry_id),
            (Some(conversation.id), Some(fx.inbox.id), Some(entry))
        );
        assert_eq!(
            (n.kind, n.read, n.created_at),
            (NotificationKind::Mention, false, T0 + 5)
        );
    }
    let agents = store.notifications(fx.agent.id, 10).await.unwrap();
    assert_eq!(agents, vec![written.notifications[0].clone()]);
    let admins = store.notifications(fx.admin.id, 10).await.unwrap();
    assert_eq!(admins, vec![written.notifications[1].clone()]);

    // Only the agent wants mail: one queued row, addressed and linked to the entry.
    let outbox = store.outbox(fx.account.id, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    let mail = &outbox[0];
    assert_eq!(
        (mail.kind, mail.state, mail.attempts),
        (OutboxKind::Notification, OutboxState::Queued, 0)
    );
    assert_eq!(mail.recipient, fx.agent.email);
    assert_eq!(mail.subject, "You were mentioned: Hi");
    let link = format!(
        "/inboxes/{}?c={}#entry-{entry}",
        fx.inbox.id, conversation.id
    );
    assert!(mail.body_text.contains(&link), "{}", mail.body_text);
    assert_eq!(
        (mail.notification_id, mail.entry_id),
        (Some(written.notifications[0].id), Some(entry))
    );
    assert_eq!((mail.next_attempt_at, mail.created_at), (T0 + 5, T0 + 5));
    assert_eq!((mail.sent_at, mail.last_error.as_deref()), (None, None));
}

pub async fn comment_drafts_without_email_queue_no_mail(store: &dyn Store) {
    let fx = seed(store, "comment-no-mail").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let new = NewComment {
        notify: vec![mention(fx.agent.id, fx.admin.id, false)],
        ..comment(conversation.id, fx.admin.id, "@agent", T0 + 5)
    };
    store.add_comment(new).await.unwrap();
    assert_eq!(store.notifications(fx.agent.id, 10).await.unwrap().len(), 1);
    assert_eq!(store.outbox(fx.account.id, 10).await.unwrap(), vec![]);
}

pub async fn comment_on_unknown_conversation_is_not_found(store: &dyn Store) {
    let fx = seed(store, "comment-unknown").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let unknown = ConversationId(conversation.id.0 + 1_000);
    assert_err!(
        store
            .add_comment(comment(unknown, fx.agent.id, "x", T0))
            .await,
        StoreError::NotFound
    );
}

pub async fn comment_links_its_attachments(store: &dyn Store) {
    let fx = seed(store, "comment-files").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let file = upload(store, fx.account.id, fx.agent.id, "jug.png").await;
    let new = NewComment {
        attachment_ids: vec![file.id, file.id],
        ..comment(conversation.id, fx.agent.id, "see photo", T0 + 1)
    };
    store.add_comment(new).await.unwrap();
    let uses = store.attachment_uses(fx.account.id, file.id).await.unwrap();
    assert_eq!(uses.inbox_ids, vec![fx.inbox.id]);
}

pub async fn comment_with_another_users_or_accounts_file_writes_nothing(store: &dyn Store) {
    let fx = seed(store, "comment-foreign-file").await;
    let other = seed(store, "comment-foreign-file-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let admins = upload(store, fx.account.id, fx.admin.id, "admin.pdf").await;
    let foreign = upload(store, other.account.id, other.agent.id, "other.pdf").await;
    for file in [admins.id, foreign.id, AttachmentId(foreign.id.0 + 1_000)] {
        let new = NewComment {
            attachment_ids: vec![file],
            notify: vec![mention(fx.admin.id, fx.agent.id, true)],
            ..comment(conversation.id, fx.agent.id, "x", T0 + 1)
        };
        assert_err!(
            store.add_comment(new).await,
            StoreError::InvalidReference("attachment_ids")
        );
    }
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 1);
    assert_eq!(store.notifications(fx.admin.id, 10).await.unwrap(), vec![]);
    assert_eq!(store.outbox(fx.account.id, 10).await.unwrap(), vec![]);
}

pub async fn comment_notifying_a_user_of_another_account_writes_nothing(store: &dyn Store) {
    let fx = seed(store, "comment-foreign-user").await;
    let other = seed(store, "comment-foreign-user-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let new = NewComment {
        notify: vec![
            mention(fx.admin.id, fx.agent.id, true),
            mention(other.agent.id, fx.agent.id, true),
        ],
        ..comment(conversation.id, fx.agent.id, "x", T0 + 1)
    };
    assert_err!(
        store.add_comment(new).await,
        StoreError::InvalidReference(_)
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 1);
    assert_eq!(store.notifications(fx.admin.id, 10).await.unwrap(), vec![]);
    assert_eq!(
        store.notifications(other.agent.id, 10).await.unwrap(),
        vec![]
    );
    assert_eq!(store.outbox(fx.account.id, 10).await.unwrap(), vec![]);
}

pub async fn deleting_a_comment_hides_it_and_records_who_did_it(store: &dyn Store) {
    let fx = seed(store, "comment-delete").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let file = upload(store, fx.account.id, fx.agent.id, "jug.png").await;
    let new = NewComment {
        attachment_ids: vec![file.id],
        ..comment(conversation.id, fx.agent.id, "oops", T0 + 1)
    };
    let written = store.add_comment(new).await.unwrap();
    let kept = store
        .add_comment(comment(conversation.id, fx.agent.id, "keep", T0 + 2))
        .await
        .unwrap();
    let deleted = store
        .delete_comment(CommentDeletion {
            conversation_id: conversation.id,
            comment_id: written.entry.id,
            actor: fx.admin.id,
            event_text: "Admin deleted a comment".to_owned(),
            now: T0 + 3,
        })
        .await
        .unwrap();
    let event = &deleted.entry;
    assert_eq!(deleted.inbox_id, fx.inbox.id);
    assert_eq!(
        (event.kind, event.author_user_id, event.created_at),
        (EntryKind::Event, Some(fx.admin.id), T0 + 3)
    );
    assert_eq!(event.body, "Admin deleted a comment");
    assert_eq!(
        event.meta,
        serde_json::json!({
            "event": "comment_deleted",
            "comment_id": written.entry.id,
            "author_id": fx.agent.id,
        })
    );
    let ids: Vec<EntryId> = store
        .timeline(conversation.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(!ids.contains(&written.entry.id));
    assert!(ids.contains(&kept.entry.id) && ids.contains(&event.id));
    assert_err!(
        store.entry(conversation.id, written.entry.id).await,
        StoreError::NotFound
    );
    // A deleted comment no longer shares its files.
    let uses = store.attachment_uses(fx.account.id, file.id).await.unwrap();
    assert_eq!(uses.inbox_ids, vec![]);
}

pub async fn deleting_what_is_not_a_live_comment_is_not_found(store: &dyn Store) {
    let fx = seed(store, "comment-delete-bad").await;
    let (conversation, message) = store
        .create_conversation(inbound(
            fx.account.id,
            fx.inbox.id,
            "a@customer.example",
            "Hi",
            "hello",
            T0,
        ))
        .await
        .unwrap();
    let other = start(store, &fx, "b@customer.example", "Other", "other", T0).await;
    let note = store
        .add_comment(comment(conversation.id, fx.agent.id, "x", T0 + 1))
        .await
        .unwrap()
        .entry;
    let deletion = |conversation_id: ConversationId, comment_id: EntryId| CommentDeletion {
        conversation_id,
        comment_id,
        actor: fx.admin.id,
        event_text: "deleted".to_owned(),
        now: T0 + 2,
    };
    // A message, a comment named under another conversation, an unknown id.
    for (c, e) in [
        (conversation.id, message.id),
        (other.id, note.id),
        (conversation.id, EntryId(note.id.0 + 1_000)),
    ] {
        assert_err!(
            store.delete_comment(deletion(c, e)).await,
            StoreError::NotFound
        );
    }
    store
        .delete_comment(deletion(conversation.id, note.id))
        .await
        .unwrap();
    assert_err!(
        store
            .delete_comment(deletion(conversation.id, note.id))
            .await,
        StoreError::NotFound
    );
    // Two entries remain visible: the message and the one audit event.
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 2);
}
