//! `/ui/…`: the fragments `static/app.js` fetches to update a page in place: list
//! rows (a first page after a live event, or the next page for "Load more"), the
//! thread pane, and the view counts. They render the same templates the inbox page
//! includes, so a fragment and a full page never disagree.
//!
//! They authenticate like the API (`401` without a session) so the script can tell a
//! lost session from a page to show.

use super::format::clamp_search;
use super::pages::{thread_extras, visible_thread};
use super::people::Viewer;
use super::view::{Directory, ListContext, ListView, ThreadContext, ThreadView, View};
use super::{parse_id, render};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::Json;
use serde::Deserialize;
use switchboard_domain::*;
use switchboard_store::ViewCounts;

#[derive(Template)]
#[template(path = "partials/list.html")]
struct ListPartial {
    list: ListView,
}

#[derive(Template)]
#[template(path = "partials/thread.html")]
struct ThreadPartial {
    thread: ThreadView,
}

/// The query of the list fragment.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListFragmentQuery {
    view: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    /// Rows to return (1–200); a refresh asks for as many as the page already shows.
    limit: Option<String>,
    /// The open conversation, to mark its row.
    c: Option<String>,
}

fn id_of(raw: &str) -> ApiResult<i64> {
    parse_id(raw).ok_or(ApiError::NotFound)
}

/// `GET /ui/inboxes/{id}/list?view=&q=&cursor=&limit=&c=`: list rows.
pub(super) async fn list(
    State(state): State<AppState>,
    Auth(me): Auth,
    Path(raw): Path<String>,
    query: Result<Query<ListFragmentQuery>, QueryRejection>,
) -> ApiResult<Html<String>> {
    let query = query.map(|q| q.0).unwrap_or_default();
    let app = &state.app;
    let inbox_id = InboxId(id_of(&raw)?);
    let view = View::parse(query.view.as_deref());
    let search = clamp_search(query.q.as_deref().unwrap_or(""));
    let limit = query
        .limit
        .as_deref()
        .and_then(|l| l.parse::<u32>().ok())
        .map(|l| l.clamp(1, 200));
    let cursor = query.cursor.filter(|c| !c.is_empty());
    let continuation = cursor.is_some();
    let params = view.list_params(Some(search.clone()), cursor, limit);
    let (page, users, teams) = tokio::try_join!(
        app.list_conversations(&me.actor, inbox_id, &params),
        app.users(&me.actor),
        app.teams(&me.actor),
    )?;
    let open = query.c.as_deref().and_then(parse_id).map(ConversationId);
    let list = ListView::new(
        page,
        &Directory::new(users, teams),
        &ListContext {
            inbox_id,
            view,
            q: &search,
            open,
            open_stub: None,
            continuation,
            now: app.now(),
        },
    );
    render(&ListPartial { list })
}

/// `GET /ui/inboxes/{id}/counts`: `{open, mine, unassigned, closed}`.
pub(super) async fn counts(
    State(state): State<AppState>,
    Auth(me): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<ViewCounts>> {
    let counts = state
        .app
        .view_counts(&me.actor, InboxId(id_of(&raw)?))
        .await?;
    Ok(Json(counts))
}

/// `GET /ui/conversations/{id}/thread`: the thread pane with its contact column.
pub(super) async fn thread(
    State(state): State<AppState>,
    Auth(me): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Html<String>> {
    let app = &state.app;
    let id = ConversationId(id_of(&raw)?);
    let (view, users, teams, inboxes) = tokio::try_join!(
        visible_thread(app, &me.actor, Some(id)),
        app.users(&me.actor),
        app.teams(&me.actor),
        app.visible_inboxes(&me.actor),
    )?;
    let view = view.ok_or(ApiError::NotFound)?;
    let extras = thread_extras(app, &me.actor, &view.conversation).await?;
    let inbox = inboxes.iter().find(|i| i.id == view.conversation.inbox_id);
    let dir = Directory::new(users, teams);
    let thread = ThreadView::new(
        view,
        &ThreadContext {
            dir: &dir,
            inbox,
            viewer: Viewer::of(&me.actor),
            now: app.now(),
            extras: &extras,
        },
    );
    render(&ThreadPartial { thread })
}
