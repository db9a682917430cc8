//! View models: what the templates print, built from domain data. Every string here is
//! printed escaped by askama, except the channel icons (constant markup) and a
//! comment's `meta.html`, which the server sanitized when it stored the comment.
//!
//! Nothing here reads the store: handlers fetch through `App` and pass the results in,
//! together with `now`, so these builders are plain functions.

use super::comment::EntryExtras;
use super::email::{DeliveryView, EmailView, ForwardView};
use super::format::{clock_time, full_time, initials, iso_time, query, relative_time, tone};
use super::icons::{channel_icon, channel_label};
use super::moving::MoveView;
use super::people::{inbox_members, inbox_teams, MemberView, TeamOption, Viewer};
use super::tickets::TicketView;
use crate::app::{ConversationView, ListParams};
use std::collections::HashMap;
use switchboard_domain::*;
use switchboard_store::{Page, ViewCounts};

/// The four views of an inbox's list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum View {
    /// Open conversations, whoever has them.
    #[default]
    All,
    /// Open and assigned to the reader.
    Mine,
    /// Open and assigned to nobody.
    Unassigned,
    /// Closed ones.
    Closed,
}

impl View {
    /// In sidebar order.
    pub const ALL: [View; 4] = [View::All, View::Mine, View::Unassigned, View::Closed];

    /// Reads `?view=`; anything unknown (or nothing) is `all`.
    pub fn parse(raw: Option<&str>) -> View {
        match raw.map(str::trim) {
            Some("mine") => View::Mine,
            Some("unassigned") => View::Unassigned,
            Some("closed") => View::Closed,
            _ => View::All,
        }
    }

    /// The `?view=` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            View::All => "all",
            View::Mine => "mine",
            View::Unassigned => "unassigned",
            View::Closed => "closed",
        }
    }

    /// The sidebar label.
    pub fn label(self) -> &'static str {
        match self {
            View::All => "All open",
            View::Mine => "Assigned to me",
            View::Unassigned => "Unassigned",
            View::Closed => "Closed",
        }
    }

    /// What the list shows when this view has no rows and no search is active.
    pub fn empty_text(self) -> &'static str {
        match self {
            View::All => "No open conversations. Enjoy the quiet.",
            View::Mine => "Nothing is assigned to you right now.",
            View::Unassigned => "Every open conversation has an owner.",
            View::Closed => "No closed conversations yet.",
        }
    }

    /// This view's count out of an inbox's counts.
    pub fn count(self, counts: &ViewCounts) -> i64 {
        match self {
            View::All => counts.open,
            View::Mine => counts.mine,
            View::Unassigned => counts.unassigned,
            View::Closed => counts.closed,
        }
    }

    /// The list request of this view, with an optional search and page position.
    pub fn list_params(
        self,
        q: Option<String>,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> ListParams {
        let (status, assignee) = match self {
            View::All => (Status::Open, "any"),
            View::Mine => (Status::Open, "me"),
            View::Unassigned => (Status::Open, "unassigned"),
            View::Closed => (Status::Closed, "any"),
        };
        ListParams {
            status: Some(status),
            assignee: Some(assignee.to_owned()),
            channel: None,
            q: q.filter(|q| !q.is_empty()),
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
        }
    }
}

/// The names of the account's users and teams, fetched once per page.
pub struct Directory {
    users: HashMap<UserId, User>,
    teams: HashMap<TeamId, Team>,
}

impl Directory {
    pub fn new(users: Vec<User>, teams: Vec<Team>) -> Self {
        Directory {
            users: users.into_iter().map(|u| (u.id, u)).collect(),
            teams: teams.into_iter().map(|t| (t.id, t)).collect(),
        }
    }

    /// A user of the account.
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id)
    }

    /// A team of the account.
    pub fn team(&self, id: TeamId) -> Option<&Team> {
        self.teams.get(&id)
    }

    /// Every user of the account, in no particular order.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// Every team of the account, in no particular order.
    pub fn teams(&self) -> impl Iterator<Item = &Team> {
        self.teams.values()
    }

    fn user_name(&self, id: UserId) -> &str {
        self.users
            .get(&id)
            .map_or("Former teammate", |u| u.name.as_str())
    }

    /// The avatar of a user of the account.
    pub fn user_avatar(&self, id: UserId) -> Avatar {
        Avatar::person(id.0, self.user_name(id))
    }

    /// The avatar of an assignee: a user's initials or a team's badge.
    pub fn assignee_avatar(&self, assignee: Assignee) -> Avatar {
        match assignee {
            Assignee::User(id) => self.user_avatar(id),
            Assignee::Team(id) => {
                let name = self
                    .teams
                    .get(&id)
                    .map_or("Former team", |t| t.name.as_str());
                Avatar {
                    team: true,
                    ..Avatar::person(id.0, name)
                }
            }
        }
    }
}

