//! How a call goes: the one hand-written entry, [`invoke`], that every
//! generated operation's `send()` calls with the request progenitor built
//! and the operation's facts from the spec (`operation_facts::*` in the
//! generated code). progenitor's own `send()` does not do so: the
//! generator rewrites each one into this call, on the syntax tree, before
//! the build compiles it (`crates/codegen/src/rewrite.rs`; the crate docs'
//! "How a call goes" lists every rewrite and why). It runs, in order:
//!
//! 1. the request as built, with the credentials added (here), and
//!    `Accept: application/json`;
//! 2. the quota reserve and pacing, as [`wait`] decides (carried out here);
//! 3. one attempt on the wire: sent, its body read within the size cap,
//!    its quota headers noted ([`exchange`]);
//! 4. the answer classified once: a success, or a typed failure with its
//!    retry class ([`answer`]);
//! 5. the failure's retry class ([`retry`]) weighed by [`wait`]: give up,
//!    or wait and go to 2;
//! 6. the body decoded, with the status and request id at hand, naming the
//!    place and the spec's location when it does not fit ([`answer`]);
//! 7. the answer, or [`Error`].
//!
//! The operation's deadline lives here, in [`Call`]: it bounds every
//! attempt (each attempt's timeout is cut to what is left); [`wait`] keeps
//! every wait within it but a quota reset the caller asked to wait for,
//! after which it starts afresh. Every wait is decided in [`wait`] and
//! carried out here, in [`Call::carry_out`], the one place that sleeps.

mod answer;
mod exchange;
mod retry;
mod wait;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::Error;
use crate::events::{Observers, WaitReason};
use crate::meta::ResponseValue;
use crate::pacing::Pacer;
use crate::quota::{QuotaKind, QuotaReserve, QuotaTracker};
use crate::record::Recorder;

pub(crate) use retry::RecentlyCreated;
pub use retry::{Jitter, ReadAfterCreate, RetryPolicy};

use answer::Verdict;
use wait::{Decision, Facts, GiveUp, Known, Moment, Spent};

/// The state a [`Client`](crate::Client) carries for its calls, shared by
/// its clones. Only [`ClientBuilder::build`](crate::ClientBuilder::build)
/// makes one: it has no public constructor and no `Default`, so no client
/// exists without the builder's credentials and bounds.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// The `Authorization` header, marked sensitive: added to each request
    /// here, never kept in the HTTP client's defaults.
    pub(crate) authorization: HeaderValue,
    pub(crate) attempt_timeout: Duration,
    pub(crate) operation_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Option<Arc<Pacer>>,
    pub(crate) reserve: Option<QuotaReserve>,
    pub(crate) observers: Observers,
    pub(crate) quota: QuotaTracker,
    pub(crate) max_response_bytes: u64,
    pub(crate) created: RecentlyCreated,
    /// Requests sent by this client and its clones, every attempt counted.
    pub(crate) sent: Arc<AtomicU64>,
    pub(crate) recorder: Option<Recorder>,
}

/// What the pipeline knows of one operation, from the spec: codegen emits
/// one constant per operation (`operation_facts`), which its `send()`
/// hands to [`invoke`].
#[derive(Debug)]
pub struct Operation {
    /// The generated method's name, e.g. `list_clients`.
    pub(crate) id: &'static str,
    pub(crate) method: &'static str,
    /// The path template, e.g. `/workspaces/{workspace_id}/clients`.
    pub(crate) path: &'static str,
    /// Where `workspace_id` sits in the URL's path, counted from the last
    /// segment (0).
    pub(crate) workspace_id_from_end: Option<usize>,
    /// Where `client_id` sits, likewise.
    pub(crate) client_id_from_end: Option<usize>,
    pub(crate) success_body: SuccessBody,
    pub(crate) quota: QuotaKind,
    /// It makes a new client and answers with it (for read-after-create).
    pub(crate) creates: bool,
    /// It takes `since`: only its `400` may be an old `since`, told by
    /// the spec's sentence for one.
    pub(crate) takes_since: bool,
    /// Where the spec describes each place of the answer.
    pub(crate) answer_places: &'static [Place],
}

