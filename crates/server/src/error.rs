//! `ApiError`: the one error type of the server. Every variant maps to a status and the
//! contract's body `{"error": {"code", "message"}}`; internal causes are logged once
//! here and answered with a generic 500.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use switchboard_domain::input::InvalidInput;
use switchboard_domain::policy::Denied;
use switchboard_store::StoreError;

/// A request's failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON of the expected shape.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid session or token.
    #[error("authentication required")]
    Unauthorized,
    /// 401: wrong email or password.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// 403: a cookie-authenticated write without the session's CSRF token.
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// 403/404 from the policy.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// 404: nothing visible at that id.
    #[error("not found")]
    NotFound,
    /// 409: a unique value is taken or the state forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is too large.
    #[error("request body is too large")]
    TooLarge,
    /// 422: a field is invalid.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// 429: too many attempts.
    #[error("too many attempts; try again in a minute")]
    RateLimited,
    /// 500: anything else; the cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ApiError::Invalid(InvalidInput::new(field, reason))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::Denied(Denied::NotFound) | ApiError::NotFound => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            ApiError::Denied(Denied::AdminRequired) => (StatusCode::FORBIDDEN, "admin_required"),
            ApiError::Denied(Denied::PlanRequired) => (StatusCode::FORBIDDEN, "plan_required"),
            ApiError::Denied(Denied::ServiceSeatRequired) => {
                (StatusCode::FORBIDDEN, "service_seat_required")
            }
            ApiError::Denied(Denied::NotAuthor) => (StatusCode::FORBIDDEN, "not_author"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(what) => ApiError::Conflict(format!("{what} is already taken")),
            StoreError::InvalidReference(field) => {
                ApiError::invalid(field, "does not name anything of this account")
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = ?cause, "request failed");
        }
        let body = json!({"error": {"code": code, "message": self.to_string()}});
        (status, Json(body)).into_response()
    }
}

/// Result of a handler or service call.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refusals_map_to_the_contract_codes() {
        assert_eq!(
            ApiError::from(Denied::NotFound).status_and_code(),
            (StatusCode::NOT_FOUND, "not_found")
        );
        assert_eq!(
            ApiError::from(Denied::PlanRequired).status_and_code(),
            (StatusCode::FORBIDDEN, "plan_required")
        );
    }

    #[test]
    fn store_errors_never_leak_database_details() {
        let err = ApiError::from(StoreError::Corrupt("secret detail".into()));
        assert_eq!(err.status_and_code().0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.to_string(), "internal error");
    }
}
