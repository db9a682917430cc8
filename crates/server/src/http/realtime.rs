//! `GET /api/v1/realtime`: the WebSocket of a browser tab. The client subscribes to
//! topics it may see (checked here, through the service layer's policy) and receives
//! `{"type": "event", "topic", "event"}` frames for committed changes.

use crate::app::{App, AuthenticatedUser};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use switchboard_domain::event::Topic;
use switchboard_realtime::{Frame, SocketId};
use tokio::sync::mpsc;

/// The largest frame a client may send.
const MAX_CLIENT_FRAME: usize = 16 * 1024;
/// Frames queued for a socket before new ones are dropped.
const SEND_QUEUE: usize = 256;
/// Bad frames tolerated before the socket is closed.
const MAX_BAD_FRAMES: u32 = 10;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientFrame {
    Subscribe { topic: String },
    Unsubscribe { topic: String },
    Ping,
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

async fn may_subscribe(app: &App, user: &AuthenticatedUser, topic: Topic) -> ApiResult<bool> {
    match topic {
        Topic::User(id) => Ok(id == user.user.id),
        Topic::Inbox(id) => app.can_see_inbox(&user.actor, id).await,
        Topic::Conversation(id) => match app.conversation(&user.actor, id).await {
            Ok(_) => Ok(true),
            Err(ApiError::NotFound | ApiError::Denied(_)) => Ok(false),
            Err(e) => Err(e),
        },
    }
}

#[tracing::instrument(name = "websocket", skip_all, fields(user_id = %user.user.id))]
async fn serve(socket: WebSocket, app: App, user: AuthenticatedUser) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Frame>(SEND_QUEUE);
    let id: SocketId = app.hub.connect(tx.clone());
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if sink
                .send(Message::Text(frame.as_ref().into()))
                .await
                .is_err()
            {
                break;
            }
        }
    });
    let reply = |value: serde_json::Value| {
        let _ = tx.try_send(Frame::from(value.to_string()));
    };
    let mut bad = 0u32;
    while let Some(Ok(message)) = stream.next().await {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => break,
            _ => continue,
        };
        let frame = match serde_json::from_str::<ClientFrame>(&text) {
            Ok(frame) => frame,
            Err(_) => {
                bad += 1;
                reply(
                    json!({"type": "error", "code": "bad_frame", "message": "frames are JSON objects with a known type"}),
                );
                if bad >= MAX_BAD_FRAMES {
                    break;
                }
                continue;
            }
        };
        match frame {
            ClientFrame::Ping => reply(json!({"type": "pong"})),
            ClientFrame::Subscribe { topic: raw } => {
                let allowed = match Topic::parse(&raw) {
                    Some(topic) => match may_subscribe(&app, &user, topic).await {
                        Ok(true) => {
                            app.hub.subscribe(id, topic);
                            true
                        }
                        Ok(false) => false,
                        Err(e) => {
                            tracing::warn!(error = %e, "subscribe check failed");
                            false
                        }
                    },
                    None => false,
                };
                if allowed {
                    reply(json!({"type": "subscribed", "topic": raw}));
                } else {
                    reply(
                        json!({"type": "error", "code": "forbidden_topic", "topic": raw, "message": "no such topic, or not visible to you"}),
                    );
                }
            }
            ClientFrame::Unsubscribe { topic } => {
                if let Some(topic) = Topic::parse(&topic) {
                    app.hub.unsubscribe(id, topic);
                }
            }
        }
    }
    app.hub.disconnect(id);
    drop(tx);
    writer.abort();
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
}