/// How an operation's success is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuccessBody {
    /// A JSON value of the operation's type.
    Json,
    /// A JSON array; a `null` body reads as an empty one.
    List,
    /// No body is described: whatever comes with a success is not read.
    Ignored,
}

/// One place of an answer, as the spec describes it (see
/// `toggl_track_spec_tools::locations`, which codegen emits these from).
#[derive(Debug)]
pub struct Place {
    /// The place with indices left out, e.g. `[].creator_id`.
    pub(crate) pattern: &'static str,
    /// The spec's schema for it, as a URI fragment.
    pub(crate) spec: &'static str,
    /// What the spec expects there, in words.
    pub(crate) expected: &'static str,
}

/// Sends `request` for `op` and reads its answer as `T`: every generated
/// operation's `send()` ends here, as the generator's rewrite of it
/// (`crates/codegen/src/rewrite.rs`, `route_through_pipeline`) makes it.
pub(crate) async fn invoke<T: DeserializeOwned>(
    runtime: &Runtime,
    http: &reqwest::Client,
    request: reqwest::Request,
    op: &'static Operation,
) -> Result<ResponseValue<T>, Error> {
    let span = tracing::debug_span!(
        "toggl_operation",
        operation = op.id,
        method = op.method,
        path = op.path,
        workspace_id = tracing::field::Empty,
    );
    // Read from the URL only for a span that is kept.
    if !span.is_disabled() {
        span.record(
            "workspace_id",
            id_in_path(request.url(), op.workspace_id_from_end),
        );
    }
    Call::new(runtime, http, op, request)
        .run()
        .instrument(span)
        .await
}

/// A request progenitor could not build (a missing or invalid parameter),
/// as an [`Error`].
pub(crate) fn unbuilt<E>(error: progenitor_client::Error<E>) -> Error {
    match error {
        progenitor_client::Error::InvalidRequest(message) => Error::invalid_request(&message),
        progenitor_client::Error::CommunicationError(e) => Error::InvalidRequest {
            parameter: None,
            message: format!("the request could not be built: {e}"),
        },
        _ => Error::InvalidRequest {
            parameter: None,
            message: "the request could not be built".to_owned(),
        },
    }
}

/// The path segment `from_end` places before the last one, as a number.
fn id_in_path(url: &reqwest::Url, from_end: Option<usize>) -> Option<u64> {
    let segments: Vec<&str> = url.path_segments()?.collect();
    let at = segments.len().checked_sub(1 + from_end?)?;
    segments.get(at)?.parse().ok()
}

/// The time one operation may take, from its start (or from the end of the
/// last quota reset it waited for).
#[derive(Debug, Clone, Copy)]
struct Deadline {
    started: Instant,
    budget: Duration,
}

impl Deadline {
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn remaining(&self) -> Duration {
        self.budget.saturating_sub(self.elapsed())
    }

    /// The error of an operation that ran out of time after `attempts`.
    fn passed(&self, attempts: u32) -> Error {
        tracing::warn!(attempts, "operation deadline passed");
        Error::Timeout {
            attempts,
            elapsed: self.elapsed(),
            deadline: Some(self.budget),
            source: None,
        }
    }
}

/// One operation on its way through the pipeline.
struct Call<'a> {
    rt: &'a Runtime,
    http: &'a reqwest::Client,
    op: &'static Operation,
    /// The request for the next attempt; a copy is sent while a retry may
    /// follow.
    request: Option<reqwest::Request>,
    deadline: Deadline,
    /// The attempts and waits so far.
    spent: Spent,
    idempotent: bool,
    /// The client the request concerns was created a moment ago.
    target_is_new: bool,
}

