//! The Switchboard server: the service layer, the HTTP API and web UI, the realtime
//! WebSocket, and the command line, wired over the store and the realtime hub.
//!
//! - [`app`]: the service layer (authorize, validate, one store transaction, publish).
//! - [`http`]: the JSON API, the WebSocket and the OpenAPI document.
//! - [`ui`]: the server-rendered web UI and its static assets.
//! - [`auth`]: sessions, bearer tokens, CSRF, login rate limiting.
//! - [`cli`]: the command line; [`demo`]: the demo account.
//! - [`smtp`]: the inbound SMTP listener's store-backed mail sink.
//! - [`imap`]: the IMAP poller, fetching mail of inboxes with an IMAP source.
//! - [`import`]: `switchboard import-eml`, a mailbox migrated from `.eml`/mbox files.
//!
//! `main.rs` only parses the command line and calls in here, so tests start the same
//! server on `127.0.0.1:0` through [`serve`].

pub mod app;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod error;
pub mod http;
pub mod imap;
pub mod import;
pub mod smtp;
pub mod state;
pub mod ui;
pub mod worker;

use app::App;
use auth::LoginLimiter;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchboard_realtime::{Hub, HubConfig, LocalBackplane, PostgresBackplane};
use switchboard_store::Store;
use tokio::net::TcpListener;

/// The sender of notification emails when `--mail-from` is not given.
pub const DEFAULT_MAIL_FROM: &str = "switchboard@localhost";

/// Options of a running server that are not the store.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Set `Secure` on cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// Login attempts per minute per email and per client address.
    pub login_attempts_per_minute: (u32, u32),
    /// How long presence lives after its last heartbeat (30 s; tests shorten it).
    pub presence_ttl: Duration,
    /// Where uploaded files are kept (`<data dir>/attachments`; shared by all nodes).
    pub attachments_dir: PathBuf,
    /// The outbound relay; without one, mail waits in the outbox.
    pub relay: Option<switchboard_mail::relay::Relay>,
    /// The sender address of notification emails.
    pub mail_from: String,
    /// The pace of the outbox worker (retries, polling; tests shorten them).
    pub outbox: worker::WorkerConfig,
    /// The IMAP poller's pace; `None` runs no poller (tests poll by hand through
    /// [`imap::ImapPoller::poll`]).
    pub imap: Option<imap::ImapPollerConfig>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            secure_cookies: false,
            login_attempts_per_minute: (10, 30),
            presence_ttl: Duration::from_secs(30),
            attachments_dir: PathBuf::from(app::DEFAULT_ATTACHMENTS_DIR),
            relay: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            outbox: worker::WorkerConfig::default(),
            imap: None,
        }
    }
}

/// Builds the handler state over a store, with a single-node realtime hub and the
/// wall clock.
pub fn state(store: Arc<dyn Store>, options: &ServerOptions) -> AppState {
    let hub = Hub::with_config(Arc::new(LocalBackplane), hub_config(options));
    state_with_hub(store, options, hub)
}

/// Builds the handler state over a store and a realtime hub (from [`hub_for_database`]),
/// and starts the hub's presence expiry.
pub fn state_with_hub(store: Arc<dyn Store>, options: &ServerOptions, hub: Hub) -> AppState {
    hub.spawn_presence_expiry();
    let app = App::new(store, hub, app::system_clock())
        .with_attachments_dir(options.attachments_dir.clone());
    let (per_email, per_ip) = options.login_attempts_per_minute;
    let outbox_worker = options.relay.clone().map(|relay| {
        worker::OutboxWorker::new(
            app.store.clone(),
            app.hub.clone(),
            relay,
            options.mail_from.clone(),
            options.outbox.clone(),
            app::system_clock(),
            app.outbox_wake(),
        )
    });
    let imap_poller = options
        .imap
        .clone()
        .map(|config| imap::ImapPoller::new(app.clone(), config));
    AppState {
        app,
        login_limiter: Arc::new(LoginLimiter::new(per_email, per_ip)),
        secure_cookies: options.secure_cookies,
        outbox_worker,
        imap_poller,
    }
}

fn hub_config(options: &ServerOptions) -> HubConfig {
    HubConfig {
        presence_ttl: options.presence_ttl,
        ..HubConfig::default()
    }
}

/// The realtime hub for a database URL: on PostgreSQL, nodes sharing the database reach
/// each other's sockets through `LISTEN/NOTIFY` (the listener starts here and keeps
/// reconnecting); on SQLite, a single node needs no backplane.
pub async fn hub_for_database(url: &str, options: &ServerOptions) -> anyhow::Result<Hub> {
    if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
        return Ok(Hub::with_config(
            Arc::new(LocalBackplane),
            hub_config(options),
        ));
    }
    let (backplane, worker) = PostgresBackplane::new(url)?;
    let backplane = Arc::new(backplane);
    let hub = Hub::with_config(backplane.clone(), hub_config(options));
    tokio::spawn(worker.run(hub.downgrade()));
    if !backplane.wait_listening(Duration::from_secs(10)).await {
        tracing::warn!("the PostgreSQL backplane does not listen yet; it keeps trying");
    }
    Ok(hub)
}

/// Serves HTTP on a bound listener until `shutdown` resolves, then drains connections.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // The outbox worker and the IMAP poller stop with the server.
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    if let Some(poller) = state.imap_poller.clone() {
        tokio::spawn(poller.run(worker_stopped.clone()));
    }
    if let Some(worker) = state.outbox_worker.clone() {
        tokio::spawn(worker.run(worker_stopped));
    }
    let shutdown = async move {
        shutdown.await;
        let _ = stop_worker.send(true);
    };
    let router = http::router(state);
    // Frames are small and latency-bound (presence, events): send them at once.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
