//! `PageError`: how a full page fails. Where the API answers JSON, a page answers HTML
//! a person can read: 404 for anything not visible, the login page for a lost session,
//! and a generic 500 whose cause is logged once here.

use super::{render, Shell};
use crate::error::ApiError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_domain::policy::Denied;

/// A page handler's failure.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl PageError {
    /// Nothing visible at that address.
    pub fn not_found() -> Self {
        PageError(ApiError::NotFound)
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> Self {
        PageError(err)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    status: u16,
    heading: &'static str,
    message: &'static str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match &self.0 {
            ApiError::Unauthorized => return Redirect::to("/login").into_response(),
            ApiError::NotFound | ApiError::Denied(Denied::NotFound) => (
                StatusCode::NOT_FOUND,
                "Nothing here",
                "This page does not exist, or it belongs to an inbox you are not a member of.",
            ),
            ApiError::Denied(_) => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your role or plan does not allow this page.",
            ),
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not show this page. Please try again in a moment.",
                )
            }
            other => {
                tracing::warn!(error = %other, "page refused");
                (
                    StatusCode::BAD_REQUEST,
                    "That did not work",
                    "The address of this page is not valid.",
                )
            }
        };
        let page = ErrorPage {
            shell: Shell::new(heading, ""),
            status: status.as_u16(),
            heading,
            message,
        };
        match render(&page) {
            Ok(html) => (status, html).into_response(),
            Err(_) => (status, heading).into_response(),
        }
    }
}
