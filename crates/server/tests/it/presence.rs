//! Presence and typing over a real socket: the service-seat gate (and the endpoint that
//! says why), who sees whom, typing, a closed or silent tab disappearing, refused
//! conversations, and a flooding socket closed while the others keep working.

use crate::helpers::*;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchboard_domain::policy::Denied;
use switchboard_domain::{Role, Seat};
use switchboard_server::ServerOptions;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A socket on the server at `addr` (`host:port`), authenticated by a bearer token.
pub async fn open_socket(addr: &str, token: &str) -> Socket {
    let mut req = format!("ws://{addr}/api/v1/realtime")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

/// A fresh API token of a logged-in session.
pub async fn token(s: &Session) -> String {
    let body: Value = s
        .post("/api/v1/tokens", json!({"name": "ws"}))
        .await
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// The next JSON frame (5 s at most).
pub async fn next_json(socket: &mut Socket) -> Value {
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

/// The next frame of a type, skipping others (events).
pub async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next_json(socket).await;
        if frame["type"] == kind {
            return frame;
        }
    }
}

pub async fn send(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

pub async fn subscribe(socket: &mut Socket, topic: &str) {
    send(socket, json!({"type": "subscribe", "topic": topic})).await;
    let mut frame = next_json(socket).await;
    while frame["type"] == "event" {
        frame = next_json(socket).await;
    }
    assert_eq!(frame["type"], "subscribed", "{topic}: {frame}");
}

/// Asserts that no presence frame is waiting: everything queued before the pong.
pub async fn assert_no_presence(socket: &mut Socket) {
    send(socket, json!({"type": "ping"})).await;
    loop {
        let frame = next_json(socket).await;
        assert_ne!(frame["type"], "presence", "unexpected {frame}");
        if frame["type"] == "pong" {
            return;
        }
    }
}

/// `[(id, state, typing)]` of a presence frame's users.
pub fn users(frame: &Value) -> Vec<(i64, String, bool)> {
    frame["users"]
        .as_array()
        .expect("a users list")
        .iter()
        .map(|u| {
            (
                u["id"].as_i64().unwrap(),
                u["state"].as_str().unwrap().to_owned(),
                u["typing"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn presence(conversation: &Value, state: &str) -> Value {
    json!({"type": "presence", "conversation_id": conversation, "state": state})
}

fn typing(conversation: &Value, active: bool) -> Value {
    json!({"type": "typing", "conversation_id": conversation, "active": active})
}

/// An app, its fixture, a conversation in the inbox, and Ana (admin, service seat)
/// watching it with the first (empty) presence frame read.
struct Scene {
    app: TestApp,
    f: Fixture,
    ana: Session,
    ben: Session,
    conversation: Value,
    topic: String,
    ana_socket: Socket,
}

async fn scene(options: ServerOptions) -> Scene {
    let app = spawn_app_with(options).await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let c = ben
        .create_conversation(f.inbox.id, "c@x.test", "Where is my order?", "Hello")
        .await;
    let topic = format!("conversation:{}", c["id"]);
    let mut ana_socket = open_socket(&app.addr, &token(&ana).await).await;
    subscribe(&mut ana_socket, &topic).await;
    let first = next_json(&mut ana_socket).await;
    assert_eq!(first["type"], "presence");
    assert_eq!(first["conversation_id"], c["id"]);
    assert_eq!(first["users"], json!([]));
    Scene {
        app,
        f,
        ana,
        ben,
        conversation: c["id"].clone(),
        topic,
        ana_socket,
    }
}

#[tokio::test]
async fn service_seats_see_who_views_composes_and_types_but_never_themselves() {
    let mut s = scene(ServerOptions::default()).await;
    let ben_id = s.f.member.id.0;
    let ana_id = s.f.admin.id.0;
    let x = s.conversation.clone();
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    subscribe(&mut ben, &s.topic).await;
    assert_eq!(next_of(&mut ben, "presence").await["users"], json!([]));

    send(&mut ben, presence(&x, "viewing")).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame), [(ben_id, "viewing".into(), false)]);
    assert_eq!(frame["users"][0]["name"], "Ben Member");

    send(&mut ben, typing(&x, true)).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame), [(ben_id, "viewing".into(), true)]);

    send(&mut ben, presence(&x, "composing_comment")).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame), [(ben_id, "composing_comment".into(), true)]);

    send(&mut ben, typing(&x, false)).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame), [(ben_id, "composing_comment".into(), false)]);

    // The endpoint agrees, and leaves the caller out.
    let path = format!("/api/v1/conversations/{x}/presence");
    let body: Value = s.ana.get(&path).await.json().await.unwrap();
    assert_eq!(
        body,
        json!({"users": [{"id": ben_id, "name": "Ben Member", "state": "composing_comment", "typing": false}]})
    );
    let body: Value = s.ben.get(&path).await.json().await.unwrap();
    assert_eq!(body, json!({"users": []}));

    // Ana composes a reply: Ben sees her; neither ever sees themselves.
    send(&mut s.ana_socket, presence(&x, "composing_reply")).await;
    let frame = next_of(&mut ben, "presence").await;
    assert_eq!(users(&frame), [(ana_id, "composing_reply".into(), false)]);
    assert_no_presence(&mut s.ana_socket).await;

    send(&mut ben, presence(&x, "left")).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(frame["users"], json!([]));
}

