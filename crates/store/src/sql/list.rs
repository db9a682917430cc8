//! The conversation list: keyset pages over covering indexes, newest activity first,
//! with the stubs of conversations that moved away in the same order, and the counts of
//! an inbox's views.
//!
//! Conversations and stubs live in two tables, each with its own list indexes; a page
//! reads at most `limit + 1` rows of each and merges them in
//! [`ListItem::order_key`] order (time, conversations before stubs, id). The cursor
//! remembers which kind the last row was, so the next page resumes exactly after it.

use super::{enum_col, SqlStore};
use crate::{AssigneeFilter, Cursor, ListQuery, Page, StoreError, StoreResult, ViewCounts};
use sqlx::any::AnyRow;
use sqlx::Row;
use switchboard_domain::*;

/// The largest page a list query returns.
pub const MAX_PAGE: u32 = 200;

/// The columns [`stub_row`] reads; `s` is `moved_stubs`.
pub(crate) const STUB_SELECT: &str =
    "SELECT s.id, s.conversation_id, s.from_inbox_id, s.to_inbox_id, i.name AS to_inbox_name, \
            s.moved_by, u.name AS moved_by_name, s.channel, s.status, s.assignee_key, s.subject, \
            k.name AS contact_name, k.email AS contact_email, k.phone AS contact_phone, s.moved_at \
     FROM moved_stubs s JOIN inboxes i ON i.id = s.to_inbox_id JOIN users u ON u.id = s.moved_by \
     JOIN contacts k ON k.id = s.contact_id";

fn summary_row(row: &AnyRow) -> StoreResult<ConversationSummary> {
    let key: String = row.try_get("assignee_key")?;
    Ok(ConversationSummary {
        id: ConversationId(row.try_get("id")?),
        inbox_id: InboxId(row.try_get("inbox_id")?),
        channel: enum_col(row, "channel")?,
        status: enum_col(row, "status")?,
        subject: row.try_get("subject")?,
        preview: row.try_get("preview")?,
        assignee: Assignee::from_key(&key),
        contact_id: ContactId(row.try_get("contact_id")?),
        contact_name: row.try_get("contact_name")?,
        contact_email: row.try_get("contact_email")?,
        contact_phone: row.try_get("contact_phone")?,
        last_activity_at: row.try_get("last_activity_at")?,
    })
}

pub(crate) fn stub_row(row: &AnyRow) -> StoreResult<MovedStub> {
    let key: String = row.try_get("assignee_key")?;
    let contact: [Option<String>; 3] = [
        row.try_get("contact_name")?,
        row.try_get("contact_email")?,
        row.try_get("contact_phone")?,
    ];
    Ok(MovedStub {
        id: MovedStubId(row.try_get("id")?),
        conversation_id: ConversationId(row.try_get("conversation_id")?),
        from_inbox_id: InboxId(row.try_get("from_inbox_id")?),
        to_inbox_id: InboxId(row.try_get("to_inbox_id")?),
        to_inbox_name: row.try_get("to_inbox_name")?,
        moved_by: UserId(row.try_get("moved_by")?),
        moved_by_name: row.try_get("moved_by_name")?,
        channel: enum_col(row, "channel")?,
        status: enum_col(row, "status")?,
        assignee: Assignee::from_key(&key),
        subject: row.try_get("subject")?,
        contact_label: contact
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| "Unknown contact".to_owned()),
        moved_at: row.try_get("moved_at")?,
    })
}

/// A value bound to a dynamically built statement.
enum Bind {
    Int(i64),
    Text(String),
}

/// A statement under construction with its numbered parameters.
struct Statement {
    sql: String,
    binds: Vec<Bind>,
}

impl Statement {
    fn new(sql: &str, inbox: InboxId) -> Self {
        Statement {
            sql: sql.to_owned(),
            binds: vec![Bind::Int(inbox.0)],
        }
    }

    /// Binds `value` and answers its placeholder number.
    fn param(&mut self, value: Bind) -> usize {
        self.binds.push(value);
        self.binds.len()
    }

    /// The status, assignee and channel filters of the query, on table alias `t`.
    fn filters(&mut self, query: &ListQuery, t: &str) {
        if let Some(status) = query.status {
            let n = self.param(Bind::Text(status.as_str().to_owned()));
            self.sql.push_str(&format!(" AND {t}.status = ${n}"));
        }
        match query.assignee {
            AssigneeFilter::Any => {}
            AssigneeFilter::Unassigned => self.sql.push_str(&format!(" AND {t}.assignee_key = ''")),
            AssigneeFilter::Is(a) => {
                let n = self.param(Bind::Text(Assignee::key(Some(a))));
                self.sql.push_str(&format!(" AND {t}.assignee_key = ${n}"));
            }
        }
        if let Some(channel) = query.channel {
            let n = self.param(Bind::Text(channel.as_str().to_owned()));
            self.sql.push_str(&format!(" AND {t}.channel = ${n}"));
        }
    }

