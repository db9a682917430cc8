//! The IMAP poller: fetches new mail of every configured IMAP source
//! (`switchboard inbox imap set`) and files it into the source's inbox.
//!
//! Each poll connects, opens the folder read-only, compares its UIDVALIDITY with the
//! stored one (a different value means the UIDs were renumbered: start over from UID
//! 0, and Message-ID dedupe keeps mail filed before from appearing twice), fetches the
//! UIDs above the stored last UID in ascending order and files each with
//! [`App::receive_mail_into`]. After every mail that was filed, was a duplicate or is
//! refused for good, its UID is stored, so a restart neither misses nor repeats mail;
//! a transient failure (database, disk) ends the poll without moving past that mail,
//! which the next poll tries again. Nothing on the server is changed: no `\Seen`, no
//! deletion.
//!
//! [`ImapPoller::run`] re-reads the sources every interval, so configuration changes
//! apply without a restart, and polls each in a task of its own, so a slow or broken
//! server delays nobody else. [`ImapPoller::poll`] is one poll, for tests. Several
//! nodes may poll the same source: dedupe by Message-ID keeps that from filing twice.
//!
//! Passwords are read from their file at each connect and never logged.

use crate::app::App;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;
use switchboard_domain::InboxId;
use switchboard_mail::imap::{ImapError, ImapFolder, ImapSettings, TlsMode, FETCH_BATCH};
use switchboard_mail::parse::MAX_RAW_BYTES;
use switchboard_mail::smtp_server::DeliverError;
use switchboard_store::{ImapSource, ImapTls, StoreError};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the poller paces itself.
#[derive(Debug, Clone)]
pub struct ImapPollerConfig {
    /// Time between the starts of two polls of a source (`--imap-interval`, 60 s).
    pub interval: Duration,
    /// The longest any network step of a poll may take (60 s).
    pub timeout: Duration,
    /// How long shutdown waits for running polls to reach a mail boundary (10 s).
    pub shutdown_grace: Duration,
}

impl Default for ImapPollerConfig {
    fn default() -> Self {
        ImapPollerConfig {
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// What one poll of a source did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Mails filed as new messages.
    pub filed: usize,
    /// Mails whose Message-ID was filed before.
    pub duplicates: usize,
    /// Mails refused for good (unparseable, no From, too large); skipped.
    pub refused: usize,
    /// Why the poll stopped early, as recorded in the source's `last_error`.
    pub error: Option<String>,
}

/// Why a poll ended before the folder's end.
#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// Filing failed in a way a later try may not meet (database, disk).
    #[error("filing UID {uid}: {reason}")]
    Filing { uid: u32, reason: String },
    /// The source was changed or removed during the poll: its results belong to a
    /// configuration that is gone.
    #[error("the source changed during the poll")]
    Changed,
}

/// Polls every IMAP source of the installation.
#[derive(Clone)]
pub struct ImapPoller {
    app: App,
    config: ImapPollerConfig,
}

impl ImapPoller {
    pub fn new(app: App, config: ImapPollerConfig) -> Self {
        ImapPoller { app, config }
    }

    /// Runs until `shutdown` turns true: every interval, reads the sources and starts a
    /// poll of each that is not still polling. On shutdown, running polls stop at the
    /// next mail boundary (each mail is filed in one transaction, so none is half
    /// filed) and are abandoned after the grace period.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(
            interval_secs = self.config.interval.as_secs(),
            "IMAP poller started"
        );
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut running: HashMap<tokio::task::Id, InboxId> = HashMap::new();
        'rounds: loop {
            if *shutdown.borrow() {
                break;
            }
            match self.app.store.imap_sources().await {
                Ok(sources) => {
                    let busy: HashSet<InboxId> = running.values().copied().collect();
                    for source in sources {
                        if busy.contains(&source.inbox_id) {
                            tracing::debug!(inbox = %source.inbox_id, "still polling; skipped this round");
                            continue;
                        }
                        let inbox = source.inbox_id;
                        let poller = self.clone();
                        let stop = shutdown.clone();
                        let handle = tasks.spawn(async move {
                            poller.poll_until(&source, &stop).await;
                        });
                        running.insert(handle.id(), inbox);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read the IMAP sources"),
            }
            let next_round = tokio::time::sleep(self.config.interval);
            tokio::pin!(next_round);
            loop {
                tokio::select! {
                    _ = &mut next_round => break,
                    changed = shutdown.changed() => {
                        if changed.is_err() || *shutdown.borrow() {
                            break 'rounds;
                        }
                    }
                    Some(done) = tasks.join_next_with_id() => {
                        let id = match done {
                            Ok((id, ())) => id,
                            Err(e) => {
                                tracing::error!(error = %e, "an IMAP poll panicked");
                                e.id()
                            }
                        };
                        running.remove(&id);
                    }
                }
            }
        }
        let drained = tokio::time::timeout(self.config.shutdown_grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("IMAP polls still running at shutdown were stopped");
            tasks.abort_all();
        }
        tracing::info!("IMAP poller stopped");
    }

