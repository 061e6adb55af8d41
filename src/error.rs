//! The one error type every operation ends in.
//!
//! The service answers failures in several shapes (a JSON string, plain
//! text, an HTML page, nothing at all); [`classify`] turns each into the
//! variant a caller can act on, with a readable message.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use crate::meta::{QUOTA_REMAINING, QUOTA_RESETS_IN, REQUEST_ID, header_str, header_u64};
use crate::quota::QuotaKind;
use crate::retry::retry_after;

/// Status and request id of a failed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContext {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// `X-Toggl-Request-Id`, when the response carried one.
    pub request_id: Option<String>,
}

impl ErrorContext {
    fn new(status: StatusCode, headers: &HeaderMap) -> Self {
        Self {
            status,
            request_id: header_str(headers, REQUEST_ID).map(str::to_owned),
        }
    }
}

impl std::fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        Ok(())
    }
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400: the service refused the request's content.
    #[error("the request was refused: {message} ({context})")]
    Validation {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 401: the request carried no credentials the service could read.
    #[error("not authenticated: the request carried no usable credentials ({context})")]
    Unauthenticated {
        /// Status and request id.
        context: ErrorContext,
    },
    /// 403: wrong credentials, or no access to this workspace.
    #[error("forbidden: {message} ({context})")]
    Forbidden {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 404: no such client (or workspace).
    #[error("not found: {message} ({context})")]
    NotFound {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 402 because the hourly request quota is used up; not a plan problem.
    #[error("the hourly request quota is used up{} ({context})", resets_in_text(*.resets_in))]
    QuotaExhausted {
        /// Time until the quota window starts afresh, when the service said.
        resets_in: Option<Duration>,
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 402 for any other reason: the operation needs a paid workspace.
    #[error("this needs a paid Toggl plan: {message} ({context})")]
    PaidFeatureRequired {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 429: requests came too fast. Retried by the default policy first.
    #[error("rate limited{} ({context})", retry_after_text(*.retry_after))]
    RateLimited {
        /// The `Retry-After` the service sent, if any.
        retry_after: Option<Duration>,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 410: the endpoint has been withdrawn for good.
    #[error("this endpoint is gone: {message} ({context})")]
    Gone {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 5xx: the service failed.
    #[error("the service failed: {message} ({context})")]
    Server {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// Any other status the client does not expect.
    #[error("unexpected response: {message} ({context})")]
    UnexpectedStatus {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// No complete answer in time: the last attempt timed out, or the
    /// operation ran past its overall deadline
    /// ([`crate::ClientBuilder::operation_timeout`]).
    #[error("{}", timeout_text(*.attempts, *.elapsed, *.deadline))]
    Timeout {
        /// Attempts made, the last one included.
        attempts: u32,
        /// Time spent on the operation, waits included.
        elapsed: Duration,
        /// The operation deadline, when that is what ran out.
        deadline: Option<Duration>,
        /// The last attempt's own timeout, when that is what ran out.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The connection failed or broke (refused, reset, truncated body, TLS).
    #[error("could not reach the service{}: {}", attempts_text(*.attempts), chain(.source))]
    Transport {
        /// Attempts made, the last one included.
        attempts: u32,
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },
    /// The response was larger than [`crate::ClientBuilder::max_response_bytes`];
    /// it was not read further.
    #[error(
        "the response to {operation} is larger than {limit} bytes, the most the client reads; it was not read further ({context})"
    )]
    ResponseTooLarge {
        /// The operation, e.g. `list_clients`.
        operation: String,
        /// The cap, in bytes.
        limit: u64,
        /// Status and request id.
        context: ErrorContext,
    },
    /// Not sent: it would have taken the known remaining quota below the
    /// configured [`crate::QuotaReserve`].
    #[error("not sent: {remaining} request(s) left in the {kind} quota, {reserve} kept in reserve; it resets in {} s", .resets_in.as_secs())]
    QuotaReserveReached {
        /// The quota concerned.
        kind: QuotaKind,
        /// Requests left in the window.
        remaining: u64,
        /// Requests kept in reserve.
        reserve: u64,
        /// Time until the window starts afresh.
        resets_in: Duration,
    },
    /// A response whose body is not what the operation answers.
    #[error(
        "could not decode the response{}{}: {reason}; body starts with {body_prefix:?}",
        .status.map(|s| format!(" (HTTP {})", s.as_u16())).unwrap_or_default(),
        .content_type.as_deref().map(|c| format!(" of type {c}")).unwrap_or_default()
    )]
    Decode {
        /// The HTTP status, when known.
        status: Option<StatusCode>,
        /// The `Content-Type`, when known.
        content_type: Option<String>,
        /// The first bytes of the body, as text.
        body_prefix: String,
        /// What did not match.
        reason: String,
    },
    /// The request could not be built: a parameter is missing or out of
    /// range (an id of 0, say).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// The parameter concerned, when known.
        parameter: Option<String>,
        /// What is wrong, in words.
        message: String,
    },
}

fn timeout_text(attempts: u32, elapsed: Duration, deadline: Option<Duration>) -> String {
    match deadline {
        Some(d) => format!(
            "timed out: the operation ran out of its {} s after {attempts} attempt(s)",
            d.as_secs_f64()
        ),
        None => format!(
            "timed out waiting for the service after {attempts} attempt(s) in {:.1} s",
            elapsed.as_secs_f64()
        ),
    }
}

fn attempts_text(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

/// An error and its causes in one line, each cause once:
/// `error sending request for url (...): client error (Connect): tcp
/// connect error: Connection refused (os error 111)`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

fn resets_in_text(d: Option<Duration>) -> String {
    d.map(|d| format!("; it resets in {} s", d.as_secs()))
        .unwrap_or_default()
}

fn retry_after_text(d: Option<Duration>) -> String {
    d.map(|d| format!("; retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status, for errors that came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Decode { status, .. } => *status,
            _ => self.context().map(|c| c.status),
        }
    }

    /// `X-Toggl-Request-Id` of the failed response, if there was one.
    pub fn request_id(&self) -> Option<&str> {
        self.context()?.request_id.as_deref()
    }

    /// Status and request id, for errors that came from a response.
    pub fn context(&self) -> Option<&ErrorContext> {
        match self {
            Self::Validation { context, .. }
            | Self::Unauthenticated { context }
            | Self::Forbidden { context, .. }
            | Self::NotFound { context, .. }
            | Self::QuotaExhausted { context, .. }
            | Self::PaidFeatureRequired { context, .. }
            | Self::RateLimited { context, .. }
            | Self::Gone { context, .. }
            | Self::Server { context, .. }
            | Self::UnexpectedStatus { context, .. } => Some(context),
            Self::ResponseTooLarge { context, .. } => Some(context),
            Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::QuotaReserveReached { .. }
            | Self::Decode { .. }
            | Self::InvalidRequest { .. } => None,
        }
    }
}

/// How many bytes of an undecodable body an error keeps.
const BODY_PREFIX_BYTES: usize = 256;
/// How long a readable message may get before it is cut.
const MESSAGE_CHARS: usize = 300;

/// How the hooks ended an operation without a usable response, carried to
/// [`Error`]'s `From` conversion in the extensions of the response progenitor
/// hands back, so the conversion needs no I/O.
#[derive(Debug, Clone)]
pub(crate) enum Ended {
    /// A failure status, or a success whose body is unusable; body read.
    Failed {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
    /// The connection failed on the last attempt. The error is taken out
    /// once, by the conversion (`reqwest::Error` cannot be cloned).
    Transport {
        attempts: u32,
        error: Arc<Mutex<Option<reqwest::Error>>>,
    },
    /// The operation deadline passed.
    Deadline {
        attempts: u32,
        elapsed: Duration,
        deadline: Duration,
    },
    /// The body passed the size cap.
    TooLarge {
        operation: &'static str,
        limit: u64,
        status: StatusCode,
        headers: HeaderMap,
    },
    /// The quota reserve held the request back.
    ReserveReached {
        kind: QuotaKind,
        remaining: u64,
        reserve: u64,
        resets_in: Duration,
    },
}

impl Ended {
    pub(crate) fn transport(attempts: u32, error: reqwest::Error) -> Self {
        Self::Transport {
            attempts,
            error: Arc::new(Mutex::new(Some(error))),
        }
    }

    /// The error this ending stands for.
    fn into_error(self) -> Error {
        match self {
            Self::Failed {
                status,
                headers,
                body,
            } => classify(status, &headers, &body),
            Self::Transport { attempts, error } => {
                let taken = error.lock().unwrap_or_else(|p| p.into_inner()).take();
                match taken {
                    Some(source) => from_reqwest(source, attempts),
                    None => Error::InvalidRequest {
                        parameter: None,
                        message: "this error was already converted once".to_owned(),
                    },
                }
            }
            Self::Deadline {
                attempts,
                elapsed,
                deadline,
            } => Error::Timeout {
                attempts,
                elapsed,
                deadline: Some(deadline),
                source: None,
            },
            Self::TooLarge {
                operation,
                limit,
                status,
                headers,
            } => Error::ResponseTooLarge {
                operation: operation.to_owned(),
                limit,
                context: ErrorContext::new(status, &headers),
            },
            Self::ReserveReached {
                kind,
                remaining,
                reserve,
                resets_in,
            } => Error::QuotaReserveReached {
                kind,
                remaining,
                reserve,
                resets_in,
            },
        }
    }
}

/// Turns a failed (or undecodable) response into the matching [`Error`].
pub(crate) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let context = ErrorContext::new(status, headers);
    let content_type = header_str(headers, CONTENT_TYPE.as_str()).map(str::to_owned);
    if status.is_success() || status.is_informational() || status.is_redirection() {
        return Error::Decode {
            status: Some(status),
            content_type,
            body_prefix: body_prefix(body),
            reason: if body.is_empty() {
                "the body is empty".to_owned()
            } else {
                "the body is not JSON".to_owned()
            },
        };
    }
    let said = readable_message(content_type.as_deref(), body);
    let quota = is_quota(headers, said.as_deref());
    let message =
        said.unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
    match status.as_u16() {
        400 => Error::Validation { message, context },
        401 => Error::Unauthenticated { context },
        403 => Error::Forbidden { message, context },
        404 => Error::NotFound { message, context },
        402 if quota => Error::QuotaExhausted {
            resets_in: header_u64(headers, QUOTA_RESETS_IN)
                .or_else(|| seconds_in_sentence(&message))
                .map(Duration::from_secs),
            message,
            context,
        },
        402 => Error::PaidFeatureRequired { message, context },
        429 => Error::RateLimited {
            retry_after: retry_after(headers),
            context,
        },
        410 => Error::Gone { message, context },
        500..=599 => Error::Server { message, context },
        _ => Error::UnexpectedStatus { message, context },
    }
}

/// Whether a 402 is the used-up quota rather than a plan's limit. A body
/// that says what is wrong decides; without one, `X-Toggl-Quota-Remaining:
/// 0` does. (A paid-plan refusal may itself take the last request of the
/// window, so the header alone does not outweigh a message.)
fn is_quota(headers: &HeaderMap, message: Option<&str>) -> bool {
    match message.map(str::to_ascii_lowercase) {
        Some(m) => m.contains("hourly limit") || m.contains("quota"),
        None => header_u64(headers, QUOTA_REMAINING) == Some(0),
    }
}

/// The first number followed by "second" in the quota sentence
/// ("... The quota will reset in 1234 seconds.").
fn seconds_in_sentence(message: &str) -> Option<u64> {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        pair[1]
            .to_ascii_lowercase()
            .starts_with("second")
            .then(|| pair[0].parse().ok())
            .flatten()
    })
}

/// A short readable message from a JSON string, JSON object, plain text or
/// HTML body; `None` for an empty body.
fn readable_message(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let from_json = match &value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(map) => ["message", "error", "error_message"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()).map(str::to_owned)),
            _ => None,
        };
        return Some(shorten(&from_json.unwrap_or_else(|| value.to_string())));
    }
    let is_html = content_type.is_some_and(|c| c.contains("html")) || text.starts_with('<');
    if is_html {
        let title = between(text, "<title", "</title>").or_else(|| between(text, "<h1", "</h1>"));
        let inner = title.map_or_else(|| strip_tags(text), |t| strip_tags(&t));
        let inner = inner.trim();
        return (!inner.is_empty()).then(|| shorten(inner));
    }
    Some(shorten(text))
}

