//! The store conformance suite on PostgreSQL, when `SWITCHBOARD_TEST_POSTGRES_URL`
//! names a server (for example `postgres://postgres:postgres@127.0.0.1:5432/postgres`).
//! Every behaviour runs as its own test in a database of its own, `sb_test_<random>`,
//! created through that URL and dropped afterwards, so tests run in parallel. Without
//! the variable each test says so on stderr and passes.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_store::conformance::Test;
use switchboard_store::SqlStore;

const URL_VAR: &str = "SWITCHBOARD_TEST_POSTGRES_URL";

/// Runs one behaviour on a new, migrated PostgreSQL database.
async fn run(test: Test) {
    let Ok(server_url) = std::env::var(URL_VAR) else {
        eprintln!("skipped: {URL_VAR} is not set, so the PostgreSQL store is not tested");
        return;
    };
    let name = database_name();
    let mut server = PgConnection::connect(&server_url)
        .await
        .expect("a connection to the test server");
    server
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("CREATE DATABASE");

    let store = SqlStore::connect(&with_database(&server_url, &name))
        .await
        .expect("a fresh PostgreSQL store");
    let store = Arc::new(store);
    // On a task of its own, so a failed assertion still reaches the clean-up below.
    let outcome = tokio::spawn({
        let store = Arc::clone(&store);
        async move { test(&*store).await }
    })
    .await;
    store.close().await;
    // Best effort: a database left behind only costs disk on a test server.
    let dropped = server
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await;
    if let Err(e) = dropped {
        eprintln!("could not drop test database {name}: {e}");
    }
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// A database name no other test, or concurrent run, picks.
fn database_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = (
        std::process::id(),
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed),
    );
    format!("sb_test_{:016x}", RandomState::new().hash_one(seed))
}

/// `url` with its database path replaced by `database`; the query string is kept.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let host = base.find("://").map_or(0, |i| i + 3);
    let server = match base[host..].find('/') {
        Some(slash) => &base[..host + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[test]
fn with_database_replaces_only_the_path() {
    let url = "postgres://u:p@db:5432/postgres?sslmode=disable";
    assert_eq!(
        with_database(url, "sb_test_1"),
        "postgres://u:p@db:5432/sb_test_1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://db", "x"), "postgres://db/x");
}

switchboard_store::conformance_tests!(run);
