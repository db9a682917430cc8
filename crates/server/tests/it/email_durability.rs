//! `250` means committed: the real binary takes a burst of mail over several SMTP
//! connections, is killed with SIGKILL partway through, and every Message-ID it
//! acknowledged must be in the database afterwards.

use crate::smtp_client::{text_mail, SmtpClient};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_store::{NewInbox, SqlStore, Store};

const MAILS: usize = 1_000;
const CONNECTIONS: usize = 4;
const INBOX: &str = "support@durable.test";

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An account with an inbox receiving at [`INBOX`], written by `init` and the store.
async fn prepare(data_dir: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "init",
            "--account",
            "Durable",
            "--admin-email",
            "a@durable.test",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env("SWITCHBOARD_ADMIN_PASSWORD", "correct horse battery")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("sqlite://{}", data_dir.join("switchboard.db").display());
    let store = SqlStore::connect(&url).await.unwrap();
    let account = store.account_by_name("Durable").await.unwrap();
    store
        .create_inbox(NewInbox {
            account_id: account.id,
            name: "Support".into(),
            email_address: Some(INBOX.into()),
            member_user_ids: vec![],
            member_team_ids: vec![],
            now: 1,
        })
        .await
        .unwrap();
    store.close().await;
    url
}

/// Sends mails `first..MAILS` step `CONNECTIONS` on one connection, recording each
/// Message-ID acknowledged with `250`, until the server goes away.
async fn burst(smtp: String, first: usize, acked: Arc<Mutex<Vec<String>>>) {
    let Ok(mut client) = SmtpClient::connect(&smtp).await else {
        return;
    };
    for i in (first..MAILS).step_by(CONNECTIONS) {
        let id = format!("burst-{i}@customer.example");
        let raw = text_mail(&id, "casey@customer.example", INBOX, "Burst", "", "Hello");
        match client
            .send("casey@customer.example", &[INBOX.to_owned()], &raw)
            .await
        {
            Ok(outcome) if outcome.code == 250 => acked.lock().unwrap().push(id),
            Ok(outcome) => panic!("mail {i} refused with {}", outcome.code),
            Err(_) => return,
        }
    }
}

#[tokio::test]
async fn every_acknowledged_mail_survives_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = prepare(dir.path()).await;
    let smtp = format!("127.0.0.1:{}", free_port());
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--http", &format!("127.0.0.1:{}", free_port())])
        .args(["--smtp", &smtp])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut ready = false;
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(&smtp).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the SMTP listener did not come up");

    let acked = Arc::new(Mutex::new(Vec::new()));
    let senders: Vec<_> = (0..CONNECTIONS)
        .map(|first| tokio::spawn(burst(smtp.clone(), first, acked.clone())))
        .collect();
    // Kill partway: once a fifth of the burst is acknowledged.
    let mut waited = 0;
    while acked.lock().unwrap().len() < MAILS / 5 && waited < 6_000 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        waited += 1;
    }
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    for sender in senders {
        sender.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= MAILS / 5,
        "only {} acknowledged",
        acked.len()
    );
    assert!(
        acked.len() < MAILS,
        "the server was killed after the whole burst"
    );

    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT message_id FROM email_messages")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    let stored: std::collections::HashSet<String> = stored.into_iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}
