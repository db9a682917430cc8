//! Building outbound mail: agent replies, forwards to outside people, and
//! notification emails, as RFC 5322 bytes ready for the outbox.
//!
//! `mail-builder` does the MIME encoding. This module decides the headers that make
//! threading and loop detection work (`Message-ID` on the sender's domain,
//! `In-Reply-To`, `References`, our `X-Switchboard-Loop`, `Auto-Submitted` only on
//! machine mail) and keeps every header single-line: names and subjects lose CR, LF
//! and other control characters, addresses are validated, so no field can inject a
//! header.

use crate::parse::{clean_message_id, sanitize_filename, LOOP_HEADER};
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;
use switchboard_domain::input::EmailAddress;

#[cfg(test)]
mod tests;

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An address (sender or recipient) is not a valid email address.
    #[error("invalid address {0:?}")]
    InvalidAddress(String),
    /// The message has no recipient.
    #[error("no recipients")]
    NoRecipients,
    /// Writing the message failed (cannot happen when writing to memory).
    #[error("could not write the message: {0}")]
    Io(#[from] std::io::Error),
}

/// A built message: its id (without angle brackets, as stored for threading) and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltMessage {
    pub message_id: String,
    pub bytes: Vec<u8>,
}

/// A file to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundAttachment {
    /// Shown to the recipient; cleaned like inbound names (no paths, no controls).
    pub filename: String,
    /// `type/subtype`; anything malformed is sent as `application/octet-stream`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A recipient: optional display name and address.
pub type Recipient = (Option<String>, String);

/// An agent's reply to the contact of an email conversation.
#[derive(Debug, Clone, Default)]
pub struct OutboundReply {
    /// Display name, e.g. "Ana at Acme Support".
    pub from_name: Option<String>,
    /// The inbox address the reply is sent from; also the loop-detection stamp.
    pub from_address: String,
    /// The signed plus address (see [`crate::token::plus_address`]), so replies find
    /// their conversation even without `In-Reply-To`.
    pub reply_to: Option<String>,
    pub to: Vec<Recipient>,
    /// The conversation's subject; "Re: " is added unless already there.
    pub subject: String,
    /// The message-id being answered (without brackets).
    pub in_reply_to: Option<String>,
    /// The thread's message-ids, oldest first (without brackets).
    pub references: Vec<String>,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<OutboundAttachment>,
}

/// The original message of a forward, as shown in the forwarded block.
#[derive(Debug, Clone, Default)]
pub struct ForwardedOriginal {
    pub from: String,
    pub to: String,
    /// Milliseconds since the Unix epoch.
    pub date: Option<i64>,
    pub subject: String,
    pub text: String,
    /// Included as given: pass sanitized HTML if the original was untrusted.
    pub html: Option<String>,
    pub attachments: Vec<OutboundAttachment>,
}

/// An email message forwarded by an agent to outside recipients.
#[derive(Debug, Clone, Default)]
pub struct OutboundForward {
    pub from_name: Option<String>,
    pub from_address: String,
    pub reply_to: Option<String>,
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    /// The agent's note, shown above the forwarded block.
    pub note_text: String,
    pub original: ForwardedOriginal,
}

/// A notification email (mention, assignment, move) to an agent.
#[derive(Debug, Clone, Default)]
pub struct NotificationEmail {
    pub from_name: Option<String>,
    pub from_address: String,
    pub to: Recipient,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl OutboundReply {
    /// Builds the reply. Human mail: no `Auto-Submitted` header.
    pub fn build(&self) -> Result<BuiltMessage, BuildError> {
        let (message_id, mut builder) = start(&self.from_name, &self.from_address)?;
        builder = builder
            .to(addresses(&self.to)?)
            .subject(reply_subject(&self.subject));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(address(&None, reply_to)?);
        }
        if let Some(parent) = self.in_reply_to.as_deref().and_then(clean_message_id) {
            builder = builder.in_reply_to(parent);
        }
        let mut references: Vec<String> = self
            .references
            .iter()
            .filter_map(|r| clean_message_id(r))
            .collect();
        if let Some(parent) = self.in_reply_to.as_deref().and_then(clean_message_id) {
            if references.last() != Some(&parent) {
                references.push(parent);
            }
        }
        if !references.is_empty() {
            builder = builder.references(references);
        }
        builder = body(builder, &self.text, self.html.as_deref(), &self.attachments);
        finish(message_id, builder)
    }
}

