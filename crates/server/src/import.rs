//! `switchboard import-eml`: migrates an existing mailbox (a directory of `.eml` files
//! and mbox files, or one such file) into an inbox, through the same path as mail
//! received by SMTP ([`App::import_mail`], dated by each mail's `Date`), so messages are threaded by
//! In-Reply-To/References against the Message-IDs already stored, and their
//! attachments land in the data directory the server reads.
//!
//! The run is safe to repeat: a Message-ID already stored is skipped, so an import that
//! stopped (a database error, Ctrl-C) continues where it was by running it again.
//! Messages go in oldest first (see [`source`]) so replies find their parents. A
//! message the mail path refuses (no From address, say) is reported and passed over;
//! it does not fail the run. A transient failure (the database, the disk) is retried
//! a few times, then stops the run with an error.
//!
//! The file reads are blocking and done on the runtime's thread: the command runs
//! nothing else at the same time, and each read is one message.

pub mod source;

use crate::app::{App, ReceiveOutcome};
use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use source::{read_message, Found, Location};
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};
use switchboard_domain::InboxId;
use switchboard_mail::smtp_server::DeliverError;
use switchboard_store::StoreError;

/// How often one message is tried when the failure may pass (the first try included).
const ATTEMPTS: u32 = 4;
/// The wait before the first retry; it doubles for each next one.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Without a terminal, a progress line every this often ...
const LOG_EVERY: Duration = Duration::from_secs(5);
/// ... or every this many messages, whichever comes first.
const LOG_EVERY_MESSAGES: u64 = 1000;

/// What an import did, printed at its end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages found and tried.
    pub read: u64,
    /// Imported, opening a conversation.
    pub new_conversations: u64,
    /// Imported into a conversation already there (a reply threaded).
    pub threaded: u64,
    /// Their Message-ID was stored before: nothing written.
    pub already_present: u64,
    /// Refused by the mail path or unreadable: reported, not imported.
    pub refused: u64,
    /// Files neither `.eml` nor mbox.
    pub skipped_files: u64,
    pub elapsed: Duration,
}

impl Summary {
    pub fn imported(&self) -> u64 {
        self.new_conversations + self.threaded
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.read as f64 / secs
        } else {
            0.0
        };
        writeln!(
            f,
            "Read {} messages in {secs:.1} s ({rate:.0} messages/s)",
            self.read
        )?;
        writeln!(
            f,
            "  imported:        {} ({} new conversations, {} replies threaded)",
            self.imported(),
            self.new_conversations,
            self.threaded
        )?;
        writeln!(f, "  already present: {}", self.already_present)?;
        writeln!(f, "  refused:         {}", self.refused)?;
        write!(
            f,
            "  files skipped:   {} (neither .eml nor mbox)",
            self.skipped_files
        )
    }
}

/// Imports every message under `path` into `inbox` and prints the summary; fails
/// (after printing the summary so far) when a message kept failing transiently.
/// Checks the inbox and the path before reading any message.
pub async fn run(app: &App, path: &Path, inbox: InboxId) -> anyhow::Result<Summary> {
    match app.store.inbox_account(inbox).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => bail!("no inbox {inbox}"),
        Err(e) => return Err(e).context("looking up the inbox"),
    }
    if !path.exists() {
        bail!("{}: no such file or directory", path.display());
    }
    let found = scan(path).await?;
    let mut summary = Summary {
        skipped_files: found.skipped_files.len() as u64,
        ..Summary::default()
    };
    let started = Instant::now();
    let mut progress = Progress::new(found.messages.len() as u64);
    let mut failure = None;
    for message in &found.messages {
        summary.read += 1;
        match import_one(app, &message.location, inbox, &progress).await {
            Ok(Imported::New) => summary.new_conversations += 1,
            Ok(Imported::Threaded) => summary.threaded += 1,
            Ok(Imported::AlreadyPresent) => summary.already_present += 1,
            Ok(Imported::Refused(reason)) => {
                summary.refused += 1;
                progress.note(&format!("refused {}: {reason}", message.location));
            }
            Err(reason) => {
                failure = Some(format!("{}: {reason}", message.location));
                break;
            }
        }
        progress.advance();
    }
    progress.finish();
    summary.elapsed = started.elapsed();
    println!("{summary}");
    if let Some(failure) = failure {
        bail!(
            "stopped at {failure} (tried {ATTEMPTS} times). What was imported is kept: run \
             the same command again to continue, messages already stored are skipped"
        );
    }
    Ok(summary)
}

