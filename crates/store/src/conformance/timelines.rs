//! Conformance behaviours: timelines: appended entries, status and assignee changes.

use super::*;

// Timelines.

pub async fn appended_message_updates_preview_and_last_activity(store: &dyn Store) {
    let fx = seed(store, "append-message").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let body = "Thanks for writing.\n\nWe are on it.";
    let new = NewEntry {
        meta: serde_json::json!({"to": ["a@customer.example"]}),
        ..reply(conversation.id, fx.admin.id, body, T0 + 50)
    };
    let sent = store.append_entry(new).await.unwrap();
    assert_eq!(sent.conversation_id, conversation.id);
    assert_eq!(
        (sent.kind, sent.direction),
        (EntryKind::Message, Some(Direction::Outbound))
    );
    assert_eq!(
        (sent.author_user_id, sent.author_contact_id),
        (Some(fx.admin.id), None)
    );
    assert_eq!((sent.body.as_str(), sent.created_at), (body, T0 + 50));
    assert_eq!(sent.meta, serde_json::json!({"to": ["a@customer.example"]}));

    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.preview, read.last_activity_at),
        (preview_of(body), T0 + 50)
    );
    assert_eq!(read.created_at, T0);
    let page = store
        .list_conversations(&ListQuery::inbox(fx.inbox.id))
        .await
        .unwrap();
    assert_eq!(
        (
            page.items[0].conversation().unwrap().preview.clone(),
            page.items[0].conversation().unwrap().last_activity_at
        ),
        (preview_of(body), T0 + 50)
    );
}

pub async fn inbound_message_reopens_a_closed_conversation(store: &dyn Store) {
    let fx = seed(store, "append-reopen").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.admin.id,
            T0 + 10,
        ))
        .await
        .unwrap();
    // Our own reply leaves it closed.
    store
        .append_entry(reply(
            conversation.id,
            fx.admin.id,
            "Done, closing.",
            T0 + 20,
        ))
        .await
        .unwrap();
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(read.status, Status::Closed);

    let again = NewEntry {
        author_contact_id: Some(conversation.contact.id),
        ..entry(
            conversation.id,
            EntryKind::Message,
            Some(Direction::Inbound),
            "It broke again",
            T0 + 30,
        )
    };
    store.append_entry(again).await.unwrap();
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.status, read.preview.as_str()),
        (Status::Open, "It broke again")
    );
}

pub async fn comment_and_event_leave_preview_and_activity_alone(store: &dyn Store) {
    let fx = seed(store, "append-comment").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello there", T0).await;
    let comment = NewEntry {
        author_user_id: Some(fx.agent.id),
        ..entry(
            conversation.id,
            EntryKind::Comment,
            None,
            "@admin can you look?",
            T0 + 10,
        )
    };
    let note = store.append_entry(comment).await.unwrap();
    assert_eq!(
        (note.kind, note.direction, note.author_user_id),
        (EntryKind::Comment, None, Some(fx.agent.id))
    );
    let event = entry(
        conversation.id,
        EntryKind::Event,
        None,
        "Moved from Sales",
        T0 + 20,
    );
    store.append_entry(event).await.unwrap();
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.preview.as_str(), read.last_activity_at),
        ("hello there", T0)
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 3);
}

pub async fn entry_on_unknown_conversation_is_not_found(store: &dyn Store) {
    let fx = seed(store, "append-unknown").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let unknown = ConversationId(conversation.id.0 + 1_000);
    for kind in [EntryKind::Message, EntryKind::Comment, EntryKind::Event] {
        let new = entry(unknown, kind, None, "lost", T0 + 10);
        assert_err!(store.append_entry(new).await, StoreError::NotFound);
    }
    assert!(store.timeline(unknown).await.unwrap().is_empty());
}

pub async fn timeline_lists_entries_oldest_first(store: &dyn Store) {
    let fx = seed(store, "timeline").await;
    let (conversation, first) = store
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
    let comment = NewEntry {
        author_user_id: Some(fx.agent.id),
        ..entry(
            conversation.id,
            EntryKind::Comment,
            None,
            "looking",
            T0 + 10,
        )
    };
    let comment = store.append_entry(comment).await.unwrap();
    let answer = store
        .append_entry(reply(conversation.id, fx.agent.id, "Fixed", T0 + 20))
        .await
        .unwrap();
    let closed = store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.agent.id,
            T0 + 30,
        ))
        .await
        .unwrap()
        .unwrap();
    let expected = vec![first, comment, answer, closed];
    assert_eq!(store.timeline(conversation.id).await.unwrap(), expected);
    for e in &expected {
        assert_eq!(&store.entry(conversation.id, e.id).await.unwrap(), e);
        assert_err!(store.entry(other.id, e.id).await, StoreError::NotFound);
    }
    assert_eq!(store.timeline(other.id).await.unwrap().len(), 1);
}

