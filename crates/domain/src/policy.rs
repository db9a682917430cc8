//! Who may do what. Every access decision of Switchboard is a function here, so the
//! rules are read, reviewed and unit-tested in one place; the server asks, never decides.
//!
//! Reads and writes that the actor may not make on something they may not even see
//! answer [`Denied::NotFound`], so ids of other accounts and foreign inboxes leak nothing.

use crate::id::*;
use crate::model::{Plan, Role, Seat, Team, User};

/// The authenticated user making a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub account_id: AccountId,
    pub role: Role,
    pub seat: Seat,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// What the policy needs to know about an inbox: its account, and whether the actor is
/// a member (directly or through a team).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxAccess {
    pub account_id: AccountId,
    pub is_member: bool,
}

/// A refusal, mapped by the server to 404 / 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The thing is hidden from the actor: treat it as absent.
    #[error("not found")]
    NotFound,
    /// Visible, but this action needs the admin role.
    #[error("this action needs the admin role")]
    AdminRequired,
    /// The account's plan does not include the feature.
    #[error("this feature needs the professional or enterprise plan")]
    PlanRequired,
    /// Live presence and typing are for paid service seats.
    #[error("live presence is available to users with a service seat")]
    ServiceSeatRequired,
    /// Only the author or an admin may do this.
    #[error("only the author or an admin may do this")]
    NotAuthor,
}

/// Result of a policy check.
pub type Decision = Result<(), Denied>;

/// Anything of another account is invisible.
pub fn same_account(actor: &Actor, account_id: AccountId) -> Decision {
    if actor.account_id == account_id {
        Ok(())
    } else {
        Err(Denied::NotFound)
    }
}

/// Managing users, teams and inboxes is for admins of the account.
pub fn manage_account(actor: &Actor) -> Decision {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Denied::AdminRequired)
    }
}

/// An inbox and its conversations are seen by its members and by admins of its account.
pub fn read_inbox(actor: &Actor, inbox: InboxAccess) -> Decision {
    same_account(actor, inbox.account_id)?;
    if inbox.is_member || actor.is_admin() {
        Ok(())
    } else {
        Err(Denied::NotFound)
    }
}

/// Working a conversation (reply, status, assign, comment) takes what reading it takes.
pub fn work_conversation(actor: &Actor, inbox: InboxAccess) -> Decision {
    read_inbox(actor, inbox)
}

/// Seeing who else views, composes or types is for service seats.
pub fn see_presence(actor: &Actor) -> Decision {
    if actor.seat == Seat::Service {
        Ok(())
    } else {
        Err(Denied::ServiceSeatRequired)
    }
}

/// Whether `user` sees an inbox with these members: admins see every inbox of their
/// account; agents see the inboxes they, or a team of theirs (`team` finds one by id),
/// belong to. The same rule as [`read_inbox`], for deciding about other users.
pub fn sees_inbox<'a>(
    user: &User,
    member_users: &[UserId],
    member_teams: &[TeamId],
    team: impl Fn(TeamId) -> Option<&'a Team>,
) -> bool {
    user.role == Role::Admin
        || member_users.contains(&user.id)
        || member_teams
            .iter()
            .any(|t| team(*t).is_some_and(|t| t.member_ids.contains(&user.id)))
}

/// Moving a conversation needs access to it and a plan that includes moves. The target
/// inbox must be of the same account; the mover need not be a member of it.
pub fn move_conversation(
    actor: &Actor,
    plan: Plan,
    origin: InboxAccess,
    target_account: AccountId,
) -> Decision {
    work_conversation(actor, origin)?;
    same_account(actor, target_account)?;
    if plan.allows_move() {
        Ok(())
    } else {
        Err(Denied::PlanRequired)
    }
}

/// A comment is deleted by its author or an admin.
pub fn delete_comment(actor: &Actor, author: Option<UserId>) -> Decision {
    if actor.is_admin() || author == Some(actor.user_id) {
        Ok(())
    } else {
        Err(Denied::NotAuthor)
    }
}

