//! The full pages: login, the redirects that find a user's inbox or a conversation's
//! inbox, and the three-pane inbox page.

use super::format::{clamp_search, tone};
use super::people::Viewer;
use super::view::{
    inbox_href, Avatar, Directory, ListContext, ListView, NavItem, StubView, ThreadContext,
    ThreadExtras, ThreadView, View,
};
use super::{parse_id, render, PageError, Shell};
use crate::app::{App, ConversationView};
use crate::auth::PageAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_domain::policy::Actor;
use switchboard_domain::*;

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
}

/// `GET /login`: the sign-in form; a signed-in user goes to their inbox instead.
pub(super) async fn login(auth: Result<PageAuth, Response>) -> PageResult {
    if auth.is_ok() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&LoginPage {
        shell: Shell::new("Sign in", ""),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "no_inbox.html")]
struct NoInboxPage {
    shell: Shell,
    me: Avatar,
}

/// `GET /`: the first inbox the user sees, or a page saying there is none yet.
pub(super) async fn home(State(state): State<AppState>, PageAuth(me): PageAuth) -> PageResult {
    let inboxes = state.app.visible_inboxes(&me.actor).await?;
    if let Some(first) = inboxes.first() {
        return Ok(Redirect::to(&format!("/inboxes/{}", first.id)).into_response());
    }
    let page = NoInboxPage {
        shell: Shell::new("Welcome", me.csrf_token.as_deref().unwrap_or("")),
        me: Avatar::person(me.user.id.0, &me.user.name),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /conversations/{id}`: the conversation, opened in its inbox.
pub(super) async fn conversation(
    State(state): State<AppState>,
    PageAuth(me): PageAuth,
    Path(raw): Path<String>,
) -> PageResult {
    let id = parse_id(&raw).ok_or_else(PageError::not_found)?;
    let c = state
        .app
        .conversation(&me.actor, ConversationId(id))
        .await?;
    let to = inbox_href(c.inbox_id, View::All, "", Some(c.id));
    Ok(Redirect::to(&to).into_response())
}

/// The query of the inbox page; every field is optional and lenient.
#[derive(Debug, Default, Deserialize)]
pub(super) struct InboxQuery {
    view: Option<String>,
    q: Option<String>,
    c: Option<String>,
    /// A moved stub of this inbox to show in the thread pane.
    moved: Option<String>,
}

/// An entry of the inbox switcher.
struct InboxOption {
    name: String,
    href: String,
    initial: String,
    tone: u8,
    current: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    shell: Shell,
    me: Avatar,
    me_id: UserId,
    inbox_id: InboxId,
    inbox: InboxOption,
    inboxes: Vec<InboxOption>,
    nav: Vec<NavItem>,
    view_label: &'static str,
    view: &'static str,
    search: String,
    clear_href: String,
    open_id: Option<ConversationId>,
    list: ListView,
    open_thread: Option<ThreadView>,
    /// `?moved=` named a stub of this inbox's list.
    open_stub: Option<StubView>,
    /// `?c=` named a conversation the user cannot see.
    missing_thread: bool,
    /// The bell's badge: unread notifications, `""` when none.
    unread: String,
    /// The reader's own availability (`available` or `away`).
    availability: &'static str,
}

/// The bell badge's text: the count, capped so the badge stays small.
fn unread_label(unread: usize) -> String {
    match unread {
        0 => String::new(),
        1..=99 => unread.to_string(),
        _ => "99+".to_owned(),
    }
}

/// A conversation's thread, or `None` when the actor may not see it.
pub(super) async fn visible_thread(
    app: &App,
    actor: &Actor,
    id: Option<ConversationId>,
) -> ApiResult<Option<ConversationView>> {
    let Some(id) = id else {
        return Ok(None);
    };
    match app.conversation_view(actor, id).await {
        Ok(view) => Ok(Some(view)),
        Err(ApiError::NotFound | ApiError::Denied(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What the thread pane of `c` shows beyond the conversation: its tickets (those the
/// actor may see), every inbox of the account and whether the plan allows moving.
pub(super) async fn thread_extras(
    app: &App,
    actor: &Actor,
    c: &Conversation,
) -> ApiResult<ThreadExtras> {
    let (account, inboxes) = tokio::try_join!(
        async { Ok::<_, ApiError>(app.store.account(actor.account_id).await?) },
        async { Ok::<_, ApiError>(app.store.inboxes(actor.account_id).await?) },
    )?;
    let mut tickets = Vec::with_capacity(c.ticket_ids.len());
    for id in &c.ticket_ids {
        match app.ticket(actor, *id).await {
            Ok(t) => tickets.push(t),
            Err(ApiError::NotFound | ApiError::Denied(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(ThreadExtras {
        tickets,
        inboxes,
        can_move: account.plan.allows_move(),
    })
}

/// `GET /inboxes/{id}?view=&q=&c=`: the sidebar, the list and the open thread.
pub(super) async fn inbox(
    State(state): State<AppState>,
    PageAuth(me): PageAuth,
    Path(raw): Path<String>,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> PageResult {
    let query = query.map(|q| q.0).unwrap_or_default();
    let app = &state.app;
    let actor = &me.actor;
    let inbox_id = InboxId(parse_id(&raw).ok_or_else(PageError::not_found)?);
    let inboxes = app.visible_inboxes(actor).await?;
    let current = inboxes
        .iter()
        .find(|i| i.id == inbox_id)
        .ok_or_else(PageError::not_found)?;
    let view = View::parse(query.view.as_deref());
    let search = clamp_search(query.q.as_deref().unwrap_or(""));
    let wanted = query.c.as_deref().and_then(parse_id).map(ConversationId);
    let params = view.list_params(Some(search.clone()), None, None);
    let (page, counts, users, teams, thread, notifications) = tokio::try_join!(
        app.list_conversations(actor, inbox_id, &params),
        app.view_counts(actor, inbox_id),
        app.users(actor),
        app.teams(actor),
        visible_thread(app, actor, wanted),
        app.notifications(actor, 50),
    )?;
    if let Some(t) = &thread {
        if t.conversation.inbox_id != inbox_id {
            // Moved away, or linked from another inbox: show it where it lives.
            let to = inbox_href(t.conversation.inbox_id, view, "", Some(t.conversation.id));
            return Ok(Redirect::to(&to).into_response());
        }
    }
    let stub = match query.moved.as_deref().and_then(parse_id) {
        Some(id) if thread.is_none() => {
            match app.moved_stub(actor, inbox_id, MovedStubId(id)).await {
                Ok(stub) => {
                    let can_see = app.can_see_inbox(actor, stub.to_inbox_id).await?;
                    Some((stub, can_see))
                }
                Err(ApiError::NotFound) => None,
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let extras = match &thread {
        Some(t) => Some(thread_extras(app, actor, &t.conversation).await?),
        None => None,
    };
    let now = app.now();
    let dir = Directory::new(users, teams);
    let open_id = thread.as_ref().map(|t| t.conversation.id);
    let list = ListView::new(
        page,
        &dir,
        &ListContext {
            inbox_id,
            view,
            q: &search,
            open: open_id,
            open_stub: stub.as_ref().map(|s| s.0.id),
            continuation: false,
            now,
        },
    );
    let option = |i: &Inbox| InboxOption {
        name: i.name.clone(),
        href: format!("/inboxes/{}", i.id),
        initial: i
            .name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default(),
        tone: tone(i.id.0),
        current: i.id == inbox_id,
    };
    let page = InboxPage {
        shell: Shell::new(&current.name, me.csrf_token.as_deref().unwrap_or("")),
        me: Avatar::person(me.user.id.0, &me.user.name),
        me_id: me.user.id,
        inbox_id,
        inbox: option(current),
        inboxes: inboxes.iter().map(option).collect(),
        nav: NavItem::all(inbox_id, view, &counts, open_id),
        view_label: view.label(),
        view: view.as_str(),
        clear_href: inbox_href(inbox_id, view, "", open_id),
        search,
        open_id,
        list,
        missing_thread: (wanted.is_some() && thread.is_none())
            || (query.moved.is_some() && stub.is_none()),
        open_stub: stub
            .as_ref()
            .map(|(s, can_see)| StubView::new(s, *can_see, now)),
        open_thread: thread.zip(extras.as_ref()).map(|(t, extras)| {
            let cx = ThreadContext {
                dir: &dir,
                inbox: Some(current),
                viewer: Viewer::of(actor),
                now,
                extras,
            };
            ThreadView::new(t, &cx)
        }),
        unread: unread_label(notifications.iter().filter(|n| !n.read).count()),
        availability: me.user.availability.as_str(),
    };
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::unread_label;

    #[test]
    fn the_bell_badge_is_empty_at_zero_and_capped() {
        assert_eq!(unread_label(0), "");
        assert_eq!(unread_label(7), "7");
        assert_eq!(unread_label(99), "99");
        assert_eq!(unread_label(100), "99+");
    }
}