    /// Rows after the cursor, where this table's rows sort `stub`-kind: ties on time
    /// are broken by kind (conversations first), then by id.
    fn after(&mut self, cursor: Option<Cursor>, at_col: &str, id_col: &str, stub: bool) {
        let Some(cursor) = cursor else { return };
        let at = self.param(Bind::Int(cursor.at));
        if cursor.stub == stub {
            let id = self.param(Bind::Int(cursor.id));
            self.sql
                .push_str(&format!(" AND ({at_col}, {id_col}) < (${at}, ${id})"));
        } else if stub {
            // After a conversation: stubs of the same time still follow.
            self.sql.push_str(&format!(" AND {at_col} <= ${at}"));
        } else {
            // After a stub: conversations of the same time came before it.
            self.sql.push_str(&format!(" AND {at_col} < ${at}"));
        }
    }

    fn order(&mut self, at_col: &str, id_col: &str, limit: u32) {
        let n = self.param(Bind::Int(i64::from(limit) + 1));
        self.sql.push_str(&format!(
            " ORDER BY {at_col} DESC, {id_col} DESC LIMIT ${n}"
        ));
    }

    async fn fetch(self, store: &SqlStore) -> StoreResult<Vec<AnyRow>> {
        let mut q = sqlx::query(&self.sql);
        for b in self.binds {
            q = match b {
                Bind::Int(i) => q.bind(i),
                Bind::Text(s) => q.bind(s),
            };
        }
        Ok(q.fetch_all(&store.read).await?)
    }
}

impl SqlStore {
    pub(crate) async fn list_conversations(
        &self,
        query: &ListQuery,
    ) -> StoreResult<Page<ListItem>> {
        let limit = query.limit.clamp(1, MAX_PAGE);
        let mut conversations = Statement::new(
            "SELECT c.id, c.inbox_id, c.channel, c.status, c.subject, c.preview, c.assignee_key, c.contact_id, \
                    c.last_activity_at, k.name AS contact_name, k.email AS contact_email, k.phone AS contact_phone \
             FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.inbox_id = $1",
            query.inbox_id,
        );
        conversations.filters(query, "c");
        if let Some(text) = query.text.as_deref() {
            match self.search_condition(text, conversations.binds.len() + 1) {
                Some((condition, values)) => {
                    for value in values {
                        conversations.param(Bind::Text(value));
                    }
                    conversations.sql.push_str(&format!(" AND {condition}"));
                }
                // Nothing searchable in the text: nothing matches.
                None => {
                    return Ok(Page {
                        items: Vec::new(),
                        next_cursor: None,
                    })
                }
            }
        }
        conversations.after(query.cursor, "c.last_activity_at", "c.id", false);
        conversations.order("c.last_activity_at", "c.id", limit);
        let mut items = conversations
            .fetch(self)
            .await?
            .iter()
            .map(|r| summary_row(r).map(ListItem::Conversation))
            .collect::<StoreResult<Vec<_>>>()?;

        // A search looks into conversations' content, which stubs do not have.
        if query.text.is_none() {
            let mut stubs = Statement::new(
                &format!("{STUB_SELECT} WHERE s.from_inbox_id = $1"),
                query.inbox_id,
            );
            stubs.filters(query, "s");
            stubs.after(query.cursor, "s.moved_at", "s.id", true);
            stubs.order("s.moved_at", "s.id", limit);
            for row in stubs.fetch(self).await? {
                items.push(ListItem::Moved(stub_row(&row)?));
            }
            items.sort_by_key(ListItem::order_key);
        }
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|last| Cursor::after(last).encode())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    pub(crate) async fn moved_stub(
        &self,
        inbox: InboxId,
        id: MovedStubId,
    ) -> StoreResult<MovedStub> {
        let row = sqlx::query(&format!(
            "{STUB_SELECT} WHERE s.id = $1 AND s.from_inbox_id = $2"
        ))
        .bind(id.0)
        .bind(inbox.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        stub_row(&row)
    }

    pub(crate) async fn view_counts(
        &self,
        inbox: InboxId,
        user: UserId,
    ) -> StoreResult<ViewCounts> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM conversations WHERE inbox_id = $1 AND status = 'open') AS open_n, \
               (SELECT COUNT(*) FROM conversations WHERE inbox_id = $1 AND status = 'open' AND assignee_key = $2) AS mine_n, \
               (SELECT COUNT(*) FROM conversations WHERE inbox_id = $1 AND status = 'open' AND assignee_key = '') AS unassigned_n, \
               (SELECT COUNT(*) FROM conversations WHERE inbox_id = $1 AND status = 'closed') AS closed_n",
        )
        .bind(inbox.0)
        .bind(Assignee::key(Some(Assignee::User(user))))
        .fetch_one(&self.read)
        .await?;
        Ok(ViewCounts {
            open: row.try_get("open_n")?,
            mine: row.try_get("mine_n")?,
            unassigned: row.try_get("unassigned_n")?,
            closed: row.try_get("closed_n")?,
        })
    }
}
