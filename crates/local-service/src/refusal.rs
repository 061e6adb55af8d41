//! Every way the service refuses a request, rendered as the real service
//! renders it: one type for the gate, the handlers and the store.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use std::time::Duration;

use crate::config::{NOTIONAL_QUOTA, QUOTA_WINDOW};
use crate::sentences::{self, say};

/// A quota as one response reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuotaView {
    pub remaining: u32,
    pub resets_in: Duration,
}

impl QuotaView {
    pub(crate) fn full() -> Self {
        Self {
            remaining: NOTIONAL_QUOTA,
            resets_in: QUOTA_WINDOW,
        }
    }
}

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A documented error: the status and a message sent as a JSON string
    /// (the paid-plan 402 included).
    Message(u16, String),
    /// An error sent as plain text (`text/plain; charset=utf-8`), not JSON.
    PlainText(u16, String),
    /// No credentials: an empty 401 with `X-Authorization-Missing: true`.
    Unauthenticated,
    /// An hourly quota is used up: 402 with a plain sentence; the response
    /// reports the quota that ran out.
    QuotaUsedUp { sentence: String, view: QuotaView },
    /// Faster than the rate limit: an HTML 429, with `Retry-After` only when
    /// the service is configured to send one (nothing shows that Toggl does).
    RateLimited { retry_after: Option<u64> },
}

impl Refusal {
    pub(crate) fn message(status: u16, message: impl Into<String>) -> Self {
        Self::Message(status, message.into())
    }

    /// Sentence `name` of the spec, as a JSON string with its own status.
    pub(crate) fn said(name: &str, values: &[&dyn std::fmt::Display]) -> Self {
        let (status, words) = say(name, values);
        Self::Message(status, words)
    }

    /// A 400 where no recording shows the service's words (a page number
    /// or `since` that is not a number): the status is likely, the
    /// sentence a guess.
    pub(crate) fn bad_request() -> Self {
        Self::message(400, "Bad Request")
    }

    /// Wrong credentials: recorded as a plain-text 403 (ta9mi141/toggl-go's
    /// live test data), not a JSON string.
    pub(crate) fn bad_credentials() -> Self {
        let (status, words) = say(sentences::BAD_CREDENTIALS, &[]);
        Self::PlainText(status, words)
    }

    /// A workspace the user is not a member of: 403 with the sentence
    /// recorded for a resource the user cannot reach.
    pub(crate) fn no_access() -> Self {
        Self::said(sentences::NO_ACCESS, &[])
    }

    /// A body that is not JSON (recorded for create and update).
    pub(crate) fn invalid_json() -> Self {
        Self::said(sentences::JSON_NOT_VALID, &[])
    }

    /// A field of the wrong type, in the service's decoder's words
    /// (reported by a user of a Node client); what `offset` counts is not
    /// known: here, the byte where the field's value starts (a guess).
    pub(crate) fn wrong_type(field: &str, came: &str, offset: usize) -> Self {
        Self::said(sentences::WRONG_TYPE, &[&field, &came, &offset])
    }

    /// A workspace id in the path that is not a whole number (recorded for
    /// the list).
    pub(crate) fn invalid_workspace() -> Self {
        Self::said(sentences::WORKSPACE_ID_INVALID, &[])
    }

    /// A client id in the path that is not a whole number (recorded).
    pub(crate) fn client_id_not_a_number() -> Self {
        Self::said(sentences::CLIENT_ID_NOT_A_NUMBER, &[])
    }

    pub(crate) fn no_client(id: impl std::fmt::Display) -> Self {
        Self::said(sentences::NO_CLIENT_WITH_ID, &[&id])
    }

    /// The 404 of an update, whose message differs from the other operations'.
    pub(crate) fn no_client_to_update() -> Self {
        Self::said(sentences::CLIENT_NOT_IN_WORKSPACE, &[])
    }

    /// The paid-plan 402. Its text is the one in Toggl's Swagger file; that
    /// it comes as a JSON string is a guess (the service's other errors do).
    pub(crate) fn paid_plan_only() -> Self {
        Self::said(sentences::PAID_PLAN_ONLY, &[])
    }
}

const RATE_LIMIT_PAGE: &str = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Message(status, message) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, axum::Json(message)).into_response()
            }
            Self::PlainText(status, text) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (
                    status,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    text,
                )
                    .into_response()
            }
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                [("x-authorization-missing", "true")],
            )
                .into_response(),
            Self::QuotaUsedUp { sentence, view } => {
                let mut response = (StatusCode::PAYMENT_REQUIRED, sentence).into_response();
                response.extensions_mut().insert(view);
                response
            }
            Self::RateLimited { retry_after } => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::CONTENT_TYPE, "text/html")],
                    RATE_LIMIT_PAGE,
                )
                    .into_response();
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, seconds.into());
                }
                response
            }
        }
    }
}
