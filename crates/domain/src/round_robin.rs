//! Round-robin assignment: a team with round-robin on hands each conversation assigned
//! to it to its next available member, in a fixed order (by user id), starting after
//! the member it picked last. `away` members are skipped; with nobody available the
//! conversation stays in the team's queue.

use crate::id::UserId;
use crate::model::Availability;

/// The member to hand the next conversation to: the first `available` one after
/// `last` in user-id order, wrapping around; `last` itself comes last, so a lone
/// available member is picked again. `last` need not be a member any more (it may have
/// left the team): the order continues from where its id would be. `None` when no
/// member is available.
pub fn next_member(members: &[(UserId, Availability)], last: Option<UserId>) -> Option<UserId> {
    let mut available: Vec<UserId> = members
        .iter()
        .filter(|(_, a)| *a == Availability::Available)
        .map(|(id, _)| *id)
        .collect();
    available.sort_unstable();
    available.dedup();
    let Some(last) = last else {
        return available.first().copied();
    };
    available
        .iter()
        .find(|id| **id > last)
        .or_else(|| available.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Availability::{Available, Away};

    fn u(id: i64) -> UserId {
        UserId(id)
    }

    #[test]
    fn members_take_turns_in_id_order_and_wrap() {
        let team = [(u(3), Available), (u(1), Available), (u(2), Available)];
        assert_eq!(next_member(&team, None), Some(u(1)));
        assert_eq!(next_member(&team, Some(u(1))), Some(u(2)));
        assert_eq!(next_member(&team, Some(u(2))), Some(u(3)));
        assert_eq!(next_member(&team, Some(u(3))), Some(u(1)));
    }

    #[test]
    fn away_members_are_skipped() {
        let team = [(u(1), Available), (u(2), Away), (u(3), Available)];
        assert_eq!(next_member(&team, Some(u(1))), Some(u(3)));
        assert_eq!(next_member(&team, Some(u(3))), Some(u(1)));
    }

    #[test]
    fn a_lone_available_member_gets_every_conversation() {
        let team = [(u(1), Away), (u(2), Available)];
        assert_eq!(next_member(&team, Some(u(2))), Some(u(2)));
        assert_eq!(next_member(&team, None), Some(u(2)));
    }

    #[test]
    fn nobody_available_means_nobody_is_picked() {
        assert_eq!(next_member(&[(u(1), Away), (u(2), Away)], Some(u(1))), None);
        assert_eq!(next_member(&[], None), None);
    }

    #[test]
    fn a_last_pick_who_left_the_team_continues_the_order() {
        let team = [(u(1), Available), (u(5), Available)];
        assert_eq!(next_member(&team, Some(u(3))), Some(u(5)));
        assert_eq!(next_member(&team, Some(u(9))), Some(u(1)));
    }
}
