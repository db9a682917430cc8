//! Where the messages of an import come from: walks a directory (or takes one file),
//! finds each message of its `.eml` and `.mbox` files, reads their Date headers, and
//! orders them oldest first; later reads one message's bytes back on demand.
//!
//! Ordering by date is what lets a reply thread onto its parent, since threading looks
//! In-Reply-To/References up among Message-IDs already stored. To order a large mbox
//! without holding its bodies in memory, the scan keeps only each message's place
//! (file, byte offset, length) and date, and [`read_message`] reads it again at import
//! time. Messages are split at lines that start with `From `, the very rule of
//! mail-parser's mbox reader, which then reads each message's range, so the two agree
//! on boundaries and `>From ` unquoting stays mail-parser's.
//!
//! Nothing here parses a whole message or talks to the store.

use mail_parser::mailbox::mbox::MessageIterator;
use mail_parser::MessageParser;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use switchboard_mail::parse::MAX_RAW_BYTES;

/// The most header bytes kept per message to find its Date; a header section larger
/// than this is not real mail, and its message then sorts as undated.
const MAX_HEADER_BYTES: usize = 256 * 1024;

/// Where one message lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A whole `.eml` file.
    Eml(PathBuf),
    /// The `index`-th message (from 0) of an mbox file: `len` bytes at `offset`,
    /// its `From ` separator line included.
    Mbox {
        path: PathBuf,
        index: usize,
        offset: u64,
        len: u64,
    },
}

impl std::fmt::Display for Location {
    /// A file, or an mbox file and the message's number in it (from 1), as a person
    /// would look for it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Eml(path) => write!(f, "{}", path.display()),
            Location::Mbox { path, index, .. } => {
                write!(f, "{} message #{}", path.display(), index + 1)
            }
        }
    }
}

/// One message to import and its Date (seconds since the epoch), if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub location: Location,
    pub date: Option<i64>,
}

/// The messages found under a path, in import order, and the files passed over.
#[derive(Debug, Default)]
pub struct Found {
    pub messages: Vec<Source>,
    /// Files that are neither `.eml` nor mbox (counted in the summary, not read).
    pub skipped_files: Vec<PathBuf>,
}

/// What kind of file a path is for the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eml,
    Mbox,
}

/// `.eml` files hold one message; `.mbox` files and files named `mbox` (as some
/// exporters write them) hold many.
fn kind_of(path: &Path) -> Option<Kind> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("eml") => Some(Kind::Eml),
        Some("mbox") => Some(Kind::Mbox),
        _ if path.file_name().and_then(|n| n.to_str()) == Some("mbox") => Some(Kind::Mbox),
        _ => None,
    }
}

/// Finds every message under `path` and orders them for import: oldest Date first;
/// messages without a (valid) Date last, in path order. Ties keep path order
/// (directory entries sorted by path, then position in an mbox), so two runs over the
/// same files import in the same order.
///
/// A directory is walked recursively (symbolic links to directories are not followed,
/// so a link loop cannot trap the walk). A single file given directly is taken as an
/// mbox when its name says so or it starts with `From `, else as one message: mail
/// clients store mbox folders without any extension (`Inbox`).
pub fn find(path: &Path) -> io::Result<Found> {
    let meta = std::fs::metadata(path)?;
    let mut found = Found::default();
    if meta.is_dir() {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files.sort();
        for file in files {
            match kind_of(&file) {
                Some(kind) => scan(&file, kind, &mut found.messages)?,
                None => found.skipped_files.push(file),
            }
        }
    } else {
        let kind = match kind_of(path) {
            Some(kind) => kind,
            None if starts_with_from_line(path)? => Kind::Mbox,
            None => Kind::Eml,
        };
        scan(path, kind, &mut found.messages)?;
    }
    // A stable sort: equal keys keep their path order.
    found
        .messages
        .sort_by_key(|m| (m.date.is_none(), m.date.unwrap_or(0)));
    Ok(found)
}

/// Collects the regular files under `dir` (and links to files), in no order.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            files.push(path);
        }
    }
    Ok(())
}

