//! Conformance behaviours: outbound email queued with its entry, and the outbox
//! worker's lease, attempts, backoff, failure and retry.

use super::*;

/// A built reply of `conversation` to `to`, with a Message-ID made of `tag`.
fn mail(tag: &str, to: &str) -> OutboundMail {
    OutboundMail {
        kind: OutboxKind::Reply,
        message_id: format!("{tag}@support.example.com"),
        raw: format!("Subject: Re: Hi\r\nMessage-ID: <{tag}@support.example.com>\r\n\r\nbody\r\n")
            .into_bytes(),
        envelope_from: "support@example.com".to_owned(),
        recipients: vec![to.to_owned()],
        subject: "Re: Hi".to_owned(),
    }
}

/// An agent's reply entry carrying the queued delivery state.
fn outbound_entry(conversation: ConversationId, author: UserId, now: Millis) -> NewEntry {
    NewEntry {
        meta: serde_json::json!({"email": {"message_id": "x"}, "delivery": {"state": "queued"}}),
        ..reply(conversation, author, "Thanks, on it", now)
    }
}

/// Queues one reply in a fresh fixture; answers the fixture, conversation and entry.
async fn queued(store: &dyn Store, tag: &str) -> (Fixture, Conversation, TimelineEntry) {
    let fx = seed(store, tag).await;
    let conversation = start(store, &fx, "c@customer.example", "Hi", "hello", T0).await;
    let entry = store
        .append_outbound_email(
            outbound_entry(conversation.id, fx.agent.id, T0 + 10),
            mail(tag, "c@customer.example"),
        )
        .await
        .unwrap();
    (fx, conversation, entry)
}

/// The leased mails of one account (behaviours may share a database).
async fn lease(store: &dyn Store, account: AccountId, now: Millis) -> Vec<LeasedMail> {
    store
        .lease_outbox(now, now + 60_000, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.message.account_id == account)
        .collect()
}

async fn delivery(
    store: &dyn Store,
    conversation: ConversationId,
    entry: EntryId,
) -> serde_json::Value {
    store.entry(conversation, entry).await.unwrap().meta["delivery"].clone()
}

pub async fn outbound_email_is_queued_leased_and_marked_sent_with_its_entry(store: &dyn Store) {
    let (fx, conversation, entry) = queued(store, "outbound-sent").await;
    // The entry is a message like any reply: preview and activity follow it.
    let after = store
        .conversation(fx.account.id, conversation.id)
        .await
        .unwrap();
    assert_eq!(
        (after.preview.as_str(), after.last_activity_at),
        ("Thanks, on it", T0 + 10)
    );
    let ids = store.thread_message_ids(conversation.id).await.unwrap();
    assert_eq!(
        ids,
        vec![ThreadMessageId {
            message_id: "outbound-sent@support.example.com".to_owned(),
            direction: Direction::Outbound,
            entry_id: Some(entry.id),
        }]
    );
    let outbox = store.outbox(fx.account.id, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (
            outbox[0].kind,
            outbox[0].state,
            outbox[0].entry_id,
            outbox[0].attempts
        ),
        (OutboxKind::Reply, OutboxState::Queued, Some(entry.id), 0)
    );

    let leased = lease(store, fx.account.id, T0 + 10).await;
    assert_eq!(leased.len(), 1);
    assert_eq!(
        leased[0].raw,
        Some(mail("outbound-sent", "c@customer.example").raw)
    );
    assert_eq!(
        leased[0].envelope_from.as_deref(),
        Some("support@example.com")
    );
    assert_eq!(leased[0].recipients, vec!["c@customer.example".to_owned()]);

    let delivered = store
        .finish_delivery(leased[0].message.id, DeliveryOutcome::Sent, T0 + 20)
        .await
        .unwrap();
    assert_eq!(
        delivered,
        Some(DeliveredEntry {
            conversation_id: conversation.id,
            inbox_id: fx.inbox.id,
            entry_id: entry.id,
        })
    );
    let row = &store.outbox(fx.account.id, 10).await.unwrap()[0];
    assert_eq!(
        (row.state, row.attempts, row.sent_at, row.last_error.clone()),
        (OutboxState::Sent, 1, Some(T0 + 20), None)
    );
    let meta = store.entry(conversation.id, entry.id).await.unwrap().meta;
    assert_eq!(meta["delivery"]["state"], "sent");
    assert_eq!(meta["delivery"]["attempts"], 1);
    // The rest of the meta stays.
    assert_eq!(meta["email"]["message_id"], "x");
    assert!(lease(store, fx.account.id, T0 + 1_000_000).await.is_empty());
}