/// A round (person) or square (team) badge with initials on a colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avatar {
    pub name: String,
    pub initials: String,
    pub tone: u8,
    pub team: bool,
}

impl Avatar {
    pub fn person(id: i64, name: &str) -> Self {
        Avatar {
            name: name.to_owned(),
            initials: initials(name),
            tone: tone(id),
            team: false,
        }
    }
}

/// A timestamp as `<time>` prints it; `static/app.js` re-renders `text` in local time
/// according to `format` (`rel` or `clock`).
#[derive(Debug, Clone)]
pub struct TimeView {
    pub ts: Millis,
    pub iso: String,
    pub text: String,
    pub title: String,
}

impl TimeView {
    /// A list row's age (`3m`, `Yesterday`).
    pub fn relative(ts: Millis, now: Millis) -> Self {
        Self::with_text(ts, relative_time(ts, now))
    }

    /// A timeline entry's time (`10:42`, `Nov 3, 10:42`).
    pub fn clock(ts: Millis, now: Millis) -> Self {
        Self::with_text(ts, clock_time(ts, now))
    }

    /// The full date and time.
    pub fn full(ts: Millis) -> Self {
        Self::with_text(ts, full_time(ts))
    }

    fn with_text(ts: Millis, text: String) -> Self {
        TimeView {
            ts,
            iso: iso_time(ts),
            text,
            title: full_time(ts),
        }
    }
}

/// Where a list row or link points: the inbox page with view, search and open thread.
pub fn inbox_href(inbox: InboxId, view: View, q: &str, open: Option<ConversationId>) -> String {
    let view = if view == View::All { "" } else { view.as_str() };
    let c = open.map(|c| c.to_string()).unwrap_or_default();
    format!(
        "/inboxes/{inbox}{}",
        query(&[("view", view), ("q", q), ("c", &c)])
    )
}

/// One row of the conversation list.
pub struct RowView {
    pub id: ConversationId,
    pub href: String,
    pub contact: String,
    pub avatar: Avatar,
    pub channel: &'static str,
    pub channel_label: &'static str,
    pub channel_icon: &'static str,
    pub subject: String,
    pub preview: String,
    pub time: TimeView,
    pub assignee: Option<Avatar>,
    pub is_open: bool,
    /// Set for the read-only stub of a conversation that moved away.
    pub moved: Option<MovedView>,
}

/// What a moved stub says: "Moved to Support by Ana Alvarez · 10:42".
pub struct MovedView {
    pub stub_id: MovedStubId,
    /// "Moved to Support by Ana Alvarez".
    pub text: String,
    pub to_inbox: String,
    pub time: TimeView,
}

impl MovedView {
    pub fn new(stub: &MovedStub, now: Millis) -> Self {
        MovedView {
            stub_id: stub.id,
            text: format!("Moved to {} by {}", stub.to_inbox_name, stub.moved_by_name),
            to_inbox: stub.to_inbox_name.clone(),
            time: TimeView::clock(stub.moved_at, now),
        }
    }
}

/// A subject for display: the conversation's, or a placeholder.
fn subject_text(subject: Option<&str>) -> String {
    subject
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("(no subject)")
        .to_owned()
}

/// The rows of a list page with what the "Load more" button and empty state need.
pub struct ListView {
    pub inbox_id: InboxId,
    pub view: &'static str,
    pub q: String,
    pub rows: Vec<RowView>,
    pub next_cursor: Option<String>,
    /// A later page: no empty state, only rows.
    pub continuation: bool,
    pub empty_text: String,
}

/// Everything a list needs beyond the page of rows.
pub struct ListContext<'a> {
    pub inbox_id: InboxId,
    pub view: View,
    pub q: &'a str,
    pub open: Option<ConversationId>,
    /// The stub shown in the thread pane, if any.
    pub open_stub: Option<MovedStubId>,
    pub continuation: bool,
    pub now: Millis,
}

impl RowView {
    fn conversation(s: &ConversationSummary, dir: &Directory, cx: &ListContext<'_>) -> Self {
        RowView {
            id: s.id,
            href: inbox_href(cx.inbox_id, cx.view, cx.q, Some(s.id)),
            contact: s.contact_label().to_owned(),
            avatar: Avatar::person(s.contact_id.0, s.contact_label()),
            channel: s.channel.as_str(),
            channel_label: channel_label(s.channel),
            channel_icon: channel_icon(s.channel),
            subject: subject_text(s.subject.as_deref()),
            preview: s.preview.split_whitespace().collect::<Vec<_>>().join(" "),
            time: TimeView::relative(s.last_activity_at, cx.now),
            assignee: s.assignee.map(|a| dir.assignee_avatar(a)),
            is_open: cx.open == Some(s.id),
            moved: None,
        }
    }

