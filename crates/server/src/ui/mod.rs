//! The server-rendered web UI: askama pages, the HTML partials `static/app.js` fetches
//! to update a page without reloading it, and the two static assets.
//!
//! - [`pages`]: `/login`, `/`, `/conversations/{id}`, `/inboxes/{id}` (full pages).
//! - [`partials`]: `/ui/…`, fragments of the same templates (list rows, thread pane)
//!   and the view counts as JSON.
//! - [`view`]: view models built from domain data; [`people`]: the reader and the
//!   people and teams of an inbox (Owner menu, mentions); [`comment`]: what an entry's
//!   `meta` adds (a comment's sanitized HTML, mentions, attachments); [`format`]: times,
//!   initials, colours, sizes and query strings; [`icons`]: channel icons;
//!   [`tickets`]: the Tickets section of the contact column; [`moving`]: the
//!   "Move to another inbox" dialog; [`email`]: a mail's HTML and files, forwards and
//!   delivery states.
//! - [`assets`]: `/static/app.js` and `/static/app.css`, compiled in.
//!
//! Handlers read only through `App`, like the JSON API, so the UI can never show what
//! the API would refuse. Writes (reply, comment, assign, close, attachments, tickets,
//! moves, notifications, log in and out) and the library and notification lists go from the
//! browser to the JSON API itself; presence travels over the realtime WebSocket. This
//! module has no write routes.

mod assets;
pub mod comment;
pub mod email;
mod error;
pub mod format;
pub mod icons;
pub mod moving;
mod pages;
mod partials;
pub mod people;
pub mod tickets;
pub mod view;

pub use error::PageError;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use askama::Template;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

/// The UI routes, merged into the application router beside the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login))
        .route("/conversations/{id}", get(pages::conversation))
        .route("/inboxes/{id}", get(pages::inbox))
        .route("/ui/inboxes/{id}/list", get(partials::list))
        .route("/ui/inboxes/{id}/counts", get(partials::counts))
        .route("/ui/conversations/{id}/thread", get(partials::thread))
        .route("/static/app.js", get(assets::app_js))
        .route("/static/app.css", get(assets::app_css))
}

/// What `base.html` needs from every page.
pub struct Shell {
    /// The `<title>`, before " · Switchboard".
    pub title: String,
    /// The session's CSRF token for `<meta name="csrf-token">`; empty when logged out.
    pub csrf_token: String,
    /// The `v=` of the asset URLs.
    pub asset_version: String,
}

impl Shell {
    pub fn new(title: &str, csrf_token: &str) -> Self {
        Shell {
            title: title.to_owned(),
            csrf_token: csrf_token.to_owned(),
            asset_version: assets::version(),
        }
    }
}

/// Renders a template to an HTML response; a template failure is a logged 500.
pub fn render(template: &impl Template) -> ApiResult<Html<String>> {
    template
        .render()
        .map(Html)
        .map_err(|e| ApiError::Internal(e.into()))
}

/// Reads an id from a path segment; anything else names nothing.
fn parse_id(raw: &str) -> Option<i64> {
    raw.trim().parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_are_positive_integers() {
        assert_eq!(parse_id("42"), Some(42));
        assert_eq!(parse_id("0"), None);
        assert_eq!(parse_id("-3"), None);
        assert_eq!(parse_id("4x"), None);
        assert_eq!(parse_id(""), None);
    }
}
