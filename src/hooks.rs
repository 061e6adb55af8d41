//! The hand-written behaviour every generated operation passes through, in
//! progenitor's `ClientHooks`, so no operation is wrapped by hand. This is
//! the I/O: the quota reserve, pacing, sending, reading the body once
//! within a size cap, the quota report, tracing, and waiting. What to do
//! after each attempt is the attempt engine's ([`crate::retry::state`]),
//! and how an answer becomes an error is [`crate::classify`]'s.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use tokio::time::Instant;
use tracing::Instrument;

use crate::Client;
use crate::body::{self, Buffered, ReadError};
use crate::ending::Ended;
use crate::events::{AttemptEvent, AttemptPhase, Observers, WaitReason};
use crate::generated::operation_facts::{self, Operation};
use crate::headers::{REQUEST_ID, header_str};
use crate::pacing::Pacer;
use crate::quota::{Quota, QuotaKind, QuotaReserve, QuotaTracker};
use crate::retry::RetryPolicy;
use crate::retry::class::{self, RetryClass};
use crate::retry::state::{RetryState, Step};

/// The state the generated [`Client`] carries besides its `reqwest::Client`.
///
/// Only [`crate::ClientBuilder::build`] makes one: it is not exported, has no
/// public constructor and no `Default`, so no client exists without the
/// builder's credentials and timeouts.
#[derive(Clone, Debug)]
pub struct Inner {
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Option<Arc<Pacer>>,
    pub(crate) observers: Observers,
    pub(crate) quota: QuotaTracker,
    pub(crate) reserve: Option<QuotaReserve>,
    pub(crate) operation_timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) created: RecentlyCreated,
}

/// The quota remaining at or below which a warning is logged.
const LOW_QUOTA: i64 = 5;

impl Inner {
    async fn pace(&self) {
        let Some(pacer) = &self.pacer else { return };
        loop {
            let wait = pacer.reserve();
            if wait.is_zero() {
                return;
            }
            self.observers.wait(WaitReason::Pacing, wait).await;
        }
    }

    /// `Some` when the reserve holds the request back; waits for the reset
    /// first when the reserve says so.
    async fn hold_for_reserve(&self, kind: QuotaKind) -> Option<Ended> {
        let reserve = self.reserve?;
        let known = self.quota.current(kind)?;
        if known.remaining > i64::try_from(reserve.kept()).unwrap_or(i64::MAX) {
            return None;
        }
        if reserve.waits() {
            tracing::warn!(%kind, remaining = known.remaining, "quota reserve reached; waiting for the reset");
            self.observers
                .wait(WaitReason::QuotaReset, known.resets_in())
                .await;
            return None;
        }
        Some(Ended::ReserveReached {
            kind,
            remaining: known.left().unwrap_or(0),
            reserve: reserve.kept(),
            resets_in: known.resets_in(),
        })
    }
}

/// Ids of clients created a moment ago, for read-after-create.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecentlyCreated(Arc<Mutex<Vec<(u64, Instant)>>>);

impl RecentlyCreated {
    fn list(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Instant)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, id: u64, window: Duration) {
        let mut list = self.list();
        list.retain(|(_, at)| at.elapsed() < window);
        list.push((id, Instant::now()));
    }

    fn contains(&self, id: u64, window: Duration) -> bool {
        self.list()
            .iter()
            .any(|(known, at)| *known == id && at.elapsed() < window)
    }
}

/// The path segment `from_end` places before the last one, as a number.
fn id_in_path(url: &reqwest::Url, from_end: Option<usize>) -> Option<u64> {
    let segments: Vec<&str> = url.path_segments()?.collect();
    let at = segments.len().checked_sub(1 + from_end?)?;
    segments.get(at)?.parse().ok()
}

impl ClientHooks<Inner> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let op = operation_facts::find(info.operation_id);
        let workspace = op.and_then(|o| id_in_path(request.url(), o.workspace_id_from_end));
        let span = tracing::debug_span!(
            "toggl_operation",
            operation = info.operation_id,
            method = op.map_or("", |o| o.method),
            path = op.map_or("", |o| o.path),
            workspace_id = workspace,
        );
        let attempts = AtomicU32::new(0);
        let started = Instant::now();
        let deadline = self.inner().operation_timeout;
        let run = self.attempts(request, info, op, &attempts).instrument(span);
        match tokio::time::timeout(deadline, run).await {
            Ok(response) => response,
            Err(_) => {
                let attempts = attempts.load(Ordering::Relaxed);
                tracing::warn!(
                    operation = info.operation_id,
                    attempts,
                    "operation deadline passed"
                );
                Ok(ended(Ended::Deadline {
                    attempts,
                    elapsed: started.elapsed(),
                    deadline,
                }))
            }
        }
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // An operation the hooks ended goes to the generated code as its
        // error, so progenitor never tries (and fails) to decode the body;
        // `send()` converts it into `Error` before the caller sees it.
        if let Ok(response) = result
            && let Some(ending) = response.extensions().get::<Ended>()
        {
            return Err(progenitor_client::Error::UnexpectedResponse(ended(
                ending.clone(),
            )));
        }
        Ok(())
    }
}

