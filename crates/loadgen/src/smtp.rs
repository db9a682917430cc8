//! `smtp`: inbound SMTP throughput, the first budget of DESIGN.md ("3 KB mails, `250`
//! only after commit").
//!
//! Seeds an account and an inbox receiving at [`RECIPIENT`] into a fresh database,
//! starts the server binary, warms it up, then for each connection count sends N
//! realistic mails over that many concurrent SMTP sessions, each session sending its
//! messages back to back (MAIL/RCPT/DATA per message on one connection). It prints
//! mails/s and the per-mail latency (first command of a message to its `250`), then
//! checks through the [`Store`] that every acknowledged mail was filed and threaded.
//!
//! Mails are multipart/alternative (text and HTML, ~3 KB), with unique Message-IDs,
//! from a few thousand different senders (so contacts and conversations get created),
//! and ~30% are replies (`In-Reply-To`/`References`) to an earlier mail of the same
//! session. An earlier mail of the same session is already acknowledged, so the
//! expected number of conversations is exact: one per mail that is not a reply.
//!
//! Two clients. `lettre` (the default): its `AsyncSmtpConnection` on a socket of ours
//! with Nagle off (on lettre's own socket each mail waits out a delayed ACK: 22 mails/s),
//! one command per round trip: MAIL, RCPT, DATA, the message. `pipelined`: a minimal
//! client sending MAIL/RCPT/DATA in one write (RFC 2920 PIPELINING, which the server
//! offers and real MTAs use), two round trips per mail. At today's server rate the two
//! measure the same (docs/benchmarks.md), so the maintained client is the default;
//! the pipelined one shows whether round trips start to matter as the server gets faster.

use crate::{admin_inbox, fresh_postgres, init, percentile, start_server};
use anyhow::{bail, ensure};
use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use switchboard_domain::*;
use switchboard_store::{ListQuery, SqlStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The inbox address every mail is sent to.
const RECIPIENT: &str = "support@bench.test";

/// Mails sent over one connection before anything is timed.
const WARM_UP: usize = 300;

/// Which SMTP client sends the mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientKind {
    /// lettre's `AsyncSmtpConnection` (four round trips per mail).
    Lettre,
    /// A minimal client pipelining MAIL/RCPT/DATA (two round trips per mail).
    Pipelined,
}

/// What `switchboard-loadgen smtp` was asked for.
pub struct Args {
    pub mails: usize,
    pub connections: Vec<usize>,
    pub client: ClientKind,
    pub server: PathBuf,
    pub postgres: Option<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = match &args.postgres {
        Some(url) => Some(fresh_postgres(url).await?),
        None => None,
    };
    let url = database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("switchboard.db").display()));
    init(&args.server, dir.path(), database_url.as_deref())?;
    let store = SqlStore::connect(&url).await?;
    let (_, inbox) = admin_inbox(&store, Some(RECIPIENT)).await?;
    let server = start_server(&args.server, dir.path(), database_url.as_deref()).await?;
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    // Warm-up: connections, statement caches, the page cache.
    let warm = send_all(&server.smtp, args.client, &plan(0, 1, WARM_UP)).await?;
    let mut expected = Expected::default();
    expected.add(&warm);

    println!(
        "inbound SMTP, {backend}, {} mails per run, ~{} bytes each, client {:?}",
        args.mails,
        plan(0, 1, 1)[0][0].raw.len(),
        args.client
    );
    println!(
        "{:>11} {:>10} {:>9} {:>9} {:>9}",
        "connections", "mails/s", "p50", "p99", "max"
    );
    for (run, &connections) in args.connections.iter().enumerate() {
        ensure!(connections > 0, "a run needs at least one connection");
        let per_session = plan(run + 1, connections, args.mails);
        let started = Instant::now();
        let sent = send_all(&server.smtp, args.client, &per_session).await?;
        let elapsed = started.elapsed();
        expected.add(&sent);
        let mut latencies: Vec<Duration> = sent.iter().flatten().map(|s| s.latency).collect();
        latencies.sort();
        let ms = |d: Duration| format!("{:.3}ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:>11} {:>10.0} {:>9} {:>9} {:>9}",
            connections,
            latencies.len() as f64 / elapsed.as_secs_f64(),
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.99)),
            ms(*latencies.last().unwrap_or(&Duration::ZERO)),
        );
    }
    drop(server);

    let filed = filed(&store, inbox.id).await?;
    store.close().await;
    println!(
        "filed: {} mails in {} conversations (expected {} in {})",
        filed.mails, filed.conversations, expected.mails, expected.conversations
    );
    ensure!(
        filed == expected,
        "the database does not hold every acknowledged mail, threaded"
    );
    Ok(())
}

