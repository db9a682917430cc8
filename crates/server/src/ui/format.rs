//! Pure formatting for the pages: relative and absolute times, avatar initials and
//! colours, and query strings. No I/O and no clock of its own: callers pass `now`.
//!
//! Times are formatted in UTC here because the server does not know the reader's time
//! zone; `static/app.js` re-renders every `<time data-ts>` in local time with the same
//! rules, so these strings are what a reader without JavaScript sees.

use switchboard_domain::Millis;
use time::OffsetDateTime;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// How many avatar colours the stylesheet defines (`.tone-0` … `.tone-7`).
pub const TONES: u8 = 8;

fn datetime(ms: Millis) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

fn month_name(t: &OffsetDateTime) -> &'static str {
    MONTHS[usize::from(u8::from(t.month())).saturating_sub(1) % 12]
}

/// The short age of a list row: `now`, `3m`, `2h`, `Yesterday`, `Nov 3`, or
/// `Nov 3, 2024` for another year. A time in the future (clock skew) reads `now`.
pub fn relative_time(ts: Millis, now: Millis) -> String {
    let age = now.saturating_sub(ts);
    if age < MINUTE {
        return "now".to_owned();
    }
    if age < HOUR {
        return format!("{}m", age / MINUTE);
    }
    if age < DAY {
        return format!("{}h", age / HOUR);
    }
    let (Some(t), Some(n)) = (datetime(ts), datetime(now)) else {
        return String::new();
    };
    if n.date().previous_day() == Some(t.date()) {
        return "Yesterday".to_owned();
    }
    if t.year() == n.year() {
        format!("{} {}", month_name(&t), t.day())
    } else {
        format!("{} {}, {}", month_name(&t), t.day(), t.year())
    }
}

/// The time of a timeline entry: `10:42` today, `Yesterday 10:42`, `Nov 3, 10:42`,
/// or `Nov 3, 2024, 10:42` for another year.
pub fn clock_time(ts: Millis, now: Millis) -> String {
    let (Some(t), Some(n)) = (datetime(ts), datetime(now)) else {
        return String::new();
    };
    let hm = format!("{:02}:{:02}", t.hour(), t.minute());
    if t.date() == n.date() {
        hm
    } else if n.date().previous_day() == Some(t.date()) {
        format!("Yesterday {hm}")
    } else if t.year() == n.year() {
        format!("{} {}, {hm}", month_name(&t), t.day())
    } else {
        format!("{} {}, {}, {hm}", month_name(&t), t.day(), t.year())
    }
}