impl OutboundForward {
    /// Builds the forward: the note, then a "Forwarded message" block with the
    /// original's headers and body, and the original's attachments.
    pub fn build(&self) -> Result<BuiltMessage, BuildError> {
        let (message_id, mut builder) = start(&self.from_name, &self.from_address)?;
        builder = builder
            .to(addresses(&self.to)?)
            .subject(prefixed("Fwd: ", &self.original.subject));
        if !self.cc.is_empty() {
            builder = builder.cc(addresses(&self.cc)?);
        }
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(address(&None, reply_to)?);
        }
        let original = &self.original;
        let date = original
            .date
            .map(|ms| Date::new(ms.div_euclid(1000)).to_rfc822())
            .unwrap_or_default();
        let fields = [
            ("From", one_line(&original.from)),
            ("Date", date),
            ("Subject", one_line(&original.subject)),
            ("To", one_line(&original.to)),
        ];
        let mut text = format!(
            "{}\n\n---------- Forwarded message ----------\n",
            self.note_text.trim_end()
        );
        for (name, value) in &fields {
            text.push_str(&format!("{name}: {value}\n"));
        }
        text.push('\n');
        text.push_str(&original.text);
        let html = original.html.as_ref().map(|original_html| {
            let mut html = format!(
                "<div>{}</div><br><div>---------- Forwarded message ----------<br>",
                escape_html(self.note_text.trim_end()).replace('\n', "<br>")
            );
            for (name, value) in &fields {
                html.push_str(&format!("{name}: {}<br>", escape_html(value)));
            }
            html.push_str("</div><br>");
            html.push_str(original_html);
            html
        });
        builder = body(builder, &text, html.as_deref(), &original.attachments);
        finish(message_id, builder)
    }
}

impl NotificationEmail {
    /// Builds the notification, marked `Auto-Submitted: auto-generated` so
    /// auto-responders stay quiet (RFC 3834).
    pub fn build(&self) -> Result<BuiltMessage, BuildError> {
        let (message_id, mut builder) = start(&self.from_name, &self.from_address)?;
        builder = builder
            .to(address(&self.to.0, &self.to.1)?)
            .subject(one_line(&self.subject))
            .header("Auto-Submitted", Raw::new("auto-generated"));
        builder = body(builder, &self.text, self.html.as_deref(), &[]);
        finish(message_id, builder)
    }
}

/// "Re: " + subject, unless it already starts with "Re:" (any case).
pub fn reply_subject(subject: &str) -> String {
    prefixed("Re: ", subject)
}

fn prefixed(prefix: &str, subject: &str) -> String {
    let subject = one_line(subject);
    let bare = prefix.trim_end().to_ascii_lowercase();
    if subject.to_ascii_lowercase().starts_with(&bare) {
        subject
    } else {
        format!("{prefix}{subject}")
    }
}

/// A fresh message-id on the sender's domain: `<32 hex digits>@<domain>`.
pub fn new_message_id(from_address: &str) -> String {
    let domain = from_address
        .rsplit_once('@')
        .map_or("localhost", |(_, domain)| domain);
    format!("{:032x}@{domain}", rand::random::<u128>())
}

/// The builder with From, Message-ID and our loop stamp set.
fn start(
    from_name: &Option<String>,
    from_address: &str,
) -> Result<(String, MessageBuilder<'static>), BuildError> {
    let from = EmailAddress::parse("from", from_address)
        .map_err(|_| BuildError::InvalidAddress(from_address.to_owned()))?
        .into_string();
    let message_id = new_message_id(&from);
    let builder = MessageBuilder::new()
        .from(address(from_name, &from)?)
        .message_id(message_id.clone())
        .header(LOOP_HEADER, Raw::new(from));
    Ok((message_id, builder))
}

fn finish(message_id: String, builder: MessageBuilder<'_>) -> Result<BuiltMessage, BuildError> {
    Ok(BuiltMessage {
        message_id,
        bytes: builder.write_to_vec()?,
    })
}

fn body<'x>(
    mut builder: MessageBuilder<'x>,
    text: &str,
    html: Option<&str>,
    attachments: &[OutboundAttachment],
) -> MessageBuilder<'x> {
    builder = builder.text_body(text.to_owned());
    if let Some(html) = html {
        builder = builder.html_body(html.to_owned());
    }
    for attachment in attachments {
        builder = builder.attachment(
            safe_content_type(&attachment.content_type),
            sanitize_filename(&attachment.filename),
            attachment.bytes.clone(),
        );
    }
    builder
}

fn address(name: &Option<String>, address: &str) -> Result<Address<'static>, BuildError> {
    let address = EmailAddress::parse("address", address)
        .map_err(|_| BuildError::InvalidAddress(address.to_owned()))?
        .into_string();
    let name = name.as_deref().map(one_line).filter(|n| !n.is_empty());
    Ok(Address::new_address(name, address))
}

fn addresses(list: &[Recipient]) -> Result<Address<'static>, BuildError> {
    if list.is_empty() {
        return Err(BuildError::NoRecipients);
    }
    let list = list
        .iter()
        .map(|(name, addr)| address(name, addr))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Address::new_list(list))
}

/// Control characters (CR and LF included) become spaces, runs of spaces collapse.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn safe_content_type(declared: &str) -> String {
    let lower = declared.trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match lower.split_once('/') {
        Some((t, sub)) if token(t) && token(sub) => lower,
        _ => "application/octet-stream".to_owned(),
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
