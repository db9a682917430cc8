//! Moving a conversation to another inbox, in one transaction: the conversation's row
//! (locked first, so two movers cannot both pass the check), its tickets, the stub left
//! in the origin's list, the move's round-robin turn, the event, the optional comment
//! and the notifications.

use super::conversation::{ensure_assignee, insert_entry, take_turn, Turn};
use super::list::{stub_row, STUB_SELECT};
use super::notification::{notify, EntryRef};
use super::{enum_col, SqlStore};
use crate::{MoveChange, Moved, NewEntry, StoreError, StoreResult};
use sqlx::Row;
use switchboard_domain::*;

impl SqlStore {
    pub(crate) async fn move_conversation(&self, change: MoveChange) -> StoreResult<Moved> {
        let mut tx = self.write.begin().await?;
        let current = sqlx::query(&format!(
            "SELECT inbox_id, channel, status, assignee_key, subject, contact_id \
             FROM conversations WHERE id = $1 AND account_id = $2{}",
            self.lock_rows()
        ))
        .bind(change.conversation_id.0)
        .bind(change.account_id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let inbox = InboxId(current.try_get("inbox_id")?);
        let status: Status = enum_col(&current, "status")?;
        if inbox != change.from_inbox || status != Status::Open {
            // Release the row lock now rather than when the pool reuses the connection.
            tx.rollback().await?;
            return Err(StoreError::Conflict("conversation"));
        }
        if change.to_inbox == change.from_inbox {
            return Err(StoreError::InvalidReference("inbox_id"));
        }
        let target: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM inboxes WHERE id = $1 AND account_id = $2")
                .bind(change.to_inbox.0)
                .bind(change.account_id.0)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if target == 0 {
            return Err(StoreError::NotFound);
        }
        ensure_assignee(&mut tx, change.account_id, change.assignee).await?;
        if let Some(previous) = change.round_robin_previous {
            take_turn(
                &mut tx,
                change.account_id,
                Turn::MovesInto(change.to_inbox),
                previous,
                change.assignee,
            )
            .await?;
        }

        sqlx::query(
            "UPDATE conversations SET inbox_id = $1, assignee_key = $2, last_activity_at = $3 WHERE id = $4",
        )
        .bind(change.to_inbox.0)
        .bind(Assignee::key(change.assignee))
        .bind(change.now)
        .bind(change.conversation_id.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE tickets SET inbox_id = $1 WHERE account_id = $2 AND id IN \
             (SELECT ticket_id FROM ticket_conversations WHERE conversation_id = $3)",
        )
        .bind(change.to_inbox.0)
        .bind(change.account_id.0)
        .bind(change.conversation_id.0)
        .execute(&mut *tx)
        .await?;
        // Back where it once left: the old stub there gives way to the conversation.
        sqlx::query("DELETE FROM moved_stubs WHERE conversation_id = $1 AND from_inbox_id = $2")
            .bind(change.conversation_id.0)
            .bind(change.to_inbox.0)
            .execute(&mut *tx)
            .await?;
        let stub_id: i64 = sqlx::query(
            "INSERT INTO moved_stubs (account_id, conversation_id, from_inbox_id, to_inbox_id, moved_by, \
                                      channel, status, assignee_key, subject, contact_id, moved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(change.account_id.0)
        .bind(change.conversation_id.0)
        .bind(change.from_inbox.0)
        .bind(change.to_inbox.0)
        .bind(change.actor.0)
        .bind(current.try_get::<String, _>("channel")?)
        .bind(status.as_str())
        .bind(current.try_get::<String, _>("assignee_key")?)
        .bind(current.try_get::<Option<String>, _>("subject")?)
        .bind(current.try_get::<i64, _>("contact_id")?)
        .bind(change.now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;

        let event = insert_entry(
            &mut tx,
            &NewEntry {
                conversation_id: change.conversation_id,
                kind: EntryKind::Event,
                direction: None,
                author_user_id: Some(change.actor),
                author_contact_id: None,
                body: change.event_text,
                meta: change.event_meta,
                now: change.now,
            },
        )
        .await?;
        let comment = match change.comment {
            Some((body, meta)) => Some(
                insert_entry(
                    &mut tx,
                    &NewEntry {
                        conversation_id: change.conversation_id,
                        kind: EntryKind::Comment,
                        direction: None,
                        author_user_id: Some(change.actor),
                        author_contact_id: None,
                        body,
                        meta,
                        now: change.now,
                    },
                )
                .await?,
            ),
            None => None,
        };
        let at = EntryRef {
            account: change.account_id,
            inbox: change.to_inbox,
            conversation: change.conversation_id,
            entry: event.id,
        };
        let notifications = notify(&mut tx, &at, &change.notify, change.now).await?;
        let stub = sqlx::query(&format!("{STUB_SELECT} WHERE s.id = $1"))
            .bind(stub_id)
            .fetch_one(&mut *tx)
            .await?;
        let stub = stub_row(&stub)?;
        tx.commit().await?;
        Ok(Moved {
            event,
            comment,
            stub,
            notifications,
        })
    }

    pub(crate) async fn move_round_robin_last_pick(
        &self,
        inbox: InboxId,
    ) -> StoreResult<Option<UserId>> {
        let row =
            sqlx::query("SELECT move_round_robin_last_user_id AS last FROM inboxes WHERE id = $1")
                .bind(inbox.0)
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(row.try_get::<Option<i64>, _>("last")?.map(UserId))
    }
}
