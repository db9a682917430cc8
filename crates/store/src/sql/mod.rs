//! The [`Store`](crate::Store) implementation over sqlx's `Any` driver. The SQL here
//! is portable between SQLite and PostgreSQL (numbered `$n` parameters, `RETURNING`,
//! `ON CONFLICT`, integer millisecond timestamps); what differs lives in
//! [`crate::sqlite`] and [`crate::postgres`] and is reached through [`SqlStore::backend`].
//!
//! SQLite allows one writer at a time, so writes go through a one-connection pool and
//! never meet `SQLITE_BUSY` mid-transaction; reads use a pool of their own. On
//! PostgreSQL both are the same pool.

mod account;
mod attachment;
mod comment;
mod contact;
mod conversation;
mod email;
mod imap;
mod inbox;
mod library;
mod list;
mod moving;
mod notification;
mod outbound;
mod outbox;
mod store;
mod ticket;

use crate::{Backend, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::AnyPool;
use sqlx::Row;
use std::str::FromStr;

/// The SQL store; cheap to clone (pools are shared handles).
#[derive(Clone, Debug)]
pub struct SqlStore {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
}

impl SqlStore {
    /// Connects to `sqlite://...` or `postgres://...` and runs the migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let store = if url.starts_with("sqlite:") {
            let (read, write) = crate::sqlite::open(url).await?;
            SqlStore {
                backend: Backend::Sqlite,
                read,
                write,
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = crate::postgres::open(url).await?;
            SqlStore {
                backend: Backend::Postgres,
                read: pool.clone(),
                write: pool,
            }
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations of the backend.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => crate::sqlite::MIGRATOR.run(&self.write).await?,
            Backend::Postgres => crate::postgres::MIGRATOR.run(&self.write).await?,
        }
        Ok(())
    }

    /// Closes both pools, waiting for connections to be returned.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// The SQL that starts (`first`) or extends the one search document of conversation
    /// `$2` with `$1`. One document per conversation keeps a search a single index
    /// lookup that yields conversation ids directly.
    fn index_sql(&self, first: bool) -> &'static str {
        match (self.backend, first) {
            (Backend::Sqlite, true) => crate::sqlite::INDEX_INSERT_SQL,
            (Backend::Sqlite, false) => crate::sqlite::INDEX_APPEND_SQL,
            (Backend::Postgres, true) => crate::postgres::INDEX_INSERT_SQL,
            (Backend::Postgres, false) => crate::postgres::INDEX_APPEND_SQL,
        }
    }

    /// `text` as the backend's search index takes it (bound as `$1` of [`Self::index_sql`]).
    fn search_document(&self, text: &str) -> String {
        match self.backend {
            Backend::Sqlite => text.to_owned(),
            Backend::Postgres => crate::postgres::document(text),
        }
    }

    /// The clause that locks the rows a transaction's `SELECT` reads until it ends:
    /// `FOR UPDATE` on PostgreSQL; nothing on SQLite, whose single writer connection
    /// already serializes every write transaction.
    fn lock_rows(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Like [`Self::lock_rows`], but rows another transaction holds are skipped rather
    /// than waited for (`FOR UPDATE SKIP LOCKED`), so outbox workers on several nodes
    /// lease disjoint rows.
    fn lock_rows_skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// A condition on `c.id` matching full-text `text`, on parameters numbered from
    /// `param`, and the values to bind to them in order; `None` when the search text
    /// has no word to look for.
    fn search_condition(&self, text: &str, param: usize) -> Option<(String, Vec<String>)> {
        match self.backend {
            Backend::Sqlite => crate::sqlite::search_condition(text, param),
            Backend::Postgres => crate::postgres::search_condition(text, param),
        }
    }
}

/// Hides a password in a URL before it reaches an error message or a log.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Reads a text column into a string-backed domain enum.
pub(crate) fn enum_col<T: FromStr>(row: &AnyRow, col: &str) -> StoreResult<T> {
    let text: String = row.try_get(col)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("{col} = {text:?}")))
}

/// Reads a nullable text column into an optional domain enum.
pub(crate) fn opt_enum_col<T: FromStr>(row: &AnyRow, col: &str) -> StoreResult<Option<T>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| {
        t.parse()
            .map_err(|_| StoreError::Corrupt(format!("{col} = {t:?}")))
    })
    .transpose()
}

/// Reads a JSON text column.
pub(crate) fn json_col(row: &AnyRow, col: &str) -> StoreResult<serde_json::Value> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{col}: {e}")))
}

/// `$start, $start+1, ...` for `n` parameters, for `IN (...)` lists.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_credentials_only() {
        assert_eq!(
            redact("postgres://u:secret@db:5432/x"),
            "postgres://***@db:5432/x"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn placeholders_are_numbered_from_start() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 0), "");
    }
}
