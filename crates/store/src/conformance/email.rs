//! Conformance behaviours: inbound email — inbox addresses, filing a received mail,
//! threading by Message-ID and by reply token, duplicates, and the files of mail.

use super::*;

/// A mail from `from` to the fixture's inbox, with nothing to thread by.
fn mail(fx: &Fixture, message_id: &str, from: &str, body: &str, now: Millis) -> InboundEmail {
    InboundEmail {
        account_id: fx.account.id,
        inbox_id: fx.inbox.id,
        message_id: message_id.to_owned(),
        in_reply_to: Vec::new(),
        references: Vec::new(),
        token_conversation_id: None,
        contact: new_contact(fx.account.id, Some("Casey Customer"), Some(from), now),
        subject: Some("Parcel arrived broken".to_owned()),
        body: body.to_owned(),
        email_meta: serde_json::json!({"message_id": message_id, "html": null}),
        attachments: Vec::new(),
        now,
    }
}

/// Files `email` and answers what was stored, failing on a duplicate.
async fn receive(store: &dyn Store, email: InboundEmail) -> (Conversation, TimelineEntry, bool) {
    match store.receive_email(email).await.unwrap() {
        Received::Stored {
            conversation,
            entry,
            created,
        } => (*conversation, entry, created),
        Received::Duplicate { .. } => panic!("filed as a duplicate"),
    }
}

pub async fn inbound_email_opens_a_conversation_with_its_contact_and_name(store: &dyn Store) {
    let fx = seed(store, "mail-new").await;
    let (c, entry, created) = receive(
        store,
        mail(
            &fx,
            "m1@customer.example",
            "casey@customer.example",
            "Hello",
            T0,
        ),
    )
    .await;
    assert!(created);
    assert_eq!(c.inbox_id, fx.inbox.id);
    assert_eq!(c.channel, Channel::Email);
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.subject.as_deref(), Some("Parcel arrived broken"));
    assert_eq!(c.contact.email.as_deref(), Some("casey@customer.example"));
    assert_eq!(c.contact.name.as_deref(), Some("Casey Customer"));
    assert_eq!(entry.kind, EntryKind::Message);
    assert_eq!(entry.direction, Some(Direction::Inbound));
    assert_eq!(entry.author_contact_id, Some(c.contact.id));
    assert_eq!(entry.body, "Hello");
    assert_eq!(entry.meta["email"]["message_id"], "m1@customer.example");
    assert_eq!(entry.meta["email"]["attachments"], serde_json::json!([]));
    let timeline = store.timeline(c.id).await.unwrap();
    assert_eq!(timeline, vec![entry]);
    assert_eq!(search(store, fx.inbox.id, "parcel").await, vec![c.id]);
    // A second conversation from the same address reuses the contact.
    let (again, _, created) = receive(
        store,
        mail(
            &fx,
            "m2@customer.example",
            "casey@customer.example",
            "New topic",
            T0 + 1,
        ),
    )
    .await;
    assert!(created);
    assert_ne!(again.id, c.id);
    assert_eq!(again.contact.id, c.contact.id);
}

pub async fn email_reply_threads_by_in_reply_to_and_by_references(store: &dyn Store) {
    let fx = seed(store, "mail-thread").await;
    let (c, _, _) = receive(
        store,
        mail(
            &fx,
            "root@customer.example",
            "casey@customer.example",
            "Hi",
            T0,
        ),
    )
    .await;
    let mut by_reply = mail(
        &fx,
        "r1@customer.example",
        "casey@customer.example",
        "More",
        T0 + 1,
    );
    by_reply.in_reply_to = vec!["root@customer.example".to_owned()];
    by_reply.subject = Some("Something else entirely".to_owned());
    let (threaded, entry, created) = receive(store, by_reply).await;
    assert!(!created);
    assert_eq!(threaded.id, c.id);
    assert_eq!(threaded.preview, "More");
    assert_eq!(threaded.last_activity_at, T0 + 1);
    assert_eq!(entry.conversation_id, c.id);
    // References alone (In-Reply-To unknown), naming the reply rather than the root.
    let mut by_refs = mail(
        &fx,
        "r2@customer.example",
        "colleague@customer.example",
        "Also",
        T0 + 2,
    );
    by_refs.in_reply_to = vec!["unknown@elsewhere.example".to_owned()];
    by_refs.references = vec![
        "older@elsewhere.example".to_owned(),
        "r1@customer.example".to_owned(),
    ];
    let (threaded, entry, created) = receive(store, by_refs).await;
    assert!(!created);
    assert_eq!(threaded.id, c.id);
    // Someone else on the thread writes as their own contact.
    assert_ne!(entry.author_contact_id, Some(c.contact.id));
    assert_eq!(store.timeline(c.id).await.unwrap().len(), 3);
    assert_eq!(search(store, fx.inbox.id, "also").await, vec![c.id]);
}

