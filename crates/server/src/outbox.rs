//! Messages to the outside world: producers turn a committed change into outbox messages (written
//! in the same transaction as its events, store::outbox), and one worker per process delivers
//! them through the deliverer registered for their topic, retrying with exponential back-off
//! until the receiver takes them or the attempts run out. Because the messages live in the
//! database, a restart loses nothing: the next worker picks up where the last one stopped.
//!
//! Producers are synchronous and see only the change and in-memory configuration; they run on
//! the write path of every command. Anything that needs the database (the case number of a new
//! case, a petitioner's address) is looked up by the deliverer when it sends.

use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::Actor;
use minsheng_core::workflow::{CaseState, Event};
use minsheng_store::{OutboxMessage, OutboxRow};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// A committed change to one case, as producers see it.
pub struct Change<'a> {
    /// The case before the command; `None` for a registration.
    pub before: Option<&'a CaseState>,
    /// The case after it. For a registration the number is still empty (the writer assigns it).
    pub after: &'a CaseState,
    /// The events the command added.
    pub events: &'a [Event],
    pub actor: &'a Actor,
    pub at: DateTime<Utc>,
}

/// Turns a change into the messages it causes (none, usually).
pub type Producer = fn(&AppState, &Change<'_>) -> Vec<OutboxMessage>;

/// Why a delivery did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// Worth trying again later (the receiver is down, busy, or timed out).
    Retry(String),
    /// Trying again cannot help (the receiver refused the message itself, no address).
    Permanent(String),
}

pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// Sends the messages of the topics starting with `prefix`. A delivery must end well within
/// the lease (`Outbox::lease`): a longer one may be claimed and sent again by another node.
pub trait Deliver: Send + Sync + 'static {
    fn prefix(&self) -> &str;
    fn deliver<'a>(&'a self, st: &'a AppState, message: &'a OutboxRow) -> DeliveryFuture<'a>;
}

/// When to try again: `base · 2^(attempts-1)`, at most `max`, and no more than `attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 5 s, 10 s, 20 s … capped at an hour: 20 attempts span about 14 hours, long enough to
    /// ride out a partner's night-time maintenance.
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(3600),
            max_attempts: 20,
        }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt, or `None` when it was the last.
    pub fn after_failure(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 1u32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.max))
    }
}

/// The registry of producers and deliverers, the retry policy and the worker's wake-up.
pub struct Outbox {
    producers: RwLock<Vec<Producer>>,
    deliverers: RwLock<Vec<Arc<dyn Deliver>>>,
    pub backoff: Backoff,
    /// How long a claimed message is reserved for the worker that claimed it.
    pub lease: Duration,
    /// How often the worker looks for due messages when nothing wakes it.
    pub poll: Duration,
    wake: Notify,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox {
            producers: RwLock::new(Vec::new()),
            deliverers: RwLock::new(Vec::new()),
            backoff: Backoff::default(),
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(5),
            wake: Notify::new(),
        }
    }
}

impl Outbox {
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn with_poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    pub fn add_producer(&self, p: Producer) {
        if let Ok(mut ps) = self.producers.write()
            && !ps.iter().any(|q| std::ptr::fn_addr_eq(*q, p))
        {
            ps.push(p);
        }
    }

    /// Registers a deliverer; one registered later for the same prefix replaces it.
    pub fn add_deliverer(&self, d: Arc<dyn Deliver>) {
        if let Ok(mut ds) = self.deliverers.write() {
            ds.retain(|x| x.prefix() != d.prefix());
            ds.push(d);
        }
    }

    /// Tells the worker that messages were written.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Whether a deliverer is registered for `topic`: code that writes messages outside a case
    /// change (`outbox_enqueue`) checks this first, so nothing is queued that nobody would send.
    pub fn delivers(&self, topic: &str) -> bool {
        self.deliverer_for(topic).is_some()
    }

    fn deliverer_for(&self, topic: &str) -> Option<Arc<dyn Deliver>> {
        let ds = self.deliverers.read().ok()?;
        ds.iter()
            .filter(|d| topic.starts_with(d.prefix()))
            .max_by_key(|d| d.prefix().len())
            .cloned()
    }