/// The full time for tooltips and the contact panel: `Mon, Nov 3, 2025, 10:42 UTC`.
pub fn full_time(ts: Millis) -> String {
    let Some(t) = datetime(ts) else {
        return String::new();
    };
    format!(
        "{}, {} {}, {}, {:02}:{:02} UTC",
        WEEKDAYS[usize::from(t.weekday().number_days_from_monday()) % 7],
        month_name(&t),
        t.day(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The `datetime` attribute of a `<time>`: `2025-11-03T10:42:05Z`.
pub fn iso_time(ts: Millis) -> String {
    let Some(t) = datetime(ts) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One or two capital letters for an avatar: first and last word of a name (`Tier 2`
/// is `T2`), or of an email's local part (`hana.sato@…` is `HS`); `#` for a phone
/// number, `?` for anything else without a letter.
pub fn initials(label: &str) -> String {
    if !label.chars().any(char::is_alphabetic) {
        let digits = label.chars().any(|c| c.is_ascii_digit());
        return if digits { "#" } else { "?" }.to_owned();
    }
    let base = label.split('@').next().unwrap_or(label);
    let words: Vec<&str> = base
        .split(|c: char| c.is_whitespace() || matches!(c, '.' | '_' | '-' | '+'))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let first_char = |w: &str| -> String {
        w.chars()
            .find(|c| c.is_alphanumeric())
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default()
    };
    match words.as_slice() {
        [] => "?".to_owned(),
        [one] => first_char(one),
        [first, .., last] => first_char(first) + &first_char(last),
    }
}

/// A stable avatar colour (`0..TONES`) for an id. Fibonacci hashing keeps neighbouring
/// ids (a burst of new contacts) on different colours.
pub fn tone(id: i64) -> u8 {
    let spread = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // The top three bits: TONES is 8.
    (spread >> 61) as u8
}

/// `?k=v&…` from the pairs whose value is not empty, percent-encoded; `""` when none.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (key, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if out.is_empty() { '?' } else { '&' });
        encode_component(key, &mut out);
        out.push('=');
        encode_component(value, &mut out);
    }
    out
}

fn encode_component(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

/// A percent-encoded path segment (an attachment id in a download link).
pub fn path_segment(text: &str) -> String {
    let mut out = String::new();
    encode_component(text, &mut out);
    out
}

/// A file size as people read it: `512 B`, `12 KB`, `3.4 MB` (powers of 1024, one
/// decimal below ten).
pub fn file_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        let text = format!("{value:.1}");
        let text = text.strip_suffix(".0").unwrap_or(&text);
        format!("{text} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A search query cut to the 200 bytes the list accepts, on a character boundary and
/// trimmed, so a long paste narrows the list instead of failing the page.
pub fn clamp_search(q: &str) -> String {
    let q = q.trim();
    let mut end = q.len().min(200);
    while !q.is_char_boundary(end) {
        end -= 1;
    }
    q[..end].trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-11-03 10:42:00 UTC, a Monday.
    const NOW: Millis = 1_762_166_520_000;

    #[test]
    fn relative_time_shortens_with_age() {
        assert_eq!(relative_time(NOW - 20_000, NOW), "now");
        assert_eq!(relative_time(NOW + 90_000, NOW), "now");
        assert_eq!(relative_time(NOW - 3 * MINUTE, NOW), "3m");
        assert_eq!(relative_time(NOW - 59 * MINUTE, NOW), "59m");
        assert_eq!(relative_time(NOW - 2 * HOUR - 5 * MINUTE, NOW), "2h");
        assert_eq!(relative_time(NOW - 23 * HOUR, NOW), "23h");
        assert_eq!(relative_time(NOW - 25 * HOUR, NOW), "Yesterday");
        assert_eq!(relative_time(NOW - 3 * DAY, NOW), "Oct 31");
        assert_eq!(relative_time(NOW - 400 * DAY, NOW), "Sep 29, 2024");
    }

    #[test]
    fn clock_time_adds_the_date_when_not_today() {
        assert_eq!(clock_time(NOW, NOW), "10:42");
        assert_eq!(clock_time(NOW - 10 * HOUR - 40 * MINUTE, NOW), "00:02");
        assert_eq!(clock_time(NOW - 11 * HOUR, NOW), "Yesterday 23:42");
        assert_eq!(clock_time(NOW - 3 * DAY, NOW), "Oct 31, 10:42");
        assert_eq!(clock_time(NOW - 400 * DAY, NOW), "Sep 29, 2024, 10:42");
    }

    #[test]
    fn full_and_iso_times_name_the_instant() {
        assert_eq!(full_time(NOW), "Mon, Nov 3, 2025, 10:42 UTC");
        assert_eq!(iso_time(NOW + 5_000), "2025-11-03T10:42:05Z");
        assert_eq!(iso_time(i64::MAX), "");
    }

    #[test]
    fn initials_come_from_names_emails_and_phones() {
        assert_eq!(initials("Ana Lima"), "AL");
        assert_eq!(initials("Liam O'Connor"), "LO");
        assert_eq!(initials("Lucía García"), "LG");
        assert_eq!(initials("Mary Ann de la Cruz"), "MC");
        assert_eq!(initials("ana"), "A");
        assert_eq!(initials("hana.sato@example.com"), "HS");
        assert_eq!(initials("+1 555 0102"), "#");
        assert_eq!(initials(""), "?");
        assert_eq!(initials("  Ünal  "), "Ü");
        assert_eq!(initials("Tier 2"), "T2");
        assert_eq!(initials("@@@"), "?");
    }

    #[test]
    fn tones_are_stable_in_range_and_differ_for_neighbours() {
        for id in -50..500 {
            assert!(tone(id) < TONES);
            assert_eq!(tone(id), tone(id));
            assert_ne!(tone(id), tone(id + 1), "ids {id} and {}", id + 1);
        }
    }

    #[test]
    fn query_skips_empty_values_and_encodes() {
        assert_eq!(query(&[]), "");
        assert_eq!(query(&[("view", ""), ("q", "")]), "");
        assert_eq!(
            query(&[("view", "mine"), ("q", "refund & more/ü"), ("c", "7")]),
            "?view=mine&q=refund%20%26%20more%2F%C3%BC&c=7"
        );
    }

    #[test]
    fn file_sizes_read_like_a_file_manager() {
        assert_eq!(file_size(0), "0 B");
        assert_eq!(file_size(1023), "1023 B");
        assert_eq!(file_size(1024), "1 KB");
        assert_eq!(file_size(1536), "1.5 KB");
        assert_eq!(file_size(12 * 1024 + 100), "12 KB");
        assert_eq!(file_size(3_565_158), "3.4 MB");
        assert_eq!(file_size(5 * 1024 * 1024 * 1024), "5 GB");
        assert_eq!(file_size(u64::MAX), "16777216 TB");
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("42"), "42");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn long_searches_are_cut_on_a_character_boundary() {
        assert_eq!(clamp_search("  refund "), "refund");
        let long = "é".repeat(150);
        let cut = clamp_search(&long);
        assert!(cut.len() <= 200 && cut.chars().all(|c| c == 'é'));
        assert_eq!(cut.chars().count(), 100);
    }
}
