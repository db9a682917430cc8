//! Inputs and outputs of store calls that are not domain entities: new-row structs,
//! the conversation list query with its keyset cursor, pages and counts.

use serde::Serialize;
use switchboard_domain::notification::NotificationEmail;
use switchboard_domain::*;

/// A user to create; `password_hash` is already an argon2id PHC string.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub account_id: AccountId,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub seat: Seat,
    pub now: Millis,
}

/// A login session; only the hash of its cookie token is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub now: Millis,
    pub expires_at: Millis,
}

#[derive(Debug, Clone)]
pub struct NewTeam {
    pub account_id: AccountId,
    pub name: String,
    pub round_robin: bool,
    pub member_ids: Vec<UserId>,
    pub now: Millis,
}

#[derive(Debug, Clone)]
pub struct NewInbox {
    pub account_id: AccountId,
    pub name: String,
    pub email_address: Option<String>,
    pub member_user_ids: Vec<UserId>,
    pub member_team_ids: Vec<TeamId>,
    pub now: Millis,
}

#[derive(Debug, Clone)]
pub struct NewContact {
    pub account_id: AccountId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<UserId>,
    pub now: Millis,
}

/// A conversation opened by an inbound message. The contact is matched by email, then
/// phone, within the account; otherwise created with these fields.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub channel: Channel,
    pub contact: NewContact,
    pub subject: Option<String>,
    pub body: String,
    pub meta: serde_json::Value,
    pub now: Millis,
}

/// A timeline entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub conversation_id: ConversationId,
    pub kind: EntryKind,
    pub direction: Option<Direction>,
    pub author_user_id: Option<UserId>,
    pub author_contact_id: Option<ContactId>,
    pub body: String,
    pub meta: serde_json::Value,
    pub now: Millis,
}

/// Close or reopen, recorded as an event by `actor`.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub conversation_id: ConversationId,
    pub status: Status,
    pub actor: UserId,
    pub event_text: String,
    pub now: Millis,
}

/// Assign to a user or team, or unassign (`None`), recorded as an event.
#[derive(Debug, Clone)]
pub struct AssigneeChange {
    pub conversation_id: ConversationId,
    pub assignee: Option<Assignee>,
    /// Who did it; `None` for the system (demo seeding, rules).
    pub actor: Option<UserId>,
    pub event_text: String,
    /// Set when a round-robin team picked the assignee (a user): the team's turn moves
    /// to them in the same transaction.
    pub round_robin: Option<RoundRobinPick>,
    /// Notifications about the assignment, created with it.
    pub notify: Vec<NotificationDraft>,
    pub now: Millis,
}

/// A conversation's move to another inbox, written in one transaction: inbox and
/// assignee change (only if the conversation is still open in `from_inbox`, else
/// [`StoreError::Conflict`](crate::StoreError::Conflict)), its tickets follow, a stub
/// stays in the origin's list, the event and the optional comment go on the timeline,
/// and the notifications are created.
#[derive(Debug, Clone)]
pub struct MoveChange {
    pub conversation_id: ConversationId,
    pub account_id: AccountId,
    pub from_inbox: InboxId,
    pub to_inbox: InboxId,
    pub assignee: Option<Assignee>,
    /// Set when a round-robin among several picks chose the assignee: the target
    /// inbox's turn moves from `previous` to it, or the change fails with `Conflict`.
    pub round_robin_previous: Option<Option<UserId>>,
    pub actor: UserId,
    pub event_text: String,
    pub event_meta: serde_json::Value,
    /// An internal comment for the target inbox: Markdown and its rendered meta.
    pub comment: Option<(String, serde_json::Value)>,
    /// Notifications about the move (to the new assignee), tied to the event.
    pub notify: Vec<NotificationDraft>,
    pub now: Millis,
}

/// What a move wrote.
#[derive(Debug, Clone)]
pub struct Moved {
    pub event: TimelineEntry,
    pub comment: Option<TimelineEntry>,
    pub stub: MovedStub,
    pub notifications: Vec<Notification>,
}

/// A round-robin team's pick. The turn moves from `previous` (what the picker read) to
/// the assignee only if nobody moved it meanwhile; otherwise the change fails with
/// [`StoreError::Conflict`](crate::StoreError::Conflict) and the caller picks again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundRobinPick {
    pub team_id: TeamId,
    pub previous: Option<UserId>,
}

/// A notification to create about the timeline entry a write appends; the store fills
/// in the conversation and the entry. With `email`, a mail is queued in the outbox in
/// the same transaction, if the user wants notification emails.
#[derive(Debug, Clone)]
pub struct NotificationDraft {
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub actor_user_id: Option<UserId>,
    pub text: String,
    pub email: Option<NotificationEmail>,
}

/// What a write that appends an entry did: the entry, the inbox of its conversation,
/// and the notifications it created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenEntry {
    pub entry: TimelineEntry,
    pub inbox_id: InboxId,
    pub notifications: Vec<Notification>,
}

/// An internal comment to append.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub conversation_id: ConversationId,
    pub author: UserId,
    /// The Markdown as written.
    pub body: String,
    /// The rendered HTML, mentions and attachment details.
    pub meta: serde_json::Value,
    /// Files the comment references; each must be the author's upload in the account.
    pub attachment_ids: Vec<AttachmentId>,
    pub notify: Vec<NotificationDraft>,
    pub now: Millis,
}

