//! Forwarding an email message of a conversation to outside recipients: the agent's
//! note above the original (headers, text, sanitized HTML, files), queued in the
//! outbox with a `forward` entry that everyone in the inbox sees. The contact never
//! receives it: the envelope holds only `to` and `cc`.

use super::outbound::build_error;
use super::App;
use crate::error::{ApiError, ApiResult};
use serde_json::{json, Value};
use switchboard_domain::input::{Body, EmailAddress};
use switchboard_domain::policy::Actor;
use switchboard_domain::*;
use switchboard_mail::build::{ForwardedOriginal, OutboundAttachment, OutboundForward};
use switchboard_store::{EmailAttachmentId, NewEntry, OutboundMail, StoreError};

/// At most this many recipients (`to` and `cc` together) per forward.
pub const MAX_FORWARD_RECIPIENTS: usize = 50;
/// The original's files are forwarded up to this many bytes in total.
pub const MAX_FORWARD_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// A forward as the API receives it.
pub struct ForwardInput {
    /// The timeline entry id of an email message of the conversation.
    pub message_id: i64,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The agent's note.
    pub body: String,
}

impl App {
    /// Forwards an email message of the conversation; answers the `forward` entry.
    #[tracing::instrument(skip_all, fields(conversation_id = %id))]
    pub async fn forward(
        &self,
        actor: &Actor,
        id: ConversationId,
        input: ForwardInput,
    ) -> ApiResult<TimelineEntry> {
        let conversation = self.conversation(actor, id).await?;
        let note = Body::parse("body", &input.body)?;
        let to = parse_addresses("to", &input.to)?;
        let cc = parse_addresses("cc", &input.cc)?;
        if to.is_empty() {
            return Err(ApiError::invalid("to", "name at least one recipient"));
        }
        if to.len() + cc.len() > MAX_FORWARD_RECIPIENTS {
            return Err(ApiError::invalid(
                "to",
                format!("at most {MAX_FORWARD_RECIPIENTS} recipients (to and cc together)"),
            ));
        }
        let not_email =
            || ApiError::invalid("message_id", "is not an email message of this conversation");
        let message = match self.store.entry(id, EntryId(input.message_id)).await {
            Err(StoreError::NotFound) => return Err(not_email()),
            other => other?,
        };
        let email_meta = message.meta.get("email").cloned().unwrap_or(Value::Null);
        if message.kind != EntryKind::Message
            || !(conversation.channel == Channel::Email || email_meta.is_object())
        {
            return Err(not_email());
        }
        let inbox = self.sending_address(actor, conversation.inbox_id).await?;
        let from = inbox.email_address.clone().unwrap_or_default();
        let me = self.store.user(actor.account_id, actor.user_id).await?;
        let original = self
            .forwarded_original(actor, &conversation, &message, &email_meta, &from)
            .await?;
        let subject = original.subject.clone();
        let forward = OutboundForward {
            from_name: Some(me.name.clone()),
            from_address: from.clone(),
            reply_to: None,
            to: to.iter().map(|a| (None, a.clone())).collect(),
            cc: cc.iter().map(|a| (None, a.clone())).collect(),
            note_text: note.as_str().to_owned(),
            original,
        };
        let built = forward.build().map_err(build_error)?;
        let meta = json!({
            "forward": {"to": to, "cc": cc, "message_entry_id": message.id, "subject": subject},
            "email": {"message_id": built.message_id},
            "delivery": {"state": "queued"},
        });
        let recipients: Vec<String> = to.iter().chain(cc.iter()).cloned().collect();
        let entry = self
            .store
            .append_outbound_email(
                NewEntry {
                    conversation_id: id,
                    kind: EntryKind::Forward,
                    direction: None,
                    author_user_id: Some(actor.user_id),
                    author_contact_id: None,
                    body: note.into_string(),
                    meta,
                    now: self.now(),
                },
                OutboundMail {
                    kind: OutboxKind::Forward,
                    message_id: built.message_id,
                    raw: built.bytes,
                    envelope_from: from,
                    recipients,
                    subject: format!("Fwd: {subject}"),
                },
            )
            .await?;
        self.outbox_wake.notify_one();
        self.publish_entry(conversation.inbox_id, &entry, false, &[]);
        Ok(entry)
    }

