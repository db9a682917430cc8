//! Presence reports of this node's sockets and of other nodes, their fan-out to the
//! watchers of a conversation (service seats whose access is known), and expiry.

use super::access::{presence_delivery, Delivery};
use super::{Frame, Hub, SocketId, State};
use crate::backplane::{NodeId, Notice, PresenceNotice};
use crate::presence::{Affected, Change, Holder, PresenceRegistry, PresenceUser, ReportedState};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_domain::event::Topic;
use switchboard_domain::{ConversationId, UserId};

impl State {
    /// What the other nodes must hear after this node's entries changed: each local
    /// user's merged state, or `left`.
    pub(super) fn notices(&self, affected: &[Affected]) -> Vec<PresenceNotice> {
        affected
            .iter()
            .filter(|a| a.local)
            .map(|a| local_notice(&self.presence, a.conversation_id, a.user_id))
            .collect()
    }
}

/// This node's view of one user on one conversation, for the other nodes.
fn local_notice(
    presence: &PresenceRegistry,
    conversation: ConversationId,
    user: UserId,
) -> PresenceNotice {
    let mine = presence.local_user(conversation, user);
    PresenceNotice {
        conversation_id: conversation,
        user_id: user,
        name: mine
            .as_ref()
            .map(|u| u.name.to_string())
            .unwrap_or_default(),
        state: ReportedState::of(mine.as_ref().map(|u| u.state)),
        typing: mine.is_some_and(|u| u.typing),
    }
}

#[derive(Serialize)]
struct PresenceFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation_id: ConversationId,
    users: Vec<&'a PresenceUser>,
}

/// The presence frame of a conversation, without `exclude` (a user never sees
/// themselves).
fn presence_frame(
    conversation: ConversationId,
    users: &[PresenceUser],
    exclude: Option<UserId>,
) -> Option<Frame> {
    let frame = PresenceFrame {
        kind: "presence",
        conversation_id: conversation,
        users: users.iter().filter(|u| Some(u.id) != exclude).collect(),
    };
    serde_json::to_string(&frame).ok().map(Frame::from)
}

impl Hub {
    /// Applies a socket's presence report (also its heartbeat) on a conversation the
    /// caller has found it may see; watchers see the change, other nodes hear of it.
    pub fn report_presence(&self, socket: SocketId, conversation: ConversationId, change: Change) {
        let now = self.now();
        let (user, changed, notice) = {
            let mut state = self.lock();
            let Some(watcher) = state.sockets.get(&socket).map(|s| s.watcher.clone()) else {
                return;
            };
            let changed = state.presence.apply(
                Holder::Socket(socket),
                conversation,
                watcher.user_id,
                &watcher.name,
                change,
                now,
            );
            let notice = local_notice(&state.presence, conversation, watcher.user_id);
            (watcher.user_id, changed, notice)
        };
        if changed {
            self.broadcast_presence(conversation, Some(user));
        }
        // Unchanged reports still go out: they are the other nodes' heartbeats.
        self.shared.backplane.publish(&Notice::Presence(notice));
    }

    /// Merges another node's report of one of its users (also its heartbeat).
    pub(super) fn merge_remote_presence(&self, node: NodeId, p: PresenceNotice) {
        let change = match p.state.state() {
            Some(state) => Change::Set(state, p.typing),
            None => Change::Left,
        };
        let now = self.now();
        let changed = self.lock().presence.apply(
            Holder::Node(node),
            p.conversation_id,
            p.user_id,
            &Arc::from(p.name.as_str()),
            change,
            now,
        );
        if changed {
            self.broadcast_presence(p.conversation_id, Some(p.user_id));
        }
    }

    /// Removes a socket's presence on one conversation (it stopped watching it).
    pub fn leave(&self, socket: SocketId, conversation: ConversationId) {
        let (affected, notices) = {
            let mut state = self.lock();
            let affected = state.presence.remove_socket_from(socket, conversation);
            let notices = state.notices(&affected);
            (affected, notices)
        };
        self.announce(&affected, notices);
    }

    /// Everyone on a conversation now, merged per user (for `GET .../presence`).
    pub fn presence(&self, conversation: ConversationId) -> Vec<PresenceUser> {
        self.lock().presence.users(conversation)
    }

    /// Sends the current presence of a conversation to one socket subscribed to it
    /// (after it subscribed, or after its access was confirmed), if its seat and
    /// access allow.
    pub fn send_presence(&self, socket: SocketId, conversation: ConversationId) {
        let target = {
            let state = self.lock();
            let Some(s) = state.sockets.get(&socket) else {
                return;
            };
            let subscribed = state
                .subscriptions
                .get(&socket)
                .is_some_and(|t| t.contains(&Topic::Conversation(conversation)));
            if !subscribed {
                return;
            }
            match presence_delivery(&s.watcher, s.access.get(&conversation).copied()) {
                Delivery::Send => Some((
                    s.tx.clone(),
                    s.watcher.user_id,
                    state.presence.users(conversation),
                )),
                Delivery::Skip | Delivery::Recheck => None,
            }
        };
        if let Some((tx, user, users)) = target {
            if let Some(frame) = presence_frame(conversation, &users, Some(user)) {
                let _ = tx.try_send(frame);
            }
        }
    }

