//! `/api/v1/conversations/*` and the inbox conversation list.

use super::dto::*;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::app::{ForwardInput, ListParams, MoveInput, ReplyInput};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use switchboard_domain::*;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(create_conversation))
        .routes(routes!(get_conversation, update_conversation))
        .routes(routes!(get_timeline))
        .routes(routes!(assign_conversation))
        .routes(routes!(reply_to_conversation))
        .routes(routes!(forward_message))
        .routes(routes!(retry_delivery))
        .routes(routes!(move_conversation))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQueryParams {
    /// `open` or `closed`; both when absent.
    #[param(value_type = Option<String>)]
    status: Option<Status>,
    /// `me`, `unassigned`, `any`, `user:{id}` or `team:{id}`.
    assignee: Option<String>,
    #[param(value_type = Option<String>)]
    channel: Option<Channel>,
    /// Full-text search over subject, messages and contact.
    q: Option<String>,
    /// 1 to 200, default 50.
    limit: Option<u32>,
    cursor: Option<String>,
}

/// An inbox's conversations, newest activity first, keyset-paginated.
#[utoipa::path(get, path = "/api/v1/inboxes/{id}/conversations",
    params(("id" = i64, Path), ListQueryParams),
    responses((status = 200, body = List<ListItemDto>), (status = 404)))]
async fn list_conversations(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQueryParams>,
) -> ApiResult<Json<List<ListItemDto>>> {
    let params = ListParams {
        status: q.status,
        assignee: q.assignee,
        channel: q.channel,
        q: q.q,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = state
        .app
        .list_conversations(&me.actor, InboxId(id), &params)
        .await?;
    Ok(Json(List {
        items: page.items.iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Open a new inbound conversation (API channel by default; any channel may be named).
#[utoipa::path(post, path = "/api/v1/conversations", request_body = ConversationBody,
    responses((status = 201, body = ConversationDto), (status = 404), (status = 422)))]
async fn create_conversation(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<ConversationBody>,
) -> ApiResult<(StatusCode, Json<ConversationDto>)> {
    let (conversation, _) = state
        .app
        .create_conversation(
            &me.actor,
            InboxId(body.inbox_id),
            body.channel,
            body.contact.into_input(),
            body.subject.as_deref(),
            &body.body,
        )
        .await?;
    Ok((StatusCode::CREATED, Json((&conversation).into())))
}

/// A conversation's state.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ConversationDto), (status = 404)))]
async fn get_conversation(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ConversationDto>> {
    let conversation = state
        .app
        .conversation(&me.actor, ConversationId(id))
        .await?;
    Ok(Json((&conversation).into()))
}

/// Close or reopen.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}", params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = ConversationDto), (status = 404), (status = 422)))]
async fn update_conversation(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<ConversationDto>> {
    let conversation = state
        .app
        .set_status(&me.actor, ConversationId(id), body.status)
        .await?;
    Ok(Json((&conversation).into()))
}

/// The timeline, oldest entry first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/timeline", params(("id" = i64, Path)),
    responses((status = 200, body = List<EntryDto>), (status = 404)))]
async fn get_timeline(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<List<EntryDto>>> {
    let view = state
        .app
        .conversation_view(&me.actor, ConversationId(id))
        .await?;
    Ok(Json(List::all(
        view.timeline.iter().map(Into::into).collect(),
    )))
}

/// Assign to a user (`{user_id}`) or a team (`{team_id}`), or unassign (`{}`).
#[utoipa::path(put, path = "/api/v1/conversations/{id}/assignee", params(("id" = i64, Path)), request_body = AssigneeBody,
    responses((status = 200, body = ConversationDto), (status = 404), (status = 422)))]
async fn assign_conversation(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssigneeBody>,
) -> ApiResult<Json<ConversationDto>> {
    let assignee = match (body.user_id, body.team_id) {
        (Some(u), None) => Some(Assignee::User(UserId(u))),
        (None, Some(t)) => Some(Assignee::Team(TeamId(t))),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "assignee",
                "name a user_id or a team_id, not both",
            ))
        }
    };
    let conversation = state
        .app
        .assign(&me.actor, ConversationId(id), assignee)
        .await?;
    Ok(Json((&conversation).into()))
}

/// Reply to the contact on the conversation's channel.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/replies", params(("id" = i64, Path)), request_body = ReplyBody,
    responses((status = 201, body = EntryDto), (status = 404), (status = 422)))]
async fn reply_to_conversation(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let entry = state
        .app
        .reply(
            &me.actor,
            ConversationId(id),
            ReplyInput { body: body.body },
        )
        .await?;
    Ok((StatusCode::CREATED, Json((&entry).into())))
}

/// Forward an email message of the conversation to outside recipients; the contact
/// does not receive it. Answers the `forward` entry, its mail queued.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/forward", params(("id" = i64, Path)), request_body = ForwardBody,
    responses((status = 201, body = EntryDto), (status = 404), (status = 422)))]
async fn forward_message(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ForwardBody>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let input = ForwardInput {
        message_id: body.message_id,
        to: body.to,
        cc: body.cc,
        body: body.body,
    };
    let entry = state
        .app
        .forward(&me.actor, ConversationId(id), input)
        .await?;
    Ok((StatusCode::CREATED, Json((&entry).into())))
}

/// Queue a failed reply or forward again.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/entries/{entry_id}/retry",
    params(("id" = i64, Path), ("entry_id" = i64, Path)),
    responses((status = 200, body = EntryDto), (status = 404), (status = 409)))]
async fn retry_delivery(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath((id, entry_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<EntryDto>> {
    let entry = state
        .app
        .retry_delivery(&me.actor, ConversationId(id), EntryId(entry_id))
        .await?;
    Ok(Json((&entry).into()))
}

/// Move to another inbox of the account, with the conversation's tickets; professional
/// and enterprise plans only.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/move", params(("id" = i64, Path)), request_body = MoveBody,
    responses((status = 200, body = ConversationDto), (status = 403, description = "plan_required"),
        (status = 404), (status = 409), (status = 422)))]
async fn move_conversation(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MoveBody>,
) -> ApiResult<Json<ConversationDto>> {
    let input = MoveInput {
        inbox_id: InboxId(body.inbox_id),
        from_inbox_id: body.from_inbox_id.map(InboxId),
        assign: body.assign,
        comment: body.comment,
    };
    let conversation = state
        .app
        .move_conversation(&me.actor, ConversationId(id), input)
        .await?;
    Ok(Json((&conversation).into()))
}