    fn prefixes(&self) -> Vec<String> {
        self.deliverers
            .read()
            .map(|ds| ds.iter().map(|d| d.prefix().to_string()).collect())
            .unwrap_or_default()
    }
}

/// Every message the registered producers make of a change.
pub fn messages_for(st: &AppState, change: &Change<'_>) -> Vec<OutboxMessage> {
    let producers = st
        .outbox
        .producers
        .read()
        .map(|p| p.clone())
        .unwrap_or_default();
    producers.iter().flat_map(|p| p(st, change)).collect()
}

/// Claims and delivers what is due now; returns how many messages were settled (delivered or
/// given up). The worker calls this in a loop; tests may call it directly.
pub async fn deliver_due(st: &AppState) -> Result<usize, crate::error::ApiError> {
    let ob = &st.outbox;
    let prefixes = ob.prefixes();
    let refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let now = crate::service::now();
    let lease = chrono::Duration::from_std(ob.lease).unwrap_or(chrono::Duration::seconds(60));
    let claimed = st.store.outbox_claim(&refs, now, now + lease, 32).await?;
    let n = claimed.len();
    let sends = claimed.iter().map(|m| async move {
        let outcome = match ob.deliverer_for(&m.topic) {
            Some(d) => d.deliver(st, m).await,
            None => Err(DeliveryError::Retry("no deliverer for this topic".into())),
        };
        settle(st, m, outcome).await
    });
    for r in futures_util::future::join_all(sends).await {
        r?;
    }
    Ok(n)
}

async fn settle(
    st: &AppState,
    m: &OutboxRow,
    outcome: Result<(), DeliveryError>,
) -> Result<(), crate::error::ApiError> {
    let now = crate::service::now();
    match outcome {
        Ok(()) => st.store.outbox_delivered(m.id, now).await?,
        Err(DeliveryError::Retry(e)) => {
            let retry_at = st
                .outbox
                .backoff
                .after_failure(m.attempts + 1)
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| now + d);
            if retry_at.is_none() {
                tracing::warn!(id = %m.id, topic = %m.topic, error = %e, "outbox message given up");
            }
            st.store.outbox_failed(m.id, now, retry_at, &e).await?
        }
        Err(DeliveryError::Permanent(e)) => {
            tracing::warn!(id = %m.id, topic = %m.topic, error = %e, "outbox message refused");
            st.store.outbox_failed(m.id, now, None, &e).await?
        }
    }
    Ok(())
}

/// Starts the delivery worker (called where the server starts, and by the test harness).
pub fn spawn_worker(st: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !st.store.is_closed() {
            match deliver_due(&st).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox delivery round failed"),
            }
            let prefixes = st.outbox.prefixes();
            let refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
            let wait = match st.store.outbox_next_due(&refs).await {
                Ok(Some(due)) => (due - crate::service::now())
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(st.outbox.poll),
                _ => st.outbox.poll,
            };
            // Due now yet not claimed means it waits behind an earlier message of its case:
            // that one's retry time decides, so a short nap instead of a spin.
            let wait = wait.max(Duration::from_millis(200).min(st.outbox.poll));
            let _ = tokio::time::timeout(wait, st.outbox.wake.notified()).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn backoff_doubles_and_stops() {
        let b = Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(60),
            max_attempts: 6,
        };
        let waits: Vec<_> = (1..=6).map(|a| b.after_failure(a)).collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 60]
                .map(|s| Some(Duration::from_secs(s)))
                .into_iter()
                .chain([None])
                .collect::<Vec<_>>()
        );
    }

    proptest! {
        #[test]
        fn backoff_never_shrinks_nor_passes_the_cap(a in 1u32..200, base in 1u64..10_000, max in 1u64..100_000) {
            let b = Backoff { base: Duration::from_millis(base), max: Duration::from_millis(max), max_attempts: 1000 };
            let now = b.after_failure(a).unwrap();
            let next = b.after_failure(a + 1).unwrap();
            prop_assert!(next >= now);
            prop_assert!(next <= Duration::from_millis(max.max(1)));
        }
    }
}
