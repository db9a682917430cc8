//! `/api/v1/conversations/{id}/comments`: internal comments (Markdown, @mentions,
//! attachments) and their deletion.

use super::dto::EntryDto;
use super::{ApiJson, ApiPath};
use crate::app::CommentInput;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use switchboard_domain::*;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_comment))
        .routes(routes!(delete_comment))
}

/// An internal comment: never shown to the contact.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// Markdown, at most 100 KB; rendered once to sanitized HTML in `meta.html`.
    pub body: String,
    /// Users to notify; each must be able to see the conversation's inbox.
    #[serde(default)]
    pub mention_user_ids: Vec<i64>,
    /// Files from `POST /api/v1/attachments`, uploaded by the author.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

/// Add an internal comment; mentioned users are notified (and emailed, if they want).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/comments", params(("id" = i64, Path)),
    request_body = CommentBody,
    responses((status = 201, body = EntryDto), (status = 404), (status = 413), (status = 422)))]
async fn add_comment(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let input = CommentInput {
        body: body.body,
        mention_user_ids: body.mention_user_ids.into_iter().map(UserId).collect(),
        attachment_ids: body.attachment_ids.into_iter().map(AttachmentId).collect(),
    };
    let entry = state
        .app
        .add_comment(&me.actor, ConversationId(id), input)
        .await?;
    Ok((StatusCode::CREATED, Json((&entry).into())))
}

/// Delete a comment (its author or an admin); an event records who did.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/comments/{comment_id}",
    params(("id" = i64, Path), ("comment_id" = i64, Path)),
    responses((status = 204), (status = 403, description = "`not_author`: another agent's comment"), (status = 404)))]
async fn delete_comment(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath((id, comment_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_comment(&me.actor, ConversationId(id), EntryId(comment_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