/// The text inside the first `<tag ...>...</tag>`, case-insensitively.
fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find(open)?;
    let after_open = start + lower[start..].find('>')? + 1;
    let end = after_open + lower[after_open..].find(close)?;
    Some(text[after_open..end].to_owned())
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Collapses white space and cuts the text at [`MESSAGE_CHARS`] characters.
fn shorten(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

fn body_prefix(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(BODY_PREFIX_BYTES)]).into_owned()
}

impl From<progenitor_client::Error<crate::types::ErrorMessage>> for Error {
    fn from(err: progenitor_client::Error<crate::types::ErrorMessage>) -> Self {
        use progenitor_client::Error as E;
        match err {
            E::UnexpectedResponse(response) => match response.extensions().get::<Ended>() {
                Some(ended) => ended.clone().into_error(),
                None => classify(response.status(), response.headers(), &[]),
            },
            // The hooks turn every failure into `UnexpectedResponse`; this
            // arm is reached only if that ever changes.
            E::ErrorResponse(value) => {
                let (status, headers) = (value.status(), value.headers().clone());
                let body = serde_json::to_vec(&value.into_inner().0).unwrap_or_default();
                classify(status, &headers, &body)
            }
            E::InvalidResponsePayload(body, source) => Error::Decode {
                status: None,
                content_type: None,
                body_prefix: body_prefix(&body),
                reason: source.to_string(),
            },
            E::CommunicationError(source)
            | E::ResponseBodyError(source)
            | E::InvalidUpgrade(source) => from_reqwest(source, 1),
            E::InvalidRequest(message) | E::Custom(message) => invalid_request(&message),
        }
    }
}

