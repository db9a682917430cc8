//! What the thread shows of the email channel: a mail's sanitized HTML (remote images
//! held back until the reader asks, the quoted history folded), its recipients and
//! files; a forward's yellow "Forwarded to …" bar; and the delivery state of mail the
//! team sent (queued, sent, or failed with the relay's answer and a retry button).
//!
//! `meta.email.html` is printed unescaped: the server sanitized it (ammonia, see
//! `switchboard_mail::sanitize`) when the mail came in, and no client can write an
//! entry's `meta`. Everything else here stays text, escaped by askama.

use super::comment::{attachment_view, AttachmentView};
use serde_json::Value;
use switchboard_domain::ConversationId;
use switchboard_mail::sanitize::QUOTED_CLASS;

/// An email message's extras in the thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailView {
    /// Sanitized HTML body, when the mail had one.
    pub html: Option<String>,
    /// The HTML holds a quoted history (`div.sb-quoted`) the reader can unfold.
    pub quoted_html: bool,
    /// The quoted history split off a plain-text body.
    pub quoted_text: Option<String>,
    /// Remote images held back ("show images").
    pub remote_images: u64,
    /// `to a@x.test, b@y.test · cc c@z.test`; empty when the meta names nobody.
    pub recipients: String,
    /// The sender as `Name <address>` (empty for mail the team sent) and the subject,
    /// for the original's headers in the Forward dialog.
    pub from: String,
    pub subject: String,
    /// Files to download (inline images shown in the HTML are not listed again).
    pub attachments: Vec<AttachmentView>,
}

/// A forward entry's bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardView {
    pub to: String,
    pub cc: String,
    /// The forwarded mail's subject (`Fwd: …`).
    pub subject: Option<String>,
}

/// The delivery state of a mail the team sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    /// `queued`, `sent` or `failed`.
    pub state: &'static str,
    pub label: &'static str,
    /// The relay's answer to the last attempt, when it refused or was unreachable.
    pub detail: Option<String>,
    /// Failed for good: an agent may send it again.
    pub can_retry: bool,
}

fn text_of(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// An address: a string, or an `{address, name}` object (`Name <address>`).
fn mailbox(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Object(o) => {
            let address = text_of(o.get("address"))?;
            Some(match text_of(o.get("name")) {
                Some(name) => format!("{name} <{address}>"),
                None => address,
            })
        }
        _ => None,
    }
}

/// A list of addresses (or a single one), joined with commas.
fn addresses(value: Option<&Value>) -> String {
    match value {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(mailbox)
            .collect::<Vec<_>>()
            .join(", "),
        Some(one) => mailbox(one).unwrap_or_default(),
        None => String::new(),
    }
}

impl EmailView {
    /// Reads `meta.email` of a message of `conversation`; `None` when there is none.
    pub fn from_meta(meta: &Value, conversation: ConversationId) -> Option<Self> {
        let email = meta.get("email").filter(|e| e.is_object())?;
        let html = text_of(email.get("html"));
        let quoted_html = html
            .as_deref()
            .is_some_and(|h| h.contains(&format!("class=\"{QUOTED_CLASS}\"")));
        let to = addresses(email.get("to"));
        let cc = addresses(email.get("cc"));
        let recipients = match (to.is_empty(), cc.is_empty()) {
            (false, false) => format!("to {to} · cc {cc}"),
            (false, true) => format!("to {to}"),
            (true, false) => format!("cc {cc}"),
            (true, true) => String::new(),
        };
        let attachments = email
            .get("attachments")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|a| {
                // An inline image the HTML shows is not a file to list again.
                let inline = a.get("inline").and_then(Value::as_bool) == Some(true);
                !(inline && html.is_some() && a.get("content_id").is_some_and(|c| !c.is_null()))
            })
            .filter_map(|a| {
                attachment_view(a, |id| {
                    format!("/api/v1/conversations/{conversation}/email-attachments/{id}")
                })
            })
            .collect();
        Some(EmailView {
            quoted_html,
            // The text's quote is only offered when the HTML (which keeps its own) is not shown.
            quoted_text: if html.is_none() {
                text_of(email.get("quoted_text"))
            } else {
                None
            },
            html,
            remote_images: email
                .get("remote_images")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            recipients,
            from: addresses(email.get("from")),
            subject: text_of(email.get("subject")).unwrap_or_default(),
            attachments,
        })
    }
}

impl ForwardView {
    pub fn from_meta(meta: &Value) -> Option<Self> {
        let forward = meta.get("forward").filter(|f| f.is_object())?;
        Some(ForwardView {
            to: addresses(forward.get("to")),
            cc: addresses(forward.get("cc")),
            subject: text_of(forward.get("subject")),
        })
    }
}

