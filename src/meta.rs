//! What every response says besides its body: the request id and the
//! caller's remaining quota.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Header naming the request, to quote when reporting a problem to Toggl.
pub const REQUEST_ID: &str = "x-toggl-request-id";
/// Header with the requests left in the current quota window.
pub const QUOTA_REMAINING: &str = "x-toggl-quota-remaining";
/// Header with the seconds until the quota window starts afresh.
pub const QUOTA_RESETS_IN: &str = "x-toggl-quota-resets-in";

/// The caller's hourly request quota, as the last response reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the window starts afresh.
    pub resets_in: Option<Duration>,
}

impl Quota {
    /// Reads the quota headers; a missing or malformed header is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            remaining: header_u64(headers, QUOTA_REMAINING),
            resets_in: header_u64(headers, QUOTA_RESETS_IN).map(Duration::from_secs),
        }
    }
}

/// Status, request id and quota of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseMeta {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `X-Toggl-Request-Id` header, if the response had one.
    pub request_id: Option<String>,
    /// The quota headers.
    pub quota: Quota,
}

impl ResponseMeta {
    /// Reads the metadata of a response from its status and headers.
    pub fn new(status: StatusCode, headers: &HeaderMap) -> Self {
        Self {
            status,
            request_id: header_str(headers, REQUEST_ID).map(str::to_owned),
            quota: Quota::from_headers(headers),
        }
    }
}

/// Gives successful responses access to their [`ResponseMeta`] without
/// giving up the typed body.
///
/// ```no_run
/// # async fn f(client: &toggl_track_api::Client) -> Result<(), toggl_track_api::Error> {
/// use toggl_track_api::ResponseMetaExt;
/// let clients = client.list_clients().workspace_id(1234567u64).send().await?;
/// println!("{} left this hour", clients.meta().quota.remaining.unwrap_or(0));
/// # Ok(()) }
/// ```
pub trait ResponseMetaExt {
    /// Status, request id and quota of this response.
    fn meta(&self) -> ResponseMeta;
}

impl<T> ResponseMetaExt for progenitor_client::ResponseValue<T> {
    fn meta(&self) -> ResponseMeta {
        ResponseMeta::new(self.status(), self.headers())
    }
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_str(headers, name)?.parse().ok()
}
