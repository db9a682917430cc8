//! The Insert menu's library: every user of the account (admin or agent) creates and
//! reads items; a snippet read for a conversation comes with its variables filled.

use super::App;
use crate::error::{ApiError, ApiResult};
use switchboard_domain::library::{LibraryInput, ValidLibraryItem};
use switchboard_domain::policy::{self, Actor};
use switchboard_domain::template::{fill, TemplateValues};
use switchboard_domain::*;
use switchboard_store::{LibraryQuery, NewLibraryItem, StoreError};

/// The longest library search, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// A library item to create, as the API receives it.
#[derive(Debug, Clone)]
pub struct NewLibraryItemInput {
    pub kind: LibraryKind,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub attachment_id: Option<AttachmentId>,
}

/// A library item as inserted: its body with the variables filled, when it has one.
#[derive(Debug, Clone)]
pub struct LibraryItemView {
    pub item: LibraryItem,
    pub rendered: Option<String>,
}

impl App {
    pub async fn create_library_item(
        &self,
        actor: &Actor,
        input: NewLibraryItemInput,
    ) -> ApiResult<LibraryItem> {
        let valid = ValidLibraryItem::parse(
            input.kind,
            LibraryInput {
                title: input.title,
                body: input.body,
                url: input.url,
                attachment_id: input.attachment_id,
            },
        )?;
        let refused = || ApiError::invalid("attachment_id", "is not a file you uploaded");
        if let Some(id) = valid.attachment_id {
            let file = match self.store.attachment(actor.account_id, id).await {
                Ok(file) => file,
                Err(StoreError::NotFound) => return Err(refused()),
                Err(e) => return Err(e.into()),
            };
            policy::attach_file(actor, file.account_id, file.uploaded_by).map_err(|_| refused())?;
        }
        self.store
            .create_library_item(NewLibraryItem {
                account_id: actor.account_id,
                kind: valid.kind,
                title: valid.title.into_string(),
                body: valid.body.map(|b| b.into_string()),
                url: valid.url,
                attachment_id: valid.attachment_id,
                created_by: actor.user_id,
                now: self.now(),
            })
            .await
            .map_err(|e| match e {
                StoreError::InvalidReference(_) => refused(),
                other => other.into(),
            })
    }

    /// The account's library, by title, optionally of one kind and matching `q`.
    pub async fn library(
        &self,
        actor: &Actor,
        kind: Option<LibraryKind>,
        q: Option<&str>,
    ) -> ApiResult<Vec<LibraryItem>> {
        let text = q.map(str::trim).filter(|q| !q.is_empty());
        if text.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
            return Err(ApiError::invalid("q", "is longer than 200 characters"));
        }
        Ok(self
            .store
            .library_items(&LibraryQuery {
                account_id: actor.account_id,
                kind,
                text: text.map(str::to_owned),
                limit: 200,
            })
            .await?)
    }

    /// One item; with a conversation (which the actor must see), its body's contact
    /// and conversation variables are filled too. The agent is the actor.
    pub async fn library_item(
        &self,
        actor: &Actor,
        id: LibraryItemId,
        conversation: Option<ConversationId>,
    ) -> ApiResult<LibraryItemView> {
        let item = self.store.library_item(actor.account_id, id).await?;
        let me = self.store.user(actor.account_id, actor.user_id).await?;
        let mut values = TemplateValues {
            agent_name: Some(me.name),
            ..TemplateValues::default()
        };
        if let Some(c) = conversation {
            let conversation = self.conversation(actor, c).await?;
            values.contact_name = conversation.contact.name;
            values.contact_email = conversation.contact.email;
            values.conversation_id = Some(conversation.id.to_string());
            values.conversation_subject = conversation.subject;
        }
        let rendered = item.body.as_deref().map(|b| fill(b, &values));
        Ok(LibraryItemView { item, rendered })
    }
}
