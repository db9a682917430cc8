//! The Insert menu's library over HTTP: create and search items of every kind, the
//! fields each kind needs, and snippets rendered with a conversation's variables.

use crate::attachments::upload_ok;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn create(s: &Session, body: Value) -> Value {
    let res = s.post("/api/v1/library", body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.unwrap()
}

async fn titles(s: &Session, query: &str) -> Vec<String> {
    let res = s.get(&format!("/api/v1/library{query}")).await;
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    let body: Value = res.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_and_agents_create_items_of_every_kind_and_search_them() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let file = upload_ok(&ben, "prices.pdf").await;
    let snippet = create(
        &ana,
        json!({"kind": "snippet", "title": "Greeting", "body": "Hi {{contact.first_name}}"}),
    )
    .await;
    assert_eq!(snippet["kind"], "snippet");
    assert_eq!(snippet["created_by"], f.admin.id.0);
    create(&ben, json!({"kind": "meeting_link", "title": "Book a call", "url": "https://meet.acme.test/ben"})).await;
    create(&ben, json!({"kind": "kb_article", "title": "Refund policy", "url": "https://help.acme.test/refunds", "body": "Refunds take 5 days"})).await;
    create(
        &ben,
        json!({"kind": "quote", "title": "Promise", "body": "We answer within a day"}),
    )
    .await;
    create(
        &ben,
        json!({"kind": "video", "title": "2FA setup", "url": "http://videos.acme.test/2fa"}),
    )
    .await;
    let document = create(
        &ben,
        json!({"kind": "document", "title": "Price list", "attachment_id": file["id"]}),
    )
    .await;
    assert_eq!(document["attachment_url"], file["url"]);

    assert_eq!(
        titles(&ben, "").await,
        [
            "2FA setup",
            "Book a call",
            "Greeting",
            "Price list",
            "Promise",
            "Refund policy"
        ]
    );
    assert_eq!(titles(&ben, "?kind=snippet").await, ["Greeting"]);
    assert_eq!(titles(&ben, "?q=REFUND").await, ["Refund policy"]);
    assert_eq!(titles(&ben, "?q=within").await, ["Promise"]);
    assert_eq!(
        titles(&ben, "?kind=video&q=refund").await,
        Vec::<String>::new()
    );
    assert_eq!(
        ben.get("/api/v1/library?kind=poem").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn each_kind_needs_its_fields_and_urls_are_http() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let cases = [
        (json!({"kind": "snippet", "title": "No body"}), "body"),
        (
            json!({"kind": "document", "title": "No file"}),
            "attachment_id",
        ),
        (json!({"kind": "meeting_link", "title": "No url"}), "url"),
        (
            json!({"kind": "kb_article", "title": "No body", "url": "https://kb.test/a"}),
            "body",
        ),
        (
            json!({"kind": "video", "title": "Script", "url": "javascript:alert(1)"}),
            "url",
        ),
        (
            json!({"kind": "meeting_link", "title": "Data", "url": "data:text/html,<b>"}),
            "url",
        ),
        (json!({"kind": "quote", "title": " ", "body": "x"}), "title"),
        (
            json!({"kind": "quote", "title": "Extra", "body": "x", "url": "https://x.test"}),
            "url",
        ),
        (
            json!({"kind": "document", "title": "Missing", "attachment_id": 424242}),
            "attachment_id",
        ),
    ];
    for (body, field) in cases {
        let res = ben.post("/api/v1/library", body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error: Value = res.json().await.unwrap();
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{body}: {message}");
    }
    let res = ben
        .post(
            "/api/v1/library",
            json!({"kind": "poem", "title": "x", "body": "y"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(titles(&ben, "").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_document_shares_only_the_creators_own_file_with_the_account() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let olga = app.login(&f.outsider.email).await;
    let anas = upload_ok(&ana, "secret.pdf").await;
    let res = ben
        .post(
            "/api/v1/library",
            json!({"kind": "document", "title": "Not mine", "attachment_id": anas["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bens = upload_ok(&ben, "prices.pdf").await;
    let url = bens["url"].as_str().unwrap();
    assert_eq!(olga.get(url).await.status(), StatusCode::NOT_FOUND);
    create(
        &ben,
        json!({"kind": "document", "title": "Prices", "attachment_id": bens["id"]}),
    )
    .await;
    // Shared in the library: every user of the account may download it.
    assert_eq!(olga.get(url).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_snippet_is_rendered_with_the_conversations_variables() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let olga = app.login(&f.outsider.email).await;
    let item = create(
        &ben,
        json!({"kind": "snippet", "title": "Reply", "body": "Hi {{contact.first_name}} ({{ contact.email }}), {{agent.first_name}} here about #{{conversation.id}} “{{conversation.subject}}”. {{contact.phone}} {{unknown}}"}),
    )
    .await;
    let c = ben
        .create_conversation(f.inbox.id, "casey@x.test", "Broken jug", "Help")
        .await;
    let res = ben
        .get(&format!(
            "/api/v1/library/{}?conversation_id={}",
            item["id"], c["id"]
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: Value = res.json().await.unwrap();
    assert_eq!(
        got["rendered"],
        format!(
            "Hi Casey (casey@x.test), Ben here about #{} “Broken jug”. {{{{contact.phone}}}} {{{{unknown}}}}",
            c["id"]
        )
    );
    // Without a conversation only the agent is known.
    let got: Value = ben
        .get(&format!("/api/v1/library/{}", item["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert!(got["rendered"]
        .as_str()
        .unwrap()
        .starts_with("Hi {{contact.first_name}} ({{ contact.email }}), Ben here"));
    // A conversation the reader cannot see is not found.
    let res = olga
        .get(&format!(
            "/api/v1/library/{}?conversation_id={}",
            item["id"], c["id"]
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_accounts_library_is_invisible() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let other = app.fixture("Other", "other.test").await;
    let ben = app.login(&f.member.email).await;
    let stranger = app.login(&other.admin.email).await;
    let item = create(&ben, json!({"kind": "quote", "title": "Ours", "body": "x"})).await;
    assert_eq!(titles(&stranger, "").await, Vec::<String>::new());
    let res = stranger
        .get(&format!("/api/v1/library/{}", item["id"]))
        .await;
    assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await, "not_found");
}

#[tokio::test]
async fn the_demo_account_has_a_library_for_every_kind_but_documents() {
    let app = spawn_app().await;
    assert!(switchboard_server::demo::seed(&app.app).await.unwrap());
    let res = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login: Value = res
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": switchboard_server::demo::USERS[1].1, "password": switchboard_server::demo::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(login["csrf_token"].is_string());
    let body: Value = res
        .get(app.url("/api/v1/library"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    for kind in ["snippet", "meeting_link", "kb_article", "quote", "video"] {
        assert!(kinds.contains(&kind), "{kind} missing: {kinds:?}");
    }
    assert!(kinds.iter().filter(|k| **k == "snippet").count() >= 2);
}

#[tokio::test]
async fn the_openapi_document_describes_the_collaboration_routes() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/conversations/{id}/comments", "post"),
        ("/api/v1/conversations/{id}/comments/{comment_id}", "delete"),
        ("/api/v1/attachments", "post"),
        ("/api/v1/attachments/{id}", "get"),
        ("/api/v1/library", "get"),
        ("/api/v1/library", "post"),
        ("/api/v1/library/{id}", "get"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/me", "patch"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from OpenAPI"
        );
    }
    let upload = &paths["/api/v1/attachments"]["post"]["requestBody"]["content"];
    assert!(upload.get("multipart/form-data").is_some(), "{upload}");
}
