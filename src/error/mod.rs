//! The errors callers meet: [`Error`], the one error type every operation
//! ends in (every `send()` returns it), with its [`ErrorContext`], the
//! typed reasons callers branch on ([`ValidationReason`],
//! [`ForbiddenReason`]) and the [`Mismatch`] of an answer that no longer
//! fits the spec; and [`BuildError`] for a client that cannot be built.
//!
//! How an answer becomes an `Error` (the service answers failures as a
//! JSON string, plain text, an HTML page or nothing at all, in its own
//! words) is decided in one place, the pipeline's classifier, not here.

mod reason;
pub mod sentences;

pub use reason::{ForbiddenReason, Mismatch, ValidationReason};

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::headers::{REQUEST_ID_NAME, header_str};
use crate::quota::QuotaKind;

/// Status and request id of a failed response, and the requests the
/// operation sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorContext {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// `X-Toggl-Request-Id`, when the response carried one.
    pub request_id: Option<String>,
    /// Attempts the operation made, this one included: the requests it
    /// spent of the quota.
    pub attempts: u32,
}

impl ErrorContext {
    pub(crate) fn new(status: StatusCode, headers: &HeaderMap, attempts: u32) -> Self {
        Self {
            status,
            request_id: header_str(headers, REQUEST_ID_NAME).map(str::to_owned),
            attempts,
        }
    }
}

