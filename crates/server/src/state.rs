//! The state every handler receives: the service layer and the login rate limiter.

use crate::app::App;
use crate::auth::LoginLimiter;
use std::sync::Arc;

/// Axum state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub login_limiter: Arc<LoginLimiter>,
    /// Whether cookies carry `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The outbox worker [`crate::serve`] runs, when a relay is configured.
    pub outbox_worker: Option<crate::worker::OutboxWorker>,
    /// The IMAP poller [`crate::serve`] runs, unless it is turned off.
    pub imap_poller: Option<crate::imap::ImapPoller>,
}
