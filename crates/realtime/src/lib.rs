//! Switchboard's realtime hub: sockets subscribe to topics (`inbox:{id}`,
//! `conversation:{id}`, `user:{id}`), and every committed change is fanned out to the
//! sockets subscribed to its topics, on this node and, through a [`Backplane`], on the
//! others.
//!
//! The hub never touches the database: a fanned-out event costs a lock and a channel
//! send per subscriber, not a query. Who may subscribe to what is decided by the caller
//! (the server asks the domain policy) before [`Hub::subscribe`].

mod hub;

pub use hub::{Backplane, Frame, Hub, LocalBackplane, SocketId};
