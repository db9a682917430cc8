//! The IMAP client half of the email channel: connect (TLS, STARTTLS or plain), log
//! in, open a folder read-only, and fetch the raw mail above a UID.
//!
//! The protocol is async-imap's; this module adds what Switchboard needs around it:
//! TLS through rustls (ring, the public web roots or an own CA file), a password read
//! from a file at each connect so it never sits in the database or in memory between
//! polls, a time limit on every network step, and a size cap on fetched mail.
//!
//! It must not remember anything: which UIDs were filed is the caller's to persist.
//! Folders are opened with `EXAMINE` and bodies fetched with `BODY.PEEK[]`, so polling
//! never sets `\Seen`, never deletes and never changes the mailbox in any way.

use async_imap::types::Fetch;
use futures::TryStreamExt;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// How many messages are fetched per `UID FETCH`: bounds the memory one poll holds
/// (this many mails of at most [`crate::parse::MAX_RAW_BYTES`] each) while keeping
/// round trips few.
pub const FETCH_BATCH: usize = 10;

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS, usually port 993).
    Tls,
    /// Plain TCP upgraded with `STARTTLS` before login (usually port 143).
    Starttls,
    /// No encryption: only for a server on the same machine or a trusted network.
    None,
}

/// Where a mailbox is and how to log in to it.
#[derive(Debug, Clone)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    /// A file holding the password (one line; a trailing newline is ignored). Read at
    /// each connect, so a rotated password applies at the next poll.
    pub password_file: PathBuf,
    /// The folder to read, e.g. `INBOX`.
    pub folder: String,
    /// PEM certificates the server's certificate must chain to, instead of the public
    /// web roots: for a self-hosted server with its own CA or a self-signed
    /// certificate.
    pub ca_file: Option<PathBuf>,
    /// The longest any single network step (connect, TLS, each command) may take.
    pub timeout: Duration,
}

/// What went wrong talking to an IMAP server. The messages never contain the password.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("reading the password file {}: {source}", path.display())]
    PasswordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the password file {} is empty", .0.display())]
    EmptyPassword(PathBuf),
    #[error("reading the CA file {}: {detail}", path.display())]
    CaFile { path: PathBuf, detail: String },
    #[error("{0:?} is not a valid host name for TLS")]
    ServerName(String),
    #[error("connecting to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("TLS handshake with {host}: {source}")]
    Tls {
        host: String,
        source: std::io::Error,
    },
    #[error("the server closed the connection before greeting")]
    NoGreeting,
    #[error("STARTTLS refused: {0}")]
    Starttls(async_imap::error::Error),
    #[error("login as {username:?} refused: {source}")]
    Login {
        username: String,
        source: async_imap::error::Error,
    },
    #[error("opening folder {folder:?}: {source}")]
    Folder {
        folder: String,
        source: async_imap::error::Error,
    },
    #[error("the server gave no UIDVALIDITY for folder {0:?}")]
    NoUidValidity(String),
    #[error("IMAP {what}: {source}")]
    Protocol {
        what: &'static str,
        source: async_imap::error::Error,
    },
    #[error("{what} took longer than {} s", .limit.as_secs())]
    Timeout { what: &'static str, limit: Duration },
}

/// The byte stream under the IMAP session: plain TCP or TLS over it.
#[derive(Debug)]
pub enum ImapStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ImapStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A logged-in IMAP session (for the poller, and for tests that fill a mailbox).
pub type ImapSession = async_imap::Session<ImapStream>;

/// One fetched mail: its UID in the folder and its complete RFC 5322 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMail {
    pub uid: u32,
    pub raw: Vec<u8>,
}

/// A mail the folder holds but that is over the size cap: it is never downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OversizedMail {
    pub uid: u32,
    pub size: u32,
}

/// Runs one network step under the settings' time limit.
async fn limited<T>(
    limit: Duration,
    what: &'static str,
    step: impl std::future::Future<Output = T>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, step)
        .await
        .map_err(|_| ImapError::Timeout { what, limit })
}

