//! Conformance behaviours: creating and reading conversations, with their contacts.

use super::*;

// Conversations.

pub async fn create_conversation_creates_contact_and_first_inbound_message(store: &dyn Store) {
    let fx = seed(store, "conversation-create").await;
    let body = "Hello,\n\n  my parcel arrived broken.\nCan I get a refund?";
    let new = NewConversation {
        channel: Channel::Email,
        contact: NewContact {
            name: Some("Jane Roe".to_owned()),
            phone: Some("+1 555 0100".to_owned()),
            ..new_contact(fx.account.id, None, Some("jane@customer.example"), T0)
        },
        meta: serde_json::json!({"message_id": "<m1@customer.example>"}),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Broken parcel",
            body,
            T0,
        )
    };
    let (conversation, first) = store.create_conversation(new).await.unwrap();

    assert_eq!(
        (conversation.account_id, conversation.inbox_id),
        (fx.account.id, fx.inbox.id)
    );
    assert_eq!(
        (conversation.channel, conversation.status),
        (Channel::Email, Status::Open)
    );
    assert_eq!(conversation.subject.as_deref(), Some("Broken parcel"));
    assert_eq!(
        (conversation.assignee, conversation.ticket_ids.clone()),
        (None, vec![])
    );
    assert_eq!(conversation.preview, preview_of(body));
    assert_eq!(
        (conversation.created_at, conversation.last_activity_at),
        (T0, T0)
    );
    let contact = &conversation.contact;
    assert_eq!(contact.account_id, fx.account.id);
    assert_eq!(contact.name.as_deref(), Some("Jane Roe"));
    assert_eq!(contact.email.as_deref(), Some("jane@customer.example"));
    assert_eq!(contact.phone.as_deref(), Some("+1 555 0100"));

    assert_eq!(first.conversation_id, conversation.id);
    assert_eq!(
        (first.kind, first.direction),
        (EntryKind::Message, Some(Direction::Inbound))
    );
    assert_eq!(
        (first.author_contact_id, first.author_user_id),
        (Some(contact.id), None)
    );
    assert_eq!((first.body.as_str(), first.created_at), (body, T0));
    assert_eq!(
        first.meta,
        serde_json::json!({"message_id": "<m1@customer.example>"})
    );

    assert_eq!(
        store
            .conversation(fx.account.id, conversation.id)
            .await
            .unwrap(),
        conversation
    );
    assert_eq!(
        &store.contact(fx.account.id, contact.id).await.unwrap(),
        contact
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap(), vec![first]);
}

pub async fn second_conversation_with_same_email_reuses_the_contact(store: &dyn Store) {
    let fx = seed(store, "conversation-reuse").await;
    let first = start(store, &fx, "jane@customer.example", "First", "one", T0).await;
    assert_eq!(first.contact.name, None);
    let new = NewConversation {
        contact: new_contact(
            fx.account.id,
            Some("Jane Roe"),
            Some("jane@customer.example"),
            T0 + 10,
        ),
        ..inbound(
            fx.account.id,
            fx.inbox.id,
            "unused",
            "Second",
            "two",
            T0 + 10,
        )
    };
    let (second, _) = store.create_conversation(new).await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(second.contact.id, first.contact.id);
    // The contact had no name; the one the later message brought fills it.
    assert_eq!(second.contact.name.as_deref(), Some("Jane Roe"));
    let contacts = store.contacts(fx.account.id, 10, None).await.unwrap();
    assert_eq!(
        contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![first.contact.id]
    );
    assert_eq!(contacts[0].name.as_deref(), Some("Jane Roe"));
}

pub async fn conversation_without_email_reuses_the_contact_by_phone(store: &dyn Store) {
    let fx = seed(store, "conversation-phone").await;
    let by_phone = |now: Millis| NewConversation {
        channel: Channel::Whatsapp,
        contact: NewContact {
            phone: Some("+15550100".to_owned()),
            ..new_contact(fx.account.id, None, None, now)
        },
        subject: None,
        ..inbound(fx.account.id, fx.inbox.id, "unused", "", "hi", now)
    };
    let (first, _) = store.create_conversation(by_phone(T0)).await.unwrap();
    let (second, _) = store.create_conversation(by_phone(T0 + 10)).await.unwrap();
    assert_eq!(first.subject, None);
    assert_eq!(first.contact.phone.as_deref(), Some("+15550100"));
    assert_eq!(second.contact.id, first.contact.id);
}

pub async fn conversation_in_another_accounts_inbox_is_not_found(store: &dyn Store) {
    let fx = seed(store, "conversation-inbox-a").await;
    let other = seed(store, "conversation-inbox-b").await;
    let new = inbound(
        fx.account.id,
        other.inbox.id,
        "jane@customer.example",
        "Hi",
        "hello",
        T0,
    );
    assert_err!(store.create_conversation(new).await, StoreError::NotFound);
    let unknown = inbound(
        fx.account.id,
        InboxId(other.inbox.id.0 + 1_000),
        "jane@customer.example",
        "Hi",
        "hello",
        T0,
    );
    assert_err!(
        store.create_conversation(unknown).await,
        StoreError::NotFound
    );
    assert!(store
        .contacts(fx.account.id, 10, None)
        .await
        .unwrap()
        .is_empty());
}

pub async fn conversation_of_another_account_is_not_found(store: &dyn Store) {
    let fx = seed(store, "conversation-other-a").await;
    let other = seed(store, "conversation-other-b").await;
    let conversation = start(store, &fx, "jane@customer.example", "Hi", "hello", T0).await;
    assert_err!(
        store.conversation(other.account.id, conversation.id).await,
        StoreError::NotFound
    );
    let unknown = ConversationId(conversation.id.0 + 1_000);
    assert_err!(
        store.conversation(fx.account.id, unknown).await,
        StoreError::NotFound
    );
}
