//! The store-backed [`MailSink`] of the inbound SMTP listener, and starting that
//! listener beside HTTP.
//!
//! It accepts a recipient only when an inbox receives at that address (a plus address
//! counts as its base), so the listener is never an open relay; every other address
//! gets `550`. A message is handed to [`App::receive_mail`], which returns after the
//! commit; the listener answers `250` only then.

use crate::app::App;
use async_trait::async_trait;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_mail::smtp_server::{
    DeliverError, Envelope, MailSink, RcptVerdict, SmtpConfig, SmtpServer,
};

/// Files accepted mail through the service layer.
#[derive(Clone)]
pub struct StoreSink {
    app: App,
}

impl StoreSink {
    pub fn new(app: App) -> Self {
        StoreSink { app }
    }
}

#[async_trait]
impl MailSink for StoreSink {
    async fn accept_recipient(&self, address: &str) -> RcptVerdict {
        match self.app.store.inbox_for_address(address).await {
            Ok(Some(_)) => RcptVerdict::Accept,
            Ok(None) => RcptVerdict::Unknown,
            Err(error) => {
                tracing::warn!(%error, "recipient lookup failed");
                RcptVerdict::TryLater
            }
        }
    }

    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Result<(), DeliverError> {
        match self.app.receive_mail(&raw, &envelope.rcpt_to).await {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::warn!(%error, peer = %envelope.peer, "mail not filed");
                Err(error)
            }
        }
    }
}

/// Binds the inbound SMTP listener on `addr` for `app`'s inboxes.
pub async fn bind(addr: SocketAddr, app: App, config: SmtpConfig) -> std::io::Result<SmtpServer> {
    SmtpServer::bind(addr, config, Arc::new(StoreSink::new(app))).await
}

/// Serves a bound listener until `shutdown` resolves; a message being filed then is
/// finished (and acknowledged) first.
pub async fn serve(
    server: SmtpServer,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server.serve(shutdown).await
}
