//! Inbound email, from raw bytes to a filed message: parse, pick the inbox by
//! recipient, verify a reply-address token, keep the attachments' bytes, sanitize the
//! HTML, split off the quoted history, file it all in one store transaction, and only
//! then publish events. The SMTP listener answers `250` when this returns `Ok`, so
//! everything acknowledged is committed.
//!
//! Errors are SMTP verdicts: a message we can never take (unparseable, or without a
//! valid From or Reply-To address) is [`DeliverError::Permanent`] (`554`), anything that may pass on a later try (the database, the disk) is
//! [`DeliverError::Transient`] (`451`, the sender retries).
//!
//! Mail written by machines (`auto_submitted`) or looping between systems
//! (`loop_detected`) is filed like any other with both flags kept in the entry's
//! `meta.email`, and this module triggers nothing automatic for any mail: no
//! acknowledgement, no auto-reply, no rule. Whatever automatic sending comes later
//! (an autoresponder) must check those flags first and stay silent when either is set
//! (RFC 3834), or two systems could answer each other forever.
//!
//! `cid:` images of the HTML body point at
//! `/api/v1/email-attachments/cid/{hex(message_id)}/{hex(content_id)}`: the mail's
//! attachment ids and its conversation are only known after the transaction, while
//! the Message-ID and Content-ID are known before it and name the file uniquely in an
//! account. Hex keeps any byte of either id out of the path's syntax.

use super::App;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use switchboard_domain::event::Event;
use switchboard_domain::policy::Actor;
use switchboard_domain::*;
use switchboard_mail::parse::{InboundMail, Mailbox, MAX_RAW_BYTES};
use switchboard_mail::sanitize::{sanitize_email_html, split_quoted_text};
use switchboard_mail::smtp_server::DeliverError;
use switchboard_mail::token::{token_from_address, ReplyToken};
use switchboard_store::{
    Backend, EmailAttachment, EmailAttachmentId, InboundEmail, NewContact, NewEmailAttachment,
    Received, Store, StoreError, StoreResult,
};
use tokio::sync::{mpsc, oneshot};

/// The longest plain text kept as a message body (1 MiB); the rest is cut off and the
/// entry's `meta.email.truncated` says so. A body that size is not read by a person.
pub const MAX_INBOUND_TEXT_BYTES: usize = 1024 * 1024;

/// When a mail counts as arrived.
#[derive(Debug, Clone, Copy)]
enum Arrival {
    /// Now: it is being delivered (SMTP, IMAP).
    Now,
    /// At its `Date` header: an old mailbox is being imported.
    AsDated,
}

/// What [`App::receive_mail`] did with a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveOutcome {
    /// Filed as a new message entry; `created` when it opened the conversation.
    Stored {
        conversation_id: ConversationId,
        inbox_id: InboxId,
        entry_id: EntryId,
        created: bool,
    },
    /// Its Message-ID was filed before: nothing was written (the sender retried).
    Duplicate { conversation_id: ConversationId },
}

/// The most mails filed in one transaction; more waiting go in the next.
const MAX_BATCH: usize = 256;

/// Group commit for inbound mail: every mail to file goes to one committer task, which
/// takes all mails waiting at that moment and files them with
/// [`Store::receive_emails`], one transaction and one commit for the batch. Each
/// caller awaits its own mail's result, so the SMTP `250` still follows its commit.
///
/// Why: filing is serialized by the single SQLite writer, and each commit pays for
/// itself (on SQLite the WAL frames of every page touched and a flush of the search
/// index's segment, on PostgreSQL a round trip and a WAL flush). Mails sharing a
/// commit share those pages and that flush, so several connections get more done
/// per commit than one.
/// Nothing is delayed to gather a batch: a lone mail is filed at once, and the
/// mails that arrive while others are written form the next batch, so batches grow
/// only with the load and one connection's latency does not grow.
///
/// SQLite only. PostgreSQL takes concurrent transactions on a pool of connections and
/// already shares a WAL flush between commits that arrive together; funnelling its
/// mails through one connection serialized their round trips and cut four connections
/// from ~890 to ~500 mails/s (docs/benchmarks.md), so there each mail is filed by its
/// caller.
///
/// The task is started with the first mail (inside the runtime) and ends when the
/// last clone of the [`App`] is dropped.
#[derive(Clone, Default)]
pub(crate) struct MailCommitter {
    queue: Arc<OnceLock<mpsc::UnboundedSender<Pending>>>,
}