impl Client {
    /// Every attempt of one operation, with the waits between them.
    async fn attempts(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
        op: Option<&'static Operation>,
        attempts: &AtomicU32,
    ) -> reqwest::Result<reqwest::Response> {
        let inner = self.inner();
        let kind = if op.is_some_and(|o| o.user_quota) {
            QuotaKind::User
        } else {
            QuotaKind::Organization
        };
        let target = op.and_then(|o| id_in_path(request.url(), o.client_id_from_end));
        let mut state = RetryState::new(
            &inner.retry,
            request.method().is_idempotent(),
            inner.operation_timeout,
        );
        let started = Instant::now();
        let mut current = request;
        loop {
            let attempt = state.attempt();
            attempts.store(attempt, Ordering::Relaxed);
            if let Some(held) = inner.hold_for_reserve(kind).await {
                return Ok(ended(held));
            }
            // A spare copy for the next attempt, when one may follow; a body
            // that cannot be cloned (never the case for JSON) gets exactly
            // one attempt.
            let spare = if state.may_retry() {
                current.try_clone()
            } else {
                None
            };
            inner.pace().await;
            let event = |phase| AttemptEvent {
                operation: info.operation_id,
                attempt,
                max_attempts: inner.retry.max_attempts,
                phase,
            };
            inner.observers.attempt(event(AttemptPhase::Sent));
            let sent = Instant::now();
            let result = match self.client().execute(current).await {
                Ok(response) => body::read(response, inner.max_response_bytes).await,
                Err(e) => Err(ReadError::Transport(e)),
            };
            let (retry, status) = match &result {
                Ok(b) => {
                    inner.quota.record(kind, &b.headers);
                    report(b, attempt, sent.elapsed());
                    self.remember_created(op, b);
                    (class::of_status(b.status, &b.headers), Some(b.status))
                }
                Err(
                    ReadError::TooLarge { status, headers }
                    | ReadError::Undecodable {
                        status, headers, ..
                    },
                ) => {
                    inner.quota.record(kind, headers);
                    (RetryClass::Final, Some(*status))
                }
                Err(ReadError::Transport(e)) => {
                    tracing::debug!(attempt, error = %e, "attempt failed");
                    (class::of_transport(e), None)
                }
            };
            inner.observers.attempt(event(AttemptPhase::Ended {
                status,
                elapsed: sent.elapsed(),
            }));
            let target_is_new = target.is_some_and(|id| {
                inner
                    .retry
                    .read_after_create
                    .is_some_and(|rule| inner.created.contains(id, rule.window))
            });
            let step = state.step(retry, status, target_is_new, started.elapsed());
            match (step, spare) {
                (Step::Wait { delay, reason }, Some(next)) => {
                    retrying(attempt, status, delay);
                    inner.observers.wait(reason, delay).await;
                    current = next;
                }
                // Without an answer, running out of time is what happened.
                (Step::OutOfTime, _) if matches!(result, Err(ReadError::Transport(_))) => {
                    return Ok(ended(Ended::Deadline {
                        attempts: attempt,
                        elapsed: started.elapsed(),
                        deadline: inner.operation_timeout,
                    }));
                }
                _ => {
                    return Ok(match result {
                        Ok(b) => finish(b, op),
                        Err(ReadError::TooLarge { status, headers }) => {
                            tracing::warn!(
                                limit = inner.max_response_bytes,
                                "response larger than the cap"
                            );
                            ended(Ended::TooLarge {
                                operation: info.operation_id,
                                limit: inner.max_response_bytes,
                                status,
                                headers,
                            })
                        }
                        Err(ReadError::Undecodable {
                            status,
                            headers,
                            error,
                        }) => {
                            tracing::warn!(%error, "the body's encoding cannot be decoded");
                            ended(Ended::Undecodable {
                                status,
                                headers,
                                reason: crate::classify::encoding_failure(&error),
                            })
                        }
                        Err(ReadError::Transport(e)) => {
                            ended(Ended::transport(state.attempts(), started.elapsed(), e))
                        }
                    });
                }
            }
        }
    }

    /// Remembers the id a create answered with, for read-after-create.
    fn remember_created(&self, op: Option<&Operation>, b: &Buffered) {
        let inner = self.inner();
        if let Some(rule) = &inner.retry.read_after_create
            && op.is_some_and(|o| o.creates)
            && b.status.is_success()
            && let Some(id) = created_id(&b.body)
        {
            inner.created.remember(id, rule.window);
        }
    }
}

/// The id of the client a create answered with.
fn created_id(body: &[u8]) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Created {
        id: u64,
    }
    serde_json::from_slice::<Created>(body).ok().map(|c| c.id)
}