#[tokio::test]
async fn a_core_seat_sees_no_presence_and_the_endpoint_says_why() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    // An admin sees every inbox, so Cora may see the conversation; her seat is core.
    let cora = s
        .app
        .user(
            s.f.account.id,
            "Cora Core",
            "cora@acme.test",
            Role::Admin,
            Seat::Core,
        )
        .await;
    let cora_session = s.app.login(&cora.email).await;
    let mut cora_socket = open_socket(&s.app.addr, &token(&cora_session).await).await;
    subscribe(&mut cora_socket, &s.topic).await;

    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    send(&mut ben, presence(&x, "composing_reply")).await;
    send(&mut ben, typing(&x, true)).await;
    let mut frame = next_of(&mut s.ana_socket, "presence").await;
    if !frame["users"][0]["typing"].as_bool().unwrap() {
        frame = next_of(&mut s.ana_socket, "presence").await;
    }
    assert_eq!(
        users(&frame),
        [(s.f.member.id.0, "composing_reply".into(), true)]
    );
    // Not on subscribe, not on change: the server never sends a core seat presence.
    assert_no_presence(&mut cora_socket).await;

    let path = format!("/api/v1/conversations/{x}/presence");
    let res = cora_session.get(&path).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "service_seat_required");
    assert_eq!(
        body["error"]["message"],
        Denied::ServiceSeatRequired.to_string()
    );

    // A core seat is still seen by service seats: only seeing others is paid.
    send(&mut cora_socket, presence(&x, "viewing")).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame).len(), 2);
    assert_no_presence(&mut cora_socket).await;
}

#[tokio::test]
async fn subscribing_to_a_conversation_sends_who_is_there_at_once() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    send(&mut ben, presence(&x, "composing_reply")).await;
    next_of(&mut s.ana_socket, "presence").await;

    let mut late = open_socket(&s.app.addr, &token(&s.ana).await).await;
    subscribe(&mut late, &s.topic).await;
    let frame = next_json(&mut late).await;
    assert_eq!(frame["type"], "presence");
    assert_eq!(
        users(&frame),
        [(s.f.member.id.0, "composing_reply".into(), false)]
    );
}

#[tokio::test]
async fn a_closed_tab_disappears_at_once() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    send(&mut ben, presence(&x, "viewing")).await;
    send(&mut ben, typing(&x, true)).await;
    next_of(&mut s.ana_socket, "presence").await;
    next_of(&mut s.ana_socket, "presence").await;

    let closed_at = Instant::now();
    ben.close(None).await.unwrap();
    drop(ben);
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(frame["users"], json!([]));
    assert!(
        closed_at.elapsed() < Duration::from_secs(2),
        "gone at once, not at expiry"
    );
    let path = format!("/api/v1/conversations/{x}/presence");
    let body: Value = s.ana.get(&path).await.json().await.unwrap();
    assert_eq!(body, json!({"users": []}));
}

#[tokio::test]
async fn a_tab_that_unsubscribes_from_the_conversation_leaves_it() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    subscribe(&mut ben, &s.topic).await;
    send(&mut ben, presence(&x, "composing_reply")).await;
    assert_eq!(
        users(&next_of(&mut s.ana_socket, "presence").await).len(),
        1
    );
    send(&mut ben, json!({"type": "unsubscribe", "topic": s.topic})).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(frame["users"], json!([]));
}

