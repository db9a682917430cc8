//! The HTTP surface: the JSON API under `/api/v1` (one file per resource), the
//! WebSocket hub, the OpenAPI document, and the web UI pages and assets.

mod attachments;
mod auth;
mod comments;
mod conversations;
mod directory;
pub mod dto;
mod email_attachments;
mod extract;
mod library;
mod presence;
mod realtime;
mod tickets;

pub use extract::{ApiJson, ApiPath, ApiQuery};

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::routing::get;
use axum::{Json, Router};
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The largest request body accepted (JSON and forms); larger answers 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(info(
    title = "Switchboard API",
    description = "The JSON API of Switchboard, a self-hosted shared team inbox. Authenticate with the session cookie from /api/v1/auth/login (and send X-CSRF-Token on writes) or with `Authorization: Bearer <token>`."
))]
struct ApiDoc;

/// The API routes with their OpenAPI description, collected from the handlers.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(directory::routes())
        .merge(conversations::routes())
        .merge(tickets::routes())
        .merge(presence::routes())
        .merge(comments::routes())
        .merge(attachments::routes())
        .merge(email_attachments::routes())
        .merge(library::routes())
}

/// The OpenAPI document, generated from the route annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// The whole application: API, realtime, UI, with request ids, tracing, limits.
pub fn router(state: AppState) -> Router {
    let (api_router, doc) = api().split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(api_router)
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(doc) }),
        )
        .route("/api/v1/realtime", get(realtime::connect))
        .merge(crate::ui::routes())
        .fallback(|| async { crate::error::ApiError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let path = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or(req.uri().path(), |p| p.as_str());
                tracing::info_span!("request", method = %req.method(), path, request_id = id)
            }),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
