//! Signed reply-address tokens: `support+TOKEN@acme.test` routes a reply to its
//! conversation even when the customer's mail client dropped `In-Reply-To`.
//!
//! A token is the conversation id and a truncated HMAC-SHA256 of it, encoded in
//! lower-case base32 (digits and `a`–`v`), so it survives mail systems that change
//! the case of local parts and contains only characters valid in an address. Without
//! the secret nobody can make a token for another conversation, so guessing ids (the
//! reason we never put a number in the subject) gets an attacker nowhere.

use data_encoding::BASE32_DNSSEC;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of MAC kept: 80 bits, far beyond online guessing at SMTP speed.
const MAC_BYTES: usize = 10;
/// Separates the token's MAC input from any other use of the same secret.
const DOMAIN: &[u8] = b"switchboard reply token v1\0";

/// Signing and checking reply tokens.
pub struct ReplyToken;

impl ReplyToken {
    /// The token for a conversation: at most 29 characters of `[0-9a-v]`.
    pub fn sign(secret: &[u8], conversation_id: i64) -> String {
        let id = id_bytes(conversation_id);
        let mut bytes = id.clone();
        bytes.extend_from_slice(&mac(secret, &id).finalize().into_bytes()[..MAC_BYTES]);
        BASE32_DNSSEC.encode(&bytes)
    }

    /// The conversation id of a genuine token; `None` for anything tampered with,
    /// signed with another secret, or malformed. The MAC is compared in constant time.
    pub fn verify(secret: &[u8], token: &str) -> Option<i64> {
        if token.len() > 64 {
            return None;
        }
        let bytes = BASE32_DNSSEC
            .decode(token.to_ascii_lowercase().as_bytes())
            .ok()?;
        if bytes.len() <= MAC_BYTES || bytes.len() > MAC_BYTES + 8 {
            return None;
        }
        let (id, tag) = bytes.split_at(bytes.len() - MAC_BYTES);
        mac(secret, id).verify_truncated_left(tag).ok()?;
        let mut be = [0u8; 8];
        be[8 - id.len()..].copy_from_slice(id);
        let conversation_id = i64::from_be_bytes(be);
        // Only the canonical (shortest) encoding is accepted, one token per id.
        (id_bytes(conversation_id) == id).then_some(conversation_id)
    }
}

/// The id big-endian without leading zero bytes (at least one byte), so small ids
/// make short tokens.
fn id_bytes(id: i64) -> Vec<u8> {
    let be = id.to_be_bytes();
    let skip = be.iter().take(7).take_while(|b| **b == 0).count();
    be[skip..].to_vec()
}

fn mac(secret: &[u8], id: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .expect("invariant: HMAC accepts keys of any length");
    mac.update(DOMAIN);
    mac.update(id);
    mac
}

/// The plus address for a token: `support@acme.test` → `support+TOKEN@acme.test`.
/// An address that already has a `+tag` keeps its base: `a+x@d` → `a+TOKEN@d`.
pub fn plus_address(inbox_address: &str, token: &str) -> String {
    match inbox_address.rsplit_once('@') {
        Some((local, domain)) => {
            let base = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{base}+{token}@{domain}")
        }
        None => format!("{inbox_address}+{token}"),
    }
}

/// The token of a plus address (`support+TOKEN@acme.test` → `TOKEN`), if any.
pub fn token_from_address(address: &str) -> Option<&str> {
    let (local, _domain) = address.rsplit_once('@')?;
    let (_, token) = local.split_once('+')?;
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn signed_tokens_verify_to_their_id() {
        for id in [0, 1, 255, 256, 42_424_242, i64::MAX, -1] {
            let token = ReplyToken::sign(SECRET, id);
            assert!(token.len() <= 29, "{token}");
            assert!(token
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)));
            assert_eq!(ReplyToken::verify(SECRET, &token), Some(id), "{id}");
            assert_eq!(ReplyToken::verify(SECRET, &token.to_uppercase()), Some(id));
        }
    }

    #[test]
    fn tampered_tokens_are_rejected() {
        let token = ReplyToken::sign(SECRET, 1234);
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert_eq!(ReplyToken::verify(SECRET, &tampered), None, "{tampered}");
        }
        assert_eq!(ReplyToken::verify(SECRET, &token[..token.len() - 1]), None);
        assert_eq!(ReplyToken::verify(SECRET, ""), None);
        assert_eq!(ReplyToken::verify(SECRET, "not-base32!"), None);
        assert_eq!(ReplyToken::verify(SECRET, &"0".repeat(500)), None);
    }

    #[test]
    fn tokens_from_another_secret_are_rejected() {
        let token = ReplyToken::sign(b"other secret", 1234);
        assert_eq!(ReplyToken::verify(SECRET, &token), None);
    }

    #[test]
    fn tokens_of_one_id_do_not_open_another() {
        let a = ReplyToken::sign(SECRET, 1);
        let b = ReplyToken::sign(SECRET, 2);
        assert_ne!(a, b);
        assert_eq!(ReplyToken::verify(SECRET, &b), Some(2));
    }

    #[test]
    fn plus_addresses_round_trip() {
        let token = ReplyToken::sign(SECRET, 77);
        let address = plus_address("support@acme.test", &token);
        assert_eq!(address, format!("support+{token}@acme.test"));
        assert_eq!(token_from_address(&address), Some(token.as_str()));
        assert_eq!(plus_address("a+old@acme.test", "t"), "a+t@acme.test");
        assert_eq!(token_from_address("support@acme.test"), None);
        assert_eq!(token_from_address("support+@acme.test"), None);
        assert_eq!(token_from_address("no-at-sign"), None);
    }
}
