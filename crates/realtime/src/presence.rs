//! The presence registry: who views, composes or types on which conversation, right now.
//!
//! Ephemeral by design: it lives in each node's memory and is never written to the
//! database. Every entry expires [`PresenceRegistry::ttl`] after its last heartbeat;
//! a closed socket's entries are removed at once. Entries are held either by one of
//! this node's sockets or by another node (one entry per user and node, refreshed by
//! that node's notifications), and watchers see them merged per user.
//!
//! The registry is plain data: time is passed in, so tests move it by hand. It knows
//! nothing of seats, access or sockets' channels; the hub decides who sees what.

use crate::backplane::NodeId;
use crate::hub::SocketId;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_domain::{ConversationId, UserId};

/// What a user does on a conversation. When one user has several tabs on it, the
/// strongest state wins: a reply beats a comment, which beats viewing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    ComposingComment,
    ComposingReply,
}

impl PresenceState {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceState::Viewing => "viewing",
            PresenceState::ComposingComment => "composing_comment",
            PresenceState::ComposingReply => "composing_reply",
        }
    }
}

/// A state as a client or another node reports it: one of the states, or `left`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportedState {
    Viewing,
    ComposingReply,
    ComposingComment,
    Left,
}

impl ReportedState {
    /// The state to hold, or `None` for `left`.
    pub fn state(self) -> Option<PresenceState> {
        match self {
            ReportedState::Viewing => Some(PresenceState::Viewing),
            ReportedState::ComposingReply => Some(PresenceState::ComposingReply),
            ReportedState::ComposingComment => Some(PresenceState::ComposingComment),
            ReportedState::Left => None,
        }
    }

    /// The report of a state, `left` for none.
    pub fn of(state: Option<PresenceState>) -> Self {
        match state {
            Some(PresenceState::Viewing) => ReportedState::Viewing,
            Some(PresenceState::ComposingReply) => ReportedState::ComposingReply,
            Some(PresenceState::ComposingComment) => ReportedState::ComposingComment,
            None => ReportedState::Left,
        }
    }
}

/// One user on a conversation, as watchers see them (all their tabs, on all nodes,
/// merged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceUser {
    pub id: UserId,
    pub name: Arc<str>,
    pub state: PresenceState,
    pub typing: bool,
}

/// Who holds an entry: a socket of this node, or another node (for all of that node's
/// sockets of one user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holder {
    Socket(SocketId),
    Node(NodeId),
}

/// A change to one holder's entry. Every change is also a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Views or composes (creates the entry when absent).
    State(PresenceState),
    /// Starts or stops typing (creates a `viewing` entry when absent).
    Typing(bool),
    /// State and typing at once, as another node reports them.
    Set(PresenceState, bool),
    /// Gone from the conversation.
    Left,
}

/// A (conversation, user) pair whose entries changed; `changed` says whether what
/// watchers see of that user changed (a heartbeat or a second tab often does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Affected {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub changed: bool,
    /// Whether the entry was held by one of this node's sockets (the other nodes must
    /// then be told).
    pub local: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    name: Arc<str>,
    state: PresenceState,
    typing: bool,
    expires_at: Instant,
}

/// Per conversation, the entries of each holder and user.
#[derive(Debug)]
pub struct PresenceRegistry {
    ttl: Duration,
    conversations: HashMap<ConversationId, HashMap<(Holder, UserId), Entry>>,
    /// The conversations each local socket holds entries on, so a closed socket is
    /// removed without scanning every conversation.
    by_socket: HashMap<SocketId, HashSet<ConversationId>>,
}

impl PresenceRegistry {
    /// A registry whose entries live `ttl` after their last heartbeat.
    pub fn new(ttl: Duration) -> Self {
        PresenceRegistry {
            ttl,
            conversations: HashMap::new(),
            by_socket: HashMap::new(),
        }
    }