pub async fn email_threads_by_a_verified_token_of_its_account_only(store: &dyn Store) {
    let fx = seed(store, "mail-token").await;
    let other = seed(store, "mail-token-other").await;
    let (c, _, _) = receive(
        store,
        mail(
            &fx,
            "t0@customer.example",
            "casey@customer.example",
            "Hi",
            T0,
        ),
    )
    .await;
    let (foreign, _, _) = receive(
        store,
        mail(
            &other,
            "t1@customer.example",
            "casey@customer.example",
            "Hi",
            T0,
        ),
    )
    .await;
    let mut tokened = mail(
        &fx,
        "t2@customer.example",
        "casey@customer.example",
        "Re",
        T0 + 1,
    );
    tokened.token_conversation_id = Some(c.id);
    let (threaded, _, created) = receive(store, tokened).await;
    assert!(!created);
    assert_eq!(threaded.id, c.id);
    // A token naming another account's conversation opens a new one instead.
    let mut crossing = mail(
        &fx,
        "t3@customer.example",
        "casey@customer.example",
        "Re",
        T0 + 2,
    );
    crossing.token_conversation_id = Some(foreign.id);
    let (fresh, _, created) = receive(store, crossing).await;
    assert!(created);
    assert_eq!(fresh.account_id, fx.account.id);
    assert_eq!(store.timeline(foreign.id).await.unwrap().len(), 1);
}

pub async fn duplicate_message_id_writes_nothing(store: &dyn Store) {
    let fx = seed(store, "mail-dup").await;
    let (c, _, _) = receive(
        store,
        mail(
            &fx,
            "dup@customer.example",
            "casey@customer.example",
            "Once",
            T0,
        ),
    )
    .await;
    let again = store
        .receive_email(mail(
            &fx,
            "dup@customer.example",
            "someone@customer.example",
            "Twice",
            T0 + 1,
        ))
        .await
        .unwrap();
    assert_eq!(
        again,
        Received::Duplicate {
            conversation_id: c.id
        }
    );
    assert_eq!(store.timeline(c.id).await.unwrap().len(), 1);
    assert_eq!(list(store, ListQuery::inbox(fx.inbox.id)).await, vec![c.id]);
    let contacts = store.contacts(fx.account.id, 100, None).await.unwrap();
    assert_eq!(contacts.len(), 1);
}

/// The conversation and creation flag of a stored result; panics on anything else.
fn stored(result: &StoreResult<Received>) -> (ConversationId, bool) {
    match result {
        Ok(Received::Stored {
            conversation,
            created,
            ..
        }) => (conversation.id, *created),
        other => panic!("expected a stored mail, got {other:?}"),
    }
}

