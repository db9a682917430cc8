//! Conformance behaviours: tickets and their conversations.

use super::*;

// Tickets.

pub async fn ticket_takes_the_inbox_of_its_conversations(store: &dyn Store) {
    let fx = seed(store, "ticket-create").await;
    let other = seed(store, "ticket-create-other").await;
    let first = start(store, &fx, "a@customer.example", "Broken", "one", T0).await;
    let second = start(
        store,
        &fx,
        "b@customer.example",
        "Broken too",
        "two",
        T0 + 10,
    )
    .await;
    let new = NewTicket {
        owner_id: Some(fx.agent.id),
        ..new_ticket(fx.account.id, vec![second.id, first.id, second.id], T0 + 20)
    };
    let ticket = store.create_ticket(new).await.unwrap();
    assert_eq!(
        (ticket.account_id, ticket.inbox_id),
        (fx.account.id, fx.inbox.id)
    );
    assert_eq!(
        (ticket.subject.as_str(), ticket.stage, ticket.priority),
        ("Broken parcel", TicketStage::New, Priority::High)
    );
    assert_eq!(
        (ticket.owner_id, ticket.created_at),
        (Some(fx.agent.id), T0 + 20)
    );
    assert_eq!(
        sorted(ticket.conversation_ids.clone()),
        vec![first.id, second.id]
    );

    let read = store.ticket(fx.account.id, ticket.id).await.unwrap();
    assert_eq!(TicketCmp::of(&read), TicketCmp::of(&ticket));
    assert_err!(
        store.ticket(other.account.id, ticket.id).await,
        StoreError::NotFound
    );
    assert_eq!(
        store
            .conversation(fx.account.id, first.id)
            .await
            .unwrap()
            .ticket_ids,
        vec![ticket.id]
    );
    assert_eq!(
        store
            .conversation(fx.account.id, second.id)
            .await
            .unwrap()
            .ticket_ids,
        vec![ticket.id]
    );
}

/// A ticket with its conversation ids sorted, so no test depends on their order.
#[derive(Debug, PartialEq)]
struct TicketCmp(Ticket);

impl TicketCmp {
    fn of(ticket: &Ticket) -> Self {
        let mut ticket = ticket.clone();
        ticket.conversation_ids.sort();
        TicketCmp(ticket)
    }
}

pub async fn ticket_across_two_inboxes_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-inboxes").await;
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
        T0,
    );
    let (sale, _) = store.create_conversation(new).await.unwrap();
    let new = new_ticket(fx.account.id, vec![support.id, sale.id], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    assert!(store
        .tickets(fx.account.id, &[fx.inbox.id, sales.id])
        .await
        .unwrap()
        .is_empty());
}

pub async fn ticket_with_a_conversation_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-other-a").await;
    let other = seed(store, "ticket-other-b").await;
    let mine = start(store, &fx, "a@customer.example", "Mine", "one", T0).await;
    let theirs = start(store, &other, "a@customer.example", "Theirs", "two", T0).await;
    let new = new_ticket(fx.account.id, vec![mine.id, theirs.id], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    let new = new_ticket(fx.account.id, vec![theirs.id], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    let new = new_ticket(fx.account.id, vec![ConversationId(theirs.id.0 + 1_000)], T0);
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
    assert!(store
        .tickets(other.account.id, &[other.inbox.id])
        .await
        .unwrap()
        .is_empty());
}

pub async fn ticket_without_conversations_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-empty").await;
    assert_err!(
        store
            .create_ticket(new_ticket(fx.account.id, vec![], T0))
            .await,
        StoreError::InvalidReference(_)
    );
}

pub async fn ticket_owner_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "ticket-owner-a").await;
    let other = seed(store, "ticket-owner-b").await;
    let conversation = start(store, &fx, "a@customer.example", "Mine", "one", T0).await;
    let new = NewTicket {
        owner_id: Some(other.admin.id),
        ..new_ticket(fx.account.id, vec![conversation.id], T0)
    };
    assert_err!(
        store.create_ticket(new).await,
        StoreError::InvalidReference(_)
    );
}

