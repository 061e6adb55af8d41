//! What every successful operation returns: the typed body in a
//! [`ResponseValue`], with what the answer said besides it
//! ([`ResponseMeta`]: its status, the request id to quote to Toggl, the
//! quota left) and what the operation spent (its attempts).

use std::ops::{Deref, DerefMut};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::headers::{REQUEST_ID_NAME, header_str};
use crate::quota::Quota;

pub use crate::headers::{QUOTA_REMAINING, QUOTA_RESETS_IN, REQUEST_ID};

/// Status, request id and quota of one answer, and the attempts it took.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `X-Toggl-Request-Id` header, if the response had one.
    pub request_id: Option<String>,
    /// The quota headers.
    pub quota: Quota,
    /// Requests the operation sent, retries included: what it spent of
    /// the quota.
    pub attempts: u32,
    /// The service's clock when it answered (the `Date` header), when the
    /// answer said: the time to reckon from, rather than this machine's.
    pub date: Option<std::time::SystemTime>,
}

impl ResponseMeta {
    /// Reads the metadata of an answer from its status and headers.
    pub fn new(status: StatusCode, headers: &HeaderMap, attempts: u32) -> Self {
        Self {
            status,
            request_id: header_str(headers, REQUEST_ID_NAME).map(str::to_owned),
            quota: Quota::from_headers(headers),
            attempts,
            date: header_str(headers, reqwest::header::DATE)
                .and_then(|d| httpdate::parse_http_date(d).ok()),
        }
    }
}

/// A successful operation's typed body, with its status and headers and
/// the attempts it took. It derefs to the body; [`into_inner`](Self::into_inner)
/// takes it.
///
/// ```no_run
/// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
/// let clients = client.list_clients().workspace_id(1234567u64).send().await?;
/// let meta = clients.meta();
/// println!("{} clients, {} requests left this hour, {} attempt(s)",
///     clients.len(), meta.quota.remaining.unwrap_or(0), meta.attempts);
/// # Ok(()) }
/// ```
pub struct ResponseValue<T> {
    inner: T,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl<T> ResponseValue<T> {
    /// A value as an operation returns it (for fixtures in callers' tests).
    pub fn new(inner: T, status: StatusCode, headers: HeaderMap, attempts: u32) -> Self {
        Self {
            inner,
            status,
            headers,
            attempts,
        }
    }

    /// The typed body.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Requests the operation sent, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Status, request id, quota and attempts.
    pub fn meta(&self) -> ResponseMeta {
        ResponseMeta::new(self.status, &self.headers, self.attempts)
    }

    /// The same answer with its body changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue {
            inner: f(self.inner),
            status: self.status,
            headers: self.headers,
            attempts: self.attempts,
        }
    }
}

impl<T> Deref for ResponseValue<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for ResponseValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for ResponseValue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}
