//! The hub of one node: sockets, their topics, and the fan-out of events and presence.
//!
//! Everything here is in memory; a fanned-out event or presence frame costs a lock, a
//! few hash lookups and a channel send per receiver, never a query. Who may subscribe to
//! what is decided by the caller before [`Hub::subscribe`]. For presence the hub also
//! keeps, per socket, the last answer to "may this user see conversation X?", which the
//! caller fills through [`Hub::begin_check`] / [`Hub::finish_check`]. A
//! `ConversationUpdated` event (a move changes the inbox) forgets those answers; a
//! watcher whose answer is gone is asked to check again (on the channel that
//! [`Hub::connect`] returns) and gets nothing until it has.
//!
//! - this file: sockets, topics and the fan-out of events;
//! - `access`: who is behind a socket and whether they may see a conversation;
//! - `fanout`: presence reports, their fan-out to watchers, expiry, other nodes.

mod access;
mod fanout;

pub use access::{Access, Watcher};

use crate::backplane::{Backplane, LocalBackplane, NodeId, Notice};
use crate::presence::PresenceRegistry;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use switchboard_domain::event::{Event, Topic};
use switchboard_domain::ConversationId;
use tokio::sync::mpsc;

/// A frame ready to write to a socket: serialized JSON, shared by every receiver.
pub type Frame = Arc<str>;

/// Identifies one connected socket on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SocketId(pub(crate) u64);

impl std::fmt::Display for SocketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The clock of presence expiry, injected so tests move time by hand.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// How a hub behaves.
#[derive(Clone)]
pub struct HubConfig {
    /// How long a presence entry lives after its last heartbeat (30 s).
    pub presence_ttl: Duration,
    /// Now, for presence expiry.
    pub clock: Clock,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            presence_ttl: Duration::from_secs(30),
            clock: Arc::new(Instant::now),
        }
    }
}

impl std::fmt::Debug for HubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubConfig")
            .field("presence_ttl", &self.presence_ttl)
            .finish_non_exhaustive()
    }
}

struct Socket {
    tx: mpsc::Sender<Frame>,
    watcher: Watcher,
    rechecks: mpsc::Sender<ConversationId>,
    access: HashMap<ConversationId, Access>,
}

struct State {
    sockets: HashMap<SocketId, Socket>,
    topics: HashMap<Topic, HashSet<SocketId>>,
    subscriptions: HashMap<SocketId, HashSet<Topic>>,
    /// Which sockets hold an access answer for a conversation, to forget them quickly.
    access_index: HashMap<ConversationId, HashSet<SocketId>>,
    presence: PresenceRegistry,
}

struct Shared {
    state: Mutex<State>,
    next_id: AtomicU64,
    backplane: Arc<dyn Backplane>,
    config: HubConfig,
}

/// The fan-out hub of one node. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

/// A hub reference that does not keep it alive (for background tasks).
#[derive(Clone)]
pub struct WeakHub(Weak<Shared>);

impl WeakHub {
    /// The hub, if it still exists.
    pub fn upgrade(&self) -> Option<Hub> {
        self.0.upgrade().map(|shared| Hub { shared })
    }
}

#[derive(Serialize)]
struct EventFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    topic: String,
    event: &'a Event,
}

/// Frames queued on a socket's access-recheck channel before requests are dropped
/// (a dropped request is made again at the next delivery).
const RECHECK_QUEUE: usize = 64;

impl Hub {
    /// A hub that reaches other nodes through `backplane`, with the default config.
    pub fn new(backplane: Arc<dyn Backplane>) -> Self {
        Hub::with_config(backplane, HubConfig::default())
    }

