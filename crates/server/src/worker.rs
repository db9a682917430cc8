//! The outbox worker: sends queued mail (replies, forwards, notification emails)
//! through the configured relay, with retries and exponential backoff, and mirrors
//! each attempt on the mail's timeline entry.
//!
//! Every node runs one when a relay is configured. Rows are leased for
//! [`WorkerConfig::lease`] (PostgreSQL skips rows another node holds), so several nodes
//! share the outbox and a node that dies mid-send leaves its rows to the others once the
//! lease ends. Without a relay nothing runs and mail waits in the outbox.
//! [`OutboxWorker::run_once`] is one step, so tests drain the queue deterministically.

use crate::app::Clock;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::event::Event;
use switchboard_domain::*;
use switchboard_mail::build::NotificationEmail;
use switchboard_mail::relay::{Relay, SendError};
use switchboard_realtime::Hub;
use switchboard_store::{DeliveryOutcome, LeasedMail, Store, StoreResult};
use tokio::sync::{watch, Notify};

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The first retry's delay; each further one doubles it (10 s).
    pub retry_base: Duration,
    /// The longest delay between two attempts (1 h).
    pub retry_cap: Duration,
    /// Attempts before a transiently failing mail counts as failed (10).
    pub max_attempts: i64,
    /// How often to look for due mail when nobody wakes the worker (1 s).
    pub poll: Duration,
    /// How long a leased row stays reserved for this node (5 min; longer than a send).
    pub lease: Duration,
    /// Rows leased per step.
    pub batch: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(3600),
            max_attempts: 10,
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            batch: 20,
        }
    }
}

impl WorkerConfig {
    /// The delay before the next attempt after `attempts` failed ones:
    /// `retry_base × 2^(attempts − 1)`, at most `retry_cap`.
    pub fn retry_delay(&self, attempts: i64) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.retry_base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.retry_cap)
    }
}

/// Sends the outbox through one relay.
#[derive(Clone)]
pub struct OutboxWorker {
    store: Arc<dyn Store>,
    hub: Hub,
    relay: Relay,
    /// The sender of notification emails (`--mail-from`).
    mail_from: String,
    config: WorkerConfig,
    clock: Clock,
    wake: Arc<Notify>,
}

impl OutboxWorker {
    /// A worker over the store; `wake` is notified when mail is queued
    /// ([`crate::app::App::outbox_wake`]).
    pub fn new(
        store: Arc<dyn Store>,
        hub: Hub,
        relay: Relay,
        mail_from: String,
        config: WorkerConfig,
        clock: Clock,
        wake: Arc<Notify>,
    ) -> Self {
        OutboxWorker {
            store,
            hub,
            relay,
            mail_from,
            config,
            clock,
            wake,
        }
    }

    /// Runs until `shutdown` turns true: a step, then waits for a wake-up or the poll
    /// interval. A step that leased a full batch runs again at once.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(relay = ?self.relay, "outbox worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let busy = match self.run_once().await {
                Ok(n) => n >= self.config.batch as usize,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox step failed; trying again");
                    false
                }
            };
            if busy {
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.config.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("outbox worker stopped");
    }

    /// One step: leases due mail, sends each and records the outcome. Answers how many
    /// mails were attempted.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let now = (self.clock)();
        let lease_until = now + millis(self.config.lease);
        let leased = self
            .store
            .lease_outbox(now, lease_until, self.config.batch)
            .await?;
        let count = leased.len();
        for mail in leased {
            self.deliver(mail).await?;
        }
        Ok(count)
    }

    #[tracing::instrument(skip_all, fields(outbox_id = %mail.message.id, kind = %mail.message.kind.as_str()))]
    async fn deliver(&self, mail: LeasedMail) -> StoreResult<()> {
        let result = self.send(&mail).await;
        let attempts = mail.message.attempts + 1;
        let now = (self.clock)();
        let outcome = match result {
            Ok(()) => {
                tracing::info!(attempts, "mail sent");
                DeliveryOutcome::Sent
            }
            Err(e) if e.permanent || attempts >= self.config.max_attempts => {
                tracing::warn!(attempts, error = %e.message, "mail failed");
                DeliveryOutcome::Failed { error: e.message }
            }
            Err(e) => {
                let delay = self.config.retry_delay(attempts);
                tracing::info!(attempts, ?delay, error = %e.message, "mail deferred");
                DeliveryOutcome::Retry {
                    error: e.message,
                    next_attempt_at: now + millis(delay),
                }
            }
        };
        if let Some(at) = self
            .store
            .finish_delivery(mail.message.id, outcome, now)
            .await?
        {
            self.hub.publish(&Event::ConversationUpdated {
                conversation_id: at.conversation_id,
                inbox_id: at.inbox_id,
            });
        }
        Ok(())
    }

    /// One attempt: built mail as it is; a notification built now from its text.
    async fn send(&self, mail: &LeasedMail) -> Result<(), SendError> {
        if let Some(raw) = &mail.raw {
            let from = mail.envelope_from.as_deref().unwrap_or_default();
            return self.relay.send(from, &mail.recipients, raw).await;
        }
        let notification = NotificationEmail {
            from_name: Some("Switchboard".to_owned()),
            from_address: self.mail_from.clone(),
            to: (None, mail.message.recipient.clone()),
            subject: mail.message.subject.clone(),
            text: mail.message.body_text.clone(),
            html: None,
        };
        let built = notification.build().map_err(|e| SendError {
            permanent: true,
            message: format!("could not build the notification: {e}"),
        })?;
        self.relay
            .send(
                &self.mail_from,
                std::slice::from_ref(&mail.message.recipient),
                &built.bytes,
            )
            .await
    }
}

fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap() {
        let config = WorkerConfig::default();
        let secs: Vec<u64> = (1..=10).map(|n| config.retry_delay(n).as_secs()).collect();
        assert_eq!(secs, vec![10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
        assert_eq!(config.retry_delay(0).as_secs(), 10);
        assert_eq!(config.retry_delay(i64::MAX).as_secs(), 3600);
    }
}
