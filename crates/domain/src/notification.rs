//! What notifications say and where they lead: the web UI link of a conversation (and
//! of one of its entries), the notification texts, and the email a notification
//! queues in the outbox for users who want notification emails.

use crate::id::*;
use crate::input::preview_of;

/// The longest part of a comment quoted in a notification email, in characters.
pub const MAX_EMAIL_EXCERPT_CHARS: usize = 2_000;

/// The web UI path of a conversation in its inbox, and of one entry of its timeline:
/// `/inboxes/{inbox}?c={conversation}#entry-{entry}`.
pub fn entry_link(inbox: InboxId, conversation: ConversationId, entry: Option<EntryId>) -> String {
    match entry {
        Some(e) => format!("/inboxes/{inbox}?c={conversation}#entry-{e}"),
        None => format!("/inboxes/{inbox}?c={conversation}"),
    }
}

/// How a notification names a conversation: its subject, else its contact.
pub fn conversation_label(subject: Option<&str>, contact: &str) -> String {
    let label = subject.filter(|s| !s.trim().is_empty()).unwrap_or(contact);
    preview_of(label)
}

/// `Ana Lima mentioned you in “Refund for order #48213”`.
pub fn mention_text(actor_name: &str, conversation_label: &str) -> String {
    format!("{actor_name} mentioned you in “{conversation_label}”")
}

/// The email of a notification, finished once the link to its entry is known (the
/// entry is written in the same transaction that queues the mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationEmail {
    pub subject: String,
    /// The first paragraph: what happened.
    pub intro: String,
    /// Text quoted below it (a comment's Markdown), cut to [`MAX_EMAIL_EXCERPT_CHARS`].
    pub excerpt: Option<String>,
}

impl NotificationEmail {
    /// The email of a mention: subject `You were mentioned: …`, the comment quoted.
    pub fn mention(actor_name: &str, conversation_label: &str, comment: &str) -> Self {
        NotificationEmail {
            subject: format!("You were mentioned: {conversation_label}"),
            intro: mention_text(actor_name, conversation_label),
            excerpt: Some(comment.to_owned()),
        }
    }

    /// The email of an assignment.
    pub fn assignment(text: &str, conversation_label: &str) -> Self {
        NotificationEmail {
            subject: format!("Assigned to you: {conversation_label}"),
            intro: text.to_owned(),
            excerpt: None,
        }
    }

    /// A conversation moved to another inbox and assigned to the recipient; the mover's
    /// comment, if any, is the excerpt.
    pub fn moved(text: &str, conversation_label: &str, comment: Option<&str>) -> Self {
        NotificationEmail {
            subject: format!("Moved to you: {conversation_label}"),
            intro: text.to_owned(),
            excerpt: comment.map(str::to_owned),
        }
    }

    /// The plain-text body, with `link` (see [`entry_link`]) to open the conversation.
    pub fn text(&self, link: &str) -> String {
        let mut body = format!("{}.\n\nOpen the conversation: {link}\n", self.intro);
        if let Some(excerpt) = self.excerpt.as_deref().filter(|e| !e.trim().is_empty()) {
            let mut cut: String = excerpt.chars().take(MAX_EMAIL_EXCERPT_CHARS).collect();
            if cut.len() < excerpt.len() {
                cut.push('…');
            }
            body.push('\n');
            for line in cut.lines() {
                body.push_str("> ");
                body.push_str(line);
                body.push('\n');
            }
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_the_inbox_the_conversation_and_the_entry() {
        assert_eq!(
            entry_link(InboxId(2), ConversationId(7), Some(EntryId(31))),
            "/inboxes/2?c=7#entry-31"
        );
        assert_eq!(
            entry_link(InboxId(2), ConversationId(7), None),
            "/inboxes/2?c=7"
        );
    }

    #[test]
    fn a_conversation_is_named_by_subject_else_contact() {
        assert_eq!(conversation_label(Some("Refund"), "Hana"), "Refund");
        assert_eq!(conversation_label(Some("  "), "Hana"), "Hana");
        assert_eq!(conversation_label(None, "Hana"), "Hana");
    }

    #[test]
    fn a_mention_email_quotes_the_comment_under_the_link() {
        let mail = NotificationEmail::mention("Ana Lima", "Refund", "Please check\nthe order");
        assert_eq!(mail.subject, "You were mentioned: Refund");
        let text = mail.text("/inboxes/1?c=2#entry-3");
        assert!(text.starts_with("Ana Lima mentioned you in “Refund”."));
        assert!(text.contains("Open the conversation: /inboxes/1?c=2#entry-3\n"));
        assert!(text.ends_with("> Please check\n> the order\n"));
    }

    #[test]
    fn long_comments_are_cut_in_the_email() {
        let mail = NotificationEmail::mention("A", "S", &"x".repeat(10_000));
        let text = mail.text("/l");
        assert!(text.len() < 2_200);
        assert!(text.trim_end().ends_with('…'));
    }
}
