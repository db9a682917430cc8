//! Conversations, their full-text search document and the append-only timeline.

use super::contact::{contact_row, find_or_create_contact};
use super::notification::{notify, EntryRef};
use super::{enum_col, json_col, opt_enum_col, SqlStore};
use crate::{
    AssigneeChange, NewContact, NewConversation, NewEntry, StatusChange, StoreError, StoreResult,
    WrittenEntry,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use switchboard_domain::input::preview_of;
use switchboard_domain::*;

pub(crate) const ENTRY_COLUMNS: &str =
    "id, conversation_id, kind, direction, author_user_id, author_contact_id, body, meta, created_at";

pub(crate) fn entry_row(row: &AnyRow) -> StoreResult<TimelineEntry> {
    Ok(TimelineEntry {
        id: EntryId(row.try_get("id")?),
        conversation_id: ConversationId(row.try_get("conversation_id")?),
        kind: enum_col(row, "kind")?,
        direction: opt_enum_col(row, "direction")?,
        author_user_id: row.try_get::<Option<i64>, _>("author_user_id")?.map(UserId),
        author_contact_id: row
            .try_get::<Option<i64>, _>("author_contact_id")?
            .map(ContactId),
        body: row.try_get("body")?,
        meta: json_col(row, "meta")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) async fn insert_entry(
    tx: &mut Transaction<'static, Any>,
    new: &NewEntry,
) -> StoreResult<TimelineEntry> {
    let row = sqlx::query(&format!(
        "INSERT INTO timeline_entries (conversation_id, kind, direction, author_user_id, author_contact_id, body, meta, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {ENTRY_COLUMNS}"
    ))
    .bind(new.conversation_id.0)
    .bind(new.kind.as_str())
    .bind(new.direction.map(Direction::as_str))
    .bind(new.author_user_id.map(|u| u.0))
    .bind(new.author_contact_id.map(|c| c.0))
    .bind(&new.body)
    .bind(new.meta.to_string())
    .bind(new.now)
    .fetch_one(&mut **tx)
    .await?;
    entry_row(&row)
}

/// Fails with `InvalidReference` unless the assignee is a user or team of the account.
pub(crate) async fn ensure_assignee(
    tx: &mut Transaction<'static, Any>,
    account: AccountId,
    assignee: Option<Assignee>,
) -> StoreResult<()> {
    let (sql, id, what) = match assignee {
        None => return Ok(()),
        Some(Assignee::User(u)) => (
            "SELECT COUNT(*) AS n FROM users WHERE id = $1 AND account_id = $2",
            u.0,
            "user_id",
        ),
        Some(Assignee::Team(t)) => (
            "SELECT COUNT(*) AS n FROM teams WHERE id = $1 AND account_id = $2",
            t.0,
            "team_id",
        ),
    };
    let n: i64 = sqlx::query(sql)
        .bind(id)
        .bind(account.0)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    if n == 0 {
        return Err(StoreError::InvalidReference(what));
    }
    Ok(())
}

impl SqlStore {
    /// Starts (`first`) or extends the conversation's search document.
    async fn index_text(
        &self,
        tx: &mut Transaction<'static, Any>,
        conversation: ConversationId,
        text: &str,
        first: bool,
    ) -> StoreResult<()> {
        sqlx::query(self.index_sql(first))
            .bind(self.search_document(text))
            .bind(conversation.0)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    pub(crate) async fn create_conversation(
        &self,
        new: NewConversation,
    ) -> StoreResult<(Conversation, TimelineEntry)> {
        let mut tx = self.write.begin().await?;
        let created = self.create_conversation_in(&mut tx, new).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// [`Self::create_conversation`] inside the caller's transaction, for writes that
    /// open a conversation with more rows (inbound mail).
    pub(crate) async fn create_conversation_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        new: NewConversation,
    ) -> StoreResult<(Conversation, TimelineEntry)> {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM inboxes WHERE id = $1 AND account_id = $2")
                .bind(new.inbox_id.0)
                .bind(new.account_id.0)
                .fetch_one(&mut **tx)
                .await?
                .try_get("n")?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // The contact always belongs to the conversation's account, whatever the input says.
        let contact_input = NewContact {
            account_id: new.account_id,
            ..new.contact.clone()
        };
        let contact = find_or_create_contact(tx, &contact_input).await?;
        let preview = preview_of(&new.body);
        let row = sqlx::query(
            "INSERT INTO conversations (account_id, inbox_id, channel, status, subject, assignee_key, contact_id, preview, created_at, last_activity_at) \
             VALUES ($1, $2, $3, 'open', $4, '', $5, $6, $7, $7) RETURNING id",
        )
        .bind(new.account_id.0)
        .bind(new.inbox_id.0)
        .bind(new.channel.as_str())
        .bind(new.subject.as_deref())
        .bind(contact.id.0)
        .bind(&preview)
        .bind(new.now)
        .fetch_one(&mut **tx)
        .await?;
        let id = ConversationId(row.try_get("id")?);
        let entry = insert_entry(
            tx,
            &NewEntry {
                conversation_id: id,
                kind: EntryKind::Message,
                direction: Some(Direction::Inbound),
                author_user_id: None,
                author_contact_id: Some(contact.id),
                body: new.body.clone(),
                meta: new.meta.clone(),
                now: new.now,
            },
        )
        .await?;
        let header = [
            new.subject.as_deref(),
            contact.name.as_deref(),
            contact.email.as_deref(),
            contact.phone.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        self.index_text(tx, id, &format!("{header}\n{}", new.body), true)
            .await?;
        let conversation = Conversation {
            id,
            account_id: new.account_id,
            inbox_id: new.inbox_id,
            channel: new.channel,
            status: Status::Open,
            subject: new.subject,
            assignee: None,
            contact,
            preview,
            ticket_ids: Vec::new(),
            created_at: new.now,
            last_activity_at: new.now,
        };
        Ok((conversation, entry))
    }

    pub(crate) async fn conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Conversation> {
        let row = sqlx::query(
            "SELECT c.id AS c_id, c.inbox_id, c.channel, c.status, c.subject, c.assignee_key, c.preview, \
                    c.created_at AS c_created_at, c.last_activity_at, \
                    k.id, k.account_id, k.name, k.email, k.phone, k.owner_id, k.created_at \
             FROM conversations c JOIN contacts k ON k.id = c.contact_id \
             WHERE c.id = $1 AND c.account_id = $2",
        )
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        let tickets = sqlx::query("SELECT ticket_id FROM ticket_conversations WHERE conversation_id = $1 ORDER BY ticket_id")
            .bind(id.0)
            .fetch_all(&self.read)
            .await?;
        let key: String = row.try_get("assignee_key")?;
        Ok(Conversation {
            id: ConversationId(row.try_get("c_id")?),
            account_id: account,
            inbox_id: InboxId(row.try_get("inbox_id")?),
            channel: enum_col(&row, "channel")?,
            status: enum_col(&row, "status")?,
            subject: row.try_get("subject")?,
            assignee: Assignee::from_key(&key),
            contact: contact_row(&row)?,
            preview: row.try_get("preview")?,
            ticket_ids: tickets
                .iter()
                .map(|t| Ok(TicketId(t.try_get("ticket_id")?)))
                .collect::<StoreResult<_>>()?,
            created_at: row.try_get("c_created_at")?,
            last_activity_at: row.try_get("last_activity_at")?,
        })
    }

    pub(crate) async fn timeline(
        &self,
        conversation: ConversationId,
    ) -> StoreResult<Vec<TimelineEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM timeline_entries \
             WHERE conversation_id = $1 AND deleted_at IS NULL ORDER BY id"
        ))
        .bind(conversation.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(entry_row).collect()
    }

    pub(crate) async fn entry(
        &self,
        conversation: ConversationId,
        id: EntryId,
    ) -> StoreResult<TimelineEntry> {
        let row = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM timeline_entries \
             WHERE conversation_id = $1 AND id = $2 AND deleted_at IS NULL"
        ))
        .bind(conversation.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        entry_row(&row)
    }

    pub(crate) async fn append_entry(&self, new: NewEntry) -> StoreResult<TimelineEntry> {
        let mut tx = self.write.begin().await?;
        let entry = self.append_entry_in(&mut tx, &new).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// [`Self::append_entry`] inside the caller's transaction, for writes that append
    /// an entry with more rows (outbound mail).
    pub(crate) async fn append_entry_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        new: &NewEntry,
    ) -> StoreResult<TimelineEntry> {
        let touched = if new.kind == EntryKind::Message {
            // A message is the new preview; one from the contact reopens the conversation.
            let reopen = if new.direction == Some(Direction::Inbound) {
                ", status = 'open'"
            } else {
                ""
            };
            sqlx::query(&format!(
                "UPDATE conversations SET preview = $1, last_activity_at = $2{reopen} WHERE id = $3"
            ))
            .bind(preview_of(&new.body))
            .bind(new.now)
            .bind(new.conversation_id.0)
            .execute(&mut **tx)
            .await?
            .rows_affected()
        } else {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM conversations WHERE id = $1")
                .bind(new.conversation_id.0)
                .fetch_one(&mut **tx)
                .await?
                .try_get("n")?;
            n as u64
        };
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
        let entry = insert_entry(tx, new).await?;
        if new.kind == EntryKind::Message {
            self.index_text(tx, new.conversation_id, &new.body, false)
                .await?;
        }
        Ok(entry)
    }

    pub(crate) async fn set_status(
        &self,
        change: StatusChange,
    ) -> StoreResult<Option<TimelineEntry>> {
        let mut tx = self.write.begin().await?;
        let current = sqlx::query("SELECT status FROM conversations WHERE id = $1")
            .bind(change.conversation_id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if enum_col::<Status>(&current, "status")? == change.status {
            return Ok(None);
        }
        sqlx::query("UPDATE conversations SET status = $1 WHERE id = $2")
            .bind(change.status.as_str())
            .bind(change.conversation_id.0)
            .execute(&mut *tx)
            .await?;
        let entry = insert_entry(
            &mut tx,
            &NewEntry {
                conversation_id: change.conversation_id,
                kind: EntryKind::Event,
                direction: None,
                author_user_id: Some(change.actor),
                author_contact_id: None,
                body: change.event_text,
                meta: serde_json::json!({"event": "status_changed", "status": change.status}),
                now: change.now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(entry))
    }

    pub(crate) async fn set_assignee(
        &self,
        change: AssigneeChange,
    ) -> StoreResult<Option<WrittenEntry>> {
        let mut tx = self.write.begin().await?;
        let current = sqlx::query(
            "SELECT account_id, inbox_id, assignee_key FROM conversations WHERE id = $1",
        )
        .bind(change.conversation_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let account = AccountId(current.try_get("account_id")?);
        let inbox = InboxId(current.try_get("inbox_id")?);
        ensure_assignee(&mut tx, account, change.assignee).await?;
        let key = Assignee::key(change.assignee);
        if current.try_get::<String, _>("assignee_key")? == key {
            return Ok(None);
        }
        sqlx::query("UPDATE conversations SET assignee_key = $1 WHERE id = $2")
            .bind(&key)
            .bind(change.conversation_id.0)
            .execute(&mut *tx)
            .await?;
        let mut meta = serde_json::json!({"event": "assigned", "assignee": change.assignee});
        if let Some(pick) = change.round_robin {
            take_turn(
                &mut tx,
                account,
                Turn::Team(pick.team_id),
                pick.previous,
                change.assignee,
            )
            .await?;
            meta["round_robin_team_id"] = serde_json::json!(pick.team_id);
        }
        let entry = insert_entry(
            &mut tx,
            &NewEntry {
                conversation_id: change.conversation_id,
                kind: EntryKind::Event,
                direction: None,
                author_user_id: change.actor,
                author_contact_id: None,
                body: change.event_text,
                meta,
                now: change.now,
            },
        )
        .await?;
        let at = EntryRef {
            account,
            inbox,
            conversation: change.conversation_id,
            entry: entry.id,
        };
        let notifications = notify(&mut tx, &at, &change.notify, change.now).await?;
        tx.commit().await?;
        Ok(Some(WrittenEntry {
            entry,
            inbox_id: inbox,
            notifications,
        }))
    }
}

/// Whose round-robin turn a pick takes: a team's (assignments to it), or an inbox's
/// (moves into it that picked among several users).
pub(crate) enum Turn {
    Team(TeamId),
    MovesInto(InboxId),
}

/// Moves the turn from `previous` (what the picker read) to the picked user, or fails
/// with `Conflict` when another write moved it first (the caller picks again).
pub(crate) async fn take_turn(
    tx: &mut Transaction<'static, Any>,
    account: AccountId,
    turn: Turn,
    previous: Option<UserId>,
    assignee: Option<Assignee>,
) -> StoreResult<()> {
    let (sql, id, field) = match turn {
        Turn::Team(team) => (
            "UPDATE teams SET round_robin_last_user_id = $1 \
             WHERE id = $2 AND account_id = $3 AND COALESCE(round_robin_last_user_id, 0) = $4",
            team.0,
            "user_id",
        ),
        Turn::MovesInto(inbox) => (
            "UPDATE inboxes SET move_round_robin_last_user_id = $1 \
             WHERE id = $2 AND account_id = $3 AND COALESCE(move_round_robin_last_user_id, 0) = $4",
            inbox.0,
            "user_ids",
        ),
    };
    let Some(Assignee::User(user)) = assignee else {
        return Err(StoreError::InvalidReference(field));
    };
    // Ids start at 1, so 0 stands for "nobody picked yet" in the comparison.
    let taken = sqlx::query(sql)
        .bind(user.0)
        .bind(id)
        .bind(account.0)
        .bind(previous.map_or(0, |u| u.0))
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if taken == 0 {
        return Err(StoreError::Conflict("round-robin turn"));
    }
    Ok(())
}
