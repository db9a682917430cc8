//! Hostile-input tests for the HTML sanitizer and quote splitting.

use super::*;

fn clean(html: &str) -> SanitizedHtml {
    sanitize_email_html(html, |id| {
        (id == "logo").then(|| "/api/v1/attachments/7".to_owned())
    })
}

fn assert_inert(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "vbscript:",
        "data:",
        "onerror",
        "onload",
        "onclick",
        "<form",
        "<iframe",
        "<svg",
        "style=",
        "expression(",
        "<input",
        "<object",
    ] {
        assert!(!lower.contains(bad), "{bad:?} survived in {html:?}");
    }
}

#[test]
fn scripts_are_removed_with_their_content() {
    let out = clean("<p>hi</p><script>alert(1)</script><SCRIPT src=x></SCRIPT>");
    assert_eq!(out.html, "<p>hi</p>");
}

#[test]
fn event_handlers_are_removed() {
    let out = clean("<img src=x onerror=alert(1)><p onclick=\"steal()\" onmouseover=x>t</p>");
    assert_inert(&out.html);
    assert!(out.html.contains("<p>t</p>"), "{}", out.html);
}

#[test]
fn script_links_are_removed() {
    for href in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#x09;script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "/relative/path",
        "//evil.example/x",
        "cid:logo",
    ] {
        let out = clean(&format!("<a href=\"{href}\">click</a>"));
        assert_inert(&out.html);
        assert!(!out.html.contains("href"), "{href}: {}", out.html);
        assert!(out.html.contains("click"));
    }
}

#[test]
fn safe_links_open_in_a_new_tab_without_opener() {
    let out =
        clean("<a href=\"https://example.com/x?a=1&b=2\" target=\"_self\" rel=\"opener\">x</a>");
    assert_eq!(
        out.html,
        "<a href=\"https://example.com/x?a=1&amp;b=2\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">x</a>"
    );
    let mail = clean("<a href=\"mailto:ana@example.com\">mail</a>");
    assert!(mail.html.contains("href=\"mailto:ana@example.com\""));
}

#[test]
fn forms_frames_and_embedded_objects_are_removed() {
    let out = clean(
        "<form action=\"https://evil\"><input name=p type=password><button>Go</button></form>\
         <iframe src=\"https://evil\"></iframe><object data=x></object><embed src=x>\
         <meta http-equiv=refresh content=\"0;url=https://evil\"><base href=\"https://evil\">",
    );
    assert_inert(&out.html);
    assert!(!out.html.contains("https://evil"), "{}", out.html);
}

#[test]
fn styles_and_css_expressions_are_removed() {
    let out = clean(
        "<div style=\"width: expression(alert(1)); background:url(javascript:x)\">a</div>\
         <style>body{background:url(https://tracker/x)}</style>",
    );
    assert_eq!(out.html, "<div>a</div>");
}

#[test]
fn svg_with_script_is_removed() {
    let out = clean("<svg><script>alert(1)</script><circle onload=alert(1)/></svg><p>ok</p>");
    assert_inert(&out.html);
    assert!(out.html.contains("<p>ok</p>"));
    assert!(!out.html.contains("alert"), "{}", out.html);
}

#[test]
fn remote_images_are_blocked_and_counted() {
    let out = clean(
        "<img src=\"http://tracker.example/p.gif?u=1&amp;x=2\" width=1>\
         <img src=\"https://cdn.example/logo.png\" alt=\"Logo\">",
    );
    assert_eq!(out.remote_images, 2);
    assert!(!out.html.contains(" src="), "{}", out.html);
    assert!(
        out.html
            .contains("data-remote-src=\"http://tracker.example/p.gif?u=1&amp;x=2\""),
        "{}",
        out.html
    );
    assert!(out
        .html
        .contains("data-remote-src=\"https://cdn.example/logo.png\""));
}

#[test]
fn cid_images_are_mapped_or_dropped() {
    let out = clean("<img src=\"cid:logo\" alt=a><img src=\"cid:unknown\" alt=b>");
    assert_eq!(out.remote_images, 0);
    assert!(
        out.html
            .contains("<img src=\"/api/v1/attachments/7\" alt=\"a\">"),
        "{}",
        out.html
    );
    assert!(out.html.contains("<img alt=\"b\">"), "{}", out.html);
}

