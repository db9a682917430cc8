//! `/api/v1/tickets` and `/api/v1/notifications`.

use super::dto::*;
use super::{ApiJson, ApiPath};
use crate::app::NewTicketInput;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use switchboard_domain::*;
use switchboard_store::TicketUpdate;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets, create_ticket))
        .routes(routes!(get_ticket, patch_ticket))
        .routes(routes!(list_notifications))
        .routes(routes!(read_notification))
}

/// Tickets of the inboxes the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/tickets", responses((status = 200, body = List<TicketDto>)))]
async fn list_tickets(
    State(state): State<AppState>,
    Auth(me): Auth,
) -> ApiResult<Json<List<TicketDto>>> {
    let tickets = state.app.tickets(&me.actor).await?;
    Ok(Json(List::all(tickets.iter().map(Into::into).collect())))
}

/// Create a ticket associated with conversations of one inbox.
#[utoipa::path(post, path = "/api/v1/tickets", request_body = TicketBody,
    responses((status = 201, body = TicketDto), (status = 422)))]
async fn create_ticket(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<TicketBody>,
) -> ApiResult<(StatusCode, Json<TicketDto>)> {
    let input = NewTicketInput {
        subject: body.subject,
        conversation_ids: body
            .conversation_ids
            .into_iter()
            .map(ConversationId)
            .collect(),
        stage: body.stage,
        priority: body.priority,
        owner_id: body.owner_id.map(UserId),
    };
    let ticket = state.app.create_ticket(&me.actor, input).await?;
    Ok((StatusCode::CREATED, Json((&ticket).into())))
}

/// Change a ticket's subject, stage, priority or owner.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", params(("id" = i64, Path)), request_body = TicketPatchBody,
    responses((status = 200, body = TicketDto), (status = 404), (status = 422)))]
async fn patch_ticket(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TicketPatchBody>,
) -> ApiResult<Json<TicketDto>> {
    let update = TicketUpdate {
        subject: body.subject,
        stage: body.stage,
        priority: body.priority,
        owner_id: body.owner_id.map(|o| o.map(UserId)),
    };
    let ticket = state
        .app
        .update_ticket(&me.actor, TicketId(id), update)
        .await?;
    Ok(Json((&ticket).into()))
}

/// One ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = TicketDto), (status = 404)))]
async fn get_ticket(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TicketDto>> {
    let ticket = state.app.ticket(&me.actor, TicketId(id)).await?;
    Ok(Json((&ticket).into()))
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", responses((status = 200, body = List<NotificationDto>)))]
async fn list_notifications(
    State(state): State<AppState>,
    Auth(me): Auth,
) -> ApiResult<Json<List<NotificationDto>>> {
    let notifications = state.app.notifications(&me.actor, 50).await?;
    Ok(Json(List::all(
        notifications
            .iter()
            .map(|n| NotificationDto::new(n, n.inbox_id))
            .collect(),
    )))
}

/// Mark a notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)))]
async fn read_notification(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state
        .app
        .mark_notification_read(&me.actor, NotificationId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
