//! `switchboard-loadgen`: measures a real `switchboard serve` process from this separate
//! client process over loopback, as the budgets in DESIGN.md ask.
//!
//! `list`: seeds N conversations into a fresh SQLite (or PostgreSQL) database, starts
//! the server binary on it, logs in, and times first pages of the conversation list
//! (several views and a search) over one keep-alive connection, printing percentiles.
//! It also reports the server's idle resident memory.
//!
//! `presence`: times presence frames from one sender socket to N watcher sockets, on
//! one node and (with `--postgres`) across two nodes; see `presence.rs`.
//!
//! `smtp`: inbound SMTP throughput and latency over 1 and 4 connections, then checks
//! that every acknowledged mail is filed; see `smtp.rs`.
//!
//! Run: `cargo build --release && cargo run --release -p switchboard-loadgen -- list --conversations 100000`
//! or `... -- presence --watchers 500 --postgres postgres://user:pass@host/db`

mod presence;
mod smtp;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use switchboard_domain::*;
use switchboard_store::{AssigneeChange, NewContact, NewConversation, NewInbox, SqlStore, Store};

#[derive(Parser)]
#[command(about = "Load generator for Switchboard")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Time the first page of the conversation list at a given inbox size.
    List {
        /// Conversations in the measured inbox.
        #[arg(long, default_value_t = 100_000)]
        conversations: usize,
        /// Timed requests per view.
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// The server binary to start.
        #[arg(long, default_value = "target/release/switchboard")]
        server: PathBuf,
        /// Use this PostgreSQL URL (a fresh database is created) instead of SQLite.
        #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
        /// Keep the seeded data in this (new) directory instead of a temporary one.
        #[arg(long)]
        keep_in: Option<PathBuf>,
    },
    /// Time presence frames from one sender socket to N watchers (one node; two with --postgres).
    Presence {
        /// Watcher sockets (service-seat agents) subscribed to the conversation.
        #[arg(long, default_value_t = 100)]
        watchers: usize,
        /// Timed typing frames.
        #[arg(long, default_value_t = 300)]
        frames: usize,
        /// Milliseconds between typing frames (the server allows 20 frames a second).
        #[arg(long, default_value_t = 60)]
        interval_ms: u64,
        /// The server binary to start.
        #[arg(long, default_value = "target/release/switchboard")]
        server: PathBuf,
        /// Also measure two nodes on a fresh database of this PostgreSQL server.
        #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
    },
    /// Time inbound SMTP: N mails over 1 and 4 concurrent connections, `250` after commit.
    Smtp {
        /// Mails sent per connection count.
        #[arg(long, default_value_t = 20_000)]
        mails: usize,
        /// Connection counts to measure, one run each.
        #[arg(long, value_delimiter = ',', default_value = "1,4")]
        connections: Vec<usize>,
        /// The SMTP client: lettre (one command per round trip) or pipelined (RFC 2920).
        #[arg(long, value_enum, default_value_t = smtp::ClientKind::Lettre)]
        client: smtp::ClientKind,
        /// The server binary to start.
        #[arg(long, default_value = "target/release/switchboard")]
        server: PathBuf,
        /// Use this PostgreSQL URL (a fresh database is created) instead of SQLite.
        #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
    },
}

