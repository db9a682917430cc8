//! Attachments: uploads streamed into the content-addressed file store with their row
//! recorded, and reads allowed by the attachment policy (uploader, a library document,
//! or whoever sees a conversation whose comment references the file).

use super::App;
use crate::error::ApiResult;
use axum::body::Bytes;
use futures::Stream;
use switchboard_domain::attachment::{display_filename, safe_content_type, MAX_ATTACHMENT_BYTES};
use switchboard_domain::policy::{self, Actor, AttachmentAccess};
use switchboard_domain::*;
use switchboard_store::NewAttachment;

impl App {
    /// Stores an uploaded file (at most [`MAX_ATTACHMENT_BYTES`]) and records it as the
    /// actor's. The client's filename is kept for display only, cleaned of any path;
    /// its content type is kept only when it is one that never runs in a browser.
    #[tracing::instrument(skip_all, fields(user_id = %actor.user_id))]
    pub async fn upload_attachment<S>(
        &self,
        actor: &Actor,
        filename: Option<&str>,
        content_type: Option<&str>,
        chunks: S,
    ) -> ApiResult<Attachment>
    where
        S: Stream<Item = ApiResult<Bytes>> + Unpin,
    {
        let stored = self.files().save(chunks, MAX_ATTACHMENT_BYTES).await?;
        if stored.size == 0 {
            return Err(crate::error::ApiError::invalid("file", "is empty"));
        }
        Ok(self
            .store
            .create_attachment(NewAttachment {
                account_id: actor.account_id,
                uploaded_by: actor.user_id,
                filename: display_filename(filename.unwrap_or_default()),
                content_type: safe_content_type(content_type).to_owned(),
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256,
                now: self.now(),
            })
            .await?)
    }

    /// A file the actor may read, and its bytes opened for streaming; 404 otherwise.
    pub async fn open_attachment(
        &self,
        actor: &Actor,
        id: AttachmentId,
    ) -> ApiResult<(Attachment, tokio::fs::File)> {
        let file = self.readable_attachment(actor, id).await?;
        let bytes = self.files().open(&file.sha256).await?;
        Ok((file, bytes))
    }

    /// A file's row, if the actor may read it (else 404).
    pub async fn readable_attachment(
        &self,
        actor: &Actor,
        id: AttachmentId,
    ) -> ApiResult<Attachment> {
        let file = self.store.attachment(actor.account_id, id).await?;
        if file.uploaded_by == actor.user_id {
            return Ok(file);
        }
        let uses = self.store.attachment_uses(actor.account_id, id).await?;
        let mut inboxes = Vec::with_capacity(uses.inbox_ids.len());
        for inbox in uses.inbox_ids {
            inboxes.push(
                self.store
                    .inbox_access(actor.account_id, inbox, actor.user_id)
                    .await?,
            );
        }
        let access = AttachmentAccess {
            account_id: file.account_id,
            uploaded_by: file.uploaded_by,
            in_library: uses.in_library,
            inboxes,
        };
        policy::read_attachment(actor, &access)?;
        Ok(file)
    }
}
