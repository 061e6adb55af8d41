//! The headers Toggl's answers carry besides the body, by name, and how
//! they are read: one home for the meta, quota, error and retry readers.

use reqwest::header::{AsHeaderName, HeaderMap, HeaderName};

/// Header naming the request, to quote when reporting a problem to Toggl.
pub const REQUEST_ID: &str = "x-toggl-request-id";
/// Header with the requests left in the current quota window.
pub const QUOTA_REMAINING: &str = "x-toggl-quota-remaining";
/// Header with the seconds until the quota window starts afresh.
pub const QUOTA_RESETS_IN: &str = "x-toggl-quota-resets-in";

/// The same names, ready for lookups that need not parse a name each time.
pub(crate) const REQUEST_ID_NAME: HeaderName = HeaderName::from_static(REQUEST_ID);
pub(crate) const QUOTA_REMAINING_NAME: HeaderName = HeaderName::from_static(QUOTA_REMAINING);
pub(crate) const QUOTA_RESETS_IN_NAME: HeaderName = HeaderName::from_static(QUOTA_RESETS_IN);

/// A header's value as trimmed text; `None` when absent, empty or not text.
pub(crate) fn header_str(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub(crate) fn header_u64(headers: &HeaderMap, name: impl AsHeaderName) -> Option<u64> {
    header_str(headers, name)?.parse().ok()
}
