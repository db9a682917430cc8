//! The store conformance suite on SQLite: every behaviour runs as its own test on a
//! fresh database file in a temporary directory, removed afterwards.

use switchboard_store::conformance::Test;
use switchboard_store::SqlStore;

/// Runs one behaviour on a new, migrated SQLite database.
async fn run(test: Test) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let store = SqlStore::connect(&url).await.expect("a fresh SQLite store");
    test(&store).await;
    store.close().await;
}

switchboard_store::conformance_tests!(run);
