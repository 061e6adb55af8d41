//! The retry strategy: one value that says how persistent the client is.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How the client retries transient failures.
///
/// The default retries `429`, `5xx` and connection failures up to 4 attempts
/// in all, with exponential backoff and full jitter (0.5 s doubling up to
/// 30 s), honours `Retry-After`, and gives up once waiting would pass 2
/// minutes in all. `402`, `400`, `401`, `403`, `404` and `410` are never
/// retried. A request that is not idempotent (a `POST`, such as creating a
/// client) is retried only when the service cannot have acted on it: a `429`
/// or a refused connection, so a retry never creates a client twice.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// How a backoff delay is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// A uniformly random delay between zero and the backoff ceiling, so
    /// that many clients do not retry in step.
    Full,
    /// Exactly the backoff ceiling (predictable; useful in tests).
    None,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
            jitter: Jitter::Full,
        }
    }
}

impl RetryPolicy {
    /// Never retry: every failure is returned at once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
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

/// What happened on one attempt, as far as retrying goes.
pub(crate) enum Outcome<'a> {
    Status(StatusCode, &'a HeaderMap),
    Transport(&'a reqwest::Error),
}

/// Whether an attempt may be retried, and the delay the service asked for.
///
/// `None`: do not retry. `Some(hint)`: retry, after `hint` if the service
/// sent `Retry-After`, else after the policy's backoff.
pub(crate) fn retryable(outcome: &Outcome<'_>, idempotent: bool) -> Option<Option<Duration>> {
    match outcome {
        Outcome::Status(status, headers) => {
            let hint = crate::error::retry_after(headers);
            match status.as_u16() {
                // Rate limiting refuses the request before acting on it.
                429 => Some(hint),
                500..=599 if idempotent => Some(hint),
                _ => None,
            }
        }
        // A refused connection never reached the service.
        Outcome::Transport(e) if e.is_connect() => Some(None),
        Outcome::Transport(_) if idempotent => Some(None),
        Outcome::Transport(_) => None,
    }
}