    fn moved(m: &MovedStub, cx: &ListContext<'_>) -> Self {
        let view = if cx.view == View::All {
            ""
        } else {
            cx.view.as_str()
        };
        RowView {
            id: m.conversation_id,
            href: format!(
                "/inboxes/{}{}",
                cx.inbox_id,
                query(&[("view", view), ("q", cx.q), ("moved", &m.id.to_string())])
            ),
            contact: m.contact_label.clone(),
            avatar: Avatar::person(m.conversation_id.0, &m.contact_label),
            channel: m.channel.as_str(),
            channel_label: channel_label(m.channel),
            channel_icon: channel_icon(m.channel),
            subject: subject_text(m.subject.as_deref()),
            preview: String::new(),
            time: TimeView::relative(m.moved_at, cx.now),
            assignee: None,
            is_open: cx.open_stub == Some(m.id),
            moved: Some(MovedView::new(m, cx.now)),
        }
    }
}

impl ListView {
    pub fn new(page: Page<ListItem>, dir: &Directory, cx: &ListContext<'_>) -> Self {
        let rows = page
            .items
            .iter()
            .map(|item| match item {
                ListItem::Conversation(s) => RowView::conversation(s, dir, cx),
                ListItem::Moved(m) => RowView::moved(m, cx),
            })
            .collect();
        let empty_text = if cx.q.is_empty() {
            cx.view.empty_text().to_owned()
        } else {
            format!("No results for “{}”", cx.q)
        };
        ListView {
            inbox_id: cx.inbox_id,
            view: cx.view.as_str(),
            q: cx.q.to_owned(),
            rows,
            next_cursor: page.next_cursor,
            continuation: cx.continuation,
            empty_text,
        }
    }
}

/// The thread pane of a moved stub: what happened, and a way to the conversation for
/// those who can see where it went. No actions.
pub struct StubView {
    pub moved: MovedView,
    pub contact: String,
    pub avatar: Avatar,
    pub subject: String,
    pub channel_label: &'static str,
    pub channel_icon: &'static str,
    /// The conversation in its new inbox, for readers who can see that inbox.
    pub open_href: Option<String>,
}

impl StubView {
    pub fn new(stub: &MovedStub, can_see_target: bool, now: Millis) -> Self {
        StubView {
            moved: MovedView::new(stub, now),
            contact: stub.contact_label.clone(),
            avatar: Avatar::person(stub.conversation_id.0, &stub.contact_label),
            subject: subject_text(stub.subject.as_deref()),
            channel_label: channel_label(stub.channel),
            channel_icon: channel_icon(stub.channel),
            open_href: can_see_target.then(|| format!("/conversations/{}", stub.conversation_id)),
        }
    }
}

/// A view link of the sidebar with its count.
pub struct NavItem {
    pub view: &'static str,
    pub label: &'static str,
    pub href: String,
    pub count: i64,
    pub current: bool,
}

impl NavItem {
    pub fn all(
        inbox: InboxId,
        current: View,
        counts: &ViewCounts,
        open: Option<ConversationId>,
    ) -> Vec<NavItem> {
        View::ALL
            .iter()
            .map(|v| NavItem {
                view: v.as_str(),
                label: v.label(),
                href: inbox_href(inbox, *v, "", open),
                count: v.count(counts),
                current: *v == current,
            })
            .collect()
    }
}

/// One entry of a thread's timeline.
pub struct EntryView {
    pub id: EntryId,
    /// `message`, `comment`, `forward` or `event`.
    pub kind: &'static str,
    /// Outbound message (sent by the team): right-aligned, accent background.
    pub outbound: bool,
    pub author: Avatar,
    pub body: String,
    pub time: TimeView,
    /// An email message's HTML, recipients and files.
    pub email: Option<EmailView>,
    /// A forward's recipients (the yellow bar).
    pub forward: Option<ForwardView>,
    /// Delivery state of a mail the team sent.
    pub delivery: Option<DeliveryView>,
    /// An email message the reader can forward; `latest` marks the newest one, whose
    /// Forward button is always shown (and which `f` forwards).
    pub forwardable: bool,
    pub latest: bool,
    /// A comment's HTML, mentions and attachments.
    pub extras: EntryExtras,
    /// The reader may delete this comment (its author, or an admin).
    pub can_delete: bool,
}