    /// How long an entry lives without a heartbeat.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Applies a change (and heartbeat) of one holder; `true` when what watchers see
    /// of `user` on the conversation changed.
    pub fn apply(
        &mut self,
        holder: Holder,
        conversation: ConversationId,
        user: UserId,
        name: &Arc<str>,
        change: Change,
        now: Instant,
    ) -> bool {
        let before = self.user(conversation, user);
        let key = (holder, user);
        let expires_at = now + self.ttl;
        if change == Change::Left {
            self.remove(conversation, key);
        } else {
            let entries = self.conversations.entry(conversation).or_default();
            let entry = entries.entry(key).or_insert_with(|| Entry {
                name: name.clone(),
                state: PresenceState::Viewing,
                typing: false,
                expires_at,
            });
            entry.expires_at = expires_at;
            entry.name = name.clone();
            match change {
                Change::State(state) => entry.state = state,
                Change::Typing(typing) => entry.typing = typing,
                Change::Set(state, typing) => {
                    entry.state = state;
                    entry.typing = typing;
                }
                Change::Left => {}
            }
            if let Holder::Socket(socket) = holder {
                self.by_socket
                    .entry(socket)
                    .or_default()
                    .insert(conversation);
            }
        }
        before != self.user(conversation, user)
    }

    fn remove(&mut self, conversation: ConversationId, key: (Holder, UserId)) -> Option<Entry> {
        let entries = self.conversations.get_mut(&conversation)?;
        let removed = entries.remove(&key);
        if entries.is_empty() {
            self.conversations.remove(&conversation);
        }
        if let Holder::Socket(socket) = key.0 {
            let still_there = self
                .conversations
                .get(&conversation)
                .is_some_and(|e| e.keys().any(|(h, _)| *h == key.0));
            if !still_there {
                if let Some(set) = self.by_socket.get_mut(&socket) {
                    set.remove(&conversation);
                    if set.is_empty() {
                        self.by_socket.remove(&socket);
                    }
                }
            }
        }
        removed
    }

    /// Removes every entry of a closed socket at once.
    pub fn remove_socket(&mut self, socket: SocketId) -> Vec<Affected> {
        let Some(conversations) = self.by_socket.remove(&socket) else {
            return Vec::new();
        };
        let mut affected = Vec::new();
        for conversation in conversations {
            let users: Vec<UserId> = self
                .conversations
                .get(&conversation)
                .map(|entries| {
                    entries
                        .keys()
                        .filter(|(h, _)| *h == Holder::Socket(socket))
                        .map(|(_, u)| *u)
                        .collect()
                })
                .unwrap_or_default();
            for user in users {
                let before = self.user(conversation, user);
                self.remove(conversation, (Holder::Socket(socket), user));
                affected.push(Affected {
                    conversation_id: conversation,
                    user_id: user,
                    changed: before != self.user(conversation, user),
                    local: true,
                });
            }
        }
        affected
    }

    /// Removes the entries of one socket on one conversation (the user lost access).
    pub fn remove_socket_from(
        &mut self,
        socket: SocketId,
        conversation: ConversationId,
    ) -> Vec<Affected> {
        let users: Vec<UserId> = self
            .conversations
            .get(&conversation)
            .map(|entries| {
                entries
                    .keys()
                    .filter(|(h, _)| *h == Holder::Socket(socket))
                    .map(|(_, u)| *u)
                    .collect()
            })
            .unwrap_or_default();
        users
            .into_iter()
            .map(|user| {
                let before = self.user(conversation, user);
                self.remove(conversation, (Holder::Socket(socket), user));
                Affected {
                    conversation_id: conversation,
                    user_id: user,
                    changed: before != self.user(conversation, user),
                    local: true,
                }
            })
            .collect()
    }

