//! Switchboard's mail layer: the pure half of the email channel.
//!
//! Map of the modules:
//! - [`parse`]: raw inbound bytes to an [`parse::InboundMail`] (decoded, validated,
//!   capped, classified as automatic or looping).
//! - [`sanitize`]: email HTML made safe to show (remote images blocked, `cid:` images
//!   mapped) and the quoted history of replies found, for HTML and plain text.
//! - [`build`]: outbound replies, forwards and notification emails as RFC 5322 bytes,
//!   threaded and stamped for loop detection.
//! - [`relay`]: outbound SMTP through the configured relay, failures classified as
//!   permanent or transient for the outbox's retries.
//! - [`token`]: HMAC-signed reply-address tokens (`support+TOKEN@acme.test`).
//! - [`imap`]: the IMAP client the poller fetches new mail of a folder with (read-only,
//!   by UID, TLS through rustls).
//! - [`smtp_server`]: the inbound SMTP listener; hands accepted mail to a
//!   [`smtp_server::MailSink`] and answers `250` only after the sink committed it.
//!
//! This crate must not depend on the store or the server: it turns bytes into values
//! and values into bytes, and the I/O it does (SMTP in and out, IMAP in) hands every result to
//! a trait or returns it, so the caller decides what is persisted.

pub mod build;
pub mod imap;
pub mod parse;
pub mod relay;
pub mod sanitize;
pub mod smtp_server;
pub mod token;
