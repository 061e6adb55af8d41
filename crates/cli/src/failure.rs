//! How a command fails: one line for people and an exit code for scripts.
//! The library decides what went wrong (typed reasons); this maps them to
//! exit codes and adds the tool's own advice, without reading the
//! service's sentences.

use toggl_track_api::Error;
use toggl_track_api::error::{ForbiddenReason, ValidationReason};

/// A failed command: the exit code (see `commands::EXIT_CODES`) and one
/// line.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
    /// The service's answer did not fit the spec (or was not JSON): worth
    /// saving and handing over.
    pub unreadable_answer: bool,
}

pub(crate) const REFUSED: u8 = 1;
pub(crate) const USAGE: u8 = 2;
pub(crate) const AUTH: u8 = 3;
pub(crate) const NOT_FOUND: u8 = 4;
pub(crate) const LIMITED: u8 = 5;
pub(crate) const UNAVAILABLE: u8 = 6;
/// The mirror is held by another run past the wait.
pub(crate) const MIRROR_BUSY: u8 = 7;
/// The mirror (or its folder) cannot be written.
pub(crate) const MIRROR_READ_ONLY: u8 = 8;
/// The mirror cannot grow: the disk is full, or the file-size limit.
pub(crate) const MIRROR_FULL: u8 = 9;
/// The mirror was made by a newer toggl-clients.
pub(crate) const MIRROR_NEWER: u8 = 10;
/// The file is not a mirror this tool may use: not SQLite, another
/// program's, damaged, or another user's or service's.
pub(crate) const MIRROR_NOT_OURS: u8 = 11;

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            unreadable_answer: false,
        }
    }

    /// Whether the mirror's file is what failed (exit 7 to 11).
    pub(crate) fn about_the_mirror(&self) -> bool {
        (MIRROR_BUSY..=MIRROR_NOT_OURS).contains(&self.code)
    }

    /// The same failure with `before` in front of its message.
    pub(crate) fn after(mut self, before: impl std::fmt::Display) -> Self {
        self.message = format!("{before}{}", self.message);
        self
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
        | Error::IncompleteList { .. }
        | Error::ResponseTooLarge { .. } => UNAVAILABLE,
        Error::InvalidRequest { .. } => USAGE,
        _ => REFUSED,
    }
}

/// What the tool adds to the error's own line, by its reason.
fn advice(err: &Error) -> Option<&'static str> {
    match err {
        Error::Forbidden {
            reason: ForbiddenReason::BadCredentials,
            ..
        } => Some(
            "the credentials are wrong: check TOGGL_API_TOKEN (or --token-file, or --email and its password)",
        ),
        Error::Forbidden {
            reason: ForbiddenReason::NoAccess,
            ..
        } => Some("the credentials are good, but this user may not do this in the workspace"),
        Error::Forbidden { .. } => {
            Some("wrong credentials, or no access to the workspace (TOGGL_WORKSPACE_ID)")
        }
        Error::Validation {
            reason: ValidationReason::SinceTooOld,
            ..
        } => Some(
            "Toggl keeps about three months of changes; for an older start, list everything with `list --status both`",
        ),
        Error::Validation {
            reason: ValidationReason::NameTaken,
            ..
        } => {
            Some("another client of the workspace has this name; `create --if-missing` returns it")
        }
        _ => None,
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        // The error's own text is one line and names the request id.
        let message = match advice(&err) {
            Some(advice) => format!("{err}; {advice}"),
            None => err.to_string(),
        };
        Self {
            code: code(&err),
            message,
            unreadable_answer: matches!(err, Error::Decode { .. }),
        }
    }
}