pub async fn a_batch_of_mails_is_filed_like_the_same_mails_one_by_one(store: &dyn Store) {
    let fx = seed(store, "mail-batch").await;
    assert!(store.receive_emails(Vec::new()).await.is_empty());
    let first = mail(
        &fx,
        "b1@customer.example",
        "casey@customer.example",
        "First",
        T0,
    );
    let mut reply = mail(
        &fx,
        "b2@customer.example",
        "casey@customer.example",
        "Reply",
        T0 + 1,
    );
    reply.in_reply_to = vec!["b1@customer.example".to_owned()];
    let repeated = mail(
        &fx,
        "b1@customer.example",
        "casey@customer.example",
        "Again",
        T0 + 2,
    );
    let other = mail(
        &fx,
        "b3@customer.example",
        "casey@customer.example",
        "Other",
        T0 + 3,
    );
    let mut late_reply = mail(
        &fx,
        "b4@customer.example",
        "robin@customer.example",
        "Late",
        T0 + 4,
    );
    late_reply.references = vec![
        "b3@customer.example".to_owned(),
        "b2@customer.example".to_owned(),
    ];
    let results = store
        .receive_emails(vec![first, reply, repeated, other, late_reply])
        .await;
    assert_eq!(results.len(), 5);
    let (c1, created) = stored(&results[0]);
    assert!(created);
    // A reply to a mail earlier in the same batch joins its conversation.
    assert_eq!(stored(&results[1]), (c1, false));
    // A Message-ID repeated within the batch is a duplicate, as it would be later.
    assert_eq!(
        results[2].as_ref().unwrap(),
        &Received::Duplicate {
            conversation_id: c1
        }
    );
    let (c3, created) = stored(&results[3]);
    assert!(created);
    assert_ne!(c3, c1);
    // References: the newest stored mail named wins, as for a single mail.
    assert_eq!(stored(&results[4]), (c3, false));
    let bodies = |t: Vec<TimelineEntry>| t.into_iter().map(|e| e.body).collect::<Vec<_>>();
    assert_eq!(
        bodies(store.timeline(c1).await.unwrap()),
        ["First", "Reply"]
    );
    assert_eq!(bodies(store.timeline(c3).await.unwrap()), ["Other", "Late"]);
    // One contact per sender, created once even when it writes twice in a batch.
    let contacts = store.contacts(fx.account.id, 100, None).await.unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(search(store, fx.inbox.id, "late").await, vec![c3]);
    // The committed conversation is returned: the reply's preview is its body.
    match &results[4] {
        Ok(Received::Stored { conversation, .. }) => assert_eq!(conversation.preview, "Late"),
        other => panic!("{other:?}"),
    }
}

pub async fn a_failing_mail_in_a_batch_fails_only_itself(store: &dyn Store) {
    let fx = seed(store, "mail-batch-fail").await;
    let other = seed(store, "mail-batch-fail-other").await;
    let good = mail(
        &fx,
        "g1@customer.example",
        "casey@customer.example",
        "Good",
        T0,
    );
    // An inbox of another account: filing it fails with NotFound.
    let mut bad = mail(
        &fx,
        "x1@customer.example",
        "casey@customer.example",
        "Bad",
        T0 + 1,
    );
    bad.inbox_id = other.inbox.id;
    let mut after = mail(
        &fx,
        "g2@customer.example",
        "casey@customer.example",
        "After",
        T0 + 2,
    );
    after.in_reply_to = vec!["g1@customer.example".to_owned()];
    let results = store.receive_emails(vec![good, bad, after]).await;
    assert_eq!(results.len(), 3);
    let (c, created) = stored(&results[0]);
    assert!(created);
    assert!(
        matches!(results[1], Err(StoreError::NotFound)),
        "{:?}",
        results[1]
    );
    assert_eq!(stored(&results[2]), (c, false));
    let bodies: Vec<String> = store
        .timeline(c)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(bodies, ["Good", "After"]);
    assert_eq!(list(store, ListQuery::inbox(fx.inbox.id)).await, vec![c]);
    assert!(list(store, ListQuery::inbox(other.inbox.id))
        .await
        .is_empty());
    // The failed mail left no Message-ID behind: sent again correctly, it is filed.
    let retried = mail(
        &fx,
        "x1@customer.example",
        "casey@customer.example",
        "Bad",
        T0 + 3,
    );
    assert!(stored(&store.receive_emails(vec![retried]).await[0]).1);
}