/// One attempt as a debug event (a warning when the quota runs low); the
/// body only at trace level, and never a header but the ones named.
fn report(b: &Buffered, attempt: u32, elapsed: Duration) {
    let quota = Quota::from_headers(&b.headers);
    let request_id = header_str(&b.headers, REQUEST_ID);
    tracing::debug!(
        attempt,
        status = b.status.as_u16(),
        request_id,
        quota_remaining = quota.remaining,
        quota_resets_in_s = quota.resets_in.map(|d| d.as_secs()),
        elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        "response"
    );
    if quota.remaining.is_some_and(|n| n <= LOW_QUOTA) {
        tracing::warn!(
            quota_remaining = quota.remaining,
            quota_resets_in_s = quota.resets_in.map(|d| d.as_secs()),
            "the hourly request quota is running low"
        );
    }
    tracing::trace!(body = %String::from_utf8_lossy(&b.body[..b.body.len().min(4096)]), "response body");
}

fn retrying(attempt: u32, status: Option<reqwest::StatusCode>, delay: Duration) {
    tracing::warn!(
        attempt,
        status = status.map(|s| s.as_u16()),
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        "retrying"
    );
}

/// The carrier of an ending, from the hooks through `post` to the
/// conversion in `send()`: bodiless, and read only for its extension (its
/// status is left at its default and never read).
fn ended(ending: Ended) -> reqwest::Response {
    let mut response = http::Response::new(Bytes::new());
    response.extensions_mut().insert(ending);
    response.into()
}

/// Rebuilds the response from its read body, after tolerant fixes, and marks
/// failures for `post`.
fn finish(mut b: Buffered, op: Option<&Operation>) -> reqwest::Response {
    let is_json = b
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|c| c.contains("json"));
    let failed = if b.status.is_success() {
        if op.is_some_and(|o| o.array_response) && b.body.trim_ascii() == b"null" {
            b.body = Bytes::from_static(b"[]");
            b.headers.insert(CONTENT_LENGTH, HeaderValue::from(2u32));
        }
        // Answers without a described body are not read, whatever they
        // hold; any other success must carry JSON, not encoded in a way the
        // client did not decode.
        let encoded = crate::classify::foreign_encoding(&b.headers).is_some();
        !op.is_some_and(|o| o.bodiless_success)
            && (b.body.trim_ascii().is_empty() || !is_json || encoded)
    } else {
        true
    };
    let mut response = http::Response::new(b.body.clone());
    *response.status_mut() = b.status;
    *response.version_mut() = b.version;
    if failed {
        response.extensions_mut().insert(Ended::Failed {
            status: b.status,
            headers: b.headers.clone(),
            body: b.body,
        });
    }
    *response.headers_mut() = b.headers;
    response.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    fn op(id: &str) -> Option<&'static Operation> {
        operation_facts::find(id)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Whatever arrives, `finish` and the conversion to `Error` do not
        /// panic, and a failure always carries its status.
        #[test]
        fn any_response_is_finished_without_panic(
            status in 100u16..1000,
            content_type in proptest::option::of("[ -~]{0,40}"),
            body in proptest::collection::vec(any::<u8>(), 0..300),
            id in prop_oneof![Just("list_clients"), Just("get_client"), Just("delete_client")],
        ) {
            let status = StatusCode::from_u16(status).expect("valid");
            let mut headers = HeaderMap::new();
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                headers.insert(CONTENT_TYPE, ct);
            }
            let buffered = Buffered { status, version: reqwest::Version::HTTP_11, headers, body: Bytes::from(body) };
            let response = finish(buffered, op(id));
            prop_assert_eq!(response.status(), status);
            if let Some(Ended::Failed { status: s, headers, body }) = response.extensions().get::<Ended>() {
                let err = crate::classify::response(*s, headers, body);
                prop_assert_eq!(err.status(), Some(status));
            } else {
                prop_assert!(status.is_success());
            }
        }
    }

    #[test]
    fn null_becomes_an_empty_list_only_for_array_operations() {
        let make = || Buffered {
            status: StatusCode::OK,
            version: reqwest::Version::HTTP_11,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b" null\n"),
        };
        let list = finish(make(), op("list_clients"));
        assert!(list.extensions().get::<Ended>().is_none());
        // Left alone: decoding `null` as a client fails and says so.
        let get = finish(make(), op("get_client"));
        assert!(get.extensions().get::<Ended>().is_none());
    }

    #[test]
    fn ids_are_read_from_the_end_of_the_path() {
        let url = reqwest::Url::parse("http://h/api/v9/workspaces/7/clients/9").expect("url");
        let get = op("get_client").expect("known");
        assert_eq!(id_in_path(&url, get.client_id_from_end), Some(9));
        assert_eq!(id_in_path(&url, get.workspace_id_from_end), Some(7));
        assert_eq!(id_in_path(&url, None), None);
    }
}
