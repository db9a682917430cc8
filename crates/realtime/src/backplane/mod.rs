//! Backplanes carry what one node publishes to the other nodes of a cluster: committed
//! events and presence changes. The hub delivers to its own sockets itself; a backplane
//! only has to reach the others, which hand what they receive to
//! [`Hub::deliver_remote`](crate::Hub::deliver_remote).
//!
//! Payloads carry ids and states only, never bodies: an [`Event`] as its JSON, presence
//! as `{conversation_id, user_id, name, state, typing}`, each with the sending node's
//! id so a node can ignore its own notifications.
//!
//! - [`local`]: a single node, nobody to tell.
//! - [`postgres`]: PostgreSQL `LISTEN/NOTIFY` on one channel.

pub mod local;
pub mod postgres;

pub use local::LocalBackplane;
pub use postgres::{PostgresBackplane, PostgresWorker};

use crate::presence::ReportedState;
use serde::{Deserialize, Serialize};
use std::hash::{BuildHasher, Hasher};
use switchboard_domain::event::Event;
use switchboard_domain::{ConversationId, UserId};

/// Carries notices to the other nodes of a cluster.
pub trait Backplane: Send + Sync + 'static {
    /// Hands a notice to the other nodes; must not block.
    fn publish(&self, notice: &Notice);
}

/// Identifies one running node of a cluster; random at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u64);

impl NodeId {
    /// A fresh random id (from the process id, the time and std's random hasher keys).
    pub fn random() -> Self {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            hasher.write_u128(since.as_nanos());
        }
        NodeId(hasher.finish())
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// What one node tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A committed change, to deliver to the receiving node's subscribers.
    Event { event: Event },
    /// A user's state on a conversation, merged over the sending node's sockets.
    Presence(PresenceNotice),
}

/// One user's presence on one conversation as seen from the sending node; also the
/// heartbeat that keeps it alive on the receiving nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceNotice {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub name: String,
    pub state: ReportedState,
    pub typing: bool,
}

/// A notice on the wire: the notice, the node that sent it, and a sequence number
/// (so identical notices in one batch are not merged by the database).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub node: NodeId,
    pub seq: u64,
    #[serde(flatten)]
    pub notice: Notice,
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::InboxId;

    #[test]
    fn envelopes_carry_ids_and_states_flat_and_round_trip() {
        let presence = Envelope {
            node: NodeId(42),
            seq: 3,
            notice: Notice::Presence(PresenceNotice {
                conversation_id: ConversationId(7),
                user_id: UserId(2),
                name: "Ben".into(),
                state: ReportedState::ComposingReply,
                typing: true,
            }),
        };
        let json = serde_json::to_value(&presence).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"node": 42, "seq": 3, "kind": "presence", "conversation_id": 7,
                "user_id": 2, "name": "Ben", "state": "composing_reply", "typing": true})
        );
        assert_eq!(serde_json::from_value::<Envelope>(json).unwrap(), presence);
        let event = Envelope {
            node: NodeId(u64::MAX),
            seq: 4,
            notice: Notice::Event {
                event: Event::ConversationCreated {
                    conversation_id: ConversationId(1),
                    inbox_id: InboxId(2),
                },
            },
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Envelope>(&text).unwrap(), event);
    }

    #[test]
    fn node_ids_differ() {
        assert_ne!(NodeId::random(), NodeId::random());
    }
}
