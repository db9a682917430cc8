//! PostgreSQL specifics: the pool, migrations and `tsvector` search.

use crate::StoreResult;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use std::time::Duration;

/// The PostgreSQL migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Starts the `tsvector` document of conversation `$2` with `$1` (text, as [`document`]
/// made it).
pub(crate) const INDEX_INSERT_SQL: &str =
    "INSERT INTO search_documents (tsv, conversation_id) VALUES (to_tsvector('simple', $1), $2)";

/// Appends `$1` (text, as [`document`] made it) to the document of conversation `$2`.
pub(crate) const INDEX_APPEND_SQL: &str =
    "UPDATE search_documents SET tsv = tsv || to_tsvector('simple', $1) WHERE conversation_id = $2";

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

/// Text to index, split into words exactly as [`words`] splits a search. PostgreSQL's
/// parser alone keeps `jane@example.com` or `example.com` as one token, which the
/// searches `example` or `jane@example.com` (split into words) would never match.
pub(crate) fn document(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `tsquery` conditions for `text`, on parameters from `param` on, and their
/// values: every word must occur, each as a prefix. One condition per word, because a
/// conversation is several documents (subject and contact, each message) and its words
/// may be spread over them. Only letters and digits reach `to_tsquery`, so its syntax
/// cannot be injected.
pub(crate) fn search_condition(text: &str, param: usize) -> Option<(String, Vec<String>)> {
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    let condition = (param..param + words.len())
        .map(|n| {
            format!("c.id IN (SELECT conversation_id FROM search_documents WHERE tsv @@ to_tsquery('simple', ${n}))")
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    Some((condition, words.iter().map(|w| format!("{w}:*")).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsquery_has_only_words_one_per_parameter() {
        let (sql, q) = search_condition("Refund & !(x) Ünïcode", 2).expect("words to search");
        assert_eq!(q, ["refund:*", "x:*", "ünïcode:*"]);
        assert!(
            sql.contains("$2") && sql.contains("$3") && sql.contains("$4") && !sql.contains("$5")
        );
        assert!(search_condition("&|!", 1).is_none());
    }

    #[test]
    fn document_splits_addresses_into_words() {
        assert_eq!(
            document("Jane <Jane.Roe@Example.com>, re-fund!"),
            "jane jane roe example com re fund"
        );
    }
}
