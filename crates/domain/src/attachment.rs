//! Rules for uploaded files: the name shown for a file (never a path), the content
//! types served as themselves, and the size cap. The bytes are stored under their
//! SHA-256 by the server; nothing here touches them.

/// The largest file accepted, in bytes (25 MiB).
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// The longest display filename kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 200;

/// The name given to a file whose name is empty once cleaned.
pub const FALLBACK_FILENAME: &str = "attachment";

/// Content types served as themselves: none of them runs script in a browser.
/// Everything else is served as `application/octet-stream`.
pub const SAFE_CONTENT_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
];

/// The content type every other file is served as.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The name to show for an uploaded file: the last component of whatever path the
/// client sent (`../../etc/passwd` → `passwd`, `C:\x\y.txt` → `y.txt`), without
/// control characters, trimmed, at most [`MAX_FILENAME_CHARS`] characters, and never
/// empty, `.` or `..`. It is for display and `Content-Disposition` only: the stored
/// file is named by its hash.
pub fn display_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        FALLBACK_FILENAME.to_owned()
    } else {
        cleaned
    }
}

/// The content type a file is stored and served with: the client's declared type when
/// it is one of [`SAFE_CONTENT_TYPES`] (parameters and case ignored), else
/// [`OCTET_STREAM`]. HTML, SVG and anything unknown never reach a browser as such.
pub fn safe_content_type(declared: Option<&str>) -> &'static str {
    let Some(declared) = declared else {
        return OCTET_STREAM;
    };
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let essence = if essence == "image/jpg" {
        "image/jpeg".to_owned()
    } else {
        essence
    };
    SAFE_CONTENT_TYPES
        .iter()
        .find(|t| **t == essence)
        .copied()
        .unwrap_or(OCTET_STREAM)
}

/// Whether `s` is a lower-case hex SHA-256, the only name a stored file may have.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components_are_stripped_from_filenames() {
        assert_eq!(display_filename("../../etc/passwd"), "passwd");
        assert_eq!(display_filename("C:\\Users\\ana\\report.pdf"), "report.pdf");
        assert_eq!(display_filename("/abs/path/to/x.png"), "x.png");
        assert_eq!(display_filename("plain name.txt"), "plain name.txt");
    }

    #[test]
    fn empty_dot_and_control_only_names_fall_back() {
        for raw in ["", "..", ".", "../", "a/..", "\u{0}\u{7}", "   "] {
            assert_eq!(display_filename(raw), FALLBACK_FILENAME, "{raw:?}");
        }
        assert_eq!(display_filename("in\u{0}voice\r\n.pdf"), "invoice.pdf");
    }

    #[test]
    fn long_filenames_are_cut_on_a_character_boundary() {
        let long = "é".repeat(500);
        let shown = display_filename(&long);
        assert_eq!(shown.chars().count(), MAX_FILENAME_CHARS);
    }

    #[test]
    fn only_inert_content_types_are_kept() {
        assert_eq!(safe_content_type(Some("image/PNG")), "image/png");
        assert_eq!(
            safe_content_type(Some("text/plain; charset=utf-8")),
            "text/plain"
        );
        assert_eq!(safe_content_type(Some("image/jpg")), "image/jpeg");
        for dangerous in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "application/javascript",
            "text/xml",
            "",
            "garbage",
        ] {
            assert_eq!(
                safe_content_type(Some(dangerous)),
                OCTET_STREAM,
                "{dangerous}"
            );
        }
        assert_eq!(safe_content_type(None), OCTET_STREAM);
    }

    #[test]
    fn only_lower_case_hex_hashes_name_files() {
        assert!(is_sha256_hex(&"a1".repeat(32)));
        assert!(!is_sha256_hex(&"A1".repeat(32)));
        assert!(!is_sha256_hex("../../etc/passwd"));
        assert!(!is_sha256_hex(&"a".repeat(63)));
    }
}
