//! Tickets and their association with conversations.

use super::{enum_col, placeholders, SqlStore};
use crate::{NewTicket, StoreError, StoreResult, TicketUpdate};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};
use switchboard_domain::*;

const TICKET_COLUMNS: &str =
    "id, account_id, inbox_id, subject, stage, priority, owner_id, created_at";

fn ticket_row(row: &AnyRow, conversation_ids: Vec<ConversationId>) -> StoreResult<Ticket> {
    Ok(Ticket {
        id: TicketId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        inbox_id: InboxId(row.try_get("inbox_id")?),
        subject: row.try_get("subject")?,
        stage: enum_col(row, "stage")?,
        priority: enum_col(row, "priority")?,
        owner_id: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
        conversation_ids,
        created_at: row.try_get("created_at")?,
    })
}

impl SqlStore {
    pub(crate) async fn create_ticket(&self, new: NewTicket) -> StoreResult<Ticket> {
        let ids: BTreeSet<i64> = new.conversation_ids.iter().map(|c| c.0).collect();
        if ids.is_empty() {
            return Err(StoreError::InvalidReference("conversation_ids"));
        }
        let mut tx = self.write.begin().await?;
        let sql = format!(
            "SELECT DISTINCT inbox_id FROM conversations WHERE account_id = $1 AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query(&sql).bind(new.account_id.0);
        for id in &ids {
            q = q.bind(*id);
        }
        let inboxes = q.fetch_all(&mut *tx).await?;
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM conversations WHERE account_id = $1 AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query(&count_sql).bind(new.account_id.0);
        for id in &ids {
            q = q.bind(*id);
        }
        let found: i64 = q.fetch_one(&mut *tx).await?.try_get("n")?;
        let [inbox] = inboxes.as_slice() else {
            return Err(StoreError::InvalidReference("conversation_ids"));
        };
        if found as usize != ids.len() {
            return Err(StoreError::InvalidReference("conversation_ids"));
        }
        if let Some(owner) = new.owner_id {
            let n: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM users WHERE id = $1 AND account_id = $2")
                    .bind(owner.0)
                    .bind(new.account_id.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            if n == 0 {
                return Err(StoreError::InvalidReference("owner_id"));
            }
        }
        let inbox_id: i64 = inbox.try_get("inbox_id")?;
        let row = sqlx::query(&format!(
            "INSERT INTO tickets (account_id, inbox_id, subject, stage, priority, owner_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TICKET_COLUMNS}"
        ))
        .bind(new.account_id.0)
        .bind(inbox_id)
        .bind(&new.subject)
        .bind(new.stage.as_str())
        .bind(new.priority.as_str())
        .bind(new.owner_id.map(|o| o.0))
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await?;
        let ticket_id: i64 = row.try_get("id")?;
        for id in &ids {
            sqlx::query(
                "INSERT INTO ticket_conversations (ticket_id, conversation_id) VALUES ($1, $2)",
            )
            .bind(ticket_id)
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        ticket_row(&row, ids.into_iter().map(ConversationId).collect())
    }

    pub(crate) async fn update_ticket(
        &self,
        account: AccountId,
        id: TicketId,
        update: TicketUpdate,
    ) -> StoreResult<Ticket> {
        let mut tx = self.write.begin().await?;
        if let Some(Some(owner)) = update.owner_id {
            let n: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM users WHERE id = $1 AND account_id = $2")
                    .bind(owner.0)
                    .bind(account.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            if n == 0 {
                return Err(StoreError::InvalidReference("owner_id"));
            }
        }
        // Each field is set to itself unless given; `$6` says whether to touch the owner.
        let changed = sqlx::query(
            "UPDATE tickets SET subject = COALESCE($1, subject), stage = COALESCE($2, stage),                     priority = COALESCE($3, priority),                     owner_id = CASE WHEN $4 = 1 THEN $5 ELSE owner_id END              WHERE id = $6 AND account_id = $7",
        )
        .bind(update.subject.as_deref())
        .bind(update.stage.map(TicketStage::as_str))
        .bind(update.priority.map(Priority::as_str))
        .bind(i64::from(update.owner_id.is_some()))
        .bind(update.owner_id.flatten().map(|o| o.0))
        .bind(id.0)
        .bind(account.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        self.ticket(account, id).await
    }

    pub(crate) async fn ticket(&self, account: AccountId, id: TicketId) -> StoreResult<Ticket> {
        let row = sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1 AND account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        let links = sqlx::query("SELECT conversation_id FROM ticket_conversations WHERE ticket_id = $1 ORDER BY conversation_id")
            .bind(id.0)
            .fetch_all(&self.read)
            .await?;
        let ids = links
            .iter()
            .map(|l| Ok(ConversationId(l.try_get("conversation_id")?)))
            .collect::<StoreResult<_>>()?;
        ticket_row(&row, ids)
    }

    pub(crate) async fn tickets(
        &self,
        account: AccountId,
        inboxes: &[InboxId],
    ) -> StoreResult<Vec<Ticket>> {
        if inboxes.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(2, inboxes.len());
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE account_id = $1 AND inbox_id IN ({list}) ORDER BY id DESC LIMIT 500"
        );
        let mut q = sqlx::query(&sql).bind(account.0);
        for i in inboxes {
            q = q.bind(i.0);
        }
        let rows = q.fetch_all(&self.read).await?;
        let link_sql = format!(
            "SELECT l.ticket_id, l.conversation_id FROM ticket_conversations l JOIN tickets t ON t.id = l.ticket_id \
             WHERE t.account_id = $1 AND t.inbox_id IN ({list}) ORDER BY l.conversation_id"
        );
        let mut q = sqlx::query(&link_sql).bind(account.0);
        for i in inboxes {
            q = q.bind(i.0);
        }
        let mut links: HashMap<i64, Vec<ConversationId>> = HashMap::new();
        for l in q.fetch_all(&self.read).await? {
            links
                .entry(l.try_get("ticket_id")?)
                .or_default()
                .push(ConversationId(l.try_get("conversation_id")?));
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                ticket_row(r, links.remove(&id).unwrap_or_default())
            })
            .collect()
    }
}
