//! Conformance behaviours: the conversation list: order, keyset pages, filters, full-text search and view counts.

use super::*;

// The conversation list.

pub async fn conversation_list_is_newest_activity_first(store: &dyn Store) {
    let fx = seed(store, "list-order").await;
    let first = start(store, &fx, "a@customer.example", "First", "one", T0).await;
    let second = start(store, &fx, "b@customer.example", "Second", "two", T0 + 10).await;
    let third = start(store, &fx, "c@customer.example", "Third", "three", T0 + 20).await;
    assert_eq!(
        list(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![third.id, second.id, first.id]
    );

    // A new message moves the oldest conversation to the top.
    store
        .append_entry(reply(first.id, fx.admin.id, "Any news?", T0 + 30))
        .await
        .unwrap();
    let page = store
        .list_conversations(&ListQuery::inbox(fx.inbox.id))
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(item_key).collect::<Vec<_>>(),
        [first.id, third.id, second.id].map(|id| format!("c{id}"))
    );
    assert_eq!(page.next_cursor, None);
    let top = page.items[0].conversation().unwrap();
    assert_eq!(
        (top.inbox_id, top.channel, top.status),
        (fx.inbox.id, Channel::Email, Status::Open)
    );
    assert_eq!(
        (top.subject.as_deref(), top.preview.as_str()),
        (Some("First"), "Any news?")
    );
    assert_eq!(
        (top.contact_id, top.contact_email.as_deref()),
        (first.contact.id, Some("a@customer.example"))
    );
    assert_eq!((top.assignee, top.last_activity_at), (None, T0 + 30));
}

pub async fn conversation_list_pages_by_keyset_visiting_every_row_once(store: &dyn Store) {
    let fx = seed(store, "list-pages").await;
    let mut newest_first = Vec::new();
    for i in 0..7 {
        let email = format!("c{i}@customer.example");
        let conversation = start(store, &fx, &email, "Page", "body", T0 + i * 10).await;
        newest_first.insert(0, conversation.id);
    }
    let pages = pages(
        store,
        ListQuery {
            limit: 3,
            ..ListQuery::inbox(fx.inbox.id)
        },
    )
    .await;
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![3, 3, 1]
    );
    assert_eq!(pages.concat(), newest_first);
}

pub async fn conversation_list_pages_through_equal_activity_times_by_id(store: &dyn Store) {
    let fx = seed(store, "list-ties").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let email = format!("c{i}@customer.example");
        ids.push(start(store, &fx, &email, "Tie", "body", T0).await.id);
    }
    let pages = pages(
        store,
        ListQuery {
            limit: 2,
            ..ListQuery::inbox(fx.inbox.id)
        },
    )
    .await;
    // Same activity time: the newer id (created later) comes first.
    ids.reverse();
    assert_eq!(pages.concat(), ids);
}

pub async fn conversation_list_shows_only_its_inbox(store: &dyn Store) {
    let fx = seed(store, "list-inbox").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let support = start(store, &fx, "a@customer.example", "Support", "one", T0).await;
    let new = inbound(
        fx.account.id,
        sales.id,
        "b@customer.example",
        "Sales",
        "two",
        T0 + 10,
    );
    let (sale, _) = store.create_conversation(new).await.unwrap();
    assert_eq!(
        list(store, ListQuery::inbox(fx.inbox.id)).await,
        vec![support.id]
    );
    assert_eq!(list(store, ListQuery::inbox(sales.id)).await, vec![sale.id]);
}

