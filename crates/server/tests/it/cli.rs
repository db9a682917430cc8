//! The command line, run as the real binary: init, set-plan, migrate.

use std::process::Command;
use switchboard_domain::Plan;
use switchboard_store::{SqlStore, Store};

fn switchboard(args: &[&str], data_dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("SWITCHBOARD_ADMIN_PASSWORD", "correct horse battery")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .output()
        .unwrap()
}

#[tokio::test]
async fn init_creates_accounts_and_set_plan_changes_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let out = switchboard(
        &[
            "init",
            "--account",
            "Acme",
            "--admin-email",
            "Admin@Acme.test",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin@acme.test"));
    // Run again to add another account; the same name is refused.
    assert!(switchboard(
        &[
            "init",
            "--account",
            "Globex",
            "--admin-email",
            "a@globex.test"
        ],
        dir.path()
    )
    .status
    .success());
    assert!(!switchboard(
        &["init", "--account", "Acme", "--admin-email", "b@acme.test"],
        dir.path()
    )
    .status
    .success());

    let out = switchboard(&["account", "set-plan", "Acme", "enterprise"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = switchboard(&["account", "set-plan", "Nobody", "starter"], dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nobody"));
    assert!(switchboard(&["migrate"], dir.path()).status.success());

    let store = SqlStore::connect(&format!(
        "sqlite://{}",
        dir.path().join("switchboard.db").display()
    ))
    .await
    .unwrap();
    assert_eq!(
        store.account_by_name("Acme").await.unwrap().plan,
        Plan::Enterprise
    );
    let (admin, hash) = store.credentials("admin@acme.test").await.unwrap().unwrap();
    assert_eq!(admin.role, switchboard_domain::Role::Admin);
    assert!(
        hash.starts_with("$argon2id$"),
        "passwords are stored as argon2id hashes"
    );
}

#[test]
fn a_weak_init_password_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "init",
            "--account",
            "Acme",
            "--admin-email",
            "a@acme.test",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("SWITCHBOARD_ADMIN_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));
}
