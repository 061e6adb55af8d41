//! Waits and attempts as callers can watch them: the events behind
//! [`ClientBuilder::on_wait`](crate::ClientBuilder::on_wait) and
//! [`ClientBuilder::on_attempt`](crate::ClientBuilder::on_attempt), for
//! progress displays such as a countdown or a spinner.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

/// Why the client is about to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// Keeping to the configured [`Pacing`](crate::config::Pacing).
    Pacing,
    /// Backing off before retry number `retry` after a failed attempt;
    /// `status` is the failed attempt's HTTP status, if it got one.
    #[non_exhaustive]
    Backoff {
        /// 1 for the first retry.
        retry: u32,
        /// The status that caused the retry, if any.
        status: Option<StatusCode>,
    },
    /// A client created a moment ago is not visible yet (a `404`); waiting
    /// before asking again, as
    /// [`ReadAfterCreate`](crate::config::ReadAfterCreate) allows.
    #[non_exhaustive]
    NotYetVisible {
        /// 1 for the first retry.
        retry: u32,
    },
    /// The quota reserve is reached; waiting for the quota window to start
    /// afresh, as [`QuotaReserve::wait_for_reset`](crate::config::QuotaReserve::wait_for_reset)
    /// asks.
    QuotaReset,
}

/// A wait the client is about to make, reported to
/// [`ClientBuilder::on_wait`](crate::ClientBuilder::on_wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitEvent {
    /// Why it waits.
    pub reason: WaitReason,
    /// How long it waits.
    pub duration: Duration,
}

/// One attempt of an operation, reported to
/// [`ClientBuilder::on_attempt`](crate::ClientBuilder::on_attempt) when it is
/// sent and again when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptEvent {
    /// The operation, e.g. `list_clients`.
    pub operation: &'static str,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The most attempts the retry policy allows.
    pub max_attempts: u32,
    /// Whether it has just been sent or has ended.
    pub phase: AttemptPhase,
}

/// Where an attempt is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptPhase {
    /// Sent; no answer yet.
    Sent,
    /// Ended, with the status it got (none for a transport failure), after
    /// `elapsed`.
    #[non_exhaustive]
    Ended {
        /// The HTTP status, if a response arrived.
        status: Option<StatusCode>,
        /// How long the attempt took.
        elapsed: Duration,
    },
}

type Callback<E> = Arc<dyn Fn(E) + Send + Sync>;

/// The callbacks a client reports to; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Observers {
    pub on_wait: Option<Callback<WaitEvent>>,
    pub on_attempt: Option<Callback<AttemptEvent>>,
}

impl Observers {
    /// Reports a wait about to be made; the pipeline decides it and
    /// makes it.
    pub(crate) fn report_wait(&self, reason: WaitReason, duration: Duration) {
        if let Some(callback) = &self.on_wait {
            callback(WaitEvent { reason, duration });
        }
    }

    pub(crate) fn attempt(&self, event: AttemptEvent) {
        if let Some(callback) = &self.on_attempt {
            callback(event);
        }
    }
}

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observers")
            .field("on_wait", &self.on_wait.is_some())
            .field("on_attempt", &self.on_attempt.is_some())
            .finish()
    }
}