    /// Fans the presence of a conversation out to its watchers. Those whose user is
    /// `changed_user` are skipped: what they see (everyone but themselves) is the same.
    fn broadcast_presence(&self, conversation: ConversationId, changed_user: Option<UserId>) {
        let (users, targets) = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let Some(subscribers) = state.topics.get(&Topic::Conversation(conversation)) else {
                return;
            };
            let mut targets = Vec::with_capacity(subscribers.len());
            let mut rechecks = Vec::new();
            for id in subscribers {
                let Some(s) = state.sockets.get(id) else {
                    continue;
                };
                if Some(s.watcher.user_id) == changed_user {
                    continue;
                }
                match presence_delivery(&s.watcher, s.access.get(&conversation).copied()) {
                    Delivery::Send => targets.push((s.watcher.user_id, s.tx.clone())),
                    Delivery::Recheck => rechecks.push(*id),
                    Delivery::Skip => {}
                }
            }
            for id in rechecks {
                state.request_recheck(id, conversation);
            }
            (state.presence.users(conversation), targets)
        };
        // One frame for watchers not on the list, one per listed user for themselves.
        let mut frames: Vec<(Option<UserId>, Frame)> = Vec::with_capacity(users.len() + 1);
        for (user, tx) in targets {
            let exclude = users.iter().any(|u| u.id == user).then_some(user);
            let frame = match frames.iter().find(|(k, _)| *k == exclude) {
                Some((_, frame)) => frame.clone(),
                None => {
                    let Some(frame) = presence_frame(conversation, &users, exclude) else {
                        continue;
                    };
                    frames.push((exclude, frame.clone()));
                    frame
                }
            };
            if tx.try_send(frame).is_err() {
                tracing::debug!(%conversation, "dropped a presence frame for a slow or closed socket");
            }
        }
    }

    /// Broadcasts what changed and tells the other nodes about this node's users.
    pub(super) fn announce(&self, affected: &[Affected], notices: Vec<PresenceNotice>) {
        for a in affected.iter().filter(|a| a.changed) {
            self.broadcast_presence(a.conversation_id, Some(a.user_id));
        }
        for notice in notices {
            self.shared.backplane.publish(&Notice::Presence(notice));
        }
    }

    /// Removes expired presence and tells watchers; returns when the next entry
    /// expires. The expiry task calls this; tests call it after moving the clock.
    pub fn sweep(&self) -> Option<Instant> {
        let now = self.now();
        let (affected, notices, next) = {
            let mut state = self.lock();
            let affected = state.presence.expire(now);
            let notices = state.notices(&affected);
            (affected, notices, state.presence.next_expiry())
        };
        self.announce(&affected, notices);
        next
    }

    /// Starts the task that expires presence; it ends when the hub is dropped.
    pub fn spawn_presence_expiry(&self) -> tokio::task::JoinHandle<()> {
        let weak = self.downgrade();
        let ttl = self.shared.config.presence_ttl;
        // Expiry is at most this late, so a busy registry is not swept constantly.
        let granularity = (ttl / 60).max(Duration::from_millis(5));
        tokio::spawn(async move {
            loop {
                let wait = {
                    let Some(hub) = weak.upgrade() else {
                        return;
                    };
                    let next = hub.sweep();
                    let now = hub.now();
                    // With nothing registered, anything added later expires after
                    // `now + ttl`, so sleeping that long never oversleeps.
                    next.map_or(ttl, |t| t.saturating_duration_since(now))
                        .max(granularity)
                };
                tokio::time::sleep(wait).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::backplane::LocalBackplane;
    use crate::hub::HubConfig;
    use crate::presence::PresenceState;
    use std::sync::Mutex;
    use switchboard_domain::*;

    #[tokio::test]
    async fn presence_reaches_service_watchers_but_not_core_seats_or_the_sender() {
        let hub = Hub::local();
        let (ana, mut ana_rx, _) = watch(&hub, watcher(1, Seat::Service));
        let (_cora, mut cora_rx, _) = watch(&hub, watcher(3, Seat::Core));
        let (ben, mut ben_rx, _) = watch(&hub, watcher(2, Seat::Service));
        hub.report_presence(ben, X, Change::State(PresenceState::ComposingReply));
        let frame = json(&ana_rx.try_recv().unwrap());
        assert_eq!(frame["type"], "presence");
        assert_eq!(frame["conversation_id"], 7);
        assert_eq!(
            frame["users"],
            serde_json::json!([{"id": 2, "name": "User 2", "state": "composing_reply", "typing": false}])
        );
        assert!(cora_rx.try_recv().is_err(), "core seats get nothing");
        assert!(
            ben_rx.try_recv().is_err(),
            "the sender's own view did not change"
        );
        // Ana shows up too: Ben sees her, and never himself.
        hub.report_presence(ana, X, Change::Typing(true));
        let frame = json(&ben_rx.try_recv().unwrap());
        assert_eq!(frame["users"].as_array().unwrap().len(), 1);
        assert_eq!(frame["users"][0]["id"], 1);
        assert_eq!(frame["users"][0]["typing"], true);
        assert!(ana_rx.try_recv().is_err());
        // On subscribe a watcher is sent the current list at once.
        hub.send_presence(ana, X);
        let frame = json(&ana_rx.try_recv().unwrap());
        assert_eq!(frame["users"][0]["id"], 2);
        hub.send_presence(_cora, X);
        assert!(cora_rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_closed_socket_leaves_at_once_and_a_silent_one_after_the_ttl() {
        let start = Instant::now();
        let offset = Arc::new(Mutex::new(Duration::ZERO));
        let clock_offset = offset.clone();
        let hub = Hub::with_config(
            Arc::new(LocalBackplane),
            HubConfig {
                presence_ttl: Duration::from_secs(30),
                clock: Arc::new(move || start + *clock_offset.lock().unwrap()),
            },
        );
        let (_ana, mut ana_rx, _) = watch(&hub, watcher(1, Seat::Service));
        let (ben, _, _) = watch(&hub, watcher(2, Seat::Service));
        let (olga, _, _) = watch(&hub, watcher(4, Seat::Service));
        hub.report_presence(ben, X, Change::State(PresenceState::Viewing));
        hub.report_presence(olga, X, Change::State(PresenceState::Viewing));
        while ana_rx.try_recv().is_ok() {}

        hub.disconnect(olga);
        let frame = json(&ana_rx.try_recv().unwrap());
        assert_eq!(frame["users"][0]["id"], 2);
        assert_eq!(frame["users"].as_array().unwrap().len(), 1);

        *offset.lock().unwrap() = Duration::from_secs(29);
        assert!(hub.sweep().is_some());
        assert!(ana_rx.try_recv().is_err(), "still there at 29 s");
        *offset.lock().unwrap() = Duration::from_secs(30);
        assert_eq!(hub.sweep(), None);
        let frame = json(&ana_rx.try_recv().unwrap());
        assert_eq!(frame["users"], serde_json::json!([]));
        assert!(hub.presence(X).is_empty());
    }

    #[test]
    fn presence_of_other_nodes_merges_expires_and_is_announced_for_local_users() {
        let backplane = Arc::new(Recording(Mutex::new(Vec::new())));
        let start = Instant::now();
        let offset = Arc::new(Mutex::new(Duration::ZERO));
        let clock_offset = offset.clone();
        let hub = Hub::with_config(
            backplane.clone(),
            HubConfig {
                presence_ttl: Duration::from_secs(30),
                clock: Arc::new(move || start + *clock_offset.lock().unwrap()),
            },
        );
        let (ana, mut ana_rx, _) = watch(&hub, watcher(1, Seat::Service));
        let remote = PresenceNotice {
            conversation_id: X,
            user_id: UserId(2),
            name: "Ben".into(),
            state: ReportedState::ComposingComment,
            typing: true,
        };
        hub.deliver_remote(NodeId(9), Notice::Presence(remote.clone()));
        let frame = json(&ana_rx.try_recv().unwrap());
        assert_eq!(frame["users"][0]["name"], "Ben");
        assert_eq!(frame["users"][0]["state"], "composing_comment");
        // A repeated notice is a heartbeat: nothing new to show.
        *offset.lock().unwrap() = Duration::from_secs(20);
        hub.deliver_remote(NodeId(9), Notice::Presence(remote));
        assert!(ana_rx.try_recv().is_err());
        *offset.lock().unwrap() = Duration::from_secs(49);
        hub.sweep();
        assert!(ana_rx.try_recv().is_err());
        *offset.lock().unwrap() = Duration::from_secs(50);
        hub.sweep();
        assert_eq!(
            json(&ana_rx.try_recv().unwrap())["users"],
            serde_json::json!([])
        );

        // Local reports go out (heartbeats too), and so does leaving on disconnect.
        hub.report_presence(ana, X, Change::State(PresenceState::Viewing));
        hub.report_presence(ana, X, Change::State(PresenceState::Viewing));
        hub.disconnect(ana);
        let states: Vec<ReportedState> = backplane
            .0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|n| match n {
                Notice::Presence(p) => Some(p.state),
                Notice::Event { .. } => None,
            })
            .collect();
        assert_eq!(
            states,
            [
                ReportedState::Viewing,
                ReportedState::Viewing,
                ReportedState::Left
            ]
        );
    }
}