/// A child server process, killed on drop.
struct Server {
    child: Child,
    /// The HTTP listener's address.
    addr: String,
    /// The inbound SMTP listener's address.
    smtp: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn start_server(
    binary: &PathBuf,
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<Server> {
    let addr = format!("127.0.0.1:{}", free_port()?);
    let smtp = format!("127.0.0.1:{}", free_port()?);
    let mut cmd = Command::new(binary);
    cmd.args(["serve", "--http", &addr, "--smtp", &smtp, "--data-dir"])
        .arg(data_dir);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let child = cmd
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| {
            format!(
                "starting {} (build it with cargo build --release)",
                binary.display()
            )
        })?;
    let server = Server { child, addr, smtp };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client
            .get(format!("http://{}/login", server.addr))
            .send()
            .await
            .is_ok()
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not answer within 60 s")
}

/// The admin that `switchboard init` created and a new "Support" inbox of theirs,
/// receiving mail at `address` if given.
async fn admin_inbox(store: &SqlStore, address: Option<&str>) -> anyhow::Result<(User, Inbox)> {
    let (user, _) = store
        .credentials(EMAIL)
        .await?
        .context("the admin made by init")?;
    let inbox = store
        .create_inbox(NewInbox {
            account_id: user.account_id,
            name: "Support".into(),
            email_address: address.map(str::to_owned),
            member_user_ids: vec![user.id],
            member_team_ids: vec![],
            now: 0,
        })
        .await?;
    Ok((user, inbox))
}

/// Seeds `n` conversations (a quarter assigned to the admin, a tenth closed) into a new
/// inbox of the account that `switchboard init` created, and returns the inbox id.
async fn seed(store: &SqlStore, n: usize) -> anyhow::Result<InboxId> {
    let (user, inbox) = admin_inbox(store, None).await?;
    let account = store.account(user.account_id).await?;
    let started = Instant::now();
    let channels = Channel::ALL;
    for i in 0..n {
        let now = 1_700_000_000_000 + i as i64 * 1000;
        let (c, _) = store
            .create_conversation(NewConversation {
                account_id: account.id,
                inbox_id: inbox.id,
                channel: channels[i % channels.len()],
                contact: NewContact {
                    account_id: account.id,
                    name: Some(format!("Customer {i}")),
                    email: Some(format!("customer{}@example.test", i % 20_000)),
                    phone: None,
                    owner_id: None,
                    now,
                },
                subject: Some(format!(
                    "Order {} question {}",
                    10_000 + i,
                    ["refund", "delivery", "invoice", "login"][i % 4]
                )),
                body: "Hello, I have a question about my order and would like some help please."
                    .into(),
                meta: json!({}),
                now,
            })
            .await?;
        if i % 4 == 0 {
            store
                .set_assignee(AssigneeChange {
                    conversation_id: c.id,
                    assignee: Some(Assignee::User(user.id)),
                    actor: None,
                    event_text: "assigned".into(),
                    round_robin: None,
                    notify: Vec::new(),
                    now,
                })
                .await?;
        }
        if i % 10 == 0 {
            store
                .set_status(switchboard_store::StatusChange {
                    conversation_id: c.id,
                    status: Status::Closed,
                    actor: user.id,
                    event_text: "closed".into(),
                    now,
                })
                .await?;
        }
        if (i + 1) % 20_000 == 0 {
            eprintln!(
                "  seeded {} conversations ({:.0}/s)",
                i + 1,
                (i + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(inbox.id)
}

const EMAIL: &str = "agent@bench.test";
const PASSWORD: &str = "bench-password";

/// Creates the benchmark account and its admin through the real `init` command.
fn init(
    binary: &PathBuf,
    data_dir: &std::path::Path,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    let mut cmd = Command::new(binary);
    cmd.args([
        "init",
        "--account",
        "Bench",
        "--admin-email",
        EMAIL,
        "--data-dir",
    ])
    .arg(data_dir);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let status = cmd
        .env("SWITCHBOARD_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("switchboard init failed");
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let ix = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[ix.min(sorted.len() - 1)]
}

async fn list(
    conversations: usize,
    requests: usize,
    server: PathBuf,
    postgres: Option<String>,
    keep_in: Option<PathBuf>,
) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let data_dir = match &keep_in {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => scratch.path().to_owned(),
    };
    let database_url = match &postgres {
        Some(url) => Some(fresh_postgres(url).await?),
        None => None,
    };
    let url = database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            data_dir.as_path().join("switchboard.db").display()
        )
    });
    eprintln!(
        "seeding {conversations} conversations into {}",
        if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    init(&server, data_dir.as_path(), database_url.as_deref())?;
    let store = SqlStore::connect(&url).await?;
    let inbox = seed(&store, conversations).await?;
    store.close().await;

    let server = start_server(&server, data_dir.as_path(), database_url.as_deref()).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = server.rss_kib();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(1)
        .build()?;
    let base = format!("http://{}", server.addr);
    let token = login(&client, &base).await?;
    let views = [
        (
            "all open",
            format!("/api/v1/inboxes/{inbox}/conversations?status=open&limit=50"),
        ),
        (
            "assigned to me",
            format!("/api/v1/inboxes/{inbox}/conversations?status=open&assignee=me&limit=50"),
        ),
        (
            "unassigned",
            format!(
                "/api/v1/inboxes/{inbox}/conversations?status=open&assignee=unassigned&limit=50"
            ),
        ),
        (
            "closed",
            format!("/api/v1/inboxes/{inbox}/conversations?status=closed&limit=50"),
        ),
        (
            "search 'refund'",
            format!("/api/v1/inboxes/{inbox}/conversations?q=refund&limit=50"),
        ),
    ];
    println!("conversation list, first page of 50, {conversations} conversations, {requests} requests per view, one keep-alive connection");
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9}",
        "view", "p50", "p90", "p99", "max"
    );
    for (name, path) in &views {
        let url = format!("{base}{path}");
        for _ in 0..50 {
            get(&client, &url, &token).await?; // warm-up
        }
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            get(&client, &url, &token).await?;
            times.push(t.elapsed());
        }
        times.sort();
        let ms = |d: Duration| format!("{:.3}ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:<16} {:>9} {:>9} {:>9} {:>9}",
            name,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.90)),
            ms(percentile(&times, 0.99)),
            ms(*times.last().unwrap_or(&Duration::ZERO))
        );
    }
    if let Some(kib) = idle_rss {
        println!("server idle RSS after start: {:.1} MB", kib as f64 / 1024.0);
    }
    Ok(())
}

async fn fresh_postgres(url: &str) -> anyhow::Result<String> {
    let name = format!("sb_bench_{}", std::process::id());
    let admin = SqlStore::connect(url).await; // ensures the server answers
    drop(admin);
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    let status = Command::new("psql")
        .arg(url)
        .args(["-c", &format!("CREATE DATABASE {name}")])
        .status()?;
    if !status.success() {
        bail!("could not create database {name}");
    }
    Ok(format!("{base}/{name}"))
}

async fn login(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("login failed: {}", res.status());
    }
    let body: Value = res.json().await?;
    let csrf = body["csrf_token"].as_str().unwrap_or_default().to_owned();
    let res = client
        .post(format!("{base}/api/v1/tokens"))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "bench"}))
        .send()
        .await?;
    let body: Value = res.json().await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the answer")
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<()> {
    let res = client.get(url).bearer_auth(token).send().await?;
    if !res.status().is_success() {
        bail!("GET {url}: {}", res.status());
    }
    let body = res.bytes().await?;
    if body.len() < 10 {
        bail!("GET {url}: empty answer");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::List {
            conversations,
            requests,
            server,
            postgres,
            keep_in,
        } => list(conversations, requests, server, postgres, keep_in).await,
        Cmd::Presence {
            watchers,
            frames,
            interval_ms,
            server,
            postgres,
        } => {
            presence::run(presence::Args {
                watchers,
                frames,
                interval: std::time::Duration::from_millis(interval_ms),
                server,
                postgres,
            })
            .await
        }
        Cmd::Smtp {
            mails,
            connections,
            client,
            server,
            postgres,
        } => {
            smtp::run(smtp::Args {
                mails,
                connections,
                client,
                server,
                postgres,
            })
            .await
        }
    }
}
