//! How a command fails: one line for people and an exit code for scripts.

use toggl_track_api::Error;

/// A failed command: the exit code (see `args::EXIT_CODES`) and one line.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
}

pub(crate) const REFUSED: u8 = 1;
pub(crate) const USAGE: u8 = 2;
pub(crate) const AUTH: u8 = 3;
pub(crate) const NOT_FOUND: u8 = 4;
pub(crate) const LIMITED: u8 = 5;
pub(crate) const UNAVAILABLE: u8 = 6;

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The exit code for an error of the client.
pub(crate) fn code(err: &Error) -> u8 {
    match err {
        Error::Unauthenticated { .. } | Error::Forbidden { .. } => AUTH,
        Error::NotFound { .. } => NOT_FOUND,
        Error::QuotaExhausted { .. }
        | Error::RateLimited { .. }
        | Error::QuotaReserveReached { .. } => LIMITED,
        Error::Server { .. }
        | Error::Redirected { .. }
        | Error::Timeout { .. }
        | Error::Transport { .. }
        | Error::Decode { .. }
        | Error::ResponseTooLarge { .. } => UNAVAILABLE,
        Error::InvalidRequest { .. } => USAGE,
        _ => REFUSED,
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        // The error's own text is one line and names the request id.
        Self::new(code(&err), err.to_string())
    }
}
