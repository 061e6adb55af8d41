//! Trying again, in the manner of smithy-rs: the policy a caller sets
//! ([`RetryPolicy`], with [`ReadAfterCreate`]), the class of one attempt's
//! outcome ([`RetryClass`]: could the service have acted on it, and when
//! did it ask to be tried again), and the ids of clients created a moment
//! ago, for read-after-create. Whether and how long to wait before trying
//! again is decided in [`wait`](super::wait), with every other wait.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use crate::headers::header_str;

/// How the client retries transient failures.
///
/// The default retries `429`, `5xx` and connection failures up to 4 attempts
/// in all, with exponential backoff and full jitter (0.5 s doubling up to
/// 30 s), honours `Retry-After`, and gives up once waiting would pass 2
/// minutes in all. `402`, `400`, `401`, `403`, `404` and `410` are never
/// retried (but see [`RetryPolicy::read_after_create`]); a quota `402` is
/// waited out only when the [`QuotaReserve`](crate::quota::QuotaReserve)
/// says so. A request that is
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
}

/// The retry meaning of one attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RetryClass {
    /// The service did not act on the request (a `429`, a refused
    /// connection): safe to send again, a create included.
    NotActedOn { after: Option<Duration> },
    /// The service may have acted on it (a `5xx`, a connection that broke
    /// after sending): only an idempotent request is sent again.
    MayHaveActed { after: Option<Duration> },
    /// `404`: final, unless the target was created a moment ago.
    NotFound,
    /// A `402` because the hourly quota is used up: the service did not
    /// act; sent again after the reset only when the caller asked to wait
    /// for it.
    QuotaUsedUp { resets_in: Option<Duration> },
    /// The answer stands.
    Final,
}

/// The class of an answer.
pub(super) fn of_status(status: StatusCode, headers: &HeaderMap) -> RetryClass {
    let after = retry_after(headers).map(|r| r.delay);
    match status.as_u16() {
        // Rate limiting refuses a request before acting on it.
        429 => RetryClass::NotActedOn { after },
        404 => RetryClass::NotFound,
        500..=599 => RetryClass::MayHaveActed { after },
        _ => RetryClass::Final,
    }
}

/// The class of a failure without an answer.
pub(super) fn of_transport(error: &reqwest::Error) -> RetryClass {
    if error.is_connect() {
        // A refused connection never reached the service.
        RetryClass::NotActedOn { after: None }
    } else if corrupt_encoding(error) {
        // The service answered with a body whose encoding cannot be read
        // (a broken compression): asking again gets the same.
        RetryClass::Final
    } else {
        RetryClass::MayHaveActed { after: None }
    }
}

/// Whether a body failed to decode because its bytes are not what its
/// encoding says (invalid data), as opposed to a connection that broke
/// while it was read.
pub(crate) fn corrupt_encoding(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::InvalidData;
        }
        cause = e.source();
    }
    false
}

/// When the service asked to be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryAfter {
    /// How long from the answer.
    pub delay: Duration,
    /// The time itself.
    pub at: SystemTime,
}

/// `Retry-After` as whole seconds or as an HTTP date, however far ahead;
/// a negative, fractional or unreadable value is ignored, and a date in the
/// past means now.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<RetryAfter> {
    let value = header_str(headers, RETRY_AFTER)?;
    let now = SystemTime::now();
    if let Ok(secs) = value.parse::<u64>() {
        let delay = Duration::from_secs(secs);
        return Some(RetryAfter {
            delay,
            at: now.checked_add(delay)?,
        });
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(RetryAfter {
        delay: at.duration_since(now).unwrap_or(Duration::ZERO),
        at: at.max(now),
    })
}

/// Ids of clients created a moment ago, shared by a client and its
/// clones: what makes a `404` worth asking again under [`ReadAfterCreate`].
#[derive(Clone, Debug, Default)]
pub(crate) struct RecentlyCreated(Arc<Mutex<Vec<(u64, Instant)>>>);

impl RecentlyCreated {
    fn list(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Instant)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers the id a create answered with (`body`), when the policy
    /// waits for new clients at all.
    pub(super) fn remember(&self, policy: &RetryPolicy, body: &[u8]) {
        #[derive(serde::Deserialize)]
        struct Created {
            id: u64,
        }
        let Some(rule) = policy.read_after_create else {
            return;
        };
        let Ok(Created { id }) = serde_json::from_slice(body) else {
            return;
        };
        let mut list = self.list();
        list.retain(|(_, at)| at.elapsed() < rule.window);
        list.push((id, Instant::now()));
    }

    /// Whether `id` names a client created within the policy's window.
    pub(super) fn is_new(&self, policy: &RetryPolicy, id: Option<u64>) -> bool {
        let (Some(rule), Some(id)) = (policy.read_after_create, id) else {
            return false;
        };
        self.list()
            .iter()
            .any(|(known, at)| *known == id && at.elapsed() < rule.window)
    }
}

#[cfg(test)]
mod class_tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::HeaderValue;

    fn with_retry_after(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).expect("ascii"));
        headers
    }

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
    fn retry_after_reads_seconds_and_dates_however_far_ahead() {
        let soon = SystemTime::now() + Duration::from_secs(120);
        let d = retry_after(&with_retry_after(&httpdate::fmt_http_date(soon)))
            .expect("parsed")
            .delay;
        assert!(
            d <= Duration::from_secs(120) && d >= Duration::from_secs(100),
            "{d:?}"
        );
        let far = retry_after(&with_retry_after("Wed, 21 Oct 2099 07:28:00 GMT")).expect("a date");
        assert_eq!(
            httpdate::fmt_http_date(far.at),
            "Wed, 21 Oct 2099 07:28:00 GMT"
        );
        assert_eq!(
            retry_after(&with_retry_after("7")).map(|r| r.delay),
            Some(Duration::from_secs(7))
        );
        for garbage in ["-5", "1.5", "soon", ""] {
            assert_eq!(retry_after(&with_retry_after(garbage)), None, "{garbage:?}");
        }
        let past = retry_after(&with_retry_after("Sun, 06 Nov 1994 08:49:37 GMT")).expect("a date");
        assert_eq!(past.delay, Duration::ZERO);
    }

    #[test]
    fn statuses_are_classed_by_whether_the_service_acted() {
        let none = HeaderMap::new();
        let status = |code| StatusCode::from_u16(code).expect("valid");
        assert_eq!(
            of_status(status(429), &none),
            RetryClass::NotActedOn { after: None }
        );
        assert_eq!(
            of_status(status(503), &with_retry_after("2")),
            RetryClass::MayHaveActed {
                after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(of_status(status(404), &none), RetryClass::NotFound);
        for code in [200, 400, 401, 402, 403, 410] {
            assert_eq!(of_status(status(code), &none), RetryClass::Final, "{code}");
        }
    }
}
