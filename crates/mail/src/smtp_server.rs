//! The inbound SMTP listener: accepts mail for our inboxes from other mail servers.
//!
//! It is a receiving MTA, not a relay: a recipient is accepted only when the
//! [`MailSink`] says it is ours, and a message is acknowledged with `250` only after
//! the sink's [`MailSink::deliver`] returned `Ok`, i.e. after the sink committed it.
//! Commands are parsed by `smtp-proto` (which also does DATA dot-unstuffing); this
//! module is the state machine around it. It knows nothing about the database: the
//! sink does the filing.
//!
//! Hostile clients are bounded: lines are capped by the parser (4 KiB), messages by
//! [`SmtpConfig::max_message_bytes`] (the excess is read and discarded, then `552`),
//! recipients by [`SmtpConfig::max_recipients`], connections by
//! [`SmtpConfig::max_connections`], silence by [`SmtpConfig::idle_timeout`], and
//! sessions that keep sending bad commands are closed.

use async_trait::async_trait;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tracing::Instrument;

mod session;
#[cfg(test)]
pub(crate) mod tests;

/// Listener settings.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The name we greet with and stamp in `Received` headers.
    pub hostname: String,
    /// The largest message accepted, in bytes; advertised as `SIZE`.
    pub max_message_bytes: usize,
    /// Recipients accepted per message; more get `452` (RFC 5321 asks for ≥ 100).
    pub max_recipients: usize,
    /// A connection silent this long (or not reading our replies) is closed.
    pub idle_timeout: Duration,
    /// Sessions served at once; further connections wait in the accept backlog.
    pub max_connections: usize,
    /// Bad commands tolerated per session before it is closed with `421`.
    pub max_errors: usize,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            hostname: "localhost".to_owned(),
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 100,
            idle_timeout: Duration::from_secs(300),
            max_connections: 256,
            max_errors: 20,
        }
    }
}

/// The sink's answer for a `RCPT TO` address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RcptVerdict {
    /// One of our inbox addresses (or a valid reply address): `250`.
    Accept,
    /// Not ours: `550 5.1.1`. We never relay.
    Unknown,
    /// Cannot tell right now (database unavailable): `451 4.3.0`, the sender retries.
    TryLater,
}

/// Who sent a message to whom, as given on the SMTP envelope (not the headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The `MAIL FROM` address; empty for bounces (the null reverse-path).
    pub mail_from: String,
    /// Accepted `RCPT TO` addresses, lower-cased, without duplicates.
    pub rcpt_to: Vec<String>,
    /// The client's address.
    pub peer: SocketAddr,
}

/// Why the sink did not take a message. The text is logged, never sent to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    /// Try again later (`451 4.3.0`): the database was busy or down.
    #[error("transient delivery failure: {0}")]
    Transient(String),
    /// Never try again (`554 5.6.0`): the message is unacceptable.
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// Where accepted mail goes. The store-backed implementation lives with the caller,
/// so this crate stays free of the database.
#[async_trait]
pub trait MailSink: Send + Sync {
    /// Whether `address` (lower-cased, syntactically valid) is a mailbox we receive for.
    async fn accept_recipient(&self, address: &str) -> RcptVerdict;
    /// Stores a message durably. Return only once it is committed: the client is told
    /// `250` right after, and will then forget the message.
    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Result<(), DeliverError>;
}

/// A bound SMTP listener, ready to [`serve`](SmtpServer::serve).
pub struct SmtpServer {
    listener: TcpListener,
    config: Arc<SmtpConfig>,
    sink: Arc<dyn MailSink>,
}

impl SmtpServer {
    /// Binds the listener. Use port 0 in tests and read [`SmtpServer::local_addr`].
    pub async fn bind(
        addr: impl ToSocketAddrs,
        config: SmtpConfig,
        sink: Arc<dyn MailSink>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self::from_listener(listener, config, sink))
    }

    /// Serves on an already bound listener (e.g. one handed over by the caller).
    pub fn from_listener(
        listener: TcpListener,
        config: SmtpConfig,
        sink: Arc<dyn MailSink>,
    ) -> Self {
        Self {
            listener,
            config: Arc::new(config),
            sink,
        }
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections until `shutdown` completes, then stops accepting, tells
    /// open sessions to close at their next command (`421`), and waits for them. A
    /// message being delivered is finished first, so nothing acknowledged is lost.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let permits = Arc::new(Semaphore::new(self.config.max_connections.max(1)));
        let mut sessions = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                () = &mut shutdown => break,
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(%error, "smtp accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            while sessions.try_join_next().is_some() {}
            let session = session::Session::new(
                Arc::clone(&self.config),
                Arc::clone(&self.sink),
                peer,
                stop_rx.clone(),
            );
            let span = tracing::info_span!("smtp_session", %peer);
            sessions.spawn(
                async move {
                    session.run(stream).await;
                    drop(permit);
                }
                .instrument(span),
            );
        }
        let _ = stop_tx.send(true);
        while sessions.join_next().await.is_some() {}
        Ok(())
    }
}
