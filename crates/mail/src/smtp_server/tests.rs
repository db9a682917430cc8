//! The listener over real TCP on loopback: lettre for the happy path, raw bytes for
//! the protocol's edges.

use super::*;
use std::sync::Mutex;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Records deliveries; accepts recipients at acme.test only; fails as told.
#[derive(Default)]
pub(crate) struct TestSink {
    pub delivered: Mutex<Vec<(Envelope, Vec<u8>)>>,
    pub fail_with: Mutex<Option<DeliverError>>,
}

#[async_trait]
impl MailSink for TestSink {
    async fn accept_recipient(&self, address: &str) -> RcptVerdict {
        if address == "busy@acme.test" {
            RcptVerdict::TryLater
        } else if address.ends_with("@acme.test") {
            RcptVerdict::Accept
        } else {
            RcptVerdict::Unknown
        }
    }

    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Result<(), DeliverError> {
        if let Some(error) = self.fail_with.lock().unwrap().clone() {
            return Err(error);
        }
        self.delivered.lock().unwrap().push((envelope, raw));
        Ok(())
    }
}

pub(crate) struct Running {
    pub addr: SocketAddr,
    pub sink: Arc<TestSink>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}

pub(crate) async fn start(config: SmtpConfig) -> Running {
    let sink = Arc::new(TestSink::default());
    let server = SmtpServer::bind("127.0.0.1:0", config, sink.clone() as Arc<dyn MailSink>)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        sink,
        stop: Some(stop),
        task,
    }
}

fn small_config() -> SmtpConfig {
    SmtpConfig {
        hostname: "mx.acme.test".into(),
        max_message_bytes: 1_000,
        max_recipients: 3,
        idle_timeout: Duration::from_secs(5),
        ..SmtpConfig::default()
    }
}

/// A raw client: writes bytes, reads whole (possibly multi-line) replies.
struct Raw {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        let (read, writer) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut raw = Raw {
            reader: BufReader::new(read),
            writer,
        };
        assert!(raw.reply().await.starts_with("220 mx.acme.test"));
        raw
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// One reply: its lines joined, ending with the line whose 4th byte is a space.
    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(5), self.reader.read_line(&mut line))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "connection closed after {all:?}");
            all.push_str(&line);
            if line.as_bytes().get(3) == Some(&b' ') {
                return all;
            }
        }
    }

    async fn codes(&mut self, n: usize) -> Vec<u16> {
        let mut codes = Vec::new();
        for _ in 0..n {
            codes.push(self.reply().await[..3].parse().unwrap());
        }
        codes
    }
}

#[tokio::test]
async fn lettre_delivers_a_message_and_it_is_recorded_after_250() {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let server = start(small_config()).await;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.addr.port())
        .build();
    let envelope = lettre::address::Envelope::new(
        Some("ana@example.com".parse().unwrap()),
        vec!["support@acme.test".parse().unwrap()],
    )
    .unwrap();
    let raw = b"From: ana@example.com\r\nTo: support@acme.test\r\nSubject: hi\r\n\r\n.leading dot\r\nbody\r\n";
    let response = transport.send_raw(&envelope, raw).await.unwrap();
    assert_eq!(response.code().to_string(), "250");

    let delivered = server.sink.delivered.lock().unwrap().clone();
    assert_eq!(delivered.len(), 1);
    let (env, bytes) = &delivered[0];
    assert_eq!(env.mail_from, "ana@example.com");
    assert_eq!(env.rcpt_to, vec!["support@acme.test"]);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.starts_with("Received: from "), "{text}");
    // lettre ends DATA with CRLF.CRLF even after a final CRLF, hence the trim.
    assert!(
        text.trim_end()
            .ends_with("Subject: hi\r\n\r\n.leading dot\r\nbody"),
        "{text:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn ehlo_advertises_pipelining_8bitmime_and_size() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"EHLO client.example\r\n").await;
    let ehlo = c.reply().await;
    for capability in ["PIPELINING", "8BITMIME", "SIZE 1000", "ENHANCEDSTATUSCODES"] {
        assert!(ehlo.contains(capability), "{ehlo}");
    }
    assert!(
        !ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
        "{ehlo}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_recipients_are_refused_so_we_never_relay() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"HELO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<victim@elsewhere.example>\r\n")
        .await;
    assert_eq!(c.codes(3).await, [250, 250, 550]);
    c.send(b"RCPT TO:<busy@acme.test>\r\nDATA\r\n").await;
    assert_eq!(c.codes(2).await, [451, 554]);
    server.shutdown().await;
}

#[tokio::test]
async fn pipelined_commands_get_replies_in_order() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(
        b"EHLO x\r\nMAIL FROM:<> SIZE=100\r\nRCPT TO:<a@acme.test>\r\nRCPT TO:<A@ACME.TEST>\r\n\
          RCPT TO:<b@acme.test>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nNOOP\r\nQUIT\r\n",
    )
    .await;
    assert_eq!(
        c.codes(9).await,
        [250, 250, 250, 250, 250, 354, 250, 250, 221]
    );
    let delivered = server.sink.delivered.lock().unwrap().clone();
    let (env, raw) = &delivered[0];
    assert_eq!(env.mail_from, "");
    assert_eq!(
        env.rcpt_to,
        ["a@acme.test", "b@acme.test"],
        "lower-cased, deduplicated"
    );
    assert!(
        raw.ends_with(b"Subject: x\r\n\r\n.dot\r\n"),
        "dot-unstuffed"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn recipients_past_the_cap_get_452() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"HELO x\r\nMAIL FROM:<a@example.com>\r\n").await;
    c.send(b"RCPT TO:<1@acme.test>\r\nRCPT TO:<2@acme.test>\r\nRCPT TO:<3@acme.test>\r\nRCPT TO:<4@acme.test>\r\n").await;
    assert_eq!(c.codes(6).await, [250, 250, 250, 250, 250, 452]);
    server.shutdown().await;
}