impl std::fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        if self.attempts > 1 {
            write!(f, ", after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

/// Why an operation failed.
///
/// Every variant is `#[non_exhaustive]`: match with `{ field, .. }`, so that
/// a field added later is not a breaking change. Errors are cheap to clone.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400: the service refused the request's content.
    #[error("the request was refused: {message} ({context})")]
    #[non_exhaustive]
    Validation {
        /// Why, as far as the service's answer tells.
        reason: ValidationReason,
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 401: the request carried no credentials the service could read.
    #[error("not authenticated: the request carried no usable credentials ({context})")]
    #[non_exhaustive]
    Unauthenticated {
        /// Status and request id.
        context: ErrorContext,
    },
    /// 403: wrong credentials, or no access to this workspace.
    #[error("forbidden: {message} ({context})")]
    #[non_exhaustive]
    Forbidden {
        /// Which of the two, as far as the service's answer tells.
        reason: ForbiddenReason,
        /// The service's message, made readable (empty when the answer
        /// said nothing).
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 404: no such client (or workspace).
    #[error("not found: {message} ({context})")]
    #[non_exhaustive]
    NotFound {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 402 because the hourly request quota is used up; not a plan problem.
    #[error("the hourly request quota is used up{} ({context})", resets_in_text(*.resets_in))]
    #[non_exhaustive]
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
    #[non_exhaustive]
    PaidFeatureRequired {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 429: requests came too fast. Retried by the default policy first.
    #[error("rate limited{} ({context})", retry_after_text(*.retry_after, *.retry_at))]
    #[non_exhaustive]
    RateLimited {
        /// How long the service asked to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
        /// When that is: the service takes requests again from then on.
        retry_at: Option<SystemTime>,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 3xx: the answer points elsewhere. Toggl's API does not redirect, so
    /// a redirect means a proxy, a captive portal or a wrong base URL, and it
    /// is not followed: the request would go to another server.
    #[error(
        "the service answered {} and pointed to {}; redirects are not followed, since Toggl's API does not redirect: check the base URL, a proxy or a captive portal ({context})",
        .context.status.as_u16(),
        .location.as_deref().unwrap_or("nowhere (no Location header)")
    )]
    #[non_exhaustive]
    Redirected {
        /// Where the answer pointed (`Location`), credentials removed.
        location: Option<String>,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 410: the endpoint has been withdrawn for good.
    #[error("this endpoint is gone: {message} ({context})")]
    #[non_exhaustive]
    Gone {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// 5xx: the service failed.
    #[error("the service failed: {message} ({context})")]
    #[non_exhaustive]
    Server {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// Any other status the client does not expect.
    #[error("unexpected response: {message} ({context})")]
    #[non_exhaustive]
    UnexpectedStatus {
        /// The service's message, made readable.
        message: String,
        /// Status and request id.
        context: ErrorContext,
    },
    /// No complete answer in time: the last attempt timed out, or the
    /// operation ran past its overall deadline
    /// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
    #[error("{}", timeout_text(*.attempts, *.elapsed, *.deadline))]
    #[non_exhaustive]
    Timeout {
        /// Attempts made, the last one included.
        attempts: u32,
        /// Time spent on the operation, waits included.
        elapsed: Duration,
        /// The operation deadline, when that is what ran out.
        deadline: Option<Duration>,
        /// The last attempt's own timeout, when that is what ran out.
        #[source]
        source: Option<Arc<reqwest::Error>>,
    },
    /// The connection failed or broke (refused, reset, truncated body, TLS).
    #[error("could not reach the service{}: {}", attempts_text(*.attempts), chain(.source))]
    #[non_exhaustive]
    Transport {
        /// Attempts made, the last one included.
        attempts: u32,
        /// The underlying failure.
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// The response was larger than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes);
    /// it was not read further.
    #[error(
        "the response to {operation} is larger than {limit} bytes, the most the client reads; it was not read further ({context})"
    )]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The operation, e.g. `list_clients`.
        operation: &'static str,
        /// The cap, in bytes.
        limit: u64,
        /// Status and request id.
        context: ErrorContext,
    },
    /// Not sent: it would have taken the known remaining quota below the
    /// configured [`QuotaReserve`](crate::config::QuotaReserve).
    #[error("not sent: {remaining} request(s) left in the {kind} quota, {reserve} kept in reserve; it resets in {} s", .resets_in.as_secs())]
    #[non_exhaustive]
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
    /// An answer whose body is not what the operation answers: the spec
    /// no longer fits what the service sent (a field changed type, say),
    /// or the body is not JSON at all. Worth reporting, with the exchange
    /// (see [`record`](crate::record)).
    #[error("{}", decode_text(operation, context, mismatch.as_deref(), reason, body_prefix))]
    #[non_exhaustive]
    Decode {
        /// The operation, e.g. `list_clients`.
        operation: &'static str,
        /// Status, request id and attempts.
        context: ErrorContext,
        /// Where the body parts from the spec, when it is JSON that does
        /// not fit: the place, what the spec expects and what came (boxed,
        /// so that every `Result` of the crate stays small).
        mismatch: Option<Box<Mismatch>>,
        /// What went wrong, in a few words, with the `Content-Type` of a
        /// body that is not JSON.
        reason: String,
        /// The first bytes of a body that is not JSON, as text (empty when
        /// there is a mismatch, which names what came instead).
        body_prefix: String,
    },
    /// A list came back with fewer clients than its `total_count` says
    /// match, and reading its pages did not bring the rest (or the list
    /// changed while its pages were read). Nothing was taken for the whole
    /// list: a reader that did would treat the missing clients as deleted
    /// or absent.
    #[error(
        "the service answered {got} of the {expected} clients that match over {pages} page(s){}; nothing was taken as the whole list: run the command again",
        if *.changed_meanwhile { ", and the list changed while its pages were read" } else { "" }
    )]
    #[non_exhaustive]
    IncompleteList {
        /// The operation, e.g. `list_clients`.
        operation: &'static str,
        /// How many match, as the service's `total_count` said.
        expected: u64,
        /// How many distinct clients came.
        got: u64,
        /// Pages read.
        pages: u32,
        /// Whether `total_count` moved between pages.
        changed_meanwhile: bool,
        /// Requests spent on the pages, retries included.
        attempts: u32,
    },
    /// The request could not be built: a parameter is missing or out of
    /// range (an id of 0, say).
    #[error("invalid request: {message}")]
    #[non_exhaustive]
    InvalidRequest {
        /// The parameter concerned, when known.
        parameter: Option<String>,
        /// What is wrong, in words.
        message: String,
    },
}

fn decode_text(
    operation: &str,
    context: &ErrorContext,
    mismatch: Option<&Mismatch>,
    reason: &str,
    body_prefix: &str,
) -> String {
    match mismatch {
        Some(m) => format!("the answer to {operation} does not fit the spec {m} ({context})"),
        None => format!(
            "could not decode the answer to {operation}: {reason}{} ({context})",
            if body_prefix.is_empty() {
                String::new()
            } else {
                format!("; body starts with {body_prefix:?}")
            }
        ),
    }
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
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
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

/// `Retry-After` in words: seconds when it is soon, else the time itself
/// (however far ahead), so that an absurd value reads as what it is.
fn retry_after_text(delay: Option<Duration>, at: Option<SystemTime>) -> String {
    match (delay, at) {
        (Some(d), _) if d <= Duration::from_secs(3600) => {
            format!("; retry after {} s", d.as_secs())
        }
        (_, Some(at)) => format!(
            "; the service takes requests again at {}",
            chrono::DateTime::<chrono::Utc>::from(at).format("%Y-%m-%d %H:%M:%S UTC")
        ),
        (Some(d), None) => format!("; retry after {} s", d.as_secs()),
        (None, _) => String::new(),
    }
}

impl Error {
    /// The HTTP status, for errors that came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.context().map(|c| c.status)
    }

    /// The requests the operation sent before it failed, retries included
    /// (0 when it was refused before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Timeout { attempts, .. }
            | Self::Transport { attempts, .. }
            | Self::IncompleteList { attempts, .. } => *attempts,
            _ => self.context().map_or(0, |c| c.attempts),
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
            | Self::Redirected { context, .. }
            | Self::Gone { context, .. }
            | Self::Server { context, .. }
            | Self::UnexpectedStatus { context, .. } => Some(context),
            Self::ResponseTooLarge { context, .. } | Self::Decode { context, .. } => Some(context),
            Self::Timeout { .. }
            | Self::Transport { .. }
            | Self::QuotaReserveReached { .. }
            | Self::IncompleteList { .. }
            | Self::InvalidRequest { .. } => None,
        }
    }

    /// A request that could not be built, from the generated builders'
    /// messages (`conversion to `:: std :: num :: NonZeroU64` for
    /// workspace_id failed`, `workspace_id was not initialized`) in plain
    /// words, naming the parameter and the rule.
    pub(crate) fn invalid_request(message: &str) -> Self {
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
            return Self::InvalidRequest {
                parameter: Some(parameter.to_owned()),
                message: format!("{parameter} {rule}"),
            };
        }
        if let Some(parameter) = message.strip_suffix(" was not initialized") {
            return Self::InvalidRequest {
                parameter: Some(parameter.to_owned()),
                message: format!("{parameter} is required but was not given"),
            };
        }
        Self::InvalidRequest {
            parameter: None,
            message: message.to_owned(),
        }
    }
}

