//! PostgreSQL specifics: the pool, migrations and `tsvector` search.

use crate::StoreResult;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use std::time::Duration;

/// The PostgreSQL migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Adds `$1` (text) to the `tsvector` index of conversation `$2`.
pub(crate) const INDEX_SQL: &str =
    "INSERT INTO search_documents (tsv, conversation_id) VALUES (to_tsvector('simple', $1), $2)";

pub(crate) async fn open(url: &str) -> StoreResult<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?)
}

/// The words of a search: letters and digits, lower-cased, at most 8 of them.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// The `tsquery` condition for `text`: every word must occur, each as a prefix. Only
/// letters and digits reach `to_tsquery`, so its syntax cannot be injected.
pub(crate) fn search_condition(text: &str, param: usize) -> Option<(String, String)> {
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    let query = words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ");
    Some((
        format!("c.id IN (SELECT conversation_id FROM search_documents WHERE tsv @@ to_tsquery('simple', ${param}))"),
        query,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsquery_has_only_words() {
        let (_, q) = search_condition("Refund & !(x) Ünïcode", 1).unwrap();
        assert_eq!(q, "refund:* & x:* & ünïcode:*");
        assert!(search_condition("&|!", 1).is_none());
    }
}
