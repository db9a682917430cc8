//! Topics, subscriptions and fan-out.

use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use switchboard_domain::event::{Event, Topic};
use tokio::sync::mpsc;

/// A frame ready to write to a socket: serialized JSON, shared by every receiver.
pub type Frame = Arc<str>;

/// Identifies one connected socket on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId(u64);

/// Carries events to the other nodes of a cluster. The hub delivers to its own sockets
/// itself; a backplane only has to reach the others (and then call [`Hub::deliver`]
/// there). A single node uses [`LocalBackplane`].
pub trait Backplane: Send + Sync + 'static {
    /// Hands an event to the other nodes; must not block.
    fn publish(&self, event: &Event);
}

/// The backplane of a single node: there is nobody else to tell.
#[derive(Debug, Default)]
pub struct LocalBackplane;

impl Backplane for LocalBackplane {
    fn publish(&self, _event: &Event) {}
}

#[derive(Default)]
struct Registry {
    sockets: HashMap<SocketId, mpsc::Sender<Frame>>,
    topics: HashMap<Topic, HashSet<SocketId>>,
    subscriptions: HashMap<SocketId, HashSet<Topic>>,
}

/// The fan-out hub of one node. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    registry: Arc<Mutex<Registry>>,
    next_id: Arc<AtomicU64>,
    backplane: Arc<dyn Backplane>,
}

#[derive(Serialize)]
struct EventFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    topic: String,
    event: &'a Event,
}

impl Hub {
    /// A hub that reaches other nodes through `backplane`.
    pub fn new(backplane: Arc<dyn Backplane>) -> Self {
        Hub {
            registry: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            backplane,
        }
    }

    /// A hub for a single node.
    pub fn local() -> Self {
        Hub::new(Arc::new(LocalBackplane))
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A panic while holding the lock leaves plain maps behind, still consistent
        // enough to keep serving: recover the guard rather than poison every socket.
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a socket whose frames go to `tx`. Frames that do not fit in the
    /// channel are dropped for that socket (a slow reader must not stall the others).
    pub fn connect(&self, tx: mpsc::Sender<Frame>) -> SocketId {
        let id = SocketId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.lock().sockets.insert(id, tx);
        id
    }

    /// Removes a socket and all its subscriptions.
    pub fn disconnect(&self, socket: SocketId) {
        let mut reg = self.lock();
        reg.sockets.remove(&socket);
        if let Some(topics) = reg.subscriptions.remove(&socket) {
            for topic in topics {
                if let Some(set) = reg.topics.get_mut(&topic) {
                    set.remove(&socket);
                    if set.is_empty() {
                        reg.topics.remove(&topic);
                    }
                }
            }
        }
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
        }
        if let Some(set) = reg.subscriptions.get_mut(&socket) {
            set.remove(&topic);
        }
    }

    /// Publishes a committed change: to this node's sockets and to the other nodes.
    pub fn publish(&self, event: &Event) {
        self.deliver(event);
        self.backplane.publish(event);
    }

    /// Delivers an event to this node's subscribers of its topics; the backplane calls
    /// this for events that other nodes published.
    pub fn deliver(&self, event: &Event) {
        for topic in event.topics() {
            let targets: Vec<mpsc::Sender<Frame>> = {
                let reg = self.lock();
                let Some(set) = reg.topics.get(&topic) else {
                    continue;
                };
                set.iter()
                    .filter_map(|s| reg.sockets.get(s).cloned())
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

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::*;

    fn created(inbox: i64, conversation: i64) -> Event {
        Event::ConversationCreated {
            conversation_id: ConversationId(conversation),
            inbox_id: InboxId(inbox),
        }
    }

    #[tokio::test]
    async fn subscribers_of_a_topic_receive_its_events_and_others_do_not() {
        let hub = Hub::local();
        let (tx_a, mut rx_a) = mpsc::channel(8);
        let (tx_b, mut rx_b) = mpsc::channel(8);
        let a = hub.connect(tx_a);
        let b = hub.connect(tx_b);
        hub.subscribe(a, Topic::Inbox(InboxId(1)));
        hub.subscribe(b, Topic::Inbox(InboxId(2)));
        hub.publish(&created(1, 10));
        let frame = rx_a.recv().await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(json["type"], "event");
        assert_eq!(json["topic"], "inbox:1");
        assert_eq!(json["event"]["type"], "conversation_created");
        assert_eq!(json["event"]["conversation_id"], 10);
        assert!(rx_b.try_recv().is_err());
    }

    #[tokio::test]
    async fn disconnect_and_unsubscribe_stop_delivery() {
        let hub = Hub::local();
        let (tx, mut rx) = mpsc::channel(8);
        let s = hub.connect(tx);
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
        let (slow_tx, _slow_rx) = mpsc::channel(1);
        let (fast_tx, mut fast_rx) = mpsc::channel(8);
        let slow = hub.connect(slow_tx);
        let fast = hub.connect(fast_tx);
        hub.subscribe(slow, Topic::Inbox(InboxId(1)));
        hub.subscribe(fast, Topic::Inbox(InboxId(1)));
        for i in 0..3 {
            hub.publish(&created(1, i));
        }
        for _ in 0..3 {
            assert!(fast_rx.try_recv().is_ok());
        }
    }

    struct Recording(Mutex<Vec<Event>>);
    impl Backplane for Recording {
        fn publish(&self, event: &Event) {
            self.0.lock().unwrap().push(event.clone());
        }
    }

    #[test]
    fn publish_hands_events_to_the_backplane() {
        let backplane = Arc::new(Recording(Mutex::new(Vec::new())));
        let hub = Hub::new(backplane.clone());
        hub.publish(&created(3, 4));
        assert_eq!(backplane.0.lock().unwrap().as_slice(), &[created(3, 4)]);
    }
}
