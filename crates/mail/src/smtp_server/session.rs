//! One SMTP session: the state machine between the bytes a client sends and the
//! replies it gets. Generic over the stream so tests could drive it in memory.

use super::{DeliverError, Envelope, MailSink, RcptVerdict, SmtpConfig};
use smtp_proto::request::receiver::{
    DataReceiver, DummyDataReceiver, DummyLineReceiver, RequestReceiver,
};
use smtp_proto::{EhloResponse, Error as ProtoError, Request};
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_domain::input::EmailAddress;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

/// What the session is reading right now.
enum Reading {
    /// Commands, one line each.
    Command(RequestReceiver),
    /// The rest of an overlong line, thrown away.
    SkipLine(DummyLineReceiver),
    /// Message content after `DATA`, up to the final `.`.
    Data(DataReceiver),
    /// Message content past the size cap, thrown away up to the final `.`.
    DiscardData(DummyDataReceiver),
}

/// What to do after handling some input.
#[derive(PartialEq, Eq)]
enum Next {
    Continue,
    Close,
}

/// The current mail transaction (between `MAIL` and the end of `DATA`).
#[derive(Default)]
struct Transaction {
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
    data: Vec<u8>,
}

pub(super) struct Session {
    config: Arc<SmtpConfig>,
    sink: Arc<dyn MailSink>,
    peer: SocketAddr,
    stop: watch::Receiver<bool>,
    helo: Option<String>,
    tx: Transaction,
    errors: usize,
    out: Vec<u8>,
}

impl Session {
    pub(super) fn new(
        config: Arc<SmtpConfig>,
        sink: Arc<dyn MailSink>,
        peer: SocketAddr,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Self {
            config,
            sink,
            peer,
            stop,
            helo: None,
            tx: Transaction::default(),
            errors: 0,
            out: Vec::new(),
        }
    }