/// The quick first pass that finds and dates every message, so the progress bar has
/// a length and its ETA means something.
async fn scan(path: &Path) -> anyhow::Result<Found> {
    let spinner = ProgressBar::new_spinner().with_message(format!("scanning {}", path.display()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let owned = path.to_owned();
    let found = tokio::task::spawn_blocking(move || source::find(&owned))
        .await
        .context("scanning")?
        .with_context(|| format!("reading {}", path.display()))?;
    spinner.finish_and_clear();
    Ok(found)
}

enum Imported {
    New,
    Threaded,
    AlreadyPresent,
    Refused(String),
}

/// Reads and files one message, retrying a transient failure with a doubling backoff;
/// `Err` with the last reason once the tries are used up.
async fn import_one(
    app: &App,
    location: &Location,
    inbox: InboxId,
    progress: &Progress,
) -> Result<Imported, String> {
    let raw = match read_message(location) {
        Ok(raw) => raw,
        // Nothing to retry: the file is what it is.
        Err(e) => return Ok(Imported::Refused(e.to_string())),
    };
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        match app.import_mail(&raw, inbox).await {
            Ok(ReceiveOutcome::Stored { created: true, .. }) => return Ok(Imported::New),
            Ok(ReceiveOutcome::Stored { created: false, .. }) => return Ok(Imported::Threaded),
            Ok(ReceiveOutcome::Duplicate { .. }) => return Ok(Imported::AlreadyPresent),
            Err(DeliverError::Permanent(reason)) => return Ok(Imported::Refused(reason)),
            Err(DeliverError::Transient(reason)) if attempt == ATTEMPTS => return Err(reason),
            Err(DeliverError::Transient(reason)) => {
                progress.note(&format!(
                    "{location}: {reason}; trying again in {} ms",
                    backoff.as_millis()
                ));
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }
    Err("no attempt was made".into())
}

/// The progress bar on a terminal; without one (indicatif then hides the bar), a
/// plain line now and then, so a log still shows how far the import is.
struct Progress {
    bar: ProgressBar,
    started: Instant,
    last_line: Instant,
    /// Messages done since the last line.
    since_line: u64,
    done: u64,
    total: u64,
}

impl Progress {
    fn new(total: u64) -> Self {
        let style = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} messages  {rate}  elapsed {elapsed}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        // indicatif's own `{per_sec}` prints every decimal of the rate.
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn fmt::Write| {
                let _ = write!(w, "{:.0} messages/s", state.per_sec());
            },
        );
        let now = Instant::now();
        Progress {
            bar: ProgressBar::new(total).with_style(style),
            started: now,
            last_line: now,
            since_line: 0,
            done: 0,
            total,
        }
    }

    /// Prints a line above the bar (or on its own without a terminal).
    fn note(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    fn advance(&mut self) {
        self.done += 1;
        self.since_line += 1;
        self.bar.inc(1);
        if !self.bar.is_hidden() {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last_line) >= LOG_EVERY || self.since_line >= LOG_EVERY_MESSAGES
        {
            self.last_line = now;
            self.since_line = 0;
            eprintln!("{}", self.line(now));
        }
    }

    /// `1200/50000 messages, 350 messages/s, ETA 2m19s`.
    fn line(&self, now: Instant) -> String {
        let secs = now.duration_since(self.started).as_secs_f64();
        let rate = if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        };
        let eta = if rate > 0.0 {
            let left = self.total.saturating_sub(self.done) as f64 / rate;
            format!(
                "{}",
                indicatif::HumanDuration(Duration::from_secs_f64(left))
            )
        } else {
            "unknown".to_owned()
        };
        format!(
            "{}/{} messages, {rate:.0} messages/s, ETA {eta}",
            self.done, self.total
        )
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_every_count() {
        let summary = Summary {
            read: 7,
            new_conversations: 3,
            threaded: 2,
            already_present: 1,
            refused: 1,
            skipped_files: 2,
            elapsed: Duration::from_secs(2),
        };
        let text = summary.to_string();
        assert!(text.contains("Read 7 messages in 2.0 s (4 messages/s)"));
        assert!(text.contains("imported:        5 (3 new conversations, 2 replies threaded)"));
        assert!(text.contains("already present: 1"));
        assert!(text.contains("refused:         1"));
        assert!(text.contains("files skipped:   2"));
    }
}
