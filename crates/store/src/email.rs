//! Inputs and outputs of the email calls of [`Store`](crate::Store): an inbound mail as
//! the store files it, what filing it did, and the files that came with it.
//!
//! The store gets mail already parsed, sanitized and checked by the caller (the
//! server): it threads, writes and answers, and knows nothing about MIME or HTML.

use crate::NewContact;
use serde::Serialize;
use switchboard_domain::*;

/// The id of a file that arrived with inbound mail (see [`EmailAttachment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAttachmentId(pub i64);

impl std::fmt::Display for EmailAttachmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An inbound mail to file, in one transaction, into the account of `inbox_id`.
///
/// Threading, first match wins: a Message-ID of `in_reply_to` or `references` the
/// account received or sent (the conversation it belongs to now, wherever it moved);
/// else `token_conversation_id`; else a new email conversation in `inbox_id` with the
/// contact found (or created) by `contact.email`.
#[derive(Debug, Clone)]
pub struct InboundEmail {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    /// The Message-ID without angle brackets (a synthetic one when the mail had none).
    /// Already stored for the account: nothing is written ([`Received::Duplicate`]).
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The conversation of a reply-address token the caller has verified. Ignored
    /// unless the conversation is of the account.
    pub token_conversation_id: Option<ConversationId>,
    /// The author; its name fills a contact that had none.
    pub contact: NewContact,
    /// The subject of a new conversation.
    pub subject: Option<String>,
    /// Plain text: the entry's body, preview and search text.
    pub body: String,
    /// The entry's `meta.email` object without `attachments`, which the store adds
    /// with the ids it gave them.
    pub email_meta: serde_json::Value,
    pub attachments: Vec<NewEmailAttachment>,
    pub now: Millis,
}

/// A file of an inbound mail whose bytes are already in the file store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmailAttachment {
    /// For display only, already cleaned of any path.
    pub filename: String,
    /// As the sender declared it.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The Content-ID without angle brackets.
    pub content_id: Option<String>,
    pub inline: bool,
}

/// A file that arrived with inbound mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailAttachment {
    pub id: EmailAttachmentId,
    pub account_id: AccountId,
    /// The message entry it came with.
    pub entry_id: EntryId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub content_id: Option<String>,
    pub inline: bool,
    pub created_at: Millis,
}

/// What [`Store::receive_email`](crate::Store::receive_email) did.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// Filed: the conversation as it is after the commit, and the new message entry.
    /// `created` when the mail opened the conversation. (Boxed: the variants would
    /// differ in size by hundreds of bytes.)
    Stored {
        conversation: Box<Conversation>,
        entry: TimelineEntry,
        created: bool,
    },
    /// The Message-ID was stored before; nothing was written.
    Duplicate { conversation_id: ConversationId },
}
