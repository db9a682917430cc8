//! Inline SVG icons for the channels, as constant markup. With a comment's
//! server-sanitized HTML (see [`super::comment`]), these strings are the only thing
//! the templates print unescaped (`|safe`): they are compiled in, never built from
//! user data.

use switchboard_domain::Channel;

/// Wraps path data in the common 24×24 stroked icon frame.
macro_rules! icon {
    ($paths:literal) => {
        concat!(
            r#"<svg class="icon" viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">"#,
            $paths,
            "</svg>"
        )
    };
}

const EMAIL: &str =
    icon!(r#"<rect x="3" y="5" width="18" height="14" rx="2.5"/><path d="m3.5 7 8.5 6 8.5-6"/>"#);
const CHAT: &str = icon!(
    r#"<path d="M5 4.5h14a1.5 1.5 0 0 1 1.5 1.5v9a1.5 1.5 0 0 1-1.5 1.5h-9l-4.5 3.5v-14A1.5 1.5 0 0 1 5 4.5z"/><path d="M8.5 9.5h7M8.5 12.5h4"/>"#
);
const WHATSAPP: &str = icon!(
    r#"<path d="M3.5 20.5 4.9 16.6A8.5 8.5 0 1 1 7.6 19.2z"/><path d="M9.2 8.2c-.4 2.8 2.4 6.4 5.6 6.6l1.2-1.5-2-1.1-.9.8a4 4 0 0 1-2.1-2.1l.8-.9-1.1-2z"/>"#
);
const MESSENGER: &str = icon!(
    r#"<path d="M12 3.2c-5 0-8.8 3.6-8.8 8.2 0 2.5 1.2 4.8 3.1 6.3v3.1l2.9-1.6c.9.3 1.8.4 2.8.4 5 0 8.8-3.6 8.8-8.2S17 3.2 12 3.2z"/><path d="m7.6 13.8 3.1-3.3 2 2 3.7-2.9-3.1 3.3-2-2z"/>"#
);
const API: &str = icon!(
    r#"<path d="M8.5 4.5c-1.8 0-2.7.9-2.7 2.6v2.2c0 1.3-.8 2.2-2.3 2.7 1.5.5 2.3 1.4 2.3 2.7v2.2c0 1.7.9 2.6 2.7 2.6M15.5 4.5c1.8 0 2.7.9 2.7 2.6v2.2c0 1.3.8 2.2 2.3 2.7-1.5.5-2.3 1.4-2.3 2.7v2.2c0 1.7-.9 2.6-2.7 2.6"/>"#
);

/// The icon of a channel (trusted markup).
pub fn channel_icon(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => EMAIL,
        Channel::Chat => CHAT,
        Channel::Whatsapp => WHATSAPP,
        Channel::Messenger => MESSENGER,
        Channel::Api => API,
    }
}

/// The channel's name as people write it.
pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "Email",
        Channel::Chat => "Chat",
        Channel::Whatsapp => "WhatsApp",
        Channel::Messenger => "Messenger",
        Channel::Api => "API",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_a_distinct_well_formed_icon() {
        let icons: Vec<&str> = Channel::ALL.iter().map(|c| channel_icon(*c)).collect();
        for (i, svg) in icons.iter().enumerate() {
            assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
            assert!(svg.contains(r#"aria-hidden="true""#));
            assert!(!icons[..i].contains(svg));
        }
    }
}
