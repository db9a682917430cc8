//! Two real `switchboard serve` processes on one PostgreSQL database: events and
//! presence cross between them through the `LISTEN/NOTIFY` backplane. Runs when
//! SWITCHBOARD_TEST_POSTGRES_URL is set (as in `.ci/run`), skips with a note otherwise.

use crate::helpers::{Session, PASSWORD};
use crate::presence::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `switchboard serve` child process, killed on drop.
struct Node {
    child: Child,
    addr: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Node {
    async fn start(database_url: &str, data_dir: &Path) -> Node {
        let addr = format!("127.0.0.1:{}", free_port());
        let smtp = format!("127.0.0.1:{}", free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--http", &addr, "--smtp", &smtp])
            .args(["--database-url", database_url, "--data-dir"])
            .arg(data_dir)
            .env("SWITCHBOARD_LOG", "warn")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let node = Node { child, addr };
        // The server answers HTTP only once its backplane listens.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if reqwest::get(node.url("/api/v1/auth/me")).await.is_ok() {
                return node;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("node at {} did not start", node.addr);
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn login(&self, email: &str) -> Session {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login of {email}");
        let body: Value = res.json().await.unwrap();
        Session {
            client,
            base: self.url(""),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// A new empty database on the test server; its URL.
async fn fresh_database(url: &str) -> String {
    use sqlx::Connection;
    let name = format!("sb_cluster_{:x}_{}", rand_nanos(), std::process::id());
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}

fn rand_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

async fn create(admin: &Session, path: &str, body: Value) -> Value {
    let res = admin.post(path, body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "POST {path}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn two_nodes_on_one_database_deliver_events_and_presence_to_each_others_sockets() {
    let Ok(server_url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!("SWITCHBOARD_TEST_POSTGRES_URL is not set: skipping the two-node test");
        return;
    };
    let database = fresh_database(&server_url).await;
    let dir = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "init",
            "--account",
            "Acme",
            "--admin-email",
            "ana@acme.test",
        ])
        .args([
            "--admin-name",
            "Ana Admin",
            "--database-url",
            &database,
            "--data-dir",
        ])
        .arg(dir.path())
        .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let a = Node::start(&database, dir.path()).await;
    let b = Node::start(&database, dir.path()).await;

    // Users and an inbox through the API of node A, as the admin.
    let ana = a.login("ana@acme.test").await;
    let user = |name: &str, email: &str, seat: &str| json!({"name": name, "email": email, "password": PASSWORD, "role": "agent", "seat": seat});
    let ben = create(
        &ana,
        "/api/v1/users",
        user("Ben Member", "ben@acme.test", "service"),
    )
    .await;
    let cora = create(
        &ana,
        "/api/v1/users",
        user("Cora Core", "cora@acme.test", "core"),
    )
    .await;
    let me: Value = ana.get("/api/v1/auth/me").await.json().await.unwrap();
    let ana_id = me["id"].clone();
    let inbox = create(
        &ana,
        "/api/v1/inboxes",
        json!({"name": "Support", "member_user_ids": [ana_id, ben["id"], cora["id"]], "member_team_ids": []}),
    )
    .await;

    // A socket on node A hears of a conversation created through node B.
    let mut ana_socket = open_socket(&a.addr, &token(&ana).await).await;
    subscribe(&mut ana_socket, &format!("inbox:{}", inbox["id"])).await;
    let ben_on_b = b.login("ben@acme.test").await;
    let conversation = create(
        &ben_on_b,
        "/api/v1/conversations",
        json!({"inbox_id": inbox["id"], "contact": {"email": "c@x.test"}, "subject": "Across", "body": "Hello"}),
    )
    .await;
    let frame = next_of(&mut ana_socket, "event").await;
    assert_eq!(frame["event"]["type"], "conversation_created");
    assert_eq!(frame["event"]["conversation_id"], conversation["id"]);
    assert!(!frame.to_string().contains("Hello"), "ids, never bodies");

    // Watchers on node A: Ana (service seat) and Cora (core seat).
    let x = conversation["id"].clone();
    let topic = format!("conversation:{x}");
    subscribe(&mut ana_socket, &topic).await;
    assert_eq!(
        next_of(&mut ana_socket, "presence").await["users"],
        json!([])
    );
    let cora_on_a = a.login("cora@acme.test").await;
    let mut cora_socket = open_socket(&a.addr, &token(&cora_on_a).await).await;
    subscribe(&mut cora_socket, &topic).await;

    // Ben composes and types on node B; Ana on node A sees it.
    let mut ben_socket = open_socket(&b.addr, &token(&ben_on_b).await).await;
    send(
        &mut ben_socket,
        json!({"type": "presence", "conversation_id": x, "state": "composing_reply"}),
    )
    .await;
    send(
        &mut ben_socket,
        json!({"type": "typing", "conversation_id": x, "active": true}),
    )
    .await;
    let ben_id = ben["id"].as_i64().unwrap();
    let mut frame = next_of(&mut ana_socket, "presence").await;
    if !frame["users"][0]["typing"].as_bool().unwrap_or(false) {
        frame = next_of(&mut ana_socket, "presence").await;
    }
    assert_eq!(users(&frame), [(ben_id, "composing_reply".into(), true)]);
    assert_eq!(frame["users"][0]["name"], "Ben Member");
    // Node A's endpoint knows too; the core seat on node A got nothing.
    let body: Value = ana
        .get(&format!("/api/v1/conversations/{x}/presence"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["users"][0]["id"], ben_id);
    assert_no_presence(&mut cora_socket).await;

    // Ben's tab on node B closes: he disappears on node A at once.
    drop(ben_socket);
    let frame = next_of(&mut ana_socket, "presence").await;
    assert_eq!(frame["users"], json!([]));
    assert_no_presence(&mut cora_socket).await;
}
