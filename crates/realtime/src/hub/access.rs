//! Who is behind a socket, and whether they may see a conversation: the answer is
//! asked of the caller (the service layer) once and kept per socket and conversation
//! until the conversation changes, so presence fan-out decides from memory.

use super::{Hub, SocketId, State};
use std::sync::Arc;
use switchboard_domain::event::Topic;
use switchboard_domain::policy::{self, Actor};
use switchboard_domain::{ConversationId, UserId};

/// Who is behind a socket, as presence needs it; fixed for the socket's life.
#[derive(Debug, Clone)]
pub struct Watcher {
    pub user_id: UserId,
    pub name: Arc<str>,
    /// Whether the user's seat shows others' presence (the domain policy decides).
    pub sees_presence: bool,
}

impl Watcher {
    /// The watcher of an authenticated actor.
    pub fn new(actor: &Actor, name: &str) -> Self {
        Watcher {
            user_id: actor.user_id,
            name: Arc::from(name),
            sees_presence: policy::see_presence(actor).is_ok(),
        }
    }
}

/// The last answer to "may this socket's user see the conversation?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A check is under way.
    Checking,
    Granted,
    Denied,
}

/// What presence fan-out does with one subscriber of a conversation topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    Send,
    Skip,
    /// Skip, and ask the socket to check access again.
    Recheck,
}

/// Presence goes only to seats that show it, and only while access is known granted.
pub(super) fn presence_delivery(watcher: &Watcher, access: Option<Access>) -> Delivery {
    if !watcher.sees_presence {
        return Delivery::Skip;
    }
    match access {
        Some(Access::Granted) => Delivery::Send,
        Some(Access::Checking | Access::Denied) => Delivery::Skip,
        None => Delivery::Recheck,
    }
}

impl State {
    /// Records an answer (or a check under way) and indexes it for [`Hub::forget_access`].
    pub(super) fn set_access(
        &mut self,
        socket: SocketId,
        conversation: ConversationId,
        access: Access,
    ) {
        let Some(s) = self.sockets.get_mut(&socket) else {
            return;
        };
        s.access.insert(conversation, access);
        self.access_index
            .entry(conversation)
            .or_default()
            .insert(socket);
    }

    /// Marks a check under way and asks the socket's task to make it.
    pub(super) fn request_recheck(&mut self, socket: SocketId, conversation: ConversationId) {
        let Some(s) = self.sockets.get(&socket) else {
            return;
        };
        if s.rechecks.try_send(conversation).is_ok() {
            self.set_access(socket, conversation, Access::Checking);
        }
    }
}

impl Hub {
    /// The socket's last answer for a conversation, if it still holds.
    pub fn access(&self, socket: SocketId, conversation: ConversationId) -> Option<Access> {
        self.lock()
            .sockets
            .get(&socket)?
            .access
            .get(&conversation)
            .copied()
    }

    /// Marks an access check under way; call before reading the database, so that a
    /// `ConversationUpdated` arriving meanwhile voids the answer.
    pub fn begin_check(&self, socket: SocketId, conversation: ConversationId) {
        self.lock()
            .set_access(socket, conversation, Access::Checking);
    }

    /// Records a check's answer, unless the conversation changed since it began;
    /// `true` when recorded.
    pub fn finish_check(
        &self,
        socket: SocketId,
        conversation: ConversationId,
        allowed: bool,
    ) -> bool {
        let mut state = self.lock();
        let current = state
            .sockets
            .get(&socket)
            .and_then(|s| s.access.get(&conversation).copied());
        if current != Some(Access::Checking) {
            return false;
        }
        let access = if allowed {
            Access::Granted
        } else {
            Access::Denied
        };
        state.set_access(socket, conversation, access);
        true
    }

    /// Forgets a check that failed (the next delivery asks again).
    pub fn cancel_check(&self, socket: SocketId, conversation: ConversationId) {
        let mut state = self.lock();
        if let Some(s) = state.sockets.get_mut(&socket) {
            if s.access.get(&conversation) == Some(&Access::Checking) {
                s.access.remove(&conversation);
            }
        }
    }

