//! Every way the service refuses a request, rendered as the real service
//! renders it: one type for the gate, the handlers and the store.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use std::time::Duration;

use crate::config::{NOTIONAL_QUOTA, QUOTA_WINDOW};

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

    pub(crate) fn bad_request() -> Self {
        Self::message(400, "Bad Request")
    }

    pub(crate) fn forbidden() -> Self {
        Self::message(403, "Forbidden")
    }

    pub(crate) fn no_client(id: impl std::fmt::Display) -> Self {
        Self::message(404, format!("No client with ID {id} was found"))
    }

    /// The 404 of an update, whose message differs from the other operations'.
    pub(crate) fn no_client_to_update() -> Self {
        Self::message(404, "Client doesn't exist in the workspace.")
    }

    /// The paid-plan 402. Its text is the one in Toggl's Swagger file; that
    /// it comes as a JSON string is a guess (the service's other errors do).
    pub(crate) fn paid_plan_only() -> Self {
        Self::message(402, "Only for premium workspaces")
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
