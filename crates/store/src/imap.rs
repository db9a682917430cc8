//! Inputs and outputs of the IMAP-source calls of [`Store`](crate::Store): where an
//! inbox fetches mail from, and how far the poller got.
//!
//! The store keeps configuration and progress only. Passwords are never stored: a
//! source names a file the poller reads at each connect.

use serde::Serialize;
use std::str::FromStr;
use switchboard_domain::*;

/// How the poller protects its connection to the IMAP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImapTls {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain TCP upgraded by `STARTTLS` (port 143).
    Starttls,
    /// No encryption (a server on the same machine).
    None,
}

impl ImapTls {
    pub fn as_str(self) -> &'static str {
        match self {
            ImapTls::Tls => "tls",
            ImapTls::Starttls => "starttls",
            ImapTls::None => "none",
        }
    }
}

impl std::fmt::Display for ImapTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImapTls {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tls" => Ok(ImapTls::Tls),
            "starttls" => Ok(ImapTls::Starttls),
            "none" => Ok(ImapTls::None),
            _ => Err(()),
        }
    }
}

/// The configuration of an inbox's IMAP source, as `switchboard inbox imap set` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImapSource {
    pub inbox_id: InboxId,
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub username: String,
    /// A file holding the password, read by the poller at each connect.
    pub password_file: String,
    /// The folder to poll (`INBOX` unless told otherwise).
    pub folder: String,
    /// PEM certificates the server's certificate must chain to, instead of the public
    /// roots (a self-hosted server's own CA).
    pub ca_file: Option<String>,
    pub now: Millis,
}

/// An inbox's IMAP source: its configuration and the poller's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImapSource {
    pub inbox_id: InboxId,
    pub account_id: AccountId,
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub username: String,
    pub password_file: String,
    pub folder: String,
    pub ca_file: Option<String>,
    /// The folder's UIDVALIDITY when `last_uid` was recorded; `None` before the first
    /// poll (or after the mailbox changed).
    pub uid_validity: Option<u32>,
    /// The highest UID filed (or refused for good); the next poll fetches above it.
    pub last_uid: u32,
    /// Why the last poll failed; `None` when it succeeded.
    pub last_error: Option<String>,
    pub last_polled_at: Option<Millis>,
    /// Grows by one at each change of the configuration (and starts at the creation
    /// time, so a source removed and set again does not reuse an old revision): a poll
    /// records its progress only while the revision it started with is current, so a
    /// poll of the old server never moves the new one's UIDs.
    pub revision: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}
