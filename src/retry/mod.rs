//! Trying again, in the manner of smithy-rs: the policy a caller sets
//! ([`RetryPolicy`]), the classification of one attempt's outcome
//! ([`class`]: what it means for sending again, and `Retry-After`), and the
//! attempt engine ([`state`]: a pure state machine that says "return" or
//! "wait this long, for this reason"). The hooks only do the I/O.

pub(crate) mod class;
pub(crate) mod state;

use std::time::Duration;

/// How the client retries transient failures.
///
/// The default retries `429`, `5xx` and connection failures up to 4 attempts
/// in all, with exponential backoff and full jitter (0.5 s doubling up to
/// 30 s), honours `Retry-After`, and gives up once waiting would pass 2
/// minutes in all. `402`, `400`, `401`, `403`, `404` and `410` are never
/// retried (but see [`RetryPolicy::read_after_create`]). A request that is
/// not idempotent (a `POST`, such as creating a client) is retried only when
/// the service cannot have acted on it: a `429` or a refused connection, so
/// a retry never creates a client twice.
///
/// ```
/// use std::time::Duration;
/// use toggl_track_api::config::{ReadAfterCreate, RetryPolicy};
///
/// let policy = RetryPolicy::default()
///     .max_attempts(6)
///     .max_backoff(Duration::from_secs(10))
///     .read_after_create(ReadAfterCreate::toggl_advice());
/// assert_eq!(policy.max_attempts, 6);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retries.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles each retry.
    pub initial_backoff: Duration,
    /// The largest backoff between two attempts.
    pub max_backoff: Duration,
    /// Total time the client may spend waiting between attempts.
    pub max_elapsed: Duration,
    /// How backoff is randomised.
    pub jitter: Jitter,
    /// Whether a `404` for a client this client has just created is tried
    /// again (off by default; see [`ReadAfterCreate`]).
    pub read_after_create: Option<ReadAfterCreate>,
}

/// How a backoff delay is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// A uniformly random delay between zero and the backoff ceiling, so
    /// that many clients do not retry in step.
    Full,
    /// Exactly the backoff ceiling (predictable; useful in tests).
    None,
}

/// Waiting out Toggl's eventual consistency for clients just created.
///
/// Toggl advises that an entity just created may not be readable for a few
/// seconds. With this set, a `404` from an operation on a client that this
/// client (or a clone of it) created less than `window` ago is tried again
/// after `delay`, up to `retries` times. A `404` for any other id is
/// returned at once, so no real "not found" is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadAfterCreate {
    /// How long after its creation a client counts as new.
    pub window: Duration,
    /// Extra attempts for one operation.
    pub retries: u32,
    /// The wait before each of them.
    pub delay: Duration,
}

impl ReadAfterCreate {
    /// Toggl's advice: wait 2 to 5 seconds, up to 3 times (3 s is used),
    /// for clients created in the last 30 seconds.
    pub fn toggl_advice() -> Self {
        Self {
            window: Duration::from_secs(30),
            retries: 3,
            delay: Duration::from_secs(3),
        }
    }

    /// How long after its creation a client counts as new.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Extra attempts for one operation.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The wait before each of them.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
            jitter: Jitter::Full,
            read_after_create: None,
        }
    }
}

impl RetryPolicy {
    /// Never retry: every failure is returned at once.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The backoff ceiling before the first retry; it doubles each retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff between two attempts.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Total time the client may spend waiting between attempts.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// How backoff is randomised.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Try a `404` for a client created a moment ago again.
    pub fn read_after_create(mut self, rule: ReadAfterCreate) -> Self {
        self.read_after_create = Some(rule);
        self
    }

    /// The delay before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => ceiling.mul_f64(fastrand::f64()),
        }
    }
}