pub async fn email_threading_never_crosses_accounts(store: &dyn Store) {
    let fx = seed(store, "mail-acct-a").await;
    let other = seed(store, "mail-acct-b").await;
    let (theirs, _, _) = receive(
        store,
        mail(
            &other,
            "shared@customer.example",
            "casey@customer.example",
            "Hi B",
            T0,
        ),
    )
    .await;
    // The same Message-ID in another account is not a duplicate there.
    let (mine, _, created) = receive(
        store,
        mail(
            &fx,
            "shared@customer.example",
            "casey@customer.example",
            "Hi A",
            T0,
        ),
    )
    .await;
    assert!(created);
    assert_ne!(mine.id, theirs.id);
    let mut reply = mail(
        &fx,
        "reply@customer.example",
        "casey@customer.example",
        "Re",
        T0 + 1,
    );
    reply.in_reply_to = vec!["shared@customer.example".to_owned()];
    let (threaded, _, _) = receive(store, reply).await;
    assert_eq!(threaded.id, mine.id);
    // A reply in A to a mail only B has starts a conversation in A.
    let only_b = mail(
        &other,
        "only-b@customer.example",
        "casey@customer.example",
        "B",
        T0,
    );
    receive(store, only_b).await;
    let mut stray = mail(
        &fx,
        "stray@customer.example",
        "casey@customer.example",
        "?",
        T0 + 2,
    );
    stray.references = vec!["only-b@customer.example".to_owned()];
    let (fresh, _, created) = receive(store, stray).await;
    assert!(created);
    assert_eq!(fresh.account_id, fx.account.id);
    assert_eq!(store.timeline(theirs.id).await.unwrap().len(), 1);
}

pub async fn email_reply_follows_a_moved_conversation(store: &dyn Store) {
    let fx = seed(store, "mail-moved").await;
    let sales = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let (c, _, _) = receive(
        store,
        mail(
            &fx,
            "mv@customer.example",
            "casey@customer.example",
            "Hi",
            T0,
        ),
    )
    .await;
    store
        .move_conversation(MoveChange {
            conversation_id: c.id,
            account_id: fx.account.id,
            from_inbox: fx.inbox.id,
            to_inbox: sales.id,
            assignee: None,
            round_robin_previous: None,
            actor: fx.admin.id,
            event_text: "Moved from Support to Sales".to_owned(),
            event_meta: serde_json::json!({"event": "moved"}),
            comment: None,
            notify: Vec::new(),
            now: T0 + 1,
        })
        .await
        .unwrap();
    let mut reply = mail(
        &fx,
        "mv2@customer.example",
        "casey@customer.example",
        "Re",
        T0 + 2,
    );
    reply.in_reply_to = vec!["mv@customer.example".to_owned()];
    let (threaded, _, created) = receive(store, reply).await;
    assert!(!created);
    assert_eq!(threaded.id, c.id);
    assert_eq!(threaded.inbox_id, sales.id);
    assert_eq!(list(store, ListQuery::inbox(sales.id)).await, vec![c.id]);
}

pub async fn email_reply_reopens_a_closed_conversation(store: &dyn Store) {
    let fx = seed(store, "mail-reopen").await;
    let (c, _, _) = receive(
        store,
        mail(
            &fx,
            "cl@customer.example",
            "casey@customer.example",
            "Hi",
            T0,
        ),
    )
    .await;
    store
        .set_status(status(c.id, Status::Closed, fx.admin.id, T0 + 1))
        .await
        .unwrap();
    let mut reply = mail(
        &fx,
        "cl2@customer.example",
        "casey@customer.example",
        "Again",
        T0 + 2,
    );
    reply.in_reply_to = vec!["cl@customer.example".to_owned()];
    let (threaded, _, _) = receive(store, reply).await;
    assert_eq!(threaded.id, c.id);
    assert_eq!(threaded.status, Status::Open);
    assert_eq!(
        store
            .conversation(fx.account.id, c.id)
            .await
            .unwrap()
            .status,
        Status::Open
    );
}

