//! `/api/v1/library`: the Insert menu's reusable items (snippets, documents, meeting
//! links, knowledge-base articles, quotes, videos).

use super::{ApiJson, ApiPath, ApiQuery};
use crate::app::{LibraryItemView, NewLibraryItemInput};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_domain::*;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::List;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_library, create_library_item))
        .routes(routes!(get_library_item))
}

#[derive(Serialize, ToSchema)]
pub struct LibraryItemDto {
    pub id: i64,
    #[schema(example = "snippet")]
    pub kind: String,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub attachment_id: Option<i64>,
    /// For documents: where the shared file is downloaded.
    pub attachment_url: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    /// The body with `{{variables}}` filled (single-item reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
}

impl From<&LibraryItem> for LibraryItemDto {
    fn from(i: &LibraryItem) -> Self {
        LibraryItemDto {
            id: i.id.0,
            kind: i.kind.to_string(),
            title: i.title.clone(),
            body: i.body.clone(),
            url: i.url.clone(),
            attachment_id: i.attachment_id.map(|a| a.0),
            attachment_url: i.attachment_id.map(|a| format!("/api/v1/attachments/{a}")),
            created_by: i.created_by.0,
            created_at: i.created_at,
            rendered: None,
        }
    }
}

impl From<&LibraryItemView> for LibraryItemDto {
    fn from(v: &LibraryItemView) -> Self {
        LibraryItemDto {
            rendered: v.rendered.clone(),
            ..(&v.item).into()
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LibraryParams {
    /// snippet, document, meeting_link, kb_article, quote or video; all when absent.
    #[param(value_type = Option<String>)]
    kind: Option<LibraryKind>,
    /// Case-insensitive text in the title or body.
    q: Option<String>,
}

/// A library item to create; which fields a kind needs: snippet `body`, document
/// `attachment_id`, meeting_link `url`, kb_article `url` and `body`, quote `body`,
/// video `url`. URLs must be http or https.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LibraryBody {
    #[schema(value_type = String, example = "snippet")]
    pub kind: LibraryKind,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub attachment_id: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RenderParams {
    /// Fill the contact and conversation variables from this conversation.
    conversation_id: Option<i64>,
}

/// The account's library by title, optionally of one kind and matching `q`.
#[utoipa::path(get, path = "/api/v1/library", params(LibraryParams),
    responses((status = 200, body = List<LibraryItemDto>), (status = 422)))]
async fn list_library(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiQuery(params): ApiQuery<LibraryParams>,
) -> ApiResult<Json<List<LibraryItemDto>>> {
    let items = state
        .app
        .library(&me.actor, params.kind, params.q.as_deref())
        .await?;
    Ok(Json(List::all(items.iter().map(Into::into).collect())))
}

/// Create a library item (admins and agents).
#[utoipa::path(post, path = "/api/v1/library", request_body = LibraryBody,
    responses((status = 201, body = LibraryItemDto), (status = 422)))]
async fn create_library_item(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<LibraryBody>,
) -> ApiResult<(StatusCode, Json<LibraryItemDto>)> {
    let input = NewLibraryItemInput {
        kind: body.kind,
        title: body.title,
        body: body.body,
        url: body.url,
        attachment_id: body.attachment_id.map(AttachmentId),
    };
    let item = state.app.create_library_item(&me.actor, input).await?;
    Ok((StatusCode::CREATED, Json((&item).into())))
}

/// One item, with `rendered`: its body with `{{contact.name}}`, `{{contact.first_name}}`,
/// `{{contact.email}}`, `{{agent.name}}`, `{{agent.first_name}}`, `{{conversation.id}}`
/// and `{{conversation.subject}}` filled (contact and conversation ones only with
/// `conversation_id`); unknown variables are left as written.
#[utoipa::path(get, path = "/api/v1/library/{id}", params(("id" = i64, Path), RenderParams),
    responses((status = 200, body = LibraryItemDto), (status = 404)))]
async fn get_library_item(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<RenderParams>,
) -> ApiResult<Json<LibraryItemDto>> {
    let view = state
        .app
        .library_item(
            &me.actor,
            LibraryItemId(id),
            params.conversation_id.map(ConversationId),
        )
        .await?;
    Ok(Json((&view).into()))
}
