//! A minimal SMTP client for the tests: one command at a time, every reply code
//! visible, raw bytes sent as given (dot-stuffed), so tests can send what real mail
//! clients would refuse to (garbage, thousands of recipients).

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

pub struct SmtpClient {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

/// What the server answered to a whole transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The final code: of the end of DATA, or of the step that failed.
    pub code: u16,
    /// How many recipients got `250`.
    pub accepted: usize,
}

impl SmtpClient {
    /// Connects, reads the greeting and says EHLO.
    pub async fn connect(addr: &str) -> std::io::Result<SmtpClient> {
        let (read, write) = TcpStream::connect(addr).await?.into_split();
        let mut client = SmtpClient {
            reader: BufReader::new(read),
            writer: write,
        };
        let greeting = client.reply().await?;
        assert_eq!(greeting, 220, "greeting");
        assert_eq!(client.command("EHLO client.test").await?, 250);
        Ok(client)
    }

    /// The code of the next (possibly multi-line) reply.
    async fn reply(&mut self) -> std::io::Result<u16> {
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line
                    .get(..3)
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(|| std::io::Error::other(format!("bad reply {line:?}")));
            }
        }
    }

    /// Sends one command line and answers the reply code.
    pub async fn command(&mut self, line: &str) -> std::io::Result<u16> {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await?;
        self.reply().await
    }

    /// One mail transaction. Stops at the first refused step (MAIL, no recipient
    /// accepted, DATA) and answers its code.
    pub async fn send(
        &mut self,
        from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> std::io::Result<Outcome> {
        let code = self.command(&format!("MAIL FROM:<{from}>")).await?;
        if code != 250 {
            return Ok(Outcome { code, accepted: 0 });
        }
        let mut accepted = 0;
        let mut last = 0;
        for rcpt in recipients {
            last = self.command(&format!("RCPT TO:<{rcpt}>")).await?;
            if last == 250 {
                accepted += 1;
            }
        }
        if accepted == 0 {
            self.command("RSET").await?;
            return Ok(Outcome {
                code: last,
                accepted,
            });
        }
        let code = self.command("DATA").await?;
        if code != 354 {
            return Ok(Outcome { code, accepted });
        }
        let mut data = Vec::with_capacity(raw.len() + 16);
        for line in raw.split_inclusive(|b| *b == b'\n') {
            if line.starts_with(b".") {
                data.push(b'.');
            }
            data.extend_from_slice(line);
        }
        if !data.is_empty() && !data.ends_with(b"\n") {
            data.extend_from_slice(b"\r\n");
        }
        data.extend_from_slice(b".\r\n");
        self.writer.write_all(&data).await?;
        let code = self.reply().await?;
        Ok(Outcome { code, accepted })
    }

    /// Says QUIT.
    pub async fn quit(mut self) {
        let _ = self.command("QUIT").await;
    }
}

/// A small plain-text mail.
pub fn text_mail(
    message_id: &str,
    from: &str,
    to: &str,
    subject: &str,
    extra_headers: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "From: Casey Customer <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\
         {extra_headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}
