//! `/api/v1/users`, `/teams`, `/inboxes`, `/contacts`: the account's directory.

use super::dto::*;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::app::{NewInboxInput, NewTeamInput, NewUserInput};
use crate::auth::Auth;
use crate::error::ApiResult;
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
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_me, update_me))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(list_inboxes, create_inbox))
        .routes(routes!(get_inbox))
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact))
}

/// The account's users.
#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = List<UserDto>)))]
async fn list_users(
    State(state): State<AppState>,
    Auth(me): Auth,
) -> ApiResult<Json<List<UserDto>>> {
    let users = state.app.users(&me.actor).await?;
    Ok(Json(List::all(users.iter().map(Into::into).collect())))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", request_body = UserBody,
    responses((status = 201, body = UserDto), (status = 403), (status = 409), (status = 422)))]
async fn create_user(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    let input = NewUserInput {
        name: body.name,
        email: body.email,
        password: body.password,
        role: body.role,
        seat: body.seat,
    };
    let user = state.app.create_user(&me.actor, input).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

/// The caller's profile and own settings.
#[utoipa::path(get, path = "/api/v1/users/me", responses((status = 200, body = ProfileDto)))]
async fn get_me(Auth(me): Auth) -> Json<ProfileDto> {
    Json((&me.user).into())
}

/// Change the caller's own settings: `availability` (available|away) and `notify_email`.
#[utoipa::path(patch, path = "/api/v1/users/me", request_body = ProfileBody,
    responses((status = 200, body = ProfileDto), (status = 422)))]
async fn update_me(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<ProfileDto>> {
    let update = switchboard_store::UserUpdate {
        availability: body.availability,
        notify_email: body.notify_email,
    };
    let user = state.app.update_me(&me.actor, update).await?;
    Ok(Json((&user).into()))
}

/// The account's teams.
#[utoipa::path(get, path = "/api/v1/teams", responses((status = 200, body = List<TeamDto>)))]
async fn list_teams(
    State(state): State<AppState>,
    Auth(me): Auth,
) -> ApiResult<Json<List<TeamDto>>> {
    let teams = state.app.teams(&me.actor).await?;
    Ok(Json(List::all(teams.iter().map(Into::into).collect())))
}

/// Create a team (admin).
#[utoipa::path(post, path = "/api/v1/teams", request_body = TeamBody,
    responses((status = 201, body = TeamDto), (status = 403), (status = 422)))]
async fn create_team(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<TeamBody>,
) -> ApiResult<(StatusCode, Json<TeamDto>)> {
    let input = NewTeamInput {
        name: body.name,
        member_ids: body.member_ids.into_iter().map(UserId).collect(),
        round_robin: body.round_robin,
    };
    let team = state.app.create_team(&me.actor, input).await?;
    Ok((StatusCode::CREATED, Json((&team).into())))
}

/// The inboxes the caller may see.
#[utoipa::path(get, path = "/api/v1/inboxes", responses((status = 200, body = List<InboxDto>)))]
async fn list_inboxes(
    State(state): State<AppState>,
    Auth(me): Auth,
) -> ApiResult<Json<List<InboxDto>>> {
    let inboxes = state.app.visible_inboxes(&me.actor).await?;
    Ok(Json(List::all(inboxes.iter().map(Into::into).collect())))
}

/// One inbox the caller may see.
#[utoipa::path(get, path = "/api/v1/inboxes/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = InboxDto), (status = 404)))]
async fn get_inbox(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<InboxDto>> {
    let inbox = state.app.visible_inbox(&me.actor, InboxId(id)).await?;
    Ok(Json((&inbox).into()))
}

/// Create an inbox with its members (admin).
#[utoipa::path(post, path = "/api/v1/inboxes", request_body = InboxBody,
    responses((status = 201, body = InboxDto), (status = 403), (status = 409), (status = 422)))]
async fn create_inbox(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<InboxBody>,
) -> ApiResult<(StatusCode, Json<InboxDto>)> {
    let input = NewInboxInput {
        name: body.name,
        member_user_ids: body.member_user_ids.into_iter().map(UserId).collect(),
        member_team_ids: body.member_team_ids.into_iter().map(TeamId).collect(),
        email_address: body.email_address,
    };
    let inbox = state.app.create_inbox(&me.actor, input).await?;
    Ok((StatusCode::CREATED, Json((&inbox).into())))
}

#[derive(Deserialize, IntoParams)]
struct ContactPage {
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The account's contacts, by id, keyset-paginated.
#[utoipa::path(get, path = "/api/v1/contacts", params(ContactPage),
    responses((status = 200, body = List<ContactDto>)))]
async fn list_contacts(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiQuery(page): ApiQuery<ContactPage>,
) -> ApiResult<Json<List<ContactDto>>> {
    let limit = page.limit.unwrap_or(50).clamp(1, 200);
    let after = match page.cursor.as_deref() {
        Some(c) => Some(ContactId(c.parse().map_err(|_| {
            crate::error::ApiError::invalid("cursor", "is not a cursor of this list")
        })?)),
        None => None,
    };
    let contacts = state.app.contacts(&me.actor, limit, after).await?;
    let next_cursor = (contacts.len() == limit as usize)
        .then(|| contacts.last().map(|c| c.id.to_string()))
        .flatten();
    Ok(Json(List {
        items: contacts.iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ContactDto), (status = 404)))]
async fn get_contact(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ContactDto>> {
    let contact = state.app.contact(&me.actor, ContactId(id)).await?;
    Ok(Json((&contact).into()))
}

/// Create a contact.
#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactBody,
    responses((status = 201, body = ContactDto), (status = 409), (status = 422)))]
async fn create_contact(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiJson(body): ApiJson<ContactBody>,
) -> ApiResult<(StatusCode, Json<ContactDto>)> {
    let contact = state
        .app
        .create_contact(&me.actor, body.into_input())
        .await?;
    Ok((StatusCode::CREATED, Json((&contact).into())))
}
