//! `GET /api/v1/realtime`: the WebSocket of a browser tab.
//!
//! Client → server frames (JSON objects, at most 16 KB, at most [`RATE`] a second in
//! bursts of [`BURST`]; a client far over that is closed with code 1008):
//! - `{"type": "subscribe" | "unsubscribe", "topic": "inbox:1" | "conversation:2" | "user:3"}`
//! - `{"type": "presence", "conversation_id": 2, "state": "viewing" | "composing_reply" |
//!   "composing_comment" | "left"}`
//! - `{"type": "typing", "conversation_id": 2, "active": true | false}`
//! - `{"type": "ping"}`
//!
//! Presence and typing frames are also heartbeats: an entry not repeated within the
//! presence TTL (30 s) disappears, so a client repeats its state every 10–15 s; a
//! closed socket, or one that unsubscribes from `conversation:{id}`, leaves at once.
//!
//! Server → client: `{"type": "event", "topic", "event"}` after commits;
//! `{"type": "presence", "conversation_id", "users": [{"id", "name", "state",
//! "typing"}]}` to subscribers of `conversation:{id}` holding a service seat, when the
//! list changes and right after they subscribe (a user never appears in their own
//! list); `subscribed`, `pong`, and `{"type": "error", "code", "message"}`.
//!
//! Whether the user may see a conversation is asked of the service layer once per
//! socket and conversation, then cached in the hub until a `ConversationUpdated` event
//! (a move) voids it; the hub then asks this task to check again.

use crate::app::{App, AuthenticatedUser};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};
use switchboard_domain::event::Topic;
use switchboard_domain::ConversationId;
use switchboard_realtime::{Access, Change, Frame, ReportedState, SocketId, Watcher};
use tokio::sync::{mpsc, oneshot};

/// The largest frame a client may send.
const MAX_CLIENT_FRAME: usize = 16 * 1024;
/// Frames queued for a socket before new ones are dropped.
const SEND_QUEUE: usize = 256;
/// Bad frames tolerated before the socket is closed.
const MAX_BAD_FRAMES: u32 = 10;
/// Client frames a second, sustained.
const RATE: f64 = 20.0;
/// Client frames accepted at once; as many again over budget closes the socket.
const BURST: f64 = 40.0;
/// The close code of a socket that broke a rule (RFC 6455: policy violation).
const POLICY_VIOLATION: u16 = 1008;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientFrame {
    Subscribe {
        topic: String,
    },
    Unsubscribe {
        topic: String,
    },
    Presence {
        conversation_id: i64,
        state: ReportedState,
    },
    Typing {
        conversation_id: i64,
        active: bool,
    },
    Ping,
}

/// A token bucket over a socket's frames: [`RATE`] a second, bursts of [`BURST`].
/// Frames over budget are dropped; a client that keeps sending while over budget
/// (another burst's worth) is closed.
struct FrameBudget {
    tokens: f64,
    last: Instant,
}

#[derive(Debug, PartialEq, Eq)]
enum Budget {
    Ok,
    /// Drop this frame.
    Over,
    /// Close the socket.
    Exhausted,
}

impl FrameBudget {
    fn new(now: Instant) -> Self {
        FrameBudget {
            tokens: BURST,
            last: now,
        }
    }

    fn take(&mut self, now: Instant) -> Budget {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * RATE).min(BURST);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Budget::Ok
        } else if self.tokens >= -BURST {
            Budget::Over
        } else {
            Budget::Exhausted
        }
    }
}

/// Refuses a cross-site handshake: a page of another origin must not ride the cookie.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser, or a same-origin request that sent none
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest == host)
}

pub(super) async fn connect(
    State(state): State<AppState>,
    Auth(user): Auth,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> ApiResult<Response> {
    if !same_origin(&headers) {
        return Err(ApiError::Csrf);
    }
    let app = state.app.clone();
    Ok(ws
        .max_message_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| serve(socket, app, user)))
}

/// One socket's view of the service layer: its user, its hub id and its reply channel.
struct Session {
    app: App,
    user: AuthenticatedUser,
    id: SocketId,
    tx: mpsc::Sender<Frame>,
}

impl Session {
    fn reply(&self, value: serde_json::Value) {
        let _ = self.tx.try_send(Frame::from(value.to_string()));
    }

