//! Files that arrived with inbound mail: downloads by id within their conversation,
//! and the `cid:` images of an email's HTML body (see [`crate::app::cid_url`]). Read
//! access follows the conversation. Like uploads, they never render as a page:
//! `Content-Disposition: attachment`, `nosniff`, a sandboxing CSP, and a content type
//! from a short list of inert ones, whatever the sender declared.

use super::attachments::{content_disposition, read_chunks};
use super::ApiPath;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use switchboard_domain::attachment::safe_content_type;
use switchboard_domain::*;
use switchboard_store::{EmailAttachment, EmailAttachmentId};
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
    file_response(&file, bytes)
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
    file_response(&file, bytes)
}

/// The file with headers that keep it from running in the browser.
fn file_response(file: &EmailAttachment, bytes: tokio::fs::File) -> ApiResult<Response> {
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(safe_content_type(Some(&file.content_type))),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&content_disposition(&file.filename))
                .map_err(|e| ApiError::Internal(e.into()))?,
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ),
    ];
    Ok((headers, Body::from_stream(read_chunks(bytes))).into_response())
}