    /// The socket's user may no longer see the conversation: drop its subscription
    /// and its presence there. `true` if it was subscribed.
    pub fn revoke(&self, socket: SocketId, conversation: ConversationId) -> bool {
        let topic = Topic::Conversation(conversation);
        let (was_subscribed, affected, notices) = {
            let mut guard = self.lock();
            let state = &mut *guard;
            state.set_access(socket, conversation, Access::Denied);
            let was_subscribed = state
                .subscriptions
                .get_mut(&socket)
                .is_some_and(|set| set.remove(&topic));
            if let Some(set) = state.topics.get_mut(&topic) {
                set.remove(&socket);
                if set.is_empty() {
                    state.topics.remove(&topic);
                }
            }
            let affected = state.presence.remove_socket_from(socket, conversation);
            let notices = state.notices(&affected);
            (was_subscribed, affected, notices)
        };
        self.announce(&affected, notices);
        was_subscribed
    }

    /// The conversation may have moved: forget every socket's access answer for it,
    /// and have the sockets present on it check again at once (a revoked user must
    /// vanish from others' lists without waiting for their next heartbeat).
    pub(super) fn forget_access(&self, conversation: ConversationId) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(sockets) = state.access_index.remove(&conversation) {
            for id in sockets {
                if let Some(s) = state.sockets.get_mut(&id) {
                    s.access.remove(&conversation);
                }
            }
        }
        for id in state.presence.sockets_on(conversation) {
            state.request_recheck(id, conversation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::presence::{Change, PresenceState};
    use switchboard_domain::event::Event;
    use switchboard_domain::*;

    #[test]
    fn only_service_seats_with_confirmed_access_receive_presence() {
        let service = watcher(1, Seat::Service);
        let core = watcher(2, Seat::Core);
        assert_eq!(
            presence_delivery(&service, Some(Access::Granted)),
            Delivery::Send
        );
        assert_eq!(presence_delivery(&service, None), Delivery::Recheck);
        assert_eq!(
            presence_delivery(&service, Some(Access::Checking)),
            Delivery::Skip
        );
        assert_eq!(
            presence_delivery(&service, Some(Access::Denied)),
            Delivery::Skip
        );
        assert_eq!(
            presence_delivery(&core, Some(Access::Granted)),
            Delivery::Skip
        );
        assert_eq!(presence_delivery(&core, None), Delivery::Skip);
    }

    #[tokio::test]
    async fn a_conversation_update_voids_access_and_watchers_check_again() {
        let hub = Hub::local();
        let (ana, mut ana_rx, mut ana_rechecks) = watch(&hub, watcher(1, Seat::Service));
        let (ben, _, mut ben_rechecks) = watch(&hub, watcher(2, Seat::Service));
        hub.report_presence(ben, X, Change::State(PresenceState::Viewing));
        while ana_rx.try_recv().is_ok() {}
        hub.publish(&Event::ConversationUpdated {
            conversation_id: X,
            inbox_id: InboxId(9),
        });
        assert_eq!(
            ana_rx.try_recv().map(|f| json(&f)["type"].clone()).unwrap(),
            "event"
        );
        // Ben is present on X: he is asked at once; Ana (only watching) on next delivery.
        assert_eq!(ben_rechecks.try_recv().unwrap(), X);
        assert!(ana_rechecks.try_recv().is_err());
        assert_eq!(hub.access(ana, X), None);
        hub.report_presence(ben, X, Change::Typing(true));
        assert!(
            ana_rx.try_recv().is_err(),
            "nothing until access is confirmed"
        );
        assert_eq!(ana_rechecks.try_recv().unwrap(), X);
        // A check begun before another update is void.
        assert!(hub.finish_check(ana, X, true));
        hub.send_presence(ana, X);
        assert_eq!(
            json(&ana_rx.try_recv().unwrap())["users"][0]["typing"],
            true
        );
        // Ben lost access: he is removed and unsubscribed, and Ana sees him go.
        assert!(hub.finish_check(ben, X, false));
        assert!(hub.revoke(ben, X));
        assert_eq!(
            json(&ana_rx.try_recv().unwrap())["users"],
            serde_json::json!([])
        );
        hub.begin_check(ana, X);
        hub.deliver(&Event::ConversationUpdated {
            conversation_id: X,
            inbox_id: InboxId(9),
        });
        assert!(!hub.finish_check(ana, X, true), "voided by the update");
    }
}
