//! How the hooks end an operation without handing progenitor a response it
//! can decode, and how that ending becomes an [`Error`].
//!
//! The hooks attach an [`Ended`] to the response they return, and `post`
//! hands that response to the generated code as its error; the generated
//! `send()` converts it at once with `Error::from`, so no caller ever sees
//! the carrier (whose status is never read). Endings are plain data: the
//! conversion reads nothing and can be repeated.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::classify;
use crate::error::{Error, ErrorContext};
use crate::quota::QuotaKind;

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
    /// The connection failed on the last attempt.
    Transport {
        attempts: u32,
        elapsed: Duration,
        error: Arc<reqwest::Error>,
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
    /// The body's encoding (a broken gzip stream) could not be decoded.
    Undecodable {
        status: StatusCode,
        headers: HeaderMap,
        reason: String,
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
    pub(crate) fn transport(attempts: u32, elapsed: Duration, error: reqwest::Error) -> Self {
        Self::Transport {
            attempts,
            elapsed,
            error: Arc::new(error),
        }
    }

    /// The error this ending stands for.
    pub(crate) fn into_error(self) -> Error {
        match self {
            Self::Failed {
                status,
                headers,
                body,
            } => classify::response(status, &headers, &body),
            Self::Transport {
                attempts,
                elapsed,
                error,
            } => classify::transport(error, attempts, elapsed),
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
            Self::Undecodable {
                status,
                headers,
                reason,
            } => Error::Decode {
                status: Some(status),
                content_type: crate::headers::header_str(&headers, "content-type")
                    .map(str::to_owned),
                body_prefix: String::new(),
                reason,
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

impl From<progenitor_client::Error<crate::types::ErrorMessage>> for Error {
    fn from(err: progenitor_client::Error<crate::types::ErrorMessage>) -> Self {
        use progenitor_client::Error as E;
        match err {
            E::UnexpectedResponse(response) => match response.extensions().get::<Ended>() {
                Some(ended) => ended.clone().into_error(),
                None => classify::response(response.status(), response.headers(), &[]),
            },
            // The hooks turn every failure into `UnexpectedResponse`; this
            // arm is reached only if that ever changes.
            E::ErrorResponse(value) => {
                let (status, headers) = (value.status(), value.headers().clone());
                let body = serde_json::to_vec(&value.into_inner().0).unwrap_or_default();
                classify::response(status, &headers, &body)
            }
            E::InvalidResponsePayload(body, source) => Error::Decode {
                status: None,
                content_type: None,
                body_prefix: classify::body_prefix(&body),
                reason: source.to_string(),
            },
            E::CommunicationError(source)
            | E::ResponseBodyError(source)
            | E::InvalidUpgrade(source) => classify::transport(Arc::new(source), 1, Duration::ZERO),
            E::InvalidRequest(message) | E::Custom(message) => classify::invalid_request(&message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn carrier(ending: Ended) -> progenitor_client::Error<crate::types::ErrorMessage> {
        let mut response = http::Response::new(Bytes::new());
        response.extensions_mut().insert(ending);
        progenitor_client::Error::UnexpectedResponse(response.into())
    }

    #[tokio::test]
    async fn converting_an_ending_loses_nothing_and_can_be_repeated() {
        // A real transport error, from a port nothing listens on.
        let refused = crate::tls::http_builder()
            .expect("TLS set up")
            .build()
            .expect("HTTP client")
            .get("http://127.0.0.1:9/")
            .send()
            .await
            .expect_err("refused");
        let mut headers = HeaderMap::new();
        headers.insert("x-toggl-request-id", HeaderValue::from_static("r-1"));
        let endings = [
            Ended::Failed {
                status: StatusCode::NOT_FOUND,
                headers: headers.clone(),
                body: Bytes::from_static(b"\"No client with ID 7 was found\""),
            },
            Ended::transport(3, Duration::from_secs(2), refused),
            Ended::Deadline {
                attempts: 2,
                elapsed: Duration::from_secs(5),
                deadline: Duration::from_secs(5),
            },
            Ended::TooLarge {
                operation: "list_clients",
                limit: 10,
                status: StatusCode::OK,
                headers,
            },
            Ended::ReserveReached {
                kind: QuotaKind::Organization,
                remaining: 2,
                reserve: 5,
                resets_in: Duration::from_secs(60),
            },
        ];
        for ending in endings {
            let first = Error::from(carrier(ending.clone()));
            let again = Error::from(carrier(ending));
            assert_eq!(first.to_string(), again.to_string());
            assert_eq!(format!("{first:?}"), format!("{again:?}"));
            // Nothing made up: no status where no answer came.
            match &first {
                Error::NotFound { context, .. } => {
                    assert_eq!(context.request_id.as_deref(), Some("r-1"))
                }
                Error::Transport {
                    attempts, source, ..
                } => {
                    assert_eq!(*attempts, 3);
                    assert!(source.is_connect());
                    assert_eq!(first.status(), None);
                }
                Error::Timeout { deadline, .. } => {
                    assert_eq!(*deadline, Some(Duration::from_secs(5)));
                    assert_eq!(first.status(), None);
                }
                Error::ResponseTooLarge { limit, .. } => assert_eq!(*limit, 10),
                Error::QuotaReserveReached { remaining, .. } => {
                    assert_eq!(*remaining, 2);
                    assert_eq!(first.status(), None);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}