/// A user can be @mentioned in a conversation only if they can see its inbox, so a
/// mention never leads anyone to a conversation they may not read. `user` is the
/// mentioned user as an actor, `inbox` their access to the conversation's inbox.
pub fn be_mentioned(user: &Actor, inbox: InboxAccess) -> Decision {
    read_inbox(user, inbox)
}

/// What the policy needs about an uploaded file: its account and uploader, whether
/// the account's library shares it, and the actor's access to each inbox with a
/// conversation whose (not deleted) comment references it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentAccess {
    pub account_id: AccountId,
    pub uploaded_by: UserId,
    pub in_library: bool,
    pub inboxes: Vec<InboxAccess>,
}

/// A file is read by its uploader, by every user of the account when a library
/// document shares it, and by whoever can see a conversation whose comment references
/// it. Everyone else, and every other account, is told it does not exist.
pub fn read_attachment(actor: &Actor, file: &AttachmentAccess) -> Decision {
    same_account(actor, file.account_id)?;
    if file.uploaded_by == actor.user_id
        || file.in_library
        || file.inboxes.iter().any(|i| read_inbox(actor, *i).is_ok())
    {
        Ok(())
    } else {
        Err(Denied::NotFound)
    }
}

/// Only your own uploads can be attached to a comment or shared as a library
/// document: attaching is what grants others access to a file.
pub fn attach_file(actor: &Actor, account_id: AccountId, uploaded_by: UserId) -> Decision {
    same_account(actor, account_id)?;
    if uploaded_by == actor.user_id {
        Ok(())
    } else {
        Err(Denied::NotFound)
    }
}