pub async fn lease_skips_leased_and_not_yet_due_mail(store: &dyn Store) {
    let (fx, _conversation, _entry) = queued(store, "outbound-lease").await;
    // Not due before it was queued.
    assert!(lease(store, fx.account.id, T0 + 9).await.is_empty());
    let first = store
        .lease_outbox(T0 + 10, T0 + 1_000, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.message.account_id == fx.account.id)
        .count();
    assert_eq!(first, 1);
    // Leased: nobody else gets it until the lease ends.
    assert!(lease(store, fx.account.id, T0 + 500).await.is_empty());
    assert!(lease(store, fx.account.id, T0 + 1_000).await.is_empty());
    // A worker that died mid-send leaves the mail to the next one after the lease.
    let again = lease(store, fx.account.id, T0 + 1_001).await;
    assert_eq!(again.len(), 1);
    // `limit` bounds a lease.
    let (fx2, conversation2, _) = queued(store, "outbound-lease-limit").await;
    store
        .append_outbound_email(
            outbound_entry(conversation2.id, fx2.agent.id, T0 + 10),
            mail("outbound-lease-limit-2", "c@customer.example"),
        )
        .await
        .unwrap();
    let one = store.lease_outbox(T0 + 10, T0 + 100, 1).await.unwrap();
    assert_eq!(one.len(), 1);
}

pub async fn transient_failure_backs_off_until_the_next_attempt(store: &dyn Store) {
    let (fx, conversation, entry) = queued(store, "outbound-backoff").await;
    let leased = lease(store, fx.account.id, T0 + 10).await;
    let retry = DeliveryOutcome::Retry {
        error: "connection refused".to_owned(),
        next_attempt_at: T0 + 10_010,
    };
    let delivered = store
        .finish_delivery(leased[0].message.id, retry, T0 + 10)
        .await
        .unwrap();
    assert_eq!(delivered.map(|d| d.entry_id), Some(entry.id));
    let row = &store.outbox(fx.account.id, 10).await.unwrap()[0];
    assert_eq!(
        (
            row.state,
            row.attempts,
            row.next_attempt_at,
            row.last_error.as_deref()
        ),
        (
            OutboxState::Queued,
            1,
            T0 + 10_010,
            Some("connection refused")
        )
    );
    let meta = delivery(store, conversation.id, entry.id).await;
    assert_eq!(
        (&meta["state"], &meta["attempts"], &meta["error"]),
        (
            &serde_json::json!("queued"),
            &serde_json::json!(1),
            &serde_json::json!("connection refused")
        )
    );
    // The lease ended with the attempt, but the mail waits for its time.
    assert!(lease(store, fx.account.id, T0 + 10_009).await.is_empty());
    let due = lease(store, fx.account.id, T0 + 10_010).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].message.attempts, 1);
}

