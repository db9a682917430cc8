//! SQLite specifics: the file's pragmas, the two pools, migrations and FTS5 search.

use crate::StoreResult;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::time::Duration;

/// The SQLite migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Starts the FTS5 document of conversation `$2` (its rowid) with `$1` (text).
pub(crate) const INDEX_INSERT_SQL: &str =
    "INSERT INTO search_documents (body, rowid) VALUES ($1, $2)";

/// Appends `$1` (text) to the FTS5 document of conversation `$2`.
pub(crate) const INDEX_APPEND_SQL: &str =
    "UPDATE search_documents SET body = body || char(10) || $1 WHERE rowid = $2";

/// Opens the read pool and the one-connection write pool on one database file, in WAL
/// mode so readers never wait for the writer.
pub(crate) async fn open(url: &str) -> StoreResult<(AnyPool, AnyPool)> {
    let url = if url.contains('?') {
        url.to_owned()
    } else {
        format!("{url}?mode=rwc")
    };
    let options = || {
        AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                    Ok(())
                })
            })
    };
    // The writer first: it creates the file and switches it to WAL before readers open it.
    let write = options()
        .max_connections(1)
        .min_connections(1)
        .connect(&url)
        .await?;
    let read = options().max_connections(4).connect(&url).await?;
    Ok((read, write))
}

/// The FTS5 conditions for `text`, on parameters from `param` on, and their values:
/// every word must occur, each as a prefix. One `MATCH` per word, because a
/// conversation is several documents (subject and contact, each message) and its words
/// may be spread over them. Words are quoted, so FTS5 operators in user input are plain
/// text.
pub(crate) fn search_condition(text: &str, param: usize) -> Option<(String, Vec<String>)> {
    let words = crate::postgres::words(text);
    if words.is_empty() {
        return None;
    }
    let condition = (param..param + words.len())
        .map(|n| {
            format!(
                "c.id IN (SELECT rowid FROM search_documents WHERE search_documents MATCH ${n})"
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    Some((
        condition,
        words.iter().map(|w| format!("\"{w}\"*")).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_quoted_prefixes() {
        let (sql, q) = search_condition("refund  \"OR\" inv*", 4).expect("words to search");
        assert!(sql.contains("MATCH $4") && sql.contains("MATCH $5") && sql.contains("MATCH $6"));
        assert_eq!(q, ["\"refund\"*", "\"or\"*", "\"inv\"*"]);
        assert!(search_condition(" -- ", 1).is_none());
    }
}
