//! Tickets: created from conversations the actor can see; read within visible inboxes.

use super::App;
use crate::error::{ApiError, ApiResult};
use switchboard_domain::input::Name;
use switchboard_domain::policy::Actor;
use switchboard_domain::*;
use switchboard_store::{NewTicket, StoreError, TicketUpdate};

/// A ticket to create, as the API receives it.
pub struct NewTicketInput {
    pub subject: String,
    pub conversation_ids: Vec<ConversationId>,
    pub stage: Option<TicketStage>,
    pub priority: Option<Priority>,
    pub owner_id: Option<UserId>,
}

impl App {
    pub async fn create_ticket(&self, actor: &Actor, input: NewTicketInput) -> ApiResult<Ticket> {
        let subject = Name::parse("subject", &input.subject)?;
        if input.conversation_ids.is_empty() {
            return Err(ApiError::invalid(
                "conversation_ids",
                "must name at least one conversation",
            ));
        }
        for id in &input.conversation_ids {
            self.conversation(actor, *id).await.map_err(|e| match e {
                ApiError::NotFound | ApiError::Denied(_) => ApiError::invalid(
                    "conversation_ids",
                    format!("conversation {id} does not exist"),
                ),
                other => other,
            })?;
        }
        Ok(self
            .store
            .create_ticket(NewTicket {
                account_id: actor.account_id,
                subject: subject.into_string(),
                stage: input.stage.unwrap_or(TicketStage::New),
                priority: input.priority.unwrap_or(Priority::Medium),
                owner_id: input.owner_id,
                conversation_ids: input.conversation_ids,
                now: self.now(),
            })
            .await?)
    }

    /// Changes a ticket of an inbox the actor can see (else 404). `owner_id:
    /// Some(None)` clears the owner.
    pub async fn update_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        update: TicketUpdate,
    ) -> ApiResult<Ticket> {
        self.ticket(actor, id).await?;
        let subject = match update.subject.as_deref() {
            Some(s) => Some(Name::parse("subject", s)?.into_string()),
            None => None,
        };
        self.store
            .update_ticket(actor.account_id, id, TicketUpdate { subject, ..update })
            .await
            .map_err(|e| match e {
                StoreError::InvalidReference(_) => {
                    ApiError::invalid("owner_id", "is not a user of this account")
                }
                other => other.into(),
            })
    }

    /// A ticket in an inbox the actor can see (else 404).
    pub async fn ticket(&self, actor: &Actor, id: TicketId) -> ApiResult<Ticket> {
        let ticket = self.store.ticket(actor.account_id, id).await?;
        self.check_inbox(actor, ticket.inbox_id).await?;
        Ok(ticket)
    }

    /// Tickets of every inbox the actor can see.
    pub async fn tickets(&self, actor: &Actor) -> ApiResult<Vec<Ticket>> {
        let inboxes: Vec<InboxId> = self
            .visible_inboxes(actor)
            .await?
            .iter()
            .map(|i| i.id)
            .collect();
        Ok(self.store.tickets(actor.account_id, &inboxes).await?)
    }
}