pub async fn inbox_account_names_the_owner_of_an_inbox(store: &dyn Store) {
    let fx = seed(store, "mail-owner").await;
    assert_eq!(
        store.inbox_account(fx.inbox.id).await.unwrap(),
        fx.account.id
    );
    assert!(matches!(
        store.inbox_account(InboxId(i64::MAX)).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn inbox_for_address_matches_case_and_plus_addresses(store: &dyn Store) {
    let fx = seed(store, "mail-addr").await;
    let expected = Some((fx.account.id, fx.inbox.id));
    let primary = fx.inbox.email_address.clone().unwrap();
    assert_eq!(store.inbox_for_address(&primary).await.unwrap(), expected);
    assert_eq!(
        store
            .inbox_for_address(&primary.to_uppercase())
            .await
            .unwrap(),
        expected
    );
    let (local, domain) = primary.split_once('@').unwrap();
    let tagged = format!("{local}+abc123@{domain}");
    assert_eq!(store.inbox_for_address(&tagged).await.unwrap(), expected);
    store
        .add_inbox_address(fx.account.id, fx.inbox.id, "Help@Mail-Addr.Example", T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .inbox_for_address("help+x@mail-addr.example")
            .await
            .unwrap(),
        expected
    );
    assert_eq!(
        store
            .inbox_for_address("nobody@mail-addr.example")
            .await
            .unwrap(),
        None
    );
}

pub async fn inbox_address_is_unique_across_the_installation(store: &dyn Store) {
    let fx = seed(store, "mail-uniq-a").await;
    let other = seed(store, "mail-uniq-b").await;
    let primary = fx.inbox.email_address.clone().unwrap();
    assert_err!(
        store
            .add_inbox_address(
                other.account.id,
                other.inbox.id,
                &primary.to_uppercase(),
                T0
            )
            .await,
        StoreError::Conflict(_)
    );
    store
        .add_inbox_address(fx.account.id, fx.inbox.id, "extra@mail-uniq.example", T0)
        .await
        .unwrap();
    assert_err!(
        store
            .add_inbox_address(fx.account.id, fx.inbox.id, "EXTRA@mail-uniq.example", T0)
            .await,
        StoreError::Conflict(_)
    );
    // An inbox of another account cannot be given an address through this one.
    assert_err!(
        store
            .add_inbox_address(fx.account.id, other.inbox.id, "x@mail-uniq.example", T0)
            .await,
        StoreError::NotFound
    );
    assert_eq!(
        store
            .inbox_for_address("extra@mail-uniq.example")
            .await
            .unwrap(),
        Some((fx.account.id, fx.inbox.id))
    );
}

pub async fn email_attachments_are_recorded_with_their_entry(store: &dyn Store) {
    let fx = seed(store, "mail-files").await;
    let other = seed(store, "mail-files-other").await;
    let mut email = mail(
        &fx,
        "f@customer.example",
        "casey@customer.example",
        "See",
        T0,
    );
    email.attachments = vec![
        NewEmailAttachment {
            filename: "passwd".to_owned(),
            content_type: "text/html".to_owned(),
            size: 12,
            sha256: "ab".repeat(32),
            content_id: None,
            inline: false,
        },
        NewEmailAttachment {
            filename: "logo.png".to_owned(),
            content_type: "image/png".to_owned(),
            size: 34,
            sha256: "cd".repeat(32),
            content_id: Some("logo@x".to_owned()),
            inline: true,
        },
    ];
    let (c, entry, _) = receive(store, email).await;
    let listed = entry.meta["email"]["attachments"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["content_id"], "logo@x");
    assert_eq!(listed[1]["inline"], true);
    // The stored entry carries the same list.
    assert_eq!(store.entry(c.id, entry.id).await.unwrap().meta, entry.meta);
    let id = EmailAttachmentId(listed[0]["id"].as_i64().unwrap());
    let (file, conversation) = store.email_attachment(fx.account.id, id).await.unwrap();
    assert_eq!(conversation, c.id);
    assert_eq!(file.entry_id, entry.id);
    assert_eq!(file.filename, "passwd");
    assert_eq!(file.size, 12);
    assert!(!file.inline);
    assert_err!(
        store.email_attachment(other.account.id, id).await,
        StoreError::NotFound
    );
    let (logo, conversation) = store
        .email_attachment_by_cid(fx.account.id, "f@customer.example", "logo@x")
        .await
        .unwrap();
    assert_eq!(conversation, c.id);
    assert_eq!(logo.sha256, "cd".repeat(32));
    assert!(logo.inline);
    assert_err!(
        store
            .email_attachment_by_cid(other.account.id, "f@customer.example", "logo@x")
            .await,
        StoreError::NotFound
    );
}
