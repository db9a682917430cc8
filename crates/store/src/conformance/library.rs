//! Conformance behaviours: the Insert menu's library.

use super::*;

fn item(
    account: AccountId,
    creator: UserId,
    kind: LibraryKind,
    title: &str,
    body: &str,
) -> NewLibraryItem {
    NewLibraryItem {
        account_id: account,
        kind,
        title: title.to_owned(),
        body: Some(body.to_owned()),
        url: None,
        attachment_id: None,
        created_by: creator,
        now: T0,
    }
}

fn query(account: AccountId, kind: Option<LibraryKind>, text: Option<&str>) -> LibraryQuery {
    LibraryQuery {
        account_id: account,
        kind,
        text: text.map(str::to_owned),
        limit: 50,
    }
}

async fn titles(store: &dyn Store, q: LibraryQuery) -> Vec<String> {
    store
        .library_items(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect()
}

pub async fn library_item_is_created_and_read_within_its_account(store: &dyn Store) {
    let fx = seed(store, "library").await;
    let other = seed(store, "library-b").await;
    let new = NewLibraryItem {
        kind: LibraryKind::KbArticle,
        url: Some("https://kb.example/refunds".to_owned()),
        ..item(
            fx.account.id,
            fx.agent.id,
            LibraryKind::KbArticle,
            "Refunds",
            "How refunds work",
        )
    };
    let created = store.create_library_item(new).await.unwrap();
    assert_eq!(
        (created.account_id, created.kind, created.title.as_str()),
        (fx.account.id, LibraryKind::KbArticle, "Refunds")
    );
    assert_eq!(
        (created.body.as_deref(), created.url.as_deref()),
        (Some("How refunds work"), Some("https://kb.example/refunds"))
    );
    assert_eq!(
        (
            created.attachment_id,
            created.created_by,
            created.created_at
        ),
        (None, fx.agent.id, T0)
    );
    assert_eq!(
        store.library_item(fx.account.id, created.id).await.unwrap(),
        created
    );
    assert_err!(
        store.library_item(other.account.id, created.id).await,
        StoreError::NotFound
    );
    assert_eq!(
        store
            .library_items(&query(other.account.id, None, None))
            .await
            .unwrap(),
        vec![]
    );
}

pub async fn library_items_filter_by_kind_and_text_by_title(store: &dyn Store) {
    let fx = seed(store, "library-filter").await;
    for (kind, title, body) in [
        (
            LibraryKind::Snippet,
            "Greeting",
            "Hi {{contact.first_name}}",
        ),
        (
            LibraryKind::Snippet,
            "Refund done",
            "Your refund is on its way",
        ),
        (
            LibraryKind::Quote,
            "Maya",
            "People will never forget how you made them feel",
        ),
        (LibraryKind::Snippet, "Discount", "Take 50% off"),
    ] {
        store
            .create_library_item(item(fx.account.id, fx.admin.id, kind, title, body))
            .await
            .unwrap();
    }
    let all = titles(store, query(fx.account.id, None, None)).await;
    assert_eq!(all, ["Discount", "Greeting", "Maya", "Refund done"]);
    let snippets = titles(
        store,
        query(fx.account.id, Some(LibraryKind::Snippet), None),
    )
    .await;
    assert_eq!(snippets, ["Discount", "Greeting", "Refund done"]);
    // Title or body, any case; LIKE wildcards in the search are plain characters.
    assert_eq!(
        titles(store, query(fx.account.id, None, Some("REFUND"))).await,
        ["Refund done"]
    );
    assert_eq!(
        titles(store, query(fx.account.id, None, Some("forget"))).await,
        ["Maya"]
    );
    assert_eq!(
        titles(store, query(fx.account.id, None, Some("50%"))).await,
        ["Discount"]
    );
    assert_eq!(
        titles(store, query(fx.account.id, None, Some("%"))).await,
        ["Discount"]
    );
    assert_eq!(
        titles(store, query(fx.account.id, None, Some("_"))).await,
        ["Greeting"]
    );
    assert_eq!(
        titles(
            store,
            query(fx.account.id, Some(LibraryKind::Quote), Some("refund"))
        )
        .await,
        Vec::<String>::new()
    );
    let limited = LibraryQuery {
        limit: 2,
        ..query(fx.account.id, None, None)
    };
    assert_eq!(titles(store, limited).await, ["Discount", "Greeting"]);
}

pub async fn library_document_needs_the_creators_own_file(store: &dyn Store) {
    let fx = seed(store, "library-document").await;
    let other = seed(store, "library-document-b").await;
    let own = upload(store, fx.account.id, fx.agent.id, "own.pdf").await;
    let admins = upload(store, fx.account.id, fx.admin.id, "admin.pdf").await;
    let foreign = upload(store, other.account.id, other.agent.id, "other.pdf").await;
    let document = |attachment: AttachmentId| NewLibraryItem {
        body: None,
        attachment_id: Some(attachment),
        ..item(
            fx.account.id,
            fx.agent.id,
            LibraryKind::Document,
            "Price list",
            "",
        )
    };
    let created = store.create_library_item(document(own.id)).await.unwrap();
    assert_eq!(created.attachment_id, Some(own.id));
    for bad in [admins.id, foreign.id] {
        assert_err!(
            store.create_library_item(document(bad)).await,
            StoreError::InvalidReference("attachment_id")
        );
    }
    assert_eq!(
        titles(store, query(fx.account.id, None, None)).await,
        ["Price list"]
    );
}
