//! Trying again, in the manner of smithy-rs: the policy a caller sets
//! ([`RetryPolicy`], with [`ReadAfterCreate`]), the class of one attempt's
//! outcome ([`RetryClass`]: could the service have acted on it, and when
//! did it ask to be tried again), and the attempt engine ([`RetryState`]):
//! a pure state machine that says "return" or "wait this long, for this
//! reason", tested without HTTP. Read-after-create lives here whole: the
//! rule, the ids of clients created a moment ago, and the decision.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use crate::events::WaitReason;
use crate::headers::header_str;
use crate::quota::reset_wait;

/// How the client retries transient failures.
///
/// The default retries `429`, `5xx` and connection failures up to 4 attempts
/// in all, with exponential backoff and full jitter (0.5 s doubling up to
/// 30 s), honours `Retry-After`, and gives up once waiting would pass 2
/// minutes in all. `402`, `400`, `401`, `403`, `404` and `410` are never
/// retried (but see [`RetryPolicy::read_after_create`]); a quota `402` is
/// waited out only when the [`QuotaReserve`](crate::config::QuotaReserve)
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

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Give this outcome to the caller.
    Return,
    /// Wait `delay`, then send the request again.
    Wait { delay: Duration, reason: WaitReason },
    /// Another attempt was due, but its wait would pass the operation's
    /// deadline: give this outcome to the caller now rather than wait for
    /// nothing.
    OutOfTime,
}

/// The attempts of one operation so far.
#[derive(Debug, Clone)]
pub(super) struct RetryState<'p> {
    policy: &'p RetryPolicy,
    idempotent: bool,
    /// The operation's deadline, from its start.
    deadline: Duration,
    attempts: u32,
    not_visible: u32,
    waited: Duration,
    /// Whether a quota `402` is waited out (the caller's quota reserve
    /// says so), and how many times it has been.
    waits_for_quota: bool,
    quota_waits: u32,
}

/// The most quota resets one operation waits for: a day of hourly
/// windows, and a stop for a service that reports a used-up quota that
/// resets at once, again and again.
const MAX_QUOTA_WAITS: u32 = 24;

impl<'p> RetryState<'p> {
    pub(super) fn new(
        policy: &'p RetryPolicy,
        idempotent: bool,
        deadline: Duration,
        waits_for_quota: bool,
    ) -> Self {
        Self {
            policy,
            idempotent,
            deadline,
            attempts: 0,
            not_visible: 0,
            waited: Duration::ZERO,
            waits_for_quota,
            quota_waits: 0,
        }
    }

