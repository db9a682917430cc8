//! Conformance behaviours: moving conversations between inboxes, and the stubs they
//! leave in their origin's list.

use super::*;

/// A second inbox of the fixture's account, with the admin as its only member.
async fn sales(store: &dyn Store, fx: &Fixture) -> Inbox {
    add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await
}

/// Moves `conversation` from the fixture's inbox to `to`, by the admin, to nobody.
fn move_to(fx: &Fixture, conversation: ConversationId, to: InboxId, now: Millis) -> MoveChange {
    MoveChange {
        conversation_id: conversation,
        account_id: fx.account.id,
        from_inbox: fx.inbox.id,
        to_inbox: to,
        assignee: None,
        round_robin_previous: None,
        actor: fx.admin.id,
        event_text: "Moved from Support to Sales".to_owned(),
        event_meta: serde_json::json!({"event": "moved"}),
        comment: None,
        notify: Vec::new(),
        now,
    }
}

/// The keys (see [`item_key`]) of the first page of `query`.
async fn keys(store: &dyn Store, query: ListQuery) -> Vec<String> {
    let page = store.list_conversations(&query).await.unwrap();
    page.items.iter().map(item_key).collect()
}

pub async fn move_changes_inbox_assignee_and_activity_and_tickets_follow(store: &dyn Store) {
    let fx = seed(store, "move-basic").await;
    let sales = sales(store, &fx).await;
    let c = start(store, &fx, "a@customer.example", "Upgrade", "hi", T0).await;
    let other = start(store, &fx, "b@customer.example", "Other", "hi", T0).await;
    let ticket = store
        .create_ticket(new_ticket(fx.account.id, vec![c.id], T0))
        .await
        .unwrap();
    let untouched = store
        .create_ticket(new_ticket(fx.account.id, vec![other.id], T0))
        .await
        .unwrap();
    store
        .move_conversation(MoveChange {
            assignee: Some(Assignee::User(fx.admin.id)),
            ..move_to(&fx, c.id, sales.id, T0 + 50)
        })
        .await
        .unwrap();
    let moved = store.conversation(fx.account.id, c.id).await.unwrap();
    assert_eq!(
        (moved.inbox_id, moved.assignee, moved.last_activity_at),
        (sales.id, Some(Assignee::User(fx.admin.id)), T0 + 50)
    );
    assert_eq!(moved.ticket_ids, vec![ticket.id]);
    let ticket = store.ticket(fx.account.id, ticket.id).await.unwrap();
    assert_eq!(ticket.inbox_id, sales.id);
    let untouched = store.ticket(fx.account.id, untouched.id).await.unwrap();
    assert_eq!(untouched.inbox_id, fx.inbox.id);
    assert_eq!(
        store
            .tickets(fx.account.id, &[sales.id])
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(list(store, ListQuery::inbox(sales.id)).await, vec![c.id]);
    assert_eq!(
        list(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![other.id]
    );
    // The conversation counts in the target's views now, not the origin's.
    assert_eq!(
        store.view_counts(sales.id, fx.admin.id).await.unwrap().mine,
        1
    );
    assert_eq!(
        store
            .view_counts(fx.inbox.id, fx.admin.id)
            .await
            .unwrap()
            .open,
        1
    );
}

pub async fn move_writes_event_comment_and_notifications_in_the_target(store: &dyn Store) {
    let fx = seed(store, "move-entries").await;
    let sales = sales(store, &fx).await;
    let c = start(store, &fx, "a@customer.example", "Upgrade", "hi", T0).await;
    let moved = store
        .move_conversation(MoveChange {
            assignee: Some(Assignee::User(fx.agent.id)),
            comment: Some((
                "Bought the **Growth** plan".to_owned(),
                serde_json::json!({"html": "<p>Bought the <strong>Growth</strong> plan</p>"}),
            )),
            notify: vec![NotificationDraft {
                user_id: fx.agent.id,
                kind: NotificationKind::Move,
                actor_user_id: Some(fx.admin.id),
                text: "Admin moved “Upgrade” to Sales and assigned it to you".to_owned(),
                email: None,
            }],
            ..move_to(&fx, c.id, sales.id, T0 + 50)
        })
        .await
        .unwrap();
    assert_eq!(
        (moved.event.kind, moved.event.body.as_str()),
        (EntryKind::Event, "Moved from Support to Sales")
    );
    let comment = moved.comment.clone().unwrap();
    assert_eq!(
        (comment.kind, comment.author_user_id, comment.body.as_str()),
        (
            EntryKind::Comment,
            Some(fx.admin.id),
            "Bought the **Growth** plan"
        )
    );
    let timeline = store.timeline(c.id).await.unwrap();
    let ids: Vec<EntryId> = timeline.iter().map(|e| e.id).collect();
    assert_eq!(ids[1..], [moved.event.id, comment.id]);
    assert_eq!(moved.notifications.len(), 1);
    let notification = &store.notifications(fx.agent.id, 10).await.unwrap()[0];
    assert_eq!(
        (
            notification.kind,
            notification.conversation_id,
            notification.entry_id,
            notification.inbox_id
        ),
        (
            NotificationKind::Move,
            Some(c.id),
            Some(moved.event.id),
            Some(sales.id)
        )
    );
    // The preview stays the contact's last message.
    let state = store.conversation(fx.account.id, c.id).await.unwrap();
    assert_eq!(state.preview, "hi");
}

pub async fn move_leaves_a_stub_in_the_origin_list_only(store: &dyn Store) {
    let fx = seed(store, "move-stub").await;
    let sales = sales(store, &fx).await;
    let older = start(store, &fx, "a@customer.example", "Older", "hi", T0).await;
    let c = start(store, &fx, "b@customer.example", "Upgrade", "hi", T0 + 10).await;
    let newer = start(store, &fx, "c@customer.example", "Newer", "hi", T0 + 100).await;
    store
        .set_assignee(assign(
            c.id,
            Some(Assignee::User(fx.agent.id)),
            fx.admin.id,
            T0 + 20,
        ))
        .await
        .unwrap();
    let moved = store
        .move_conversation(move_to(&fx, c.id, sales.id, T0 + 50))
        .await
        .unwrap();
    let stub = moved.stub.clone();
    assert_eq!(
        (
            stub.conversation_id,
            stub.from_inbox_id,
            stub.to_inbox_id,
            stub.to_inbox_name.as_str(),
            stub.moved_by,
            stub.moved_by_name.as_str(),
            stub.moved_at
        ),
        (
            c.id,
            fx.inbox.id,
            sales.id,
            "Sales",
            fx.admin.id,
            fx.admin.name.as_str(),
            T0 + 50
        )
    );
    assert_eq!(
        (
            stub.channel,
            stub.status,
            stub.assignee,
            stub.subject.as_deref(),
            stub.contact_label.as_str()
        ),
        (
            Channel::Email,
            Status::Open,
            Some(Assignee::User(fx.agent.id)),
            Some("Upgrade"),
            "b@customer.example"
        )
    );
    // In the origin's list, in the conversation's place by the time of the move.
    assert_eq!(
        keys(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![
            format!("c{}", newer.id),
            format!("m{}", stub.id),
            format!("c{}", older.id)
        ]
    );
    assert_eq!(
        keys(store, ListQuery::inbox(sales.id)).await,
        vec![format!("c{}", c.id)]
    );
    assert_eq!(store.moved_stub(fx.inbox.id, stub.id).await.unwrap(), stub);
    assert_err!(
        store.moved_stub(sales.id, stub.id).await,
        StoreError::NotFound
    );
}

pub async fn stubs_follow_the_list_filters_and_not_search(store: &dyn Store) {
    let fx = seed(store, "move-filters").await;
    let sales = sales(store, &fx).await;
    let c = start(store, &fx, "a@customer.example", "Upgrade plan", "hi", T0).await;
    store
        .set_assignee(assign(
            c.id,
            Some(Assignee::User(fx.agent.id)),
            fx.admin.id,
            T0 + 1,
        ))
        .await
        .unwrap();
    let stub = store
        .move_conversation(move_to(&fx, c.id, sales.id, T0 + 50))
        .await
        .unwrap()
        .stub;
    let only_stub = vec![format!("m{}", stub.id)];
    let query = |f: fn(&mut ListQuery)| {
        let mut q = ListQuery::inbox(fx.inbox.id);
        f(&mut q);
        q
    };
    assert_eq!(
        keys(store, query(|q| q.status = Some(Status::Open))).await,
        only_stub
    );
    assert!(keys(store, query(|q| q.status = Some(Status::Closed)))
        .await
        .is_empty());
    let mine = ListQuery {
        assignee: AssigneeFilter::Is(Assignee::User(fx.agent.id)),
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(keys(store, mine).await, only_stub);
    assert!(
        keys(store, query(|q| q.assignee = AssigneeFilter::Unassigned))
            .await
            .is_empty()
    );
    assert_eq!(
        keys(store, query(|q| q.channel = Some(Channel::Email))).await,
        only_stub
    );
    assert!(keys(store, query(|q| q.channel = Some(Channel::Chat)))
        .await
        .is_empty());
    assert!(keys(store, query(|q| q.text = Some("upgrade".to_owned())))
        .await
        .is_empty());
    // The counts of the origin's views are of live conversations only.
    let counts = store.view_counts(fx.inbox.id, fx.agent.id).await.unwrap();
    assert_eq!((counts.open, counts.mine), (0, 0));
}

pub async fn list_pages_through_stubs_and_conversations_of_equal_times(store: &dyn Store) {
    let fx = seed(store, "move-pages").await;
    let sales = sales(store, &fx).await;
    // Six conversations at two times; three of them move away at those same times.
    let mut moving = Vec::new();
    let mut staying = Vec::new();
    for i in 0..6 {
        let at = T0 + 100 * (i % 2);
        let c = start(
            store,
            &fx,
            &format!("p{i}@customer.example"),
            "Paged",
            "hi",
            at,
        )
        .await;
        if i % 2 == 0 {
            moving.push(c);
        } else {
            staying.push(c);
        }
    }
    let mut expected_stubs = Vec::new();
    for c in &moving {
        let moved = store
            .move_conversation(move_to(&fx, c.id, sales.id, T0 + 100))
            .await
            .unwrap();
        expected_stubs.push(format!("m{}", moved.stub.id));
    }
    let mut all = Vec::new();
    let mut query = ListQuery {
        limit: 2,
        ..ListQuery::inbox(fx.inbox.id)
    };
    loop {
        let page = store.list_conversations(&query).await.unwrap();
        assert!(page.items.len() <= 2);
        all.extend(page.items.iter().map(item_key));
        let Some(next) = page.next_cursor else { break };
        assert!(all.len() < 20, "pagination does not end");
        query.cursor = Some(Cursor::decode(&next).unwrap());
    }
    // Conversations first at equal times, newest id first; then the stubs.
    let mut expected: Vec<String> = staying.iter().rev().map(|c| format!("c{}", c.id)).collect();
    expected.extend(expected_stubs.into_iter().rev());
    assert_eq!(all, expected);
}

pub async fn move_from_a_stale_origin_or_when_closed_is_a_conflict(store: &dyn Store) {
    let fx = seed(store, "move-conflict").await;
    let sales = sales(store, &fx).await;
    let billing = add_inbox(
        store,
        fx.account.id,
        "Billing",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let c = start(store, &fx, "a@customer.example", "Upgrade", "hi", T0).await;
    store
        .move_conversation(move_to(&fx, c.id, sales.id, T0 + 10))
        .await
        .unwrap();
    // A second mover who still sees it in Support loses.
    assert_err!(
        store
            .move_conversation(move_to(&fx, c.id, billing.id, T0 + 11))
            .await,
        StoreError::Conflict(_)
    );
    let closed = start(store, &fx, "b@customer.example", "Done", "hi", T0).await;
    store
        .set_status(status(closed.id, Status::Closed, fx.admin.id, T0 + 1))
        .await
        .unwrap();
    assert_err!(
        store
            .move_conversation(move_to(&fx, closed.id, sales.id, T0 + 12))
            .await,
        StoreError::Conflict(_)
    );
    assert_eq!(
        store
            .conversation(fx.account.id, c.id)
            .await
            .unwrap()
            .inbox_id,
        sales.id
    );
    assert_eq!(
        store
            .conversation(fx.account.id, closed.id)
            .await
            .unwrap()
            .inbox_id,
        fx.inbox.id
    );
    assert_eq!(store.timeline(closed.id).await.unwrap().len(), 2);
    assert!(list(store, ListQuery::inbox(billing.id)).await.is_empty());
}

pub async fn move_to_same_or_foreign_inbox_or_assignee_writes_nothing(store: &dyn Store) {
    let fx = seed(store, "move-refused").await;
    let other = seed(store, "move-refused-other").await;
    let sales = sales(store, &fx).await;
    let c = start(store, &fx, "a@customer.example", "Upgrade", "hi", T0).await;
    assert_err!(
        store
            .move_conversation(move_to(&fx, c.id, fx.inbox.id, T0 + 1))
            .await,
        StoreError::InvalidReference("inbox_id")
    );
    assert_err!(
        store
            .move_conversation(move_to(&fx, c.id, other.inbox.id, T0 + 1))
            .await,
        StoreError::NotFound
    );
    assert_err!(
        store
            .move_conversation(MoveChange {
                assignee: Some(Assignee::User(other.agent.id)),
                ..move_to(&fx, c.id, sales.id, T0 + 1)
            })
            .await,
        StoreError::InvalidReference(_)
    );
    assert_err!(
        store
            .move_conversation(MoveChange {
                account_id: other.account.id,
                ..move_to(&fx, c.id, other.inbox.id, T0 + 1)
            })
            .await,
        StoreError::NotFound
    );
    let state = store.conversation(fx.account.id, c.id).await.unwrap();
    assert_eq!((state.inbox_id, state.last_activity_at), (fx.inbox.id, T0));
    assert_eq!(store.timeline(c.id).await.unwrap().len(), 1);
    assert_eq!(
        keys(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![format!("c{}", c.id)]
    );
}

pub async fn moving_back_replaces_the_old_stub(store: &dyn Store) {
    let fx = seed(store, "move-back").await;
    let sales = sales(store, &fx).await;
    let c = start(store, &fx, "a@customer.example", "Upgrade", "hi", T0).await;
    let there = store
        .move_conversation(move_to(&fx, c.id, sales.id, T0 + 10))
        .await
        .unwrap();
    let back = store
        .move_conversation(MoveChange {
            from_inbox: sales.id,
            to_inbox: fx.inbox.id,
            ..move_to(&fx, c.id, fx.inbox.id, T0 + 20)
        })
        .await
        .unwrap();
    assert_eq!(
        keys(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![format!("c{}", c.id)]
    );
    assert_eq!(
        keys(store, ListQuery::inbox(sales.id)).await,
        vec![format!("m{}", back.stub.id)]
    );
    assert_err!(
        store.moved_stub(fx.inbox.id, there.stub.id).await,
        StoreError::NotFound
    );
}

pub async fn move_round_robin_takes_the_target_inboxs_turn(store: &dyn Store) {
    let fx = seed(store, "move-turn").await;
    let sales = sales(store, &fx).await;
    let a = start(store, &fx, "a@customer.example", "One", "hi", T0).await;
    let b = start(store, &fx, "b@customer.example", "Two", "hi", T0).await;
    assert_eq!(
        store.move_round_robin_last_pick(sales.id).await.unwrap(),
        None
    );
    store
        .move_conversation(MoveChange {
            assignee: Some(Assignee::User(fx.agent.id)),
            round_robin_previous: Some(None),
            ..move_to(&fx, a.id, sales.id, T0 + 10)
        })
        .await
        .unwrap();
    assert_eq!(
        store.move_round_robin_last_pick(sales.id).await.unwrap(),
        Some(fx.agent.id)
    );
    // A mover who read the turn before that move must pick again.
    assert_err!(
        store
            .move_conversation(MoveChange {
                assignee: Some(Assignee::User(fx.admin.id)),
                round_robin_previous: Some(None),
                ..move_to(&fx, b.id, sales.id, T0 + 11)
            })
            .await,
        StoreError::Conflict(_)
    );
    assert_eq!(
        store
            .conversation(fx.account.id, b.id)
            .await
            .unwrap()
            .inbox_id,
        fx.inbox.id
    );
    store
        .move_conversation(MoveChange {
            assignee: Some(Assignee::User(fx.admin.id)),
            round_robin_previous: Some(Some(fx.agent.id)),
            ..move_to(&fx, b.id, sales.id, T0 + 12)
        })
        .await
        .unwrap();
    assert_eq!(
        store.move_round_robin_last_pick(sales.id).await.unwrap(),
        Some(fx.admin.id)
    );
}
