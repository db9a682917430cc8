//! Internal comments over HTTP: Markdown rendered to sanitized HTML, @mentions that
//! notify (in the app and through the outbox), deletion by author or admin, and the
//! rule that a comment never reaches the contact.

use crate::attachments::upload_ok;
use crate::helpers::*;
use futures::{SinkExt, StreamExt};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use switchboard_domain::*;
use switchboard_store::NewInbox;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

async fn comment(s: &Session, conversation: &Value, body: Value) -> Response {
    s.post(
        &format!("/api/v1/conversations/{}/comments", conversation["id"]),
        body,
    )
    .await
}

async fn delete(s: &Session, conversation: &Value, entry: &Value) -> Response {
    s.send(
        Method::DELETE,
        &format!(
            "/api/v1/conversations/{}/comments/{}",
            conversation["id"], entry["id"]
        ),
        json!({}),
    )
    .await
}

async fn timeline(s: &Session, conversation: &Value) -> Vec<Value> {
    let body: Value = s
        .get(&format!(
            "/api/v1/conversations/{}/timeline",
            conversation["id"]
        ))
        .await
        .json()
        .await
        .unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn notifications(s: &Session) -> Vec<Value> {
    let body: Value = s.get("/api/v1/notifications").await.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

/// Everything Switchboard has sent, or queued to send, to the contact of a
/// conversation: its outbound messages and its reply and forward mail in the outbox.
/// The no-leak tests assert a comment appears in none of it; every new contact-facing
/// path (email sending, chat widget, WhatsApp, Messenger) adds what it sends here.
async fn contact_facing_texts(
    app: &TestApp,
    account: AccountId,
    conversation: &Value,
) -> Vec<String> {
    let id = ConversationId(conversation["id"].as_i64().unwrap());
    let mut texts: Vec<String> = app
        .store
        .timeline(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.direction == Some(Direction::Outbound) || e.kind == EntryKind::Forward)
        .map(|e| format!("{}\n{}", e.body, e.meta))
        .collect();
    texts.extend(
        app.store
            .outbox(account, 1_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind != OutboxKind::Notification)
            .map(|m| format!("{}\n{}", m.subject, m.body_text)),
    );
    texts
}

#[tokio::test]
async fn a_comment_is_internal_with_rendered_html_and_no_direction() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Broken jug", "It cracked")
        .await;
    let res = comment(
        &ben,
        &c,
        json!({"body": "Same issue as **March** — see `RF-1`"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["kind"], "comment");
    assert_eq!(entry["direction"], Value::Null);
    assert_eq!(
        entry["author"],
        json!({"type": "user", "id": f.member.id.0})
    );
    assert_eq!(entry["body"], "Same issue as **March** — see `RF-1`");
    let html = entry["meta"]["html"].as_str().unwrap();
    assert!(html.contains("<strong>March</strong>"), "{html}");
    assert!(html.contains("<code>RF-1</code>"), "{html}");
    assert_eq!(entry["meta"]["mentions"], json!([]));
    assert_eq!(entry["meta"]["attachments"], json!([]));
    let items = timeline(&ben, &c).await;
    assert_eq!(items.last().unwrap()["id"], entry["id"]);
    // The list preview is still the contact's message.
    let list: Value = ben
        .get(&format!("/api/v1/inboxes/{}/conversations", f.inbox.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["preview"], "It cracked");
}

#[tokio::test]
async fn comment_html_is_sanitized() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let hostile = "<script>alert(1)</script>\n\n\
                   [click me](javascript:alert(document.cookie)) \
                   <img src=x onerror=alert(1)> <a href=\"https://x.test\" onclick=\"steal()\">x</a>\n\n\
                   [docs](https://docs.acme.test)";
    let entry: Value = comment(&ben, &c, json!({"body": hostile}))
        .await
        .json()
        .await
        .unwrap();
    let html = entry["meta"]["html"].as_str().unwrap().to_lowercase();
    // Raw HTML in the Markdown is shown as text (`&lt;script&gt;`); what matters is that
    // no real tag runs script or calls out.
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
        .collect();
    for tag in &tags {
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap();
        assert!(
            ["p", "a", "strong", "em", "code", "pre"].contains(&name),
            "<{tag}> in {html}"
        );
        assert!(!tag.contains("javascript:"), "<{tag}> in {html}");
        assert!(!tag.contains(" on"), "<{tag}> in {html}");
    }
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("href=\"https://docs.acme.test\""), "{html}");
    assert!(
        html.contains("rel=\"noopener noreferrer nofollow\""),
        "{html}"
    );
    assert!(html.contains("target=\"_blank\""), "{html}");
    // The Markdown is kept as written; only the HTML is sanitized.
    assert_eq!(entry["body"], hostile);
}

#[tokio::test]
async fn comments_never_reach_the_contact() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Refund", "Where is my refund?")
        .await;
    let secret = "INTERNAL-ONLY: customer is on the fraud watchlist";
    let res = comment(
        &ben,
        &c,
        json!({"body": secret, "mention_user_ids": [f.admin.id]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = ben
        .post(
            &format!("/api/v1/conversations/{}/replies", c["id"]),
            json!({"body": "Your refund is on its way."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["body"], "Your refund is on its way.");
    assert_eq!(reply["direction"], "outbound");

    let texts = contact_facing_texts(&app, f.account.id, &c).await;
    assert!(!texts.is_empty());
    for text in &texts {
        assert!(!text.contains("INTERNAL-ONLY"), "a comment leaked: {text}");
    }
    // Comments themselves never carry a direction, so no channel takes them as mail.
    for entry in timeline(&ben, &c).await {
        if entry["kind"] == "comment" {
            assert_eq!(entry["direction"], Value::Null);
        }
    }
    // Nor are they searchable from the list.
    let found: Value = ben
        .get(&format!(
            "/api/v1/inboxes/{}/conversations?q=watchlist",
            f.inbox.id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"], json!([]));
}

#[tokio::test]
async fn mentioning_a_user_notifies_them_with_a_link_to_the_comment() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Broken jug", "Help")
        .await;
    let entry: Value = comment(
        &ana,
        &c,
        json!({"body": "@Ben can you check?", "mention_user_ids": [f.member.id, f.member.id]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(entry["meta"]["mentions"], json!([f.member.id.0]));
    let list = notifications(&ben).await;
    assert_eq!(list.len(), 1);
    let n = &list[0];
    assert_eq!(n["kind"], "mention");
    assert_eq!(n["read"], false);
    assert_eq!(n["text"], "Ana Admin mentioned you in “Broken jug”");
    assert_eq!(n["conversation_id"], c["id"]);
    assert_eq!(n["entry_id"], entry["id"]);
    assert_eq!(
        n["link"],
        format!(
            "/inboxes/{}?c={}#entry-{}",
            f.inbox.id, c["id"], entry["id"]
        )
    );
    // The author is not notified of their own comment.
    assert_eq!(notifications(&ana).await, Vec::<Value>::new());
}

#[tokio::test]
async fn mentioning_yourself_notifies_nobody() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let res = comment(
        &ben,
        &c,
        json!({"body": "note to self", "mention_user_ids": [f.member.id]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(notifications(&ben).await, Vec::<Value>::new());
    assert_eq!(app.store.outbox(f.account.id, 10).await.unwrap(), vec![]);
}

#[tokio::test]
async fn mentioning_a_user_who_cannot_see_the_inbox_is_refused() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let olga = app.login(&f.outsider.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let res = comment(
        &ben,
        &c,
        json!({"body": "@Ana @Olga look", "mention_user_ids": [f.admin.id, f.outsider.id]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Olga Outsider cannot see this inbox"),
        "{message}"
    );
    // Nothing was written: no comment, and nobody notified.
    assert_eq!(timeline(&ben, &c).await.len(), 1);
    let ana = app.login(&f.admin.email).await;
    assert_eq!(notifications(&ana).await, Vec::<Value>::new());
    assert_eq!(notifications(&olga).await, Vec::<Value>::new());
}

#[tokio::test]
async fn members_through_a_team_and_admins_can_be_mentioned() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let cleo = app
        .user(
            f.account.id,
            "Cleo Team",
            "cleo@acme.test",
            Role::Agent,
            Seat::Core,
        )
        .await;
    let team: Value = ana
        .post(
            "/api/v1/teams",
            json!({"name": "Tier 2", "member_ids": [cleo.id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    // An inbox Cleo sees through her team, and Ana (an admin) is not a member of.
    let inbox = app
        .store
        .create_inbox(NewInbox {
            account_id: f.account.id,
            name: "Escalations".into(),
            email_address: None,
            member_user_ids: vec![f.member.id],
            member_team_ids: vec![TeamId(team["id"].as_i64().unwrap())],
            now: 1,
        })
        .await
        .unwrap();
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(inbox.id, "c@x.test", "Escalated", "Hello")
        .await;
    let res = comment(
        &ben,
        &c,
        json!({"body": "@Cleo @Ana", "mention_user_ids": [cleo.id, f.admin.id]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let cleo_s = app.login("cleo@acme.test").await;
    assert_eq!(notifications(&cleo_s).await.len(), 1);
    assert_eq!(notifications(&ana).await.len(), 1);
}

#[tokio::test]
async fn mention_ids_of_another_account_are_refused() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let other = app.fixture("Other", "other.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    for id in [other.admin.id.0, other.member.id.0, 987_654] {
        let res = comment(&ben, &c, json!({"body": "hey", "mention_user_ids": [id]})).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        let body: Value = res.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("mention_user_ids"), "{message}");
        // The other account's user is not even named.
        assert!(!message.contains("Ana Admin") && !message.contains("Ben Member"));
    }
    let stranger = app.login(&other.admin.email).await;
    assert_eq!(notifications(&stranger).await, Vec::<Value>::new());
    assert_eq!(timeline(&ben, &c).await.len(), 1);
}

#[tokio::test]
async fn a_mention_queues_an_email_in_the_outbox() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Broken jug", "Help")
        .await;
    let entry: Value = comment(
        &ana,
        &c,
        json!({"body": "Ben, please call them", "mention_user_ids": [f.member.id]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let outbox = app.store.outbox(f.account.id, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    let mail = &outbox[0];
    assert_eq!(mail.kind, OutboxKind::Notification);
    assert_eq!(mail.state, OutboxState::Queued);
    assert_eq!(mail.recipient, f.member.email);
    assert_eq!(mail.subject, "You were mentioned: Broken jug");
    let link = format!(
        "/inboxes/{}?c={}#entry-{}",
        f.inbox.id, c["id"], entry["id"]
    );
    assert!(mail.body_text.contains(&link), "{}", mail.body_text);
    assert!(mail.body_text.contains("Ben, please call them"));
}

#[tokio::test]
async fn a_user_without_notification_emails_gets_no_outbox_row() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let res = ben
        .send(
            Method::PATCH,
            "/api/v1/users/me",
            json!({"notify_email": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["notify_email"], false);
    assert_eq!(me["availability"], "available");
    let ana = app.login(&f.admin.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    comment(
        &ana,
        &c,
        json!({"body": "@Ben", "mention_user_ids": [f.member.id]}),
    )
    .await;
    // Notified in the app, but no mail.
    assert_eq!(notifications(&ben).await.len(), 1);
    assert_eq!(app.store.outbox(f.account.id, 10).await.unwrap(), vec![]);
}

#[tokio::test]
async fn deleting_a_comment_removes_it_and_records_an_audit_event() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let entry: Value = comment(&ben, &c, json!({"body": "oops, wrong thread"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        delete(&ben, &c, &entry).await.status(),
        StatusCode::NO_CONTENT
    );
    let items = timeline(&ben, &c).await;
    assert!(items.iter().all(|e| e["id"] != entry["id"]));
    let event = items.last().unwrap();
    assert_eq!(event["kind"], "event");
    assert_eq!(event["body"], "Ben Member deleted a comment");
    assert_eq!(
        event["meta"],
        json!({"event": "comment_deleted", "comment_id": entry["id"], "author_id": f.member.id.0})
    );
    // Already deleted: there is nothing to delete.
    let res = delete(&ben, &c, &entry).await;
    assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await, "not_found");
}

#[tokio::test]
async fn deleting_another_agents_comment_is_forbidden() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    app.user(
        f.account.id,
        "Cleo Member",
        "cleo@acme.test",
        Role::Agent,
        Seat::Service,
    )
    .await;
    let cleo_id = app
        .store
        .credentials("cleo@acme.test")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let inbox = app
        .store
        .create_inbox(NewInbox {
            account_id: f.account.id,
            name: "Team".into(),
            email_address: None,
            member_user_ids: vec![f.member.id, cleo_id],
            member_team_ids: vec![],
            now: 1,
        })
        .await
        .unwrap();
    let ben = app.login(&f.member.email).await;
    let cleo = app.login("cleo@acme.test").await;
    let c = ben
        .create_conversation(inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let entry: Value = comment(&ben, &c, json!({"body": "mine"}))
        .await
        .json()
        .await
        .unwrap();
    let res = delete(&cleo, &c, &entry).await;
    assert_eq!(expect_error(res, StatusCode::FORBIDDEN).await, "not_author");
    assert!(timeline(&ben, &c)
        .await
        .iter()
        .any(|e| e["id"] == entry["id"]));
    // An admin may delete anyone's comment; the event names the admin.
    let ana = app.login(&f.admin.email).await;
    assert_eq!(
        delete(&ana, &c, &entry).await.status(),
        StatusCode::NO_CONTENT
    );
    let items = timeline(&ben, &c).await;
    assert_eq!(items.last().unwrap()["body"], "Ana Admin deleted a comment");
    assert_eq!(items.last().unwrap()["meta"]["author_id"], f.member.id.0);
}

#[tokio::test]
async fn only_live_comments_of_visible_conversations_can_be_deleted() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let olga = app.login(&f.outsider.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let message = timeline(&ana, &c).await[0].clone();
    assert_eq!(message["kind"], "message");
    let res = delete(&ana, &c, &message).await;
    assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await, "not_found");
    let entry: Value = comment(&ana, &c, json!({"body": "x"}))
        .await
        .json()
        .await
        .unwrap();
    // Olga cannot see the inbox: to her there is no such conversation.
    let res = delete(&olga, &c, &entry).await;
    assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await, "not_found");
    // A comment id under another conversation is not found either.
    let other = ana
        .create_conversation(f.inbox.id, "d@x.test", "Other", "Hello")
        .await;
    assert_eq!(
        delete(&ana, &other, &entry).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(timeline(&ana, &c).await.len(), 2);
}

#[tokio::test]
async fn oversized_and_empty_comment_bodies_are_refused() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let res = comment(&ben, &c, json!({"body": "x".repeat(1024 * 1024)})).await;
    assert!(
        [
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
        .contains(&res.status()),
        "{}",
        res.status()
    );
    let res = comment(&ben, &c, json!({"body": "x".repeat(100_001)})).await;
    assert_eq!(
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let res = comment(&ben, &c, json!({"body": "  \n "})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = comment(&ben, &c, json!({"body": "x", "internal": true})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(timeline(&ben, &c).await.len(), 1);
}

#[tokio::test]
async fn comments_attach_only_the_authors_own_uploads() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let other = app.fixture("Other", "other.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let stranger = app.login(&other.admin.email).await;
    let anas = upload_ok(&ana, "ana.pdf").await;
    let foreign = upload_ok(&stranger, "foreign.pdf").await;
    let bens = upload_ok(&ben, "ben.pdf").await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    for file in [&anas, &foreign] {
        let res = comment(
            &ben,
            &c,
            json!({"body": "x", "attachment_ids": [file["id"]]}),
        )
        .await;
        assert_eq!(
            expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid"
        );
    }
    let res = comment(&ben, &c, json!({"body": "x", "attachment_ids": [424242]})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let entry: Value = comment(
        &ben,
        &c,
        json!({"body": "photo", "attachment_ids": [bens["id"]]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        entry["meta"]["attachments"],
        json!([{"id": bens["id"], "filename": "ben.pdf", "content_type": "application/pdf", "size": 13}])
    );
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket of `s`'s user, subscribed to `topics`.
pub async fn watch(app: &TestApp, s: &Session, topics: &[String]) -> Socket {
    let token: Value = s
        .post("/api/v1/tokens", json!({"name": "ws"}))
        .await
        .json()
        .await
        .unwrap();
    let mut req = format!("ws://{}/api/v1/realtime", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", token["token"].as_str().unwrap())
            .parse()
            .unwrap(),
    );
    let mut socket = tokio_tungstenite::connect_async(req).await.unwrap().0;
    for topic in topics {
        let frame = json!({"type": "subscribe", "topic": topic}).to_string();
        socket.send(Message::Text(frame.into())).await.unwrap();
        loop {
            let frame = next_frame(&mut socket).await;
            if frame["type"] == "subscribed" {
                break;
            }
        }
    }
    socket
}

async fn next_frame(socket: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame in time")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The next event of `kind` on the socket, skipping other frames.
pub async fn next_event(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next_frame(socket).await;
        if frame["type"] == "event" && frame["event"]["type"] == kind {
            return frame["event"].clone();
        }
    }
}

#[tokio::test]
async fn mentions_and_deletions_reach_open_browsers() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Hi", "Hello")
        .await;
    let topics = [
        format!("user:{}", f.member.id),
        format!("conversation:{}", c["id"]),
    ];
    let mut socket = watch(&app, &ben, &topics).await;
    let entry: Value = comment(
        &ana,
        &c,
        json!({"body": "@Ben", "mention_user_ids": [f.member.id]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let created = next_event(&mut socket, "entry_created").await;
    assert_eq!(created["entry_id"], entry["id"]);
    let notified = next_event(&mut socket, "notification_created").await;
    assert_eq!(notified["user_id"], f.member.id.0);
    assert_eq!(
        notified["notification_id"],
        notifications(&ben).await[0]["id"]
    );

    assert_eq!(
        delete(&ana, &c, &entry).await.status(),
        StatusCode::NO_CONTENT
    );
    let deleted = next_event(&mut socket, "entry_deleted").await;
    assert_eq!(deleted["entry_id"], entry["id"]);
    assert_eq!(deleted["conversation_id"], c["id"]);
    assert_eq!(deleted["inbox_id"], f.inbox.id.0);
    let audit = next_event(&mut socket, "entry_created").await;
    assert_ne!(audit["entry_id"], entry["id"]);
}
