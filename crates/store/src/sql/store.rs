//! `impl Store for SqlStore`: each call forwards to the inherent method of the same
//! name in the file for its aggregate.

use super::SqlStore;
use crate::*;
use async_trait::async_trait;
use switchboard_domain::*;

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn instance_secret(
        &self,
        name: &str,
        candidate: &str,
        now: Millis,
    ) -> StoreResult<String> {
        SqlStore::instance_secret(self, name, candidate, now).await
    }

    async fn create_account(&self, name: &str, plan: Plan, now: Millis) -> StoreResult<Account> {
        SqlStore::create_account(self, name, plan, now).await
    }

    async fn account(&self, id: AccountId) -> StoreResult<Account> {
        SqlStore::account(self, id).await
    }

    async fn account_by_name(&self, name: &str) -> StoreResult<Account> {
        SqlStore::account_by_name(self, name).await
    }

    async fn set_plan(&self, id: AccountId, plan: Plan) -> StoreResult<()> {
        SqlStore::set_plan(self, id, plan).await
    }

    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        SqlStore::create_user(self, new).await
    }

    async fn user(&self, account: AccountId, id: UserId) -> StoreResult<User> {
        SqlStore::user(self, account, id).await
    }

    async fn users(&self, account: AccountId) -> StoreResult<Vec<User>> {
        SqlStore::users(self, account).await
    }

    async fn credentials(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        SqlStore::credentials(self, email).await
    }

    async fn create_session(&self, new: NewSession) -> StoreResult<()> {
        SqlStore::create_session(self, new).await
    }

    async fn session(&self, token_hash: &str, now: Millis) -> StoreResult<Option<(User, String)>> {
        SqlStore::session(self, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        SqlStore::delete_session(self, token_hash).await
    }

    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<TokenId> {
        SqlStore::create_api_token(self, user, name, token_hash, now).await
    }

    async fn user_by_api_token(&self, token_hash: &str) -> StoreResult<Option<User>> {
        SqlStore::user_by_api_token(self, token_hash).await
    }

    async fn update_user(
        &self,
        account: AccountId,
        id: UserId,
        update: UserUpdate,
    ) -> StoreResult<User> {
        SqlStore::update_user(self, account, id, update).await
    }

    async fn round_robin_last_pick(
        &self,
        account: AccountId,
        team: TeamId,
    ) -> StoreResult<Option<UserId>> {
        SqlStore::round_robin_last_pick(self, account, team).await
    }

    async fn create_team(&self, new: NewTeam) -> StoreResult<Team> {
        SqlStore::create_team(self, new).await
    }

    async fn teams(&self, account: AccountId) -> StoreResult<Vec<Team>> {
        SqlStore::teams(self, account).await
    }

    async fn create_inbox(&self, new: NewInbox) -> StoreResult<Inbox> {
        SqlStore::create_inbox(self, new).await
    }

    async fn inbox(&self, account: AccountId, id: InboxId) -> StoreResult<Inbox> {
        SqlStore::inbox(self, account, id).await
    }

    async fn inbox_account(&self, id: InboxId) -> StoreResult<AccountId> {
        SqlStore::inbox_account(self, id).await
    }

    async fn inboxes(&self, account: AccountId) -> StoreResult<Vec<Inbox>> {
        SqlStore::inboxes(self, account).await
    }

    async fn member_inbox_ids(&self, user: UserId) -> StoreResult<Vec<InboxId>> {
        SqlStore::member_inbox_ids(self, user).await
    }

    async fn inbox_access(
        &self,
        account: AccountId,
        inbox: InboxId,
        user: UserId,
    ) -> StoreResult<switchboard_domain::policy::InboxAccess> {
        SqlStore::inbox_access(self, account, inbox, user).await
    }

    async fn is_inbox_member(&self, inbox: InboxId, user: UserId) -> StoreResult<bool> {
        SqlStore::is_inbox_member(self, inbox, user).await
    }

    async fn create_contact(&self, new: NewContact) -> StoreResult<Contact> {
        SqlStore::create_contact(self, new).await
    }

    async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact> {
        SqlStore::contact(self, account, id).await
    }

    async fn contacts(
        &self,
        account: AccountId,
        limit: u32,
        after: Option<ContactId>,
    ) -> StoreResult<Vec<Contact>> {
        SqlStore::contacts(self, account, limit, after).await
    }

    async fn create_conversation(
        &self,
        new: NewConversation,
    ) -> StoreResult<(Conversation, TimelineEntry)> {
        SqlStore::create_conversation(self, new).await
    }

    async fn conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Conversation> {
        SqlStore::conversation(self, account, id).await
    }

    async fn list_conversations(&self, query: &ListQuery) -> StoreResult<Page<ListItem>> {
        SqlStore::list_conversations(self, query).await
    }

    async fn view_counts(&self, inbox: InboxId, user: UserId) -> StoreResult<ViewCounts> {
        SqlStore::view_counts(self, inbox, user).await
    }

    async fn timeline(&self, conversation: ConversationId) -> StoreResult<Vec<TimelineEntry>> {
        SqlStore::timeline(self, conversation).await
    }

    async fn entry(&self, conversation: ConversationId, id: EntryId) -> StoreResult<TimelineEntry> {
        SqlStore::entry(self, conversation, id).await
    }

    async fn append_entry(&self, new: NewEntry) -> StoreResult<TimelineEntry> {
        SqlStore::append_entry(self, new).await
    }

    async fn set_status(&self, change: StatusChange) -> StoreResult<Option<TimelineEntry>> {
        SqlStore::set_status(self, change).await
    }

    async fn set_assignee(&self, change: AssigneeChange) -> StoreResult<Option<WrittenEntry>> {
        SqlStore::set_assignee(self, change).await
    }

    async fn move_conversation(&self, change: MoveChange) -> StoreResult<Moved> {
        SqlStore::move_conversation(self, change).await
    }

    async fn moved_stub(&self, inbox: InboxId, id: MovedStubId) -> StoreResult<MovedStub> {
        SqlStore::moved_stub(self, inbox, id).await
    }

    async fn move_round_robin_last_pick(&self, inbox: InboxId) -> StoreResult<Option<UserId>> {
        SqlStore::move_round_robin_last_pick(self, inbox).await
    }

    async fn add_comment(&self, new: NewComment) -> StoreResult<WrittenEntry> {
        SqlStore::add_comment(self, new).await
    }

    async fn delete_comment(&self, deletion: CommentDeletion) -> StoreResult<WrittenEntry> {
        SqlStore::delete_comment(self, deletion).await
    }

    async fn create_attachment(&self, new: NewAttachment) -> StoreResult<Attachment> {
        SqlStore::create_attachment(self, new).await
    }

    async fn attachment(&self, account: AccountId, id: AttachmentId) -> StoreResult<Attachment> {
        SqlStore::attachment(self, account, id).await
    }

    async fn attachment_uses(
        &self,
        account: AccountId,
        id: AttachmentId,
    ) -> StoreResult<AttachmentUses> {
        SqlStore::attachment_uses(self, account, id).await
    }

    async fn create_library_item(&self, new: NewLibraryItem) -> StoreResult<LibraryItem> {
        SqlStore::create_library_item(self, new).await
    }

    async fn library_items(&self, query: &LibraryQuery) -> StoreResult<Vec<LibraryItem>> {
        SqlStore::library_items(self, query).await
    }

    async fn library_item(
        &self,
        account: AccountId,
        id: LibraryItemId,
    ) -> StoreResult<LibraryItem> {
        SqlStore::library_item(self, account, id).await
    }

    async fn create_ticket(&self, new: NewTicket) -> StoreResult<Ticket> {
        SqlStore::create_ticket(self, new).await
    }

    async fn update_ticket(
        &self,
        account: AccountId,
        id: TicketId,
        update: TicketUpdate,
    ) -> StoreResult<Ticket> {
        SqlStore::update_ticket(self, account, id, update).await
    }

    async fn ticket(&self, account: AccountId, id: TicketId) -> StoreResult<Ticket> {
        SqlStore::ticket(self, account, id).await
    }

    async fn tickets(&self, account: AccountId, inboxes: &[InboxId]) -> StoreResult<Vec<Ticket>> {
        SqlStore::tickets(self, account, inboxes).await
    }

    async fn create_notification(&self, new: NewNotification) -> StoreResult<Notification> {
        SqlStore::create_notification(self, new).await
    }

    async fn notifications(&self, user: UserId, limit: u32) -> StoreResult<Vec<Notification>> {
        SqlStore::notifications(self, user, limit).await
    }

    async fn mark_notification_read(
        &self,
        user: UserId,
        id: NotificationId,
        now: Millis,
    ) -> StoreResult<()> {
        SqlStore::mark_notification_read(self, user, id, now).await
    }

    async fn add_inbox_address(
        &self,
        account: AccountId,
        inbox: InboxId,
        address: &str,
        now: Millis,
    ) -> StoreResult<()> {
        SqlStore::add_inbox_address(self, account, inbox, address, now).await
    }

    async fn inbox_for_address(&self, address: &str) -> StoreResult<Option<(AccountId, InboxId)>> {
        SqlStore::inbox_for_address(self, address).await
    }

    async fn receive_email(&self, email: InboundEmail) -> StoreResult<Received> {
        SqlStore::receive_email(self, email).await
    }

    async fn receive_emails(&self, emails: Vec<InboundEmail>) -> Vec<StoreResult<Received>> {
        SqlStore::receive_emails(self, emails).await
    }

    async fn email_attachment(
        &self,
        account: AccountId,
        id: EmailAttachmentId,
    ) -> StoreResult<(EmailAttachment, ConversationId)> {
        SqlStore::email_attachment(self, account, id).await
    }

    async fn email_attachment_by_cid(
        &self,
        account: AccountId,
        message_id: &str,
        content_id: &str,
    ) -> StoreResult<(EmailAttachment, ConversationId)> {
        SqlStore::email_attachment_by_cid(self, account, message_id, content_id).await
    }

    async fn outbox(&self, account: AccountId, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        SqlStore::outbox(self, account, limit).await
    }

    async fn append_outbound_email(
        &self,
        new: NewEntry,
        mail: OutboundMail,
    ) -> StoreResult<TimelineEntry> {
        SqlStore::append_outbound_email(self, new, mail).await
    }

    async fn thread_message_ids(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<ThreadMessageId>> {
        SqlStore::thread_message_ids(self, conversation).await
    }

    async fn lease_outbox(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> StoreResult<Vec<LeasedMail>> {
        SqlStore::lease_outbox(self, now, lease_until, limit).await
    }

    async fn finish_delivery(
        &self,
        id: OutboxId,
        outcome: DeliveryOutcome,
        now: Millis,
    ) -> StoreResult<Option<DeliveredEntry>> {
        SqlStore::finish_delivery(self, id, outcome, now).await
    }

    async fn retry_delivery(
        &self,
        conversation: ConversationId,
        entry: EntryId,
        now: Millis,
    ) -> StoreResult<TimelineEntry> {
        SqlStore::retry_delivery(self, conversation, entry, now).await
    }

    async fn set_imap_source(&self, new: NewImapSource) -> StoreResult<ImapSource> {
        SqlStore::set_imap_source(self, new).await
    }

    async fn remove_imap_source(&self, inbox: InboxId) -> StoreResult<()> {
        SqlStore::remove_imap_source(self, inbox).await
    }

    async fn imap_sources(&self) -> StoreResult<Vec<ImapSource>> {
        SqlStore::imap_sources(self).await
    }

    async fn imap_source(&self, inbox: InboxId) -> StoreResult<ImapSource> {
        SqlStore::imap_source(self, inbox).await
    }

    async fn record_imap_progress(
        &self,
        inbox: InboxId,
        revision: i64,
        uid_validity: u32,
        last_uid: u32,
    ) -> StoreResult<bool> {
        SqlStore::record_imap_progress(self, inbox, revision, uid_validity, last_uid).await
    }

    async fn record_imap_poll(
        &self,
        inbox: InboxId,
        revision: i64,
        error: Option<&str>,
        now: Millis,
    ) -> StoreResult<bool> {
        SqlStore::record_imap_poll(self, inbox, revision, error, now).await
    }
}
