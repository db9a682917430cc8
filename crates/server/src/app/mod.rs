//! The service layer: one function per command or query of the API and UI. Each one
//! authorizes through `switchboard_domain::policy`, validates through the domain's
//! input types, calls the store (one transaction per command), and publishes the
//! resulting events after commit. Handlers stay thin: parse, call one of these, render.

mod assignment;
mod attachments;
mod comments;
mod conversations;
mod directory;
pub mod files;
mod forward;
mod inbound;
mod library;
pub mod markdown;
mod moving;
mod outbound;
mod session;
mod tickets;

pub use comments::CommentInput;
pub use conversations::{ConversationView, ListParams, ReplyInput};
pub use directory::{NewContactInput, NewInboxInput, NewTeamInput, NewUserInput};
pub use forward::ForwardInput;
pub use inbound::{cid_url, ReceiveOutcome, MAX_INBOUND_TEXT_BYTES};
pub use library::{LibraryItemView, NewLibraryItemInput};
pub use moving::MoveInput;
pub use session::{same_secret, AuthenticatedUser, LoginOutcome, SESSION_TTL_MS};
pub use tickets::NewTicketInput;

use crate::error::{ApiError, ApiResult};
use files::FileStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_domain::event::Event;
use switchboard_domain::policy::{self, Actor};
use switchboard_domain::*;
use switchboard_realtime::Hub;
use switchboard_store::Store;

/// The clock, injected so tests can pin time.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

/// The wall clock in milliseconds since the Unix epoch.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as Millis)
    })
}

/// Where attachments live when nobody says otherwise: beside the default database.
pub const DEFAULT_ATTACHMENTS_DIR: &str = "data/attachments";

/// Everything a request needs: the store, the realtime hub, the clock and the
/// attachment files.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub hub: Hub,
    clock: Clock,
    files: FileStore,
    /// Bounds concurrent argon2 work (each takes 19 MiB and a core for ~50 ms), so a
    /// burst of logins queues instead of exhausting memory and CPU.
    password_work: Arc<tokio::sync::Semaphore>,
    /// Cache of [`App::reply_token_secret`].
    reply_secret: Arc<std::sync::OnceLock<Vec<u8>>>,
    /// Woken when mail is queued, so the outbox worker sends it at once.
    outbox_wake: Arc<tokio::sync::Notify>,
    /// Files inbound mail arriving together with one commit (see [`inbound::MailCommitter`]).
    mail_committer: inbound::MailCommitter,
}

impl App {
    /// A service layer whose attachments go to [`DEFAULT_ATTACHMENTS_DIR`]; see
    /// [`App::with_attachments_dir`].
    pub fn new(store: Arc<dyn Store>, hub: Hub, clock: Clock) -> Self {
        App {
            store,
            hub,
            clock,
            files: FileStore::new(DEFAULT_ATTACHMENTS_DIR),
            password_work: Arc::new(tokio::sync::Semaphore::new(2)),
            reply_secret: Arc::default(),
            outbox_wake: Arc::default(),
            mail_committer: inbound::MailCommitter::default(),
        }
    }

    /// Runs password hashing or verification off the async threads, at most two at once.
    pub(crate) async fn password_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = self
            .password_work
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(e.into()))
    }

    /// Keeps attachment files in `dir` (created on the first upload).
    pub fn with_attachments_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.files = FileStore::new(dir);
        self
    }

    /// What the outbox worker waits on between polls; notified when mail is queued.
    pub fn outbox_wake(&self) -> Arc<tokio::sync::Notify> {
        self.outbox_wake.clone()
    }

    /// The attachment files.
    pub fn files(&self) -> &FileStore {
        &self.files
    }

    /// The key of reply-address tokens (HMAC), shared by every node through the store;
    /// made on first use.
    pub async fn reply_token_secret(&self) -> ApiResult<Vec<u8>> {
        if let Some(secret) = self.reply_secret.get() {
            return Ok(secret.clone());
        }
        let candidate = hex::encode(rand::random::<[u8; 32]>());
        let stored = self
            .store
            .instance_secret("reply_token", &candidate, self.now())
            .await?;
        let secret = hex::decode(&stored).map_err(|e| ApiError::Internal(e.into()))?;
        Ok(self.reply_secret.get_or_init(|| secret).clone())
    }

    /// Now, from the injected clock.
    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    /// Publishes events of a committed change.
    fn publish(&self, events: &[Event]) {
        for e in events {
            self.hub.publish(e);
        }
    }

    /// Publishes an appended timeline entry: the entry, the conversation when its own
    /// state changed too (`conversation_changed`), and the notifications written with it.
    fn publish_entry(
        &self,
        inbox_id: InboxId,
        entry: &TimelineEntry,
        conversation_changed: bool,
        notifications: &[Notification],
    ) {
        let conversation_id = entry.conversation_id;
        self.hub.publish(&Event::EntryCreated {
            conversation_id,
            inbox_id,
            entry_id: entry.id,
        });
        if conversation_changed {
            self.hub.publish(&Event::ConversationUpdated {
                conversation_id,
                inbox_id,
            });
        }
        for n in notifications {
            self.hub.publish(&Event::NotificationCreated {
                user_id: n.user_id,
                notification_id: n.id,
            });
        }
    }

    /// The inbox, if the actor may see it (else 404).
    pub async fn visible_inbox(&self, actor: &Actor, id: InboxId) -> ApiResult<Inbox> {
        self.check_inbox(actor, id).await?;
        Ok(self.store.inbox(actor.account_id, id).await?)
    }

    /// Proves the actor may see the inbox (else 404), in one query.
    pub async fn check_inbox(&self, actor: &Actor, id: InboxId) -> ApiResult<()> {
        let access = self
            .store
            .inbox_access(actor.account_id, id, actor.user_id)
            .await?;
        policy::read_inbox(actor, access)?;
        Ok(())
    }

    /// The inboxes the actor may see: all of the account for admins, else their own.
    pub async fn visible_inboxes(&self, actor: &Actor) -> ApiResult<Vec<Inbox>> {
        let all = self.store.inboxes(actor.account_id).await?;
        if actor.is_admin() {
            return Ok(all);
        }
        let mine = self.store.member_inbox_ids(actor.user_id).await?;
        Ok(all.into_iter().filter(|i| mine.contains(&i.id)).collect())
    }

    /// May the actor see this inbox? The realtime hub asks this at subscribe.
    pub async fn can_see_inbox(&self, actor: &Actor, id: InboxId) -> ApiResult<bool> {
        match self.check_inbox(actor, id).await {
            Ok(()) => Ok(true),
            Err(ApiError::NotFound | ApiError::Denied(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The acting user of a request, as the policy sees them.
pub fn actor_of(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        account_id: user.account_id,
        role: user.role,
        seat: user.seat,
    }
}
