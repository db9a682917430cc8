//! Moving a conversation to another inbox of the account, with its tickets: the plan
//! gate, who gets it there (`switchboard_domain::moving`), and one transaction that
//! moves it, leaves a read-only stub in the origin's list, writes the event and the
//! optional comment, and notifies the new assignee. Both inboxes hear of it live.

use super::{markdown, App};
use crate::error::{ApiError, ApiResult};
use serde_json::json;
use switchboard_domain::event::Event;
use switchboard_domain::input::Body;
use switchboard_domain::moving::{self, MoveAssign, MoveFacts, MoveOutcome, PassedOver};
use switchboard_domain::notification::{conversation_label, NotificationEmail};
use switchboard_domain::policy::{self, Actor};
use switchboard_domain::*;
use switchboard_store::{MoveChange, Moved, NotificationDraft, StoreError};

/// How often a move picks again when concurrent moves keep taking the round-robin turn.
const ROUND_ROBIN_ATTEMPTS: usize = 5;

/// A move as the API receives it.
#[derive(Debug, Clone)]
pub struct MoveInput {
    pub inbox_id: InboxId,
    /// The inbox the mover saw the conversation in; a conversation that left it
    /// meanwhile answers 409 instead of moving from somewhere the mover did not expect.
    pub from_inbox_id: Option<InboxId>,
    pub assign: MoveAssign,
    /// Markdown for an internal comment in the target inbox.
    pub comment: Option<String>,
}

/// The names an event sentence needs.
struct Names<'a> {
    users: &'a [User],
    teams: &'a [Team],
}

impl Names<'_> {
    fn of(&self, assignee: Assignee) -> &str {
        match assignee {
            Assignee::User(id) => self
                .users
                .iter()
                .find(|u| u.id == id)
                .map_or("a former user", |u| u.name.as_str()),
            Assignee::Team(id) => self
                .teams
                .iter()
                .find(|t| t.id == id)
                .map_or("a former team", |t| t.name.as_str()),
        }
    }
}

/// The timeline's sentence for a move, e.g. "Moved from Sales to Support by Ana
/// Alvarez. Assigned to Olga Novak, the contact owner."
fn event_text(
    mover: &str,
    origin: &str,
    target: &str,
    assign: &MoveAssign,
    outcome: &MoveOutcome,
    names: &Names<'_>,
) -> String {
    let mut text = format!("Moved from {origin} to {target} by {mover}.");
    match &outcome.passed_over {
        Some(PassedOver::NoOwner) => text.push_str(" The contact has no owner"),
        Some(PassedOver::CannotSee { name }) => {
            text.push_str(&format!(" The contact owner {name} cannot see {target}"))
        }
        None => {}
    }
    let sentence_start = if outcome.passed_over.is_some() {
        ", so it was"
    } else {
        ""
    };
    let who = outcome.assignee.map(|a| names.of(a).to_owned());
    let rest = match (who, assign) {
        (Some(name), MoveAssign::ContactOwner { .. }) if outcome.passed_over.is_none() => {
            format!(" Assigned to {name}, the contact owner.")
        }
        (Some(name), _) if outcome.round_robin => {
            format!("{sentence_start} assigned to {name} (round-robin).")
        }
        (Some(name), _) => format!("{sentence_start} assigned to {name}."),
        (None, _) if outcome.nobody_available => {
            format!("{sentence_start} left unassigned: nobody picked is available.")
        }
        (None, _) => format!("{sentence_start} left unassigned."),
    };
    if outcome.passed_over.is_some() {
        text.push_str(&rest);
    } else {
        // Capitalize the sentence that stands alone.
        let rest = rest.trim_start();
        let mut chars = rest.chars();
        if let Some(first) = chars.next() {
            text.push(' ');
            text.extend(first.to_uppercase());
            text.push_str(chars.as_str());
        }
    }
    text
}

