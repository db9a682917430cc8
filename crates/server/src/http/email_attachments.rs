//! Files that arrived with inbound mail: downloads by id within their conversation,
//! and the `cid:` images of an email's HTML body (see [`crate::app::cid_url`]). Read
//! access follows the conversation. Like uploads, they never render as a page:
//! `Content-Disposition: attachment`, `nosniff`, a sandboxing CSP, and a content type
//! from a short list of inert ones, whatever the sender declared.

use super::attachments::file_response;
use super::ApiPath;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::*;
use switchboard_store::EmailAttachmentId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(download_email_attachment))
        .routes(routes!(email_inline_image))
}

/// Download a file of an inbound email of the conversation.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/email-attachments/{attachment_id}",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream"),
        (status = 404)))]
async fn download_email_attachment(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath((id, attachment_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let (file, bytes) = state
        .app
        .open_email_attachment(
            &me.actor,
            ConversationId(id),
            EmailAttachmentId(attachment_id),
        )
        .await?;
    file_response(&file.content_type, &file.filename, bytes)
}

/// An inline (`cid:`) image of an inbound email's HTML body: the mail's Message-ID and
/// the image's Content-ID, each as hex of its UTF-8 bytes.
#[utoipa::path(get, path = "/api/v1/email-attachments/cid/{message_id}/{content_id}",
    params(("message_id" = String, Path), ("content_id" = String, Path)),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 404)))]
async fn email_inline_image(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath((message_id, content_id)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let (file, bytes) = state
        .app
        .open_email_attachment_by_cid(&me.actor, &message_id, &content_id)
        .await?;
    file_response(&file.content_type, &file.filename, bytes)
}
