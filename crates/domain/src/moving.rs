//! Moving a conversation to another inbox: who gets it there.
//!
//! The mover picks one of three modes. *Specific users or teams*: one user gets it; one
//! team gets it (into the team's queue); several picks hand it to the next available
//! of the picked users (and of the picked teams' members) in round-robin order, the
//! turn kept per target inbox. *Contact owner*: the contact's owner gets it when they
//! can see the target inbox, else the mover's fallback applies (leave unassigned, or
//! specific users or teams) and the timeline says why. *Don't assign*: nobody.
//!
//! Whoever is picked explicitly must be able to see the target inbox (an assignee who
//! cannot open the conversation would be a dead end), else the move is refused; the
//! contact owner is never refused, only passed over. Everything here is pure: the
//! caller gathers the facts ([`MoveFacts`]) and writes the outcome in one transaction.

use crate::id::{TeamId, UserId};
use crate::model::{Assignee, Availability, Team, User};
use crate::policy::sees_inbox;
use crate::round_robin::next_member;
use serde::{Deserialize, Serialize};

/// The most users and teams one move may pick.
pub const MAX_PICKS: usize = 100;

/// Users and teams ticked in the "Specific users or teams" list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picks {
    #[serde(default)]
    pub user_ids: Vec<UserId>,
    #[serde(default)]
    pub team_ids: Vec<TeamId>,
}

impl Picks {
    fn is_empty(&self) -> bool {
        self.user_ids.is_empty() && self.team_ids.is_empty()
    }
}

/// What applies when the contact has no owner, or the owner cannot see the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fallback {
    Unassigned,
    Specific(Picks),
}

/// The "Assign to" choice of the move dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum MoveAssign {
    Specific(Picks),
    ContactOwner { fallback: Fallback },
    Unassigned,
}

/// What the caller knows when resolving a [`MoveAssign`].
pub struct MoveFacts<'a> {
    /// Every user of the account.
    pub users: &'a [User],
    /// Every team of the account.
    pub teams: &'a [Team],
    /// Direct user members of the target inbox.
    pub target_users: &'a [UserId],
    /// Team members of the target inbox.
    pub target_teams: &'a [TeamId],
    /// The contact's owner, if any.
    pub contact_owner: Option<UserId>,
    /// The user the target inbox's move round-robin picked last.
    pub last_pick: Option<UserId>,
}

impl MoveFacts<'_> {
    fn user(&self, id: UserId) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Admins see every inbox; others see the inboxes they or their teams belong to.
    pub fn can_see_target(&self, user: &User) -> bool {
        sees_inbox(user, self.target_users, self.target_teams, |id| {
            self.teams.iter().find(|t| t.id == id)
        })
    }
}

/// Why the contact owner did not get the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassedOver {
    /// The contact has no owner.
    NoOwner,
    /// The owner cannot see the target inbox.
    CannotSee { name: String },
}

/// Who gets the moved conversation, and how that was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOutcome {
    pub assignee: Option<Assignee>,
    /// The round-robin among several picks chose `assignee`: the caller moves the
    /// target inbox's turn from `MoveFacts::last_pick` to it.
    pub round_robin: bool,
    /// Several were picked and none of them is available: nobody gets it.
    pub nobody_available: bool,
    /// Contact-owner mode fell back.
    pub passed_over: Option<PassedOver>,
}

/// Why a choice cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefused {
    #[error("choose at least one user or team")]
    NothingPicked,
    #[error("pick at most {MAX_PICKS} users and teams")]
    TooManyPicks,
    #[error("user {0} is not a user of this account")]
    UnknownUser(UserId),
    #[error("team {0} is not a team of this account")]
    UnknownTeam(TeamId),
    #[error("{0} cannot see the target inbox")]
    UserCannotSee(String),
    #[error("{0} is not a member of the target inbox")]
    TeamCannotSee(String),
}

impl MoveRefused {
    /// The request field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            MoveRefused::NothingPicked | MoveRefused::TooManyPicks => "assign",
            MoveRefused::UnknownUser(_) | MoveRefused::UserCannotSee(_) => "assign.user_ids",
            MoveRefused::UnknownTeam(_) | MoveRefused::TeamCannotSee(_) => "assign.team_ids",
        }
    }
}

