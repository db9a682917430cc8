//! Outbound email of agents: a reply on an email conversation becomes a real mail,
//! built here and queued in the outbox in the transaction that appends its entry; and
//! a failed mail can be queued again. Sending is the outbox worker's job
//! (`crate::worker`); nothing here talks SMTP.

use super::App;
use crate::error::{ApiError, ApiResult};
use switchboard_domain::input::Body;
use switchboard_domain::policy::Actor;
use switchboard_domain::*;
use switchboard_mail::build::{BuildError, OutboundReply};
use switchboard_mail::token::{plus_address, ReplyToken};
use switchboard_store::{NewEntry, OutboundMail, StoreError};

/// At most this many Message-IDs go into `References` (the newest ones), so a long
/// thread does not grow the header without bound.
pub const MAX_REFERENCES: usize = 20;

impl App {
    /// The inbox's address to send from, or a 422 saying the inbox needs one.
    pub(crate) async fn sending_address(&self, actor: &Actor, inbox: InboxId) -> ApiResult<Inbox> {
        let inbox = self.store.inbox(actor.account_id, inbox).await?;
        if inbox.email_address.as_deref().is_none_or(str::is_empty) {
            return Err(ApiError::invalid(
                "inbox",
                "this inbox has no email address to send from; an admin must give it one",
            ));
        }
        Ok(inbox)
    }

    /// The signed plus address that routes answers back to the conversation.
    pub(crate) async fn reply_address(
        &self,
        from: &str,
        conversation: ConversationId,
    ) -> ApiResult<String> {
        let secret = self.reply_token_secret().await?;
        Ok(plus_address(
            from,
            &ReplyToken::sign(&secret, conversation.0),
        ))
    }

    /// A reply on an email conversation: builds the mail to the contact, threaded on
    /// the conversation's Message-IDs, and appends the entry with the mail queued.
    #[tracing::instrument(skip_all, fields(conversation_id = %conversation.id))]
    pub(crate) async fn reply_by_email(
        &self,
        actor: &Actor,
        conversation: &Conversation,
        body: Body,
    ) -> ApiResult<TimelineEntry> {
        let inbox = self.sending_address(actor, conversation.inbox_id).await?;
        let from = inbox.email_address.clone().unwrap_or_default();
        let Some(to) = conversation.contact.email.clone() else {
            return Err(ApiError::invalid(
                "contact",
                "the contact has no email address to reply to",
            ));
        };
        let me = self.store.user(actor.account_id, actor.user_id).await?;
        let thread = self.store.thread_message_ids(conversation.id).await?;
        // We answer the customer's latest mail; `References` is the thread up to it
        // (RFC 5322: the parent's ancestry, then the parent), or all of it when the
        // customer never wrote by mail.
        let parent = thread
            .iter()
            .rposition(|m| m.direction == Direction::Inbound);
        let in_reply_to = parent.map(|i| thread[i].message_id.clone());
        let ancestry = &thread[..parent.map_or(thread.len(), |i| i + 1)];
        let skip = ancestry.len().saturating_sub(MAX_REFERENCES);
        let references = ancestry
            .iter()
            .skip(skip)
            .map(|m| m.message_id.clone())
            .collect();
        let subject = conversation.subject.clone().unwrap_or_default();
        let reply = OutboundReply {
            from_name: Some(me.name.clone()),
            from_address: from.clone(),
            reply_to: Some(self.reply_address(&from, conversation.id).await?),
            to: vec![(conversation.contact.name.clone(), to.clone())],
            subject,
            in_reply_to,
            references,
            text: body.as_str().to_owned(),
            ..OutboundReply::default()
        };
        let built = reply.build().map_err(build_error)?;
        let subject = switchboard_mail::build::reply_subject(&reply.subject);
        let meta = serde_json::json!({
            "channel": conversation.channel,
            "email": {"message_id": built.message_id, "to": [to], "subject": subject},
            "delivery": {"state": "queued"},
        });
        let entry = self
            .store
            .append_outbound_email(
                NewEntry {
                    conversation_id: conversation.id,
                    kind: EntryKind::Message,
                    direction: Some(Direction::Outbound),
                    author_user_id: Some(actor.user_id),
                    author_contact_id: None,
                    body: body.into_string(),
                    meta,
                    now: self.now(),
                },
                OutboundMail {
                    kind: OutboxKind::Reply,
                    message_id: built.message_id,
                    raw: built.bytes,
                    envelope_from: from,
                    recipients: vec![to],
                    subject,
                },
            )
            .await?;
        self.outbox_wake.notify_one();
        Ok(entry)
    }

    /// Queues a failed reply or forward again (409 unless it failed).
    pub async fn retry_delivery(
        &self,
        actor: &Actor,
        id: ConversationId,
        entry: EntryId,
    ) -> ApiResult<TimelineEntry> {
        let conversation = self.conversation(actor, id).await?;
        let entry = match self.store.retry_delivery(id, entry, self.now()).await {
            Err(StoreError::Conflict(_)) => {
                return Err(ApiError::Conflict(
                    "only a mail that failed can be retried".to_owned(),
                ))
            }
            other => other?,
        };
        self.outbox_wake.notify_one();
        self.hub
            .publish(&switchboard_domain::event::Event::ConversationUpdated {
                conversation_id: id,
                inbox_id: conversation.inbox_id,
            });
        Ok(entry)
    }
}

/// A message that cannot be built names the address at fault; anything else is ours.
pub(crate) fn build_error(error: BuildError) -> ApiError {
    match error {
        BuildError::InvalidAddress(address) => ApiError::invalid(
            "address",
            format!("{address:?} is not a valid email address"),
        ),
        BuildError::NoRecipients => ApiError::invalid("to", "name at least one recipient"),
        BuildError::Io(e) => ApiError::Internal(e.into()),
    }
}
