//! Per-user notifications, and the notifications a write creates about the entry it
//! appends (with their outbox mail), inside that write's transaction.

use super::outbox::{insert_outbox, NewOutboxRow};
use super::{enum_col, SqlStore};
use crate::{NewNotification, NotificationDraft, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use switchboard_domain::notification::entry_link;
use switchboard_domain::*;

/// The columns of a notification with its conversation's current inbox; `FROM` it.
const NOTIFICATION_SELECT: &str =
    "SELECT n.id, n.user_id, n.kind, n.conversation_id, c.inbox_id, n.entry_id, n.actor_user_id, n.text, \
            CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END AS is_read, n.created_at \
     FROM notifications n LEFT JOIN conversations c ON c.id = n.conversation_id";

fn notification_row(row: &AnyRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: NotificationId(row.try_get("id")?),
        user_id: UserId(row.try_get("user_id")?),
        kind: enum_col(row, "kind")?,
        conversation_id: row
            .try_get::<Option<i64>, _>("conversation_id")?
            .map(ConversationId),
        inbox_id: row.try_get::<Option<i64>, _>("inbox_id")?.map(InboxId),
        entry_id: row.try_get::<Option<i64>, _>("entry_id")?.map(EntryId),
        actor_user_id: row.try_get::<Option<i64>, _>("actor_user_id")?.map(UserId),
        text: row.try_get("text")?,
        read: row.try_get::<i64, _>("is_read")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

async fn insert_notification(
    tx: &mut Transaction<'static, Any>,
    new: &NewNotification,
) -> StoreResult<NotificationId> {
    let row = sqlx::query(
        "INSERT INTO notifications (user_id, kind, conversation_id, entry_id, actor_user_id, text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.user_id.0)
    .bind(new.kind.as_str())
    .bind(new.conversation_id.map(|c| c.0))
    .bind(new.entry_id.map(|e| e.0))
    .bind(new.actor_user_id.map(|u| u.0))
    .bind(&new.text)
    .bind(new.now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(NotificationId(row.try_get("id")?))
}

/// Where the notifications of one appended entry point.
pub(crate) struct EntryRef {
    pub account: AccountId,
    pub inbox: InboxId,
    pub conversation: ConversationId,
    pub entry: EntryId,
}

/// Creates the drafts' notifications about `at`, and queues the email of each whose
/// user wants notification emails, in the caller's transaction. A user of another
/// account is an [`StoreError::InvalidReference`].
pub(crate) async fn notify(
    tx: &mut Transaction<'static, Any>,
    at: &EntryRef,
    drafts: &[NotificationDraft],
    now: Millis,
) -> StoreResult<Vec<Notification>> {
    let mut created = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let user = sqlx::query(
            "SELECT email, CASE WHEN notify_email THEN 1 ELSE 0 END AS notify_email \
             FROM users WHERE id = $1 AND account_id = $2",
        )
        .bind(draft.user_id.0)
        .bind(at.account.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::InvalidReference("user_id"))?;
        let new = NewNotification {
            user_id: draft.user_id,
            kind: draft.kind,
            conversation_id: Some(at.conversation),
            entry_id: Some(at.entry),
            actor_user_id: draft.actor_user_id,
            text: draft.text.clone(),
            now,
        };
        let id = insert_notification(tx, &new).await?;
        let wants_email = user.try_get::<i64, _>("notify_email")? != 0;
        if let Some(email) = draft.email.as_ref().filter(|_| wants_email) {
            let link = entry_link(at.inbox, at.conversation, Some(at.entry));
            insert_outbox(
                tx,
                &NewOutboxRow {
                    account: at.account,
                    kind: OutboxKind::Notification,
                    recipient: user.try_get("email")?,
                    subject: email.subject.clone(),
                    body_text: email.text(&link),
                    notification: Some(id),
                    entry: Some(at.entry),
                    now,
                },
            )
            .await?;
        }
        created.push(Notification {
            id,
            user_id: new.user_id,
            kind: new.kind,
            conversation_id: new.conversation_id,
            inbox_id: Some(at.inbox),
            entry_id: new.entry_id,
            actor_user_id: new.actor_user_id,
            text: new.text,
            read: false,
            created_at: now,
        });
    }
    Ok(created)
}

impl SqlStore {
    pub(crate) async fn create_notification(
        &self,
        new: NewNotification,
    ) -> StoreResult<Notification> {
        let mut tx = self.write.begin().await?;
        let id = insert_notification(&mut tx, &new).await?;
        let row = sqlx::query(&format!("{NOTIFICATION_SELECT} WHERE n.id = $1"))
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        notification_row(&row)
    }

    pub(crate) async fn notifications(
        &self,
        user: UserId,
        limit: u32,
    ) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "{NOTIFICATION_SELECT} WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2"
        ))
        .bind(user.0)
        .bind(i64::from(limit.clamp(1, 200)))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(notification_row).collect()
    }

    pub(crate) async fn mark_notification_read(
        &self,
        user: UserId,
        id: NotificationId,
        now: Millis,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
        )
        .bind(now)
        .bind(id.0)
        .bind(user.0)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
