//! Outbound email over real SMTP on loopback: replies and forwards reach an aiosmtpd
//! relay (`tests/support/smtp_sink.py`), a relay that is down delays mail without
//! losing it, and a permanent refusal fails the mail until an agent retries it.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use switchboard_domain::*;
use switchboard_mail::relay::Relay;
use switchboard_server::app::ReceiveOutcome;
use switchboard_server::worker::WorkerConfig;
use switchboard_server::ServerOptions;

/// An aiosmtpd process storing what it accepts in a temporary directory.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Sink {
    /// The running sink, or `None` (the test skips) where aiosmtpd is not installed.
    async fn start(port: u16, reject: bool) -> Option<Sink> {
        let installed = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !peer_available("aiosmtpd (Python)", installed) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .arg(dir.path())
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if reject {
            command.arg("--reject");
        }
        // Dropping the sink kills the process, on every path.
        let sink = Sink {
            child: command.spawn().expect("python3 with aiosmtpd"),
            dir,
            port,
        };
        assert!(
            wait_for_port(port, Duration::from_secs(10)).await,
            "the SMTP sink did not start on port {port}"
        );
        Some(sink)
    }

    /// The stored messages, oldest first.
    fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<u32>().ok())
        });
        files
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }

    /// Waits until `n` messages arrived.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} messages, got {}", self.messages().len());
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server whose relay is `127.0.0.1:port`, retrying after 200 ms.
async fn spawn_with_relay(port: u16) -> TestApp {
    let relay = Relay::from_url(&format!("smtp://127.0.0.1:{port}?tls=none")).unwrap();
    spawn_app_with(ServerOptions {
        relay: Some(relay),
        outbox: WorkerConfig {
            retry_base: Duration::from_millis(200),
            retry_cap: Duration::from_millis(400),
            poll: Duration::from_millis(50),
            ..WorkerConfig::default()
        },
        ..ServerOptions::default()
    })
    .await
}

/// What most tests start from: a server relaying to `127.0.0.1:port`, a fixture of
/// `company` at `domain`, an inbound email conversation (Message-ID `message_id`) and
/// the member's session.
struct Relayed {
    app: TestApp,
    fx: Fixture,
    conversation: ConversationId,
    session: Session,
}

async fn relayed(port: u16, company: &str, domain: &str, message_id: &str) -> Relayed {
    let app = spawn_with_relay(port).await;
    let fx = app.fixture(company, domain).await;
    let conversation = inbound(&app, domain, message_id).await;
    let session = app.login(&fx.member.email).await;
    Relayed {
        app,
        fx,
        conversation,
        session,
    }
}

/// One header's value (first occurrence, unfolded).
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or_default();
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.eq_ignore_ascii_case(name) {
                value = Some(v.trim().to_owned());
            }
        }
    }
    value
}

/// An inbound mail from the customer to the fixture's inbox; answers its conversation.
async fn inbound(app: &TestApp, domain: &str, message_id: &str) -> ConversationId {
    let raw = format!(
        "From: Casey Customer <casey@customer.test>\r\nTo: support@{domain}\r\n\
         Subject: Broken parcel\r\nMessage-ID: <{message_id}>\r\n\
         Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nMy parcel arrived broken.\r\n"
    );
    match app
        .app
        .receive_mail(raw.as_bytes(), &[format!("support@{domain}")])
        .await
        .unwrap()
    {
        ReceiveOutcome::Stored {
            conversation_id, ..
        } => conversation_id,
        other => panic!("not stored: {other:?}"),
    }
}