    /// Starts an attempt; returns its number (1 for the first).
    pub(super) fn attempt(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Attempts started so far.
    pub(super) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether any outcome of the current attempt could be followed by
    /// another: what makes a spare copy of the request worth keeping.
    pub(super) fn may_retry(&self) -> bool {
        self.attempts < self.policy.max_attempts
            || self.visibility_retries_left()
            || (self.waits_for_quota && self.quota_waits < MAX_QUOTA_WAITS)
    }

    fn visibility_retries_left(&self) -> bool {
        self.policy
            .read_after_create
            .is_some_and(|rule| self.not_visible < rule.retries)
    }

    /// The decision after the current attempt: its outcome's `class`, the
    /// status it got (none without an answer), whether it concerned a
    /// client this client created a moment ago, and the time since the
    /// operation started.
    pub(super) fn step(
        &mut self,
        class: RetryClass,
        status: Option<StatusCode>,
        target_is_new: bool,
        elapsed: Duration,
    ) -> Step {
        if let RetryClass::QuotaUsedUp { resets_in } = class {
            // Waited out apart from the deadline and the policy's budget:
            // the caller asked to wait for the window, however long.
            if !self.waits_for_quota || self.quota_waits >= MAX_QUOTA_WAITS {
                return Step::Return;
            }
            self.quota_waits += 1;
            return Step::Wait {
                delay: reset_wait(resets_in.unwrap_or(Duration::from_secs(60))),
                reason: WaitReason::QuotaReset,
            };
        }
        let planned = match class {
            // A client created a moment ago may not be visible yet.
            RetryClass::NotFound if target_is_new => self.not_yet_visible(),
            RetryClass::NotActedOn { after } => self.backoff(after, status),
            RetryClass::MayHaveActed { after } if self.idempotent => self.backoff(after, status),
            RetryClass::MayHaveActed { .. }
            | RetryClass::NotFound
            | RetryClass::QuotaUsedUp { .. }
            | RetryClass::Final => None,
        };
        match planned {
            None => Step::Return,
            Some(_) if elapsed >= self.deadline => Step::OutOfTime,
            Some((delay, _)) if self.waited + delay > self.policy.max_elapsed => Step::Return,
            Some((delay, _)) if elapsed.saturating_add(delay) > self.deadline => Step::OutOfTime,
            Some((delay, reason)) => {
                self.waited += delay;
                Step::Wait { delay, reason }
            }
        }
    }

    /// A wait for a new client to become visible, if the policy has one left.
    fn not_yet_visible(&mut self) -> Option<(Duration, WaitReason)> {
        let rule = self
            .policy
            .read_after_create
            .filter(|rule| self.not_visible < rule.retries)?;
        self.not_visible += 1;
        Some((
            rule.delay,
            WaitReason::NotYetVisible {
                retry: self.not_visible,
            },
        ))
    }

    /// A backoff wait before the next attempt, if the policy has one left;
    /// the service's `Retry-After` wins over the policy's delay.
    fn backoff(
        &self,
        after: Option<Duration>,
        status: Option<StatusCode>,
    ) -> Option<(Duration, WaitReason)> {
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let delay = after.unwrap_or_else(|| self.policy.backoff(self.attempts));
        Some((
            delay,
            WaitReason::Backoff {
                retry: self.attempts,
                status,
            },
        ))
    }
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

#[cfg(test)]
mod state_tests {
    use super::*;
    use proptest::prelude::*;

    fn class() -> impl Strategy<Value = (RetryClass, Option<StatusCode>)> {
        let after = proptest::option::of((0u64..200).prop_map(Duration::from_secs));
        prop_oneof![
            after.clone().prop_map(|after| (
                RetryClass::NotActedOn { after },
                StatusCode::from_u16(429).ok()
            )),
            after.prop_map(|after| (
                RetryClass::MayHaveActed { after },
                StatusCode::from_u16(503).ok()
            )),
            Just((RetryClass::NotActedOn { after: None }, None)),
            Just((RetryClass::NotFound, StatusCode::from_u16(404).ok())),
            Just((RetryClass::Final, StatusCode::from_u16(400).ok())),
            proptest::option::of(0u64..4000).prop_map(|s| (
                RetryClass::QuotaUsedUp {
                    resets_in: s.map(Duration::from_secs)
                },
                StatusCode::from_u16(402).ok()
            )),
        ]
    }

    fn policy() -> impl Strategy<Value = RetryPolicy> {
        (1u32..7, 0u64..5_000, 0u64..300, any::<bool>()).prop_map(
            |(attempts, backoff_ms, elapsed_s, visible)| {
                let mut p = RetryPolicy::default()
                    .max_attempts(attempts)
                    .initial_backoff(Duration::from_millis(backoff_ms))
                    .max_elapsed(Duration::from_secs(elapsed_s))
                    .jitter(Jitter::Full);
                if visible {
                    p = p.read_after_create(ReadAfterCreate::toggl_advice());
                }
                p
            },
        )
    }

    /// Runs the engine over `outcomes` (one per attempt, as long as it
    /// asks for more) and returns the steps it took.
    fn run(
        policy: &RetryPolicy,
        idempotent: bool,
        deadline: Duration,
        outcomes: &[(RetryClass, Option<StatusCode>, bool)],
    ) -> Vec<Step> {
        run_waiting(policy, idempotent, deadline, false, outcomes)
    }

    /// As [`run`], and waiting out quota resets when `quota` says so.
    fn run_waiting(
        policy: &RetryPolicy,
        idempotent: bool,
        deadline: Duration,
        quota: bool,
        outcomes: &[(RetryClass, Option<StatusCode>, bool)],
    ) -> Vec<Step> {
        let mut state = RetryState::new(policy, idempotent, deadline, quota);
        let mut elapsed = Duration::ZERO;
        let mut steps = Vec::new();
        for &(class, status, new) in outcomes {
            state.attempt();
            let may = state.may_retry();
            let step = state.step(class, status, new, elapsed);
            if let Step::Wait { delay, reason } = step {
                assert!(may, "a wait where no retry was possible");
                // A quota reset starts the deadline afresh.
                elapsed = if reason == WaitReason::QuotaReset {
                    Duration::ZERO
                } else {
                    elapsed + delay
                };
            }
            steps.push(step);
            if !matches!(step, Step::Wait { .. }) {
                break;
            }
        }
        steps
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The bounds hold whatever happens: attempts, total waiting, the
        /// deadline; a final answer is never retried; a request that is not
        /// idempotent is sent again only when the service did not act on it.
        #[test]
        fn the_engine_keeps_every_bound(
            policy in policy(),
            idempotent in any::<bool>(),
            quota in any::<bool>(),
            deadline_s in 0u64..400,
            outcomes in proptest::collection::vec((class(), any::<bool>()), 1..40),
        ) {
            let deadline = Duration::from_secs(deadline_s);
            let outcomes: Vec<_> = outcomes.into_iter().map(|((c, s), n)| (c, s, n)).collect();
            let steps = run_waiting(&policy, idempotent, deadline, quota, &outcomes);
            let visibility = policy.read_after_create.map_or(0, |r| r.retries);
            let resets = steps.iter().filter(|s| matches!(s, Step::Wait { reason: WaitReason::QuotaReset, .. })).count() as u32;
            prop_assert!(resets <= MAX_QUOTA_WAITS);
            prop_assert!(quota || resets == 0, "a quota reset waited for unasked");
            prop_assert!(steps.len() as u32 <= policy.max_attempts + visibility + resets);
            // Quota resets are waited out apart from the bounds.
            let waited: Duration = steps.iter().map(|s| match s {
                Step::Wait { reason: WaitReason::QuotaReset, .. } => Duration::ZERO,
                Step::Wait { delay, .. } => *delay,
                Step::Return | Step::OutOfTime => Duration::ZERO,
            }).sum();
            prop_assert!(waited <= policy.max_elapsed);
            prop_assert!(waited <= deadline || resets > 0);
            for (step, (class, _, new)) in steps.iter().zip(&outcomes) {
                if let Step::Wait { reason, .. } = step {
                    match class {
                        RetryClass::QuotaUsedUp { .. } => {
                            prop_assert!(quota && *reason == WaitReason::QuotaReset);
                        }
                        RetryClass::Final => prop_assert!(false, "a final answer was retried"),
                        RetryClass::NotFound => {
                            prop_assert!(*new, "a 404 for an old client was retried");
                            let waits_for_visibility = matches!(reason, WaitReason::NotYetVisible { .. });
                            prop_assert!(waits_for_visibility);
                        }
                        RetryClass::MayHaveActed { .. } => prop_assert!(idempotent),
                        RetryClass::NotActedOn { .. } => {}
                    }
                }
            }
        }

        /// `Retry-After` is honoured exactly, within the bounds.
        #[test]
        fn retry_after_is_the_wait(after_s in 0u64..60) {
            let policy = RetryPolicy::default().max_elapsed(Duration::from_secs(600));
            let after = Some(Duration::from_secs(after_s));
            let steps = run(&policy, false, Duration::from_secs(600), &[
                (RetryClass::NotActedOn { after }, StatusCode::from_u16(429).ok(), false),
            ]);
            prop_assert_eq!(steps.len(), 1);
            let is_exact = matches!(steps[0], Step::Wait { delay, .. } if delay == Duration::from_secs(after_s));
            prop_assert!(is_exact);
        }
    }

    #[test]
    fn a_retry_after_beyond_the_deadline_returns_at_once() {
        let policy = RetryPolicy::default();
        let far = Some(Duration::from_secs(3600));
        let steps = run(
            &policy,
            true,
            Duration::from_secs(120),
            &[(RetryClass::NotActedOn { after: far }, None, false)],
        );
        assert_eq!(steps.len(), 1);
        assert!(!matches!(steps[0], Step::Wait { .. }), "{steps:?}");
        // Within the policy's waiting budget, the deadline is what stops it.
        let patient = RetryPolicy::default().max_elapsed(Duration::from_secs(7200));
        let steps = run(
            &patient,
            true,
            Duration::from_secs(120),
            &[(RetryClass::NotActedOn { after: far }, None, false)],
        );
        assert_eq!(steps, [Step::OutOfTime]);
    }

    #[test]
    fn no_spare_copy_is_needed_on_the_last_attempt() {
        let policy = RetryPolicy::none();
        let mut state = RetryState::new(&policy, true, Duration::from_secs(60), false);
        state.attempt();
        assert!(!state.may_retry());
        let with_visibility =
            RetryPolicy::none().read_after_create(ReadAfterCreate::toggl_advice());
        let mut state = RetryState::new(&with_visibility, true, Duration::from_secs(60), false);
        state.attempt();
        assert!(state.may_retry());
    }
}
