//! Inbound MIME parsing: raw RFC 5322 bytes in, an [`InboundMail`] out, with every
//! field already decoded (quoted-printable, base64, legacy charsets, encoded words),
//! validated and capped so the store can take it as it is.
//!
//! The MIME work is done by `mail-parser`, which is lenient and never panics; this
//! module only picks fields, applies our limits and classifies the mail (automatic
//! or human, looping or not). It does no I/O and must not: the caller decides where
//! bytes and rows go.

use mail_parser::{Address, HeaderValue, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use switchboard_domain::attachment::display_filename;
use switchboard_domain::input::{EmailAddress, MAX_NAME_CHARS, MAX_SUBJECT_CHARS};

#[cfg(test)]
mod tests;

/// The largest raw message [`InboundMail::parse`] accepts (50 MiB). The SMTP listener
/// enforces its own, usually smaller, cap before a message gets here.
pub const MAX_RAW_BYTES: usize = 50 * 1024 * 1024;
/// Attachments kept per message; a mail with thousands of tiny parts would otherwise
/// become thousands of rows.
pub const MAX_ATTACHMENTS: usize = 100;
/// Addresses kept from To and Cc together; a 10,000-address To line is spam or a
/// mistake, and nothing downstream needs more.
pub const MAX_RECIPIENTS: usize = 500;
/// Message-ids kept from References (the first, the thread root, plus the most recent).
pub const MAX_REFERENCES: usize = 50;
/// The longest message-id kept, in bytes (RFC 5322's line limit).
pub const MAX_MESSAGE_ID_BYTES: usize = 998;
/// More `Received` headers than this means the mail is circling between servers.
pub const MAX_RECEIVED_HEADERS: usize = 30;
/// Our own header, stamped on every mail we send, so a mail of ours that comes back
/// (an inbox forwarding to another inbox, an auto-responder echoing us) is recognised.
pub const LOOP_HEADER: &str = "X-Switchboard-Loop";
/// The domain of message-ids synthesized for mails that arrive without one. `.invalid`
/// is reserved (RFC 2606), so a synthetic id can never collide with a real one.
pub const SYNTHETIC_ID_DOMAIN: &str = "synthetic.switchboard.invalid";

/// Why a message could not be parsed at all. Malformed but recognisable mail is not
/// an error: the parser is lenient and returns what it could read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The message is larger than [`MAX_RAW_BYTES`].
    #[error("message of {size} bytes exceeds the {max}-byte limit")]
    TooLarge { size: usize, max: usize },
    /// The bytes hold no header block: not an email message.
    #[error("not an email message")]
    NotAMessage,
}

/// One address with its optional display name, e.g. `"Ana Lima" <ana@example.com>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// Lower-cased and checked by [`EmailAddress::parse`]; mailboxes whose address
    /// fails the check are dropped rather than stored half-valid.
    pub address: String,
    /// The decoded display name, trimmed, without control characters, at most
    /// [`MAX_NAME_CHARS`] characters; `None` when absent or empty.
    pub name: Option<String>,
}

/// A file carried by the mail, already decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundAttachment {
    /// A display name only, never a path: the last path component, without control
    /// or bidirectional-override characters (see [`display_filename`]). A name such
    /// as `<script>.html` is kept as text; the UI escapes it and storage never uses it.
    pub filename: String,
    /// Lower-cased `type/subtype` without parameters; `application/octet-stream`
    /// when missing or malformed. It is what the sender claimed, not what is safe to
    /// serve: serving decides that separately.
    pub content_type: String,
    /// The `Content-ID` without angle brackets, for `cid:` references in the HTML body.
    pub content_id: Option<String>,
    /// True when the part is meant to be shown inside the body: `Content-Disposition:
    /// inline`, or no disposition but a `Content-ID`.
    pub inline: bool,
    /// The decoded content.
    pub bytes: Vec<u8>,
}