/// A mail waiting for the committer, and where its result goes.
struct Pending {
    email: InboundEmail,
    done: oneshot::Sender<StoreResult<Received>>,
}

impl MailCommitter {
    /// Files `email` with whatever else is waiting; returns after its commit.
    async fn file(
        &self,
        store: &Arc<dyn Store>,
        email: InboundEmail,
    ) -> Result<StoreResult<Received>, DeliverError> {
        if store.backend() == Backend::Postgres {
            return Ok(store.receive_email(email).await);
        }
        let queue = self.queue.get_or_init(|| {
            let (queue, waiting) = mpsc::unbounded_channel();
            tokio::spawn(commit_batches(Arc::clone(store), waiting));
            queue
        });
        let (done, result) = oneshot::channel();
        if let Err(mpsc::error::SendError(pending)) = queue.send(Pending { email, done }) {
            // The committer is gone (its runtime shut down): file it here.
            return Ok(store.receive_email(pending.email).await);
        }
        // Dropped unanswered only if the committer died (a panic): a transient
        // failure, the sender retries.
        result
            .await
            .map_err(|_| transient("filing the mail", "the committer stopped"))
    }
}

/// The committer: files what is waiting, batch after batch, until every sender is gone.
async fn commit_batches(store: Arc<dyn Store>, mut waiting: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (emails, done): (Vec<_>, Vec<_>) = batch.drain(..).map(|p| (p.email, p.done)).unzip();
        let results = store.receive_emails(emails).await;
        for (done, result) in done.into_iter().zip(results) {
            // A caller that gave up (its session closed) just misses its answer; the
            // mail is filed, and a resend is a duplicate.
            let _ = done.send(result);
        }
    }
}

/// The URL a `cid:` image of the mail `message_id` is served at (see the module doc).
pub fn cid_url(message_id: &str, content_id: &str) -> String {
    format!(
        "/api/v1/email-attachments/cid/{}/{}",
        hex::encode(message_id),
        hex::encode(content_id)
    )
}

/// Parses a mail and refuses one that names nobody: the parser is lenient and reads
/// almost any bytes as some message; one without a valid From (or Reply-To) address
/// names nobody to answer and no contact, and RFC 5322 requires From, so it is
/// refused as malformed.
fn parse_acceptable(raw: &[u8]) -> Result<InboundMail, DeliverError> {
    let mail = InboundMail::parse(raw).map_err(|e| DeliverError::Permanent(e.to_string()))?;
    if mail.from.is_none() && mail.reply_to.is_none() {
        return Err(DeliverError::Permanent("no valid From address".into()));
    }
    Ok(mail)
}

fn transient(what: &str, err: impl std::fmt::Display) -> DeliverError {
    DeliverError::Transient(format!("{what}: {err}"))
}

impl App {
    /// Files one inbound mail addressed (on the SMTP envelope) to `recipients`.
    /// Returns only after the commit; publishes events after it.
    #[tracing::instrument(skip_all, fields(size = raw.len(), recipients = recipients.len()))]
    pub async fn receive_mail(
        &self,
        raw: &[u8],
        recipients: &[String],
    ) -> Result<ReceiveOutcome, DeliverError> {
        let mail = parse_acceptable(raw)?;
        let Some((account, inbox, recipient)) = self.inbox_of(recipients).await? else {
            return Err(DeliverError::Permanent("no inbox for any recipient".into()));
        };
        let token_conversation_id = self.token_conversation(&recipient).await?;
        self.file_mail(mail, account, inbox, token_conversation_id, self.now())
            .await
    }

    /// Files one mail fetched for a known inbox (an IMAP folder, an imported mailbox),
    /// which has no SMTP envelope: a reply-address token is looked for among its To and
    /// Cc addresses instead. Returns only after the commit, like [`App::receive_mail`].
    #[tracing::instrument(skip_all, fields(size = raw.len(), %inbox))]
    pub async fn receive_mail_into(
        &self,
        raw: &[u8],
        inbox: InboxId,
    ) -> Result<ReceiveOutcome, DeliverError> {
        self.file_into(raw, inbox, Arrival::Now).await
    }

    /// Files one mail of a mailbox being migrated (`import-eml`) into `inbox`, like
    /// [`App::receive_mail_into`], but dated by its `Date` header (never later than
    /// now), so an imported history keeps its order and age in the lists.
    #[tracing::instrument(skip_all, fields(size = raw.len(), %inbox))]
    pub async fn import_mail(
        &self,
        raw: &[u8],
        inbox: InboxId,
    ) -> Result<ReceiveOutcome, DeliverError> {
        self.file_into(raw, inbox, Arrival::AsDated).await
    }

