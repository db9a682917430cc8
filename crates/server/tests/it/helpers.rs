//! `spawn_app` and a client with one helper per endpoint.

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard_domain::*;
use switchboard_server::app::{App, NewUserInput};
use switchboard_server::ServerOptions;
use switchboard_store::{NewInbox, SqlStore, Store};

pub const PASSWORD: &str = "correct horse battery";

/// Waits until something listens on loopback `port`; false after `timeout`.
pub async fn wait_for_port(port: u16, timeout: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// Whether an external test peer (aiosmtpd, dovecot) is installed, given `present`.
/// Without it a test returns early with a note, so `cargo test` needs nothing but
/// Rust; under CI (`CI` set), where `.ci/run` installs every peer, a missing one fails.
pub fn peer_available(name: &str, present: bool) -> bool {
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is missing, and CI installs it (.ci/lib.sh)"
        );
        eprintln!(
            "note: {name} is not installed; this test is skipped (`bash .ci/run` installs it)"
        );
    }
    present
}

pub struct TestApp {
    pub addr: String,
    pub app: App,
    pub store: Arc<dyn Store>,
    /// Where this server keeps uploaded files (a temporary directory).
    pub attachments_dir: std::path::PathBuf,
    _dir: Option<tempfile::TempDir>,
    _files: tempfile::TempDir,
}

/// A fresh PostgreSQL database when the variable is set, else a SQLite file.
async fn fresh_store() -> (SqlStore, Option<tempfile::TempDir>) {
    if let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        let name = format!("sb_it_{}", rand_suffix());
        let mut conn = sqlx::PgConnection::connect(&url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        let base = url
            .rsplit_once('/')
            .map_or(url.as_str(), |(b, _)| b)
            .to_owned();
        let store = SqlStore::connect(&format!("{base}/{name}"))
            .await
            .expect("open PostgreSQL store");
        return (store, None);
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    (SqlStore::connect(&url).await.unwrap(), Some(dir))
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", nanos, std::process::id())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServerOptions::default()).await
}

pub async fn spawn_app_with(mut options: ServerOptions) -> TestApp {
    let (store, dir) = fresh_store().await;
    let files = tempfile::tempdir().unwrap();
    options.attachments_dir = files.path().join("attachments");
    let store: Arc<dyn Store> = Arc::new(store);
    let state = switchboard_server::state(store.clone(), &options);
    let app = state.app.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(switchboard_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    TestApp {
        addr,
        app,
        store,
        attachments_dir: options.attachments_dir.clone(),
        _dir: dir,
        _files: files,
    }
}

/// An account with an admin, two agents and an inbox that only the admin and `member`
/// belong to; `outsider` is an agent of the same account who is not a member.
pub struct Fixture {
    pub account: Account,
    pub admin: User,
    pub member: User,
    pub outsider: User,
    pub inbox: Inbox,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn user(
        &self,
        account: AccountId,
        name: &str,
        email: &str,
        role: Role,
        seat: Seat,
    ) -> User {
        let input = NewUserInput {
            name: name.into(),
            email: email.into(),
            password: PASSWORD.into(),
            role,
            seat,
        };
        self.app.create_first_admin(account, input).await.unwrap()
    }

    /// Seeds an account named `name` with users under `@{domain}`.
    pub async fn fixture(&self, name: &str, domain: &str) -> Fixture {
        let account = self
            .store
            .create_account(name, Plan::Professional, 1)
            .await
            .unwrap();
        let admin = self
            .user(
                account.id,
                "Ana Admin",
                &format!("ana@{domain}"),
                Role::Admin,
                Seat::Service,
            )
            .await;
        let member = self
            .user(
                account.id,
                "Ben Member",
                &format!("ben@{domain}"),
                Role::Agent,
                Seat::Service,
            )
            .await;
        let outsider = self
            .user(
                account.id,
                "Olga Outsider",
                &format!("olga@{domain}"),
                Role::Agent,
                Seat::Service,
            )
            .await;
        let inbox = self
            .store
            .create_inbox(NewInbox {
                account_id: account.id,
                name: "Support".into(),
                email_address: Some(format!("support@{domain}")),
                member_user_ids: vec![admin.id, member.id],
                member_team_ids: vec![],
                now: 1,
            })
            .await
            .unwrap();
        Fixture {
            account,
            admin,
            member,
            outsider,
            inbox,
        }
    }

    /// Starts this server's inbound SMTP listener on `127.0.0.1:0` and answers its
    /// address; it runs until the test ends.
    pub async fn start_smtp(&self) -> String {
        let smtp = switchboard_server::smtp::bind(
            "127.0.0.1:0".parse().unwrap(),
            self.app.clone(),
            switchboard_mail::smtp_server::SmtpConfig::default(),
        )
        .await
        .unwrap();
        let addr = smtp.local_addr().unwrap().to_string();
        tokio::spawn(switchboard_server::smtp::serve(
            smtp,
            std::future::pending(),
        ));
        addr
    }

    /// A logged-in cookie client.
    pub async fn login(&self, email: &str) -> Session {
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

/// A logged-in client that sends the CSRF token on writes.
pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: String,
}

impl Session {
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> Response {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Creates a conversation through the API and returns its JSON.
    pub async fn create_conversation(
        &self,
        inbox: InboxId,
        email: &str,
        subject: &str,
        body: &str,
    ) -> Value {
        let res = self
            .post(
                "/api/v1/conversations",
                json!({"inbox_id": inbox, "contact": {"email": email, "name": "Casey Customer"}, "subject": subject, "body": body}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }
}

/// Asserts the status and the contract's error body, returning the error code.
pub async fn expect_error(res: Response, status: StatusCode) -> String {
    assert_eq!(res.status(), status, "unexpected status");
    let body: Value = res.json().await.expect("error body is JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(body["error"]["message"].is_string());
    code
}
