//! `GET /api/v1/conversations/{id}/presence`: who views, composes or types on a
//! conversation now, for clients without a socket. Like the socket's presence frames,
//! it is for service seats only, and lists everyone but the caller.

use super::ApiPath;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use switchboard_domain::policy;
use switchboard_domain::ConversationId;
use switchboard_realtime::PresenceUser;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_presence))
}

/// The users on a conversation now.
#[derive(Serialize, ToSchema)]
pub struct PresenceDto {
    pub users: Vec<PresenceUserDto>,
}

/// One user on a conversation (all their tabs and nodes merged).
#[derive(Serialize, ToSchema)]
pub struct PresenceUserDto {
    pub id: i64,
    pub name: String,
    /// `viewing`, `composing_reply` or `composing_comment`.
    #[schema(example = "composing_reply")]
    pub state: String,
    pub typing: bool,
}

impl From<&PresenceUser> for PresenceUserDto {
    fn from(u: &PresenceUser) -> Self {
        PresenceUserDto {
            id: u.id.0,
            name: u.name.to_string(),
            state: u.state.as_str().to_owned(),
            typing: u.typing,
        }
    }
}

/// Who else views, composes or types on the conversation now (service seats only;
/// a core seat is answered 403 `service_seat_required`).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/presence", params(("id" = i64, Path)),
    responses((status = 200, body = PresenceDto),
        (status = 403, description = "`service_seat_required`: live presence is for service seats"),
        (status = 404)))]
async fn get_presence(
    State(state): State<AppState>,
    Auth(me): Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PresenceDto>> {
    let id = ConversationId(id);
    state.app.conversation(&me.actor, id).await?;
    policy::see_presence(&me.actor)?;
    let users = state
        .app
        .hub
        .presence(id)
        .iter()
        .filter(|u| u.id != me.user.id)
        .map(Into::into)
        .collect();
    Ok(Json(PresenceDto { users }))
}
