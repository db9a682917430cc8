//! The entities of a shared inbox as plain data. Timestamps are milliseconds since
//! the Unix epoch (UTC), which both storage backends hold as a 64-bit integer.

use crate::id::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// The error for a string that names no variant of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`")]
pub struct UnknownVariant {
    /// Which enum was parsed.
    pub what: &'static str,
    /// The rejected text.
    pub value: String,
}

/// Declares a string-backed enum with `as_str`, `FromStr`, `Display` and serde in
/// lower snake case, so the database, JSON and the UI all use one spelling.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(UnknownVariant { what: stringify!($name), value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What an account pays for; some features need `professional` or better.
    Plan { Starter = "starter", Professional = "professional", Enterprise = "enterprise" }
);
text_enum!(
    /// An admin manages the account; an agent works conversations.
    Role { Admin = "admin", Agent = "agent" }
);
text_enum!(
    /// A `service` seat is paid and sees live presence and typing of others.
    Seat { Service = "service", Core = "core" }
);
text_enum!(
    /// Whether a user takes new work (round-robin skips `away` users).
    Availability { Available = "available", Away = "away" }
);
text_enum!(
    /// Where a conversation came from and where replies go.
    Channel { Email = "email", Chat = "chat", Whatsapp = "whatsapp", Messenger = "messenger", Api = "api" }
);
text_enum!(
    /// Open conversations need work; closed ones are done.
    Status { Open = "open", Closed = "closed" }
);
text_enum!(
    /// The kind of a timeline entry.
    EntryKind { Message = "message", Comment = "comment", Forward = "forward", Event = "event" }
);
text_enum!(
    /// Whether a message came from the contact or went to them.
    Direction { Inbound = "inbound", Outbound = "outbound" }
);
text_enum!(
    /// Where a ticket stands.
    TicketStage { New = "new", WaitingOnContact = "waiting_on_contact", WaitingOnUs = "waiting_on_us", Closed = "closed" }
);
text_enum!(
    /// How urgent a ticket is.
    Priority { Low = "low", Medium = "medium", High = "high", Urgent = "urgent" }
);
text_enum!(
    /// Why a user was notified.
    NotificationKind { Mention = "mention", Assignment = "assignment", Move = "move" }
);

text_enum!(
    /// What a mail in the outbox is: a notification to a user, a reply to a contact, or
    /// a forward to an outside recipient.
    OutboxKind { Notification = "notification", Reply = "reply", Forward = "forward" }
);
text_enum!(
    /// Where a mail of the outbox stands.
    OutboxState { Queued = "queued", Sent = "sent", Failed = "failed" }
);
text_enum!(
    /// What a library item of the Insert menu is.
    LibraryKind { Snippet = "snippet", Document = "document", MeetingLink = "meeting_link", KbArticle = "kb_article", Quote = "quote", Video = "video" }
);

impl Plan {
    /// Moving a conversation to another inbox is a professional feature.
    pub fn allows_move(self) -> bool {
        matches!(self, Plan::Professional | Plan::Enterprise)
    }
}

/// Who a conversation is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    /// One user.
    User(UserId),
    /// A team's queue.
    Team(TeamId),
}

impl Assignee {
    /// The compact key stored beside the conversation and indexed for list filters:
    /// `u:<id>`, `t:<id>`, or the empty string for nobody.
    pub fn key(assignee: Option<Assignee>) -> String {
        match assignee {
            Some(Assignee::User(id)) => format!("u:{id}"),
            Some(Assignee::Team(id)) => format!("t:{id}"),
            None => String::new(),
        }
    }

    /// Reads back what [`Assignee::key`] wrote; anything else is nobody.
    pub fn from_key(key: &str) -> Option<Assignee> {
        let (kind, id) = key.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "u" => Some(Assignee::User(UserId(id))),
            "t" => Some(Assignee::Team(TeamId(id))),
            _ => None,
        }
    }
}

/// A workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub plan: Plan,
    pub created_at: Millis,
}

/// An agent of one account. The password hash never leaves the store's auth calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub seat: Seat,
    pub availability: Availability,
    /// Whether notifications are also sent by email (through the outbox).
    pub notify_email: bool,
    pub created_at: Millis,
}

/// A named group of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: TeamId,
    pub account_id: AccountId,
    pub name: String,
    pub round_robin: bool,
    pub member_ids: Vec<UserId>,
}

/// A queue of conversations with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inbox {
    pub id: InboxId,
    pub account_id: AccountId,
    pub name: String,
    pub email_address: Option<String>,
    pub member_user_ids: Vec<UserId>,
    pub member_team_ids: Vec<TeamId>,
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub id: ContactId,
    pub account_id: AccountId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<UserId>,
    pub created_at: Millis,
}

impl Contact {
    /// The best label for the contact: name, else email, else phone.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.email.as_deref())
            .or(self.phone.as_deref())
            .unwrap_or("Unknown contact")
    }
}

/// One thread with one contact, in one inbox, on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub channel: Channel,
    pub status: Status,
    pub subject: Option<String>,
    pub assignee: Option<Assignee>,
    pub contact: Contact,
    pub preview: String,
    pub ticket_ids: Vec<TicketId>,
    pub created_at: Millis,
    pub last_activity_at: Millis,
}

/// A row of a conversation list: what the list shows without touching the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub inbox_id: InboxId,
    pub channel: Channel,
    pub status: Status,
    pub subject: Option<String>,
    pub preview: String,
    pub assignee: Option<Assignee>,
    pub contact_id: ContactId,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub last_activity_at: Millis,
}