impl<'a> Call<'a> {
    fn new(
        rt: &'a Runtime,
        http: &'a reqwest::Client,
        op: &'static Operation,
        mut request: reqwest::Request,
    ) -> Self {
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, rt.authorization.clone());
        // Failures come as JSON too, whatever a success carries.
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        let target = rt
            .retry
            .read_after_create
            .and_then(|_| id_in_path(request.url(), op.client_id_from_end));
        let idempotent = request.method().is_idempotent();
        Self {
            rt,
            http,
            op,
            target_is_new: rt.created.is_new(&rt.retry, target),
            request: Some(request),
            deadline: Deadline {
                started: Instant::now(),
                budget: rt.operation_timeout,
            },
            spent: Spent::default(),
            idempotent,
        }
    }

    /// Steps 2 to 7: attempts and waits until there is an answer to give.
    async fn run<T: DeserializeOwned>(mut self) -> Result<ResponseValue<T>, Error> {
        loop {
            self.admit().await?;
            let attempt = self.spent.attempt();
            let request = self.next_request(attempt)?;
            let capped = self.deadline.remaining() < self.rt.attempt_timeout;
            let sent = exchange::send(self.rt, self.http, self.op, request, attempt).await;
            let verdict = answer::classify(
                self.rt,
                self.op,
                sent.answer,
                attempt,
                &self.deadline,
                capped,
            );
            let failure = match verdict {
                Verdict::Success(answered) => {
                    return self.finish(answered, sent.capture.as_ref(), attempt);
                }
                Verdict::Failure(failure) => failure,
            };
            if let Some(answered) = &failure.answered {
                self.rt.keep(sent.capture.as_ref(), answered, true);
            }
            let failed = wait::Failure {
                policy: &self.rt.retry,
                class: failure.class,
                status: failure.answered.as_ref().map(|a| a.status),
                idempotent: self.idempotent,
                target_is_new: self.target_is_new,
                draw: fastrand::f64(),
            };
            match wait::decide(&self.facts(Moment::AfterFailure(failed))) {
                Decision::Go => {}
                Decision::Wait { delay, reason } => self.carry_out(reason, delay).await,
                // Without an answer, running out of time is what happened.
                Decision::GiveUp(GiveUp::OutOfTime) if failure.unanswered => {
                    return Err(self.deadline.passed(attempt));
                }
                Decision::GiveUp(_) => return Err(failure.error),
            }
        }
    }

    /// Step 2: asks [`wait::decide`] whether the request may go, and
    /// carries out the waits it answers (for the quota reserve, for the
    /// pacing) until it may, or fails as it answers.
    async fn admit(&mut self) -> Result<(), Error> {
        loop {
            match wait::decide(&self.before_attempt()) {
                Decision::Go => return Ok(()),
                Decision::Wait { delay, reason } => self.carry_out(reason, delay).await,
                Decision::GiveUp(GiveUp::ReserveReached {
                    left,
                    kept,
                    resets_in,
                }) => {
                    return Err(Error::QuotaReserveReached {
                        kind: self.op.quota,
                        remaining: left,
                        reserve: kept,
                        resets_in,
                    });
                }
                Decision::GiveUp(GiveUp::OutOfTime | GiveUp::Stands) => {
                    return Err(self.deadline.passed(self.spent.attempts));
                }
            }
        }
    }

    /// What the decision before an attempt depends on: the known quota,
    /// read only under a reserve; the pacer, asked only for a request the
    /// reserve lets go, since its answer takes a slot.
    fn before_attempt(&self) -> Facts<'a> {
        let quota = match self.rt.reserve {
            Some(_) => self.rt.quota.current(self.op.quota).map(|known| Known {
                remaining: known.remaining,
                resets_in: known.resets_in(),
            }),
            None => None,
        };
        let pacing = match &self.rt.pacer {
            Some(pacer) if !wait::holds_back(self.rt.reserve, quota) => pacer.reserve(),
            _ => None,
        };
        self.facts(Moment::BeforeAttempt { quota, pacing })
    }

    /// The facts of a decision at `moment`.
    fn facts(&self, moment: Moment<'a>) -> Facts<'a> {
        Facts {
            left: self.deadline.remaining(),
            reserve: self.rt.reserve,
            spent: self.spent,
            moment,
        }
    }

    /// The request for attempt number `attempt`, its timeout cut to what
    /// is left of the deadline; a copy is kept while a retry may follow (a
    /// body that cannot be copied, never the case for JSON, gets one
    /// attempt).
    fn next_request(&mut self, attempt: u32) -> Result<reqwest::Request, Error> {
        let left = self.deadline.remaining();
        if left.is_zero() {
            return Err(self.deadline.passed(attempt.saturating_sub(1)));
        }
        let spare = if self.spent.may_retry(&self.rt.retry, self.rt.reserve) {
            self.request.as_ref().and_then(reqwest::Request::try_clone)
        } else {
            None
        };
        let mut request = match spare {
            Some(copy) => copy,
            None => self
                .request
                .take()
                .ok_or_else(|| self.deadline.passed(attempt.saturating_sub(1)))?,
        };
        *request.timeout_mut() = Some(self.rt.attempt_timeout.min(left));
        Ok(request)
    }

    /// Carries out a wait [`wait::decide`] answered: reported (to
    /// tracing and the progress callbacks), made, and counted. After a
    /// quota reset, which the caller asked to wait for however long, the
    /// deadline starts afresh.
    async fn carry_out(&mut self, reason: WaitReason, delay: Duration) {
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        match reason {
            WaitReason::Backoff { retry, status } => tracing::warn!(
                attempt = retry,
                status = status.map(|s| s.as_u16()),
                delay_ms,
                "retrying"
            ),
            WaitReason::QuotaReset => tracing::warn!(
                kind = %self.op.quota,
                delay_ms,
                "quota used up or reserve reached; waiting for the reset"
            ),
            WaitReason::Pacing | WaitReason::NotYetVisible { .. } => {}
        }
        self.rt.observers.report_wait(reason, delay);
        tokio::time::sleep(delay).await;
        self.spent.count(reason, delay);
        if reason == WaitReason::QuotaReset {
            self.deadline.started = Instant::now();
        }
    }

    /// Steps 6 and 7: the success decoded, remembered for
    /// read-after-create, and kept by the recorder as it asks.
    fn finish<T: DeserializeOwned>(
        &self,
        answered: exchange::Answered,
        capture: Option<&crate::record::Capture>,
        attempts: u32,
    ) -> Result<ResponseValue<T>, Error> {
        let decoded = answer::decode::<T>(self.op, &answered, attempts);
        self.rt.keep(capture, &answered, decoded.is_err());
        let value = decoded?;
        if self.op.creates {
            self.rt.created.remember(&self.rt.retry, &answered.body);
        }
        Ok(ResponseValue::new(
            value,
            answered.status,
            answered.headers,
            attempts,
        ))
    }
}

impl Runtime {
    /// Gives an answered exchange to the recorder, if there is one.
    fn keep(
        &self,
        capture: Option<&crate::record::Capture>,
        answered: &exchange::Answered,
        failed: bool,
    ) {
        if let (Some(recorder), Some(capture)) = (&self.recorder, capture) {
            recorder.keep(
                capture,
                answered.status,
                &answered.headers,
                &answered.body,
                failed,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_the_end_of_the_path() {
        let url = reqwest::Url::parse("http://h/api/v9/workspaces/7/clients/9").expect("url");
        assert_eq!(id_in_path(&url, Some(0)), Some(9));
        assert_eq!(id_in_path(&url, Some(2)), Some(7));
        assert_eq!(id_in_path(&url, None), None);
        assert_eq!(id_in_path(&url, Some(9)), None);
    }
}
