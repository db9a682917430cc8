//! Inbound email: the addresses inboxes receive at, filing a received mail (dedup by
//! Message-ID, threading, contact, conversation, entry, attachments) in one
//! transaction, and the files that came with mail.
//!
//! Threading never crosses accounts: every lookup is scoped by the account the
//! recipient address belongs to. It never reads a number from the subject either.

use super::contact::find_or_create_contact;
use super::{placeholders, SqlStore};
use crate::{
    EmailAttachment, EmailAttachmentId, InboundEmail, NewContact, NewConversation,
    NewEmailAttachment, NewEntry, Received, StoreError, StoreResult,
};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use switchboard_domain::*;

/// What [`SqlStore::file_email_in`] wrote, before the commit.
enum Filed {
    /// The Message-ID was stored before: nothing was written.
    Duplicate(ConversationId),
    /// The mail opened this conversation.
    Opened(Box<Conversation>, TimelineEntry),
    /// The mail was appended to an existing conversation.
    Joined(TimelineEntry),
}

/// Columns of `email_attachments a`, with the flag read as an integer (portable).
const ATTACHMENT_COLUMNS: &str = "a.id, a.account_id, a.entry_id, a.filename, a.content_type, \
     a.size, a.sha256, a.content_id, CASE WHEN a.inline THEN 1 ELSE 0 END AS inline_flag, \
     a.created_at";

