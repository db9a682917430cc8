//! The WebSocket hub over a real socket: subscribe with permission checks, events after
//! commit, bad frames.

use crate::helpers::*;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(app: &TestApp, token: &str) -> Socket {
    let mut req = format!("ws://{}/api/v1/realtime", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

async fn token(s: &Session) -> String {
    let body: Value = s
        .post("/api/v1/tokens", json!({"name": "ws"}))
        .await
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn next_json(socket: &mut Socket) -> Value {
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

async fn send(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn inbox_subscribers_receive_new_conversations_and_replies_after_commit() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let mut socket = open_socket(&app, &token(&ben).await).await;
    send(
        &mut socket,
        json!({"type": "subscribe", "topic": format!("inbox:{}", f.inbox.id)}),
    )
    .await;
    assert_eq!(next_json(&mut socket).await["type"], "subscribed");

    let ana = app.login(&f.admin.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Live", "Hello")
        .await;
    let frame = next_json(&mut socket).await;
    assert_eq!(frame["type"], "event");
    assert_eq!(frame["topic"], format!("inbox:{}", f.inbox.id));
    assert_eq!(frame["event"]["type"], "conversation_created");
    assert_eq!(frame["event"]["conversation_id"], c["id"]);
    // The conversation is readable when the event arrives: it was published after commit.
    assert_eq!(
        ben.get(&format!("/api/v1/conversations/{}", c["id"]))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        next_json(&mut socket).await["event"]["type"],
        "entry_created"
    );

    ana.post(
        &format!("/api/v1/conversations/{}/replies", c["id"]),
        json!({"body": "Hi!"}),
    )
    .await;
    let frame = next_json(&mut socket).await;
    assert_eq!(frame["event"]["type"], "entry_created");
    // Events carry ids, never bodies.
    assert!(!frame.to_string().contains("Hi!"));
}

#[tokio::test]
async fn topics_the_user_may_not_see_are_refused() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let member = app.login(&f.member.email).await;
    let c = member
        .create_conversation(f.inbox.id, "c@x.test", "Secret", "Hello")
        .await;
    let olga = app.login(&f.outsider.email).await;
    let mut socket = open_socket(&app, &token(&olga).await).await;
    for topic in [
        format!("inbox:{}", f.inbox.id),
        format!("conversation:{}", c["id"]),
        format!("user:{}", f.member.id),
        "account:1".to_owned(),
    ] {
        send(&mut socket, json!({"type": "subscribe", "topic": topic})).await;
        let frame = next_json(&mut socket).await;
        assert_eq!(frame["type"], "error", "{topic}");
        assert_eq!(frame["code"], "forbidden_topic");
    }
    send(
        &mut socket,
        json!({"type": "subscribe", "topic": format!("user:{}", f.outsider.id)}),
    )
    .await;
    assert_eq!(next_json(&mut socket).await["type"], "subscribed");
    // Nothing of the hidden inbox reaches this socket.
    member
        .post(
            &format!("/api/v1/conversations/{}/replies", c["id"]),
            json!({"body": "x"}),
        )
        .await;
    send(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut socket).await["type"], "pong");
}

#[tokio::test]
async fn a_client_sending_garbage_is_told_and_then_disconnected() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let mut socket = open_socket(&app, &token(&s).await).await;
    for _ in 0..10 {
        socket.send(Message::Text("not json".into())).await.unwrap();
    }
    let mut errors = 0;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(msg)) = socket.next().await {
            if let Message::Text(t) = msg {
                assert!(t.contains("bad_frame"));
                errors += 1;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server closes the socket");
    assert!(errors >= 1);
    // A frame over the size limit closes the socket too, and the server lives on.
    let mut socket = open_socket(&app, &token(&s).await).await;
    let _ = socket.send(Message::Text("x".repeat(100_000).into())).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await;
    assert_eq!(s.get("/api/v1/auth/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_socket_needs_authentication() {
    let app = spawn_app().await;
    let req = format!("ws://{}/api/v1/realtime", app.addr)
        .into_client_request()
        .unwrap();
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
}