/// One generated mail.
struct Mail {
    mail_from: String,
    raw: Vec<u8>,
    /// Whether it answers an earlier mail (and so joins its conversation).
    reply: bool,
}

/// What one acknowledged mail cost.
struct Sent {
    latency: Duration,
    reply: bool,
}

/// Mails and conversations the database must hold.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    mails: usize,
    conversations: usize,
}

impl Expected {
    fn add(&mut self, sessions: &[Vec<Sent>]) {
        for sent in sessions.iter().flatten() {
            self.mails += 1;
            self.conversations += usize::from(!sent.reply);
        }
    }
}

/// Counts the inbox's conversations and the Message-IDs filed in them.
async fn filed(store: &SqlStore, inbox: InboxId) -> anyhow::Result<Expected> {
    let mut counts = Expected::default();
    let mut query = ListQuery {
        limit: 200,
        ..ListQuery::inbox(inbox)
    };
    loop {
        let page = store.list_conversations(&query).await?;
        for item in &page.items {
            if let Some(conversation) = item.conversation() {
                counts.conversations += 1;
                counts.mails += store.thread_message_ids(conversation.id).await?.len();
            }
        }
        match (page.items.last(), page.next_cursor) {
            (Some(last), Some(_)) => query.cursor = Some(switchboard_store::Cursor::after(last)),
            _ => break,
        }
    }
    Ok(counts)
}

/// Sends each session's mails over its own connection, all sessions at once.
async fn send_all(
    addr: &str,
    client: ClientKind,
    sessions: &[Vec<Mail>],
) -> anyhow::Result<Vec<Vec<Sent>>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (ix, mails) in sessions.iter().enumerate() {
        // The tasks own their mails; generating is not timed, copying them is cheap.
        let mails: Vec<(String, Vec<u8>, bool)> = mails
            .iter()
            .map(|m| (m.mail_from.clone(), m.raw.clone(), m.reply))
            .collect();
        let addr = addr.to_owned();
        tasks.spawn(async move {
            let mut sent = Vec::with_capacity(mails.len());
            match client {
                ClientKind::Pipelined => {
                    let mut conn = Pipelined::connect(&addr).await?;
                    for (from, raw, reply) in &mails {
                        let t = Instant::now();
                        conn.send(from, RECIPIENT, raw).await?;
                        sent.push(Sent {
                            latency: t.elapsed(),
                            reply: *reply,
                        });
                    }
                    conn.quit().await?;
                }
                ClientKind::Lettre => {
                    // Our own socket, with Nagle off: lettre leaves it on, and its
                    // separate writes then wait out the peer's delayed ACK (~40 ms a mail).
                    let stream = TcpStream::connect(&addr).await?;
                    stream.set_nodelay(true)?;
                    let mut conn = AsyncSmtpConnection::connect_with_transport(
                        Box::new(stream),
                        &ClientId::Domain("loadgen.test".into()),
                    )
                    .await?;
                    for (from, raw, reply) in &mails {
                        let envelope =
                            Envelope::new(Some(from.parse()?), vec![RECIPIENT.parse()?])?;
                        let t = Instant::now();
                        conn.send(&envelope, raw).await?;
                        sent.push(Sent {
                            latency: t.elapsed(),
                            reply: *reply,
                        });
                    }
                    conn.quit().await?;
                }
            }
            anyhow::Ok((ix, sent))
        });
    }
    let mut out: Vec<Vec<Sent>> = (0..sessions.len()).map(|_| Vec::new()).collect();
    while let Some(done) = tasks.join_next().await {
        let (ix, sent) = done??;
        out[ix] = sent;
    }
    Ok(out)
}

/// A minimal SMTP client that pipelines (RFC 2920): `MAIL`, `RCPT` and `DATA` go out in
/// one write and their replies are read together, then the message and its final dot,
/// so a mail costs two round trips instead of lettre's four (lettre has no pipelining).
/// Kept to tell when round trips, not the server, limit the measurement. Replies are
/// parsed just enough to check their codes.
struct Pipelined {
    stream: TcpStream,
    buf: Vec<u8>,
    out: Vec<u8>,
}