    /// Runs the session to its end; I/O errors and timeouts just end it.
    pub(super) async fn run<S: AsyncRead + AsyncWrite + Unpin>(mut self, mut stream: S) {
        let greeting = format!("220 {} ESMTP Switchboard\r\n", self.config.hostname);
        self.out.extend_from_slice(greeting.as_bytes());
        if self.flush(&mut stream).await.is_err() {
            return;
        }
        let mut reading = Reading::Command(RequestReceiver::default());
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let timeout = self.config.idle_timeout;
            let stopping = tokio::select! {
                read = tokio::time::timeout(timeout, stream.read(&mut buf)) => Err(read),
                _ = self.stop.wait_for(|stop| *stop) => Ok(()),
            };
            let read = match stopping {
                Err(read) => read,
                Ok(()) if matches!(reading, Reading::Command(_)) => {
                    self.reply(421, "4.3.2", "Service shutting down");
                    let _ = self.flush(&mut stream).await;
                    return;
                }
                // Mid-message: finish it (the client is still sending).
                Ok(()) => tokio::time::timeout(timeout, stream.read(&mut buf)).await,
            };
            let n = match read {
                Ok(Ok(0)) | Ok(Err(_)) => return,
                Ok(Ok(n)) => n,
                Err(_) => {
                    self.reply(421, "4.4.2", "Idle timeout, closing");
                    let _ = self.flush(&mut stream).await;
                    return;
                }
            };
            let next = self.ingest(&buf[..n], &mut reading).await;
            if self.flush(&mut stream).await.is_err() || next == Next::Close {
                return;
            }
        }
    }

    /// Feeds one chunk of input through the receivers, queueing replies in `out`.
    /// A receiver for the message after `354`. The DATA command's own CRLF counts as
    /// the line end before the first line, so a `.` there ends an empty message and a
    /// leading `..` is unstuffed; the receiver does not assume that by itself, so it is
    /// fed that CRLF, which is then dropped from the message.
    fn data_receiver(&mut self) -> DataReceiver {
        let mut receiver = DataReceiver::new();
        let mut scratch = Vec::with_capacity(2);
        receiver.ingest(&mut b"\r\n".iter(), &mut scratch);
        receiver
    }

    async fn ingest(&mut self, chunk: &[u8], reading: &mut Reading) -> Next {
        let mut bytes = chunk.iter();
        while !bytes.as_slice().is_empty() {
            match reading {
                Reading::Command(receiver) => match receiver.ingest(&mut bytes) {
                    Ok(request) => {
                        let request = request.into_owned();
                        if let Request::Data = request {
                            if self.start_data() {
                                *reading = Reading::Data(self.data_receiver());
                            }
                            continue;
                        }
                        if self.command(request).await == Next::Close {
                            return Next::Close;
                        }
                    }
                    Err(ProtoError::NeedsMoreData { .. }) => break,
                    Err(ProtoError::ResponseTooLong) => {
                        self.reply(500, "5.5.2", "Line too long");
                        *reading = Reading::SkipLine(DummyLineReceiver::default());
                        if self.count_error() == Next::Close {
                            return Next::Close;
                        }
                    }
                    Err(error) => {
                        self.protocol_error(&error);
                        if self.count_error() == Next::Close {
                            return Next::Close;
                        }
                    }
                },
                Reading::SkipLine(receiver) => {
                    if receiver.ingest(&mut bytes) {
                        *reading = Reading::Command(RequestReceiver::default());
                    }
                }
                Reading::Data(receiver) => {
                    if receiver.ingest(&mut bytes, &mut self.tx.data) {
                        self.finish_data().await;
                        *reading = Reading::Command(RequestReceiver::default());
                    } else if self.tx.data.len() > self.config.max_message_bytes {
                        // Keep reading to the final dot, but stop keeping the bytes.
                        self.tx.data = Vec::new();
                        *reading = Reading::DiscardData(DummyDataReceiver::new_data(receiver));
                    }
                }
                Reading::DiscardData(receiver) => {
                    if receiver.ingest(&mut bytes) {
                        self.reply(552, "5.3.4", "Message too big");
                        self.tx = Transaction::default();
                        *reading = Reading::Command(RequestReceiver::default());
                    }
                }
            }
        }
        Next::Continue
    }

    async fn command(&mut self, request: Request<String>) -> Next {
        match request {
            Request::Ehlo { host } => {
                self.helo = Some(host);
                self.tx = Transaction::default();
                let mut ehlo = EhloResponse::new(self.config.hostname.as_str());
                ehlo.capabilities = smtp_proto::EXT_8BIT_MIME
                    | smtp_proto::EXT_PIPELINING
                    | smtp_proto::EXT_SIZE
                    | smtp_proto::EXT_ENHANCED_STATUS_CODES;
                ehlo.size = self.config.max_message_bytes;
                // Writing into a Vec cannot fail.
                let _ = ehlo.write(&mut self.out);
            }
            Request::Helo { host } => {
                self.helo = Some(host);
                self.tx = Transaction::default();
                let line = format!("250 {}\r\n", self.config.hostname);
                self.out.extend_from_slice(line.as_bytes());
            }
            Request::Mail { from } => self.mail_from(from.address, from.size),
            Request::Rcpt { to } => self.rcpt_to(&to.address).await,
            Request::Rset => {
                self.tx = Transaction::default();
                self.reply(250, "2.0.0", "OK");
            }
            Request::Noop { .. } => self.reply(250, "2.0.0", "OK"),
            Request::Vrfy { .. } => self.reply(252, "2.5.0", "Cannot VRFY user"),
            Request::Help { .. } => self.reply(214, "2.0.0", "See RFC 5321"),
            Request::Quit => {
                self.reply(221, "2.0.0", "Bye");
                return Next::Close;
            }
            // DATA is handled by the caller, which owns the receiver state.
            Request::Data => {}
            Request::Lhlo { .. }
            | Request::Bdat { .. }
            | Request::Auth { .. }
            | Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. }
            | Request::StartTls => {
                self.reply(502, "5.5.1", "Command not implemented");
                return self.count_error();
            }
        }
        Next::Continue
    }

    fn mail_from(&mut self, address: String, size: usize) {
        if self.helo.is_none() {
            self.reply(503, "5.5.1", "Say EHLO first");
        } else if self.tx.mail_from.is_some() {
            self.reply(503, "5.5.1", "Sender already given");
        } else if size > self.config.max_message_bytes {
            self.reply(552, "5.3.4", "Message too big");
        } else {
            self.tx.mail_from = Some(address);
            self.reply(250, "2.1.0", "OK");
        }
    }

    async fn rcpt_to(&mut self, address: &str) {
        if self.tx.mail_from.is_none() {
            self.reply(503, "5.5.1", "MAIL first");
            return;
        }
        if self.tx.rcpt_to.len() >= self.config.max_recipients {
            self.reply(452, "4.5.3", "Too many recipients");
            return;
        }
        let Ok(address) = EmailAddress::parse("rcpt", address) else {
            self.reply(550, "5.1.3", "Bad recipient address syntax");
            return;
        };
        let address = address.into_string();
        match self.sink.accept_recipient(&address).await {
            RcptVerdict::Accept => {
                if !self.tx.rcpt_to.contains(&address) {
                    self.tx.rcpt_to.push(address);
                }
                self.reply(250, "2.1.5", "OK");
            }
            RcptVerdict::Unknown => self.reply(550, "5.1.1", "No such mailbox here"),
            RcptVerdict::TryLater => self.reply(451, "4.3.0", "Try again later"),
        }
    }

    /// Answers `DATA`; true when message content follows.
    fn start_data(&mut self) -> bool {
        if self.tx.mail_from.is_none() {
            self.reply(503, "5.5.1", "MAIL first");
            false
        } else if self.tx.rcpt_to.is_empty() {
            self.reply(554, "5.5.1", "No valid recipients");
            false
        } else {
            self.out
                .extend_from_slice(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n");
            self.tx.data = self.received_header().into_bytes();
            true
        }
    }

    /// The `Received` trace header we prepend, so loops through us are counted too.
    fn received_header(&self) -> String {
        let helo: String = self
            .helo
            .as_deref()
            .unwrap_or("unknown")
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(255)
            .collect();
        format!(
            "Received: from {helo} ({ip})\r\n\tby {host} (Switchboard) with ESMTP;\r\n\t{date}\r\n",
            ip = self.peer.ip(),
            host = self.config.hostname,
            date = mail_builder::headers::date::Date::now().to_rfc822(),
        )
    }

    async fn finish_data(&mut self) {
        let tx = std::mem::take(&mut self.tx);
        let envelope = Envelope {
            mail_from: tx.mail_from.unwrap_or_default(),
            rcpt_to: tx.rcpt_to,
            peer: self.peer,
        };
        let size = tx.data.len();
        match self.sink.deliver(envelope, tx.data).await {
            Ok(()) => {
                tracing::info!(size, "smtp message accepted");
                self.reply(250, "2.0.0", "Message accepted");
            }
            Err(DeliverError::Transient(reason)) => {
                tracing::warn!(%reason, "smtp delivery deferred");
                self.reply(451, "4.3.0", "Temporary failure, try again later");
            }
            Err(DeliverError::Permanent(reason)) => {
                tracing::info!(%reason, "smtp delivery refused");
                self.reply(554, "5.6.0", "Message refused");
            }
        }
    }

    fn protocol_error(&mut self, error: &ProtoError) {
        match error {
            ProtoError::UnknownCommand => self.reply(500, "5.5.1", "Unknown command"),
            ProtoError::InvalidSenderAddress => self.reply(501, "5.1.7", "Bad sender address"),
            ProtoError::InvalidRecipientAddress => {
                self.reply(501, "5.1.3", "Bad recipient address");
            }
            ProtoError::SyntaxError { syntax } => {
                let text = format!("Syntax: {syntax}");
                self.reply(501, "5.5.4", &text);
            }
            ProtoError::InvalidParameter { .. } => self.reply(501, "5.5.4", "Invalid parameter"),
            ProtoError::UnsupportedParameter { .. } => {
                self.reply(504, "5.5.4", "Unsupported parameter");
            }
            _ => self.reply(500, "5.5.2", "Syntax error"),
        }
    }

    /// Counts a client error; too many close the session.
    fn count_error(&mut self) -> Next {
        self.errors += 1;
        if self.errors >= self.config.max_errors {
            self.reply(421, "4.7.0", "Too many errors, closing");
            Next::Close
        } else {
            Next::Continue
        }
    }

    fn reply(&mut self, code: u16, status: &str, text: &str) {
        let line = format!("{code} {status} {text}\r\n");
        self.out.extend_from_slice(line.as_bytes());
    }

    /// Sends queued replies; a client that stops reading times out like an idle one.
    async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> std::io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let out = std::mem::take(&mut self.out);
        match tokio::time::timeout(self.config.idle_timeout, stream.write_all(&out)).await {
            Ok(result) => result?,
            Err(elapsed) => return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)),
        }
        stream.flush().await
    }
}