    async fn file_into(
        &self,
        raw: &[u8],
        inbox: InboxId,
        arrival: Arrival,
    ) -> Result<ReceiveOutcome, DeliverError> {
        let mail = parse_acceptable(raw)?;
        let now = self.now();
        let at = match (arrival, mail.date) {
            (Arrival::AsDated, Some(date)) if date > 0 => date.min(now),
            _ => now,
        };
        let account = match self.store.inbox_account(inbox).await {
            Ok(account) => account,
            Err(StoreError::NotFound) => {
                return Err(DeliverError::Permanent(format!("no inbox {inbox}")))
            }
            Err(e) => return Err(transient("looking up the inbox", e)),
        };
        let mut token_conversation_id = None;
        for recipient in mail.to.iter().chain(&mail.cc) {
            token_conversation_id = self.token_conversation(&recipient.address).await?;
            if token_conversation_id.is_some() {
                break;
            }
        }
        self.file_mail(mail, account, inbox, token_conversation_id, at)
            .await
    }

    /// Files a parsed mail for `inbox`, arrived `at`, in one transaction and publishes
    /// its events.
    async fn file_mail(
        &self,
        mail: InboundMail,
        account: AccountId,
        inbox: InboxId,
        token_conversation_id: Option<ConversationId>,
        at: Millis,
    ) -> Result<ReceiveOutcome, DeliverError> {
        let email = self
            .inbound_email(mail, account, inbox, token_conversation_id, at)
            .await?;
        let received = match self.mail_committer.file(&self.store, email.clone()).await? {
            // Another node filed the same Message-ID meanwhile: asking again answers
            // the duplicate.
            Err(StoreError::Conflict(_)) => self.store.receive_email(email).await,
            other => other,
        }
        .map_err(|e| transient("filing the mail", e))?;
        Ok(match received {
            Received::Duplicate { conversation_id } => {
                tracing::info!(%conversation_id, "duplicate mail ignored");
                ReceiveOutcome::Duplicate { conversation_id }
            }
            Received::Stored {
                conversation,
                entry,
                created,
            } => {
                if created {
                    self.publish(&[Event::ConversationCreated {
                        conversation_id: conversation.id,
                        inbox_id: conversation.inbox_id,
                    }]);
                }
                // A reply bumps the conversation's preview and activity, and may reopen it.
                self.publish_entry(conversation.inbox_id, &entry, !created, &[]);
                tracing::info!(conversation_id = %conversation.id, created, "mail filed");
                ReceiveOutcome::Stored {
                    conversation_id: conversation.id,
                    inbox_id: conversation.inbox_id,
                    entry_id: entry.id,
                    created,
                }
            }
        })
    }

    /// The account and inbox of the first recipient an inbox receives at, and that
    /// recipient.
    async fn inbox_of(
        &self,
        recipients: &[String],
    ) -> Result<Option<(AccountId, InboxId, String)>, DeliverError> {
        for recipient in recipients {
            if let Some((account, inbox)) = self
                .store
                .inbox_for_address(recipient)
                .await
                .map_err(|e| transient("looking up a recipient", e))?
            {
                return Ok(Some((account, inbox, recipient.clone())));
            }
        }
        Ok(None)
    }

    /// The conversation a genuine reply-address token of `recipient` names; a forged
    /// or foreign token is ignored (the mail is then threaded by headers or opens a
    /// conversation), never an error: the sender cannot fix it.
    async fn token_conversation(
        &self,
        recipient: &str,
    ) -> Result<Option<ConversationId>, DeliverError> {
        let Some(token) = token_from_address(recipient) else {
            return Ok(None);
        };
        let secret = self
            .reply_token_secret()
            .await
            .map_err(|e| transient("reading the reply-token secret", e))?;
        let verified = ReplyToken::verify(&secret, token).map(ConversationId);
        if verified.is_none() {
            tracing::info!("a reply-address token did not verify; ignored");
        }
        Ok(verified)
    }