#[tokio::test]
async fn oversized_messages_get_552_and_the_session_stays_usable() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"EHLO x\r\nMAIL FROM:<a@example.com> SIZE=5000\r\n")
        .await;
    assert_eq!(c.codes(2).await, [250, 552], "declared SIZE is checked");
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<s@acme.test>\r\nDATA\r\n")
        .await;
    assert_eq!(c.codes(3).await, [250, 250, 354]);
    for _ in 0..100 {
        c.send(&[b'x'; 1_000]).await;
        c.send(b"\r\n").await;
    }
    c.send(b".\r\nRSET\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<s@acme.test>\r\nDATA\r\nsmall\r\n.\r\n")
        .await;
    assert_eq!(c.codes(6).await, [552, 250, 250, 250, 354, 250]);
    assert_eq!(server.sink.delivered.lock().unwrap().len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn delivery_failures_map_to_451_and_554() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    *server.sink.fail_with.lock().unwrap() = Some(DeliverError::Transient("db busy".into()));
    c.send(b"HELO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<s@acme.test>\r\nDATA\r\nx\r\n.\r\n")
        .await;
    assert_eq!(c.codes(5).await, [250, 250, 250, 354, 451]);
    *server.sink.fail_with.lock().unwrap() = Some(DeliverError::Permanent("bad".into()));
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<s@acme.test>\r\nDATA\r\nx\r\n.\r\n")
        .await;
    let codes = c.codes(4).await;
    assert_eq!(codes, [250, 250, 354, 554]);
    server.shutdown().await;
}

#[tokio::test]
async fn garbage_bad_sequences_and_long_lines_are_answered_without_harm() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"MAIL FROM:<a@example.com>\r\n").await;
    assert_eq!(c.codes(1).await, [503], "EHLO first");
    c.send(b"HELO x\r\nRCPT TO:<s@acme.test>\r\nDATA\r\n").await;
    assert_eq!(c.codes(3).await, [250, 503, 503]);
    c.send(b"FOO bar\r\n\x00\xff\xfe garbage\r\nSTARTTLS\r\nAUTH PLAIN AAAA\r\n")
        .await;
    let codes = c.codes(4).await;
    assert!(codes.iter().all(|c| (500..=502).contains(c)), "{codes:?}");
    c.send(&[b'A'; 10_000]).await;
    c.send(b"\r\nNOOP\r\n").await;
    assert_eq!(c.codes(2).await, [500, 250]);
    c.send(b"RCPT TO:<not an address>\r\n").await;
    assert_eq!(c.codes(1).await[0] / 100, 5);
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_keeps_erring_is_disconnected() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(&b"BOGUS\r\n".repeat(25)).await;
    let codes = c.codes(21).await;
    assert!(codes[..20].iter().all(|c| *c == 500), "{codes:?}");
    assert_eq!(codes[20], 421);
    server.shutdown().await;
}

#[tokio::test]
async fn idle_clients_are_closed() {
    let server = start(SmtpConfig {
        idle_timeout: Duration::from_millis(200),
        ..small_config()
    })
    .await;
    let mut c = Raw::connect(server.addr).await;
    assert_eq!(c.codes(1).await, [421]);
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_tells_waiting_sessions_to_go_away() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"HELO x\r\n").await;
    assert_eq!(c.codes(1).await, [250]);
    let stop = tokio::spawn(server.shutdown());
    assert_eq!(c.codes(1).await, [421]);
    stop.await.unwrap();
}

#[tokio::test]
async fn a_dot_right_after_data_ends_the_message_and_a_first_line_is_unstuffed() {
    let server = start(small_config()).await;
    let mut c = Raw::connect(server.addr).await;
    c.send(b"HELO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<a@acme.test>\r\nDATA\r\n.\r\n")
        .await;
    assert_eq!(c.codes(5).await, [250, 250, 250, 354, 250]);
    c.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<a@acme.test>\r\nDATA\r\n..first\r\n.\r\n")
        .await;
    assert_eq!(c.codes(4).await, [250, 250, 354, 250]);
    let delivered = server.sink.delivered.lock().unwrap().clone();
    let bodies: Vec<&[u8]> = delivered.iter().map(|(_, raw)| raw.as_slice()).collect();
    assert!(!bodies[0].ends_with(b".\r\n"), "the terminator is not data");
    assert!(
        bodies[1].ends_with(b"\r\n.first\r\n"),
        "dot-unstuffed first line"
    );
    server.shutdown().await;
}
