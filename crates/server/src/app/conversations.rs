//! Conversations: create through the API channel, list, read, reply and close/reopen
//! (assigning is in `assignment.rs`). Every call first proves the actor may see the
//! conversation's inbox.

use super::App;
use crate::error::{ApiError, ApiResult};
use switchboard_domain::event::Event;
use switchboard_domain::input::{parse_subject, Body};
use switchboard_domain::policy::{self, Actor, InboxAccess};
use switchboard_domain::*;
use switchboard_store::{
    AssigneeFilter, Cursor, ListQuery, NewConversation, NewEntry, Page, StatusChange,
};

use super::directory::NewContactInput;

/// A conversation list request as the API and UI receive it.
#[derive(Debug, Default, Clone)]
pub struct ListParams {
    pub status: Option<Status>,
    /// `me`, `unassigned`, `any`, `user:{id}` or `team:{id}`.
    pub assignee: Option<String>,
    pub channel: Option<Channel>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// A reply to the contact.
pub struct ReplyInput {
    pub body: String,
}

/// A conversation with its timeline, as the thread view shows it.
pub struct ConversationView {
    pub conversation: Conversation,
    pub timeline: Vec<TimelineEntry>,
}

impl ListParams {
    fn assignee_filter(&self, actor: &Actor) -> ApiResult<AssigneeFilter> {
        let Some(raw) = self.assignee.as_deref() else {
            return Ok(AssigneeFilter::Any);
        };
        let bad = || {
            ApiError::invalid(
                "assignee",
                "must be me, unassigned, any, user:{id} or team:{id}",
            )
        };
        Ok(match raw {
            "any" | "" => AssigneeFilter::Any,
            "me" => AssigneeFilter::Is(Assignee::User(actor.user_id)),
            "unassigned" => AssigneeFilter::Unassigned,
            other => {
                let (kind, id) = other.split_once(':').ok_or_else(bad)?;
                let id: i64 = id.parse().map_err(|_| bad())?;
                match kind {
                    "user" => AssigneeFilter::Is(Assignee::User(UserId(id))),
                    "team" => AssigneeFilter::Is(Assignee::Team(TeamId(id))),
                    _ => return Err(bad()),
                }
            }
        })
    }
}

impl App {
    /// Opens a conversation in an inbox the actor can see, with its first inbound message.
    pub async fn create_conversation(
        &self,
        actor: &Actor,
        inbox_id: InboxId,
        channel: Channel,
        contact: NewContactInput,
        subject: Option<&str>,
        body: &str,
    ) -> ApiResult<(Conversation, TimelineEntry)> {
        self.check_inbox(actor, inbox_id).await?;
        let now = self.now();
        let contact = contact.parse(actor.account_id, now)?;
        let subject = parse_subject(subject)?;
        let body = Body::parse("body", body)?;
        let (conversation, entry) = self
            .store
            .create_conversation(NewConversation {
                account_id: actor.account_id,
                inbox_id,
                channel,
                contact,
                subject,
                body: body.into_string(),
                meta: serde_json::json!({}),
                now,
            })
            .await?;
        self.publish(&[
            Event::ConversationCreated {
                conversation_id: conversation.id,
                inbox_id,
            },
            Event::EntryCreated {
                conversation_id: conversation.id,
                inbox_id,
                entry_id: entry.id,
            },
        ]);
        Ok((conversation, entry))
    }