    /// The forwarded block: the original's headers as received (or, for our own
    /// replies, as sent), its text, its sanitized HTML and its files.
    async fn forwarded_original(
        &self,
        actor: &Actor,
        conversation: &Conversation,
        message: &TimelineEntry,
        email: &Value,
        inbox_address: &str,
    ) -> ApiResult<ForwardedOriginal> {
        let contact = match (&conversation.contact.name, &conversation.contact.email) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (None, Some(email)) => email.clone(),
            (Some(name), None) => name.clone(),
            (None, None) => String::new(),
        };
        let inbound = message.direction != Some(Direction::Outbound);
        let (default_from, default_to) = if inbound {
            (contact, inbox_address.to_owned())
        } else {
            (inbox_address.to_owned(), contact)
        };
        let subject = email
            .get("subject")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| conversation.subject.clone())
            .unwrap_or_default();
        Ok(ForwardedOriginal {
            from: header_text(email.get("from")).unwrap_or(default_from),
            to: header_text(email.get("to")).unwrap_or(default_to),
            date: Some(
                email
                    .get("date")
                    .and_then(Value::as_i64)
                    .unwrap_or(message.created_at),
            ),
            subject,
            text: message.body.clone(),
            html: email.get("html").and_then(Value::as_str).map(str::to_owned),
            attachments: self.original_files(actor, email).await?,
        })
    }

    /// The files that came with the original (`meta.email.attachments`), read from the
    /// file store.
    async fn original_files(
        &self,
        actor: &Actor,
        email: &Value,
    ) -> ApiResult<Vec<OutboundAttachment>> {
        let ids: Vec<i64> = email
            .get("attachments")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| a.get("id").and_then(Value::as_i64))
                    .collect()
            })
            .unwrap_or_default();
        let mut files = Vec::with_capacity(ids.len());
        let mut total: u64 = 0;
        for id in ids {
            let (file, _) = self
                .store
                .email_attachment(actor.account_id, EmailAttachmentId(id))
                .await?;
            total = total.saturating_add(u64::try_from(file.size).unwrap_or(u64::MAX));
            if total > MAX_FORWARD_ATTACHMENT_BYTES {
                return Err(ApiError::invalid(
                    "message_id",
                    "the message's files are too large to forward (25 MB at most)",
                ));
            }
            let Some(path) = self.files().path_of(&file.sha256) else {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "email attachment {id} has a malformed hash"
                )));
            };
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
            files.push(OutboundAttachment {
                filename: file.filename,
                content_type: file.content_type,
                bytes,
            });
        }
        Ok(files)
    }
}

/// Validates and lower-cases a list of addresses.
fn parse_addresses(field: &'static str, list: &[String]) -> ApiResult<Vec<String>> {
    if list.len() > MAX_FORWARD_RECIPIENTS {
        return Err(ApiError::invalid(
            field,
            format!("at most {MAX_FORWARD_RECIPIENTS} recipients"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for raw in list {
        let address = EmailAddress::parse(field, raw)?.into_string();
        if !out.contains(&address) {
            out.push(address);
        }
    }
    Ok(out)
}

/// A header of `meta.email` as one line: a string, a mailbox `{name, address}`, or a
/// list of either.
fn header_text(value: Option<&Value>) -> Option<String> {
    fn mailbox(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => {
                let address = o
                    .get("address")
                    .or_else(|| o.get("email"))
                    .and_then(Value::as_str)?;
                Some(match o.get("name").and_then(Value::as_str) {
                    Some(name) if !name.is_empty() => format!("{name} <{address}>"),
                    _ => address.to_owned(),
                })
            }
            _ => None,
        }
    }
    let text = match value? {
        Value::Array(list) => list
            .iter()
            .filter_map(mailbox)
            .collect::<Vec<_>>()
            .join(", "),
        other => mailbox(other)?,
    };
    (!text.is_empty()).then_some(text)
}
