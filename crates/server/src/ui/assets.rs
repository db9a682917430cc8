//! The UI's two static files, compiled into the binary (no build step, no CDN) and
//! served at `/static/app.js` and `/static/app.css`.
//!
//! Pages link them with `?v=<content hash>`, so a versioned URL can be cached forever
//! and a new binary's assets are fetched at once; an unversioned request is revalidated.

use axum::extract::RawQuery;
use axum::http::header;
use axum::response::IntoResponse;

const APP_JS: &str = include_str!("../../static/app.js");
const APP_CSS: &str = include_str!("../../static/app.css");

/// 64-bit FNV-1a, at compile time.
const fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

const VERSION: u64 = fnv1a(
    APP_CSS.as_bytes(),
    fnv1a(APP_JS.as_bytes(), 0xcbf2_9ce4_8422_2325),
);

/// The `v=` of the asset URLs: changes whenever either file changes.
pub fn version() -> String {
    format!("{:012x}", VERSION & 0xffff_ffff_ffff)
}

fn cache_control(query: Option<&str>) -> &'static str {
    if query.is_some_and(|q| q.starts_with("v=")) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

pub(super) async fn app_js(RawQuery(query): RawQuery) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, cache_control(query.as_deref())),
        ],
        APP_JS,
    )
}

pub(super) async fn app_css(RawQuery(query): RawQuery) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache_control(query.as_deref())),
        ],
        APP_CSS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_urls_are_cached_forever_and_others_revalidated() {
        assert!(cache_control(Some("v=abc")).contains("immutable"));
        assert_eq!(cache_control(None), "no-cache");
        assert_eq!(cache_control(Some("x=1")), "no-cache");
        assert_eq!(version().len(), 12);
    }

    #[test]
    fn the_hash_sees_every_byte() {
        let base = fnv1a(b"abc", 1);
        assert_ne!(base, fnv1a(b"abd", 1));
        assert_ne!(base, fnv1a(b"ab", 1));
    }
}
