//! The durable outbox: mail queued inside the transaction that decided to send it.
//! Sending (dequeue with `SKIP LOCKED`, retries, backoff) belongs to the outbox worker
//! of the email channel; here are the insert and the listing.

use super::{enum_col, SqlStore};
use crate::StoreResult;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use switchboard_domain::*;

pub(crate) const OUTBOX_COLUMNS: &str =
    "id, account_id, kind, recipient, subject, body_text, state, attempts, \
     next_attempt_at, last_error, notification_id, entry_id, created_at, sent_at";

/// A mail to queue.
pub(crate) struct NewOutboxRow {
    pub account: AccountId,
    pub kind: OutboxKind,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub notification: Option<NotificationId>,
    pub entry: Option<EntryId>,
    pub now: Millis,
}

pub(crate) fn outbox_row(row: &AnyRow) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        id: OutboxId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        kind: enum_col(row, "kind")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        state: enum_col(row, "state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        notification_id: row
            .try_get::<Option<i64>, _>("notification_id")?
            .map(NotificationId),
        entry_id: row.try_get::<Option<i64>, _>("entry_id")?.map(EntryId),
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// Queues a mail, due now, in the caller's transaction.
pub(crate) async fn insert_outbox(
    tx: &mut Transaction<'static, Any>,
    new: &NewOutboxRow,
) -> StoreResult<OutboxId> {
    let row = sqlx::query(
        "INSERT INTO outbox (account_id, kind, recipient, subject, body_text, state, attempts, \
                             next_attempt_at, notification_id, entry_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $6) RETURNING id",
    )
    .bind(new.account.0)
    .bind(new.kind.as_str())
    .bind(&new.recipient)
    .bind(&new.subject)
    .bind(&new.body_text)
    .bind(new.now)
    .bind(new.notification.map(|n| n.0))
    .bind(new.entry.map(|e| e.0))
    .fetch_one(&mut **tx)
    .await?;
    Ok(OutboxId(row.try_get("id")?))
}

impl SqlStore {
    pub(crate) async fn outbox(
        &self,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE account_id = $1 ORDER BY id LIMIT $2"
        ))
        .bind(account.0)
        .bind(i64::from(limit.clamp(1, 1_000)))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(outbox_row).collect()
    }
}