impl App {
    /// Moves a conversation the actor can see to another inbox of the account (the
    /// actor need not be a member of it), on plans that allow moving.
    #[tracing::instrument(skip_all, fields(conversation_id = %id, user_id = %actor.user_id))]
    pub async fn move_conversation(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: MoveInput,
    ) -> ApiResult<Conversation> {
        let (conversation, origin_access) = self.conversation_with_access(actor, id).await?;
        let account = self.store.account(actor.account_id).await?;
        let target = match self.store.inbox(actor.account_id, input.inbox_id).await {
            Ok(inbox) => inbox,
            Err(StoreError::NotFound) => {
                // The plan gate answers first, whatever the target.
                policy::move_conversation(actor, account.plan, origin_access, actor.account_id)?;
                return Err(ApiError::invalid(
                    "inbox_id",
                    "is not an inbox of this account",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        policy::move_conversation(actor, account.plan, origin_access, target.account_id)?;
        if input
            .from_inbox_id
            .is_some_and(|from| from != conversation.inbox_id)
        {
            return Err(ApiError::Conflict(
                "this conversation was moved to another inbox meanwhile".to_owned(),
            ));
        }
        let origin = self
            .store
            .inbox(actor.account_id, conversation.inbox_id)
            .await?;
        if target.id == origin.id {
            return Err(ApiError::invalid(
                "inbox_id",
                format!("the conversation is already in {}", origin.name),
            ));
        }
        if conversation.status == Status::Closed {
            return Err(ApiError::Conflict(
                "a closed conversation cannot be moved; reopen it first".to_owned(),
            ));
        }
        let comment = match input.comment.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(Body::parse("comment", text)?),
            _ => None,
        };

        let users = self.store.users(actor.account_id).await?;
        let teams = self.store.teams(actor.account_id).await?;
        let me = users
            .iter()
            .find(|u| u.id == actor.user_id)
            .ok_or(ApiError::NotFound)?;
        let mut attempts = 0;
        let moved = loop {
            attempts += 1;
            let facts = MoveFacts {
                users: &users,
                teams: &teams,
                target_users: &target.member_user_ids,
                target_teams: &target.member_team_ids,
                contact_owner: conversation.contact.owner_id,
                last_pick: self.store.move_round_robin_last_pick(target.id).await?,
            };
            let outcome = moving::resolve(&input.assign, &facts)
                .map_err(|refused| ApiError::invalid(refused.field(), refused.to_string()))?;
            let names = Names {
                users: &users,
                teams: &teams,
            };
            let text = event_text(
                &me.name,
                &origin.name,
                &target.name,
                &input.assign,
                &outcome,
                &names,
            );
            let label = conversation_label(
                conversation.subject.as_deref(),
                conversation.contact.display_name(),
            );
            let notify = match outcome.assignee {
                Some(Assignee::User(user)) if user != actor.user_id => {
                    let text = format!(
                        "{} moved “{label}” to {} and assigned it to you",
                        me.name, target.name
                    );
                    vec![NotificationDraft {
                        user_id: user,
                        kind: NotificationKind::Move,
                        actor_user_id: Some(actor.user_id),
                        email: Some(NotificationEmail::moved(
                            &text,
                            &label,
                            comment.as_ref().map(Body::as_str),
                        )),
                        text,
                    }]
                }
                _ => Vec::new(),
            };
            let change = MoveChange {
                conversation_id: id,
                account_id: actor.account_id,
                from_inbox: origin.id,
                to_inbox: target.id,
                assignee: outcome.assignee,
                round_robin_previous: outcome.round_robin.then_some(facts.last_pick),
                actor: actor.user_id,
                event_text: text,
                event_meta: json!({
                    "event": "moved",
                    "from_inbox_id": origin.id,
                    "to_inbox_id": target.id,
                    "assignee": outcome.assignee,
                    "assign_mode": &input.assign,
                }),
                comment: comment.as_ref().map(|body| {
                    (
                        body.as_str().to_owned(),
                        json!({
                            "html": markdown::render(body.as_str()),
                            "mentions": [],
                            "attachments": [],
                        }),
                    )
                }),
                notify,
                now: self.now(),
            };
            match self.store.move_conversation(change).await {
                Err(StoreError::Conflict("round-robin turn"))
                    if outcome.round_robin && attempts < ROUND_ROBIN_ATTEMPTS =>
                {
                    continue
                }
                Err(StoreError::Conflict(_)) => {
                    return Err(ApiError::Conflict(
                        "this conversation was moved or closed meanwhile".to_owned(),
                    ))
                }
                other => break other?,
            }
        };
        self.publish_move(&moved, origin.id, target.id);
        Ok(self.store.conversation(actor.account_id, id).await?)
    }

    /// Tells both inboxes and the conversation's watchers; the origin's list shows the
    /// stub, the target's the conversation, and open threads re-check access.
    fn publish_move(&self, moved: &Moved, origin: InboxId, target: InboxId) {
        self.publish_entry(target, &moved.event, true, &moved.notifications);
        if let Some(comment) = &moved.comment {
            self.publish_entry(target, comment, false, &[]);
        }
        self.publish(&[Event::ConversationUpdated {
            conversation_id: moved.event.conversation_id,
            inbox_id: origin,
        }]);
    }

    /// A stub of an inbox the actor can see.
    pub async fn moved_stub(
        &self,
        actor: &Actor,
        inbox: InboxId,
        id: MovedStubId,
    ) -> ApiResult<MovedStub> {
        self.check_inbox(actor, inbox).await?;
        Ok(self.store.moved_stub(inbox, id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::moving::{Fallback, Picks};

    fn names() -> (Vec<User>, Vec<Team>) {
        let user = |id, name: &str| User {
            id: UserId(id),
            account_id: AccountId(1),
            name: name.to_owned(),
            email: format!("{id}@acme.test"),
            role: Role::Agent,
            seat: Seat::Service,
            availability: Availability::Available,
            notify_email: false,
            created_at: 0,
        };
        let team = Team {
            id: TeamId(1),
            account_id: AccountId(1),
            name: "Tier 2".to_owned(),
            round_robin: false,
            member_ids: vec![],
        };
        (vec![user(1, "Ana"), user(2, "Olga")], vec![team])
    }

    fn outcome(assignee: Option<Assignee>, passed_over: Option<PassedOver>) -> MoveOutcome {
        MoveOutcome {
            assignee,
            round_robin: false,
            nobody_available: false,
            passed_over,
        }
    }

    #[test]
    fn the_event_says_where_from_where_to_by_whom_and_to_whom() {
        let (users, teams) = names();
        let names = Names {
            users: &users,
            teams: &teams,
        };
        let owner = MoveAssign::ContactOwner {
            fallback: Fallback::Unassigned,
        };
        let text = |assign: &MoveAssign, o: MoveOutcome| {
            event_text("Ana", "Sales", "Support", assign, &o, &names)
        };
        assert_eq!(
            text(&owner, outcome(Some(Assignee::User(UserId(2))), None)),
            "Moved from Sales to Support by Ana. Assigned to Olga, the contact owner."
        );
        assert_eq!(
            text(&owner, outcome(None, Some(PassedOver::NoOwner))),
            "Moved from Sales to Support by Ana. The contact has no owner, so it was left unassigned."
        );
        assert_eq!(
            text(
                &owner,
                outcome(
                    Some(Assignee::Team(TeamId(1))),
                    Some(PassedOver::CannotSee { name: "Dee".into() })
                )
            ),
            "Moved from Sales to Support by Ana. The contact owner Dee cannot see Support, so it was assigned to Tier 2."
        );
        let specific = MoveAssign::Specific(Picks::default());
        assert_eq!(
            text(&specific, outcome(Some(Assignee::Team(TeamId(1))), None)),
            "Moved from Sales to Support by Ana. Assigned to Tier 2."
        );
        assert_eq!(
            text(
                &specific,
                MoveOutcome {
                    round_robin: true,
                    ..outcome(Some(Assignee::User(UserId(2))), None)
                }
            ),
            "Moved from Sales to Support by Ana. Assigned to Olga (round-robin)."
        );
        assert_eq!(
            text(
                &specific,
                MoveOutcome {
                    nobody_available: true,
                    ..outcome(None, None)
                }
            ),
            "Moved from Sales to Support by Ana. Left unassigned: nobody picked is available."
        );
        assert_eq!(
            text(&MoveAssign::Unassigned, outcome(None, None)),
            "Moved from Sales to Support by Ana. Left unassigned."
        );
    }
}