fn starts_with_from_line(path: &Path) -> io::Result<bool> {
    let mut start = [0u8; 5];
    let mut file = File::open(path)?;
    let mut read = 0;
    while read < start.len() {
        match file.read(&mut start[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(&start[..read] == b"From ")
}

fn scan(path: &Path, kind: Kind, out: &mut Vec<Source>) -> io::Result<()> {
    let reader = BufReader::new(File::open(path)?);
    match kind {
        Kind::Eml => {
            let mut headers = Headers::default();
            for_each_line(reader, |line, _| {
                headers.push(line);
                !headers.done
            })?;
            out.push(Source {
                location: Location::Eml(path.to_owned()),
                date: headers.date(),
            });
        }
        Kind::Mbox => scan_mbox(path, reader, out)?,
    }
    Ok(())
}

/// Finds the messages of an mbox: each starts at a line beginning with `From `;
/// anything before the first such line belongs to no message (as for mail-parser).
fn scan_mbox(path: &Path, reader: impl BufRead, out: &mut Vec<Source>) -> io::Result<()> {
    // The open message: its offset and headers so far.
    let mut open: Option<(u64, Headers)> = None;
    let mut index = 0;
    let mut close = |open: Option<(u64, Headers)>, end: u64, out: &mut Vec<Source>| {
        if let Some((offset, headers)) = open {
            out.push(Source {
                location: Location::Mbox {
                    path: path.to_owned(),
                    index,
                    offset,
                    len: end - offset,
                },
                date: headers.date(),
            });
            index += 1;
        }
    };
    let end = for_each_line(reader, |line, offset| {
        if line.starts_with(b"From ") {
            close(open.take(), offset, out);
            open = Some((offset, Headers::default()));
        } else if let Some((_, headers)) = &mut open {
            headers.push(line);
        }
        true
    })?;
    close(open, end, out);
    Ok(())
}

/// Calls `f` with each line (its `\n` included) and the line's byte offset until `f`
/// returns false; returns the offset after the last line read.
fn for_each_line(
    mut reader: impl BufRead,
    mut f: impl FnMut(&[u8], u64) -> bool,
) -> io::Result<u64> {
    let mut line = Vec::with_capacity(128);
    let mut offset = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(offset);
        }
        let more = f(&line, offset);
        offset += n as u64;
        if !more {
            return Ok(offset);
        }
    }
}

/// The header section of one message, gathered line by line up to its blank line.
#[derive(Default)]
struct Headers {
    bytes: Vec<u8>,
    done: bool,
}

impl Headers {
    fn push(&mut self, line: &[u8]) {
        if self.done {
            return;
        }
        if line == b"\n" || line == b"\r\n" || self.bytes.len() + line.len() > MAX_HEADER_BYTES {
            self.done = true;
        } else {
            self.bytes.extend_from_slice(line);
        }
    }

    /// The Date header as seconds since the epoch, when there is a valid one.
    fn date(&self) -> Option<i64> {
        let mut bytes = self.bytes.clone();
        // mail-parser wants the end of the header section to see the last header.
        bytes.extend_from_slice(b"\r\n");
        let message = MessageParser::new().parse_headers(&bytes)?;
        let date = message.date()?;
        date.is_valid().then(|| date.to_timestamp())
    }
}

/// Why one message cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("larger than the {} MiB a mail may be", MAX_RAW_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("the mbox changed since it was scanned")]
    Changed,
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The raw bytes of one message, read again from its file; refuses one too large for
/// the mail parser before reading it.
pub fn read_message(location: &Location) -> Result<Vec<u8>, ReadError> {
    match location {
        Location::Eml(path) => {
            let file = File::open(path)?;
            if file.metadata()?.len() > MAX_RAW_BYTES as u64 {
                return Err(ReadError::TooLarge);
            }
            let mut bytes = Vec::new();
            file.take(MAX_RAW_BYTES as u64 + 1)
                .read_to_end(&mut bytes)?;
            Ok(bytes)
        }
        Location::Mbox {
            path, offset, len, ..
        } => {
            // The `From ` line is part of the range, and not of the message.
            if *len > MAX_RAW_BYTES as u64 + 1024 {
                return Err(ReadError::TooLarge);
            }
            let mut file = File::open(path)?;
            file.seek(SeekFrom::Start(*offset))?;
            let range = BufReader::new(file.take(*len));
            match MessageIterator::new(range).next() {
                Some(Ok(message)) => Ok(message.unwrap_contents()),
                Some(Err(e)) => Err(e.into()),
                None => Err(ReadError::Changed),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(id: &str, date: &str, body: &str) -> String {
        format!(
            "From: a@example.test\r\nMessage-ID: <{id}>\r\nDate: {date}\r\nSubject: {id}\r\n\r\n{body}\r\n"
        )
    }

    fn mbox_of(mails: &[String]) -> String {
        mails
            .iter()
            .map(|m| format!("From a@example.test Mon Jan  1 00:00:00 2024\n{m}\n"))
            .collect()
    }

    #[test]
    fn messages_are_ordered_oldest_first_and_undated_last_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(
            root.join("b.eml"),
            mail("b", "Tue, 2 Jan 2024 10:00:00 +0000", "b"),
        )
        .unwrap();
        std::fs::write(
            root.join("a.eml"),
            "From: a@example.test\r\n\r\nundated\r\n",
        )
        .unwrap();
        std::fs::write(
            root.join("z.EML"),
            "From: a@example.test\r\n\r\nundated too\r\n",
        )
        .unwrap();
        std::fs::write(root.join("notes.txt"), "not mail").unwrap();
        std::fs::write(
            root.join("sub").join("mbox"),
            mbox_of(&[
                mail("m0", "Wed, 3 Jan 2024 10:00:00 +0000", "m0"),
                // An hour before b.eml once its zone is applied.
                mail("m1", "Tue, 2 Jan 2024 10:30:00 +0100", "m1"),
            ]),
        )
        .unwrap();

        let found = find(root).unwrap();
        let order: Vec<String> = found
            .messages
            .iter()
            .map(|m| match &m.location {
                Location::Eml(p) => p.file_name().unwrap().to_string_lossy().into_owned(),
                Location::Mbox { index, .. } => format!("mbox#{index}"),
            })
            .collect();
        assert_eq!(order, ["mbox#1", "b.eml", "mbox#0", "a.eml", "z.EML"]);
        assert_eq!(found.skipped_files, [root.join("notes.txt")]);
        // Run twice, same order.
        assert_eq!(find(root).unwrap().messages, found.messages);
    }

    #[test]
    fn mbox_ranges_read_back_as_mail_parser_splits_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("archive.mbox");
        let text = format!(
            "preamble that belongs to no message\n{}",
            mbox_of(&[
                mail("x", "Mon, 1 Jan 2024 00:00:00 +0000", "one"),
                mail(
                    "y",
                    "bad date",
                    "two\n>From the start, an escaped line\nend"
                ),
                mail("z", "Mon, 1 Jan 2024 00:00:00 +0000", "three"),
            ])
        );
        std::fs::write(&path, &text).unwrap();

        let whole: Vec<Vec<u8>> = MessageIterator::new(text.as_bytes())
            .map(|m| m.unwrap().unwrap_contents())
            .collect();
        let found = find(&path).unwrap();
        let mut by_index = found.messages.clone();
        by_index.sort_by_key(|m| match m.location {
            Location::Mbox { index, .. } => index,
            Location::Eml(_) => usize::MAX,
        });
        let read: Vec<Vec<u8>> = by_index
            .iter()
            .map(|m| read_message(&m.location).unwrap())
            .collect();
        assert_eq!(read, whole);
        assert!(String::from_utf8_lossy(&read[1]).contains("\nFrom the start"));
        assert_eq!(by_index[1].date, None, "an invalid Date sorts as undated");
        assert_eq!(by_index[0].date, Some(1_704_067_200));
    }

    #[test]
    fn a_single_file_without_extension_is_an_mbox_when_it_starts_with_a_from_line() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("Inbox");
        std::fs::write(
            &inbox,
            mbox_of(&[
                mail("p", "Mon, 1 Jan 2024 00:00:00 +0000", "p"),
                mail("q", "Mon, 1 Jan 2024 00:00:00 +0000", "q"),
            ]),
        )
        .unwrap();
        assert_eq!(find(&inbox).unwrap().messages.len(), 2);
        let single = dir.path().join("message");
        std::fs::write(&single, mail("s", "bad", "s")).unwrap();
        assert_eq!(
            find(&single).unwrap().messages[0].location,
            Location::Eml(single)
        );
        assert!(find(&dir.path().join("missing")).is_err());
    }
}