pub async fn tickets_are_filtered_by_inbox_newest_first(store: &dyn Store) {
    let fx = seed(store, "tickets-list").await;
    let other = seed(store, "tickets-list-other").await;
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
    let (sale, _) = store
        .create_conversation(inbound(
            fx.account.id,
            sales.id,
            "b@customer.example",
            "Sales",
            "two",
            T0,
        ))
        .await
        .unwrap();
    let t1 = store
        .create_ticket(new_ticket(fx.account.id, vec![support.id], T0 + 1))
        .await
        .unwrap();
    let t2 = store
        .create_ticket(new_ticket(fx.account.id, vec![sale.id], T0 + 2))
        .await
        .unwrap();
    let t3 = store
        .create_ticket(new_ticket(fx.account.id, vec![support.id], T0 + 3))
        .await
        .unwrap();
    let ids = |tickets: Vec<Ticket>| tickets.iter().map(|t| t.id).collect::<Vec<_>>();

    let support_tickets = store.tickets(fx.account.id, &[fx.inbox.id]).await.unwrap();
    assert_eq!(
        support_tickets
            .iter()
            .map(TicketCmp::of)
            .collect::<Vec<_>>(),
        vec![TicketCmp::of(&t3), TicketCmp::of(&t1)]
    );
    assert_eq!(
        ids(store.tickets(fx.account.id, &[sales.id]).await.unwrap()),
        vec![t2.id]
    );
    let both = store
        .tickets(fx.account.id, &[fx.inbox.id, sales.id])
        .await
        .unwrap();
    assert_eq!(ids(both), vec![t3.id, t2.id, t1.id]);
    assert!(store.tickets(fx.account.id, &[]).await.unwrap().is_empty());
    // Another account's inbox id yields nothing, even when asked for by id.
    assert!(store
        .tickets(other.account.id, &[fx.inbox.id])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .conversation(fx.account.id, support.id)
            .await
            .unwrap()
            .ticket_ids,
        vec![t1.id, t3.id]
    );
}

pub async fn ticket_update_changes_given_fields_and_clears_the_owner(store: &dyn Store) {
    let fx = seed(store, "ticket-update").await;
    let c = start(store, &fx, "a@customer.example", "Broken", "one", T0).await;
    let ticket = store
        .create_ticket(NewTicket {
            owner_id: Some(fx.agent.id),
            ..new_ticket(fx.account.id, vec![c.id], T0)
        })
        .await
        .unwrap();
    let staged = store
        .update_ticket(
            fx.account.id,
            ticket.id,
            TicketUpdate {
                stage: Some(TicketStage::WaitingOnUs),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            staged.subject.as_str(),
            staged.stage,
            staged.priority,
            staged.owner_id
        ),
        (
            "Broken parcel",
            TicketStage::WaitingOnUs,
            Priority::High,
            Some(fx.agent.id)
        )
    );
    let edited = store
        .update_ticket(
            fx.account.id,
            ticket.id,
            TicketUpdate {
                subject: Some("Parcel lost".to_owned()),
                priority: Some(Priority::Low),
                owner_id: Some(Some(fx.admin.id)),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            edited.subject.as_str(),
            edited.stage,
            edited.priority,
            edited.owner_id
        ),
        (
            "Parcel lost",
            TicketStage::WaitingOnUs,
            Priority::Low,
            Some(fx.admin.id)
        )
    );
    let cleared = store
        .update_ticket(
            fx.account.id,
            ticket.id,
            TicketUpdate {
                owner_id: Some(None),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.owner_id, None);
    assert_eq!(cleared.conversation_ids, vec![c.id]);
    assert_eq!(
        TicketCmp::of(&store.ticket(fx.account.id, ticket.id).await.unwrap()),
        TicketCmp::of(&cleared)
    );
}

pub async fn ticket_update_outside_the_account_writes_nothing(store: &dyn Store) {
    let fx = seed(store, "ticket-update-foreign").await;
    let other = seed(store, "ticket-update-foreign-2").await;
    let c = start(store, &fx, "a@customer.example", "Broken", "one", T0).await;
    let ticket = store
        .create_ticket(new_ticket(fx.account.id, vec![c.id], T0))
        .await
        .unwrap();
    let rename = TicketUpdate {
        subject: Some("Hijacked".to_owned()),
        ..TicketUpdate::default()
    };
    assert_err!(
        store
            .update_ticket(other.account.id, ticket.id, rename.clone())
            .await,
        StoreError::NotFound
    );
    assert_err!(
        store
            .update_ticket(
                fx.account.id,
                ticket.id,
                TicketUpdate {
                    owner_id: Some(Some(other.agent.id)),
                    ..rename
                },
            )
            .await,
        StoreError::InvalidReference("owner_id")
    );
    let read = store.ticket(fx.account.id, ticket.id).await.unwrap();
    assert_eq!(
        (read.subject.as_str(), read.owner_id),
        ("Broken parcel", None)
    );
}