pub async fn permanent_failure_keeps_the_error_until_an_agent_retries(store: &dyn Store) {
    let (fx, conversation, entry) = queued(store, "outbound-failed").await;
    let leased = lease(store, fx.account.id, T0 + 10).await;
    let failed = DeliveryOutcome::Failed {
        error: "550 no such user".to_owned(),
    };
    store
        .finish_delivery(leased[0].message.id, failed, T0 + 11)
        .await
        .unwrap();
    let row = &store.outbox(fx.account.id, 10).await.unwrap()[0];
    assert_eq!(
        (row.state, row.attempts, row.last_error.as_deref()),
        (OutboxState::Failed, 1, Some("550 no such user"))
    );
    let meta = delivery(store, conversation.id, entry.id).await;
    assert_eq!(meta["state"], "failed");
    assert_eq!(meta["error"], "550 no such user");
    assert!(lease(store, fx.account.id, T0 + 1_000_000).await.is_empty());

    let retried = store
        .retry_delivery(conversation.id, entry.id, T0 + 100)
        .await
        .unwrap();
    assert_eq!(retried.id, entry.id);
    assert_eq!(retried.meta["delivery"]["state"], "queued");
    let row = &store.outbox(fx.account.id, 10).await.unwrap()[0];
    assert_eq!(
        (
            row.state,
            row.attempts,
            row.next_attempt_at,
            row.last_error.clone()
        ),
        (OutboxState::Queued, 0, T0 + 100, None)
    );
    // Only a failed mail is retried.
    assert_err!(
        store
            .retry_delivery(conversation.id, entry.id, T0 + 101)
            .await,
        StoreError::Conflict(_)
    );
    assert_eq!(lease(store, fx.account.id, T0 + 100).await.len(), 1);
}

pub async fn retry_of_an_entry_without_mail_or_of_another_conversation_is_not_found(
    store: &dyn Store,
) {
    let (fx, conversation, entry) = queued(store, "outbound-retry-none").await;
    let other = start(store, &fx, "d@customer.example", "Other", "hello", T0).await;
    assert_err!(
        store.retry_delivery(other.id, entry.id, T0 + 1).await,
        StoreError::NotFound
    );
    let first = store.timeline(conversation.id).await.unwrap()[0].id;
    assert_err!(
        store.retry_delivery(conversation.id, first, T0 + 1).await,
        StoreError::NotFound
    );
}

pub async fn outbound_email_with_a_known_message_id_writes_nothing(store: &dyn Store) {
    let (fx, conversation, _entry) = queued(store, "outbound-duplicate").await;
    let before = store.timeline(conversation.id).await.unwrap().len();
    assert_err!(
        store
            .append_outbound_email(
                outbound_entry(conversation.id, fx.agent.id, T0 + 20),
                mail("outbound-duplicate", "c@customer.example"),
            )
            .await,
        StoreError::Conflict(_)
    );
    assert_eq!(store.timeline(conversation.id).await.unwrap().len(), before);
    assert_eq!(store.outbox(fx.account.id, 10).await.unwrap().len(), 1);
    assert_err!(
        store
            .append_outbound_email(
                outbound_entry(ConversationId(i64::MAX), fx.agent.id, T0 + 20),
                mail("outbound-duplicate-2", "c@customer.example"),
            )
            .await,
        StoreError::NotFound
    );
}

pub async fn notification_mail_is_leased_and_leaves_its_entry_alone(store: &dyn Store) {
    let fx = seed(store, "outbound-notification").await;
    let conversation = start(store, &fx, "e@customer.example", "Hi", "hello", T0).await;
    let new = NewComment {
        notify: vec![mention(fx.agent.id, fx.admin.id, true)],
        ..comment(conversation.id, fx.admin.id, "@Agent look", T0 + 1)
    };
    let written = store.add_comment(new).await.unwrap();
    let leased = lease(store, fx.account.id, T0 + 1).await;
    assert_eq!(leased.len(), 1);
    let mail = &leased[0];
    assert_eq!(mail.message.kind, OutboxKind::Notification);
    assert_eq!((mail.raw.clone(), mail.recipients.len()), (None, 0));
    assert_eq!(mail.message.recipient, fx.agent.email);
    let delivered = store
        .finish_delivery(mail.message.id, DeliveryOutcome::Sent, T0 + 2)
        .await
        .unwrap();
    assert_eq!(delivered, None);
    let meta = store
        .entry(conversation.id, written.entry.id)
        .await
        .unwrap()
        .meta;
    assert!(meta.get("delivery").is_none());
}
