//! Inputs and outputs of the outbound-mail calls of [`Store`](crate::Store): mail built
//! by the server and queued with the timeline entry that records it, the rows the
//! outbox worker leases, and what a send attempt came to.
//!
//! The store applies outcomes; it does not decide them. Backoff and the attempt limit
//! belong to the worker, which passes the next attempt's time in.

use switchboard_domain::*;

/// An email built by the server (reply or forward), queued in the transaction that
/// appends its timeline entry.
#[derive(Debug, Clone)]
pub struct OutboundMail {
    /// [`OutboxKind::Reply`] or [`OutboxKind::Forward`].
    pub kind: OutboxKind,
    /// The `Message-ID` without angle brackets, recorded for threading.
    pub message_id: String,
    /// The complete RFC 5322 message.
    pub raw: Vec<u8>,
    /// The SMTP envelope sender (the inbox address).
    pub envelope_from: String,
    /// The SMTP envelope recipients; nobody else receives the mail.
    pub recipients: Vec<String>,
    /// The mail's subject, for the outbox listing.
    pub subject: String,
}

/// A due mail the worker leased: nobody else sends it until the lease ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasedMail {
    pub message: OutboxMessage,
    /// The built message; `None` for notification rows, built from subject and body
    /// at send time.
    pub raw: Option<Vec<u8>>,
    pub envelope_from: Option<String>,
    /// The envelope recipients of a built message; empty for notification rows, which
    /// go to `message.recipient`.
    pub recipients: Vec<String>,
}

/// What one send attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The relay took the mail.
    Sent,
    /// A transient failure: try again at `next_attempt_at`.
    Retry {
        error: String,
        next_attempt_at: Millis,
    },
    /// Permanent failure, or too many attempts: the mail stays `failed` until an agent
    /// retries it.
    Failed { error: String },
}

/// The timeline entry whose delivery state a write changed, to publish after commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveredEntry {
    pub conversation_id: ConversationId,
    pub inbox_id: InboxId,
    pub entry_id: EntryId,
}

/// A Message-ID of a conversation (received or sent), as replies thread on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessageId {
    pub message_id: String,
    pub direction: Direction,
    pub entry_id: Option<EntryId>,
}