impl DeliveryView {
    /// Reads `meta.delivery` (`{state, attempts, error}`, written by the outbox).
    pub fn from_meta(meta: &Value) -> Option<Self> {
        let delivery = meta.get("delivery").filter(|d| d.is_object())?;
        let error = text_of(delivery.get("error"));
        Some(match delivery.get("state").and_then(Value::as_str)? {
            "sent" => DeliveryView {
                state: "sent",
                label: "Sent",
                detail: None,
                can_retry: false,
            },
            "failed" => DeliveryView {
                state: "failed",
                label: "Not delivered",
                detail: error,
                can_retry: true,
            },
            "queued" => DeliveryView {
                state: "queued",
                label: if error.is_some() {
                    "Queued · retrying"
                } else {
                    "Queued"
                },
                detail: error,
                can_retry: false,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_inbound_mail_shows_html_recipients_and_its_files() {
        let meta = json!({"email": {
            "html": "<p>Hi</p><div class=\"sb-quoted\"><blockquote>old</blockquote></div>",
            "remote_images": 2,
            "quoted_text": "> old",
            "to": [{"address": "support@acme.test", "name": null}],
            "cc": [{"address": "boss@customer.test", "name": "The Boss"}],
            "attachments": [
                {"id": 7, "filename": "invoice.pdf", "content_type": "application/pdf", "size": 4096, "content_id": null, "inline": false},
                {"id": 8, "filename": "logo.png", "content_type": "image/png", "size": 10, "content_id": "logo@x", "inline": true}
            ]
        }});
        let view = EmailView::from_meta(&meta, ConversationId(5)).unwrap();
        assert!(view.quoted_html);
        assert_eq!(view.quoted_text, None, "the HTML keeps its own quote");
        assert_eq!(view.remote_images, 2);
        assert_eq!(view.from, "");
        assert_eq!(
            view.recipients,
            "to support@acme.test · cc The Boss <boss@customer.test>"
        );
        assert_eq!(view.attachments.len(), 1, "the inline logo is in the HTML");
        assert_eq!(
            view.attachments[0].href,
            "/api/v1/conversations/5/email-attachments/7"
        );
        assert_eq!(view.attachments[0].size, "4 KB");
    }

    #[test]
    fn a_text_mail_offers_its_quote_and_odd_meta_gives_nothing() {
        let view = EmailView::from_meta(
            &json!({"email": {"quoted_text": "> earlier", "to": ["a@b.test"], "subject": " Hello ",
                "from": {"address": "dee@customer.test", "name": "Dee Diaz"}}}),
            ConversationId(1),
        )
        .unwrap();
        assert_eq!(view.quoted_text.as_deref(), Some("> earlier"));
        assert!(!view.quoted_html);
        assert_eq!(view.recipients, "to a@b.test");
        assert_eq!(view.from, "Dee Diaz <dee@customer.test>");
        assert_eq!(view.subject, "Hello");
        for meta in [json!({}), json!({"email": "x"}), json!(null)] {
            assert_eq!(EmailView::from_meta(&meta, ConversationId(1)), None);
        }
    }

    #[test]
    fn forwards_name_their_recipients() {
        let view = ForwardView::from_meta(&json!({"forward": {
            "to": ["legal@partner.test", "ops@partner.test"], "cc": [], "subject": "Fwd: Contract"
        }}))
        .unwrap();
        assert_eq!(view.to, "legal@partner.test, ops@partner.test");
        assert_eq!(view.cc, "");
        assert_eq!(view.subject.as_deref(), Some("Fwd: Contract"));
        assert_eq!(ForwardView::from_meta(&json!({"to": "x"})), None);
    }

    #[test]
    fn delivery_states_read_as_people_expect() {
        let queued = DeliveryView::from_meta(&json!({"delivery": {"state": "queued"}})).unwrap();
        assert_eq!((queued.label, queued.can_retry), ("Queued", false));
        let retrying = DeliveryView::from_meta(
            &json!({"delivery": {"state": "queued", "attempts": 2, "error": "connection refused"}}),
        )
        .unwrap();
        assert_eq!(retrying.label, "Queued · retrying");
        assert_eq!(retrying.detail.as_deref(), Some("connection refused"));
        let failed = DeliveryView::from_meta(
            &json!({"delivery": {"state": "failed", "error": "550 5.1.1 no such user"}}),
        )
        .unwrap();
        assert_eq!(failed.state, "failed");
        assert!(failed.can_retry);
        assert_eq!(failed.detail.as_deref(), Some("550 5.1.1 no such user"));
        let sent = DeliveryView::from_meta(&json!({"delivery": {"state": "sent"}})).unwrap();
        assert_eq!((sent.label, sent.detail), ("Sent", None));
        assert_eq!(
            DeliveryView::from_meta(&json!({"delivery": {"state": "lost"}})),
            None
        );
        assert_eq!(
            DeliveryView::from_meta(&json!({"delivery": "failed"})),
            None
        );
    }
}
