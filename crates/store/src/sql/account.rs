//! Accounts, users, login sessions and personal access tokens.

use super::{enum_col, SqlStore};
use crate::{NewSession, NewUser, StoreError, StoreResult, UserUpdate};
use sqlx::any::AnyRow;
use sqlx::Row;
use switchboard_domain::*;

const USER_COLUMNS: &str = "u.id, u.account_id, u.name, u.email, u.role, u.seat, u.availability, \
     CASE WHEN u.notify_email THEN 1 ELSE 0 END AS notify_email, u.created_at";

pub(crate) fn user_row(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: enum_col(row, "role")?,
        seat: enum_col(row, "seat")?,
        availability: enum_col(row, "availability")?,
        notify_email: row.try_get::<i64, _>("notify_email")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

fn account_row(row: &AnyRow) -> StoreResult<Account> {
    Ok(Account {
        id: AccountId(row.try_get("id")?),
        name: row.try_get("name")?,
        plan: enum_col(row, "plan")?,
        created_at: row.try_get("created_at")?,
    })
}

impl SqlStore {
    pub(crate) async fn instance_secret(
        &self,
        name: &str,
        candidate: &str,
        now: Millis,
    ) -> StoreResult<String> {
        // The first node to ask sets it; every later call (on any node) reads that one.
        sqlx::query(
            "INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now)
        .execute(&self.write)
        .await?;
        let row = sqlx::query("SELECT value FROM instance_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.write)
            .await?;
        Ok(row.try_get("value")?)
    }

    pub(crate) async fn create_account(
        &self,
        name: &str,
        plan: Plan,
        now: Millis,
    ) -> StoreResult<Account> {
        let row = sqlx::query(
            "INSERT INTO accounts (name, plan, created_at) VALUES ($1, $2, $3) \
             RETURNING id, name, plan, created_at",
        )
        .bind(name)
        .bind(plan.as_str())
        .bind(now)
        .fetch_one(&self.write)
        .await
        .map_err(|e| StoreError::unique(e, "account name"))?;
        account_row(&row)
    }

    pub(crate) async fn account(&self, id: AccountId) -> StoreResult<Account> {
        let row = sqlx::query("SELECT id, name, plan, created_at FROM accounts WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        account_row(&row)
    }

    pub(crate) async fn account_by_name(&self, name: &str) -> StoreResult<Account> {
        let row = sqlx::query("SELECT id, name, plan, created_at FROM accounts WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        account_row(&row)
    }

    pub(crate) async fn set_plan(&self, id: AccountId, plan: Plan) -> StoreResult<()> {
        let done = sqlx::query("UPDATE accounts SET plan = $1 WHERE id = $2")
            .bind(plan.as_str())
            .bind(id.0)
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub(crate) async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let row = sqlx::query(
            "INSERT INTO users (account_id, name, email, password_hash, role, seat, availability, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'available', $7) \
             RETURNING id, account_id, name, email, role, seat, availability, \
                       CASE WHEN notify_email THEN 1 ELSE 0 END AS notify_email, created_at",
        )
        .bind(new.account_id.0)
        .bind(&new.name)
        .bind(&new.email)
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.seat.as_str())
        .bind(new.now)
        .fetch_one(&self.write)
        .await
        .map_err(|e| StoreError::unique(e, "email"))?;
        user_row(&row)
    }

    pub(crate) async fn user(&self, account: AccountId, id: UserId) -> StoreResult<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        user_row(&row)
    }

    pub(crate) async fn update_user(
        &self,
        account: AccountId,
        id: UserId,
        update: UserUpdate,
    ) -> StoreResult<User> {
        let mut tx = self.write.begin().await?;
        // One statement per field keeps every bound value non-null and typed.
        if let Some(availability) = update.availability {
            sqlx::query("UPDATE users SET availability = $1 WHERE id = $2 AND account_id = $3")
                .bind(availability.as_str())
                .bind(id.0)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(notify) = update.notify_email {
            sqlx::query("UPDATE users SET notify_email = $1 WHERE id = $2 AND account_id = $3")
                .bind(notify)
                .bind(id.0)
                .bind(account.0)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        user_row(&row)
    }

    pub(crate) async fn users(&self, account: AccountId) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = $1 ORDER BY u.name, u.id"
        ))
        .bind(account.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(user_row).collect()
    }

    pub(crate) async fn credentials(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok((user_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub(crate) async fn create_session(&self, new: NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&new.token_hash)
        .bind(new.user_id.0)
        .bind(&new.csrf_token)
        .bind(new.now)
        .bind(new.expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub(crate) async fn session(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok((user_row(&r)?, r.try_get("csrf_token")?)))
            .transpose()
    }

    pub(crate) async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub(crate) async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> StoreResult<TokenId> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user.0)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.write)
        .await?;
        Ok(TokenId(row.try_get("id")?))
    }

    pub(crate) async fn user_by_api_token(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(user_row).transpose()
    }
}