    /// A hub with its own presence TTL or clock.
    pub fn with_config(backplane: Arc<dyn Backplane>, config: HubConfig) -> Self {
        Hub {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    sockets: HashMap::new(),
                    topics: HashMap::new(),
                    subscriptions: HashMap::new(),
                    access_index: HashMap::new(),
                    presence: PresenceRegistry::new(config.presence_ttl),
                }),
                next_id: AtomicU64::new(1),
                backplane,
                config,
            }),
        }
    }

    /// A hub for a single node.
    pub fn local() -> Self {
        Hub::new(Arc::new(LocalBackplane))
    }

    /// A reference for background tasks that must not keep the hub alive.
    pub fn downgrade(&self) -> WeakHub {
        WeakHub(Arc::downgrade(&self.shared))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain maps behind, still consistent
        // enough to keep serving: recover the guard rather than poison every socket.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> Instant {
        (self.shared.config.clock)()
    }

    /// Registers a socket whose frames go to `tx`. Frames that do not fit in the
    /// channel are dropped for that socket (a slow reader must not stall the others).
    /// The returned channel carries conversations whose access the socket's task must
    /// check again (then [`Hub::finish_check`]).
    pub fn connect(
        &self,
        tx: mpsc::Sender<Frame>,
        watcher: Watcher,
    ) -> (SocketId, mpsc::Receiver<ConversationId>) {
        let id = SocketId(self.shared.next_id.fetch_add(1, Ordering::Relaxed));
        let (rechecks, rx) = mpsc::channel(RECHECK_QUEUE);
        self.lock().sockets.insert(
            id,
            Socket {
                tx,
                watcher,
                rechecks,
                access: HashMap::new(),
            },
        );
        (id, rx)
    }

    /// Removes a socket, its subscriptions and, at once, its presence.
    pub fn disconnect(&self, socket: SocketId) {
        let (affected, notices) = {
            let mut guard = self.lock();
            let state = &mut *guard;
            if let Some(s) = state.sockets.remove(&socket) {
                for conversation in s.access.keys() {
                    if let Some(set) = state.access_index.get_mut(conversation) {
                        set.remove(&socket);
                        if set.is_empty() {
                            state.access_index.remove(conversation);
                        }
                    }
                }
            }
            if let Some(topics) = state.subscriptions.remove(&socket) {
                for topic in topics {
                    if let Some(set) = state.topics.get_mut(&topic) {
                        set.remove(&socket);
                        if set.is_empty() {
                            state.topics.remove(&topic);
                        }
                    }
                }
            }
            let affected = state.presence.remove_socket(socket);
            let notices = state.notices(&affected);
            (affected, notices)
        };
        self.announce(&affected, notices);
    }

    /// Subscribes a socket to a topic; the caller has checked it may see the topic.
    pub fn subscribe(&self, socket: SocketId, topic: Topic) {
        let mut reg = self.lock();
        if !reg.sockets.contains_key(&socket) {
            return;
        }
        reg.topics.entry(topic).or_default().insert(socket);
        reg.subscriptions.entry(socket).or_default().insert(topic);
    }

    /// Stops a socket's subscription to a topic.
    pub fn unsubscribe(&self, socket: SocketId, topic: Topic) {
        let mut reg = self.lock();
        if let Some(set) = reg.topics.get_mut(&topic) {
            set.remove(&socket);
            if set.is_empty() {
                reg.topics.remove(&topic);
            }
        }
        if let Some(set) = reg.subscriptions.get_mut(&socket) {
            set.remove(&topic);
        }
    }

    /// Publishes a committed change: to this node's sockets and to the other nodes.
    pub fn publish(&self, event: &Event) {
        self.deliver(event);
        self.shared.backplane.publish(&Notice::Event {
            event: event.clone(),
        });
    }

    /// Applies what another node published: its events and its users' presence.
    pub fn deliver_remote(&self, node: NodeId, notice: Notice) {
        match notice {
            Notice::Event { event } => self.deliver(&event),
            Notice::Presence(p) => self.merge_remote_presence(node, p),
        }
    }

    /// Delivers an event to this node's subscribers of its topics; the backplane calls
    /// this (through [`Hub::deliver_remote`]) for events that other nodes published.
    pub fn deliver(&self, event: &Event) {
        if let Event::ConversationUpdated {
            conversation_id, ..
        } = event
        {
            self.forget_access(*conversation_id);
        }
        for topic in event.topics() {
            let targets: Vec<mpsc::Sender<Frame>> = {
                let reg = self.lock();
                let Some(set) = reg.topics.get(&topic) else {
                    continue;
                };
                set.iter()
                    .filter_map(|s| reg.sockets.get(s).map(|s| s.tx.clone()))
                    .collect()
            };
            if targets.is_empty() {
                continue;
            }
            let frame = EventFrame {
                kind: "event",
                topic: topic.to_string(),
                event,
            };
            let Ok(text) = serde_json::to_string(&frame) else {
                continue;
            };
            let frame: Frame = text.into();
            for tx in targets {
                if tx.try_send(frame.clone()).is_err() {
                    tracing::debug!(%topic, "dropped a frame for a slow or closed socket");
                }
            }
        }
    }

    /// How many sockets are connected (for metrics and tests).
    pub fn socket_count(&self) -> usize {
        self.lock().sockets.len()
    }
}