    /// Removes every entry whose last heartbeat is `ttl` old at `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<Affected> {
        let mut expired: Vec<(ConversationId, (Holder, UserId))> = Vec::new();
        for (conversation, entries) in &self.conversations {
            for (key, entry) in entries {
                if entry.expires_at <= now {
                    expired.push((*conversation, *key));
                }
            }
        }
        let mut affected = Vec::with_capacity(expired.len());
        for (conversation, key) in expired {
            let before = self.user(conversation, key.1);
            self.remove(conversation, key);
            affected.push(Affected {
                conversation_id: conversation,
                user_id: key.1,
                changed: before != self.user(conversation, key.1),
                local: matches!(key.0, Holder::Socket(_)),
            });
        }
        affected
    }

    /// When the next entry expires, if any.
    pub fn next_expiry(&self) -> Option<Instant> {
        self.conversations
            .values()
            .flat_map(|entries| entries.values().map(|e| e.expires_at))
            .min()
    }

    /// The conversations a socket holds entries on.
    pub fn conversations_of(&self, socket: SocketId) -> Vec<ConversationId> {
        self.by_socket
            .get(&socket)
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The local sockets holding an entry on the conversation.
    pub fn sockets_on(&self, conversation: ConversationId) -> Vec<SocketId> {
        let Some(entries) = self.conversations.get(&conversation) else {
            return Vec::new();
        };
        let mut sockets: Vec<SocketId> = entries
            .keys()
            .filter_map(|(h, _)| match h {
                Holder::Socket(s) => Some(*s),
                Holder::Node(_) => None,
            })
            .collect();
        sockets.sort_unstable_by_key(|s| s.0);
        sockets.dedup();
        sockets
    }

    /// Everyone on a conversation, merged per user, ordered by user id.
    pub fn users(&self, conversation: ConversationId) -> Vec<PresenceUser> {
        let Some(entries) = self.conversations.get(&conversation) else {
            return Vec::new();
        };
        let mut merged: Vec<PresenceUser> = Vec::new();
        for ((_, user), entry) in entries {
            merge(&mut merged, *user, entry);
        }
        merged.sort_unstable_by_key(|u| u.id);
        merged
    }

    /// One user on a conversation, merged over every holder.
    pub fn user(&self, conversation: ConversationId, user: UserId) -> Option<PresenceUser> {
        self.merged(conversation, user, |_| true)
    }

    /// One user on a conversation, merged over this node's sockets only: what this
    /// node tells the others.
    pub fn local_user(&self, conversation: ConversationId, user: UserId) -> Option<PresenceUser> {
        self.merged(conversation, user, |h| matches!(h, Holder::Socket(_)))
    }

    fn merged(
        &self,
        conversation: ConversationId,
        user: UserId,
        holder: impl Fn(&Holder) -> bool,
    ) -> Option<PresenceUser> {
        let entries = self.conversations.get(&conversation)?;
        let mut merged = Vec::with_capacity(1);
        for ((h, u), entry) in entries {
            if *u == user && holder(h) {
                merge(&mut merged, user, entry);
            }
        }
        merged.pop()
    }
}