    /// Polls one source once and records the result on it.
    pub async fn poll(&self, source: &ImapSource) -> PollReport {
        let (_never, stop) = watch::channel(false);
        self.poll_until(source, &stop).await
    }

    /// Polls every source once, side by side (for tests and one-shot runs).
    pub async fn poll_all(&self) -> Result<Vec<(InboxId, PollReport)>, StoreError> {
        let sources = self.app.store.imap_sources().await?;
        let polls = sources
            .iter()
            .map(|source| async move { (source.inbox_id, self.poll(source).await) });
        Ok(futures::future::join_all(polls).await)
    }

    #[tracing::instrument(skip_all, fields(inbox = %source.inbox_id, host = %source.host, folder = %source.folder))]
    async fn poll_until(&self, source: &ImapSource, stop: &watch::Receiver<bool>) -> PollReport {
        let mut report = PollReport::default();
        let result = self.fetch_new(source, stop, &mut report).await;
        let error = match result {
            Ok(()) => None,
            Err(PollError::Changed) => {
                tracing::info!("the source changed during the poll; its result is dropped");
                report.error = Some(PollError::Changed.to_string());
                return report;
            }
            Err(e) => Some(e.to_string()),
        };
        match &error {
            Some(e) => tracing::warn!(
                error = %e,
                filed = report.filed,
                "IMAP poll failed; trying again next round"
            ),
            None if report.filed + report.duplicates + report.refused > 0 => tracing::info!(
                filed = report.filed,
                duplicates = report.duplicates,
                refused = report.refused,
                "IMAP poll done"
            ),
            None => tracing::debug!("IMAP poll found nothing new"),
        }
        let now = self.app.now();
        if let Err(e) = self
            .app
            .store
            .record_imap_poll(source.inbox_id, source.revision, error.as_deref(), now)
            .await
        {
            tracing::warn!(error = %e, "could not record the IMAP poll");
        }
        report.error = error;
        report
    }

    /// Files the folder's mail above the stored UID, oldest first, recording progress
    /// after each mail.
    async fn fetch_new(
        &self,
        source: &ImapSource,
        stop: &watch::Receiver<bool>,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        let store = &self.app.store;
        let mut folder = ImapFolder::open(&self.settings(source)).await?;
        let uid_validity = folder.uid_validity();
        let mut last_uid = source.last_uid;
        if source.uid_validity != Some(uid_validity) {
            if source.uid_validity.is_some() {
                tracing::warn!(
                    old = source.uid_validity,
                    new = uid_validity,
                    "UIDVALIDITY changed: reading the folder from the start (known mail is skipped by Message-ID)"
                );
            }
            last_uid = 0;
            if !store
                .record_imap_progress(source.inbox_id, source.revision, uid_validity, 0)
                .await?
            {
                return Err(PollError::Changed);
            }
        }
        let uids = folder.uids_after(last_uid).await?;
        for batch in uids.chunks(FETCH_BATCH) {
            if *stop.borrow() {
                break;
            }
            let (mails, oversized) = folder.fetch(batch, MAX_RAW_BYTES).await?;
            let mut items: Vec<(u32, Option<Vec<u8>>)> = mails
                .into_iter()
                .map(|m| (m.uid, Some(m.raw)))
                .chain(oversized.iter().map(|m| (m.uid, None)))
                .collect();
            items.sort_by_key(|(uid, _)| *uid);
            for (uid, raw) in items {
                if *stop.borrow() {
                    break;
                }
                self.file(source, uid, raw.as_deref(), report).await?;
                if !store
                    .record_imap_progress(source.inbox_id, source.revision, uid_validity, uid)
                    .await?
                {
                    return Err(PollError::Changed);
                }
            }
        }
        folder.logout().await;
        Ok(())
    }

    /// Files one fetched mail (`None`: too large to fetch). `Ok` when the mail is done
    /// with, filed or not; `Err` when it must be tried again.
    async fn file(
        &self,
        source: &ImapSource,
        uid: u32,
        raw: Option<&[u8]>,
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        let Some(raw) = raw else {
            tracing::warn!(uid, max_bytes = MAX_RAW_BYTES, "mail too large; skipped");
            report.refused += 1;
            return Ok(());
        };
        match self.app.receive_mail_into(raw, source.inbox_id).await {
            Ok(crate::app::ReceiveOutcome::Stored { .. }) => report.filed += 1,
            Ok(crate::app::ReceiveOutcome::Duplicate { .. }) => report.duplicates += 1,
            Err(DeliverError::Permanent(reason)) => {
                tracing::warn!(uid, %reason, "mail refused; skipped");
                report.refused += 1;
            }
            Err(DeliverError::Transient(reason)) => return Err(PollError::Filing { uid, reason }),
        }
        Ok(())
    }