impl Pipelined {
    async fn connect(addr: &str) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut conn = Pipelined {
            stream,
            buf: Vec::with_capacity(4096),
            out: Vec::with_capacity(8192),
        };
        conn.expect(&[220]).await?;
        conn.stream.write_all(b"EHLO loadgen.test\r\n").await?;
        let ehlo = conn.expect(&[250]).await?;
        ensure!(
            ehlo.to_ascii_uppercase().contains("PIPELINING"),
            "the server does not offer PIPELINING"
        );
        Ok(conn)
    }

    /// Sends one message; returns after its `250`.
    async fn send(&mut self, from: &str, to: &str, raw: &[u8]) -> anyhow::Result<()> {
        self.out.clear();
        write!(
            self.out,
            "MAIL FROM:<{from}> BODY=8BITMIME\r\nRCPT TO:<{to}>\r\nDATA\r\n"
        )?;
        self.stream.write_all(&self.out).await?;
        self.expect(&[250]).await?;
        self.expect(&[250]).await?;
        self.expect(&[354]).await?;
        self.out.clear();
        dot_stuff(raw, &mut self.out);
        self.stream.write_all(&self.out).await?;
        self.expect(&[250]).await?;
        Ok(())
    }

    async fn quit(&mut self) -> anyhow::Result<()> {
        self.stream.write_all(b"QUIT\r\n").await?;
        self.expect(&[221]).await?;
        Ok(())
    }

    /// Reads one (possibly multi-line) reply and fails unless its code is in `codes`.
    async fn expect(&mut self, codes: &[u16]) -> anyhow::Result<String> {
        loop {
            if let Some(end) = reply_end(&self.buf) {
                let reply: Vec<u8> = self.buf.drain(..end).collect();
                let text = String::from_utf8_lossy(&reply).into_owned();
                let code: u16 = text.get(..3).unwrap_or_default().parse().unwrap_or(0);
                if !codes.contains(&code) {
                    bail!("server answered {}", text.trim_end());
                }
                return Ok(text);
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("the server closed the connection");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The length of the first complete reply in `buf`: lines `NNN-...` continue it, the
/// line `NNN ...` ends it.
fn reply_end(buf: &[u8]) -> Option<usize> {
    let mut start = 0;
    while let Some(nl) = buf[start..].iter().position(|&b| b == b'\n') {
        let line = &buf[start..start + nl + 1];
        start += nl + 1;
        if line.get(3) != Some(&b'-') {
            return Some(start);
        }
    }
    None
}

/// The DATA payload: lines starting with `.` get another, CRLF line ends, and the
/// final `.` line.
fn dot_stuff(raw: &[u8], out: &mut Vec<u8>) {
    let mut at_line_start = true;
    for &b in raw {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Ana", "Ben", "Chloé", "Dmitri", "Eve", "Farah", "Gustavo", "Hana", "Ivan", "Kofi", "Lena",
    "Mateo", "Nour", "Olga", "Pierre", "Rosa", "Sven", "Tomás",
];
const LAST: &[&str] = &[
    "Martin", "Nakamura", "OBrien", "Schmidt", "Dubois", "Rossi", "Garcia", "Kowalski", "Haddad",
    "Silva", "Nguyen", "Ivanova", "Smith",
];
const TOPICS: &[&str] = &[
    "Order has not arrived",
    "Refund for my invoice",
    "Cannot log in to my account",
    "Question about plan pricing",
    "Bug report: export fails",
    "Change of delivery address",
    "Warranty claim",
    "Password reset email never came",
];
const WORDS: &[&str] = &[
    "the",
    "order",
    "arrived",
    "damaged",
    "and",
    "box",
    "was",
    "open",
    "when",
    "courier",
    "left",
    "it",
    "at",
    "door",
    "I",
    "tried",
    "to",
    "contact",
    "support",
    "by",
    "phone",
    "but",
    "nobody",
    "answered",
    "could",
    "you",
    "please",
    "check",
    "what",
    "happened",
    "tell",
    "me",
    "a",
    "replacement",
    "can",
    "be",
    "sent",
    "we",
    "rely",
    "on",
    "this",
    "for",
    "our",
    "team",
    "thanks",
    "in",
    "advance",
    "your",
    "help",
    "invoice",
    "account",
    "refund",
];

/// Distinct senders; most send more than once over a run, so contacts are found as
/// well as created.
const SENDERS: usize = 5_000;

/// The mails of `connections` sessions, `total` in all, for run `run` (Message-IDs are
/// unique across runs). A reply answers an earlier mail of the same session, from
/// that mail's sender.
fn plan(run: usize, connections: usize, total: usize) -> Vec<Vec<Mail>> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (run as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut sessions: Vec<Vec<Mail>> = (0..connections).map(|_| Vec::new()).collect();
    let mut history: Vec<Vec<Earlier>> = (0..connections).map(|_| Vec::new()).collect();
    for i in 0..total {
        let session = i % connections;
        let message_id = format!("r{run}.m{i}.{}@sender.bench.test", rng.next() % 1_000_000);
        let past = &history[session];
        let (subject, sender, references, reply) = if !past.is_empty() && rng.below(10) < 3 {
            let (parent, subject, sender, refs) =
                &past[past.len() - 1 - rng.below(past.len().min(200))];
            let mut references = refs.clone();
            references.push(parent.clone());
            if references.len() > 10 {
                references.remove(0);
            }
            let subject = if subject.starts_with("Re: ") {
                subject.clone()
            } else {
                format!("Re: {subject}")
            };
            (subject, *sender, references, true)
        } else {
            let subject = format!("{} #{}", rng.pick(TOPICS), 1000 + rng.below(90_000));
            (subject, rng.below(SENDERS), Vec::new(), false)
        };
        let mail = render(&mut rng, i, &message_id, &subject, sender, &references);
        history[session].push((message_id, subject, sender, references));
        sessions[session].push(Mail {
            mail_from: sender_address(sender),
            raw: mail,
            reply,
        });
    }
    sessions
}

/// A mail a session sent: (message-id, subject, sender index, references).
type Earlier = (String, String, usize, Vec<String>);

fn sender_address(sender: usize) -> String {
    format!("customer{sender}@example{}.test", sender % 50)
}

/// One ~3 KB multipart/alternative mail.
fn render(
    rng: &mut Rng,
    i: usize,
    message_id: &str,
    subject: &str,
    sender: usize,
    references: &[String],
) -> Vec<u8> {
    let name = format!(
        "{} {}",
        FIRST[sender % FIRST.len()],
        LAST[(sender / FIRST.len()) % LAST.len()]
    );
    let paragraphs: Vec<String> = (0..5)
        .map(|_| {
            let words: Vec<&str> = (0..(30 + rng.below(10))).map(|_| rng.pick(WORDS)).collect();
            let mut p = words.join(" ");
            p.push('.');
            p[..1].to_uppercase() + &p[1..]
        })
        .collect();
    let mut text = format!(
        "Hello,\r\n\r\n{}\r\n\r\nBest regards,\r\n{name}\r\n",
        paragraphs.join("\r\n\r\n")
    );
    let mut html = String::from(
        "<html><head><style>p{margin:0 0 8px}</style></head><body><div dir=\"ltr\" style=\"font-family:Arial,sans-serif;font-size:14px\">\r\n<p>Hello,</p>\r\n",
    );
    for p in &paragraphs {
        let _ = write!(html, "<p>{p}</p>\r\n");
    }
    let _ = write!(
        html,
        "<p>Order details: <a href=\"https://shop.example.test/orders/{i}\">order {i}</a>, \
         <b>urgent</b>.</p>\r\n<p>Best regards,<br>{name}</p>\r\n\
         <img src=\"https://tracker.example.test/open/{i}.gif\" width=\"1\" height=\"1\">\r\n\
         <script>track({i})</script></div></body></html>\r\n"
    );
    if let Some(parent) = references.last() {
        let _ = write!(
            text,
            "\r\nOn Monday, support wrote about <{parent}>:\r\n> Thanks for reaching out.\r\n"
        );
    }
    let mut raw = String::with_capacity(3200);
    let _ = write!(
        raw,
        "From: \"{name}\" <{from}>\r\nTo: Support <{RECIPIENT}>\r\nSubject: {subject}\r\n\
         Date: Mon, 2 Nov 2026 08:00:00 +0000\r\nMessage-ID: <{message_id}>\r\n",
        from = sender_address(sender)
    );
    if let Some(parent) = references.last() {
        let _ = write!(raw, "In-Reply-To: <{parent}>\r\nReferences:");
        for r in references {
            let _ = write!(raw, " <{r}>");
        }
        raw.push_str("\r\n");
    }
    let boundary = format!("=_bench_{i}");
    let _ = write!(
        raw,
        "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         {text}\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         {html}\r\n--{boundary}--\r\n"
    );
    raw.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_are_about_3_kb_and_replies_answer_their_session() {
        let sessions = plan(1, 4, 400);
        let all: Vec<&Mail> = sessions.iter().flatten().collect();
        assert_eq!(all.len(), 400);
        let avg = all.iter().map(|m| m.raw.len()).sum::<usize>() / all.len();
        assert!((2_600..3_600).contains(&avg), "average {avg} bytes");
        let replies = all.iter().filter(|m| m.reply).count();
        assert!((80..160).contains(&replies), "{replies} replies");
    }

    #[test]
    fn dot_stuffing_doubles_leading_dots_and_ends_the_data() {
        let mut out = Vec::new();
        dot_stuff(b"a\r\n.b\r\n..c", &mut out);
        assert_eq!(out, b"a\r\n..b\r\n...c\r\n.\r\n");
    }

    #[test]
    fn multi_line_replies_end_at_the_line_without_a_dash() {
        assert_eq!(reply_end(b"250-a\r\n250 b\r\n354"), Some(14));
        assert_eq!(reply_end(b"250-a\r\n25"), None);
    }
}
