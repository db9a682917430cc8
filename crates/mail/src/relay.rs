//! Outbound SMTP: hands built messages to the configured relay (the team's mail
//! provider) with `lettre`, and says whether a failure is worth retrying.
//!
//! The outbox worker owns retries and backoff; this module sends one message and
//! classifies the outcome: a `5xx` reply is permanent (the message will never go
//! through as it is), a `4xx` reply or any connection, TLS or timeout problem is
//! transient (try again later: the mail waits in the outbox, nothing is lost).

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::time::Duration;

#[cfg(test)]
mod tests;

/// How long one SMTP step may take before the attempt counts as a transient failure.
const TIMEOUT: Duration = Duration::from_secs(60);

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayTls {
    /// Plain text; only for a relay on the same host or a trusted network.
    None,
    /// Plain connect, then `STARTTLS`, which is required to succeed.
    StartTls,
    /// TLS from the first byte (`smtps://`, usually port 465).
    Implicit,
}

/// Why a relay URL was refused. Never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayUrlError {
    #[error("relay URL is not a URL: {0}")]
    Malformed(String),
    #[error("relay URL scheme must be smtp or smtps, not {0:?}")]
    Scheme(String),
    #[error("relay URL has no host")]
    NoHost,
    #[error(
        "relay URL parameter tls must be starttls or none (smtp) or absent (smtps), not {0:?}"
    )]
    Tls(String),
    #[error("relay URL has an unknown parameter {0:?}")]
    Parameter(String),
    #[error("relay TLS setup failed: {0}")]
    TlsSetup(String),
    /// The relay's connection pool runs a background task, so it needs a runtime.
    #[error("the relay must be created inside a Tokio runtime")]
    NoRuntime,
}

/// A failed send. `message` is the relay's reply (or the connection problem), for
/// the timeline's "failed: …" and the logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// True when retrying cannot help (`5xx`, invalid addresses).
    pub permanent: bool,
    pub message: String,
}

/// A configured outbound relay. Cheap to share; connections are pooled.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
    tls: RelayTls,
}

impl fmt::Debug for Relay {
    /// Shows where mail goes, never the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Parses a relay URL:
    ///
    /// - `smtp://[user:pass@]host[:port][?tls=starttls|none]` — port 587 by default;
    ///   `tls` defaults to `starttls` (required, never silently plain text).
    /// - `smtps://[user:pass@]host[:port]` — implicit TLS, port 465 by default.
    /// - `helo=name` (optional parameter) sets the name we greet with
    ///   (default `localhost`).
    ///
    /// User and password are percent-decoded (`%40` for `@`). Certificates are checked
    /// against the bundled Web PKI roots. Must be called inside a Tokio runtime: the
    /// connection pool starts a background task ([`RelayUrlError::NoRuntime`] otherwise).
    pub fn from_url(url: &str) -> Result<Relay, RelayUrlError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RelayUrlError::NoRuntime);
        }
        let parsed = url::Url::parse(url).map_err(|e| RelayUrlError::Malformed(e.to_string()))?;
        let (default_port, mut tls) = match parsed.scheme() {
            "smtp" => (587, RelayTls::StartTls),
            "smtps" => (465, RelayTls::Implicit),
            other => return Err(RelayUrlError::Scheme(other.to_owned())),
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(RelayUrlError::NoHost)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = parsed.port().unwrap_or(default_port);
        let mut helo = "localhost".to_owned();
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref(), tls) {
                ("tls", "starttls", RelayTls::StartTls | RelayTls::None) => {
                    tls = RelayTls::StartTls
                }
                ("tls", "none", RelayTls::StartTls | RelayTls::None) => tls = RelayTls::None,
                ("tls", other, _) => return Err(RelayUrlError::Tls(other.to_owned())),
                ("helo", name, _) => helo = name.to_owned(),
                (other, _, _) => return Err(RelayUrlError::Parameter(other.to_owned())),
            }
        }
        let tls_setting = match tls {
            RelayTls::None => Tls::None,
            RelayTls::StartTls | RelayTls::Implicit => {
                let params = TlsParameters::new(host.clone())
                    .map_err(|e| RelayUrlError::TlsSetup(e.to_string()))?;
                if tls == RelayTls::Implicit {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls_setting)
            .hello_name(ClientId::Domain(helo))
            .timeout(Some(TIMEOUT));
        if !parsed.username().is_empty() {
            let user = percent_decode(parsed.username());
            let pass = percent_decode(parsed.password().unwrap_or_default());
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Relay {
            transport: builder.build(),
            host,
            port,
            tls,
        })
    }

    /// Sends `raw` (a complete RFC 5322 message) to `recipients` with the envelope
    /// sender `envelope_from` (empty for the null sender). `Ok` means the relay took
    /// responsibility for the message (`250`).
    pub async fn send(
        &self,
        envelope_from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<(), SendError> {
        let envelope = envelope(envelope_from, recipients)?;
        match self.transport.send_raw(&envelope, raw).await {
            Ok(_) => Ok(()),
            Err(error) => Err(SendError {
                permanent: error.is_permanent(),
                message: error.to_string(),
            }),
        }
    }
}

fn envelope(from: &str, recipients: &[String]) -> Result<Envelope, SendError> {
    let invalid = |what: &str| SendError {
        permanent: true,
        message: format!("invalid {what}"),
    };
    let from = if from.is_empty() {
        None
    } else {
        Some(
            from.parse::<Address>()
                .map_err(|_| invalid("envelope sender"))?,
        )
    };
    let to = recipients
        .iter()
        .map(|r| r.parse::<Address>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| invalid("recipient"))?;
    Envelope::new(from, to).map_err(|_| invalid("envelope (no recipients)"))
}

/// Decodes `%XX` escapes of a URL's user or password; malformed escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
