//! One attempt on the wire: the request sent, the answer's body read whole
//! within the size cap (so that a hostile or broken server cannot make the
//! client hold more than the cap, whatever it announces or streams), the
//! quota it reports noted, and the attempt told to tracing, the progress
//! callbacks and the request count. What the answer means is not decided
//! here.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};
use tokio::time::Instant;

use super::{Operation, Runtime};
use crate::events::{AttemptEvent, AttemptPhase};
use crate::headers::{REQUEST_ID_NAME, header_str};
use crate::quota::Quota;
use crate::record::Capture;

/// The quota remaining at or below which a warning is logged.
const LOW_QUOTA: i64 = 5;

/// An answer with its body read whole (decompressed, when it came
/// compressed).
pub(super) struct Answered {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// An attempt that got no body to read.
pub(super) enum NoAnswer {
    /// The connection failed or broke (a timeout included).
    Transport(reqwest::Error),
    /// The body (announced or streamed) is larger than the cap; the head
    /// is kept, its quota headers counted.
    TooLarge {
        status: StatusCode,
        headers: HeaderMap,
    },
    /// The body's bytes are not what its encoding says (a broken gzip
    /// stream).
    Undecodable {
        status: StatusCode,
        headers: HeaderMap,
        error: reqwest::Error,
    },
}

/// One attempt's result, and what the recorder needs of its request.
pub(super) struct Sent {
    pub answer: Result<Answered, NoAnswer>,
    pub capture: Option<Capture>,
}

/// Sends attempt number `attempt` of `op` and reads its answer.
pub(super) async fn send(
    rt: &Runtime,
    http: &reqwest::Client,
    op: &Operation,
    request: reqwest::Request,
    attempt: u32,
) -> Sent {
    let capture = rt.recorder.as_ref().map(|_| Capture::of(&request));
    let event = |phase| AttemptEvent {
        operation: op.id,
        attempt,
        max_attempts: rt.retry.max_attempts,
        phase,
    };
    rt.observers.attempt(event(AttemptPhase::Sent));
    rt.sent.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let answer = match http.execute(request).await {
        Ok(response) => read(response, rt.max_response_bytes).await,
        Err(e) => Err(NoAnswer::Transport(e)),
    };
    let elapsed = started.elapsed();
    let status = match &answer {
        Ok(a) => {
            let quota = Quota::from_headers(&a.headers);
            rt.quota.record(op.quota, quota);
            report(a, quota, attempt, elapsed);
            Some(a.status)
        }
        Err(
            NoAnswer::TooLarge { status, headers }
            | NoAnswer::Undecodable {
                status, headers, ..
            },
        ) => {
            rt.quota.record(op.quota, Quota::from_headers(headers));
            Some(*status)
        }
        Err(NoAnswer::Transport(e)) => {
            tracing::debug!(attempt, error = %e, "attempt failed");
            None
        }
    };
    rt.observers
        .attempt(event(AttemptPhase::Ended { status, elapsed }));
    Sent { answer, capture }
}

/// Reads the body chunk by chunk and stops as soon as it passes `cap`.
///
/// With a known length (an answer as it is) a larger body is refused before
/// a byte of it is read. An answer of one chunk (most are) is kept as it
/// came; from the second chunk on, the chunks are copied into one buffer:
/// a decoder's chunk can be a small view of a much larger allocation, and
/// keeping the chunks would keep those allocations (a gzip bomb held many
/// times the cap that way).
async fn read(mut response: reqwest::Response, cap: u64) -> Result<Answered, NoAnswer> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > cap) {
        return Err(NoAnswer::TooLarge { status, headers });
    }
    let mut body = Collected::Empty;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) if super::retry::corrupt_encoding(&error) => {
                return Err(NoAnswer::Undecodable {
                    status,
                    headers,
                    error,
                });
            }
            Err(error) => return Err(NoAnswer::Transport(error)),
        };
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(NoAnswer::TooLarge { status, headers });
        }
        body = body.push(chunk, announced);
    }
    let body = body.into_bytes();
    Ok(Answered {
        status,
        headers,
        body,
    })
}

/// A body as it is read: nothing yet, the first chunk as it came, or the
/// chunks so far copied into one buffer.
enum Collected {
    Empty,
    One(Bytes),
    Many(BytesMut),
}

impl Collected {
    fn len(&self) -> usize {
        match self {
            Self::Empty => 0,
            Self::One(b) => b.len(),
            Self::Many(b) => b.len(),
        }
    }

    /// Adds `chunk`; the buffer, once needed, is sized for the announced
    /// length or twice what has come, and grows by doubling.
    fn push(self, chunk: Bytes, announced: Option<u64>) -> Self {
        match self {
            Self::Empty => Self::One(chunk),
            Self::One(first) => {
                let so_far = first.len() + chunk.len();
                let sized = announced.and_then(|n| usize::try_from(n).ok());
                let mut buf = BytesMut::with_capacity(sized.unwrap_or(0).max(2 * so_far));
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&chunk);
                Self::Many(buf)
            }
            Self::Many(mut buf) => {
                buf.extend_from_slice(&chunk);
                Self::Many(buf)
            }
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Self::Empty => Bytes::new(),
            Self::One(b) => b,
            Self::Many(b) => b.freeze(),
        }
    }
}

/// One attempt as a debug event (a warning when the quota runs low); the
/// body only at trace level, and never a header but the ones named.
fn report(a: &Answered, quota: Quota, attempt: u32, elapsed: Duration) {
    tracing::debug!(
        attempt,
        status = a.status.as_u16(),
        request_id = header_str(&a.headers, REQUEST_ID_NAME),
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
    tracing::trace!(body = %String::from_utf8_lossy(&a.body[..a.body.len().min(4096)]), "response body");
}