/// A parsed inbound mail: what the store needs to thread, file and show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    /// The `Message-ID` without angle brackets; `None` when missing or malformed
    /// (see [`InboundMail::message_id_or_synthetic`]).
    pub message_id: Option<String>,
    /// `In-Reply-To` ids without angle brackets, in header order.
    pub in_reply_to: Vec<String>,
    /// `References` ids without angle brackets, oldest first, at most [`MAX_REFERENCES`].
    pub references: Vec<String>,
    /// The author (`From`, first mailbox).
    pub from: Option<Mailbox>,
    /// Where the author wants replies (`Reply-To`, first mailbox).
    pub reply_to: Option<Mailbox>,
    /// `To` mailboxes (at most [`MAX_RECIPIENTS`] with `cc`).
    pub to: Vec<Mailbox>,
    /// `Cc` mailboxes.
    pub cc: Vec<Mailbox>,
    /// The decoded subject, control characters removed, at most [`MAX_SUBJECT_CHARS`].
    pub subject: Option<String>,
    /// The `Date` header as milliseconds since the Unix epoch (UTC).
    pub date: Option<i64>,
    /// The plain-text body; derived from the HTML body when the mail has only HTML.
    pub text: Option<String>,
    /// The HTML body as sent: raw and unsanitized. Never render it without
    /// [`crate::sanitize::sanitize_email_html`].
    pub html: Option<String>,
    /// Attached and inline files, at most [`MAX_ATTACHMENTS`].
    pub attachments: Vec<InboundAttachment>,
    /// The `List-Id` value, if any. Kept apart from `auto_submitted` on purpose: a
    /// shared inbox is often fed through a group list (support@ as a Google Group),
    /// and those mails are written by people.
    pub list_id: Option<String>,
    /// True for mail written by a machine: auto-replies, bounces, bulk mail. Never
    /// auto-reply to these (RFC 3834). Set by `Auto-Submitted` other than `no`,
    /// `Precedence: bulk | junk | list | auto_reply`, `X-Autoreply`, `X-Autorespond`,
    /// `X-Autogenerated`, or a `multipart/report` body (delivery status notifications).
    pub auto_submitted: bool,
    /// True when the mail carries our [`LOOP_HEADER`] or more than
    /// [`MAX_RECEIVED_HEADERS`] `Received` headers: it must not trigger any mail.
    pub loop_detected: bool,
    /// SHA-256 of the raw bytes, the seed of the synthetic message-id.
    raw_sha256: [u8; 32],
}

impl InboundMail {
    /// Parses raw message bytes. Never panics; malformed parts are read leniently.
    /// Fails only for input larger than [`MAX_RAW_BYTES`] or without any header.
    pub fn parse(raw: &[u8]) -> Result<InboundMail, ParseError> {
        if raw.len() > MAX_RAW_BYTES {
            return Err(ParseError::TooLarge {
                size: raw.len(),
                max: MAX_RAW_BYTES,
            });
        }
        let message = MessageParser::default()
            .parse(raw)
            .ok_or(ParseError::NotAMessage)?;
        if message.headers().is_empty() {
            return Err(ParseError::NotAMessage);
        }

        let mut recipients_left = MAX_RECIPIENTS;
        let to = mailboxes(message.to(), &mut recipients_left);
        let cc = mailboxes(message.cc(), &mut recipients_left);
        let (text, html) = bodies(&message);
        Ok(InboundMail {
            message_id: message.message_id().and_then(clean_message_id),
            in_reply_to: message_ids(message.in_reply_to(), MAX_REFERENCES),
            references: cap_references(message_ids(message.references(), usize::MAX)),
            from: first_mailbox(message.from()),
            reply_to: first_mailbox(message.reply_to()),
            to,
            cc,
            subject: message.subject().and_then(clean_subject),
            date: message
                .date()
                .and_then(|d| d.to_timestamp().checked_mul(1000)),
            text,
            html,
            attachments: attachments(&message),
            list_id: header_text(&message, "List-Id").map(|s| s.trim().to_owned()),
            auto_submitted: is_auto_submitted(&message),
            loop_detected: is_looping(&message),
            raw_sha256: Sha256::digest(raw).into(),
        })
    }

    /// The message-id to store: the real one, or one derived from the SHA-256 of the
    /// raw bytes, so the same bytes delivered twice get the same id (and the store's
    /// duplicate check still works). Synthetic ids end in [`SYNTHETIC_ID_DOMAIN`].
    pub fn message_id_or_synthetic(&self) -> String {
        match &self.message_id {
            Some(id) => id.clone(),
            None => format!(
                "{}@{SYNTHETIC_ID_DOMAIN}",
                hex::encode(&self.raw_sha256[..16])
            ),
        }
    }
}

/// The text and HTML bodies. mail-parser already lists an HTML part under the text
/// bodies when there is no text alternative and converts it to text on request.
fn bodies(message: &mail_parser::Message<'_>) -> (Option<String>, Option<String>) {
    let html = message
        .html_bodies()
        .find_map(|part| match &part.body {
            PartType::Html(html) => Some(html.to_string()),
            _ => None,
        })
        .filter(|h| !h.trim().is_empty());
    let text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .filter(|t| !t.trim().is_empty());
    (text, html)
}

/// The first valid mailbox of an address header.
fn first_mailbox(address: Option<&Address<'_>>) -> Option<Mailbox> {
    address?
        .iter()
        .find_map(|addr| mailbox(addr.name(), addr.address()))
}

/// Every valid mailbox of an address header, taking at most `left` of them.
fn mailboxes(address: Option<&Address<'_>>, left: &mut usize) -> Vec<Mailbox> {
    let Some(address) = address else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for addr in address.iter() {
        if *left == 0 {
            break;
        }
        if let Some(m) = mailbox(addr.name(), addr.address()) {
            *left -= 1;
            out.push(m);
        }
    }
    out
}

fn mailbox(name: Option<&str>, address: Option<&str>) -> Option<Mailbox> {
    let address = EmailAddress::parse("address", address?).ok()?.into_string();
    let name = name
        .map(|n| clean_text(n, MAX_NAME_CHARS))
        .filter(|n| !n.is_empty());
    Some(Mailbox { address, name })
}