/// What the tests of the hub's parts share.
#[cfg(test)]
mod testing {
    use super::*;
    use switchboard_domain::policy::Actor;
    use switchboard_domain::*;

    pub fn created(inbox: i64, conversation: i64) -> Event {
        Event::ConversationCreated {
            conversation_id: ConversationId(conversation),
            inbox_id: InboxId(inbox),
        }
    }

    pub fn watcher(user: i64, seat: Seat) -> Watcher {
        Watcher::new(
            &Actor {
                user_id: UserId(user),
                account_id: AccountId(1),
                role: Role::Agent,
                seat,
            },
            &format!("User {user}"),
        )
    }

    pub fn connect(hub: &Hub, user: i64) -> (SocketId, mpsc::Receiver<Frame>) {
        connect_as(hub, watcher(user, Seat::Service), 8)
    }

    pub fn connect_as(hub: &Hub, w: Watcher, queue: usize) -> (SocketId, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(queue);
        let (id, _rechecks) = hub.connect(tx, w);
        (id, rx)
    }

    pub fn json(frame: &Frame) -> serde_json::Value {
        serde_json::from_str(frame).unwrap()
    }

    pub struct Recording(pub Mutex<Vec<Notice>>);
    impl Backplane for Recording {
        fn publish(&self, notice: &Notice) {
            self.0.lock().unwrap().push(notice.clone());
        }
    }

    pub const X: ConversationId = ConversationId(7);

    /// Connects a socket, subscribes it to X with access granted.
    pub fn watch(
        hub: &Hub,
        w: Watcher,
    ) -> (
        SocketId,
        mpsc::Receiver<Frame>,
        mpsc::Receiver<ConversationId>,
    ) {
        let (tx, rx) = mpsc::channel(16);
        let (id, rechecks) = hub.connect(tx, w);
        hub.begin_check(id, X);
        assert!(hub.finish_check(id, X, true));
        hub.subscribe(id, Topic::Conversation(X));
        (id, rx, rechecks)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use switchboard_domain::*;

    #[tokio::test]
    async fn subscribers_of_a_topic_receive_its_events_and_others_do_not() {
        let hub = Hub::local();
        let (a, mut rx_a) = connect(&hub, 1);
        let (b, mut rx_b) = connect(&hub, 2);
        hub.subscribe(a, Topic::Inbox(InboxId(1)));
        hub.subscribe(b, Topic::Inbox(InboxId(2)));
        hub.publish(&created(1, 10));
        let frame = json(&rx_a.recv().await.unwrap());
        assert_eq!(frame["type"], "event");
        assert_eq!(frame["topic"], "inbox:1");
        assert_eq!(frame["event"]["type"], "conversation_created");
        assert_eq!(frame["event"]["conversation_id"], 10);
        assert!(rx_b.try_recv().is_err());
    }

    #[tokio::test]
    async fn disconnect_and_unsubscribe_stop_delivery() {
        let hub = Hub::local();
        let (s, mut rx) = connect(&hub, 1);
        hub.subscribe(s, Topic::Inbox(InboxId(1)));
        hub.unsubscribe(s, Topic::Inbox(InboxId(1)));
        hub.publish(&created(1, 10));
        assert!(rx.try_recv().is_err());
        hub.subscribe(s, Topic::Inbox(InboxId(1)));
        hub.disconnect(s);
        hub.publish(&created(1, 11));
        assert!(rx.try_recv().is_err());
        assert_eq!(hub.socket_count(), 0);
    }

    #[tokio::test]
    async fn a_full_socket_loses_frames_without_blocking_others() {
        let hub = Hub::local();
        let (slow, _slow_rx) = connect_as(&hub, watcher(1, Seat::Service), 1);
        let (fast, mut fast_rx) = connect(&hub, 2);
        hub.subscribe(slow, Topic::Inbox(InboxId(1)));
        hub.subscribe(fast, Topic::Inbox(InboxId(1)));
        for i in 0..3 {
            hub.publish(&created(1, i));
        }
        for _ in 0..3 {
            assert!(fast_rx.try_recv().is_ok());
        }
    }

    #[test]
    fn publish_hands_events_to_the_backplane() {
        let backplane = Arc::new(Recording(Mutex::new(Vec::new())));
        let hub = Hub::new(backplane.clone());
        hub.publish(&created(3, 4));
        assert_eq!(
            backplane.0.lock().unwrap().as_slice(),
            &[Notice::Event {
                event: created(3, 4)
            }]
        );
    }
}