impl ConversationSummary {
    /// The best label for the contact of this row.
    pub fn contact_label(&self) -> &str {
        self.contact_name
            .as_deref()
            .or(self.contact_email.as_deref())
            .or(self.contact_phone.as_deref())
            .unwrap_or("Unknown contact")
    }
}

/// The read-only row a moved conversation leaves in its origin inbox's list, in place
/// of the conversation: "Moved to Support by Ana · 10:42". It keeps the status,
/// assignee and channel the conversation had when it left, so it shows in the same
/// list views as before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovedStub {
    pub id: MovedStubId,
    pub conversation_id: ConversationId,
    pub from_inbox_id: InboxId,
    pub to_inbox_id: InboxId,
    pub to_inbox_name: String,
    pub moved_by: UserId,
    pub moved_by_name: String,
    pub channel: Channel,
    pub status: Status,
    pub assignee: Option<Assignee>,
    pub subject: Option<String>,
    pub contact_label: String,
    pub moved_at: Millis,
}

/// A row of a conversation list: a conversation, or the stub of one that moved away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListItem {
    Conversation(ConversationSummary),
    Moved(MovedStub),
}

impl ListItem {
    /// The conversation of this row, unless it is a stub.
    pub fn conversation(&self) -> Option<&ConversationSummary> {
        match self {
            ListItem::Conversation(c) => Some(c),
            ListItem::Moved(_) => None,
        }
    }

    /// The list's order, newest first: activity time (a stub's is its move), then
    /// conversations before stubs, then the higher id.
    pub fn order_key(&self) -> (std::cmp::Reverse<Millis>, u8, std::cmp::Reverse<i64>) {
        use std::cmp::Reverse;
        match self {
            ListItem::Conversation(c) => (Reverse(c.last_activity_at), 0, Reverse(c.id.0)),
            ListItem::Moved(m) => (Reverse(m.moved_at), 1, Reverse(m.id.0)),
        }
    }
}

/// One entry of the append-only timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub id: EntryId,
    pub conversation_id: ConversationId,
    pub kind: EntryKind,
    pub direction: Option<Direction>,
    pub author_user_id: Option<UserId>,
    pub author_contact_id: Option<ContactId>,
    /// Plain text (messages), Markdown (comments), or a human sentence (events).
    pub body: String,
    /// Kind-specific details as JSON (event type, delivery state, recipients, ...).
    pub meta: serde_json::Value,
    pub created_at: Millis,
}

/// A support case associated with one or more conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    pub id: TicketId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub subject: String,
    pub stage: TicketStage,
    pub priority: Priority,
    pub owner_id: Option<UserId>,
    pub conversation_ids: Vec<ConversationId>,
    pub created_at: Millis,
}

/// A per-user notification with a link to what it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub conversation_id: Option<ConversationId>,
    /// The inbox the conversation is in now (it follows moves), for the link.
    pub inbox_id: Option<InboxId>,
    pub entry_id: Option<EntryId>,
    pub actor_user_id: Option<UserId>,
    pub text: String,
    pub read: bool,
    pub created_at: Millis,
}

/// An uploaded file. The bytes live content-addressed by `sha256` beside the database;
/// `filename` is for display only and never names a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub account_id: AccountId,
    pub uploaded_by: UserId,
    pub filename: String,
    /// Always one of [`crate::attachment::SAFE_CONTENT_TYPES`] or `application/octet-stream`.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes: the file's name in the attachment store.
    pub sha256: String,
    pub created_at: Millis,
}

/// A reusable item of the Insert menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryItem {
    pub id: LibraryItemId,
    pub account_id: AccountId,
    pub kind: LibraryKind,
    pub title: String,
    /// Text of snippets, quotes and knowledge-base summaries; may hold `{{variables}}`.
    pub body: Option<String>,
    /// Link of meeting links, knowledge-base articles and videos (http or https).
    pub url: Option<String>,
    /// The file a document shares.
    pub attachment_id: Option<AttachmentId>,
    pub created_by: UserId,
    pub created_at: Millis,
}

/// A mail in the durable outbox: queued by the transaction that decided to send it,
/// sent (with retries) by the outbox worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: OutboxId,
    pub account_id: AccountId,
    pub kind: OutboxKind,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    /// What the mail is about, when it is a notification or a timeline entry's mail.
    pub notification_id: Option<NotificationId>,
    pub entry_id: Option<EntryId>,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_round_trips_through_its_text() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(*c));
        }
        for s in TicketStage::ALL {
            assert_eq!(s.as_str().parse::<TicketStage>(), Ok(*s));
        }
        assert!("telegram".parse::<Channel>().is_err());
    }

    #[test]
    fn assignee_key_round_trips_and_nobody_is_empty() {
        for a in [
            Some(Assignee::User(UserId(7))),
            Some(Assignee::Team(TeamId(3))),
            None,
        ] {
            assert_eq!(Assignee::from_key(&Assignee::key(a)), a);
        }
        assert_eq!(Assignee::key(None), "");
        assert_eq!(Assignee::from_key("x:1"), None);
    }

    #[test]
    fn assignee_serializes_as_type_and_id() {
        let json = serde_json::to_value(Assignee::Team(TeamId(4))).unwrap();
        assert_eq!(json, serde_json::json!({"type": "team", "id": 4}));
    }

    #[test]
    fn only_paid_plans_allow_moving() {
        assert!(!Plan::Starter.allows_move());
        assert!(Plan::Professional.allows_move());
        assert!(Plan::Enterprise.allows_move());
    }
}