async fn reply(session: &Session, conversation: ConversationId, body: &str) -> Value {
    let res = session
        .post(
            &format!("/api/v1/conversations/{conversation}/replies"),
            json!({"body": body}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// The entry's `meta.delivery` once `done` holds for it.
async fn wait_delivery(
    session: &Session,
    conversation: ConversationId,
    entry: i64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        let timeline: Value = session
            .get(&format!("/api/v1/conversations/{conversation}/timeline"))
            .await
            .json()
            .await
            .unwrap();
        let found = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == entry)
            .cloned()
            .unwrap();
        last = found["meta"]["delivery"].clone();
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("delivery never got there: {last}");
}

#[tokio::test]
async fn agent_reply_on_an_email_conversation_reaches_the_contact_threaded() {
    let port = free_port();
    let Some(sink) = Sink::start(port, false).await else {
        return;
    };
    let Relayed {
        app,
        conversation,
        session,
        ..
    } = relayed(sink.port, "Reply Co", "reply.test", "first@customer.test").await;

    let entry = reply(&session, conversation, "We are sending a new one.").await;
    assert_eq!(entry["meta"]["delivery"]["state"], "queued");
    assert_eq!(entry["meta"]["email"]["to"], json!(["casey@customer.test"]));
    let first_id = entry["meta"]["email"]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let messages = sink.wait_for(1).await;
    let mail = &messages[0];
    let from = header(mail, "From").unwrap();
    assert!(
        from.contains("Ben Member") && from.contains("<support@reply.test>"),
        "{from}"
    );
    assert!(header(mail, "To").unwrap().contains("casey@customer.test"));
    assert_eq!(
        header(mail, "X-Sink-Envelope-To").unwrap(),
        "casey@customer.test"
    );
    assert_eq!(header(mail, "Subject").unwrap(), "Re: Broken parcel");
    assert_eq!(
        header(mail, "In-Reply-To").unwrap(),
        "<first@customer.test>"
    );
    assert_eq!(header(mail, "References").unwrap(), "<first@customer.test>");
    assert_eq!(header(mail, "Message-ID").unwrap(), format!("<{first_id}>"));
    let reply_to = header(mail, "Reply-To").unwrap();
    assert!(
        reply_to.starts_with("<support+") && reply_to.ends_with("@reply.test>"),
        "{reply_to}"
    );
    assert!(mail.contains("We are sending a new one."));
    let delivery = wait_delivery(&session, conversation, entry["id"].as_i64().unwrap(), |d| {
        d["state"] == "sent"
    })
    .await;
    assert_eq!(delivery["attempts"], 1);

    // The customer answers our reply; the next reply answers that mail, with the
    // whole thread before it as References.
    let raw = format!(
        "From: casey@customer.test\r\nTo: support@reply.test\r\nSubject: Re: Broken parcel\r\n\
         Message-ID: <second@customer.test>\r\nIn-Reply-To: <{first_id}>\r\n\r\nThanks!\r\n"
    );
    app.app
        .receive_mail(raw.as_bytes(), &["support@reply.test".to_owned()])
        .await
        .unwrap();
    reply(&session, conversation, "Tracking number follows.").await;
    let messages = sink.wait_for(2).await;
    assert_eq!(
        header(&messages[1], "In-Reply-To").unwrap(),
        "<second@customer.test>"
    );
    assert_eq!(
        header(&messages[1], "References").unwrap(),
        format!("<first@customer.test> <{first_id}> <second@customer.test>")
    );
}

#[tokio::test]
async fn reply_from_an_inbox_without_address_is_refused_and_other_channels_send_nothing() {
    let port = free_port();
    let Some(sink) = Sink::start(port, false).await else {
        return;
    };
    let app = spawn_with_relay(sink.port).await;
    let fx = app.fixture("NoAddress Co", "noaddress.test").await;
    let bare = app
        .store
        .create_inbox(switchboard_store::NewInbox {
            account_id: fx.account.id,
            name: "Bare".into(),
            email_address: None,
            member_user_ids: vec![fx.member.id],
            member_team_ids: vec![],
            now: 1,
        })
        .await
        .unwrap();
    let session = app.login(&fx.member.email).await;
    let res = session
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": bare.id, "channel": "email", "contact": {"email": "x@customer.test"}, "subject": "Hi", "body": "hello"}),
        )
        .await;
    let conversation: Value = res.json().await.unwrap();
    let res = session
        .post(
            &format!("/api/v1/conversations/{}/replies", conversation["id"]),
            json!({"body": "hi"}),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("email address"));

    // An API-channel conversation: the reply is only on the timeline.
    let api = session
        .create_conversation(fx.inbox.id, "y@customer.test", "Hi", "hello")
        .await;
    let entry = reply(&session, ConversationId(api["id"].as_i64().unwrap()), "hi").await;
    assert!(entry["meta"].get("delivery").is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty());
    assert!(app
        .store
        .outbox(fx.account.id, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn forward_reaches_the_outside_recipient_and_never_the_contact() {
    let port = free_port();
    let Some(sink) = Sink::start(port, false).await else {
        return;
    };
    let Relayed {
        app,
        fx,
        conversation,
        session,
    } = relayed(
        sink.port,
        "Forward Co",
        "forward.test",
        "parcel@customer.test",
    )
    .await;
    let timeline: Value = session
        .get(&format!("/api/v1/conversations/{conversation}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let message = timeline["items"][0]["id"].as_i64().unwrap();

    let path = format!("/api/v1/conversations/{conversation}/forward");
    let res = session
        .post(
            &path,
            json!({"message_id": message, "to": ["carrier@logistics.test"], "cc": ["boss@forward.test"], "body": "Please check this claim."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["kind"], "forward");
    assert_eq!(
        entry["meta"]["forward"]["to"],
        json!(["carrier@logistics.test"])
    );
    assert_eq!(entry["meta"]["forward"]["message_entry_id"], message);
    assert_eq!(entry["meta"]["delivery"]["state"], "queued");

    let messages = sink.wait_for(1).await;
    let mail = &messages[0];
    assert_eq!(
        header(mail, "X-Sink-Envelope-To").unwrap(),
        "carrier@logistics.test, boss@forward.test"
    );
    assert_eq!(header(mail, "Subject").unwrap(), "Fwd: Broken parcel");
    assert!(mail.contains("Please check this claim."));
    assert!(mail.contains("Forwarded message"));
    assert!(mail.contains("My parcel arrived broken."));
    assert!(
        mail.contains("casey@customer.test"),
        "the original's From is shown"
    );
    // The contact got nothing.
    assert!(sink
        .messages()
        .iter()
        .all(|m| !header(m, "X-Sink-Envelope-To").unwrap().contains("casey@")));
    wait_delivery(&session, conversation, entry["id"].as_i64().unwrap(), |d| {
        d["state"] == "sent"
    })
    .await;

    // Bad input: no recipient, a bad address, too many, a non-message entry.
    for body in [
        json!({"message_id": message, "to": [], "body": "x"}),
        json!({"message_id": message, "to": ["not an address"], "body": "x"}),
        json!({"message_id": message, "to": ["a@b.test"], "body": ""}),
        json!({"message_id": message, "to": (0..51).map(|i| format!("r{i}@x.test")).collect::<Vec<_>>(), "body": "x"}),
        json!({"message_id": entry["id"], "to": ["a@b.test"], "body": "x"}),
    ] {
        expect_error(
            session.post(&path, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // Someone who cannot see the conversation cannot forward from it.
    let outsider = app.login(&fx.outsider.email).await;
    let res = outsider
        .post(
            &path,
            json!({"message_id": message, "to": ["a@b.test"], "body": "x"}),
        )
        .await;
    expect_error(res, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn mail_waits_while_the_relay_is_down_and_goes_out_when_it_is_back() {
    let port = free_port();
    let Relayed {
        app,
        fx,
        conversation,
        session,
    } = relayed(port, "Down Co", "down.test", "down@customer.test").await;
    let entry = reply(&session, conversation, "Sorry for the wait.").await;
    let id = entry["id"].as_i64().unwrap();

    let delivery = wait_delivery(&session, conversation, id, |d| {
        d["attempts"].as_i64().unwrap_or(0) >= 2
    })
    .await;
    assert_eq!(delivery["state"], "queued");
    assert!(delivery["error"].is_string());
    let row = &app.store.outbox(fx.account.id, 10).await.unwrap()[0];
    assert_eq!(row.state, OutboxState::Queued);

    let Some(sink) = Sink::start(port, false).await else {
        return;
    };
    let messages = sink.wait_for(1).await;
    assert!(messages[0].contains("Sorry for the wait."));
    wait_delivery(&session, conversation, id, |d| d["state"] == "sent").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn permanent_refusal_fails_the_mail_and_retry_queues_it_again() {
    let port = free_port();
    let Some(sink) = Sink::start(port, true).await else {
        return;
    };
    let Relayed {
        app,
        fx,
        conversation,
        session,
    } = relayed(
        sink.port,
        "Refused Co",
        "refused.test",
        "refused@customer.test",
    )
    .await;
    let entry = reply(&session, conversation, "Hello?").await;
    let id = entry["id"].as_i64().unwrap();
    let retry = format!("/api/v1/conversations/{conversation}/entries/{id}/retry");

    let delivery = wait_delivery(&session, conversation, id, |d| d["state"] == "failed").await;
    assert!(
        delivery["error"]
            .as_str()
            .unwrap()
            .contains("mailbox unavailable"),
        "{delivery}"
    );
    let row = &app.store.outbox(fx.account.id, 10).await.unwrap()[0];
    assert_eq!((row.state, row.attempts), (OutboxState::Failed, 1));
    assert!(row.last_error.as_deref().unwrap().contains("550"));

    // An outsider may not retry; a retry requeues it.
    let outsider = app.login(&fx.outsider.email).await;
    expect_error(
        outsider.post(&retry, json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    drop(sink);
    let res = session.post(&retry, json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let retried: Value = res.json().await.unwrap();
    assert_eq!(retried["meta"]["delivery"]["state"], "queued");
    // Not failed any more: a second retry is a conflict.
    expect_error(session.post(&retry, json!({})).await, StatusCode::CONFLICT).await;

    let Some(sink) = Sink::start(port, false).await else {
        return;
    };
    let messages = sink.wait_for(1).await;
    assert!(messages[0].contains("Hello?"));
    wait_delivery(&session, conversation, id, |d| d["state"] == "sent").await;
}