    /// May the user see the conversation? The hub's cached answer, else the service
    /// layer's (then cached until the conversation changes).
    async fn may_see(&self, conversation: ConversationId) -> ApiResult<bool> {
        match self.app.hub.access(self.id, conversation) {
            Some(Access::Granted) => return Ok(true),
            Some(Access::Denied) => return Ok(false),
            Some(Access::Checking) | None => {}
        }
        self.app.hub.begin_check(self.id, conversation);
        match self.app.conversation(&self.user.actor, conversation).await {
            Ok(_) => {
                self.app.hub.finish_check(self.id, conversation, true);
                Ok(true)
            }
            Err(ApiError::NotFound | ApiError::Denied(_)) => {
                self.app.hub.finish_check(self.id, conversation, false);
                Ok(false)
            }
            Err(e) => {
                self.app.hub.cancel_check(self.id, conversation);
                Err(e)
            }
        }
    }

    async fn may_subscribe(&self, topic: Topic) -> ApiResult<bool> {
        match topic {
            Topic::User(id) => Ok(id == self.user.user.id),
            Topic::Inbox(id) => self.app.can_see_inbox(&self.user.actor, id).await,
            Topic::Conversation(id) => self.may_see(id).await,
        }
    }

    async fn subscribe(&self, raw: &str) {
        let allowed = match Topic::parse(raw) {
            Some(topic) => match self.may_subscribe(topic).await {
                Ok(true) => {
                    self.app.hub.subscribe(self.id, topic);
                    Some(topic)
                }
                Ok(false) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "subscribe check failed");
                    None
                }
            },
            None => None,
        };
        match allowed {
            Some(topic) => {
                self.reply(json!({"type": "subscribed", "topic": raw}));
                if let Topic::Conversation(id) = topic {
                    self.app.hub.send_presence(self.id, id);
                }
            }
            None => self.reply(
                json!({"type": "error", "code": "forbidden_topic", "topic": raw, "message": "no such topic, or not visible to you"}),
            ),
        }
    }

    /// A presence or typing report: accepted on a conversation the user may see.
    async fn report(&self, conversation: ConversationId, change: Change) {
        match self.may_see(conversation).await {
            Ok(true) => self.app.hub.report_presence(self.id, conversation, change),
            Ok(false) => {
                self.app.hub.revoke(self.id, conversation);
                self.reply(json!({"type": "error", "code": "forbidden_conversation",
                    "conversation_id": conversation,
                    "message": "no such conversation, or not visible to you"}));
            }
            Err(e) => {
                tracing::warn!(error = %e, "presence check failed");
                self.reply(json!({"type": "error", "code": "internal",
                    "conversation_id": conversation, "message": "try again later"}));
            }
        }
    }

    /// The hub voided the user's access to a conversation (it changed): check again.
    async fn recheck(&self, conversation: ConversationId) {
        match self.app.conversation(&self.user.actor, conversation).await {
            Ok(_) => {
                if self.app.hub.finish_check(self.id, conversation, true) {
                    self.app.hub.send_presence(self.id, conversation);
                }
            }
            Err(ApiError::NotFound | ApiError::Denied(_)) => {
                self.app.hub.finish_check(self.id, conversation, false);
                if self.app.hub.revoke(self.id, conversation) {
                    self.reply(json!({"type": "error", "code": "forbidden_topic",
                        "topic": Topic::Conversation(conversation).to_string(),
                        "message": "this conversation is no longer visible to you"}));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "access recheck failed");
                self.app.hub.cancel_check(self.id, conversation);
            }
        }
    }

    async fn handle(&self, frame: ClientFrame) {
        match frame {
            ClientFrame::Ping => self.reply(json!({"type": "pong"})),
            ClientFrame::Subscribe { topic } => self.subscribe(&topic).await,
            ClientFrame::Unsubscribe { topic } => {
                if let Some(topic) = Topic::parse(&topic) {
                    self.app.hub.unsubscribe(self.id, topic);
                    // A tab that stops watching a conversation has left it.
                    if let Topic::Conversation(id) = topic {
                        self.app.hub.leave(self.id, id);
                    }
                }
            }
            ClientFrame::Presence {
                conversation_id,
                state,
            } => {
                let change = match state.state() {
                    Some(state) => Change::State(state),
                    None => Change::Left,
                };
                self.report(ConversationId(conversation_id), change).await;
            }
            ClientFrame::Typing {
                conversation_id,
                active,
            } => {
                self.report(ConversationId(conversation_id), Change::Typing(active))
                    .await;
            }
        }
    }
}

