//! The PostgreSQL backplane: every node `NOTIFY`s its notices on one channel and
//! `LISTEN`s on it, so N nodes sharing a database reach each other's sockets without
//! anything else to run.
//!
//! [`PostgresBackplane::publish`] only queues the payload (it must not block a
//! request); the [`PostgresWorker`] sends queued payloads in batches over one pooled
//! connection and listens on another, reconnecting with backoff when the database
//! goes away. Notifications sent while a listener is disconnected are lost
//! (PostgreSQL keeps none): events are hints that a client refetches anyway, and
//! presence heals at the next heartbeat. Payloads are ids and states, never bodies,
//! and stay far below PostgreSQL's 8,000-byte limit.

use super::{Backplane, Envelope, NodeId, Notice};
use crate::hub::{Hub, WeakHub};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The channel all nodes of a database share.
pub const DEFAULT_CHANNEL: &str = "switchboard_realtime";

/// PostgreSQL refuses payloads of 8,000 bytes and more.
const MAX_PAYLOAD: usize = 7_900;
/// Payloads waiting to be sent before new ones are dropped.
const QUEUE: usize = 10_000;
/// Payloads sent in one statement.
const BATCH: usize = 256;
/// Attempts to send one batch before it is dropped.
const SEND_ATTEMPTS: u32 = 5;
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Publishes this node's notices on a PostgreSQL channel.
pub struct PostgresBackplane {
    node: NodeId,
    seq: AtomicU64,
    outgoing: mpsc::Sender<String>,
    listening: watch::Receiver<bool>,
}

/// The background half of a [`PostgresBackplane`]: sends what it queued, listens for
/// the other nodes and hands their notices to the hub. Run it with
/// [`PostgresWorker::run`]; it ends when the hub is dropped.
pub struct PostgresWorker {
    node: NodeId,
    url: String,
    options: PgConnectOptions,
    channel: String,
    outgoing: mpsc::Receiver<String>,
    listening: watch::Sender<bool>,
}

impl PostgresBackplane {
    /// A backplane on the default channel of the database at `url`, with a fresh
    /// node id. Nothing connects until the worker runs.
    pub fn new(url: &str) -> Result<(Self, PostgresWorker), sqlx::Error> {
        PostgresBackplane::with_channel(url, DEFAULT_CHANNEL)
    }

    /// A backplane on a named channel (letters, digits and `_`), so tests sharing a
    /// database do not hear each other.
    pub fn with_channel(url: &str, channel: &str) -> Result<(Self, PostgresWorker), sqlx::Error> {
        let valid = !channel.is_empty()
            && channel.len() <= 63
            && channel
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(sqlx::Error::Configuration(
                "a backplane channel is 1 to 63 letters, digits or underscores".into(),
            ));
        }
        let options = PgConnectOptions::from_str(url)?;
        let node = NodeId::random();
        let (tx, rx) = mpsc::channel(QUEUE);
        let (listening_tx, listening_rx) = watch::channel(false);
        Ok((
            PostgresBackplane {
                node,
                seq: AtomicU64::new(1),
                outgoing: tx,
                listening: listening_rx,
            },
            PostgresWorker {
                node,
                url: url.to_owned(),
                options,
                channel: channel.to_owned(),
                outgoing: rx,
                listening: listening_tx,
            },
        ))
    }

    /// This node's id, carried in every payload.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Waits until the worker listens (or `timeout` passes); `true` if it does.
    pub async fn wait_listening(&self, timeout: Duration) -> bool {
        let mut listening = self.listening.clone();
        tokio::time::timeout(timeout, listening.wait_for(|l| *l))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

impl Backplane for PostgresBackplane {
    fn publish(&self, notice: &Notice) {
        let envelope = Envelope {
            node: self.node,
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            notice: notice.clone(),
        };
        let Ok(payload) = serde_json::to_string(&envelope) else {
            return;
        };
        if payload.len() > MAX_PAYLOAD {
            tracing::warn!(
                bytes = payload.len(),
                "a notice is too large for NOTIFY; other nodes will not see it"
            );
            return;
        }
        if self.outgoing.try_send(payload).is_err() {
            tracing::warn!("the backplane queue is full; a notice for other nodes was dropped");
        }
    }
}

impl PostgresWorker {
    /// This node's id.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Sends and listens until the hub (and with it the backplane) is dropped.
    #[tracing::instrument(name = "backplane", skip_all, fields(node = %self.node))]
    pub async fn run(self, hub: WeakHub) {
        let PostgresWorker {
            node,
            url,
            options,
            channel,
            outgoing,
            listening,
        } = self;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options);
        tokio::select! {
            () = send(pool, &channel, outgoing) => {}
            () = listen(&url, &channel, node, hub, listening) => {}
        }
    }
}

/// Sends queued payloads, a batch per statement, until the backplane is dropped.
async fn send(pool: PgPool, channel: &str, mut outgoing: mpsc::Receiver<String>) {
    let mut batch = Vec::with_capacity(BATCH);
    while outgoing.recv_many(&mut batch, BATCH).await > 0 {
        let mut backoff = MIN_BACKOFF;
        for attempt in 1..=SEND_ATTEMPTS {
            let sent = sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS t(p)")
                .bind(channel)
                .bind(&batch)
                .execute(&pool)
                .await;
            match sent {
                Ok(_) => break,
                Err(e) if attempt < SEND_ATTEMPTS => {
                    tracing::warn!(error = %e, attempt, "could not notify the other nodes; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(e) => {
                    tracing::warn!(error = %e, dropped = batch.len(), "could not notify the other nodes; dropped");
                }
            }
        }
        batch.clear();
    }
}

/// Listens on the channel and hands other nodes' notices to the hub, reconnecting with
/// backoff; returns when the hub is gone.
async fn listen(
    url: &str,
    channel: &str,
    node: NodeId,
    hub: WeakHub,
    listening: watch::Sender<bool>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        match connect(url, channel).await {
            Ok(mut listener) => {
                tracing::info!(channel, "listening for the other nodes");
                listening.send_replace(true);
                backoff = MIN_BACKOFF;
                loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => {
                            let Some(hub) = hub.upgrade() else {
                                return;
                            };
                            receive(&hub, node, notification.payload());
                        }
                        Ok(None) => tracing::warn!(
                            "lost the connection to PostgreSQL and reconnected; notices sent meanwhile are lost"
                        ),
                        Err(e) => {
                            tracing::warn!(error = %e, "the listener failed; reconnecting");
                            break;
                        }
                    }
                }
                listening.send_replace(false);
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "could not listen on PostgreSQL");
            }
        }
        if hub.upgrade().is_none() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn connect(url: &str, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(channel).await?;
    Ok(listener)
}