    /// One page of an inbox's conversations.
    pub async fn list_conversations(
        &self,
        actor: &Actor,
        inbox_id: InboxId,
        params: &ListParams,
    ) -> ApiResult<Page<ListItem>> {
        self.check_inbox(actor, inbox_id).await?;
        let cursor = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(raw) => Some(
                Cursor::decode(raw)
                    .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor of this list"))?,
            ),
            None => None,
        };
        let limit = params.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::invalid("limit", "must be between 1 and 200"));
        }
        let text = params.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if text.is_some_and(|q| q.len() > 200) {
            return Err(ApiError::invalid("q", "is longer than 200 characters"));
        }
        let query = ListQuery {
            inbox_id,
            status: params.status,
            assignee: params.assignee_filter(actor)?,
            channel: params.channel,
            text: text.map(str::to_owned),
            limit,
            cursor,
        };
        Ok(self.store.list_conversations(&query).await?)
    }

    /// A conversation the actor may see (else 404).
    pub async fn conversation(&self, actor: &Actor, id: ConversationId) -> ApiResult<Conversation> {
        Ok(self.conversation_with_access(actor, id).await?.0)
    }

    /// A conversation the actor may see (else 404), with the actor's access to its
    /// inbox, for commands whose policy needs it again.
    pub(super) async fn conversation_with_access(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> ApiResult<(Conversation, InboxAccess)> {
        let conversation = self.store.conversation(actor.account_id, id).await?;
        let access = InboxAccess {
            account_id: conversation.account_id,
            is_member: self
                .store
                .is_inbox_member(conversation.inbox_id, actor.user_id)
                .await?,
        };
        policy::read_inbox(actor, access)?;
        Ok((conversation, access))
    }

    /// A conversation and its timeline, oldest entry first.
    pub async fn conversation_view(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> ApiResult<ConversationView> {
        let conversation = self.conversation(actor, id).await?;
        let timeline = self.store.timeline(id).await?;
        Ok(ConversationView {
            conversation,
            timeline,
        })
    }

    /// Replies to the contact on the conversation's channel.
    pub async fn reply(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: ReplyInput,
    ) -> ApiResult<TimelineEntry> {
        let conversation = self.conversation(actor, id).await?;
        let body = Body::parse("body", &input.body)?;
        if conversation.channel == Channel::Email {
            let entry = self.reply_by_email(actor, &conversation, body).await?;
            self.publish_entry(conversation.inbox_id, &entry, true, &[]);
            return Ok(entry);
        }
        let entry = self
            .store
            .append_entry(NewEntry {
                conversation_id: id,
                kind: EntryKind::Message,
                direction: Some(Direction::Outbound),
                author_user_id: Some(actor.user_id),
                author_contact_id: None,
                body: body.into_string(),
                meta: serde_json::json!({"channel": conversation.channel}),
                now: self.now(),
            })
            .await?;
        self.publish_entry(conversation.inbox_id, &entry, true, &[]);
        Ok(entry)
    }

    /// Closes or reopens; a no-op when the status is already that.
    pub async fn set_status(
        &self,
        actor: &Actor,
        id: ConversationId,
        status: Status,
    ) -> ApiResult<Conversation> {
        let conversation = self.conversation(actor, id).await?;
        let me = self.store.user(actor.account_id, actor.user_id).await?;
        let verb = match status {
            Status::Open => "reopened",
            Status::Closed => "closed",
        };
        let change = StatusChange {
            conversation_id: id,
            status,
            actor: actor.user_id,
            event_text: format!("{} {verb} this conversation", me.name),
            now: self.now(),
        };
        if let Some(entry) = self.store.set_status(change).await? {
            self.publish_entry(conversation.inbox_id, &entry, true, &[]);
        }
        self.conversation(actor, id).await
    }

    /// The open/mine/unassigned/closed counts of an inbox's views.
    pub async fn view_counts(
        &self,
        actor: &Actor,
        inbox_id: InboxId,
    ) -> ApiResult<switchboard_store::ViewCounts> {
        self.check_inbox(actor, inbox_id).await?;
        Ok(self.store.view_counts(inbox_id, actor.user_id).await?)
    }

    /// The actor's notifications, newest first.
    pub async fn notifications(&self, actor: &Actor, limit: u32) -> ApiResult<Vec<Notification>> {
        Ok(self.store.notifications(actor.user_id, limit).await?)
    }

    pub async fn mark_notification_read(&self, actor: &Actor, id: NotificationId) -> ApiResult<()> {
        Ok(self
            .store
            .mark_notification_read(actor.user_id, id, self.now())
            .await?)
    }
}