/// Resolves the mover's choice into the new assignee.
pub fn resolve(assign: &MoveAssign, facts: &MoveFacts<'_>) -> Result<MoveOutcome, MoveRefused> {
    let nobody = MoveOutcome {
        assignee: None,
        round_robin: false,
        nobody_available: false,
        passed_over: None,
    };
    match assign {
        MoveAssign::Unassigned => Ok(nobody),
        MoveAssign::Specific(picks) => pick(picks, facts),
        MoveAssign::ContactOwner { fallback } => {
            // The fallback is checked even when unused, so a bad one is refused
            // whatever the contact's owner turns out to be.
            let fallback_outcome = match fallback {
                Fallback::Unassigned => nobody.clone(),
                Fallback::Specific(picks) => pick(picks, facts)?,
            };
            let passed_over = match facts.contact_owner.and_then(|id| facts.user(id)) {
                Some(owner) if facts.can_see_target(owner) => {
                    return Ok(MoveOutcome {
                        assignee: Some(Assignee::User(owner.id)),
                        ..nobody
                    })
                }
                Some(owner) => PassedOver::CannotSee {
                    name: owner.name.clone(),
                },
                None => PassedOver::NoOwner,
            };
            Ok(MoveOutcome {
                passed_over: Some(passed_over),
                ..fallback_outcome
            })
        }
    }
}