pub async fn set_status_changes_status_and_appends_an_event(store: &dyn Store) {
    let fx = seed(store, "status-change").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let event = store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.agent.id,
            T0 + 10,
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (event.conversation_id, event.kind, event.direction),
        (conversation.id, EntryKind::Event, None)
    );
    assert_eq!(
        (event.author_user_id, event.author_contact_id),
        (Some(fx.agent.id), None)
    );
    assert_eq!(
        (event.body.as_str(), event.created_at),
        ("Marked closed", T0 + 10)
    );
    let read = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (read.status, read.preview.as_str()),
        (Status::Closed, "hello")
    );
    assert_eq!(
        store.timeline(conversation.id).await.unwrap().last(),
        Some(&event)
    );

    let reopened = store
        .set_status(status(conversation.id, Status::Open, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    assert_eq!(reopened.map(|e| e.author_user_id), Some(Some(fx.admin.id)));
    assert_eq!(
        store
            .conversation(fx.account.id, conversation.id)
            .await
            .unwrap()
            .status,
        Status::Open
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 3);
}

pub async fn set_status_to_the_same_status_is_a_no_op(store: &dyn Store) {
    let fx = seed(store, "status-same").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    assert_eq!(
        store
            .set_status(status(conversation.id, Status::Open, fx.admin.id, T0 + 10))
            .await
            .unwrap(),
        None
    );
    store
        .set_status(status(
            conversation.id,
            Status::Closed,
            fx.admin.id,
            T0 + 20,
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .set_status(status(
                conversation.id,
                Status::Closed,
                fx.admin.id,
                T0 + 30
            ))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 2);
}

pub async fn set_status_on_unknown_conversation_is_not_found(store: &dyn Store) {
    let fx = seed(store, "status-unknown").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let unknown = ConversationId(conversation.id.0 + 1_000);
    assert_err!(
        store
            .set_status(status(unknown, Status::Closed, fx.admin.id, T0))
            .await,
        StoreError::NotFound
    );
    assert_err!(
        store
            .set_assignee(assign(unknown, None, fx.admin.id, T0))
            .await,
        StoreError::NotFound
    );
}

pub async fn set_assignee_assigns_a_user_a_team_and_nobody(store: &dyn Store) {
    let fx = seed(store, "assign").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let steps = [
        Some(Assignee::User(fx.agent.id)),
        Some(Assignee::Team(fx.team.id)),
        None,
    ];
    for (i, assignee) in (1..).zip(steps) {
        let event = store
            .set_assignee(assign(conversation.id, assignee, fx.admin.id, T0 + i))
            .await
            .unwrap()
            .unwrap()
            .entry;
        assert_eq!(
            (event.kind, event.author_user_id, event.created_at),
            (EntryKind::Event, Some(fx.admin.id), T0 + i)
        );
        assert_eq!(
            event.body,
            format!("Assigned to {}", Assignee::key(assignee))
        );
        assert_eq!(
            store
                .conversation(fx.account.id, conversation.id)
                .await
                .unwrap()
                .assignee,
            assignee
        );
    }
    // The system (no actor) may assign too.
    let change = AssigneeChange {
        actor: None,
        ..assign(conversation.id, steps[0], fx.admin.id, T0 + 10)
    };
    let written = store.set_assignee(change).await.unwrap().unwrap();
    assert_eq!(written.entry.author_user_id, None);
    assert_eq!(written.inbox_id, fx.inbox.id);
    assert_eq!(written.notifications, vec![]);
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 5);
}

pub async fn set_assignee_outside_the_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "assign-other-a").await;
    let other = seed(store, "assign-other-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let user = Some(Assignee::User(other.agent.id));
    let team = Some(Assignee::Team(other.team.id));
    assert_err!(
        store
            .set_assignee(assign(conversation.id, user, fx.admin.id, T0))
            .await,
        StoreError::InvalidReference(_)
    );
    assert_err!(
        store
            .set_assignee(assign(conversation.id, team, fx.admin.id, T0))
            .await,
        StoreError::InvalidReference(_)
    );
    assert_eq!(
        store
            .conversation(fx.account.id, conversation.id)
            .await
            .unwrap()
            .assignee,
        None
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 1);
}

pub async fn set_assignee_to_the_current_assignee_is_a_no_op(store: &dyn Store) {
    let fx = seed(store, "assign-same").await;
    let conversation = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    assert_eq!(
        store
            .set_assignee(assign(conversation.id, None, fx.admin.id, T0 + 1))
            .await
            .unwrap(),
        None
    );
    let team = Some(Assignee::Team(fx.team.id));
    store
        .set_assignee(assign(conversation.id, team, fx.admin.id, T0 + 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .set_assignee(assign(conversation.id, team, fx.admin.id, T0 + 3))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), 2);
}