/// Hands one payload to the hub, unless this node sent it.
fn receive(hub: &Hub, me: NodeId, payload: &str) {
    let envelope: Envelope = match serde_json::from_str(payload) {
        Ok(envelope) => envelope,
        Err(e) => {
            tracing::debug!(error = %e, "ignored a notification that is not a notice");
            return;
        }
    };
    if envelope.node != me {
        hub.deliver_remote(envelope.node, envelope.notice);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::Watcher;
    use crate::presence::{Change, PresenceState};
    use std::sync::Arc;
    use switchboard_domain::event::{Event, Topic};
    use switchboard_domain::policy::Actor;
    use switchboard_domain::*;

    /// The test database, or `None` (and a note) when PostgreSQL tests are off.
    fn database_url() -> Option<String> {
        let url = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL").ok();
        if url.is_none() {
            eprintln!(
                "SWITCHBOARD_TEST_POSTGRES_URL is not set: skipping a PostgreSQL backplane test"
            );
        }
        url
    }

    fn channel() -> String {
        format!("sb_test_{}", NodeId::random())
    }

    async fn node(url: &str, channel: &str) -> Hub {
        let (backplane, worker) = PostgresBackplane::with_channel(url, channel).unwrap();
        let backplane = Arc::new(backplane);
        let hub = Hub::new(backplane.clone());
        tokio::spawn(worker.run(hub.downgrade()));
        assert!(backplane.wait_listening(Duration::from_secs(10)).await);
        hub
    }

    fn socket(hub: &Hub, user: i64) -> (crate::SocketId, mpsc::Receiver<crate::Frame>) {
        let (tx, rx) = mpsc::channel(64);
        let actor = Actor {
            user_id: UserId(user),
            account_id: AccountId(1),
            role: Role::Agent,
            seat: Seat::Service,
        };
        let (id, _) = hub.connect(tx, Watcher::new(&actor, "Ana"));
        (id, rx)
    }

    async fn next(rx: &mut mpsc::Receiver<crate::Frame>) -> serde_json::Value {
        let frame = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a frame in time")
            .unwrap();
        serde_json::from_str(&frame).unwrap()
    }

    #[tokio::test]
    async fn two_hubs_on_one_database_deliver_each_others_events_and_presence() {
        let Some(url) = database_url() else { return };
        let channel = channel();
        let a = node(&url, &channel).await;
        let b = node(&url, &channel).await;
        let (watcher, mut rx) = socket(&a, 1);
        a.subscribe(watcher, Topic::Inbox(InboxId(1)));
        let x = ConversationId(7);
        a.begin_check(watcher, x);
        a.finish_check(watcher, x, true);
        a.subscribe(watcher, Topic::Conversation(x));

        b.publish(&Event::ConversationCreated {
            conversation_id: x,
            inbox_id: InboxId(1),
        });
        let frame = next(&mut rx).await;
        assert_eq!(frame["event"]["type"], "conversation_created");
        assert_eq!(frame["topic"], "inbox:1");
        assert_eq!(next(&mut rx).await["topic"], "conversation:7");

        let (ben, _) = socket(&b, 2);
        b.report_presence(ben, x, Change::State(PresenceState::ComposingReply));
        let frame = next(&mut rx).await;
        assert_eq!(frame["type"], "presence");
        assert_eq!(frame["users"][0]["id"], 2);
        assert_eq!(frame["users"][0]["state"], "composing_reply");
        b.disconnect(ben);
        assert_eq!(next(&mut rx).await["users"], serde_json::json!([]));

        // A node ignores its own notifications: one frame per event, not two.
        a.publish(&Event::ConversationCreated {
            conversation_id: ConversationId(8),
            inbox_id: InboxId(1),
        });
        assert_eq!(next(&mut rx).await["event"]["conversation_id"], 8);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_listener_that_loses_its_connection_reconnects() {
        let Some(url) = database_url() else { return };
        let channel = channel();
        let a = node(&url, &channel).await;
        let b = node(&url, &channel).await;
        let (watcher, mut rx) = socket(&a, 1);
        a.subscribe(watcher, Topic::Inbox(InboxId(1)));

        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        let killed: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
        )
        .bind(&channel)
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert!(!killed.is_empty(), "the listeners were found");

        // Publish until node A hears again (it reconnects within its backoff).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut i = 100;
        loop {
            b.publish(&Event::ConversationCreated {
                conversation_id: ConversationId(i),
                inbox_id: InboxId(1),
            });
            if let Ok(Some(frame)) =
                tokio::time::timeout(Duration::from_millis(300), rx.recv()).await
            {
                let json: serde_json::Value = serde_json::from_str(&frame).unwrap();
                assert_eq!(json["event"]["type"], "conversation_created");
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "node A never heard again"
            );
            i += 1;
        }
    }
}
