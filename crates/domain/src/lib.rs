//! Switchboard's domain: the vocabulary of a shared team inbox as types, the rules
//! that validate input once at the edge, and the policy that says who may do what.
//!
//! Map of the modules:
//! - [`id`]: newtype ids, one per entity, so a `UserId` is never passed as an `InboxId`.
//! - [`model`]: accounts, users, teams, inboxes, contacts, conversations, timeline
//!   entries, tickets, notifications, attachments, library items, outbox mail — plain
//!   data, no behaviour that needs I/O.
//! - [`input`]: validated input types (`EmailAddress`, `Name`, `Body`, `Password`) whose
//!   `parse` is the only way in, so holding one proves the check ran.
//! - [`policy`]: every access rule in one place (account, inbox membership, role, seat, plan).
//! - [`event`]: what a committed change announces to open browsers.
//! - [`notification`]: notification texts, links, and the emails they queue.
//! - [`moving`]: who gets a conversation moved to another inbox.
//! - [`round_robin`]: which team member a round-robin team hands work to next.
//! - [`template`]: `{{contact.name}}`-style variables of library snippets.
//! - [`library`]: which fields each kind of library item needs.
//! - [`attachment`]: display names, safe content types and the size cap of files.
//!
//! This crate must not do I/O: no database, network, clock or randomness.

pub mod attachment;
pub mod event;
pub mod id;
pub mod input;
pub mod library;
pub mod model;
pub mod moving;
pub mod notification;
pub mod policy;
pub mod round_robin;
pub mod template;

pub use id::*;
pub use model::*;