/// A transport failure, told apart into timeouts and everything else.
fn from_reqwest(source: reqwest::Error, attempts: u32) -> Error {
    if source.is_timeout() {
        Error::Timeout {
            attempts,
            elapsed: Duration::ZERO,
            deadline: None,
            source: Some(source),
        }
    } else {
        Error::Transport { attempts, source }
    }
}

/// The generated builders' messages (`conversion to `:: std :: num ::
/// NonZeroU64` for workspace_id failed`, `workspace_id was not
/// initialized`) in plain words, naming the parameter and the rule.
fn invalid_request(message: &str) -> Error {
    let parsed = message
        .strip_prefix("conversion to `")
        .and_then(|rest| rest.split_once("` for "))
        .and_then(|(ty, rest)| Some((ty, rest.strip_suffix(" failed")?)));
    if let Some((ty, parameter)) = parsed {
        let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
        let rule = match ty.rsplit("::").next().unwrap_or_default() {
            "NonZeroU64" => "must be an id of 1 or more".to_owned(),
            "String" => "must be text".to_owned(),
            "ClientStatus" => "must be one of active, archived or both".to_owned(),
            other => format!("must be a valid {other}"),
        };
        return Error::InvalidRequest {
            parameter: Some(parameter.to_owned()),
            message: format!("{parameter} {rule}"),
        };
    }
    if let Some(parameter) = message.strip_suffix(" was not initialized") {
        return Error::InvalidRequest {
            parameter: Some(parameter.to_owned()),
            message: format!("{parameter} is required but was not given"),
        };
    }
    Error::InvalidRequest {
        parameter: None,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers_from(pairs: &[(String, Vec<u8>)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        map
    }

    fn interesting_header() -> impl Strategy<Value = (String, Vec<u8>)> {
        let names = prop_oneof![
            Just("content-type".to_owned()),
            Just("retry-after".to_owned()),
            Just("x-toggl-quota-remaining".to_owned()),
            Just("x-toggl-quota-resets-in".to_owned()),
            Just("x-toggl-request-id".to_owned()),
            "[a-z-]{1,20}",
        ];
        (names, proptest::collection::vec(any::<u8>(), 0..40))
    }

    fn interesting_body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..600),
            ".{0,400}".prop_map(String::into_bytes),
            "<[a-zA-Z]{0,8}>.{0,50}(</[a-z]{0,8}>)?".prop_map(String::into_bytes),
            ".{0,80}".prop_map(|s| serde_json::to_vec(&s).unwrap_or_default()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn classify_never_panics_and_keeps_the_status(
            status in 100u16..1000,
            headers in proptest::collection::vec(interesting_header(), 0..6),
            body in interesting_body(),
        ) {
            let status = StatusCode::from_u16(status).expect("100..1000 is valid");
            let headers = headers_from(&headers);
            let err = classify(status, &headers, &body);
            prop_assert_eq!(err.status(), Some(status));
            let shown = err.to_string();
            let is_decode = matches!(err, Error::Decode { .. });
            prop_assert!(!shown.contains('\n') || is_decode, "multi-line message: {}", shown);
            prop_assert!(shown.chars().count() < 1200);
            let _ = format!("{err:?}");
        }
    }

    #[test]
    fn quota_sentence_yields_its_seconds() {
        assert_eq!(
            seconds_in_sentence("The quota will reset in 42 seconds."),
            Some(42)
        );
        assert_eq!(seconds_in_sentence("no number here"), None);
    }

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let long = "é".repeat(MESSAGE_CHARS * 2);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MESSAGE_CHARS + 1);
        assert!(short.ends_with('…'));
    }
}
