//! Assigning a conversation: to a user, to a team's queue, or to nobody. A team with
//! round-robin on hands the conversation to its next available member instead
//! (`switchboard_domain::round_robin`); the turn is taken in the same transaction as
//! the assignment, and picked again if another assignment took it first. The new
//! assignee (when it is a user other than the actor) is notified, in the app and by
//! email through the outbox.

use super::App;
use crate::error::{ApiError, ApiResult};
use switchboard_domain::notification::{conversation_label, NotificationEmail};
use switchboard_domain::policy::Actor;
use switchboard_domain::round_robin::next_member;
use switchboard_domain::*;
use switchboard_store::{AssigneeChange, NotificationDraft, RoundRobinPick, StoreError};

/// How often an assignment picks again when concurrent ones keep taking the turn.
const ROUND_ROBIN_ATTEMPTS: usize = 5;

/// What an assignment will write: the change, and whether it took a round-robin turn.
struct Plan {
    change: AssigneeChange,
    round_robin: bool,
}

impl App {
    /// Assigns to a user or team of the account, or unassigns; a no-op when nothing
    /// changes.
    #[tracing::instrument(skip_all, fields(conversation_id = %id, user_id = %actor.user_id))]
    pub async fn assign(
        &self,
        actor: &Actor,
        id: ConversationId,
        assignee: Option<Assignee>,
    ) -> ApiResult<Conversation> {
        let conversation = self.conversation(actor, id).await?;
        let me = self.store.user(actor.account_id, actor.user_id).await?;
        let mut attempts = 0;
        let written = loop {
            attempts += 1;
            let plan = self
                .plan_assignment(actor, &me, &conversation, assignee)
                .await?;
            match self.store.set_assignee(plan.change).await {
                Err(StoreError::Conflict(_))
                    if plan.round_robin && attempts < ROUND_ROBIN_ATTEMPTS =>
                {
                    continue
                }
                Err(StoreError::Conflict(_)) if plan.round_robin => {
                    return Err(ApiError::Conflict(
                        "the team's round-robin turn keeps changing; try again".to_owned(),
                    ))
                }
                other => break other?,
            }
        };
        if let Some(written) = written {
            self.publish_entry(
                written.inbox_id,
                &written.entry,
                true,
                &written.notifications,
            );
        }
        self.conversation(actor, id).await
    }

    /// Resolves the assignee's name (422 for one not of the account), takes a
    /// round-robin turn for such a team, and words the event and the notification.
    async fn plan_assignment(
        &self,
        actor: &Actor,
        me: &User,
        conversation: &Conversation,
        assignee: Option<Assignee>,
    ) -> ApiResult<Plan> {
        let (assignee, event_text, round_robin) = match assignee {
            None => (
                None,
                format!("{} unassigned this conversation", me.name),
                None,
            ),
            Some(Assignee::User(u)) => {
                let user = self.assignable_user(actor, u).await?;
                (
                    Some(Assignee::User(u)),
                    format!("{} assigned this to {}", me.name, user.name),
                    None,
                )
            }
            Some(Assignee::Team(t)) => {
                let team = self
                    .store
                    .teams(actor.account_id)
                    .await?
                    .into_iter()
                    .find(|x| x.id == t)
                    .ok_or_else(|| ApiError::invalid("team_id", "is not a team of this account"))?;
                let to_team = format!("{} assigned this to {}", me.name, team.name);
                if !team.round_robin {
                    (Some(Assignee::Team(t)), to_team, None)
                } else {
                    match self.round_robin_pick(actor, &team).await? {
                        Some((pick, user)) => (
                            Some(Assignee::User(user.id)),
                            format!("{to_team} (round-robin: {})", user.name),
                            Some(pick),
                        ),
                        None => (
                            Some(Assignee::Team(t)),
                            format!("{to_team} (round-robin: nobody is available)"),
                            None,
                        ),
                    }
                }
            }
        };
        let notify = match assignee {
            Some(Assignee::User(user)) if user != actor.user_id => {
                let label = conversation_label(
                    conversation.subject.as_deref(),
                    conversation.contact.display_name(),
                );
                let text = format!("{} assigned you “{label}”", me.name);
                vec![NotificationDraft {
                    user_id: user,
                    kind: NotificationKind::Assignment,
                    actor_user_id: Some(actor.user_id),
                    email: Some(NotificationEmail::assignment(&text, &label)),
                    text,
                }]
            }
            _ => Vec::new(),
        };
        Ok(Plan {
            round_robin: round_robin.is_some(),
            change: AssigneeChange {
                conversation_id: conversation.id,
                assignee,
                actor: Some(actor.user_id),
                event_text,
                round_robin,
                notify,
                now: self.now(),
            },
        })
    }

    /// A user of the actor's account, else a 422 on `user_id`.
    async fn assignable_user(&self, actor: &Actor, id: UserId) -> ApiResult<User> {
        match self.store.user(actor.account_id, id).await {
            Ok(user) => Ok(user),
            Err(StoreError::NotFound) => Err(ApiError::invalid(
                "user_id",
                "is not a user of this account",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The round-robin team's next available member after its last pick, with the
    /// turn to take; `None` when every member is away.
    async fn round_robin_pick(
        &self,
        actor: &Actor,
        team: &Team,
    ) -> ApiResult<Option<(RoundRobinPick, User)>> {
        let last = self
            .store
            .round_robin_last_pick(actor.account_id, team.id)
            .await?;
        let members: Vec<User> = self
            .store
            .users(actor.account_id)
            .await?
            .into_iter()
            .filter(|u| team.member_ids.contains(&u.id))
            .collect();
        let availability: Vec<(UserId, Availability)> =
            members.iter().map(|u| (u.id, u.availability)).collect();
        let Some(next) = next_member(&availability, last) else {
            return Ok(None);
        };
        let user = members.into_iter().find(|u| u.id == next);
        Ok(user.map(|user| {
            (
                RoundRobinPick {
                    team_id: team.id,
                    previous: last,
                },
                user,
            )
        }))
    }
}
