//! The JSON shapes of the API: request bodies (strict: unknown fields are refused) and
//! responses, converted from domain types. Their schemas feed the OpenAPI document.

use serde::{Deserialize, Serialize};
use switchboard_domain::*;
use utoipa::ToSchema;

/// A list answer: `{items, next_cursor}`.
#[derive(Serialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    pub fn all(items: Vec<T>) -> Self {
        List {
            items,
            next_cursor: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub name: String,
    pub email: String,
    #[schema(example = "agent")]
    pub role: String,
    #[schema(example = "service")]
    pub seat: String,
    #[schema(example = "available")]
    pub availability: String,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.clone(),
            role: u.role.to_string(),
            seat: u.seat.to_string(),
            availability: u.availability.to_string(),
        }
    }
}

/// The caller as they see themselves: a user and their own settings.
#[derive(Serialize, ToSchema)]
pub struct ProfileDto {
    #[serde(flatten)]
    pub user: UserDto,
    /// Whether notifications are also sent by email.
    pub notify_email: bool,
}

impl From<&User> for ProfileDto {
    fn from(u: &User) -> Self {
        ProfileDto {
            user: u.into(),
            notify_email: u.notify_email,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamDto {
    pub id: i64,
    pub name: String,
    pub round_robin: bool,
    pub member_ids: Vec<i64>,
}

impl From<&Team> for TeamDto {
    fn from(t: &Team) -> Self {
        TeamDto {
            id: t.id.0,
            name: t.name.clone(),
            round_robin: t.round_robin,
            member_ids: t.member_ids.iter().map(|u| u.0).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InboxDto {
    pub id: i64,
    pub name: String,
    pub email_address: Option<String>,
    pub member_user_ids: Vec<i64>,
    pub member_team_ids: Vec<i64>,
}

impl From<&Inbox> for InboxDto {
    fn from(i: &Inbox) -> Self {
        InboxDto {
            id: i.id.0,
            name: i.name.clone(),
            email_address: i.email_address.clone(),
            member_user_ids: i.member_user_ids.iter().map(|u| u.0).collect(),
            member_team_ids: i.member_team_ids.iter().map(|t| t.0).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactDto {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<i64>,
}

impl From<&Contact> for ContactDto {
    fn from(c: &Contact) -> Self {
        ContactDto {
            id: c.id.0,
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            owner_id: c.owner_id.map(|o| o.0),
        }
    }
}

/// `{"type": "user"|"team", "id": ...}`.
#[derive(Serialize, ToSchema)]
pub struct AssigneeDto {
    #[serde(rename = "type")]
    #[schema(example = "user")]
    pub kind: &'static str,
    pub id: i64,
}

impl AssigneeDto {
    pub fn from_domain(a: Option<Assignee>) -> Option<Self> {
        a.map(|a| match a {
            Assignee::User(u) => AssigneeDto {
                kind: "user",
                id: u.0,
            },
            Assignee::Team(t) => AssigneeDto {
                kind: "team",
                id: t.0,
            },
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationDto {
    pub id: i64,
    pub inbox_id: i64,
    #[schema(example = "email")]
    pub channel: String,
    #[schema(example = "open")]
    pub status: String,
    pub subject: Option<String>,
    pub assignee: Option<AssigneeDto>,
    pub contact: ContactDto,
    pub ticket_ids: Vec<i64>,
    pub preview: String,
    pub created_at: i64,
    pub last_activity_at: i64,
}

impl From<&Conversation> for ConversationDto {
    fn from(c: &Conversation) -> Self {
        ConversationDto {
            id: c.id.0,
            inbox_id: c.inbox_id.0,
            channel: c.channel.to_string(),
            status: c.status.to_string(),
            subject: c.subject.clone(),
            assignee: AssigneeDto::from_domain(c.assignee),
            contact: (&c.contact).into(),
            ticket_ids: c.ticket_ids.iter().map(|t| t.0).collect(),
            preview: c.preview.clone(),
            created_at: c.created_at,
            last_activity_at: c.last_activity_at,
        }
    }
}

/// A conversation row of a list; `kind` is `conversation`.
#[derive(Serialize, ToSchema)]
pub struct ConversationItemDto {
    pub kind: &'static str,
    pub id: i64,
    pub inbox_id: i64,
    pub channel: String,
    pub status: String,
    pub subject: Option<String>,
    pub preview: String,
    pub assignee: Option<AssigneeDto>,
    pub contact: ContactDto,
    pub last_activity_at: i64,
}

impl From<&ConversationSummary> for ConversationItemDto {
    fn from(s: &ConversationSummary) -> Self {
        ConversationItemDto {
            kind: "conversation",
            id: s.id.0,
            inbox_id: s.inbox_id.0,
            channel: s.channel.to_string(),
            status: s.status.to_string(),
            subject: s.subject.clone(),
            preview: s.preview.clone(),
            assignee: AssigneeDto::from_domain(s.assignee),
            contact: ContactDto {
                id: s.contact_id.0,
                name: s.contact_name.clone(),
                email: s.contact_email.clone(),
                phone: s.contact_phone.clone(),
                owner_id: None,
            },
            last_activity_at: s.last_activity_at,
        }
    }
}

/// A name and an id, for what a row names without the client fetching it.
#[derive(Serialize, ToSchema)]
pub struct NamedRefDto {
    pub id: i64,
    pub name: String,
}

/// The read-only row a moved conversation leaves in its origin's list. `kind` is
/// `moved`; `id` is the stub's own; the conversation opens only for users who can see
/// `moved_to`.
#[derive(Serialize, ToSchema)]
pub struct MovedStubDto {
    pub kind: &'static str,
    pub id: i64,
    pub conversation_id: i64,
    /// The origin inbox, whose list shows the stub.
    pub inbox_id: i64,
    pub moved_to: NamedRefDto,
    pub moved_by: NamedRefDto,
    pub moved_at: i64,
    /// What the conversation was when it left: for the list's filters and its label.
    pub channel: String,
    pub status: String,
    pub subject: Option<String>,
    pub assignee: Option<AssigneeDto>,
    pub contact_label: String,
}

impl From<&MovedStub> for MovedStubDto {
    fn from(m: &MovedStub) -> Self {
        MovedStubDto {
            kind: "moved",
            id: m.id.0,
            conversation_id: m.conversation_id.0,
            inbox_id: m.from_inbox_id.0,
            moved_to: NamedRefDto {
                id: m.to_inbox_id.0,
                name: m.to_inbox_name.clone(),
            },
            moved_by: NamedRefDto {
                id: m.moved_by.0,
                name: m.moved_by_name.clone(),
            },
            moved_at: m.moved_at,
            channel: m.channel.to_string(),
            status: m.status.to_string(),
            subject: m.subject.clone(),
            assignee: AssigneeDto::from_domain(m.assignee),
            contact_label: m.contact_label.clone(),
        }
    }
}

/// A row of a conversation list: a conversation, or a moved stub; `kind` tells which.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ListItemDto {
    Conversation(ConversationItemDto),
    Moved(MovedStubDto),
}

impl From<&ListItem> for ListItemDto {
    fn from(item: &ListItem) -> Self {
        match item {
            ListItem::Conversation(c) => ListItemDto::Conversation(c.into()),
            ListItem::Moved(m) => ListItemDto::Moved(m.into()),
        }
    }
}

/// Who wrote a timeline entry.
#[derive(Serialize, ToSchema)]
pub struct AuthorDto {
    #[serde(rename = "type")]
    #[schema(example = "user")]
    pub kind: &'static str,
    pub id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EntryDto {
    pub id: i64,
    #[schema(example = "message")]
    pub kind: String,
    pub created_at: i64,
    pub author: Option<AuthorDto>,
    pub direction: Option<String>,
    pub body: String,
    #[schema(value_type = Object)]
    pub meta: serde_json::Value,
}

impl From<&TimelineEntry> for EntryDto {
    fn from(e: &TimelineEntry) -> Self {
        let author = match (e.author_user_id, e.author_contact_id) {
            (Some(u), _) => Some(AuthorDto {
                kind: "user",
                id: u.0,
            }),
            (None, Some(c)) => Some(AuthorDto {
                kind: "contact",
                id: c.0,
            }),
            (None, None) => None,
        };
        EntryDto {
            id: e.id.0,
            kind: e.kind.to_string(),
            created_at: e.created_at,
            author,
            direction: e.direction.map(|d| d.to_string()),
            body: e.body.clone(),
            meta: e.meta.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketDto {
    pub id: i64,
    pub inbox_id: i64,
    pub subject: String,
    pub stage: String,
    pub priority: String,
    pub owner_id: Option<i64>,
    pub conversation_ids: Vec<i64>,
    pub created_at: i64,
}

impl From<&Ticket> for TicketDto {
    fn from(t: &Ticket) -> Self {
        TicketDto {
            id: t.id.0,
            inbox_id: t.inbox_id.0,
            subject: t.subject.clone(),
            stage: t.stage.to_string(),
            priority: t.priority.to_string(),
            owner_id: t.owner_id.map(|o| o.0),
            conversation_ids: t.conversation_ids.iter().map(|c| c.0).collect(),
            created_at: t.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    pub kind: String,
    pub conversation_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub text: String,
    pub read: bool,
    pub created_at: i64,
    /// Where the notification leads in the web UI.
    pub link: Option<String>,
}

impl NotificationDto {
    /// The notification with its link: `/inboxes/{inbox}?c={conversation}#entry-{entry}`
    /// with the conversation's inbox (`inbox`, else the one the store read).
    pub fn new(n: &Notification, inbox: Option<InboxId>) -> Self {
        let inbox = inbox.or(n.inbox_id);
        NotificationDto {
            id: n.id.0,
            kind: n.kind.to_string(),
            conversation_id: n.conversation_id.map(|c| c.0),
            entry_id: n.entry_id.map(|e| e.0),
            text: n.text.clone(),
            read: n.read,
            created_at: n.created_at,
            link: match (inbox, n.conversation_id) {
                (Some(i), Some(c)) => Some(switchboard_domain::notification::entry_link(
                    i, c, n.entry_id,
                )),
                (None, Some(c)) => Some(format!("/conversations/{c}")),
                _ => None,
            },
        }
    }
}

// Request bodies.

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    pub user: UserDto,
    pub csrf_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenAnswer {
    pub id: i64,
    pub name: String,
    /// Shown once; only its hash is stored.
    pub token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    pub name: String,
    pub email: String,
    pub password: String,
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    #[schema(value_type = String, example = "service")]
    pub seat: Seat,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    pub name: String,
    pub member_ids: Vec<i64>,
    #[serde(default)]
    pub round_robin: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxBody {
    pub name: String,
    pub member_user_ids: Vec<i64>,
    pub member_team_ids: Vec<i64>,
    pub email_address: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<i64>,
}

impl ContactBody {
    pub fn into_input(self) -> crate::app::NewContactInput {
        crate::app::NewContactInput {
            name: self.name,
            email: self.email,
            phone: self.phone,
            owner_id: self.owner_id.map(UserId),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationBody {
    pub inbox_id: i64,
    #[serde(default = "api_channel")]
    #[schema(value_type = String, example = "api")]
    pub channel: Channel,
    pub contact: ContactBody,
    pub subject: Option<String>,
    pub body: String,
}

fn api_channel() -> Channel {
    Channel::Api
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub body: String,
}

/// Forward an email message of the conversation to outside recipients.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardBody {
    /// The timeline entry id of an email message of the conversation.
    pub message_id: i64,
    /// Recipients (at most 50 with `cc`).
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// The agent's note, shown above the forwarded message.
    pub body: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    #[schema(value_type = String, example = "closed")]
    pub status: Status,
}

/// The caller's own settings; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// `available` or `away` (round-robin teams skip `away` members).
    #[schema(value_type = Option<String>, example = "away")]
    pub availability: Option<Availability>,
    /// Whether notifications are also sent by email.
    pub notify_email: Option<bool>,
}

/// `{user_id}`, `{team_id}` or `{}` to unassign.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeBody {
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    pub subject: String,
    pub conversation_ids: Vec<i64>,
    #[schema(value_type = Option<String>)]
    pub stage: Option<TicketStage>,
    #[schema(value_type = Option<String>)]
    pub priority: Option<Priority>,
    pub owner_id: Option<i64>,
}

/// Fields of a ticket to change; absent fields stay, `"owner_id": null` clears the owner.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatchBody {
    pub subject: Option<String>,
    #[schema(value_type = Option<String>)]
    pub stage: Option<TicketStage>,
    #[schema(value_type = Option<String>)]
    pub priority: Option<Priority>,
    /// Absent: unchanged; `null`: no owner; an id: that user.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
}

/// Reads a field that is present (`Some`), telling `null` (`Some(None)`) from absent
/// (`None`, through `#[serde(default)]`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `{inbox_id, assign, comment?}`; `from_inbox_id` (optional) is the inbox the client
/// shows the conversation in, so a move that raced another answers 409.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    pub inbox_id: i64,
    pub from_inbox_id: Option<i64>,
    /// `{"mode": "specific", "user_ids": [], "team_ids": []}`,
    /// `{"mode": "contact_owner", "fallback": {"mode": "unassigned"} | {"mode": "specific", ...}}`
    /// or `{"mode": "unassigned"}`.
    #[schema(value_type = Object)]
    pub assign: switchboard_domain::moving::MoveAssign,
    /// Markdown for an internal comment that shows in the target inbox.
    pub comment: Option<String>,
}
