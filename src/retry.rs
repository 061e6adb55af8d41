//! The retry strategy: one value that says how persistent the client is,
//! the reading of `Retry-After`, and the decision after each attempt.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::meta::header_str;

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
    /// Whether a `404` for a client this client has just created is tried
    /// again (off by default; see [`ReadAfterCreate`]).
    pub read_after_create: Option<ReadAfterCreate>,
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

/// Waiting out Toggl's eventual consistency for clients just created.
///
/// Toggl advises that an entity just created may not be readable for a few
/// seconds. With this set, a `404` from an operation on a client that this
/// client (or a clone of it) created less than `window` ago is tried again
/// after `delay`, up to `retries` times. A `404` for any other id is
/// returned at once, so no real "not found" is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The decision after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Return this outcome to the caller.
    Stop,
    /// Try again after the policy's backoff.
    Retry,
    /// Try again after the delay the service asked for (`Retry-After`).
    RetryAfter(Duration),
}

/// Whether an attempt may be tried again.
pub(crate) fn verdict(outcome: &Outcome<'_>, idempotent: bool) -> Verdict {
    let hinted = |headers| retry_after(headers).map_or(Verdict::Retry, Verdict::RetryAfter);
    match outcome {
        // Rate limiting refuses the request before acting on it.
        Outcome::Status(status, headers) if status.as_u16() == 429 => hinted(headers),
        Outcome::Status(status, headers) if status.is_server_error() && idempotent => {
            hinted(headers)
        }
        Outcome::Status(..) => Verdict::Stop,
        // A refused connection never reached the service.
        Outcome::Transport(e) if e.is_connect() || idempotent => Verdict::Retry,
        Outcome::Transport(_) => Verdict::Stop,
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_str(headers, RETRY_AFTER.as_str())?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    proptest! {
        #[test]
        fn retry_after_never_panics(value in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut headers = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_bytes(&value) {
                headers.insert(RETRY_AFTER, v);
            }
            let _ = retry_after(&headers);
        }
    }

    #[test]
    fn retry_after_reads_an_http_date() {
        let soon = std::time::SystemTime::now() + Duration::from_secs(120);
        let mut headers = HeaderMap::new();
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(soon)).expect("ascii"),
        );
        let d = retry_after(&headers).expect("parsed");
        assert!(
            d <= Duration::from_secs(120) && d >= Duration::from_secs(100),
            "{d:?}"
        );
    }

    #[test]
    fn verdicts_by_status_and_method() {
        let none = HeaderMap::new();
        let mut hinted = HeaderMap::new();
        hinted.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        let status = |code| StatusCode::from_u16(code).expect("valid");
        assert_eq!(
            verdict(&Outcome::Status(status(429), &none), false),
            Verdict::Retry
        );
        assert_eq!(
            verdict(&Outcome::Status(status(503), &hinted), true),
            Verdict::RetryAfter(Duration::from_secs(2))
        );
        // A POST that may have been acted on is not repeated.
        assert_eq!(
            verdict(&Outcome::Status(status(503), &none), false),
            Verdict::Stop
        );
        for code in [400, 401, 402, 403, 404, 410] {
            assert_eq!(
                verdict(&Outcome::Status(status(code), &none), true),
                Verdict::Stop
            );
        }
    }
}
