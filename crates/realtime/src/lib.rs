//! Switchboard's realtime layer: sockets subscribe to topics (`inbox:{id}`,
//! `conversation:{id}`, `user:{id}`); every committed change is fanned out to the
//! sockets subscribed to its topics; who views, composes or types on a conversation is
//! kept in memory and shown to the other watchers of that conversation who hold a
//! service seat — on this node and, through a [`Backplane`], on the others.
//!
//! - [`hub`]: sockets, topics, access answers per socket, event and presence fan-out.
//! - [`presence`]: the registry of who is on which conversation, with expiry.
//! - [`backplane`]: how nodes tell each other: [`LocalBackplane`] for one node,
//!   [`PostgresBackplane`] (PostgreSQL `LISTEN/NOTIFY`) for several.
//!
//! The hub never touches the database: a fanned-out event or presence frame costs a
//! lock and a channel send per subscriber, not a query. Who may subscribe to what, and
//! who may see a conversation, is decided by the caller (the server asks the domain
//! policy) and handed to the hub.

pub mod backplane;
pub mod hub;
pub mod presence;

pub use backplane::{
    Backplane, LocalBackplane, NodeId, Notice, PostgresBackplane, PostgresWorker, PresenceNotice,
};
pub use hub::{Access, Clock, Frame, Hub, HubConfig, SocketId, Watcher, WeakHub};
pub use presence::{Change, PresenceState, PresenceUser, ReportedState};
