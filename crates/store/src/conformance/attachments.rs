//! Conformance behaviours: uploaded files' rows and where they are used.

use super::*;

pub async fn attachment_is_created_and_read_within_its_account(store: &dyn Store) {
    let fx = seed(store, "attachment").await;
    let other = seed(store, "attachment-b").await;
    let file = upload(store, fx.account.id, fx.agent.id, "jug.pdf").await;
    assert_eq!(
        (file.account_id, file.uploaded_by, file.filename.as_str()),
        (fx.account.id, fx.agent.id, "jug.pdf")
    );
    assert_eq!(
        (file.content_type.as_str(), file.size, file.created_at),
        ("application/pdf", 1234, T0)
    );
    assert_eq!(file.sha256, "ab".repeat(32));
    assert_eq!(
        store.attachment(fx.account.id, file.id).await.unwrap(),
        file
    );
    assert_err!(
        store.attachment(other.account.id, file.id).await,
        StoreError::NotFound
    );
    // The same bytes uploaded twice are two attachments of one stored file.
    let again = upload(store, fx.account.id, fx.admin.id, "copy.pdf").await;
    assert_ne!(again.id, file.id);
    assert_eq!(again.sha256, file.sha256);
}

pub async fn attachment_uploader_of_another_account_is_invalid_reference(store: &dyn Store) {
    let fx = seed(store, "attachment-foreign").await;
    let other = seed(store, "attachment-foreign-b").await;
    assert_err!(
        store
            .create_attachment(new_attachment(fx.account.id, other.agent.id, "x.pdf"))
            .await,
        StoreError::InvalidReference(_)
    );
}

pub async fn attachment_uses_name_inboxes_of_comments_and_the_library(store: &dyn Store) {
    let fx = seed(store, "attachment-uses").await;
    let other = seed(store, "attachment-uses-b").await;
    let second = add_inbox(
        store,
        fx.account.id,
        "Sales",
        None,
        vec![fx.admin.id],
        vec![],
    )
    .await;
    let file = upload(store, fx.account.id, fx.agent.id, "plan.pdf").await;
    assert_eq!(
        store.attachment_uses(fx.account.id, file.id).await.unwrap(),
        AttachmentUses::default()
    );
    let first = start(store, &fx, "a@customer.example", "Hi", "hello", T0).await;
    let elsewhere = store
        .create_conversation(inbound(
            fx.account.id,
            second.id,
            "b@customer.example",
            "Deal",
            "hello",
            T0,
        ))
        .await
        .unwrap()
        .0;
    for c in [first.id, first.id, elsewhere.id] {
        let new = NewComment {
            attachment_ids: vec![file.id],
            ..comment(c, fx.agent.id, "see file", T0 + 1)
        };
        store.add_comment(new).await.unwrap();
    }
    let uses = store.attachment_uses(fx.account.id, file.id).await.unwrap();
    assert_eq!(uses.inbox_ids, sorted(vec![fx.inbox.id, second.id]));
    assert!(!uses.in_library);
    store
        .create_library_item(NewLibraryItem {
            account_id: fx.account.id,
            kind: LibraryKind::Document,
            title: "Plan".to_owned(),
            body: None,
            url: None,
            attachment_id: Some(file.id),
            created_by: fx.agent.id,
            now: T0,
        })
        .await
        .unwrap();
    assert!(
        store
            .attachment_uses(fx.account.id, file.id)
            .await
            .unwrap()
            .in_library
    );
    // Another account learns nothing about the file.
    assert_eq!(
        store
            .attachment_uses(other.account.id, file.id)
            .await
            .unwrap(),
        AttachmentUses::default()
    );
}
