//! Internal comments: Markdown rendered once to sanitized HTML, @mentions that notify
//! (in the app, and by email through the outbox for users who want it), attachments
//! the author uploaded, and deletion by the author or an admin with an audit event.
//! A comment is never a message: it has no direction and no contact-facing path
//! (replies, the email and chat channels) ever reads it.

use super::{actor_of, markdown, App};
use crate::error::{ApiError, ApiResult};
use serde_json::json;
use switchboard_domain::event::Event;
use switchboard_domain::input::Body;
use switchboard_domain::notification::{conversation_label, mention_text, NotificationEmail};
use switchboard_domain::policy::{self, Actor, InboxAccess};
use switchboard_domain::*;
use switchboard_store::{CommentDeletion, NewComment, NotificationDraft, StoreError};

/// The most users one comment may mention.
pub const MAX_MENTIONS: usize = 50;
/// The most files one comment may carry.
pub const MAX_ATTACHMENTS: usize = 20;

/// A comment as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct CommentInput {
    /// Markdown.
    pub body: String,
    pub mention_user_ids: Vec<UserId>,
    pub attachment_ids: Vec<AttachmentId>,
}

/// `ids` without repeats, in their first order.
fn distinct<T: PartialEq + Copy>(ids: &[T]) -> Vec<T> {
    let mut seen = Vec::with_capacity(ids.len());
    for id in ids {
        if !seen.contains(id) {
            seen.push(*id);
        }
    }
    seen
}

impl App {
    /// Adds an internal comment and notifies the users it mentions, in one transaction.
    #[tracing::instrument(skip_all, fields(conversation_id = %id, user_id = %actor.user_id))]
    pub async fn add_comment(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: CommentInput,
    ) -> ApiResult<TimelineEntry> {
        let conversation = self.conversation(actor, id).await?;
        let body = Body::parse("body", &input.body)?;
        let mention_ids = distinct(&input.mention_user_ids);
        let attachment_ids = distinct(&input.attachment_ids);
        if mention_ids.len() > MAX_MENTIONS {
            return Err(ApiError::invalid(
                "mention_user_ids",
                format!("may name at most {MAX_MENTIONS} users"),
            ));
        }
        if attachment_ids.len() > MAX_ATTACHMENTS {
            return Err(ApiError::invalid(
                "attachment_ids",
                format!("may name at most {MAX_ATTACHMENTS} files"),
            ));
        }
        let mentioned = self.mentionable(actor, &conversation, &mention_ids).await?;
        let files = self.attachable(actor, &attachment_ids).await?;
        let others: Vec<&User> = mentioned.iter().filter(|u| u.id != actor.user_id).collect();
        let mut notify = Vec::with_capacity(others.len());
        if !others.is_empty() {
            let me = self.store.user(actor.account_id, actor.user_id).await?;
            let label = conversation_label(
                conversation.subject.as_deref(),
                conversation.contact.display_name(),
            );
            let text = mention_text(&me.name, &label);
            let email = NotificationEmail::mention(&me.name, &label, body.as_str());
            notify.extend(others.iter().map(|u| NotificationDraft {
                user_id: u.id,
                kind: NotificationKind::Mention,
                actor_user_id: Some(actor.user_id),
                text: text.clone(),
                email: Some(email.clone()),
            }));
        }
        let meta = json!({
            "html": markdown::render(body.as_str()),
            "mentions": mention_ids,
            "attachments": files.iter().map(|f| json!({
                "id": f.id,
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
            })).collect::<Vec<_>>(),
        });
        let written = self
            .store
            .add_comment(NewComment {
                conversation_id: id,
                author: actor.user_id,
                body: body.into_string(),
                meta,
                attachment_ids,
                notify,
                now: self.now(),
            })
            .await
            .map_err(|e| match e {
                StoreError::InvalidReference("attachment_ids") => {
                    ApiError::invalid("attachment_ids", "name files you uploaded to this account")
                }
                other => other.into(),
            })?;
        self.publish_entry(
            written.inbox_id,
            &written.entry,
            false,
            &written.notifications,
        );
        Ok(written.entry)
    }

    /// The users behind `ids`, each a user of the account who can see the
    /// conversation's inbox; otherwise a 422 naming the first who cannot.
    async fn mentionable(
        &self,
        actor: &Actor,
        conversation: &Conversation,
        ids: &[UserId],
    ) -> ApiResult<Vec<User>> {
        let mut users = Vec::with_capacity(ids.len());
        for id in ids {
            let user = match self.store.user(actor.account_id, *id).await {
                Ok(user) => user,
                Err(StoreError::NotFound) => {
                    return Err(ApiError::invalid(
                        "mention_user_ids",
                        format!("user {id} is not a user of this account"),
                    ))
                }
                Err(e) => return Err(e.into()),
            };
            let is_member = self
                .store
                .is_inbox_member(conversation.inbox_id, user.id)
                .await?;
            let access = InboxAccess {
                account_id: conversation.account_id,
                is_member,
            };
            if policy::be_mentioned(&actor_of(&user), access).is_err() {
                return Err(ApiError::invalid(
                    "mention_user_ids",
                    format!("{} cannot see this inbox", user.name),
                ));
            }
            users.push(user);
        }
        Ok(users)
    }

    /// The files behind `ids`, each uploaded by the actor to the account; otherwise a
    /// 422 naming the first that is not.
    async fn attachable(&self, actor: &Actor, ids: &[AttachmentId]) -> ApiResult<Vec<Attachment>> {
        let mut files = Vec::with_capacity(ids.len());
        for id in ids {
            let refused = || {
                ApiError::invalid(
                    "attachment_ids",
                    format!("attachment {id} is not a file you uploaded"),
                )
            };
            let file = match self.store.attachment(actor.account_id, *id).await {
                Ok(file) => file,
                Err(StoreError::NotFound) => return Err(refused()),
                Err(e) => return Err(e.into()),
            };
            policy::attach_file(actor, file.account_id, file.uploaded_by).map_err(|_| refused())?;
            files.push(file);
        }
        Ok(files)
    }

    /// Deletes a comment (author or admin): it leaves every open timeline, and an event
    /// records who deleted it. Anything but a comment that is still there is a 404.
    #[tracing::instrument(skip_all, fields(conversation_id = %id, entry_id = %comment_id))]
    pub async fn delete_comment(
        &self,
        actor: &Actor,
        id: ConversationId,
        comment_id: EntryId,
    ) -> ApiResult<()> {
        self.conversation(actor, id).await?;
        let comment = self.store.entry(id, comment_id).await?;
        if comment.kind != EntryKind::Comment {
            return Err(ApiError::NotFound);
        }
        policy::delete_comment(actor, comment.author_user_id)?;
        let me = self.store.user(actor.account_id, actor.user_id).await?;
        let written = self
            .store
            .delete_comment(CommentDeletion {
                conversation_id: id,
                comment_id,
                actor: actor.user_id,
                event_text: format!("{} deleted a comment", me.name),
                now: self.now(),
            })
            .await?;
        self.publish(&[Event::EntryDeleted {
            conversation_id: id,
            inbox_id: written.inbox_id,
            entry_id: comment_id,
        }]);
        self.publish_entry(written.inbox_id, &written.entry, false, &[]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keeps_the_first_of_each_in_order() {
        let ids = [UserId(3), UserId(1), UserId(3), UserId(2), UserId(1)];
        assert_eq!(distinct(&ids), vec![UserId(3), UserId(1), UserId(2)]);
    }
}