#[test]
fn unsafe_cid_urls_from_the_caller_are_refused() {
    let out = sanitize_email_html("<img src=\"cid:x\">", |_| {
        Some("javascript:alert(1)".into())
    });
    assert_eq!(out.html, "<img>");
    let out = sanitize_email_html("<img src=\"cid:x\">", |_| Some("//evil/x".into()));
    assert_eq!(out.html, "<img>");
}

#[test]
fn data_and_relative_images_are_removed() {
    let out = clean("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\"><img src=\"/api/v1/logout\">");
    assert_eq!(out.html, "<img><img>");
}

#[test]
fn sender_text_cannot_forge_markers_or_classes() {
    let out = clean(
        "<p class=\"sb-quoted\" id=\"csrf_token\">x</p>\
         <p> src=\"sbremote0000000000000000:http://x\" class=\"sbquote\"</p>",
    );
    assert!(out.html.starts_with("<p>x</p>"), "{}", out.html);
    assert!(!out.html.contains("sb-quoted"), "{}", out.html);
    assert!(!out.html.contains("data-remote-src"), "{}", out.html);
}

#[test]
fn trailing_gmail_quote_is_wrapped() {
    let out = clean(
        "<div dir=\"ltr\">Thanks!</div><br><div class=\"gmail_quote\">\
         <div class=\"gmail_attr\">On Tue, Ana wrote:<br></div>\
         <blockquote class=\"gmail_quote\">old text</blockquote></div>",
    );
    assert_eq!(
        out.html,
        "<div dir=\"ltr\">Thanks!</div><br><div class=\"sb-quoted\"><div>\
         <div>On Tue, Ana wrote:<br></div>\
         <blockquote>old text</blockquote></div></div>"
    );
}

#[test]
fn trailing_blockquote_is_wrapped_but_interleaved_quotes_are_not() {
    let out = clean("<p>reply</p><blockquote type=\"cite\">old</blockquote><br>\n");
    assert_eq!(
        out.html,
        "<p>reply</p><div class=\"sb-quoted\"><blockquote>old</blockquote></div><br>\n"
    );
    let inline = clean("<blockquote>q1</blockquote><p>a1</p><blockquote>q2</blockquote><p>a2</p>");
    assert!(!inline.html.contains("sb-quoted"), "{}", inline.html);
}

#[test]
fn plain_text_history_is_split_off() {
    let (new, quoted) = split_quoted_text(
        "Thanks, that worked.\n\nOn Tue, 1 Jul 2003, Ana <ana@example.com> wrote:\n> Try again\n>\n> Ana\n",
    );
    assert_eq!(new, "Thanks, that worked.");
    assert_eq!(
        quoted.as_deref(),
        Some("On Tue, 1 Jul 2003, Ana <ana@example.com> wrote:\n> Try again\n>\n> Ana")
    );
}

#[test]
fn wrapped_attribution_lines_are_part_of_the_quote() {
    let (new, quoted) = split_quoted_text(
        "Yes.\n\nOn Tue, Jul 1, 2003 at 10:52 AM Ana Lima\n<ana@example.com> wrote:\n\n> old\n",
    );
    assert_eq!(new, "Yes.");
    assert!(quoted.unwrap().starts_with("On Tue"));
}

#[test]
fn trailing_quote_without_attribution_and_outlook_separator() {
    let (new, quoted) = split_quoted_text("New text\n> old 1\n> old 2");
    assert_eq!(new, "New text");
    assert_eq!(quoted.as_deref(), Some("> old 1\n> old 2"));

    let (new, quoted) =
        split_quoted_text("Fine.\n\n-----Original Message-----\nFrom: Ana\nSent: Tuesday\n\nold");
    assert_eq!(new, "Fine.");
    assert!(quoted.unwrap().starts_with("-----Original Message-----"));
}

#[test]
fn text_without_trailing_quote_is_left_whole() {
    for text in [
        "plain text",
        "> q1\nanswer 1\n> q2\nanswer 2",
        "> everything is quoted\n> here",
        "",
    ] {
        assert_eq!(split_quoted_text(text), (text.to_owned(), None), "{text:?}");
    }
}
