//! `/api/v1/auth/*` and `/api/v1/tokens`: log in (rate-limited), log out, who am I,
//! personal access tokens.

use super::dto::*;
use super::ApiJson;
use crate::auth::{expired_session_cookie, session_cookie, Auth, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use axum_extra::extract::CookieJar;
use std::net::SocketAddr;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(create_token))
}

/// Log in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginBody,
    responses((status = 200, body = LoginAnswer), (status = 401), (status = 429)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<(CookieJar, Json<LoginAnswer>)> {
    if !state.login_limiter.check(&body.email, peer.ip()) {
        return Err(ApiError::RateLimited);
    }
    let outcome = state.app.login(&body.email, &body.password).await?;
    let jar = jar.add(session_cookie(outcome.session_token, state.secure_cookies));
    Ok((
        jar,
        Json(LoginAnswer {
            user: (&outcome.user).into(),
            csrf_token: outcome.csrf_token,
        }),
    ))
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    Auth(_user): Auth,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state.app.logout(cookie.value()).await?;
    }
    Ok((jar.add(expired_session_cookie()), StatusCode::NO_CONTENT))
}

/// The authenticated user.
#[utoipa::path(get, path = "/api/v1/auth/me", responses((status = 200, body = UserDto), (status = 401)))]
async fn me(Auth(user): Auth) -> Json<UserDto> {
    Json((&user.user).into())
}

/// Create a personal access token for `Authorization: Bearer`; the token is shown once.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenBody,
    responses((status = 201, body = TokenAnswer)))]
async fn create_token(
    State(state): State<AppState>,
    Auth(user): Auth,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<(StatusCode, Json<TokenAnswer>)> {
    let (id, token) = state.app.create_api_token(&user.actor, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenAnswer {
            id: id.0,
            name: body.name.trim().to_owned(),
            token,
        }),
    ))
}
