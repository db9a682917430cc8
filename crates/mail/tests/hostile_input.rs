//! Property tests: arbitrary bytes and structured-but-hostile mails go through
//! parse → sanitize → split_quoted_text without a panic, and the sanitized HTML never
//! carries script. Case counts are modest so the suite stays fast in debug builds.

use proptest::prelude::*;
use switchboard_mail::parse::InboundMail;
use switchboard_mail::sanitize::{sanitize_email_html, split_quoted_text};

/// Runs the whole inbound pipeline and checks the sanitized output.
fn pipeline(raw: &[u8]) {
    let Ok(mail) = InboundMail::parse(raw) else {
        return;
    };
    let _ = mail.message_id_or_synthetic();
    if let Some(html) = &mail.html {
        assert_safe(&sanitize_email_html(html, |id| Some(format!("/a/{}", id.len()))).html);
    }
    if let Some(text) = &mail.text {
        let (new, quoted) = split_quoted_text(text);
        assert!(new.len() + quoted.map_or(0, |q| q.len()) <= text.len() + 1);
    }
}

/// No script element anywhere (text cannot contain a raw `<`), and inside tags no
/// `on…` attribute and no `javascript:`/`vbscript:`/`data:` value.
fn assert_safe(html: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    for tag in tags(&lower) {
        for attribute in attributes(tag) {
            let (name, value) = attribute.split_once('=').unwrap_or((attribute, ""));
            assert!(!name.starts_with("on"), "handler {name} in {html}");
            assert!(name != "style", "style in {html}");
            let value = value.trim_matches('"').trim();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(!value.starts_with(scheme), "{scheme} in {html}");
            }
        }
        assert!(!tag.contains("javascript:"), "{tag}");
    }
}

/// The inside of each `<...>` of serialized HTML (values are double-quoted).
fn tags(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in html.char_indices() {
        match (c, start) {
            ('<', None) => start = Some(i + 1),
            ('"', Some(_)) => quoted = !quoted,
            ('>', Some(s)) if !quoted => {
                out.push(&html[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// `name="value"` pairs of a tag's inside, split on spaces outside quotes.
fn attributes(tag: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut from = 0;
    for (i, c) in tag.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                out.push(&tag[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&tag[from..]);
    out.into_iter().skip(1).filter(|a| !a.is_empty()).collect()
}

const HOSTILE_HTML: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"  JaVaScRiPt:alert(1)\">x</a>",
    "<form action=x><input></form>",
    "<div style=\"width: expression(alert(1))\">",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<img src=\"http://tracker.example/p.gif\">",
    "<img src=\"cid:logo\">",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<blockquote>",
    "<div class=\"gmail_quote\">",
    "</div>",
    "<a href=\"vbscript:x\">",
    "<object data=\"data:text/html,<script>alert(1)</script>\">",
    "<p>text &amp; more</p>",
    "<!-- <script>alert(1)</script> -->",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=`javascript:alert(1)`>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
];

fn html_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(HOSTILE_HTML).prop_map(str::to_owned),
            "[a-z <>=\"'/:;&#]{0,40}",
        ],
        0..20,
    )
    .prop_map(|parts| parts.concat())
}

fn header_line() -> impl Strategy<Value = String> {
    let names = prop::sample::select(
        &[
            "From",
            "To",
            "Cc",
            "Subject",
            "Message-ID",
            "References",
            "In-Reply-To",
            "Date",
            "Content-Type",
            "Content-Transfer-Encoding",
            "Auto-Submitted",
            "Received",
            "X-Random",
        ][..],
    );
    let values = prop_oneof![
        "[ -~]{0,80}",
        "=\\?(utf-8|iso-8859-1|x-bogus)\\?(q|b|x)\\?[ -~]{0,40}\\?=",
        (1usize..100_000).prop_map(|n| "x".repeat(n)),
    ];
    (names, values).prop_map(|(name, value)| format!("{name}: {value}\r\n"))
}

/// A mail with random headers, an optional giant To, nested multiparts and a hostile
/// HTML body in a random transfer encoding.
fn hostile_mail() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(header_line(), 0..15),
        prop_oneof![Just(0usize), Just(10_000usize), 0usize..50],
        0usize..40,
        html_body(),
        prop::sample::select(&["7bit", "quoted-printable", "base64", "x-unknown"][..]),
    )
        .prop_map(|(headers, recipients, depth, html, encoding)| {
            let mut raw = headers.concat();
            if recipients > 0 {
                let to: Vec<String> = (0..recipients).map(|i| format!("u{i}@example.com")).collect();
                raw.push_str(&format!("To: {}\r\n", to.join(", ")));
            }
            for level in 0..depth {
                raw.push_str(&format!(
                    "Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"
                ));
            }
            raw.push_str(&format!(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n{html}\r\n"
            ));
            for level in (0..depth).rev() {
                raw.push_str(&format!("--b{level}--\r\n"));
            }
            raw.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        pipeline(&raw);
    }

    #[test]
    fn hostile_mails_never_panic_nor_leak_script(raw in hostile_mail()) {
        pipeline(&raw);
    }

    #[test]
    fn hostile_html_is_always_sanitized(html in html_body()) {
        let out = sanitize_email_html(&html, |id| Some(format!("/a/{}", id.len())));
        assert_safe(&out.html);
    }

    #[test]
    fn quote_splitting_never_panics(text in "([>a-z :\\n]|wrote:|-----Original Message-----){0,200}") {
        let _ = split_quoted_text(&text);
    }
}
