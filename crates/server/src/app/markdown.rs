//! Comment Markdown rendered once, at write time, into HTML that is safe to insert in
//! any page: raw HTML in the Markdown is shown as text, and the rendered HTML then goes
//! through an allow-list sanitizer (no scripts, no event handlers, no `style`, links
//! only to `http`, `https` and `mailto`, each opening in a new tab with
//! `rel="noopener noreferrer nofollow"`). Pure: no I/O.

use pulldown_cmark::{html, Event, Options, Parser};
use std::collections::HashSet;
use std::sync::LazyLock;

/// The sanitizer, built once: its allow-lists are the same for every comment.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank");
    builder
});

/// Renders a comment's Markdown (CommonMark with tables and strikethrough) to
/// sanitized HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Raw HTML is not Markdown an agent means to run: show it as the text it is.
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2 + 16);
    html::push_html(&mut unsafe_html, events);
    SANITIZER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_formatting_is_rendered() {
        let html = render("**bold** _it_ `code`\n\n- one\n- two\n\n~~gone~~");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<em>it</em>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<li>one</li>"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
    }

    #[test]
    fn raw_html_and_scripts_are_text() {
        let html = render("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn javascript_links_lose_their_target() {
        let html = render("[click](javascript:alert(1)) [data](data:text/html,x)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("click"), "{html}");
    }

    #[test]
    fn links_open_in_a_new_tab_without_referrer() {
        let html = render("[docs](https://docs.example/a?b=1)");
        assert!(
            html.contains("href=\"https://docs.example/a?b=1\""),
            "{html}"
        );
        assert!(html.contains("target=\"_blank\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn images_with_script_urls_are_dropped() {
        let html = render("![x](javascript:alert(1))");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn autolinks_and_mail_links_survive() {
        let html = render("<https://acme.test> and <ana@acme.test>");
        assert!(html.contains("href=\"https://acme.test\""), "{html}");
        assert!(html.contains("href=\"mailto:ana@acme.test\""), "{html}");
    }
}
