//! `presence`: the budget "presence/typing frame → 500 watchers: p99 ≤ 10 ms on one
//! node, ≤ 20 ms across two nodes".
//!
//! Starts the release server (SQLite; with `--postgres`, then also two nodes on one
//! fresh PostgreSQL database), creates service-seat agents through the admin API, opens
//! N watcher sockets subscribed to one conversation and one sender socket, and times
//! each typing frame from just before the sender writes it to when each watcher reads
//! the presence frame it causes. With two nodes the watchers are on node A and the
//! sender on node B, so every frame crosses the PostgreSQL backplane.
//!
//! Everything runs from this one client process, so the timings include the client's
//! own scheduling of N+1 sockets on the same cores as the server(s).

use crate::{init, percentile, start_server, EMAIL, PASSWORD};
use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the `presence` subcommand was asked to do.
pub struct Args {
    pub watchers: usize,
    pub frames: usize,
    pub interval: Duration,
    pub server: PathBuf,
    pub postgres: Option<String>,
}

/// Creations and logins in flight at once (each costs an argon2 hash on the server).
const SETUP_CONCURRENCY: usize = 4;

pub async fn run(args: Args) -> anyhow::Result<()> {
    println!(
        "presence: 1 sender socket -> {} watcher sockets on one conversation, {} typing frames, one every {} ms",
        args.watchers,
        args.frames,
        args.interval.as_millis()
    );
    let one = scenario(&args, None).await?;
    one.print("one node (SQLite)");
    if let Some(url) = &args.postgres {
        let two = scenario(&args, Some(url)).await?;
        two.print("two nodes (PostgreSQL, sender on B, watchers on A)");
    }
    Ok(())
}

struct Stats {
    /// Every (frame, watcher) delivery.
    deliveries: Vec<Duration>,
    /// Per frame, the slowest watcher.
    last_watcher: Vec<Duration>,
    incomplete_watchers: usize,
}

impl Stats {
    fn print(&self, label: &str) {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        let line = |name: &str, v: &[Duration]| {
            if v.is_empty() {
                println!("  {name:<28} no samples");
                return;
            }
            println!(
                "  {name:<28} p50 {:>9}  p90 {:>9}  p99 {:>9}  max {:>9}  (n = {})",
                ms(percentile(v, 0.50)),
                ms(percentile(v, 0.90)),
                ms(percentile(v, 0.99)),
                ms(*v.last().unwrap_or(&Duration::ZERO)),
                v.len()
            );
        };
        println!("{label}");
        line("send -> each watcher", &self.deliveries);
        line("send -> last watcher", &self.last_watcher);
        if self.incomplete_watchers > 0 {
            println!(
                "  {} watchers missed frames and were left out",
                self.incomplete_watchers
            );
        }
    }
}

