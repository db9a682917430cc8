//! What a committed change announces. Events carry ids only, never bodies: a client
//! that receives one fetches what it needs through the API, where access is checked,
//! and the same payload can cross nodes through a database notification channel.

use crate::id::*;
use serde::{Deserialize, Serialize};

/// A change, published after commit to the topics that care about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A new conversation appeared in an inbox.
    ConversationCreated {
        conversation_id: ConversationId,
        inbox_id: InboxId,
    },
    /// Status, assignee or inbox of a conversation changed.
    ConversationUpdated {
        conversation_id: ConversationId,
        inbox_id: InboxId,
    },
    /// A timeline entry was appended.
    EntryCreated {
        conversation_id: ConversationId,
        inbox_id: InboxId,
        entry_id: EntryId,
    },
    /// A timeline entry was removed (a deleted comment): open views drop it.
    EntryDeleted {
        conversation_id: ConversationId,
        inbox_id: InboxId,
        entry_id: EntryId,
    },
    /// A user has a new notification.
    NotificationCreated {
        user_id: UserId,
        notification_id: NotificationId,
    },
}

/// A channel of events a socket may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Inbox(InboxId),
    Conversation(ConversationId),
    User(UserId),
}

impl Topic {
    /// Parses `inbox:{id}`, `conversation:{id}` or `user:{id}`.
    pub fn parse(s: &str) -> Option<Topic> {
        let (kind, id) = s.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "inbox" => Some(Topic::Inbox(InboxId(id))),
            "conversation" => Some(Topic::Conversation(ConversationId(id))),
            "user" => Some(Topic::User(UserId(id))),
            _ => None,
        }
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topic::Inbox(id) => write!(f, "inbox:{id}"),
            Topic::Conversation(id) => write!(f, "conversation:{id}"),
            Topic::User(id) => write!(f, "user:{id}"),
        }
    }
}

impl Event {
    /// The topics this event is delivered on.
    pub fn topics(&self) -> Vec<Topic> {
        match *self {
            Event::ConversationCreated {
                conversation_id,
                inbox_id,
            }
            | Event::ConversationUpdated {
                conversation_id,
                inbox_id,
            }
            | Event::EntryCreated {
                conversation_id,
                inbox_id,
                ..
            }
            | Event::EntryDeleted {
                conversation_id,
                inbox_id,
                ..
            } => {
                vec![Topic::Inbox(inbox_id), Topic::Conversation(conversation_id)]
            }
            Event::NotificationCreated { user_id, .. } => vec![Topic::User(user_id)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_and_garbage_is_rejected() {
        for t in [
            Topic::Inbox(InboxId(1)),
            Topic::Conversation(ConversationId(2)),
            Topic::User(UserId(3)),
        ] {
            assert_eq!(Topic::parse(&t.to_string()), Some(t));
        }
        for bad in ["inbox", "inbox:x", "account:1", ""] {
            assert_eq!(Topic::parse(bad), None);
        }
    }

    #[test]
    fn a_deleted_entry_reaches_the_same_watchers_as_a_created_one() {
        let deleted = Event::EntryDeleted {
            conversation_id: ConversationId(5),
            inbox_id: InboxId(2),
            entry_id: EntryId(9),
        };
        let json = serde_json::to_value(&deleted).unwrap();
        assert_eq!(json["type"], "entry_deleted");
        assert_eq!(json["entry_id"], 9);
        assert_eq!(
            deleted.topics(),
            vec![
                Topic::Inbox(InboxId(2)),
                Topic::Conversation(ConversationId(5))
            ]
        );
    }

    #[test]
    fn conversation_events_reach_inbox_and_conversation_watchers() {
        let e = Event::EntryCreated {
            conversation_id: ConversationId(5),
            inbox_id: InboxId(2),
            entry_id: EntryId(9),
        };
        assert_eq!(
            e.topics(),
            vec![
                Topic::Inbox(InboxId(2)),
                Topic::Conversation(ConversationId(5))
            ]
        );
    }
}