pub async fn conversation_list_filters_by_status(store: &dyn Store) {
    let fx = seed(store, "list-status").await;
    let open = start(store, &fx, "a@customer.example", "Open", "one", T0).await;
    let closed = start(store, &fx, "b@customer.example", "Closed", "two", T0 + 10).await;
    store
        .set_status(status(closed.id, Status::Closed, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    let query = |status| ListQuery {
        status,
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(list(store, query(Some(Status::Open))).await, vec![open.id]);
    assert_eq!(
        list(store, query(Some(Status::Closed))).await,
        vec![closed.id]
    );
    assert_eq!(list(store, query(None)).await, vec![closed.id, open.id]);
}

pub async fn conversation_list_filters_by_assignee(store: &dyn Store) {
    let fx = seed(store, "list-assignee").await;
    let to_admin = start(store, &fx, "a@customer.example", "Admin", "one", T0).await;
    let to_team = start(store, &fx, "b@customer.example", "Team", "two", T0 + 10).await;
    let nobody = start(store, &fx, "c@customer.example", "Nobody", "three", T0 + 20).await;
    let to_agent = start(store, &fx, "d@customer.example", "Agent", "four", T0 + 30).await;
    let admin = Assignee::User(fx.admin.id);
    let team = Assignee::Team(fx.team.id);
    let agent = Assignee::User(fx.agent.id);
    for (conversation, assignee) in [(&to_admin, admin), (&to_team, team), (&to_agent, agent)] {
        store
            .set_assignee(assign(
                conversation.id,
                Some(assignee),
                fx.admin.id,
                T0 + 40,
            ))
            .await
            .unwrap();
    }
    let query = |assignee| ListQuery {
        assignee,
        ..ListQuery::inbox(fx.inbox.id)
    };
    let all = vec![to_agent.id, nobody.id, to_team.id, to_admin.id];
    assert_eq!(list(store, query(AssigneeFilter::Any)).await, all);
    assert_eq!(
        list(store, query(AssigneeFilter::Unassigned)).await,
        vec![nobody.id]
    );
    assert_eq!(
        list(store, query(AssigneeFilter::Is(admin))).await,
        vec![to_admin.id]
    );
    assert_eq!(
        list(store, query(AssigneeFilter::Is(agent))).await,
        vec![to_agent.id]
    );
    assert_eq!(
        list(store, query(AssigneeFilter::Is(team))).await,
        vec![to_team.id]
    );
    let page = store
        .list_conversations(&query(AssigneeFilter::Is(team)))
        .await
        .unwrap();
    assert_eq!(page.items[0].conversation().unwrap().assignee, Some(team));
}

pub async fn conversation_list_filters_by_channel(store: &dyn Store) {
    let fx = seed(store, "list-channel").await;
    let email = start(store, &fx, "a@customer.example", "Mail", "one", T0).await;
    let new = NewConversation {
        channel: Channel::Chat,
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "b@customer.example",
            "Chat",
            "two",
            T0 + 10,
        )
    };
    let (chat, _) = store.create_conversation(new).await.unwrap();
    let query = |channel| ListQuery {
        channel,
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(
        list(store, query(Some(Channel::Email))).await,
        vec![email.id]
    );
    assert_eq!(list(store, query(Some(Channel::Chat))).await, vec![chat.id]);
    assert!(list(store, query(Some(Channel::Whatsapp))).await.is_empty());
}

pub async fn search_matches_subject_words(store: &dyn Store) {
    let fx = seed(store, "search-subject").await;
    let invoice = start(
        store,
        &fx,
        "a@customer.example",
        "Invoice overdue",
        "see attached",
        T0,
    )
    .await;
    let password = start(
        store,
        &fx,
        "b@customer.example",
        "Password reset",
        "see attached",
        T0 + 10,
    )
    .await;
    assert_eq!(
        search(store, fx.inbox.id, "invoice").await,
        vec![invoice.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "password").await,
        vec![password.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "attached").await,
        vec![password.id, invoice.id]
    );
    assert!(search(store, fx.inbox.id, "shipping").await.is_empty());
}

pub async fn search_matches_message_bodies_including_appended_ones(store: &dyn Store) {
    let fx = seed(store, "search-body").await;
    let parcel = start(
        store,
        &fx,
        "a@customer.example",
        "Hi",
        "My parcel never arrived.",
        T0,
    )
    .await;
    let other = start(
        store,
        &fx,
        "b@customer.example",
        "Hi",
        "Where is my order?",
        T0 + 10,
    )
    .await;
    assert_eq!(search(store, fx.inbox.id, "parcel").await, vec![parcel.id]);
    assert!(search(store, fx.inbox.id, "replacement").await.is_empty());

    store
        .append_entry(reply(
            other.id,
            fx.admin.id,
            "We sent a replacement.",
            T0 + 20,
        ))
        .await
        .unwrap();
    let inbound_later = entry(
        parcel.id,
        EntryKind::Message,
        Some(Direction::Inbound),
        "Tracking says Lisbon",
        T0 + 30,
    );
    store.append_entry(inbound_later).await.unwrap();
    assert_eq!(
        search(store, fx.inbox.id, "replacement").await,
        vec![other.id]
    );
    assert_eq!(search(store, fx.inbox.id, "lisbon").await, vec![parcel.id]);
    // The first message still matches after others were added.
    assert_eq!(search(store, fx.inbox.id, "order").await, vec![other.id]);
}

pub async fn search_matches_contact_name_and_email(store: &dyn Store) {
    let fx = seed(store, "search-contact").await;
    let new = NewConversation {
        contact: new_contact(
            fx.account.id,
            Some("Marguerite Duras"),
            Some("mduras@lettres.example"),
            T0,
        ),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Hello",
            "A question",
            T0,
        )
    };
    let (duras, _) = store.create_conversation(new).await.unwrap();
    start(
        store,
        &fx,
        "someone@else.example",
        "Hello",
        "A question",
        T0 + 10,
    )
    .await;
    for text in [
        "marguerite",
        "Duras",
        "Marguerite Duras",
        "mduras",
        "mduras@lettres.example",
        "lettres.example",
    ] {
        assert_eq!(
            search(store, fx.inbox.id, text).await,
            vec![duras.id],
            "search {text:?}"
        );
    }
}

pub async fn search_matches_word_prefixes_case_insensitively(store: &dyn Store) {
    let fx = seed(store, "search-prefix").await;
    let refund = start(
        store,
        &fx,
        "a@customer.example",
        "Question",
        "I would like a REFUND please",
        T0,
    )
    .await;
    start(
        store,
        &fx,
        "b@customer.example",
        "Question",
        "Thanks for the quick fix",
        T0 + 10,
    )
    .await;
    for text in ["refund", "Refund", "refu", "REFU", "r", "refunD PLEA"] {
        assert_eq!(
            search(store, fx.inbox.id, text).await,
            vec![refund.id],
            "search {text:?}"
        );
    }
    // Prefixes, not infixes.
    assert!(search(store, fx.inbox.id, "efund").await.is_empty());
    assert!(search(store, fx.inbox.id, "refunds").await.is_empty());
}

pub async fn search_matches_words_with_accents_as_written(store: &dyn Store) {
    let fx = seed(store, "search-accents").await;
    let new = NewConversation {
        contact: new_contact(
            fx.account.id,
            Some("Zoë Ångström"),
            Some("zoe@customer.example"),
            T0,
        ),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Crème brûlée",
            "Ça marche très bien",
            T0,
        )
    };
    let (zoe, _) = store.create_conversation(new).await.unwrap();
    start(store, &fx, "b@customer.example", "Hello", "plain", T0 + 10).await;
    for text in ["zoë", "ÅNGSTRÖM", "ångs", "crème", "BRÛLÉE", "ça", "très"] {
        assert_eq!(
            search(store, fx.inbox.id, text).await,
            vec![zoe.id],
            "search {text:?}"
        );
    }
}

pub async fn search_requires_every_word(store: &dyn Store) {
    let fx = seed(store, "search-and").await;
    let order = start(
        store,
        &fx,
        "a@customer.example",
        "Refund",
        "for order 1234",
        T0,
    )
    .await;
    let denied = start(
        store,
        &fx,
        "b@customer.example",
        "Refund",
        "was denied",
        T0 + 10,
    )
    .await;
    assert_eq!(
        search(store, fx.inbox.id, "refund").await,
        vec![denied.id, order.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "refund order").await,
        vec![order.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "refund 1234").await,
        vec![order.id]
    );
    assert_eq!(
        search(store, fx.inbox.id, "denied refund").await,
        vec![denied.id]
    );
    assert!(search(store, fx.inbox.id, "order denied").await.is_empty());
}

pub async fn search_combines_with_filters_and_pages(store: &dyn Store) {
    let fx = seed(store, "search-pages").await;
    let mut shipping = Vec::new();
    for i in 0..5 {
        let email = format!("s{i}@customer.example");
        let conversation = start(store, &fx, &email, "Shipping", "late", T0 + i * 10).await;
        shipping.insert(0, conversation.id);
        start(
            store,
            &fx,
            &format!("o{i}@customer.example"),
            "Other",
            "late",
            T0 + i * 10 + 5,
        )
        .await;
    }
    let closed = shipping[1];
    store
        .set_status(status(closed, Status::Closed, fx.admin.id, T0 + 100))
        .await
        .unwrap();
    let text = Some("shipping late".to_owned());
    let query = ListQuery {
        text: text.clone(),
        limit: 2,
        ..ListQuery::inbox(fx.inbox.id)
    };
    assert_eq!(pages(store, query).await.concat(), shipping);
    let open = ListQuery {
        text,
        status: Some(Status::Open),
        limit: 2,
        ..ListQuery::inbox(fx.inbox.id)
    };
    let expected: Vec<_> = shipping
        .iter()
        .copied()
        .filter(|id| *id != closed)
        .collect();
    assert_eq!(pages(store, open).await.concat(), expected);
}

pub async fn search_with_operator_characters_never_fails(store: &dyn Store) {
    let fx = seed(store, "search-operators").await;
    let refund = start(
        store,
        &fx,
        "a@customer.example",
        "Refund",
        "refund for order",
        T0,
    )
    .await;
    let finds_refund = [
        "\"refund",
        "refund\"",
        "\"refund\"",
        "refund*",
        "refund OR",
        "(refund",
        "refund)",
        "refund & order",
        "refund | order",
        "!refund",
        "refund:",
        "refund:*",
        "-refund",
        "+refund",
        "^refund",
        "refund'",
        "refund\\",
        "refund%",
        "refund_",
        "refund;--",
    ];
    for text in finds_refund {
        let found = store
            .list_conversations(&ListQuery {
                text: Some(text.to_owned()),
                ..ListQuery::inbox(fx.inbox.id)
            })
            .await;
        let ids: Vec<_> = found
            .unwrap_or_else(|e| panic!("search {text:?}: {e}"))
            .items
            .iter()
            .map(item_key)
            .collect();
        assert_eq!(ids, vec![format!("c{}", refund.id)], "search {text:?}");
    }
    let odd = [
        "body:refund",
        "refund NEAR(order",
        "refund AND",
        "\"",
        "*",
        "OR",
        "AND",
        "NOT",
        "(",
        ")",
        "&",
        "!",
        ":",
        "\"\"",
        "()",
        "&|!:*",
        "NEAR",
        "'",
        " ",
        "",
    ];
    for text in odd {
        let query = ListQuery {
            text: Some(text.to_owned()),
            ..ListQuery::inbox(fx.inbox.id)
        };
        if let Err(e) = store.list_conversations(&query).await {
            panic!("search {text:?}: {e}");
        }
    }
    // Punctuation alone holds no word to look for, so nothing matches.
    assert!(search(store, fx.inbox.id, "\"*()&!:").await.is_empty());
}

pub async fn view_counts_count_open_mine_unassigned_and_closed(store: &dyn Store) {
    let fx = seed(store, "view-counts").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            start(
                store,
                &fx,
                &format!("c{i}@customer.example"),
                "Count",
                "body",
                T0 + i,
            )
            .await
            .id,
        );
    }
    let admin = Some(Assignee::User(fx.admin.id));
    store
        .set_assignee(assign(ids[0], admin, fx.admin.id, T0 + 10))
        .await
        .unwrap();
    store
        .set_assignee(assign(
            ids[1],
            Some(Assignee::User(fx.agent.id)),
            fx.admin.id,
            T0 + 10,
        ))
        .await
        .unwrap();
    // ids[2] stays open and unassigned; ids[3] is closed unassigned, ids[4] closed and mine.
    store
        .set_status(status(ids[3], Status::Closed, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    store
        .set_assignee(assign(ids[4], admin, fx.admin.id, T0 + 10))
        .await
        .unwrap();
    store
        .set_status(status(ids[4], Status::Closed, fx.admin.id, T0 + 20))
        .await
        .unwrap();
    // Conversations of another inbox count there only.
    let new = inbound(
        fx.account.id,
        sales.id,
        "s@customer.example",
        "Elsewhere",
        "body",
        T0,
    );
    store.create_conversation(new).await.unwrap();

    let counts = store.view_counts(fx.inbox.id, fx.admin.id).await.unwrap();
    assert_eq!(
        counts,
        ViewCounts {
            open: 3,
            mine: 1,
            unassigned: 1,
            closed: 2
        }
    );
    let counts = store.view_counts(fx.inbox.id, fx.agent.id).await.unwrap();
    assert_eq!(
        counts,
        ViewCounts {
            open: 3,
            mine: 1,
            unassigned: 1,
            closed: 2
        }
    );
    let counts = store.view_counts(sales.id, fx.admin.id).await.unwrap();
    assert_eq!(
        counts,
        ViewCounts {
            open: 1,
            mine: 0,
            unassigned: 1,
            closed: 0
        }
    );
}
