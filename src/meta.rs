//! What every response says besides its body: its status, the request id
//! to quote to Toggl, and the caller's remaining quota.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::headers::header_str;
use crate::quota::Quota;

pub use crate::headers::{QUOTA_REMAINING, QUOTA_RESETS_IN, REQUEST_ID};

/// Status, request id and quota of one response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
/// use toggl_track_api::meta::ResponseMetaExt;
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
