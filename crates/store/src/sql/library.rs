//! The Insert menu's library: reusable items of an account, searched by title and body.

use super::{enum_col, SqlStore};
use crate::{LibraryQuery, NewLibraryItem, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use switchboard_domain::*;

const LIBRARY_COLUMNS: &str =
    "id, account_id, kind, title, body, url, attachment_id, created_by, created_at";

/// The largest page of library items.
const MAX_ITEMS: u32 = 200;

fn library_row(row: &AnyRow) -> StoreResult<LibraryItem> {
    Ok(LibraryItem {
        id: LibraryItemId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        kind: enum_col(row, "kind")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        url: row.try_get("url")?,
        attachment_id: row
            .try_get::<Option<i64>, _>("attachment_id")?
            .map(AttachmentId),
        created_by: UserId(row.try_get("created_by")?),
        created_at: row.try_get("created_at")?,
    })
}

/// `%text%` for `LIKE ... ESCAPE '\'`, lower-cased, with `%`, `_` and `\` taken literally.
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl SqlStore {
    pub(crate) async fn create_library_item(
        &self,
        new: NewLibraryItem,
    ) -> StoreResult<LibraryItem> {
        let mut tx = self.write.begin().await?;
        if let Some(attachment) = new.attachment_id {
            let n: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM attachments WHERE id = $1 AND account_id = $2 AND uploaded_by = $3",
            )
            .bind(attachment.0)
            .bind(new.account_id.0)
            .bind(new.created_by.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if n == 0 {
                return Err(StoreError::InvalidReference("attachment_id"));
            }
        }
        let row = sqlx::query(&format!(
            "INSERT INTO library_items (account_id, kind, title, body, url, attachment_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {LIBRARY_COLUMNS}"
        ))
        .bind(new.account_id.0)
        .bind(new.kind.as_str())
        .bind(&new.title)
        .bind(new.body.as_deref())
        .bind(new.url.as_deref())
        .bind(new.attachment_id.map(|a| a.0))
        .bind(new.created_by.0)
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        library_row(&row)
    }

    pub(crate) async fn library_items(
        &self,
        query: &LibraryQuery,
    ) -> StoreResult<Vec<LibraryItem>> {
        // Unused filters are bound as values that match everything, so one statement
        // shape serves every combination.
        let kind = query.kind.map(LibraryKind::as_str).unwrap_or("");
        let pattern = like_pattern(query.text.as_deref().unwrap_or("").trim());
        let rows = sqlx::query(&format!(
            "SELECT {LIBRARY_COLUMNS} FROM library_items \
             WHERE account_id = $1 AND ($2 = '' OR kind = $2) \
               AND (LOWER(title) LIKE $3 ESCAPE '\\' OR LOWER(COALESCE(body, '')) LIKE $3 ESCAPE '\\') \
             ORDER BY LOWER(title), id LIMIT $4"
        ))
        .bind(query.account_id.0)
        .bind(kind)
        .bind(pattern)
        .bind(i64::from(query.limit.clamp(1, MAX_ITEMS)))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(library_row).collect()
    }

    pub(crate) async fn library_item(
        &self,
        account: AccountId,
        id: LibraryItemId,
    ) -> StoreResult<LibraryItem> {
        let row = sqlx::query(&format!(
            "SELECT {LIBRARY_COLUMNS} FROM library_items WHERE id = $1 AND account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        library_row(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("Refund"), "%refund%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }
}
