//! The backplane of a single node: there is nobody else to tell.

use super::{Backplane, Notice};

/// Drops every notice; the hub has already delivered to this node's sockets.
#[derive(Debug, Default)]
pub struct LocalBackplane;

impl Backplane for LocalBackplane {
    fn publish(&self, _notice: &Notice) {}
}