/// A notification belongs to one user.
pub fn read_notification(actor: &Actor, owner: UserId) -> Decision {
    if actor.user_id == owner {
        Ok(())
    } else {
        Err(Denied::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, seat: Seat) -> Actor {
        Actor {
            user_id: UserId(1),
            account_id: AccountId(10),
            role,
            seat,
        }
    }
    const MEMBER: InboxAccess = InboxAccess {
        account_id: AccountId(10),
        is_member: true,
    };
    const NON_MEMBER: InboxAccess = InboxAccess {
        account_id: AccountId(10),
        is_member: false,
    };
    const FOREIGN: InboxAccess = InboxAccess {
        account_id: AccountId(99),
        is_member: true,
    };

    #[test]
    fn members_read_their_inbox() {
        assert_eq!(read_inbox(&actor(Role::Agent, Seat::Core), MEMBER), Ok(()));
    }

    #[test]
    fn non_member_agents_do_not_see_an_inbox() {
        assert_eq!(
            read_inbox(&actor(Role::Agent, Seat::Service), NON_MEMBER),
            Err(Denied::NotFound)
        );
        assert_eq!(
            work_conversation(&actor(Role::Agent, Seat::Service), NON_MEMBER),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn admins_see_every_inbox_of_their_account_only() {
        let admin = actor(Role::Admin, Seat::Core);
        assert_eq!(read_inbox(&admin, NON_MEMBER), Ok(()));
        assert_eq!(read_inbox(&admin, FOREIGN), Err(Denied::NotFound));
    }

    #[test]
    fn nothing_of_another_account_is_visible_even_to_a_member_flag() {
        assert_eq!(
            read_inbox(&actor(Role::Agent, Seat::Service), FOREIGN),
            Err(Denied::NotFound)
        );
        assert_eq!(
            same_account(&actor(Role::Admin, Seat::Service), AccountId(11)),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn only_admins_manage_the_account() {
        assert_eq!(manage_account(&actor(Role::Admin, Seat::Core)), Ok(()));
        assert_eq!(
            manage_account(&actor(Role::Agent, Seat::Service)),
            Err(Denied::AdminRequired)
        );
    }

    #[test]
    fn only_service_seats_see_presence() {
        assert_eq!(see_presence(&actor(Role::Agent, Seat::Service)), Ok(()));
        assert_eq!(
            see_presence(&actor(Role::Admin, Seat::Core)),
            Err(Denied::ServiceSeatRequired)
        );
    }

    #[test]
    fn moving_needs_a_paid_plan_and_access_to_the_origin() {
        let agent = actor(Role::Agent, Seat::Core);
        assert_eq!(
            move_conversation(&agent, Plan::Professional, MEMBER, AccountId(10)),
            Ok(())
        );
        assert_eq!(
            move_conversation(&agent, Plan::Enterprise, MEMBER, AccountId(10)),
            Ok(())
        );
        assert_eq!(
            move_conversation(&agent, Plan::Starter, MEMBER, AccountId(10)),
            Err(Denied::PlanRequired)
        );
        assert_eq!(
            move_conversation(&agent, Plan::Enterprise, NON_MEMBER, AccountId(10)),
            Err(Denied::NotFound)
        );
        assert_eq!(
            move_conversation(&agent, Plan::Enterprise, MEMBER, AccountId(99)),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn comments_are_deleted_by_author_or_admin() {
        let agent = actor(Role::Agent, Seat::Core);
        assert_eq!(delete_comment(&agent, Some(UserId(1))), Ok(()));
        assert_eq!(
            delete_comment(&agent, Some(UserId(2))),
            Err(Denied::NotAuthor)
        );
        assert_eq!(
            delete_comment(&actor(Role::Admin, Seat::Core), Some(UserId(2))),
            Ok(())
        );
    }

    #[test]
    fn only_users_who_see_the_inbox_can_be_mentioned() {
        assert_eq!(
            be_mentioned(&actor(Role::Agent, Seat::Core), MEMBER),
            Ok(())
        );
        assert_eq!(
            be_mentioned(&actor(Role::Admin, Seat::Core), NON_MEMBER),
            Ok(())
        );
        assert_eq!(
            be_mentioned(&actor(Role::Agent, Seat::Service), NON_MEMBER),
            Err(Denied::NotFound)
        );
        assert_eq!(
            be_mentioned(&actor(Role::Admin, Seat::Service), FOREIGN),
            Err(Denied::NotFound)
        );
    }

    fn file(uploaded_by: i64, in_library: bool, inboxes: Vec<InboxAccess>) -> AttachmentAccess {
        AttachmentAccess {
            account_id: AccountId(10),
            uploaded_by: UserId(uploaded_by),
            in_library,
            inboxes,
        }
    }

    #[test]
    fn files_are_read_by_uploader_library_and_viewers_of_a_referencing_conversation() {
        let agent = actor(Role::Agent, Seat::Core);
        assert_eq!(read_attachment(&agent, &file(1, false, vec![])), Ok(()));
        assert_eq!(read_attachment(&agent, &file(2, true, vec![])), Ok(()));
        assert_eq!(
            read_attachment(&agent, &file(2, false, vec![NON_MEMBER, MEMBER])),
            Ok(())
        );
        assert_eq!(
            read_attachment(&agent, &file(2, false, vec![NON_MEMBER])),
            Err(Denied::NotFound)
        );
        assert_eq!(
            read_attachment(
                &actor(Role::Admin, Seat::Core),
                &file(2, false, vec![NON_MEMBER])
            ),
            Ok(())
        );
        assert_eq!(
            read_attachment(&actor(Role::Admin, Seat::Core), &file(2, false, vec![])),
            Err(Denied::NotFound)
        );
        let foreign = AttachmentAccess {
            account_id: AccountId(99),
            ..file(1, true, vec![])
        };
        assert_eq!(read_attachment(&agent, &foreign), Err(Denied::NotFound));
    }

    #[test]
    fn only_your_own_uploads_are_attached() {
        let agent = actor(Role::Agent, Seat::Core);
        assert_eq!(attach_file(&agent, AccountId(10), UserId(1)), Ok(()));
        assert_eq!(
            attach_file(&agent, AccountId(10), UserId(2)),
            Err(Denied::NotFound)
        );
        assert_eq!(
            attach_file(&agent, AccountId(99), UserId(1)),
            Err(Denied::NotFound)
        );
        assert_eq!(
            attach_file(&actor(Role::Admin, Seat::Core), AccountId(10), UserId(2)),
            Err(Denied::NotFound)
        );
    }

    #[test]
    fn notifications_belong_to_their_user() {
        let agent = actor(Role::Agent, Seat::Core);
        assert_eq!(read_notification(&agent, UserId(1)), Ok(()));
        assert_eq!(read_notification(&agent, UserId(2)), Err(Denied::NotFound));
    }
}
