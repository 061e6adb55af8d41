//! What one attempt's outcome means for sending the request again, apart
//! from any policy: whether the service can have acted on it, and when it
//! asked to be tried again.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::headers::header_str;

/// The retry meaning of one attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryClass {
    /// The service did not act on the request (a `429`, a refused
    /// connection): safe to send again, a create included.
    NotActedOn { after: Option<Duration> },
    /// The service may have acted on it (a `5xx`, a connection that broke
    /// after sending): only an idempotent request is sent again.
    MayHaveActed { after: Option<Duration> },
    /// `404`: final, unless the target was created a moment ago.
    NotFound,
    /// The answer stands.
    Final,
}

/// The class of an answer.
pub(crate) fn of_status(status: StatusCode, headers: &HeaderMap) -> RetryClass {
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
pub(crate) fn of_transport(error: &reqwest::Error) -> RetryClass {
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
    let value = header_str(headers, RETRY_AFTER.as_str())?;
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

#[cfg(test)]
mod tests {
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