/// Soft-deletes a comment and records who did it as an event.
#[derive(Debug, Clone)]
pub struct CommentDeletion {
    pub conversation_id: ConversationId,
    pub comment_id: EntryId,
    pub actor: UserId,
    pub event_text: String,
    pub now: Millis,
}

/// A user's own settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub availability: Option<Availability>,
    pub notify_email: Option<bool>,
}

/// An uploaded file's row; the bytes are already stored under `sha256`.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub account_id: AccountId,
    pub uploaded_by: UserId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub now: Millis,
}

/// Where a file is used, for the read policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachmentUses {
    /// Inboxes of conversations whose comments (not deleted) reference the file.
    pub inbox_ids: Vec<InboxId>,
    /// Whether a library document of the account shares it.
    pub in_library: bool,
}

/// A library item to create, already validated.
#[derive(Debug, Clone)]
pub struct NewLibraryItem {
    pub account_id: AccountId,
    pub kind: LibraryKind,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    /// For documents: a file the creator uploaded.
    pub attachment_id: Option<AttachmentId>,
    pub created_by: UserId,
    pub now: Millis,
}

/// A search of an account's library.
#[derive(Debug, Clone)]
pub struct LibraryQuery {
    pub account_id: AccountId,
    pub kind: Option<LibraryKind>,
    /// Case-insensitive substring of the title or body.
    pub text: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone)]
pub struct NewTicket {
    pub account_id: AccountId,
    pub subject: String,
    pub stage: TicketStage,
    pub priority: Priority,
    pub owner_id: Option<UserId>,
    /// Non-empty; all in one inbox of the account, which becomes the ticket's inbox.
    pub conversation_ids: Vec<ConversationId>,
    pub now: Millis,
}

/// Fields of a ticket to change; `None` leaves a field as it is. `owner_id:
/// Some(None)` clears the owner.
#[derive(Debug, Clone, Default)]
pub struct TicketUpdate {
    pub subject: Option<String>,
    pub stage: Option<TicketStage>,
    pub priority: Option<Priority>,
    pub owner_id: Option<Option<UserId>>,
}

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub conversation_id: Option<ConversationId>,
    pub entry_id: Option<EntryId>,
    pub actor_user_id: Option<UserId>,
    pub text: String,
    pub now: Millis,
}

/// Who a conversation list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Any,
    Unassigned,
    Is(Assignee),
}

/// The position after the last row of a page, in the list's order (see
/// [`ListItem::order_key`]): its time (last activity, or a stub's move), whether it is a
/// moved stub, and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: Millis,
    pub stub: bool,
    pub id: i64,
}

impl Cursor {
    /// The cursor after `item`.
    pub fn after(item: &ListItem) -> Cursor {
        match item {
            ListItem::Conversation(c) => Cursor {
                at: c.last_activity_at,
                stub: false,
                id: c.id.0,
            },
            ListItem::Moved(m) => Cursor {
                at: m.moved_at,
                stub: true,
                id: m.id.0,
            },
        }
    }

    /// The opaque text form used in `next_cursor` and `cursor=`: `at.id`, or `at.id.m`
    /// after a stub.
    pub fn encode(&self) -> String {
        let tail = if self.stub { ".m" } else { "" };
        format!("{}.{}{tail}", self.at, self.id)
    }

    /// Reads [`Cursor::encode`]'s form back; `None` for anything else.
    pub fn decode(s: &str) -> Option<Cursor> {
        let (s, stub) = match s.strip_suffix(".m") {
            Some(rest) => (rest, true),
            None => (s, false),
        };
        let (at, id) = s.split_once('.')?;
        Some(Cursor {
            at: at.parse().ok()?,
            stub,
            id: id.parse().ok()?,
        })
    }
}

/// A conversation list request for one inbox.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub inbox_id: InboxId,
    pub status: Option<Status>,
    pub assignee: AssigneeFilter,
    pub channel: Option<Channel>,
    /// Full-text search over subject, message bodies and contact name/email.
    pub text: Option<String>,
    pub limit: u32,
    pub cursor: Option<Cursor>,
}

impl ListQuery {
    /// The first page of every conversation of an inbox, 50 rows.
    pub fn inbox(inbox_id: InboxId) -> Self {
        Self {
            inbox_id,
            status: None,
            assignee: AssigneeFilter::Any,
            channel: None,
            text: None,
            limit: 50,
            cursor: None,
        }
    }
}

/// One page of a keyset-paginated list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The counts beside an inbox's views.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ViewCounts {
    pub open: i64,
    pub mine: i64,
    pub unassigned: i64,
    pub closed: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_garbage_is_none() {
        let c = Cursor {
            at: 1_700_000_000_123,
            stub: false,
            id: 42,
        };
        assert_eq!(c.encode(), "1700000000123.42");
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        let stub = Cursor { stub: true, ..c };
        assert_eq!(stub.encode(), "1700000000123.42.m");
        assert_eq!(Cursor::decode(&stub.encode()), Some(stub));
        for bad in ["", "12", "a.b", "1.x", "x.1", "1.2.x", ".m", "1.m"] {
            assert_eq!(Cursor::decode(bad), None);
        }
    }
}
