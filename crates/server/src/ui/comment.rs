//! What a timeline entry's `meta` adds to its bubble: a comment's sanitized HTML, its
//! mentions and attachments, and whether the entry was deleted.
//!
//! `meta.html` is the only HTML from data the templates print unescaped: the server
//! renders it from the comment's Markdown and sanitizes it before storing. Nothing here
//! builds HTML; file names and mention names stay text, escaped by askama.

use super::format::{file_size, path_segment};
use super::view::Directory;
use serde_json::Value;
use switchboard_domain::UserId;

/// A file attached to a comment, as a download chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentView {
    pub filename: String,
    /// `12 KB`; empty when the size is unknown.
    pub size: String,
    pub href: String,
    /// `image`, `pdf` or `file`: which icon the chip shows.
    pub icon: &'static str,
}

/// The parts of an entry's `meta` that the thread shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryExtras {
    /// Server-sanitized HTML of a comment (trusted markup).
    pub html: Option<String>,
    /// Names of the mentioned users, for highlighting `@Name` in the body.
    pub mentions: Vec<String>,
    pub attachments: Vec<AttachmentView>,
    /// Deleted (kept for the audit trail): not shown.
    pub deleted: bool,
}

/// An id as the API writes it: an integer or an opaque string.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// A mention: a user id, or an object with `id`/`user_id` and maybe `name`.
fn mention_name(value: &Value, dir: &Directory) -> Option<String> {
    let (id, name) = match value {
        Value::Object(o) => (
            o.get("id").or_else(|| o.get("user_id")),
            o.get("name").and_then(Value::as_str),
        ),
        other => (Some(other), None),
    };
    if let Some(name) = name.filter(|n| !n.trim().is_empty()) {
        return Some(name.trim().to_owned());
    }
    let id: i64 = id.and_then(id_text)?.parse().ok()?;
    dir.user(UserId(id)).map(|u| u.name.clone())
}

/// A file listed in an entry's `meta` (`id`, `filename`, `content_type`, `size`) as a
/// chip; `href` makes the download link from the (percent-encoded) id.
pub fn attachment_view(value: &Value, href: impl Fn(&str) -> String) -> Option<AttachmentView> {
    let o = value.as_object()?;
    let id = o.get("id").and_then(id_text)?;
    let filename = o
        .get("filename")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .unwrap_or("attachment")
        .to_owned();
    let content_type = o
        .get("content_type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let icon = if content_type.starts_with("image/") {
        "image"
    } else if content_type == "application/pdf" || filename.to_lowercase().ends_with(".pdf") {
        "pdf"
    } else {
        "file"
    };
    Some(AttachmentView {
        size: o
            .get("size")
            .and_then(Value::as_u64)
            .map(file_size)
            .unwrap_or_default(),
        href: href(&path_segment(&id)),
        filename,
        icon,
    })
}

impl EntryExtras {
    /// Reads an entry's `meta`; anything missing or malformed is simply left out.
    pub fn from_meta(meta: &Value, dir: &Directory) -> Self {
        let list = |key: &str| {
            meta.get(key)
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        let mut mentions: Vec<String> = list("mentions")
            .iter()
            .filter_map(|m| mention_name(m, dir))
            .collect();
        mentions.sort();
        mentions.dedup();
        let deleted = meta.get("deleted").and_then(Value::as_bool) == Some(true)
            || meta.get("deleted_at").is_some_and(|v| !v.is_null());
        EntryExtras {
            html: meta
                .get("html")
                .and_then(Value::as_str)
                .filter(|h| !h.trim().is_empty())
                .map(str::to_owned),
            mentions,
            attachments: list("attachments")
                .iter()
                .filter_map(|a| attachment_view(a, |id| format!("/api/v1/attachments/{id}")))
                .collect(),
            deleted,
        }
    }

    /// The mention names as a JSON array, for the body's `data-mentions`.
    pub fn mentions_json(&self) -> String {
        serde_json::to_string(&self.mentions).unwrap_or_else(|_| "[]".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use switchboard_domain::*;

    fn dir() -> Directory {
        let ben = User {
            id: UserId(2),
            account_id: AccountId(1),
            name: "Ben Okafor".into(),
            email: "ben@acme.test".into(),
            role: Role::Agent,
            seat: Seat::Service,
            availability: Availability::Available,
            notify_email: false,
            created_at: 0,
        };
        Directory::new(vec![ben], vec![])
    }

    #[test]
    fn a_comment_meta_gives_html_mentions_and_attachments() {
        let meta = json!({
            "html": "<p>Hi <strong>@Ben Okafor</strong></p>",
            "mentions": [2, {"id": 3, "name": "Olga Petrova"}, {"user_id": "2"}, 77],
            "attachments": [
                {"id": 9, "filename": "receipt.pdf", "content_type": "application/pdf", "size": 20480},
                {"id": "a/b", "filename": "photo.png", "content_type": "image/png"},
                {"filename": "no id"}
            ]
        });
        let x = EntryExtras::from_meta(&meta, &dir());
        assert_eq!(
            x.html.as_deref(),
            Some("<p>Hi <strong>@Ben Okafor</strong></p>")
        );
        assert_eq!(x.mentions, ["Ben Okafor", "Olga Petrova"]);
        assert_eq!(x.mentions_json(), r#"["Ben Okafor","Olga Petrova"]"#);
        assert_eq!(x.attachments.len(), 2);
        assert_eq!(
            x.attachments[0],
            AttachmentView {
                filename: "receipt.pdf".into(),
                size: "20 KB".into(),
                href: "/api/v1/attachments/9".into(),
                icon: "pdf",
            }
        );
        assert_eq!(x.attachments[1].href, "/api/v1/attachments/a%2Fb");
        assert_eq!(
            (x.attachments[1].icon, x.attachments[1].size.as_str()),
            ("image", "")
        );
        assert!(!x.deleted);
    }

    #[test]
    fn plain_entries_and_odd_meta_give_nothing() {
        for meta in [
            json!({}),
            json!(null),
            json!({"html": "  ", "mentions": "x", "attachments": {}}),
        ] {
            assert_eq!(
                EntryExtras::from_meta(&meta, &dir()),
                EntryExtras::default()
            );
        }
    }

    #[test]
    fn deleted_entries_are_recognised() {
        assert!(EntryExtras::from_meta(&json!({"deleted": true}), &dir()).deleted);
        assert!(EntryExtras::from_meta(&json!({"deleted_at": 5}), &dir()).deleted);
        assert!(!EntryExtras::from_meta(&json!({"deleted_at": null}), &dir()).deleted);
    }
}