/// What [`ClientBuilder::build`](crate::ClientBuilder::build) can refuse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http` or `https` URL.
    #[error("invalid base URL {url:?}: {reason}")]
    #[non_exhaustive]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A plain-HTTP base URL off this machine: the credentials would cross
    /// the network in clear text. Only loopback hosts (`localhost`,
    /// `127.0.0.0/8`, `[::1]`) take `http://`, unless the builder is told
    /// otherwise with
    /// [`allow_insecure_http`](crate::ClientBuilder::allow_insecure_http).
    #[error(
        "refusing to send credentials in clear text to {host} over http://: use https://, or, for a proxy that needs plain HTTP, allow it explicitly (ClientBuilder::allow_insecure_http)"
    )]
    #[non_exhaustive]
    InsecureHttp {
        /// The host the URL names.
        host: String,
    },
    /// The user agent has characters a header cannot carry.
    #[error("invalid user agent {0:?}")]
    InvalidUserAgent(String),
    /// The credentials have characters a header cannot carry.
    #[error("the credentials cannot be sent in a header")]
    InvalidCredentials,
    /// The HTTP client could not be set up (for instance, no TLS backend).
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
    /// TLS could not be set up (for instance, no root certificates on the
    /// system for the `rustls-ring` feature's verifier).
    #[error("cannot set up TLS: {reason}")]
    #[non_exhaustive]
    Tls {
        /// What went wrong.
        reason: String,
    },
}