/// Drops control characters (a header can't carry CR/LF onwards), collapses runs of
/// whitespace and cuts to `max` characters.
fn clean_text(raw: &str, max: usize) -> String {
    let mut out = String::new();
    for word in raw.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > max * 4 {
            break;
        }
    }
    out.chars().take(max).collect::<String>().trim().to_owned()
}

fn clean_subject(raw: &str) -> Option<String> {
    Some(clean_text(raw, MAX_SUBJECT_CHARS)).filter(|s| !s.is_empty())
}

/// A message-id without angle brackets, or `None` when it could not be one: empty,
/// too long, or containing whitespace, control characters or brackets.
pub(crate) fn clean_message_id(raw: &str) -> Option<String> {
    let id = raw.trim().trim_start_matches('<').trim_end_matches('>');
    let ok = !id.is_empty()
        && id.len() <= MAX_MESSAGE_ID_BYTES
        && id
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '<' && c != '>');
    ok.then(|| id.to_owned())
}

/// The ids of an id header (`In-Reply-To`, `References`), at most `max`.
fn message_ids(value: &HeaderValue<'_>, max: usize) -> Vec<String> {
    let ids: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(ids) => ids.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    ids.into_iter()
        .filter_map(clean_message_id)
        .take(max)
        .collect()
}

/// Keeps the thread root and the most recent ids when References is overlong.
fn cap_references(mut ids: Vec<String>) -> Vec<String> {
    if ids.len() > MAX_REFERENCES {
        let tail = ids.split_off(ids.len() - (MAX_REFERENCES - 1));
        ids.truncate(1);
        ids.extend(tail);
    }
    ids
}

/// A header's raw value, trimmed, when present and short enough to be meaningful.
fn header_text<'a>(message: &'a mail_parser::Message<'_>, name: &'static str) -> Option<&'a str> {
    message
        .header_raw(name)
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= MAX_MESSAGE_ID_BYTES)
}

fn is_auto_submitted(message: &mail_parser::Message<'_>) -> bool {
    let first_token = |name: &'static str| {
        header_text(message, name).map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    };
    let auto_submitted = first_token("Auto-Submitted").is_some_and(|v| v != "no");
    let precedence = first_token("Precedence")
        .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"));
    let legacy = ["X-Autoreply", "X-Autorespond", "X-Autogenerated"]
        .iter()
        .any(|h| message.header_raw(*h).is_some());
    let report = message
        .root_part()
        .content_type()
        .is_some_and(|ct| is_type(ct.ctype(), ct.subtype(), "multipart", "report"));
    auto_submitted || precedence || legacy || report
}

fn is_looping(message: &mail_parser::Message<'_>) -> bool {
    message.header_raw(LOOP_HEADER).is_some()
        || message
            .headers()
            .iter()
            .filter(|h| h.name().eq_ignore_ascii_case("Received"))
            .count()
            > MAX_RECEIVED_HEADERS
}

fn is_type(ctype: &str, subtype: Option<&str>, want: &str, want_sub: &str) -> bool {
    ctype.eq_ignore_ascii_case(want) && subtype.is_some_and(|s| s.eq_ignore_ascii_case(want_sub))
}

fn attachments(message: &mail_parser::Message<'_>) -> Vec<InboundAttachment> {
    message
        .attachments()
        .take(MAX_ATTACHMENTS)
        .map(attachment)
        .collect()
}

fn attachment(part: &MessagePart<'_>) -> InboundAttachment {
    let content_type = content_type(part);
    let fallback = if content_type == "message/rfc822" {
        "message.eml"
    } else {
        ""
    };
    let filename = sanitize_filename(part.attachment_name().unwrap_or(fallback));
    let content_id = part.content_id().and_then(clean_message_id);
    let inline = match part.content_disposition() {
        Some(d) => d.is_inline(),
        None => content_id.is_some(),
    };
    // For a nested message, `contents` is its raw bytes: it is attached as `.eml`.
    let bytes = part.contents().to_vec();
    InboundAttachment {
        filename,
        content_type,
        content_id,
        inline,
        bytes,
    }
}

/// Lower-cased `type/subtype`, or a default when missing or not made of token characters.
fn content_type(part: &MessagePart<'_>) -> String {
    let default = match &part.body {
        PartType::Text(_) => "text/plain",
        PartType::Html(_) => "text/html",
        PartType::Message(_) => "message/rfc822",
        _ => "application/octet-stream",
    };
    let Some(ct) = part.content_type() else {
        return default.to_owned();
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match ct.subtype() {
        Some(sub) if token(ct.ctype()) && token(sub) => {
            format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase()
        }
        _ => default.to_owned(),
    }
}

/// A display-only filename: [`display_filename`] (last path component, no control
/// characters, capped, never empty) after removing bidirectional controls, which
/// can make `invoice\u{202E}fdp.exe` look like `invoiceexe.pdf`.
pub fn sanitize_filename(raw: &str) -> String {
    let no_bidi: String = raw
        .chars()
        .filter(|c| {
            !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    display_filename(&no_bidi)
}