#[tokio::test]
async fn a_silent_tab_disappears_after_the_ttl_and_heartbeats_keep_it() {
    let ttl = Duration::from_millis(1500);
    let mut s = scene(ServerOptions {
        presence_ttl: ttl,
        ..ServerOptions::default()
    })
    .await;
    let x = s.conversation.clone();
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    send(&mut ben, presence(&x, "viewing")).await;
    next_of(&mut s.ana_socket, "presence").await;

    // Heartbeats (the same frame again) for over a TTL: Ben stays, and nothing changes.
    for _ in 0..6 {
        tokio::time::sleep(ttl / 5).await;
        send(&mut ben, presence(&x, "viewing")).await;
    }
    assert_no_presence(&mut s.ana_socket).await;

    // Then silence, with the socket still open.
    let silent_since = Instant::now();
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(frame["users"], json!([]));
    let after = silent_since.elapsed();
    assert!(after >= ttl / 2, "expired too early: {after:?}");
    let path = format!("/api/v1/conversations/{x}/presence");
    let body: Value = s.ana.get(&path).await.json().await.unwrap();
    assert_eq!(body, json!({"users": []}));
    // The socket still works; a new report brings Ben back.
    send(&mut ben, presence(&x, "viewing")).await;
    assert_eq!(
        users(&next_of(&mut s.ana_socket, "presence").await).len(),
        1
    );
}

#[tokio::test]
async fn presence_on_a_conversation_the_user_may_not_see_is_refused() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    let olga = s.app.login(&s.f.outsider.email).await;
    let mut socket = open_socket(&s.app.addr, &token(&olga).await).await;
    for frame in [presence(&x, "composing_reply"), typing(&x, true)] {
        send(&mut socket, frame).await;
        let answer = next_json(&mut socket).await;
        assert_eq!(answer["type"], "error");
        assert_eq!(answer["code"], "forbidden_conversation");
        assert_eq!(answer["conversation_id"], x);
    }
    send(&mut socket, presence(&json!(999_999_999), "viewing")).await;
    assert_eq!(
        next_json(&mut socket).await["code"],
        "forbidden_conversation"
    );
    // Nothing of it reached the watcher, and the endpoint hides the conversation.
    assert_no_presence(&mut s.ana_socket).await;
    let path = format!("/api/v1/conversations/{x}/presence");
    expect_error(olga.get(&path).await, StatusCode::NOT_FOUND).await;
    expect_error(
        s.ana.get("/api/v1/conversations/999999999/presence").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A state that does not exist is a bad frame.
    send(
        &mut socket,
        json!({"type": "presence", "conversation_id": x, "state": "dancing"}),
    )
    .await;
    assert_eq!(next_json(&mut socket).await["code"], "bad_frame");
}

#[tokio::test]
async fn after_a_conversation_changes_watchers_are_checked_again_and_keep_seeing_presence() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    send(&mut ben, presence(&x, "composing_reply")).await;
    next_of(&mut s.ana_socket, "presence").await;
    // A reply updates the conversation: every cached access answer for it is void
    // (a move would change who may see it).
    let res = s
        .ana
        .post(
            &format!("/api/v1/conversations/{x}/replies"),
            json!({"body": "On its way"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Ben's next frame reaches Ana once her access is confirmed again.
    send(&mut ben, typing(&x, true)).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(
        users(&frame),
        [(s.f.member.id.0, "composing_reply".into(), true)]
    );
}

#[tokio::test]
async fn a_flooding_socket_is_closed_while_others_keep_working() {
    let mut s = scene(ServerOptions::default()).await;
    let x = s.conversation.clone();
    let mut flood = open_socket(&s.app.addr, &token(&s.ben).await).await;
    let frame = Message::Text(typing(&x, true).to_string().into());
    let started = Instant::now();
    for _ in 0..10_000 {
        if flood.feed(frame.clone()).await.is_err() {
            break;
        }
    }
    let _ = flood.flush().await;
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(msg)) = flood.next().await {
            if let Message::Close(close) = msg {
                return close;
            }
        }
        None
    })
    .await
    .expect("the server closes the flooding socket");
    let close = close.expect("with a close frame");
    assert_eq!(close.code, CloseCode::Policy);
    assert!(started.elapsed() < Duration::from_secs(5));

    // The watcher saw Ben come (from the accepted burst) and go (at the close).
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame).len(), 1);
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(frame["users"], json!([]));
    // Everyone else is unaffected: Ana's socket answers, Ben's other tab works.
    send(&mut s.ana_socket, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut s.ana_socket).await["type"], "pong");
    let mut ben = open_socket(&s.app.addr, &token(&s.ben).await).await;
    send(&mut ben, presence(&x, "viewing")).await;
    let frame = next_of(&mut s.ana_socket, "presence").await;
    assert_eq!(users(&frame), [(s.f.member.id.0, "viewing".into(), false)]);
}

#[tokio::test]
async fn the_presence_endpoint_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = &doc["paths"]["/api/v1/conversations/{id}/presence"]["get"];
    assert!(op.is_object(), "presence is documented");
    assert!(op["responses"]["403"].is_object());
}
