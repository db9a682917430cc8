//! `Auth` (API: 401 when absent) and `PageAuth` (UI: redirect to the login page).

use crate::app::same_secret;
use crate::app::{App, AuthenticatedUser};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "sb_session";

/// The header a cookie-authenticated write must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated caller of an API route. Cookie sessions must send the CSRF token
/// on every method that changes state; bearer tokens need none (browsers never attach
/// them on their own).
pub struct Auth(pub AuthenticatedUser);

/// The authenticated user of a UI page; without a session, the page redirects to login.
pub struct PageAuth(pub AuthenticatedUser);

async fn authenticate(parts: &Parts, app: &App) -> Result<Option<AuthenticatedUser>, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        return app.authenticate_token(token.trim()).await;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    match jar.get(SESSION_COOKIE) {
        Some(cookie) if !cookie.value().is_empty() => {
            app.authenticate_session(cookie.value()).await
        }
        _ => Ok(None),
    }
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(parts, &state.app)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if let Some(expected) = &user.csrf_token {
            if changes_state(&parts.method) {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !same_secret(sent, expected) {
                    return Err(ApiError::Csrf);
                }
            }
        }
        Ok(Auth(user))
    }
}

impl FromRequestParts<AppState> for PageAuth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match authenticate(parts, &state.app).await {
            Ok(Some(user)) => Ok(PageAuth(user)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}
