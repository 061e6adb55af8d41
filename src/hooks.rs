//! The hand-written behaviour every generated operation passes through:
//! pacing, retries, reading the body once, tolerant decoding and turning
//! failures into [`crate::Error`]. It lives in progenitor's `ClientHooks`, so
//! no operation is wrapped by hand.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};

use crate::Client;
use crate::error::FailedResponse;
use crate::pacing::Pacer;
use crate::retry::{Outcome, RetryPolicy, retryable};

/// Why the client is about to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// Keeping to the configured [`crate::Pacing`].
    Pacing,
    /// Backing off before retry number `retry` after a failed attempt;
    /// `status` is the failed attempt's HTTP status, if it got one.
    Backoff {
        /// 1 for the first retry.
        retry: u32,
        /// The status that caused the retry, if any.
        status: Option<StatusCode>,
    },
}

/// A wait the client is about to make, reported to [`crate::ClientBuilder::on_wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitEvent {
    /// Why it waits.
    pub reason: WaitReason,
    /// How long it waits.
    pub duration: Duration,
}

pub(crate) type WaitCallback = Arc<dyn Fn(WaitEvent) + Send + Sync>;

/// State the generated [`Client`] carries besides its `reqwest::Client`.
#[derive(Clone, Default)]
pub struct Inner {
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Option<Arc<Pacer>>,
    pub(crate) on_wait: Option<WaitCallback>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("retry", &self.retry)
            .field("pacing", &self.pacer.is_some())
            .field("on_wait", &self.on_wait.is_some())
            .finish()
    }
}

impl Inner {
    async fn wait(&self, reason: WaitReason, duration: Duration) {
        if let Some(callback) = &self.on_wait {
            callback(WaitEvent { reason, duration });
        }
        tokio::time::sleep(duration).await;
    }

    async fn pace(&self) {
        let Some(pacer) = &self.pacer else { return };
        loop {
            let wait = pacer.reserve();
            if wait.is_zero() {
                return;
            }
            self.wait(WaitReason::Pacing, wait).await;
        }
    }
}

/// One attempt's response with its body fully read.
struct Buffered {
    status: StatusCode,
    version: reqwest::Version,
    headers: HeaderMap,
    body: Bytes,
}

async fn read(mut response: reqwest::Response) -> reqwest::Result<Buffered> {
    let status = response.status();
    let version = response.version();
    // Taken, not cloned: the response is consumed below anyway.
    let headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await?;
    Ok(Buffered {
        status,
        version,
        headers,
        body,
    })
}

impl ClientHooks<Inner> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let inner = self.inner();
        let idempotent = request.method().is_idempotent();
        let started = tokio::time::Instant::now();
        let mut current = request;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // A spare copy for the next attempt, when one may follow; a body
            // that cannot be cloned (never the case for JSON) gets exactly
            // one attempt.
            let spare = if attempt < inner.retry.max_attempts {
                current.try_clone()
            } else {
                None
            };
            inner.pace().await;
            let result = match self.client().execute(current).await {
                Ok(response) => read(response).await,
                Err(e) => Err(e),
            };
            let (outcome, status) = match &result {
                Ok(b) => (Outcome::Status(b.status, &b.headers), Some(b.status)),
                Err(e) => (Outcome::Transport(e), None),
            };
            let hint = retryable(&outcome, idempotent);
            if let (Some(next), Some(hint)) = (spare, hint) {
                let delay = hint.unwrap_or_else(|| inner.retry.backoff(attempt));
                let within_budget = started.elapsed() + delay <= inner.retry.max_elapsed;
                if within_budget {
                    tracing::debug!(
                        operation = info.operation_id,
                        attempt,
                        ?status,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "retrying"
                    );
                    let reason = WaitReason::Backoff {
                        retry: attempt,
                        status,
                    };
                    inner.wait(reason, delay).await;
                    current = next;
                    continue;
                }
            }
            return result.map(|b| finish(b, info));
        }
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // A failure judged in `exec` goes to the caller as
        // `UnexpectedResponse` carrying the read body in its extensions, so
        // progenitor never tries (and fails) to decode a non-JSON error body.
        if let Ok(response) = result
            && let Some(failed) = response.extensions().get::<FailedResponse>()
        {
            let mut copy = http::Response::new(Bytes::new());
            *copy.status_mut() = failed.status;
            copy.extensions_mut().insert(failed.clone());
            return Err(progenitor_client::Error::UnexpectedResponse(copy.into()));
        }
        Ok(())
    }
}

/// Operations whose success body is a JSON array; a `null` body there means
/// an empty list.
const ARRAY_OPERATIONS: &[&str] = crate::generated::operation_facts::ARRAY_RESPONSE_OPERATIONS;
/// Operations whose success carries nothing of use; whatever body comes with
/// it is accepted unread.
const BODILESS_OPERATIONS: &[&str] = crate::generated::operation_facts::BODILESS_SUCCESS_OPERATIONS;

/// Rebuilds the response from its read body, after tolerant fixes, and marks
/// failures for `post`.
fn finish(mut b: Buffered, info: &OperationInfo) -> reqwest::Response {
    let is_json = b
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|c| c.contains("json"));
    let failed = if b.status.is_success() {
        if ARRAY_OPERATIONS.contains(&info.operation_id) && b.body.trim_ascii() == b"null" {
            b.body = Bytes::from_static(b"[]");
            b.headers.insert(CONTENT_LENGTH, HeaderValue::from(2u32));
        }
        // Answers without a described body are not read, whatever they
        // hold; any other success must carry JSON.
        !BODILESS_OPERATIONS.contains(&info.operation_id)
            && (b.body.trim_ascii().is_empty() || !is_json)
    } else {
        true
    };
    let mut response = http::Response::new(b.body.clone());
    *response.status_mut() = b.status;
    *response.version_mut() = b.version;
    if failed {
        response.extensions_mut().insert(FailedResponse {
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Whatever arrives, `finish` and the conversion to `Error` do not
        /// panic, and a failure always carries its status.
        #[test]
        fn any_response_is_finished_without_panic(
            status in 100u16..1000,
            content_type in proptest::option::of("[ -~]{0,40}"),
            body in proptest::collection::vec(any::<u8>(), 0..300),
            op in prop_oneof![Just("list_clients"), Just("get_client"), Just("delete_client")],
        ) {
            let status = StatusCode::from_u16(status).expect("valid");
            let mut headers = HeaderMap::new();
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                headers.insert(CONTENT_TYPE, ct);
            }
            let buffered = Buffered { status, version: reqwest::Version::HTTP_11, headers, body: Bytes::from(body) };
            let response = finish(buffered, &OperationInfo { operation_id: op });
            prop_assert_eq!(response.status(), status);
            if let Some(failed) = response.extensions().get::<FailedResponse>() {
                let err = crate::error::classify(failed.status, &failed.headers, &failed.body);
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
        let list = finish(
            make(),
            &OperationInfo {
                operation_id: "list_clients",
            },
        );
        assert!(list.extensions().get::<FailedResponse>().is_none());
        let get = finish(
            make(),
            &OperationInfo {
                operation_id: "get_client",
            },
        );
        // Left alone: decoding `null` as a client fails and says so.
        assert!(get.extensions().get::<FailedResponse>().is_none());
    }
}