impl EntryView {
    /// Every file of the entry: a comment's uploads or a mail's attachments.
    pub fn files(&self) -> Vec<&super::comment::AttachmentView> {
        let mail = self.email.iter().flat_map(|m| &m.attachments);
        self.extras.attachments.iter().chain(mail).collect()
    }
}

/// The contact column beside a thread.
pub struct ContactView {
    pub name: String,
    pub avatar: Avatar,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner: Option<Avatar>,
    pub tickets: usize,
    pub since: TimeView,
}

/// A conversation as the thread pane shows it.
pub struct ThreadView {
    pub id: ConversationId,
    pub inbox_id: InboxId,
    pub subject: String,
    pub channel: &'static str,
    pub channel_label: &'static str,
    pub channel_icon: &'static str,
    pub is_open: bool,
    pub assignee: Option<Avatar>,
    pub entries: Vec<EntryView>,
    pub contact: ContactView,
    pub created: TimeView,
    /// The people of the inbox, for the Owner menu and `@` mentions; the current
    /// owner is marked.
    pub members: Vec<MemberView>,
    /// The teams of the inbox, for the Owner menu.
    pub teams: Vec<TeamOption>,
    /// Nobody owns the conversation.
    pub unassigned: bool,
    pub viewer: Viewer,
    /// The conversation's tickets, for the Tickets section of the contact column.
    pub tickets: Vec<TicketView>,
    /// The subject a new ticket starts with (empty when the conversation has none).
    pub ticket_subject: String,
    /// The "Move to another inbox" dialog.
    pub moving: MoveView,
    /// The thread holds an email message to forward (the Forward dialog is rendered).
    pub can_forward: bool,
}

/// What a thread pane shows beyond the conversation and the directory, fetched by the
/// handler through `App` (see `pages::thread_extras`).
pub struct ThreadExtras {
    /// The conversation's tickets the reader may see.
    pub tickets: Vec<Ticket>,
    /// Every inbox of the account (moves may go to inboxes the reader is not in).
    pub inboxes: Vec<Inbox>,
    /// The account's plan allows moving conversations.
    pub can_move: bool,
}

/// What a thread pane is rendered from besides the conversation.
pub struct ThreadContext<'a> {
    pub dir: &'a Directory,
    /// The conversation's inbox (its members fill the menus); `None` leaves them empty.
    pub inbox: Option<&'a Inbox>,
    pub viewer: Viewer,
    pub now: Millis,
    pub extras: &'a ThreadExtras,
}

impl ThreadView {
    pub fn new(view: ConversationView, cx: &ThreadContext<'_>) -> Self {
        let (dir, now) = (cx.dir, cx.now);
        let c = view.conversation;
        let contact_name = c.contact.display_name().to_owned();
        let contact_avatar = Avatar::person(c.contact.id.0, &contact_name);
        let mut entries: Vec<EntryView> = view
            .timeline
            .into_iter()
            .filter_map(|e| entry_view(e, c.channel, &contact_avatar, dir, cx.viewer, now))
            .collect();
        let latest = entries.iter_mut().rev().find(|e| e.forwardable);
        let can_forward = latest.is_some();
        if let Some(latest) = latest {
            latest.latest = true;
        }
        let mut members = cx
            .inbox
            .map(|i| inbox_members(i, dir, cx.viewer.user_id()))
            .unwrap_or_default();
        let mut teams = cx.inbox.map(|i| inbox_teams(i, dir)).unwrap_or_default();
        for m in &mut members {
            m.is_owner = c.assignee == Some(Assignee::User(m.id));
        }
        for t in &mut teams {
            t.is_owner = c.assignee == Some(Assignee::Team(t.id));
        }
        let ticket_subject = c
            .subject
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let moving = MoveView::new(
            &cx.extras.inboxes,
            c.inbox_id,
            c.contact.owner_id,
            dir,
            cx.extras.can_move,
        );
        ThreadView {
            id: c.id,
            inbox_id: c.inbox_id,
            subject: c
                .subject
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "(no subject)".to_owned()),
            channel: c.channel.as_str(),
            channel_label: channel_label(c.channel),
            channel_icon: channel_icon(c.channel),
            is_open: c.status == Status::Open,
            assignee: c.assignee.map(|a| dir.assignee_avatar(a)),
            entries,
            contact: ContactView {
                name: contact_name,
                avatar: contact_avatar,
                email: c.contact.email,
                phone: c.contact.phone,
                owner: c.contact.owner_id.map(|u| dir.user_avatar(u)),
                tickets: c.ticket_ids.len(),
                since: TimeView::full(c.contact.created_at),
            },
            created: TimeView::full(c.created_at),
            members,
            teams,
            unassigned: c.assignee.is_none(),
            viewer: cx.viewer,
            tickets: TicketView::list(&cx.extras.tickets, dir),
            ticket_subject,
            moving,
            can_forward,
        }
    }
}