    fn settings(&self, source: &ImapSource) -> ImapSettings {
        ImapSettings {
            host: source.host.clone(),
            port: source.port,
            tls: match source.tls {
                ImapTls::Tls => TlsMode::Tls,
                ImapTls::Starttls => TlsMode::Starttls,
                ImapTls::None => TlsMode::None,
            },
            username: source.username.clone(),
            password_file: PathBuf::from(&source.password_file),
            folder: source.folder.clone(),
            ca_file: source.ca_file.as_ref().map(PathBuf::from),
            timeout: self.config.timeout,
        }
    }
}

/// A source as `switchboard inbox imap set` gives it, before it is checked.
#[derive(Debug, Clone)]
pub struct SourceInput {
    pub inbox: InboxId,
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub username: String,
    pub password_file: PathBuf,
    pub folder: String,
    pub ca_file: Option<PathBuf>,
}

/// Why a source was not configured.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("there is no inbox with id {0}")]
    NoInbox(InboxId),
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("the port must be between 1 and 65535")]
    Port,
    #[error(transparent)]
    File(#[from] ImapError),
    #[error("{} has no absolute path: {source}", path.display())]
    Path {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// Checks a source (the inbox exists, the password file is readable and not empty,
/// the CA file holds certificates) and stores it with absolute paths, so the server
/// finds the files whatever its working directory. Nothing is stored when a check
/// fails.
pub async fn set_source(
    store: &dyn switchboard_store::Store,
    input: SourceInput,
    now: switchboard_domain::Millis,
) -> Result<ImapSource, SourceError> {
    for (what, value) in [
        ("the host", &input.host),
        ("the user", &input.username),
        ("the folder", &input.folder),
    ] {
        if value.trim().is_empty() {
            return Err(SourceError::Empty(what));
        }
    }
    if input.port == 0 {
        return Err(SourceError::Port);
    }
    match store.inbox_account(input.inbox).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(SourceError::NoInbox(input.inbox)),
        Err(e) => return Err(e.into()),
    }
    let absolute = |path: &PathBuf| {
        std::path::absolute(path).map_err(|source| SourceError::Path {
            path: path.clone(),
            source,
        })
    };
    let password_file = absolute(&input.password_file)?;
    switchboard_mail::imap::read_password(&password_file)?;
    let ca_file = input.ca_file.as_ref().map(absolute).transpose()?;
    if let Some(path) = &ca_file {
        switchboard_mail::imap::check_ca_file(path)?;
    }
    let new = switchboard_store::NewImapSource {
        inbox_id: input.inbox,
        host: input.host.trim().to_owned(),
        port: input.port,
        tls: input.tls,
        username: input.username,
        password_file: password_file.display().to_string(),
        folder: input.folder,
        ca_file: ca_file.map(|p| p.display().to_string()),
        now,
    };
    Ok(store.set_imap_source(new).await?)
}

/// One line of `switchboard inbox imap list`: where the inbox polls and how it went.
pub fn describe(source: &ImapSource) -> String {
    let validity = source.uid_validity.map_or_else(
        || "not polled yet".to_owned(),
        |v| format!("UIDVALIDITY {v}"),
    );
    let polled = source
        .last_polled_at
        .map_or_else(|| "never".to_owned(), utc);
    let error = source.last_error.as_deref().unwrap_or("none");
    format!(
        "inbox {}: {}@{}:{} ({}) folder {:?}, last UID {} ({validity}), last poll {polled}, last error: {error}",
        source.inbox_id,
        source.username,
        source.host,
        source.port,
        source.tls,
        source.folder,
        source.last_uid,
    )
}

/// `2024-11-03 14:05:09 UTC`.
fn utc(ms: switchboard_domain::Millis) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("{ms} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_described_on_one_line() {
        let source = ImapSource {
            inbox_id: InboxId(3),
            account_id: switchboard_domain::AccountId(1),
            host: "imap.acme.test".into(),
            port: 993,
            tls: ImapTls::Tls,
            username: "support@acme.test".into(),
            password_file: "/etc/sb/pw".into(),
            folder: "INBOX".into(),
            ca_file: None,
            uid_validity: Some(7),
            last_uid: 42,
            last_error: None,
            last_polled_at: Some(1_700_000_000_000),
            revision: 1,
            created_at: 1,
            updated_at: 1,
        };
        assert_eq!(
            describe(&source),
            "inbox 3: support@acme.test@imap.acme.test:993 (tls) folder \"INBOX\", last UID 42 \
             (UIDVALIDITY 7), last poll 2023-11-14 22:13:20 UTC, last error: none"
        );
        assert!(!describe(&source).contains("/etc/sb/pw"));
    }
}