/// Reads the password file: its first line, without the line ending.
pub fn read_password(path: &Path) -> Result<String, ImapError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImapError::PasswordFile {
        path: path.to_owned(),
        source,
    })?;
    let password = text.lines().next().unwrap_or_default().to_owned();
    if password.is_empty() {
        return Err(ImapError::EmptyPassword(path.to_owned()));
    }
    Ok(password)
}

/// Checks that a CA file holds PEM certificates rustls accepts, so a bad file is
/// reported when it is configured rather than at every poll.
pub fn check_ca_file(path: &Path) -> Result<(), ImapError> {
    tls_config(Some(path)).map(drop)
}

/// The rustls client configuration: ring, and either the CA file's certificates or
/// the public web roots.
fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, ImapError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let ca_error = |detail: String| ImapError::CaFile {
                path: path.to_owned(),
                detail,
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| ca_error(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ca_error(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_error("no PEM certificate in it".into()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls {
            host: String::new(),
            source: std::io::Error::other(e),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// Wraps a TCP stream in TLS, verifying the certificate for `host`.
async fn start_tls(
    tcp: TcpStream,
    settings: &ImapSettings,
) -> Result<TlsStream<TcpStream>, ImapError> {
    let config = tls_config(settings.ca_file.as_deref())?;
    let name = ServerName::try_from(settings.host.clone())
        .map_err(|_| ImapError::ServerName(settings.host.clone()))?;
    let connector = TlsConnector::from(Arc::new(config));
    limited(
        settings.timeout,
        "the TLS handshake",
        connector.connect(name, tcp),
    )
    .await?
    .map_err(|source| ImapError::Tls {
        host: settings.host.clone(),
        source,
    })
}

/// Reads the server's greeting, which must come before any command.
async fn greeting(
    client: &mut async_imap::Client<ImapStream>,
    limit: Duration,
) -> Result<(), ImapError> {
    match limited(limit, "the greeting", client.read_response()).await? {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(ImapError::NoGreeting),
        Err(e) => Err(ImapError::Protocol {
            what: "greeting",
            source: e.into(),
        }),
    }
}

/// Connects as the settings say and logs in; the password file is read now.
#[tracing::instrument(skip_all, fields(host = %settings.host, port = settings.port, user = %settings.username))]
pub async fn login(settings: &ImapSettings) -> Result<ImapSession, ImapError> {
    let password = read_password(&settings.password_file)?;
    let addr = format!("{}:{}", settings.host, settings.port);
    let tcp = limited(settings.timeout, "connecting", TcpStream::connect(&addr))
        .await?
        .map_err(|source| ImapError::Connect {
            addr: addr.clone(),
            source,
        })?;
    let client = match settings.tls {
        TlsMode::Tls => {
            let tls = start_tls(tcp, settings).await?;
            let mut client = async_imap::Client::new(ImapStream::Tls(Box::new(tls)));
            greeting(&mut client, settings.timeout).await?;
            client
        }
        TlsMode::None => {
            let mut client = async_imap::Client::new(ImapStream::Plain(tcp));
            greeting(&mut client, settings.timeout).await?;
            client
        }
        TlsMode::Starttls => {
            let mut client = async_imap::Client::new(ImapStream::Plain(tcp));
            greeting(&mut client, settings.timeout).await?;
            limited(
                settings.timeout,
                "STARTTLS",
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await?
            .map_err(ImapError::Starttls)?;
            let ImapStream::Plain(tcp) = client.into_inner() else {
                unreachable!("the stream was built plain just above");
            };
            // No greeting follows STARTTLS.
            let tls = start_tls(tcp, settings).await?;
            async_imap::Client::new(ImapStream::Tls(Box::new(tls)))
        }
    };
    let session = limited(
        settings.timeout,
        "login",
        client.login(&settings.username, &password),
    )
    .await?
    .map_err(|(source, _)| ImapError::Login {
        username: settings.username.clone(),
        source,
    })?;
    Ok(session)
}

/// A folder opened read-only for fetching new mail.
pub struct ImapFolder {
    session: ImapSession,
    uid_validity: u32,
    limit: Duration,
}

impl ImapFolder {
    /// Logs in and opens the settings' folder with `EXAMINE` (read-only).
    pub async fn open(settings: &ImapSettings) -> Result<Self, ImapError> {
        let mut session = login(settings).await?;
        let mailbox = limited(
            settings.timeout,
            "opening the folder",
            session.examine(&settings.folder),
        )
        .await?
        .map_err(|source| ImapError::Folder {
            folder: settings.folder.clone(),
            source,
        })?;
        let uid_validity = mailbox
            .uid_validity
            .ok_or_else(|| ImapError::NoUidValidity(settings.folder.clone()))?;
        Ok(ImapFolder {
            session,
            uid_validity,
            limit: settings.timeout,
        })
    }

    /// The folder's UIDVALIDITY: UIDs remembered under another value mean nothing.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// The UIDs above `after`, ascending. `UID SEARCH UID n:*` answers the highest UID
    /// even when it is below `n` (RFC 3501 reads `*` as the largest UID in use), so
    /// UIDs up to `after` are dropped here.
    pub async fn uids_after(&mut self, after: u32) -> Result<Vec<u32>, ImapError> {
        let from = after.saturating_add(1);
        let found = limited(
            self.limit,
            "UID SEARCH",
            self.session.uid_search(format!("UID {from}:*")),
        )
        .await?
        .map_err(|source| ImapError::Protocol {
            what: "UID SEARCH",
            source,
        })?;
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > after).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// Fetches the given UIDs (at most [`FETCH_BATCH`] are expected), in UID order.
    /// Mails larger than `max_bytes` are not downloaded but answered as oversized; a
    /// UID the server no longer has (expunged meanwhile) is simply missing.
    pub async fn fetch(
        &mut self,
        uids: &[u32],
        max_bytes: usize,
    ) -> Result<(Vec<FetchedMail>, Vec<OversizedMail>), ImapError> {
        if uids.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let sizes = self.fetch_items(uids, "(UID RFC822.SIZE)").await?;
        let mut small = Vec::new();
        let mut oversized = Vec::new();
        for item in &sizes {
            let (Some(uid), Some(size)) = (item.uid, item.size) else {
                continue;
            };
            if usize::try_from(size).map_or(true, |s| s > max_bytes) {
                oversized.push(OversizedMail { uid, size });
            } else if uids.contains(&uid) {
                small.push(uid);
            }
        }
        let mut mails: Vec<FetchedMail> = self
            .fetch_items(&small, "(UID BODY.PEEK[])")
            .await?
            .into_iter()
            .filter_map(|item| {
                let uid = item.uid?;
                let raw = item.body()?.to_vec();
                small.contains(&uid).then_some(FetchedMail { uid, raw })
            })
            .collect();
        mails.sort_by_key(|m| m.uid);
        oversized.sort_by_key(|m| m.uid);
        Ok((mails, oversized))
    }

    async fn fetch_items(&mut self, uids: &[u32], query: &str) -> Result<Vec<Fetch>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uid_set(uids);
        let what = "UID FETCH";
        let protocol = |source| ImapError::Protocol { what, source };
        let session = &mut self.session;
        limited(self.limit, what, async move {
            let stream = session.uid_fetch(set, query).await.map_err(protocol)?;
            stream.try_collect::<Vec<_>>().await.map_err(protocol)
        })
        .await?
    }

    /// Says goodbye; errors are of no interest once the work is done.
    pub async fn logout(mut self) {
        let _ = limited(self.limit, "LOGOUT", self.session.logout()).await;
    }
}

/// `1,5,7` for a `UID FETCH`.
fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_comma_separated() {
        assert_eq!(uid_set(&[3, 4, 9]), "3,4,9");
        assert_eq!(uid_set(&[7]), "7");
    }

    #[test]
    fn the_password_is_the_files_first_line() {
        let dir = std::env::temp_dir().join(format!("sb-imap-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pw");
        std::fs::write(&path, "s3cret\n").unwrap();
        assert_eq!(read_password(&path).unwrap(), "s3cret");
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(
            read_password(&path),
            Err(ImapError::EmptyPassword(_))
        ));
        let missing = read_password(&dir.join("missing")).unwrap_err();
        assert!(missing.to_string().contains("reading the password file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("sb-imap-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = tls_config(Some(&path)).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
        assert!(tls_config(None).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