    /// The store's input for a parsed mail: attachments' bytes saved first (they are
    /// content-addressed, so a transaction that fails later leaves only harmless
    /// files), HTML sanitized, quoted history split off.
    async fn inbound_email(
        &self,
        mut mail: InboundMail,
        account_id: AccountId,
        inbox_id: InboxId,
        token_conversation_id: Option<ConversationId>,
        now: Millis,
    ) -> Result<InboundEmail, DeliverError> {
        let message_id = mail.message_id_or_synthetic();
        let mut attachments = Vec::with_capacity(mail.attachments.len());
        for file in std::mem::take(&mut mail.attachments) {
            let bytes = Bytes::from(file.bytes);
            let stored = self
                .files()
                .save(futures::stream::iter([Ok(bytes)]), MAX_RAW_BYTES as u64)
                .await
                .map_err(|e| transient("saving an attachment", e))?;
            attachments.push(NewEmailAttachment {
                filename: file.filename,
                content_type: file.content_type,
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256,
                content_id: file.content_id,
                inline: file.inline,
            });
        }
        let html = mail.html.as_deref().map(|html| {
            sanitize_email_html(html, |cid| {
                attachments
                    .iter()
                    .any(|a| a.content_id.as_deref() == Some(cid))
                    .then(|| cid_url(&message_id, cid))
            })
        });
        let mut text = mail.text.take().unwrap_or_default();
        let truncated = text.len() > MAX_INBOUND_TEXT_BYTES;
        if truncated {
            let mut end = MAX_INBOUND_TEXT_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        let (body, quoted_text) = split_quoted_text(&text);
        let body = body.trim_end().to_owned();
        let author = mail.from.clone().or_else(|| mail.reply_to.clone());
        let email_meta = json!({
            "message_id": message_id,
            "from": author.as_ref().map(mailbox_json),
            "reply_to": mail.reply_to.as_ref().map(mailbox_json),
            "to": mail.to.iter().map(mailbox_json).collect::<Vec<_>>(),
            "cc": mail.cc.iter().map(mailbox_json).collect::<Vec<_>>(),
            "subject": mail.subject,
            "date": mail.date,
            "html": html.as_ref().map(|h| h.html.clone()),
            "remote_images": html.as_ref().map_or(0, |h| h.remote_images),
            "quoted_text": quoted_text,
            "auto_submitted": mail.auto_submitted,
            "loop_detected": mail.loop_detected,
            "list_id": mail.list_id,
            "truncated": truncated,
        });
        Ok(InboundEmail {
            account_id,
            inbox_id,
            message_id,
            in_reply_to: mail.in_reply_to,
            references: mail.references,
            token_conversation_id,
            contact: NewContact {
                account_id,
                name: author.as_ref().and_then(|a| a.name.clone()),
                email: author.map(|a| a.address),
                phone: None,
                owner_id: None,
                now,
            },
            subject: mail.subject,
            body,
            email_meta,
            attachments,
            now,
        })
    }
}

impl App {
    /// A file of inbound mail in conversation `conversation` the actor may see, with
    /// its bytes opened for streaming; 404 for anything else.
    pub async fn open_email_attachment(
        &self,
        actor: &Actor,
        conversation: ConversationId,
        id: EmailAttachmentId,
    ) -> ApiResult<(EmailAttachment, tokio::fs::File)> {
        let (file, owner) = self.store.email_attachment(actor.account_id, id).await?;
        if owner != conversation {
            return Err(ApiError::NotFound);
        }
        self.conversation(actor, owner).await?;
        let bytes = self.files().open(&file.sha256).await?;
        Ok((file, bytes))
    }

    /// The file a `cid:` image of an inbound mail names (see [`cid_url`]), if the actor
    /// may see the mail's conversation, with its bytes; 404 for anything else.
    pub async fn open_email_attachment_by_cid(
        &self,
        actor: &Actor,
        message_id_hex: &str,
        content_id_hex: &str,
    ) -> ApiResult<(EmailAttachment, tokio::fs::File)> {
        let decode = |h: &str| {
            hex::decode(h)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or(ApiError::NotFound)
        };
        let (message_id, content_id) = (decode(message_id_hex)?, decode(content_id_hex)?);
        let (file, conversation) = self
            .store
            .email_attachment_by_cid(actor.account_id, &message_id, &content_id)
            .await?;
        self.conversation(actor, conversation).await?;
        let bytes = self.files().open(&file.sha256).await?;
        Ok((file, bytes))
    }
}

fn mailbox_json(mailbox: &Mailbox) -> Value {
    json!({"address": mailbox.address, "name": mailbox.name})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cid_urls_keep_ids_out_of_the_path_syntax() {
        assert_eq!(
            cid_url("a/b@x", "../c"),
            "/api/v1/email-attachments/cid/612f624078/2e2e2f63"
        );
    }
}
