//! Contacts: the customers conversations are with.

use super::SqlStore;
use crate::{NewContact, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use switchboard_domain::*;

const CONTACT_COLUMNS: &str = "id, account_id, name, email, phone, owner_id, created_at";

pub(crate) fn contact_row(row: &AnyRow) -> StoreResult<Contact> {
    Ok(Contact {
        id: ContactId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        owner_id: row.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
        created_at: row.try_get("created_at")?,
    })
}

/// Fails unless `owner` is a user of the account.
async fn ensure_owner(
    tx: &mut Transaction<'static, Any>,
    account: AccountId,
    owner: Option<UserId>,
) -> StoreResult<()> {
    let Some(owner) = owner else { return Ok(()) };
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE id = $1 AND account_id = $2")
        .bind(owner.0)
        .bind(account.0)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    if n == 0 {
        return Err(StoreError::InvalidReference("owner_id"));
    }
    Ok(())
}

async fn insert_contact(
    tx: &mut Transaction<'static, Any>,
    new: &NewContact,
) -> StoreResult<Contact> {
    ensure_owner(tx, new.account_id, new.owner_id).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO contacts (account_id, name, email, phone, owner_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(new.account_id.0)
    .bind(new.name.as_deref())
    .bind(new.email.as_deref())
    .bind(new.phone.as_deref())
    .bind(new.owner_id.map(|o| o.0))
    .bind(new.now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "contact email"))?;
    contact_row(&row)
}

/// The account's contact with the email (else phone) of `new`, created if there is none.
/// A name learnt from a later message fills a contact that had none.
pub(crate) async fn find_or_create_contact(
    tx: &mut Transaction<'static, Any>,
    new: &NewContact,
) -> StoreResult<Contact> {
    let found = if let Some(email) = &new.email {
        sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 AND email = $2"
        ))
        .bind(new.account_id.0)
        .bind(email)
        .fetch_optional(&mut **tx)
        .await?
    } else if let Some(phone) = &new.phone {
        sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 AND phone = $2 ORDER BY id LIMIT 1"
        ))
        .bind(new.account_id.0)
        .bind(phone)
        .fetch_optional(&mut **tx)
        .await?
    } else {
        None
    };
    let Some(row) = found else {
        return insert_contact(tx, new).await;
    };
    let mut contact = contact_row(&row)?;
    if contact.name.is_none() && new.name.is_some() {
        sqlx::query("UPDATE contacts SET name = $1 WHERE id = $2")
            .bind(new.name.as_deref())
            .bind(contact.id.0)
            .execute(&mut **tx)
            .await?;
        contact.name.clone_from(&new.name);
    }
    Ok(contact)
}

impl SqlStore {
    pub(crate) async fn create_contact(&self, new: NewContact) -> StoreResult<Contact> {
        let mut tx = self.write.begin().await?;
        let contact = insert_contact(&mut tx, &new).await?;
        tx.commit().await?;
        Ok(contact)
    }

    pub(crate) async fn contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact> {
        let row = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1 AND account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        contact_row(&row)
    }

    pub(crate) async fn contacts(
        &self,
        account: AccountId,
        limit: u32,
        after: Option<ContactId>,
    ) -> StoreResult<Vec<Contact>> {
        let rows = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(account.0)
        .bind(after.map_or(0, |c| c.0))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(contact_row).collect()
    }
}
