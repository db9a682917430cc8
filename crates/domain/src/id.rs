//! Newtype ids. Every entity has its own id type; all are integers on the wire.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A workspace (tenant).
    AccountId,
    /// An agent of one account.
    UserId,
    /// A named group of users.
    TeamId,
    /// A queue of conversations.
    InboxId,
    /// A customer.
    ContactId,
    /// One thread with one contact.
    ConversationId,
    /// One entry of a conversation's timeline.
    EntryId,
    /// A support case.
    TicketId,
    /// A per-user notification.
    NotificationId,
    /// A personal access token.
    TokenId,
    /// An uploaded file.
    AttachmentId,
    /// A reusable item of the Insert menu's library.
    LibraryItemId,
    /// A mail waiting in (or sent from) the outbox.
    OutboxId,
    /// The read-only row a moved conversation leaves in its origin inbox's list.
    MovedStubId,
);