fn merge(merged: &mut Vec<PresenceUser>, user: UserId, entry: &Entry) {
    match merged.iter_mut().find(|u| u.id == user) {
        Some(u) => {
            u.state = u.state.max(entry.state);
            u.typing |= entry.typing;
        }
        None => merged.push(PresenceUser {
            id: user,
            name: entry.name.clone(),
            state: entry.state,
            typing: entry.typing,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: ConversationId = ConversationId(7);
    const BEN: UserId = UserId(2);
    const ANA: UserId = UserId(1);

    fn name(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    #[test]
    fn an_entry_expires_a_ttl_after_its_last_heartbeat() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(30);
        let mut r = PresenceRegistry::new(ttl);
        let s = Holder::Socket(SocketId(1));
        assert!(r.apply(
            s,
            X,
            BEN,
            &name("Ben"),
            Change::State(PresenceState::Viewing),
            t0
        ));
        // A heartbeat at 20 s changes nothing watchers see but pushes expiry to 50 s.
        let t20 = t0 + Duration::from_secs(20);
        assert!(!r.apply(
            s,
            X,
            BEN,
            &name("Ben"),
            Change::State(PresenceState::Viewing),
            t20
        ));
        assert!(r.expire(t0 + Duration::from_secs(49)).is_empty());
        assert_eq!(r.next_expiry(), Some(t20 + ttl));
        let gone = r.expire(t20 + ttl);
        assert_eq!(
            gone,
            vec![Affected {
                conversation_id: X,
                user_id: BEN,
                changed: true,
                local: true
            }]
        );
        assert!(r.users(X).is_empty());
        assert!(r.conversations_of(SocketId(1)).is_empty());
        assert_eq!(r.next_expiry(), None);
    }

    #[test]
    fn typing_creates_a_viewing_entry_and_stops_without_leaving() {
        let now = Instant::now();
        let mut r = PresenceRegistry::new(Duration::from_secs(30));
        let s = Holder::Socket(SocketId(1));
        assert!(r.apply(s, X, BEN, &name("Ben"), Change::Typing(true), now));
        let ben = r.user(X, BEN).unwrap();
        assert_eq!((ben.state, ben.typing), (PresenceState::Viewing, true));
        assert!(r.apply(s, X, BEN, &name("Ben"), Change::Typing(false), now));
        assert!(!r.user(X, BEN).unwrap().typing);
        assert!(r.apply(s, X, BEN, &name("Ben"), Change::Left, now));
        assert_eq!(r.user(X, BEN), None);
    }

    #[test]
    fn tabs_and_nodes_of_one_user_merge_to_the_strongest_state() {
        let now = Instant::now();
        let mut r = PresenceRegistry::new(Duration::from_secs(30));
        let tab1 = Holder::Socket(SocketId(1));
        let tab2 = Holder::Socket(SocketId(2));
        let other_node = Holder::Node(NodeId(99));
        r.apply(
            tab1,
            X,
            BEN,
            &name("Ben"),
            Change::State(PresenceState::Viewing),
            now,
        );
        r.apply(
            tab2,
            X,
            BEN,
            &name("Ben"),
            Change::State(PresenceState::ComposingComment),
            now,
        );
        r.apply(
            other_node,
            X,
            BEN,
            &name("Ben"),
            Change::Set(PresenceState::ComposingReply, true),
            now,
        );
        r.apply(
            tab1,
            X,
            ANA,
            &name("Ana"),
            Change::State(PresenceState::Viewing),
            now,
        );
        let users = r.users(X);
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].id, ANA);
        assert_eq!(
            (users[1].state, users[1].typing),
            (PresenceState::ComposingReply, true)
        );
        // What this node tells the others leaves out what it heard from them.
        let local = r.local_user(X, BEN).unwrap();
        assert_eq!(
            (local.state, local.typing),
            (PresenceState::ComposingComment, false)
        );
        // The other node's entry goes on its own "left"; the tabs stay.
        assert!(r.apply(other_node, X, BEN, &name("Ben"), Change::Left, now));
        assert_eq!(
            r.user(X, BEN).unwrap().state,
            PresenceState::ComposingComment
        );
    }

    #[test]
    fn remote_entries_expire_like_local_ones_and_are_not_reported_as_local() {
        let t0 = Instant::now();
        let mut r = PresenceRegistry::new(Duration::from_secs(30));
        r.apply(
            Holder::Node(NodeId(5)),
            X,
            BEN,
            &name("Ben"),
            Change::Set(PresenceState::Viewing, false),
            t0,
        );
        let gone = r.expire(t0 + Duration::from_secs(30));
        assert_eq!(gone.len(), 1);
        assert!(gone[0].changed && !gone[0].local);
    }

    #[test]
    fn a_closed_socket_leaves_every_conversation_at_once() {
        let now = Instant::now();
        let mut r = PresenceRegistry::new(Duration::from_secs(30));
        let s = Holder::Socket(SocketId(1));
        let other = Holder::Socket(SocketId(2));
        r.apply(
            s,
            X,
            BEN,
            &name("Ben"),
            Change::State(PresenceState::Viewing),
            now,
        );
        r.apply(
            s,
            ConversationId(8),
            BEN,
            &name("Ben"),
            Change::Typing(true),
            now,
        );
        r.apply(
            other,
            X,
            BEN,
            &name("Ben"),
            Change::State(PresenceState::Viewing),
            now,
        );
        let mut affected = r.remove_socket(SocketId(1));
        affected.sort_by_key(|a| a.conversation_id);
        // Ben still views X from his other tab: nothing changed there for watchers.
        assert_eq!(affected.len(), 2);
        assert!(!affected[0].changed);
        assert!(affected[1].changed);
        assert_eq!(r.users(X).len(), 1);
        assert!(r.users(ConversationId(8)).is_empty());
        assert_eq!(r.sockets_on(X), vec![SocketId(2)]);
    }

    #[test]
    fn reported_states_round_trip_through_json() {
        for s in [
            ReportedState::Viewing,
            ReportedState::ComposingReply,
            ReportedState::ComposingComment,
            ReportedState::Left,
        ] {
            assert_eq!(ReportedState::of(s.state()), s);
            if let Some(state) = s.state() {
                assert_eq!(
                    serde_json::to_value(state).unwrap(),
                    serde_json::to_value(s).unwrap()
                );
                assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
            }
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<ReportedState>(&json).unwrap(), s);
        }
        assert_eq!(
            serde_json::to_string(&ReportedState::ComposingReply).unwrap(),
            "\"composing_reply\""
        );
        assert!(serde_json::from_str::<ReportedState>("\"dancing\"").is_err());
    }
}