/// "Specific users or teams": one user or one team gets it; several picks go
/// round-robin over the picked users and the picked teams' members.
fn pick(picks: &Picks, facts: &MoveFacts<'_>) -> Result<MoveOutcome, MoveRefused> {
    if picks.is_empty() {
        return Err(MoveRefused::NothingPicked);
    }
    if picks.user_ids.len() + picks.team_ids.len() > MAX_PICKS {
        return Err(MoveRefused::TooManyPicks);
    }
    let mut users = Vec::with_capacity(picks.user_ids.len());
    for id in &picks.user_ids {
        let user = facts.user(*id).ok_or(MoveRefused::UnknownUser(*id))?;
        if !facts.can_see_target(user) {
            return Err(MoveRefused::UserCannotSee(user.name.clone()));
        }
        users.push(user);
    }
    let mut teams = Vec::with_capacity(picks.team_ids.len());
    for id in &picks.team_ids {
        let team = facts
            .teams
            .iter()
            .find(|t| t.id == *id)
            .ok_or(MoveRefused::UnknownTeam(*id))?;
        if !facts.target_teams.contains(&team.id) {
            return Err(MoveRefused::TeamCannotSee(team.name.clone()));
        }
        teams.push(team);
    }
    let outcome = |assignee| MoveOutcome {
        assignee,
        round_robin: false,
        nobody_available: false,
        passed_over: None,
    };
    match (users.as_slice(), teams.as_slice()) {
        ([user], []) => return Ok(outcome(Some(Assignee::User(user.id)))),
        ([], [team]) => return Ok(outcome(Some(Assignee::Team(team.id)))),
        _ => {}
    }
    let mut candidates: Vec<(UserId, Availability)> =
        users.iter().map(|u| (u.id, u.availability)).collect();
    for team in &teams {
        candidates.extend(
            team.member_ids
                .iter()
                .filter_map(|id| facts.user(*id))
                .map(|u| (u.id, u.availability)),
        );
    }
    Ok(match next_member(&candidates, facts.last_pick) {
        Some(user) => MoveOutcome {
            round_robin: true,
            ..outcome(Some(Assignee::User(user)))
        },
        None => MoveOutcome {
            nobody_available: true,
            ..outcome(None)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountId;
    use crate::model::{Role, Seat};

    fn user(id: i64, name: &str, role: Role, availability: Availability) -> User {
        User {
            id: UserId(id),
            account_id: AccountId(1),
            name: name.to_owned(),
            email: format!("{}@acme.test", name.to_lowercase()),
            role,
            seat: Seat::Service,
            availability,
            notify_email: false,
            created_at: 0,
        }
    }

    struct World {
        users: Vec<User>,
        teams: Vec<Team>,
    }

    /// Ana (admin), Ben and Cy (target members), Dee (origin only), Eve (through the
    /// target's team), Fay (away, target member); team 1 is in the target, team 2 not.
    fn world() -> World {
        use Availability::*;
        World {
            users: vec![
                user(1, "Ana", Role::Admin, Available),
                user(2, "Ben", Role::Agent, Available),
                user(3, "Cy", Role::Agent, Available),
                user(4, "Dee", Role::Agent, Available),
                user(5, "Eve", Role::Agent, Available),
                user(6, "Fay", Role::Agent, Away),
            ],
            teams: vec![
                Team {
                    id: TeamId(1),
                    account_id: AccountId(1),
                    name: "Tier 2".into(),
                    round_robin: false,
                    member_ids: vec![UserId(5)],
                },
                Team {
                    id: TeamId(2),
                    account_id: AccountId(1),
                    name: "Sales".into(),
                    round_robin: false,
                    member_ids: vec![UserId(4)],
                },
            ],
        }
    }

    const TARGET_USERS: [UserId; 3] = [UserId(2), UserId(3), UserId(6)];
    const TARGET_TEAMS: [TeamId; 1] = [TeamId(1)];

    fn facts(w: &World, owner: Option<i64>, last: Option<i64>) -> MoveFacts<'_> {
        MoveFacts {
            users: &w.users,
            teams: &w.teams,
            target_users: &TARGET_USERS,
            target_teams: &TARGET_TEAMS,
            contact_owner: owner.map(UserId),
            last_pick: last.map(UserId),
        }
    }

    fn specific(users: &[i64], teams: &[i64]) -> Picks {
        Picks {
            user_ids: users.iter().copied().map(UserId).collect(),
            team_ids: teams.iter().copied().map(TeamId).collect(),
        }
    }

    fn assignee(assign: MoveAssign, f: &MoveFacts<'_>) -> Option<Assignee> {
        resolve(&assign, f).unwrap().assignee
    }

    #[test]
    fn one_picked_user_or_team_gets_it() {
        let w = world();
        let f = facts(&w, None, None);
        assert_eq!(
            assignee(MoveAssign::Specific(specific(&[3], &[])), &f),
            Some(Assignee::User(UserId(3)))
        );
        assert_eq!(
            assignee(MoveAssign::Specific(specific(&[], &[1])), &f),
            Some(Assignee::Team(TeamId(1)))
        );
    }

    #[test]
    fn several_picks_go_round_robin_over_available_users_and_team_members() {
        let w = world();
        let picks = MoveAssign::Specific(specific(&[2, 6], &[1]));
        // Candidates: Ben (2), Fay (6, away), Eve (5, through Tier 2).
        let first = resolve(&picks, &facts(&w, None, None)).unwrap();
        assert_eq!(first.assignee, Some(Assignee::User(UserId(2))));
        assert!(first.round_robin);
        assert_eq!(
            assignee(picks.clone(), &facts(&w, None, Some(2))),
            Some(Assignee::User(UserId(5)))
        );
        assert_eq!(
            assignee(picks, &facts(&w, None, Some(5))),
            Some(Assignee::User(UserId(2)))
        );
    }

    #[test]
    fn several_picks_with_nobody_available_leave_it_unassigned() {
        let mut w = world();
        w.users[1].availability = Availability::Away;
        let outcome = resolve(
            &MoveAssign::Specific(specific(&[2, 6], &[])),
            &facts(&w, None, None),
        )
        .unwrap();
        assert_eq!(outcome.assignee, None);
        assert!(outcome.nobody_available);
    }

    #[test]
    fn picks_must_exist_and_see_the_target() {
        let w = world();
        let f = facts(&w, None, None);
        let refused = |p: Picks| resolve(&MoveAssign::Specific(p), &f).unwrap_err();
        assert_eq!(refused(specific(&[], &[])), MoveRefused::NothingPicked);
        assert_eq!(
            refused(specific(&[99], &[])),
            MoveRefused::UnknownUser(UserId(99))
        );
        assert_eq!(
            refused(specific(&[], &[9])),
            MoveRefused::UnknownTeam(TeamId(9))
        );
        assert_eq!(
            refused(specific(&[4], &[])),
            MoveRefused::UserCannotSee("Dee".into())
        );
        assert_eq!(
            refused(specific(&[], &[2])),
            MoveRefused::TeamCannotSee("Sales".into())
        );
        let many: Vec<i64> = (0..=MAX_PICKS as i64).collect();
        assert_eq!(refused(specific(&many, &[])), MoveRefused::TooManyPicks);
        // Admins see every inbox, and team members see their team's inboxes.
        assert!(resolve(&MoveAssign::Specific(specific(&[1], &[])), &f).is_ok());
        assert!(resolve(&MoveAssign::Specific(specific(&[5], &[])), &f).is_ok());
    }

    #[test]
    fn the_contact_owner_gets_it_when_they_can_see_the_target() {
        let w = world();
        let outcome = resolve(
            &MoveAssign::ContactOwner {
                fallback: Fallback::Unassigned,
            },
            &facts(&w, Some(5), None),
        )
        .unwrap();
        assert_eq!(outcome.assignee, Some(Assignee::User(UserId(5))));
        assert_eq!(outcome.passed_over, None);
    }

    #[test]
    fn no_owner_falls_back_and_says_so() {
        let w = world();
        let unassigned = resolve(
            &MoveAssign::ContactOwner {
                fallback: Fallback::Unassigned,
            },
            &facts(&w, None, None),
        )
        .unwrap();
        assert_eq!(unassigned.assignee, None);
        assert_eq!(unassigned.passed_over, Some(PassedOver::NoOwner));
        let to_cy = resolve(
            &MoveAssign::ContactOwner {
                fallback: Fallback::Specific(specific(&[3], &[])),
            },
            &facts(&w, None, None),
        )
        .unwrap();
        assert_eq!(to_cy.assignee, Some(Assignee::User(UserId(3))));
        assert_eq!(to_cy.passed_over, Some(PassedOver::NoOwner));
    }

    #[test]
    fn an_owner_who_cannot_see_the_target_is_passed_over() {
        let w = world();
        let outcome = resolve(
            &MoveAssign::ContactOwner {
                fallback: Fallback::Specific(specific(&[], &[1])),
            },
            &facts(&w, Some(4), None),
        )
        .unwrap();
        assert_eq!(outcome.assignee, Some(Assignee::Team(TeamId(1))));
        assert_eq!(
            outcome.passed_over,
            Some(PassedOver::CannotSee { name: "Dee".into() })
        );
    }

    #[test]
    fn a_bad_fallback_is_refused_even_when_the_owner_takes_it() {
        let w = world();
        let refused = resolve(
            &MoveAssign::ContactOwner {
                fallback: Fallback::Specific(specific(&[4], &[])),
            },
            &facts(&w, Some(5), None),
        );
        assert_eq!(refused, Err(MoveRefused::UserCannotSee("Dee".into())));
    }

    #[test]
    fn the_api_shapes_parse() {
        let parse = |s: &str| serde_json::from_str::<MoveAssign>(s);
        assert_eq!(
            parse(r#"{"mode":"specific","user_ids":[2],"team_ids":[]}"#).unwrap(),
            MoveAssign::Specific(specific(&[2], &[]))
        );
        assert_eq!(
            parse(r#"{"mode":"contact_owner","fallback":{"mode":"unassigned"}}"#).unwrap(),
            MoveAssign::ContactOwner {
                fallback: Fallback::Unassigned
            }
        );
        assert_eq!(
            parse(r#"{"mode":"contact_owner","fallback":{"mode":"specific","team_ids":[1]}}"#)
                .unwrap(),
            MoveAssign::ContactOwner {
                fallback: Fallback::Specific(specific(&[], &[1]))
            }
        );
        assert_eq!(
            parse(r#"{"mode":"unassigned"}"#).unwrap(),
            MoveAssign::Unassigned
        );
        assert!(parse(r#"{"mode":"everyone"}"#).is_err());
    }
}
