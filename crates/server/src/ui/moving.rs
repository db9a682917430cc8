//! The "Move to another inbox" dialog of the thread header: the inboxes a conversation
//! may move to, the people and teams it may be assigned to there, and whether the
//! account's plan allows moving at all.
//!
//! Each person and team carries the inboxes it can see, so the dialog greys out whom a
//! move to the chosen inbox could not be assigned to (the API would refuse with 422).
//! The rule is the server's: admins see every inbox; anyone else sees the inboxes they
//! or one of their teams are members of. The API stays the judge; this only spares
//! the reader a refused request.

use super::format::tone;
use super::view::{Avatar, Directory};
use std::collections::BTreeSet;
use switchboard_domain::policy::sees_inbox;
use switchboard_domain::*;

/// An inbox the conversation may move to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveInbox {
    pub id: InboxId,
    pub name: String,
    pub tone: u8,
}

/// A person or team of the account, as the dialog's checkbox list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOption {
    /// `user` or `team`.
    pub kind: &'static str,
    pub id: i64,
    pub name: String,
    pub avatar: Avatar,
    /// A user's email or a team's size.
    pub meta: String,
    /// Lower-case name and email, what the filter matches.
    pub search: String,
    /// Space-separated ids of the inboxes it can see, or `*` for every inbox.
    pub inboxes: String,
}

/// Everything the Move dialog needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveView {
    /// The account's plan allows moving conversations.
    pub can_move: bool,
    /// The name of the inbox the conversation is in now.
    pub from_name: String,
    /// Every other inbox of the account, by name (the mover need not be a member).
    pub inboxes: Vec<MoveInbox>,
    pub people: Vec<MoveOption>,
    pub teams: Vec<MoveOption>,
    /// The contact owner's inboxes as [`MoveOption::inboxes`]; empty without an owner.
    pub owner_inboxes: String,
}

impl MoveView {
    /// `inboxes` are all inboxes of the account; `current` the conversation's.
    pub fn new(
        inboxes: &[Inbox],
        current: InboxId,
        contact_owner: Option<UserId>,
        dir: &Directory,
        can_move: bool,
    ) -> Self {
        let from_name = inboxes
            .iter()
            .find(|i| i.id == current)
            .map_or_else(|| "this inbox".to_owned(), |i| i.name.clone());
        let mut targets: Vec<MoveInbox> = inboxes
            .iter()
            .filter(|i| i.id != current)
            .map(|i| MoveInbox {
                id: i.id,
                name: i.name.clone(),
                tone: tone(i.id.0),
            })
            .collect();
        targets.sort_by_cached_key(|i| (i.name.to_lowercase(), i.id));

        let mut people: Vec<MoveOption> = dir
            .users()
            .map(|u| MoveOption {
                kind: "user",
                id: u.id.0,
                name: u.name.clone(),
                avatar: Avatar::person(u.id.0, &u.name),
                meta: u.email.clone(),
                search: format!("{} {}", u.name, u.email).to_lowercase(),
                inboxes: user_inboxes(u, inboxes, dir),
            })
            .collect();
        people.sort_by_cached_key(|p| (p.name.to_lowercase(), p.id));

        let mut teams: Vec<MoveOption> = dir
            .teams()
            .map(|t| MoveOption {
                kind: "team",
                id: t.id.0,
                name: t.name.clone(),
                avatar: dir.assignee_avatar(Assignee::Team(t.id)),
                meta: match t.member_ids.len() {
                    1 => "1 member".to_owned(),
                    n => format!("{n} members"),
                },
                search: t.name.to_lowercase(),
                inboxes: ids(inboxes
                    .iter()
                    .filter(|i| i.member_team_ids.contains(&t.id))
                    .map(|i| i.id)),
            })
            .collect();
        teams.sort_by_cached_key(|t| (t.name.to_lowercase(), t.id));

        let owner_inboxes = contact_owner
            .and_then(|o| dir.user(o))
            .map(|u| user_inboxes(u, inboxes, dir))
            .unwrap_or_default();
        MoveView {
            can_move,
            from_name,
            inboxes: targets,
            people,
            teams,
            owner_inboxes,
        }
    }
}

/// The inboxes a user sees: all for an admin, else by membership or a team's.
fn user_inboxes(user: &User, inboxes: &[Inbox], dir: &Directory) -> String {
    if user.role == Role::Admin {
        return "*".to_owned();
    }
    ids(inboxes
        .iter()
        .filter(|i| {
            sees_inbox(user, &i.member_user_ids, &i.member_team_ids, |t| {
                dir.team(t)
            })
        })
        .map(|i| i.id))
}

fn ids(ids: impl Iterator<Item = InboxId>) -> String {
    let set: BTreeSet<i64> = ids.map(|i| i.0).collect();
    set.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, name: &str, role: Role) -> User {
        User {
            id: UserId(id),
            account_id: AccountId(1),
            name: name.into(),
            email: format!("{}@acme.test", name.to_lowercase()),
            role,
            seat: Seat::Service,
            availability: Availability::Available,
            notify_email: false,
            created_at: 0,
        }
    }

    fn inbox(id: i64, name: &str, users: &[i64], teams: &[i64]) -> Inbox {
        Inbox {
            id: InboxId(id),
            account_id: AccountId(1),
            name: name.into(),
            email_address: None,
            member_user_ids: users.iter().copied().map(UserId).collect(),
            member_team_ids: teams.iter().copied().map(TeamId).collect(),
        }
    }

    #[test]
    fn the_dialog_offers_other_inboxes_and_knows_who_sees_them() {
        let dir = Directory::new(
            vec![
                user(1, "Ana", Role::Admin),
                user(2, "Ben", Role::Agent),
                user(3, "Olga", Role::Agent),
            ],
            vec![Team {
                id: TeamId(7),
                account_id: AccountId(1),
                name: "Tier 2".into(),
                round_robin: true,
                member_ids: vec![UserId(3)],
            }],
        );
        let inboxes = [
            inbox(1, "Support", &[2], &[7]),
            inbox(2, "Sales", &[1, 2], &[]),
            inbox(3, "Billing", &[], &[]),
        ];
        let view = MoveView::new(&inboxes, InboxId(2), Some(UserId(3)), &dir, true);
        assert_eq!(view.from_name, "Sales");
        let names: Vec<&str> = view.inboxes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["Billing", "Support"]);
        let seen: Vec<(&str, &str)> = view
            .people
            .iter()
            .map(|p| (p.name.as_str(), p.inboxes.as_str()))
            .collect();
        assert_eq!(seen, [("Ana", "*"), ("Ben", "1 2"), ("Olga", "1")]);
        assert_eq!(view.teams[0].inboxes, "1");
        assert_eq!(view.teams[0].meta, "1 member");
        assert_eq!(view.owner_inboxes, "1");
    }
}
