//! Making email HTML safe to show inside the app, and finding the quoted history of a
//! reply so the UI can fold it.
//!
//! Email HTML is hostile input rendered on our own origin. Everything goes through
//! `ammonia` (an html5ever-based allow-list sanitizer) with an email policy: no
//! scripts, event handlers, forms, frames, SVG, `style` attributes or `<style>`
//! sheets, no `class`/`id` of the sender's (they could borrow the app's own CSS or
//! clobber DOM names), only `http`, `https`, `mailto` and `tel` links, no relative
//! URLs (they would point into the app), and no remote images until the user asks.
//!
//! The one post-processing step works on ammonia's serialized output, which is
//! well-formed and escaped, and only on markers that carry a per-call random nonce,
//! so text written by the sender can never imitate them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[cfg(test)]
mod tests;
mod text_quote;

pub use text_quote::split_quoted_text;

/// The class wrapped around the trailing quoted history of an HTML mail; the UI folds
/// elements with it. It is the only `class` that survives sanitizing.
pub const QUOTED_CLASS: &str = "sb-quoted";
/// The attribute that keeps a blocked remote image's URL, for "show images".
pub const REMOTE_SRC_ATTR: &str = "data-remote-src";
/// The `rel` of every link: no `window.opener`, no referrer, no SEO endorsement.
pub const LINK_REL: &str = "noopener noreferrer nofollow";
/// How many distinct `cid:` references are resolved per body.
const MAX_CID_REFERENCES: usize = 1_000;

/// Sanitized HTML ready to embed in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedHtml {
    /// The safe markup. Remote images appear as `<img data-remote-src="…">` without a
    /// `src`; the trailing quote, if any, is wrapped in `<div class="sb-quoted">`.
    pub html: String,
    /// How many remote images were blocked, so the UI can offer "show images".
    pub remote_images: usize,
}

/// Sanitizes an email's HTML body.
///
/// `cid` maps a `cid:` reference (the Content-ID, without `cid:`) to the URL that
/// serves the matching inline attachment, or `None` to drop the image. Only a URL
/// starting with `https://`, `http://` or a single `/` is used; anything else drops
/// the image.
///
/// What comes out:
/// - `<a>` keeps `href` only for `http`, `https`, `mailto` and `tel`, and always gets
///   `rel="noopener noreferrer nofollow"` and `target="_blank"`.
/// - `<img>` with an `http(s)` source loses `src` and gets `data-remote-src` instead
///   (counted in [`SanitizedHtml::remote_images`]); `cid:` sources are mapped through
///   `cid`; `data:`, relative and every other source is removed.
/// - The trailing quote — the first `<blockquote>`, or `<div>` whose class names a
///   Gmail, Yahoo or Proton quote, after which only whitespace, `<br>` and closing tags
///   follow — is wrapped in `<div class="sb-quoted">…</div>`.
pub fn sanitize_email_html(html: &str, cid: impl Fn(&str) -> Option<String>) -> SanitizedHtml {
    let nonce = format!("{:016x}", rand::random::<u64>());
    let remote_marker = format!("sbremote{nonce}:");
    let quote_marker = format!("sbquote{nonce}");
    let cid_urls = Arc::new(resolve_cids(html, &cid));
    let remote_images = Arc::new(AtomicUsize::new(0));

    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["font", "center"])
        .add_generic_attributes(["dir", "align"])
        .add_tag_attributes("img", ["width", "height"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("blockquote", ["class"])
        .add_tag_attributes(
            "table",
            ["width", "border", "cellpadding", "cellspacing", "bgcolor"],
        )
        .add_tag_attributes("td", ["width", "height", "valign", "bgcolor"])
        .add_tag_attributes("th", ["width", "height", "valign", "bgcolor"])
        .add_clean_content_tags(["title", "template", "noscript"])
        .url_schemes(["http", "https", "mailto", "tel", "cid"].into())
        .link_rel(Some(LINK_REL))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true);
    {
        let remote_marker = remote_marker.clone();
        let quote_marker = quote_marker.clone();
        let remote_images = Arc::clone(&remote_images);
        builder.attribute_filter(move |element, attribute, value| {
            filter_attribute(
                element,
                attribute,
                value,
                &FilterState {
                    remote_marker: &remote_marker,
                    quote_marker: &quote_marker,
                    remote_images: &remote_images,
                    cid_urls: &cid_urls,
                },
            )
        });
    }
    let cleaned = builder.clean(html).to_string();
    let cleaned = cleaned.replace(
        &format!(" src=\"{remote_marker}"),
        &format!(" {REMOTE_SRC_ATTR}=\""),
    );
    let html = wrap_trailing_quote(&cleaned, &format!(" class=\"{quote_marker}\""));
    SanitizedHtml {
        html,
        remote_images: remote_images.load(Ordering::Relaxed),
    }
}

