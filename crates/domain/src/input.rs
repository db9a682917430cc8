//! Validated input. Each type's `parse` is the only constructor, so a value of the type
//! is proof that the check ran; the HTTP layer parses once and passes the types inward.

use serde::Serialize;
use std::fmt;

/// Why input was rejected. `field` names the offending field for the API's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidInput {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// The longest name (user, team, inbox, contact) we accept, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest message or comment body we accept, in bytes.
pub const MAX_BODY_BYTES: usize = 100_000;
/// The longest subject we accept, in characters.
pub const MAX_SUBJECT_CHARS: usize = 500;

/// A syntactically plausible email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Accepts `local@domain.tld` with no spaces, at most 254 bytes.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidInput> {
        let s = raw.trim().to_lowercase();
        let bad = |why: &str| Err(InvalidInput::new(field, why.to_owned()));
        if s.is_empty() {
            return bad("is required");
        }
        if s.len() > 254 {
            return bad("is longer than 254 characters");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return bad("is not an email address");
        };
        let domain_ok = !domain.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && !local.contains('@')
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && c != '<' && c != '>');
        if !domain_ok || !local_ok {
            return bad("is not an email address");
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A trimmed, non-empty name of at most [`MAX_NAME_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidInput> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(InvalidInput::new(field, "is required"));
        }
        if s.chars().count() > MAX_NAME_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("is longer than {MAX_NAME_CHARS} characters"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(InvalidInput::new(field, "contains control characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A message or comment body: not blank, at most [`MAX_BODY_BYTES`] bytes. Kept as
/// written (leading/trailing blank lines trimmed); rendering escapes or sanitizes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Body(String);

impl Body {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, InvalidInput> {
        let s = raw.trim_matches(|c: char| c == '\n' || c == '\r' || c == ' ');
        if s.trim().is_empty() {
            return Err(InvalidInput::new(field, "must not be empty"));
        }
        if s.len() > MAX_BODY_BYTES {
            return Err(InvalidInput::new(
                field,
                format!("is longer than {MAX_BODY_BYTES} bytes"),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The first line-folded characters of the body, for list previews.
    pub fn preview(&self) -> String {
        preview_of(&self.0)
    }
}

/// Folds whitespace and cuts text to a list preview of at most 140 characters.
pub fn preview_of(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= 140 {
        return folded;
    }
    let mut cut: String = folded.chars().take(139).collect();
    cut.push('…');
    cut
}

/// An optional subject: trimmed, blank becomes none, at most [`MAX_SUBJECT_CHARS`].
pub fn parse_subject(raw: Option<&str>) -> Result<Option<String>, InvalidInput> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if s.chars().count() > MAX_SUBJECT_CHARS {
        return Err(InvalidInput::new(
            "subject",
            format!("is longer than {MAX_SUBJECT_CHARS} characters"),
        ));
    }
    Ok(Some(s.chars().filter(|c| !c.is_control()).collect()))
}

/// A phone number: digits with an optional leading `+` and common separators.
pub fn parse_phone(raw: &str) -> Result<String, InvalidInput> {
    let s = raw.trim();
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (i == 0 && c == '+'));
    if !allowed || !(5..=20).contains(&digits) {
        return Err(InvalidInput::new("phone", "is not a phone number"));
    }
    Ok(s.to_owned())
}

/// The longest URL we accept, in bytes.
pub const MAX_URL_BYTES: usize = 2_048;

/// An `http` or `https` URL with a host, no spaces or control characters, at most
/// [`MAX_URL_BYTES`]; trimmed. Other schemes (`javascript:`, `data:`, ...) are refused.
pub fn parse_http_url(field: &'static str, raw: &str) -> Result<String, InvalidInput> {
    let s = raw.trim();
    let bad = |why: &str| Err(InvalidInput::new(field, why.to_owned()));
    if s.len() > MAX_URL_BYTES {
        return bad("is longer than 2048 bytes");
    }
    let lower = s.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return bad("must be an http or https URL");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must be an http or https URL");
    }
    Ok(s.to_owned())
}

/// A new password: 8 to 1024 characters. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let n = raw.chars().count();
        if n < 8 {
            return Err(InvalidInput::new(
                "password",
                "must be at least 8 characters",
            ));
        }
        if n > 1024 {
            return Err(InvalidInput::new(
                "password",
                "is longer than 1024 characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let e = EmailAddress::parse("email", "  Ana@Acme.TEST ").unwrap();
        assert_eq!(e.as_str(), "ana@acme.test");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@acme.test",
            "ana@acme",
            "a na@acme.test",
            "a@b@c.test",
            "<a>@x.test",
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn blank_and_overlong_names_are_rejected() {
        assert!(Name::parse("name", "   ").is_err());
        assert!(Name::parse("name", &"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(Name::parse("name", "a\u{0}b").is_err());
        assert_eq!(Name::parse("name", " Tier 2 ").unwrap().as_str(), "Tier 2");
    }

    #[test]
    fn empty_and_oversized_bodies_are_rejected() {
        assert!(Body::parse("body", "\n \n").is_err());
        assert!(Body::parse("body", &"x".repeat(MAX_BODY_BYTES + 1)).is_err());
        assert_eq!(Body::parse("body", "\nHello\n").unwrap().as_str(), "Hello");
    }

    #[test]
    fn preview_folds_whitespace_and_cuts_long_text() {
        assert_eq!(preview_of("a\n\n b"), "a b");
        let long = preview_of(&"word ".repeat(100));
        assert_eq!(long.chars().count(), 140);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn only_http_urls_with_a_host_are_accepted() {
        assert_eq!(
            parse_http_url("url", " https://meet.example/ana ").unwrap(),
            "https://meet.example/ana"
        );
        assert!(parse_http_url("url", "HTTP://Example.com?q=1").is_ok());
        for bad in [
            "javascript:alert(1)",
            "https://",
            "http:///x",
            "mailto:a@b.c",
            "https://a b",
        ] {
            assert!(parse_http_url("url", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn short_passwords_are_rejected_and_debug_hides_them() {
        assert!(Password::parse("short").is_err());
        let p = Password::parse("correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn subject_blank_is_none_and_phone_is_checked() {
        assert_eq!(parse_subject(Some("  ")).unwrap(), None);
        assert_eq!(parse_subject(Some(" Hi ")).unwrap().as_deref(), Some("Hi"));
        assert!(parse_phone("+1 (555) 010-2000").is_ok());
        assert!(parse_phone("call me").is_err());
    }
}