fn attachment_row(row: &AnyRow) -> StoreResult<EmailAttachment> {
    Ok(EmailAttachment {
        id: EmailAttachmentId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        entry_id: EntryId(row.try_get("entry_id")?),
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        content_id: row.try_get("content_id")?,
        inline: row.try_get::<i64, _>("inline_flag")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

/// How addresses are kept and compared: trimmed and lower-cased.
fn normalize(address: &str) -> String {
    address.trim().to_lowercase()
}

/// `support+tag@acme.test` → `support@acme.test`; `None` without a tag.
fn without_tag(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let (base, _tag) = local.split_once('+')?;
    Some(format!("{base}@{domain}"))
}

/// Records an address of an inbox; [`StoreError::Conflict`] when any inbox has it.
pub(crate) async fn insert_inbox_address(
    tx: &mut Transaction<'static, Any>,
    account: AccountId,
    inbox: InboxId,
    address: &str,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO inbox_addresses (address, inbox_id, account_id, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(normalize(address))
    .bind(inbox.0)
    .bind(account.0)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "email address"))?;
    Ok(())
}

impl SqlStore {
    pub(crate) async fn add_inbox_address(
        &self,
        account: AccountId,
        inbox: InboxId,
        address: &str,
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let n: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM inboxes WHERE id = $1 AND account_id = $2")
                .bind(inbox.0)
                .bind(account.0)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        insert_inbox_address(&mut tx, account, inbox, address, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn inbox_for_address(
        &self,
        address: &str,
    ) -> StoreResult<Option<(AccountId, InboxId)>> {
        let exact = normalize(address);
        // An inbox may own a tagged address itself, so the exact form is asked first.
        for candidate in std::iter::once(exact.clone()).chain(without_tag(&exact)) {
            let row =
                sqlx::query("SELECT account_id, inbox_id FROM inbox_addresses WHERE address = $1")
                    .bind(&candidate)
                    .fetch_optional(&self.read)
                    .await?;
            if let Some(row) = row {
                return Ok(Some((
                    AccountId(row.try_get("account_id")?),
                    InboxId(row.try_get("inbox_id")?),
                )));
            }
        }
        Ok(None)
    }

    pub(crate) async fn receive_email(&self, email: InboundEmail) -> StoreResult<Received> {
        let mut tx = self.write.begin().await?;
        let filed = self.file_email_in(&mut tx, &email).await?;
        tx.commit().await?;
        self.received(&email, filed).await
    }

    /// Files `emails` in one transaction, one commit for all (group commit): a commit
    /// is the costly part of filing a mail (an fsync of the WAL, a round trip), so
    /// mails arriving together share it. Each mail is filed exactly as
    /// [`Self::receive_email`] would, in order, so a mail sees those before it in the
    /// batch: a duplicate Message-ID is a duplicate and a reply threads into the
    /// conversation an earlier one opened.
    ///
    /// When any mail fails, the whole transaction is rolled back and every mail is
    /// filed again on its own, so one bad mail (or a Message-ID another node filed
    /// meanwhile) fails only itself. Answers one result per mail, in order.
    pub(crate) async fn receive_emails(
        &self,
        emails: Vec<InboundEmail>,
    ) -> Vec<StoreResult<Received>> {
        if emails.len() == 1 {
            let email = emails.into_iter().next().expect("one mail");
            return vec![self.receive_email(email).await];
        }
        let batch = async {
            let mut tx = self.write.begin().await?;
            let mut filed = Vec::with_capacity(emails.len());
            for email in &emails {
                filed.push(self.file_email_in(&mut tx, email).await?);
            }
            tx.commit().await?;
            StoreResult::Ok(filed)
        }
        .await;
        let mut results = Vec::with_capacity(emails.len());
        match batch {
            Ok(filed) => {
                for (email, filed) in emails.iter().zip(filed) {
                    results.push(self.received(email, filed).await);
                }
            }
            Err(error) => {
                tracing::debug!(%error, mails = emails.len(), "batch failed; filing one by one");
                for email in emails {
                    results.push(self.receive_email(email).await);
                }
            }
        }
        results
    }

    /// What filing a mail did, after its commit: [`Received`] carries the conversation
    /// as committed, read now for a mail that joined an existing one.
    async fn received(&self, email: &InboundEmail, filed: Filed) -> StoreResult<Received> {
        Ok(match filed {
            Filed::Duplicate(conversation_id) => Received::Duplicate { conversation_id },
            Filed::Opened(conversation, entry) => Received::Stored {
                conversation,
                entry,
                created: true,
            },
            Filed::Joined(entry) => Received::Stored {
                conversation: Box::new(
                    self.conversation(email.account_id, entry.conversation_id)
                        .await?,
                ),
                entry,
                created: false,
            },
        })
    }

    /// The writes of one inbound mail inside `tx` (see [`crate::Store::receive_email`]).
    async fn file_email_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        email: &InboundEmail,
    ) -> StoreResult<Filed> {
        let thread = match thread_of(tx, email).await? {
            Thread::Duplicate(conversation) => return Ok(Filed::Duplicate(conversation)),
            Thread::Continues(conversation) => Some(conversation),
            Thread::New => None,
        };
        let contact = NewContact {
            account_id: email.account_id,
            ..email.contact.clone()
        };
        let mut meta = json!({ "email": email.email_meta });
        meta["email"]["attachments"] = json!([]);
        let (mut entry, created) = match thread {
            Some(conversation_id) => {
                let author = find_or_create_contact(tx, &contact).await?;
                let new = NewEntry {
                    conversation_id,
                    kind: EntryKind::Message,
                    direction: Some(Direction::Inbound),
                    author_user_id: None,
                    author_contact_id: Some(author.id),
                    body: email.body.clone(),
                    meta,
                    now: email.now,
                };
                (self.append_entry_in(tx, &new).await?, None)
            }
            None => {
                let new = NewConversation {
                    account_id: email.account_id,
                    inbox_id: email.inbox_id,
                    channel: Channel::Email,
                    contact,
                    subject: email.subject.clone(),
                    body: email.body.clone(),
                    meta,
                    now: email.now,
                };
                let (conversation, entry) = self.create_conversation_in(tx, new).await?;
                (entry, Some(conversation))
            }
        };
        sqlx::query(
            "INSERT INTO email_messages (account_id, message_id, conversation_id, entry_id, direction, created_at) \
             VALUES ($1, $2, $3, $4, 'inbound', $5)",
        )
        .bind(email.account_id.0)
        .bind(&email.message_id)
        .bind(entry.conversation_id.0)
        .bind(entry.id.0)
        .bind(email.now)
        .execute(&mut **tx)
        .await
        // Another node filed the same mail meanwhile: the caller asks again and gets
        // the duplicate.
        .map_err(|e| StoreError::unique(e, "message id"))?;
        if !email.attachments.is_empty() {
            let mut listed = Vec::with_capacity(email.attachments.len());
            for file in &email.attachments {
                let id = insert_attachment(tx, email, entry.id, file).await?;
                listed.push(json!({
                    "id": id,
                    "filename": file.filename,
                    "content_type": file.content_type,
                    "size": file.size,
                    "content_id": file.content_id,
                    "inline": file.inline,
                }));
            }
            entry.meta["email"]["attachments"] = json!(listed);
            sqlx::query("UPDATE timeline_entries SET meta = $1 WHERE id = $2")
                .bind(entry.meta.to_string())
                .bind(entry.id.0)
                .execute(&mut **tx)
                .await?;
        }
        Ok(match created {
            Some(conversation) => Filed::Opened(Box::new(conversation), entry),
            None => Filed::Joined(entry),
        })
    }

    pub(crate) async fn email_attachment(
        &self,
        account: AccountId,
        id: EmailAttachmentId,
    ) -> StoreResult<(EmailAttachment, ConversationId)> {
        let row = sqlx::query(&format!(
            "SELECT {ATTACHMENT_COLUMNS}, e.conversation_id FROM email_attachments a \
             JOIN timeline_entries e ON e.id = a.entry_id \
             WHERE a.id = $1 AND a.account_id = $2"
        ))
        .bind(id.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((
            attachment_row(&row)?,
            ConversationId(row.try_get("conversation_id")?),
        ))
    }

    pub(crate) async fn email_attachment_by_cid(
        &self,
        account: AccountId,
        message_id: &str,
        content_id: &str,
    ) -> StoreResult<(EmailAttachment, ConversationId)> {
        let row = sqlx::query(&format!(
            "SELECT {ATTACHMENT_COLUMNS}, m.conversation_id FROM email_messages m \
             JOIN email_attachments a ON a.entry_id = m.entry_id \
             WHERE m.account_id = $1 AND m.message_id = $2 AND a.content_id = $3 \
             ORDER BY a.id LIMIT 1"
        ))
        .bind(account.0)
        .bind(message_id)
        .bind(content_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((
            attachment_row(&row)?,
            ConversationId(row.try_get("conversation_id")?),
        ))
    }
}

/// Where an inbound mail belongs, as [`thread_of`] finds it.
enum Thread {
    /// Its own Message-ID is stored already, in this conversation.
    Duplicate(ConversationId),
    /// It continues this conversation.
    Continues(ConversationId),
    /// It opens a conversation.
    New,
}

/// Whether an inbound mail was filed before, else the conversation it continues, if
/// any: the newest stored mail of the account named by `In-Reply-To` or `References`
/// (the conversation keeps its id when it moves, so this follows it), else the
/// verified token's conversation if it is of the account.
///
/// The duplicate check and the threading lookup are one query (the mail's own id is
/// one more in the `IN` list): each statement is a round trip to the database (on
/// SQLite a hop to its worker thread), and this runs for every inbound mail.
async fn thread_of(
    tx: &mut Transaction<'static, Any>,
    email: &InboundEmail,
) -> StoreResult<Thread> {
    let ids: Vec<&String> = std::iter::once(&email.message_id)
        .chain(email.in_reply_to.iter().chain(&email.references).take(200))
        .collect();
    let sql = format!(
        "SELECT message_id, conversation_id FROM email_messages \
         WHERE account_id = $1 AND message_id IN ({}) ORDER BY id DESC",
        placeholders(2, ids.len())
    );
    let mut query = sqlx::query(&sql).bind(email.account_id.0);
    for id in &ids {
        query = query.bind(id.as_str());
    }
    let rows = query.fetch_all(&mut **tx).await?;
    let mut newest_referenced = None;
    for row in &rows {
        let conversation = ConversationId(row.try_get("conversation_id")?);
        if row.try_get::<String, _>("message_id")? == email.message_id {
            return Ok(Thread::Duplicate(conversation));
        }
        newest_referenced.get_or_insert(conversation);
    }
    if let Some(conversation) = newest_referenced {
        return Ok(Thread::Continues(conversation));
    }
    let Some(token) = email.token_conversation_id else {
        return Ok(Thread::New);
    };
    let row = sqlx::query("SELECT id FROM conversations WHERE id = $1 AND account_id = $2")
        .bind(token.0)
        .bind(email.account_id.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(row) => Thread::Continues(ConversationId(row.try_get("id")?)),
        None => Thread::New,
    })
}

async fn insert_attachment(
    tx: &mut Transaction<'static, Any>,
    email: &InboundEmail,
    entry: EntryId,
    file: &NewEmailAttachment,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO email_attachments (account_id, entry_id, filename, content_type, size, sha256, content_id, inline, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(email.account_id.0)
    .bind(entry.0)
    .bind(&file.filename)
    .bind(&file.content_type)
    .bind(file.size)
    .bind(&file.sha256)
    .bind(file.content_id.as_deref())
    .bind(file.inline)
    .bind(email.now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("id")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_removed_from_the_local_part_only() {
        assert_eq!(
            without_tag("support+abc@acme.test").as_deref(),
            Some("support@acme.test")
        );
        assert_eq!(without_tag("support@acme.test"), None);
        assert_eq!(without_tag("a+b+c@x+y.test").as_deref(), Some("a@x+y.test"));
        assert_eq!(normalize(" Support@ACME.test "), "support@acme.test");
    }
}