/// Writes the hub's frames to the socket until the socket or the hub side ends, or a
/// close frame is asked for.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Frame>,
    mut close: oneshot::Receiver<CloseFrame>,
) {
    loop {
        tokio::select! {
            biased;
            asked = &mut close => {
                if let Ok(frame) = asked {
                    let _ = sink.send(Message::Close(Some(frame))).await;
                }
                return;
            }
            frame = rx.recv() => {
                let Some(frame) = frame else { return };
                if sink.send(Message::Text(frame.as_ref().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[tracing::instrument(name = "websocket", skip_all, fields(user_id = %user.user.id, socket_id))]
async fn serve(socket: WebSocket, app: App, user: AuthenticatedUser) {
    let (sink, mut stream) = socket.split();
    let (tx, rx) = mpsc::channel::<Frame>(SEND_QUEUE);
    let (close_tx, close_rx) = oneshot::channel();
    let watcher = Watcher::new(&user.actor, &user.user.name);
    let (id, mut rechecks) = app.hub.connect(tx.clone(), watcher);
    tracing::Span::current().record("socket_id", tracing::field::display(id));
    let writer = tokio::spawn(write(sink, rx, close_rx));
    let session = Session { app, user, id, tx };
    let mut budget = FrameBudget::new(Instant::now());
    let mut bad = 0u32;
    let mut over = false;
    let mut close = None;
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            Some(conversation) = rechecks.recv() => {
                session.recheck(conversation).await;
                continue;
            }
        };
        let Some(Ok(message)) = message else { break };
        if let Message::Close(_) = message {
            break;
        }
        // Every frame counts, pings and binary ones too.
        match budget.take(Instant::now()) {
            Budget::Ok => over = false,
            Budget::Over => {
                if !over {
                    session.reply(json!({"type": "error", "code": "rate_limited", "message": "too many frames; slow down"}));
                }
                over = true;
                continue;
            }
            Budget::Exhausted => {
                tracing::info!("closing a socket that floods frames");
                close = Some(CloseFrame {
                    code: POLICY_VIOLATION,
                    reason: "rate limit exceeded".into(),
                });
                break;
            }
        }
        let Message::Text(text) = message else {
            continue;
        };
        let frame = match serde_json::from_str::<ClientFrame>(&text) {
            Ok(frame) => frame,
            Err(_) => {
                bad += 1;
                session.reply(
                    json!({"type": "error", "code": "bad_frame", "message": "frames are JSON objects with a known type"}),
                );
                if bad >= MAX_BAD_FRAMES {
                    break;
                }
                continue;
            }
        };
        session.handle(frame).await;
    }
    session.app.hub.disconnect(id);
    drop(session);
    match close {
        Some(frame) => {
            let _ = close_tx.send(frame);
            if tokio::time::timeout(Duration::from_secs(1), writer)
                .await
                .is_err()
            {
                tracing::debug!("the close frame could not be written in time");
            }
        }
        None => writer.abort(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_handshakes_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "https://evil.test".parse().unwrap());
        assert!(!same_origin(&h));
    }

    #[test]
    fn the_frame_budget_allows_bursts_refills_and_closes_floods() {
        let t0 = Instant::now();
        let mut budget = FrameBudget::new(t0);
        for _ in 0..40 {
            assert_eq!(budget.take(t0), Budget::Ok);
        }
        assert_eq!(budget.take(t0), Budget::Over);
        // Half a second refills ten frames (minus the one over budget).
        let later = t0 + Duration::from_millis(500);
        assert_eq!(budget.take(later), Budget::Ok);
        let mut budget = FrameBudget::new(t0);
        let outcomes: Vec<Budget> = (0..100).map(|_| budget.take(t0)).collect();
        assert_eq!(outcomes.iter().filter(|b| **b == Budget::Ok).count(), 40);
        assert_eq!(outcomes.last(), Some(&Budget::Exhausted));
        // A steady 20 a second is always fine.
        let mut budget = FrameBudget::new(t0);
        for i in 0..1000 {
            assert_eq!(budget.take(t0 + Duration::from_millis(50 * i)), Budget::Ok);
        }
    }
}
