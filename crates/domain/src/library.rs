//! The Insert menu's library: which fields each kind of item needs, checked once when
//! an item is created.
//!
//! | kind | needs |
//! | --- | --- |
//! | `snippet` | `body` (may hold `{{variables}}`, see [`crate::template`]) |
//! | `document` | `attachment_id` (a file the creator uploaded) |
//! | `meeting_link` | `url` |
//! | `kb_article` | `url` and `body` (a summary) |
//! | `quote` | `body` |
//! | `video` | `url` |
//!
//! A field the kind does not use is refused rather than silently kept.

use crate::id::AttachmentId;
use crate::input::{parse_http_url, Body, InvalidInput, Name};
use crate::model::LibraryKind;

/// A library item as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct LibraryInput {
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub attachment_id: Option<AttachmentId>,
}

/// A library item whose fields fit its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLibraryItem {
    pub kind: LibraryKind,
    pub title: Name,
    pub body: Option<Body>,
    pub url: Option<String>,
    pub attachment_id: Option<AttachmentId>,
}

/// Which of body, url and attachment a kind needs (`true`) or refuses (`false`).
fn fields_of(kind: LibraryKind) -> (bool, bool, bool) {
    match kind {
        LibraryKind::Snippet | LibraryKind::Quote => (true, false, false),
        LibraryKind::Document => (false, false, true),
        LibraryKind::MeetingLink | LibraryKind::Video => (false, true, false),
        LibraryKind::KbArticle => (true, true, false),
    }
}

impl ValidLibraryItem {
    /// Checks the title (a [`Name`]), each field's format, and that the kind has every
    /// field it needs and none it does not use.
    pub fn parse(kind: LibraryKind, input: LibraryInput) -> Result<Self, InvalidInput> {
        let title = Name::parse("title", &input.title)?;
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        let (wants_body, wants_url, wants_attachment) = fields_of(kind);
        let check = |field: &'static str, wanted: bool, present: bool| match (wanted, present) {
            (true, false) => Err(InvalidInput::new(
                field,
                format!("is required for a {kind} item"),
            )),
            (false, true) => Err(InvalidInput::new(
                field,
                format!("is not used by a {kind} item"),
            )),
            _ => Ok(()),
        };
        check("body", wants_body, !blank(&input.body))?;
        check("url", wants_url, !blank(&input.url))?;
        check(
            "attachment_id",
            wants_attachment,
            input.attachment_id.is_some(),
        )?;
        let body = match input.body.as_deref() {
            Some(b) if wants_body => Some(Body::parse("body", b)?),
            _ => None,
        };
        let url = match input.url.as_deref() {
            Some(u) if wants_url => Some(parse_http_url("url", u)?),
            _ => None,
        };
        Ok(ValidLibraryItem {
            kind,
            title,
            body,
            url,
            attachment_id: input.attachment_id.filter(|_| wants_attachment),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: Option<&str>, url: Option<&str>, attachment: Option<i64>) -> LibraryInput {
        LibraryInput {
            title: "Greeting".into(),
            body: body.map(str::to_owned),
            url: url.map(str::to_owned),
            attachment_id: attachment.map(AttachmentId),
        }
    }

    #[test]
    fn each_kind_takes_its_fields() {
        let ok = [
            (
                LibraryKind::Snippet,
                input(Some("Hi {{contact.name}}"), None, None),
            ),
            (LibraryKind::Quote, input(Some("Less is more"), None, None)),
            (LibraryKind::Document, input(None, None, Some(3))),
            (
                LibraryKind::MeetingLink,
                input(None, Some("https://meet.example/ana"), None),
            ),
            (
                LibraryKind::Video,
                input(None, Some("http://video.example/v/1"), None),
            ),
            (
                LibraryKind::KbArticle,
                input(Some("How refunds work"), Some("https://kb.example/r"), None),
            ),
        ];
        for (kind, i) in ok {
            let item = ValidLibraryItem::parse(kind, i).unwrap();
            assert_eq!(item.kind, kind);
        }
    }

    #[test]
    fn missing_fields_are_named() {
        let cases = [
            (LibraryKind::Snippet, input(None, None, None), "body"),
            (LibraryKind::Snippet, input(Some("  "), None, None), "body"),
            (
                LibraryKind::Document,
                input(None, None, None),
                "attachment_id",
            ),
            (LibraryKind::MeetingLink, input(None, None, None), "url"),
            (
                LibraryKind::KbArticle,
                input(None, Some("https://kb.example"), None),
                "body",
            ),
            (LibraryKind::KbArticle, input(Some("x"), None, None), "url"),
            (LibraryKind::Video, input(None, Some(""), None), "url"),
        ];
        for (kind, i, field) in cases {
            let err = ValidLibraryItem::parse(kind, i).unwrap_err();
            assert_eq!(err.field, field, "{kind}");
        }
    }

    #[test]
    fn fields_a_kind_does_not_use_are_refused() {
        let err = ValidLibraryItem::parse(LibraryKind::Snippet, input(Some("x"), None, Some(1)))
            .unwrap_err();
        assert_eq!(err.field, "attachment_id");
        let err = ValidLibraryItem::parse(
            LibraryKind::Video,
            input(Some("x"), Some("https://v.example"), None),
        )
        .unwrap_err();
        assert_eq!(err.field, "body");
    }

    #[test]
    fn only_http_and_https_urls_are_accepted() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "ftp://x.example",
            "https://",
            "https://exa mple.com",
            "//example.com",
        ] {
            let err = ValidLibraryItem::parse(LibraryKind::Video, input(None, Some(bad), None))
                .unwrap_err();
            assert_eq!(err.field, "url", "{bad}");
        }
    }

    #[test]
    fn a_blank_title_is_refused() {
        let i = LibraryInput {
            title: " ".into(),
            ..input(Some("x"), None, None)
        };
        assert_eq!(
            ValidLibraryItem::parse(LibraryKind::Quote, i)
                .unwrap_err()
                .field,
            "title"
        );
    }
}