/// One measured setup: one node on SQLite, or (with a PostgreSQL URL) two nodes.
async fn scenario(args: &Args, postgres: Option<&str>) -> anyhow::Result<Stats> {
    let dir = tempfile::tempdir()?;
    let database_url = match postgres {
        Some(url) => Some(fresh_database(url)?),
        None => None,
    };
    init(&args.server, dir.path(), database_url.as_deref())?;
    let a = start_server(&args.server, dir.path(), database_url.as_deref()).await?;
    let b = match &database_url {
        Some(url) => Some(start_server(&args.server, dir.path(), Some(url)).await?),
        None => None,
    };
    let base_a = format!("http://{}", a.addr);
    let conversation = seed(&base_a, args.watchers + 1).await?;
    let tokens = tokens(&base_a, args.watchers + 1).await?;

    eprintln!("  opening {} watcher sockets", args.watchers);
    let topic = format!("conversation:{}", conversation.id);
    let mut readers = Vec::with_capacity(args.watchers);
    for token in &tokens[..args.watchers] {
        let mut socket = open(&a.addr, token).await?;
        subscribe(&mut socket, &topic).await?;
        let expected = args.frames + 1;
        readers.push(tokio::spawn(read_presence(socket, expected)));
    }
    let sender_addr = b.as_ref().map_or(&a.addr, |b| &b.addr);
    let mut sender = open(sender_addr, &tokens[args.watchers]).await?;
    let x = conversation.id;
    // Frame 0 (viewing) warms every path up and is not counted.
    send(
        &mut sender,
        json!({"type": "presence", "conversation_id": x, "state": "viewing"}),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut sent = Vec::with_capacity(args.frames);
    for k in 0..args.frames {
        let frame = json!({"type": "typing", "conversation_id": x, "active": k % 2 == 0});
        let text = Message::Text(frame.to_string().into());
        sent.push(Instant::now());
        sender.send(text).await?;
        tokio::time::sleep(args.interval).await;
    }

    let mut deliveries = Vec::with_capacity(args.frames * args.watchers);
    let mut last_watcher = vec![Duration::ZERO; args.frames];
    let mut incomplete = 0;
    for reader in readers {
        let received = reader.await?;
        if received.len() != args.frames + 1 {
            incomplete += 1;
            continue;
        }
        for (k, (at, sent_at)) in received[1..].iter().zip(&sent).enumerate() {
            let latency = at.saturating_duration_since(*sent_at);
            deliveries.push(latency);
            last_watcher[k] = last_watcher[k].max(latency);
        }
    }
    deliveries.sort();
    last_watcher.sort();
    if incomplete == args.watchers {
        bail!("no watcher received every frame");
    }
    drop(b);
    drop(a);
    Ok(Stats {
        deliveries,
        last_watcher,
        incomplete_watchers: incomplete,
    })
}

/// A new empty database on the PostgreSQL server at `url` (through `psql`); its URL.
fn fresh_database(url: &str) -> anyhow::Result<String> {
    let name = format!("sb_presence_{}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(url)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .status()
        .context("running psql to create the benchmark database")?;
    if !status.success() {
        bail!("could not create database {name}");
    }
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}

/// The timestamps of the presence frames a watcher reads after its first (empty) one.
async fn read_presence(mut socket: Socket, expected: usize) -> Vec<Instant> {
    let mut at = Vec::with_capacity(expected);
    while at.len() < expected {
        let next = tokio::time::timeout(Duration::from_secs(10), socket.next()).await;
        let Ok(Some(Ok(message))) = next else { break };
        let now = Instant::now();
        if let Message::Text(text) = message {
            if text.contains("\"type\":\"presence\"") {
                at.push(now);
            }
        }
    }
    at
}

struct Conversation {
    id: i64,
}

/// A logged-in admin client on node A.
struct Admin {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Admin {
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("POST {path}: {}", res.status());
        }
        Ok(res.json().await?)
    }
}

fn email(i: usize) -> String {
    format!("agent{i}@bench.test")
}

/// `n` service-seat agents, an inbox with all of them, and one conversation in it.
async fn seed(base: &str, n: usize) -> anyhow::Result<Conversation> {
    let (client, csrf) = login(base, EMAIL, None).await?;
    let admin = Admin {
        client,
        base: base.to_owned(),
        csrf,
    };
    eprintln!("  creating {n} service-seat agents through the admin API");
    let ids: Vec<anyhow::Result<Value>> = futures::stream::iter(0..n)
        .map(|i| {
            let admin = &admin;
            async move {
                let user = admin
                    .post(
                        "/api/v1/users",
                        json!({"name": format!("Agent {i}"), "email": email(i), "password": PASSWORD,
                            "role": "agent", "seat": "service"}),
                    )
                    .await?;
                Ok(user["id"].clone())
            }
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect()
        .await;
    let ids: Vec<Value> = ids.into_iter().collect::<anyhow::Result<_>>()?;
    let inbox = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "Presence bench", "member_user_ids": ids, "member_team_ids": []}),
        )
        .await?;
    let conversation = admin
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": inbox["id"], "contact": {"email": "customer@example.test"},
                "subject": "Presence bench", "body": "Hello"}),
        )
        .await?;
    Ok(Conversation {
        id: conversation["id"].as_i64().context("no conversation id")?,
    })
}

/// A bearer token for each agent. The login limiter counts attempts per client
/// address, so each agent logs in from its own loopback address (all of 127/8 is
/// loopback on Linux).
async fn tokens(base: &str, n: usize) -> anyhow::Result<Vec<String>> {
    eprintln!("  logging {n} agents in");
    let tokens: Vec<anyhow::Result<(usize, String)>> = futures::stream::iter(0..n)
        .map(|i| async move {
            let from = Ipv4Addr::new(127, 1 + (i / 250) as u8, (i % 250) as u8 + 1, 1);
            let (client, csrf) = login(base, &email(i), Some(IpAddr::V4(from))).await?;
            let res = client
                .post(format!("{base}/api/v1/tokens"))
                .header("x-csrf-token", csrf)
                .json(&json!({"name": "presence bench"}))
                .send()
                .await?;
            let body: Value = res.json().await?;
            let token = body["token"].as_str().context("no token")?.to_owned();
            Ok((i, token))
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect()
        .await;
    let mut tokens: Vec<(usize, String)> = tokens.into_iter().collect::<anyhow::Result<_>>()?;
    tokens.sort();
    Ok(tokens.into_iter().map(|(_, t)| t).collect())
}

/// A cookie client logged in as `email`; its CSRF token.
async fn login(
    base: &str,
    email: &str,
    from: Option<IpAddr>,
) -> anyhow::Result<(reqwest::Client, String)> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .local_address(from)
        .build()?;
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("login of {email}: {}", res.status());
    }
    let body: Value = res.json().await?;
    let csrf = body["csrf_token"].as_str().unwrap_or_default().to_owned();
    Ok((client, csrf))
}

async fn open(addr: &str, token: &str) -> anyhow::Result<Socket> {
    let mut req = format!("ws://{addr}/api/v1/realtime").into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(req, None, true).await?;
    Ok(socket)
}

async fn send(socket: &mut Socket, value: Value) -> anyhow::Result<()> {
    socket.send(Message::Text(value.to_string().into())).await?;
    Ok(())
}

/// Subscribes and waits for the confirmation and the first (empty) presence frame.
async fn subscribe(socket: &mut Socket, topic: &str) -> anyhow::Result<()> {
    send(socket, json!({"type": "subscribe", "topic": topic})).await?;
    let mut confirmed = false;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no answer to subscribe")?;
        let Some(Ok(Message::Text(text))) = next else {
            bail!("the socket closed while subscribing");
        };
        let frame: Value = serde_json::from_str(&text)?;
        match frame["type"].as_str() {
            Some("subscribed") => confirmed = true,
            Some("presence") if confirmed => return Ok(()),
            Some("error") => bail!("subscribe refused: {frame}"),
            _ => {}
        }
    }
}
