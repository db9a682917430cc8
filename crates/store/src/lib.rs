//! Switchboard's persistence: one [`Store`] interface and the backends behind it.
//!
//! - [`sql`]: the implementation of [`Store`] over sqlx, shared by both backends; the
//!   SQL it runs is portable between SQLite and PostgreSQL.
//! - [`sqlite`] and [`postgres`]: what differs per backend — connecting, pragmas,
//!   migrations, and the full-text search dialect.
//! - [`conformance`] (feature `conformance`): one async fn per behaviour, run against
//!   both backends by `tests/sqlite.rs` and `tests/postgres.rs`.
//!
//! Every write that changes state and appends to a timeline does both in one
//! transaction. Nothing here knows about HTTP, sessions' cookies or the clock: callers
//! pass the time in.

mod delivery;
mod email;
mod error;
mod imap;
pub mod postgres;
mod query;
pub mod sql;
pub mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use delivery::*;
pub use email::*;
pub use error::{StoreError, StoreResult};
pub use imap::*;
pub use query::*;
pub use sql::SqlStore;

use async_trait::async_trait;
use switchboard_domain::policy;
use switchboard_domain::*;

/// Everything Switchboard persists. Held as `Arc<dyn Store>`; the backend is chosen from
/// the database URL at start-up ([`connect`]).
///
/// Reads scoped by an account answer [`StoreError::NotFound`] for ids of other accounts.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is, for logs and `--help`.
    fn backend(&self) -> Backend;

    // Accounts.
    async fn create_account(&self, name: &str, plan: Plan, now: Millis) -> StoreResult<Account>;
    /// The installation's secret called `name`, shared by every node: `candidate`
    /// becomes it unless one was set before, which is then answered instead.
    async fn instance_secret(
        &self,
        name: &str,
        candidate: &str,
        now: Millis,
    ) -> StoreResult<String>;
    async fn account(&self, id: AccountId) -> StoreResult<Account>;
    async fn account_by_name(&self, name: &str) -> StoreResult<Account>;
    async fn set_plan(&self, id: AccountId, plan: Plan) -> StoreResult<()>;

    // Users, sessions and tokens.
    /// Fails with [`StoreError::Conflict`] when the email is taken (in any account).
    async fn create_user(&self, new: NewUser) -> StoreResult<User>;
    async fn user(&self, account: AccountId, id: UserId) -> StoreResult<User>;
    async fn users(&self, account: AccountId) -> StoreResult<Vec<User>>;
    /// The user and their password hash, for login.
    async fn credentials(&self, email: &str) -> StoreResult<Option<(User, String)>>;
    async fn create_session(&self, new: NewSession) -> StoreResult<()>;
    /// The user and CSRF token of an unexpired session.
    async fn session(&self, token_hash: &str, now: Millis) -> StoreResult<Option<(User, String)>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<TokenId>;
    async fn user_by_api_token(&self, token_hash: &str) -> StoreResult<Option<User>>;
    /// Changes a user's own settings and answers the user as stored.
    async fn update_user(
        &self,
        account: AccountId,
        id: UserId,
        update: UserUpdate,
    ) -> StoreResult<User>;

    // Teams and inboxes.
    /// Fails with [`StoreError::InvalidReference`] when a member is not of the account.
    async fn create_team(&self, new: NewTeam) -> StoreResult<Team>;
    async fn teams(&self, account: AccountId) -> StoreResult<Vec<Team>>;
    /// The member a round-robin team handed work to last, if any.
    async fn round_robin_last_pick(
        &self,
        account: AccountId,
        team: TeamId,
    ) -> StoreResult<Option<UserId>>;
    async fn create_inbox(&self, new: NewInbox) -> StoreResult<Inbox>;
    async fn inbox(&self, account: AccountId, id: InboxId) -> StoreResult<Inbox>;
    /// The account an inbox belongs to (for the command line and mail sources, which
    /// name an inbox by id alone); [`StoreError::NotFound`] when there is none.
    async fn inbox_account(&self, id: InboxId) -> StoreResult<AccountId>;
    async fn inboxes(&self, account: AccountId) -> StoreResult<Vec<Inbox>>;
    /// Inboxes the user is a member of, directly or through a team.
    async fn member_inbox_ids(&self, user: UserId) -> StoreResult<Vec<InboxId>>;
    async fn is_inbox_member(&self, inbox: InboxId, user: UserId) -> StoreResult<bool>;
    /// What the access policy needs about an inbox of the account, in one query;
    /// [`StoreError::NotFound`] when the account has no such inbox.
    async fn inbox_access(
        &self,
        account: AccountId,
        inbox: InboxId,
        user: UserId,
    ) -> StoreResult<policy::InboxAccess>;

    // Contacts.
    async fn create_contact(&self, new: NewContact) -> StoreResult<Contact>;
    async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact>;
    async fn contacts(
        &self,
        account: AccountId,
        limit: u32,
        after: Option<ContactId>,
    ) -> StoreResult<Vec<Contact>>;

    // Conversations and timelines.
    /// Finds or creates the contact, creates the conversation and its first inbound
    /// message, and indexes it for search, in one transaction.
    async fn create_conversation(
        &self,
        new: NewConversation,
    ) -> StoreResult<(Conversation, TimelineEntry)>;
    async fn conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Conversation>;
    /// One page, newest activity first, by keyset: the inbox's conversations and the
    /// stubs of those that moved away (not when searching), in one order.
    async fn list_conversations(&self, query: &ListQuery) -> StoreResult<Page<ListItem>>;
    /// Open/mine/unassigned/closed counts for an inbox's views.
    async fn view_counts(&self, inbox: InboxId, user: UserId) -> StoreResult<ViewCounts>;
    /// The entries of a conversation, oldest first; deleted comments are not among them.
    async fn timeline(&self, conversation: ConversationId) -> StoreResult<Vec<TimelineEntry>>;
    /// One entry; [`StoreError::NotFound`] for a deleted comment too.
    async fn entry(&self, conversation: ConversationId, id: EntryId) -> StoreResult<TimelineEntry>;
    /// Appends an entry; messages also become the preview and bump last activity.
    async fn append_entry(&self, new: NewEntry) -> StoreResult<TimelineEntry>;
    /// Sets the status and appends an event, unless the status is already that.
    async fn set_status(&self, change: StatusChange) -> StoreResult<Option<TimelineEntry>>;
    /// Sets the assignee, appends an event, moves a round-robin team's turn and creates
    /// the notifications (and their outbox mail), unless the assignee is already that.
    /// Fails with [`StoreError::InvalidReference`] for a user or team of another account
    /// and with [`StoreError::Conflict`] when the round-robin turn moved meanwhile.
    async fn set_assignee(&self, change: AssigneeChange) -> StoreResult<Option<WrittenEntry>>;
    /// Moves a conversation to another inbox with its tickets (see [`MoveChange`]).
    /// Fails with [`StoreError::Conflict`] when the conversation is no longer open in
    /// the origin inbox or the target's round-robin turn moved meanwhile, with
    /// [`StoreError::NotFound`] for a target inbox of another account, and with
    /// [`StoreError::InvalidReference`] for an assignee of another account.
    async fn move_conversation(&self, change: MoveChange) -> StoreResult<Moved>;
    /// A stub of the inbox's list.
    async fn moved_stub(&self, inbox: InboxId, id: MovedStubId) -> StoreResult<MovedStub>;
    /// The user the target inbox's move round-robin picked last.
    async fn move_round_robin_last_pick(&self, inbox: InboxId) -> StoreResult<Option<UserId>>;

    // Comments.
    /// Appends an internal comment, links its attachments and creates its
    /// notifications (and their outbox mail) in one transaction. Fails with
    /// [`StoreError::InvalidReference`] for an attachment that is not the author's
    /// upload in the account, or a notified user of another account.
    async fn add_comment(&self, new: NewComment) -> StoreResult<WrittenEntry>;
    /// Soft-deletes a comment and appends the audit event, in one transaction.
    /// [`StoreError::NotFound`] unless the entry is a comment of the conversation that
    /// is not deleted yet.
    async fn delete_comment(&self, deletion: CommentDeletion) -> StoreResult<WrittenEntry>;

    // Attachments.
    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment>;
    async fn attachment(&self, account: AccountId, id: AttachmentId) -> StoreResult<Attachment>;
    /// Where a file of the account is used (comments' inboxes, the library).
    async fn attachment_uses(
        &self,
        account: AccountId,
        id: AttachmentId,
    ) -> StoreResult<AttachmentUses>;

    // The library.
    /// Fails with [`StoreError::InvalidReference`] when the attachment is not the
    /// creator's upload in the account.
    async fn create_library_item(&self, new: NewLibraryItem) -> StoreResult<LibraryItem>;
    /// Items by title; at most `limit` of them.
    async fn library_items(&self, query: &LibraryQuery) -> StoreResult<Vec<LibraryItem>>;
    async fn library_item(&self, account: AccountId, id: LibraryItemId)
        -> StoreResult<LibraryItem>;

    // Tickets.
    async fn create_ticket(&self, new: NewTicket) -> StoreResult<Ticket>;
    async fn ticket(&self, account: AccountId, id: TicketId) -> StoreResult<Ticket>;
    /// Changes a ticket's fields; [`StoreError::InvalidReference`] for an owner of
    /// another account.
    async fn update_ticket(
        &self,
        account: AccountId,
        id: TicketId,
        update: TicketUpdate,
    ) -> StoreResult<Ticket>;
    /// Tickets of the given inboxes, newest first.
    async fn tickets(&self, account: AccountId, inboxes: &[InboxId]) -> StoreResult<Vec<Ticket>>;

    // Notifications.
    async fn create_notification(&self, new: NewNotification) -> StoreResult<Notification>;
    async fn notifications(&self, user: UserId, limit: u32) -> StoreResult<Vec<Notification>>;
    async fn mark_notification_read(
        &self,
        user: UserId,
        id: NotificationId,
        now: Millis,
    ) -> StoreResult<()>;

    // Inbound email.
    /// Adds an address the inbox receives mail at (stored lower-cased). Fails with
    /// [`StoreError::Conflict`] when any inbox of the installation has it, and with
    /// [`StoreError::NotFound`] for an inbox of another account.
    async fn add_inbox_address(
        &self,
        account: AccountId,
        inbox: InboxId,
        address: &str,
        now: Millis,
    ) -> StoreResult<()>;
    /// The inbox that receives mail at `address`, case-insensitively; a plus address
    /// (`support+TOKEN@acme.test`) is looked up as itself, then without its tag.
    async fn inbox_for_address(&self, address: &str) -> StoreResult<Option<(AccountId, InboxId)>>;
    /// Files an inbound mail in one transaction (see [`InboundEmail`] for threading):
    /// contact, conversation, message entry, search text, reopening, its Message-ID
    /// and its attachments' rows. A Message-ID stored before writes nothing.
    async fn receive_email(&self, email: InboundEmail) -> StoreResult<Received>;
    /// Files several inbound mails with one commit (group commit), each exactly as
    /// [`Store::receive_email`] would in this order: a later mail sees the earlier
    /// ones (a repeated Message-ID is a duplicate, a reply threads into the
    /// conversation an earlier mail opened). If the shared transaction fails, each
    /// mail is filed on its own, so one bad mail never fails the others. One result
    /// per mail, in order; a conversation returned is as committed with the batch.
    async fn receive_emails(&self, emails: Vec<InboundEmail>) -> Vec<StoreResult<Received>>;
    /// A file of inbound mail of the account and the conversation it belongs to now.
    async fn email_attachment(
        &self,
        account: AccountId,
        id: EmailAttachmentId,
    ) -> StoreResult<(EmailAttachment, ConversationId)>;
    /// The file with Content-ID `content_id` of the inbound mail `message_id` of the
    /// account (what a `cid:` image of its HTML names), and its conversation.
    async fn email_attachment_by_cid(
        &self,
        account: AccountId,
        message_id: &str,
        content_id: &str,
    ) -> StoreResult<(EmailAttachment, ConversationId)>;

    // The outbox.
    /// The account's outbox, oldest first, at most `limit` rows.
    async fn outbox(&self, account: AccountId, limit: u32) -> StoreResult<Vec<OutboxMessage>>;

    // Outbound email (replies, forwards) and the outbox worker.
    /// Appends the entry (as [`Store::append_entry`]), records the mail's Message-ID
    /// as outbound in the conversation and queues the mail, due now, in one
    /// transaction. [`StoreError::Conflict`] when the Message-ID is already known.
    async fn append_outbound_email(
        &self,
        new: NewEntry,
        mail: OutboundMail,
    ) -> StoreResult<TimelineEntry>;
    /// The Message-IDs of a conversation, received and sent, oldest first.
    async fn thread_message_ids(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<ThreadMessageId>>;
    /// Leases at most `limit` due, queued mails (oldest due first) until `lease_until`:
    /// no other call leases them before then. Rows another node is leasing right now
    /// are skipped.
    async fn lease_outbox(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> StoreResult<Vec<LeasedMail>>;
    /// Records an attempt: counts it, sets the state (sent, queued for
    /// `next_attempt_at`, or failed with the error), ends the lease, and mirrors it in
    /// `meta.delivery` of the mail's entry (replies and forwards), answering that entry.
    async fn finish_delivery(
        &self,
        id: OutboxId,
        outcome: DeliveryOutcome,
        now: Millis,
    ) -> StoreResult<Option<DeliveredEntry>>;
    /// Queues a failed reply or forward again, due now, attempts reset; answers the
    /// entry with its new `meta.delivery`. [`StoreError::NotFound`] when the entry of
    /// the conversation has no mail, [`StoreError::Conflict`] when it is not failed.
    async fn retry_delivery(
        &self,
        conversation: ConversationId,
        entry: EntryId,
        now: Millis,
    ) -> StoreResult<TimelineEntry>;

    // IMAP sources (one per inbox) and the poller's progress.
    /// Configures the inbox's IMAP source, replacing any earlier one; the progress is
    /// kept when host, user and folder stay the same (the same mailbox), else it starts
    /// over. Clears the last error and grows the revision. [`StoreError::NotFound`]
    /// when there is no such inbox.
    async fn set_imap_source(&self, new: NewImapSource) -> StoreResult<ImapSource>;
    /// Stops the inbox fetching by IMAP; [`StoreError::NotFound`] when it did not.
    async fn remove_imap_source(&self, inbox: InboxId) -> StoreResult<()>;
    /// Every IMAP source of the installation, by inbox id (the poller's work list).
    async fn imap_sources(&self) -> StoreResult<Vec<ImapSource>>;
    async fn imap_source(&self, inbox: InboxId) -> StoreResult<ImapSource>;
    /// Records that mail up to `last_uid` under `uid_validity` is filed, unless the
    /// source was changed or removed since `revision` (then answers `false`).
    async fn record_imap_progress(
        &self,
        inbox: InboxId,
        revision: i64,
        uid_validity: u32,
        last_uid: u32,
    ) -> StoreResult<bool>;
    /// Records the end of a poll at `now`, with its error or `None` for success, unless
    /// the source was changed or removed since `revision` (then answers `false`).
    async fn record_imap_poll(
        &self,
        inbox: InboxId,
        revision: i64,
        error: Option<&str>,
        now: Millis,
    ) -> StoreResult<bool>;
}

/// The storage backend in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Opens the store a URL names (`sqlite://path` or `postgres://...`) and runs its
/// migrations.
pub async fn connect(url: &str) -> StoreResult<SqlStore> {
    SqlStore::connect(url).await
}