struct FilterState<'a> {
    remote_marker: &'a str,
    quote_marker: &'a str,
    remote_images: &'a AtomicUsize,
    cid_urls: &'a HashMap<String, String>,
}

/// Decides each surviving attribute. Runs after ammonia's allow-list and scheme check,
/// and its output is not checked again, so it only ever returns values built here.
fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    state: &FilterState<'_>,
) -> Option<std::borrow::Cow<'u, str>> {
    let lower = value.trim().to_ascii_lowercase();
    match attribute {
        "href" => ["http://", "https://", "mailto:", "tel:"]
            .iter()
            .any(|s| lower.starts_with(s))
            .then(|| value.into()),
        "src" if element == "img" => {
            if lower.starts_with("http://") || lower.starts_with("https://") {
                state.remote_images.fetch_add(1, Ordering::Relaxed);
                Some(format!("{}{}", state.remote_marker, value.trim()).into())
            } else if lower.starts_with("cid:") {
                let id = value.trim().get(4..)?;
                state.cid_urls.get(id).map(|url| url.clone().into())
            } else {
                None
            }
        }
        "class" => (["div", "blockquote"].contains(&element)
            && ["gmail_quote", "yahoo_quoted", "protonmail_quote"]
                .iter()
                .any(|q| lower.split_whitespace().any(|c| c == *q)))
        .then(|| state.quote_marker.to_owned().into()),
        "src" | "cite" | "id" | "style" => None,
        _ => Some(value.into()),
    }
}

/// Finds the `cid:` references in the raw HTML and asks the caller for their URLs.
/// A reference hidden behind entities is not found here and so its image is dropped:
/// failing closed.
fn resolve_cids(html: &str, cid: &impl Fn(&str) -> Option<String>) -> HashMap<String, String> {
    let mut urls = HashMap::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|s| s.find("cid:")) {
        let start = from + pos + 4;
        let id: String = html
            .get(start..)
            .unwrap_or_default()
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | '<' | '>') && !c.is_whitespace())
            .take(998)
            .collect();
        from = start;
        if id.is_empty() || urls.contains_key(&id) {
            continue;
        }
        if urls.len() >= MAX_CID_REFERENCES {
            break;
        }
        if let Some(url) = cid(&id).filter(|u| is_safe_image_url(u)) {
            urls.insert(id, url);
        }
    }
    urls
}

fn is_safe_image_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let allowed = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (lower.starts_with('/') && !lower.starts_with("//"));
    allowed && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Elements serialized without an end tag.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Wraps the trailing quote of sanitized, well-formed HTML in the fold class and
/// removes the quote markers. Candidates are `<blockquote>` and elements carrying
/// `marker`; the first one (in document order) followed only by ignorable markup wins.
fn wrap_trailing_quote(html: &str, marker: &str) -> String {
    let mut stack: Vec<(String, usize, bool)> = Vec::new();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let Some(len) = tag_len(&html[i..]) else {
            break;
        };
        let tag = &html[i..i + len];
        if let Some(name) = tag.strip_prefix("</") {
            let name = name.trim_end_matches('>');
            if let Some(at) = stack.iter().rposition(|(n, _, _)| n == name) {
                let (_, start, candidate) = stack.swap_remove(at);
                stack.truncate(at);
                if candidate {
                    candidates.push((start, i + len));
                }
            }
        } else {
            let name: String = tag[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !VOID_ELEMENTS.contains(&name.as_str()) {
                let candidate = name == "blockquote" || tag.contains(marker);
                stack.push((name, i, candidate));
            }
        }
        i += len;
    }
    candidates.sort_unstable();
    let chosen = candidates
        .into_iter()
        .find(|(_, end)| is_ignorable_tail(&html[*end..]));
    let mut out = match chosen {
        Some((start, end)) => format!(
            "{}<div class=\"{QUOTED_CLASS}\">{}</div>{}",
            &html[..start],
            &html[start..end],
            &html[end..]
        ),
        None => html.to_owned(),
    };
    if out.contains(marker) {
        out = out.replace(marker, "");
    }
    out
}

/// The length of the tag starting at `s[0] == '<'`, honouring double-quoted attribute
/// values (the serializer quotes every value and escapes `"` inside).
fn tag_len(s: &str) -> Option<usize> {
    let mut in_quotes = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'>' if !in_quotes => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Whitespace, non-breaking spaces, `<br>` and closing tags only.
fn is_ignorable_tail(mut s: &str) -> bool {
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return true;
        }
        if let Some(rest) = s.strip_prefix("&nbsp;") {
            s = rest;
        } else if let Some(rest) = s.strip_prefix("<br>") {
            s = rest;
        } else if s.starts_with("</") {
            let Some(len) = tag_len(s) else {
                return false;
            };
            s = &s[len..];
        } else {
            return false;
        }
    }
}
