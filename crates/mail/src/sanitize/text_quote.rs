//! Finding the quoted history at the end of a plain-text reply.

/// Attribution line endings in the languages our customers write in most, compared
/// lower-cased: "On Tue, Ana wrote:", "Am Di. schrieb Ana:", "Le mar., Ana a écrit :".
const ATTRIBUTION_ENDINGS: &[&str] = &[
    "wrote:",
    "writes:",
    "schrieb:",
    "a écrit :",
    "a écrit:",
    "escribió:",
    "scrisse:",
    "escreveu:",
    "schreef:",
];

/// Outlook-style separators after which everything is the previous message.
const SEPARATORS: &[&str] = &["-----original message-----", "----- original message -----"];

/// Splits a plain-text body into what is new and its trailing quoted history.
///
/// The quoted part is the trailing block of lines starting with `>` (blank lines may
/// be mixed in), together with the attribution line (or two wrapped lines) right
/// above it ending in "wrote:" or its translation; or everything from an Outlook
/// `-----Original Message-----` line. Quotes interleaved with new text are left in
/// the new part. The new part is returned with trailing whitespace trimmed; when it
/// would be empty (the whole body is a quote) nothing is split off.
pub fn split_quoted_text(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = separator_start(&lines).or_else(|| quote_block_start(&lines)) else {
        return (text.to_owned(), None);
    };
    let new = lines[..start].join("\n").trim_end().to_owned();
    if new.trim().is_empty() {
        return (text.to_owned(), None);
    }
    let quoted = lines[start..].join("\n").trim().to_owned();
    (new, Some(quoted))
}

fn separator_start(lines: &[&str]) -> Option<usize> {
    lines.iter().position(|line| {
        let l = line.trim().to_lowercase();
        SEPARATORS.contains(&l.as_str())
    })
}

/// The first line of the trailing `>` block (with its attribution), if the text ends
/// in one.
fn quote_block_start(lines: &[&str]) -> Option<usize> {
    let is_quote = |l: &str| l.trim_start().starts_with('>');
    let mut start = lines.len();
    let mut any_quote = false;
    while start > 0 {
        let line = lines[start - 1];
        if is_quote(line) {
            any_quote = true;
        } else if !line.trim().is_empty() {
            break;
        }
        start -= 1;
    }
    if !any_quote {
        return None;
    }
    // Skip the blank lines between the new text and the block, then look for the
    // attribution, which mail clients sometimes wrap over two lines.
    let mut above = start;
    while above > 0 && lines[above - 1].trim().is_empty() {
        above -= 1;
    }
    if above > 0 && is_attribution(lines[above - 1]) {
        let wrapped = above > 1
            && starts_attribution(lines[above - 2])
            && !starts_attribution(lines[above - 1]);
        return Some(if wrapped { above - 2 } else { above - 1 });
    }
    if above > 1 && is_attribution(&format!("{} {}", lines[above - 2], lines[above - 1])) {
        return Some(above - 2);
    }
    // Without an attribution, the block starts at its first quoted line.
    (start..lines.len()).find(|&i| is_quote(lines[i]))
}

/// Whether a line opens an attribution ("On …", "Am …", "Le …"), to tell a wrapped
/// attribution's first half from ordinary text.
fn starts_attribution(line: &str) -> bool {
    let l = line.trim_start().to_lowercase();
    ["on ", "am ", "le ", "el ", "il ", "em ", "op "]
        .iter()
        .any(|p| l.starts_with(p))
}

fn is_attribution(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    l.len() < 400 && ATTRIBUTION_ENDINGS.iter().any(|e| l.ends_with(e))
}
