//! Who can take part in a conversation, as the thread pane shows it: the reader
//! ([`Viewer`]), the people of the conversation's inbox (for the Owner menu and the `@`
//! autocomplete of comments) and its teams.
//!
//! An inbox's people are its member users plus the members of its member teams: the
//! same set the server lets see the inbox (admins aside), so the menus never offer
//! someone a mention would be refused for.

use super::view::{Avatar, Directory};
use std::collections::BTreeSet;
use switchboard_domain::policy::{self, Actor};
use switchboard_domain::*;

/// The reader of a page, for what depends on them: which comments they may delete
/// and whether their seat shows live presence. Both are the domain policy's answers,
/// so the page offers exactly what the API allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub actor: Actor,
    /// A `service` seat sees who else views, composes and types.
    pub sees_presence: bool,
}

impl Viewer {
    pub fn of(actor: &Actor) -> Self {
        Viewer {
            actor: *actor,
            sees_presence: policy::see_presence(actor).is_ok(),
        }
    }

    /// The reader's user id.
    pub fn user_id(&self) -> UserId {
        self.actor.user_id
    }

    /// May delete a comment written by `author`: its author, or an admin.
    pub fn may_delete_comment(&self, author: Option<UserId>) -> bool {
        policy::delete_comment(&self.actor, author).is_ok()
    }
}

/// A person of an inbox, as the Owner menu and the mention menu list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub id: UserId,
    pub name: String,
    pub avatar: Avatar,
    /// `available` or `away`.
    pub availability: &'static str,
    /// The reader themself (listed first, marked "you").
    pub is_me: bool,
    /// Owns the conversation shown (set by the thread view).
    pub is_owner: bool,
    /// Lower-case name and email, what the menus filter on.
    pub search: String,
}

/// A team of an inbox, as the Owner menu lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamOption {
    pub id: TeamId,
    pub name: String,
    pub avatar: Avatar,
    pub members: usize,
    pub round_robin: bool,
    pub search: String,
    /// Owns the conversation shown (set by the thread view).
    pub is_owner: bool,
}

/// The people of an inbox (direct members and members of its teams), each once: the
/// reader first, then by name.
pub fn inbox_members(inbox: &Inbox, dir: &Directory, me: UserId) -> Vec<MemberView> {
    let mut ids: BTreeSet<UserId> = inbox.member_user_ids.iter().copied().collect();
    for team in inbox.member_team_ids.iter().filter_map(|t| dir.team(*t)) {
        ids.extend(team.member_ids.iter().copied());
    }
    let mut members: Vec<MemberView> = ids
        .into_iter()
        .filter_map(|id| dir.user(id))
        .map(|u| MemberView {
            id: u.id,
            name: u.name.clone(),
            avatar: Avatar::person(u.id.0, &u.name),
            availability: u.availability.as_str(),
            is_me: u.id == me,
            is_owner: false,
            search: format!("{} {}", u.name, u.email).to_lowercase(),
        })
        .collect();
    members.sort_by_cached_key(|m| (!m.is_me, m.name.to_lowercase(), m.id));
    members
}

/// The teams that are members of an inbox, by name.
pub fn inbox_teams(inbox: &Inbox, dir: &Directory) -> Vec<TeamOption> {
    let mut teams: Vec<TeamOption> = inbox
        .member_team_ids
        .iter()
        .filter_map(|t| dir.team(*t))
        .map(|t| TeamOption {
            id: t.id,
            name: t.name.clone(),
            avatar: dir.assignee_avatar(Assignee::Team(t.id)),
            members: t.member_ids.len(),
            round_robin: t.round_robin,
            search: t.name.to_lowercase(),
            is_owner: false,
        })
        .collect();
    teams.sort_by_cached_key(|t| (t.name.to_lowercase(), t.id));
    teams.dedup_by_key(|t| t.id);
    teams
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, name: &str, availability: Availability) -> User {
        User {
            id: UserId(id),
            account_id: AccountId(1),
            name: name.into(),
            email: format!("{}@acme.test", name.to_lowercase().replace(' ', ".")),
            role: Role::Agent,
            seat: Seat::Service,
            availability,
            notify_email: false,
            created_at: 0,
        }
    }

    fn team(id: i64, name: &str, members: &[i64]) -> Team {
        Team {
            id: TeamId(id),
            account_id: AccountId(1),
            name: name.into(),
            round_robin: id == 1,
            member_ids: members.iter().map(|m| UserId(*m)).collect(),
        }
    }

    fn fixture() -> (Inbox, Directory) {
        let dir = Directory::new(
            vec![
                user(1, "Ana Lima", Availability::Available),
                user(2, "Ben Okafor", Availability::Available),
                user(3, "Olga Petrova", Availability::Away),
                user(4, "Chen Wei", Availability::Available),
                user(5, "Eli Romero", Availability::Available),
            ],
            vec![team(1, "Tier 2", &[3, 5, 2]), team(2, "Sales Team", &[4])],
        );
        let inbox = Inbox {
            id: InboxId(1),
            account_id: AccountId(1),
            name: "Support".into(),
            email_address: None,
            member_user_ids: vec![UserId(2), UserId(1), UserId(99)],
            member_team_ids: vec![TeamId(1), TeamId(7)],
        };
        (inbox, dir)
    }

    #[test]
    fn members_come_directly_and_through_teams_once_each_reader_first() {
        let (inbox, dir) = fixture();
        let members = inbox_members(&inbox, &dir, UserId(2));
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        // Ben (the reader) first; Chen is in no member team; user 99 is unknown.
        assert_eq!(
            names,
            ["Ben Okafor", "Ana Lima", "Eli Romero", "Olga Petrova"]
        );
        assert!(members[0].is_me && !members[1].is_me);
        assert_eq!(members[3].availability, "away");
        assert!(members[1].search.contains("ana lima") && members[1].search.contains("@acme.test"));
    }

    #[test]
    fn teams_of_the_inbox_only_known_ones() {
        let (inbox, dir) = fixture();
        let teams = inbox_teams(&inbox, &dir);
        assert_eq!(teams.len(), 1);
        assert_eq!(
            (
                teams[0].name.as_str(),
                teams[0].members,
                teams[0].round_robin
            ),
            ("Tier 2", 3, true)
        );
        assert!(teams[0].avatar.team);
    }

    fn actor(role: Role, seat: Seat) -> Actor {
        Actor {
            user_id: UserId(2),
            account_id: AccountId(1),
            role,
            seat,
        }
    }

    #[test]
    fn authors_and_admins_may_delete_comments() {
        let agent = Viewer::of(&actor(Role::Agent, Seat::Service));
        assert!(agent.may_delete_comment(Some(UserId(2))));
        assert!(!agent.may_delete_comment(Some(UserId(1))));
        assert!(!agent.may_delete_comment(None));
        let admin = Viewer::of(&actor(Role::Admin, Seat::Core));
        assert!(admin.may_delete_comment(Some(UserId(1))));
        assert_eq!(admin.user_id(), UserId(2));
    }

    #[test]
    fn only_service_seats_see_presence() {
        assert!(Viewer::of(&actor(Role::Agent, Seat::Service)).sees_presence);
        assert!(!Viewer::of(&actor(Role::Admin, Seat::Core)).sees_presence);
    }
}
