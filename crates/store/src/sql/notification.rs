//! Per-user notifications.

use super::{enum_col, SqlStore};
use crate::{NewNotification, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use switchboard_domain::*;

const NOTIFICATION_COLUMNS: &str =
    "id, user_id, kind, conversation_id, entry_id, actor_user_id, text, \
     CASE WHEN read_at IS NULL THEN 0 ELSE 1 END AS is_read, created_at";

fn notification_row(row: &AnyRow) -> StoreResult<Notification> {
    Ok(Notification {
        id: NotificationId(row.try_get("id")?),
        user_id: UserId(row.try_get("user_id")?),
        kind: enum_col(row, "kind")?,
        conversation_id: row
            .try_get::<Option<i64>, _>("conversation_id")?
            .map(ConversationId),
        entry_id: row.try_get::<Option<i64>, _>("entry_id")?.map(EntryId),
        actor_user_id: row.try_get::<Option<i64>, _>("actor_user_id")?.map(UserId),
        text: row.try_get("text")?,
        read: row.try_get::<i64, _>("is_read")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

impl SqlStore {
    pub(crate) async fn create_notification(
        &self,
        new: NewNotification,
    ) -> StoreResult<Notification> {
        let row = sqlx::query(&format!(
            "INSERT INTO notifications (user_id, kind, conversation_id, entry_id, actor_user_id, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {NOTIFICATION_COLUMNS}"
        ))
        .bind(new.user_id.0)
        .bind(new.kind.as_str())
        .bind(new.conversation_id.map(|c| c.0))
        .bind(new.entry_id.map(|e| e.0))
        .bind(new.actor_user_id.map(|u| u.0))
        .bind(&new.text)
        .bind(new.now)
        .fetch_one(&self.write)
        .await?;
        notification_row(&row)
    }

    pub(crate) async fn notifications(
        &self,
        user: UserId,
        limit: u32,
    ) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
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