/// An entry as the thread shows it; `None` for a deleted comment.
fn entry_view(
    e: TimelineEntry,
    channel: Channel,
    contact: &Avatar,
    dir: &Directory,
    viewer: Viewer,
    now: Millis,
) -> Option<EntryView> {
    let extras = EntryExtras::from_meta(&e.meta, dir);
    if extras.deleted && e.kind != EntryKind::Event {
        return None;
    }
    let outbound = e.kind != EntryKind::Event && e.direction != Some(Direction::Inbound);
    let author = match (e.author_user_id, e.author_contact_id, e.direction) {
        (Some(user), _, _) => dir.user_avatar(user),
        (None, Some(_), _) | (None, None, Some(Direction::Inbound)) => contact.clone(),
        (None, None, _) => Avatar::person(0, "Switchboard"),
    };
    let is_email = channel == Channel::Email || e.meta.get("email").is_some_and(|m| m.is_object());
    let email = match e.kind {
        EntryKind::Message => EmailView::from_meta(&e.meta, e.conversation_id),
        _ => None,
    };
    Some(EntryView {
        id: e.id,
        kind: e.kind.as_str(),
        outbound: outbound && e.kind == EntryKind::Message,
        author,
        body: e.body,
        time: TimeView::clock(e.created_at, now),
        forwardable: e.kind == EntryKind::Message && is_email,
        latest: false,
        forward: match e.kind {
            EntryKind::Forward => ForwardView::from_meta(&e.meta),
            _ => None,
        },
        delivery: match e.kind {
            EntryKind::Message | EntryKind::Forward if outbound => DeliveryView::from_meta(&e.meta),
            _ => None,
        },
        email,
        can_delete: e.kind == EntryKind::Comment && viewer.may_delete_comment(e.author_user_id),
        extras,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_map_to_list_filters() {
        let all = View::All.list_params(None, None, None);
        assert_eq!(
            (all.status, all.assignee.as_deref()),
            (Some(Status::Open), Some("any"))
        );
        let mine = View::Mine.list_params(Some("refund".into()), Some("1.2".into()), Some(80));
        assert_eq!(
            (mine.status, mine.assignee.as_deref()),
            (Some(Status::Open), Some("me"))
        );
        assert_eq!(mine.q.as_deref(), Some("refund"));
        assert_eq!(mine.cursor.as_deref(), Some("1.2"));
        assert_eq!(mine.limit, Some(80));
        let un = View::Unassigned.list_params(Some(String::new()), Some(String::new()), None);
        assert_eq!(
            (un.status, un.assignee.as_deref()),
            (Some(Status::Open), Some("unassigned"))
        );
        assert_eq!((un.q, un.cursor), (None, None));
        let closed = View::Closed.list_params(None, None, None);
        assert_eq!(
            (closed.status, closed.assignee.as_deref()),
            (Some(Status::Closed), Some("any"))
        );
    }

    #[test]
    fn unknown_views_fall_back_to_all_and_names_round_trip() {
        for v in View::ALL {
            assert_eq!(View::parse(Some(v.as_str())), v);
        }
        assert_eq!(View::parse(None), View::All);
        assert_eq!(View::parse(Some("everything")), View::All);
    }

    #[test]
    fn inbox_links_keep_view_search_and_thread() {
        assert_eq!(inbox_href(InboxId(3), View::All, "", None), "/inboxes/3");
        assert_eq!(
            inbox_href(InboxId(3), View::Closed, "a b", Some(ConversationId(9))),
            "/inboxes/3?view=closed&q=a%20b&c=9"
        );
    }

    #[test]
    fn team_assignees_get_a_square_badge_and_unknown_ids_a_placeholder() {
        let dir = Directory::new(
            vec![],
            vec![Team {
                id: TeamId(2),
                account_id: AccountId(1),
                name: "Tier 2".into(),
                round_robin: false,
                member_ids: vec![],
            }],
        );
        let team = dir.assignee_avatar(Assignee::Team(TeamId(2)));
        assert!(team.team);
        assert_eq!(
            (team.name.as_str(), team.initials.as_str()),
            ("Tier 2", "T2")
        );
        let gone = dir.assignee_avatar(Assignee::User(UserId(5)));
        assert!(!gone.team);
        assert_eq!(gone.name, "Former teammate");
    }
}
