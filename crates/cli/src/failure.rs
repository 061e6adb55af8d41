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
    /// The service refused the credentials themselves: the command's
    /// context (a password, a profile's token) says which to check.
    pub bad_credentials: bool,
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
/// Stopped by Ctrl-C (SIGINT), as shells report it (128 + 2).
pub(crate) const INTERRUPTED: u8 = 130;

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            unreadable_answer: false,
            bad_credentials: false,
        }
    }

    /// The failure for `err` with `advice` in place of the general one.
    pub(crate) fn advised(err: &Error, advice: &str) -> Self {
        Self {
            message: format!("{err}; {advice}"),
            ..Self::from_error(err)
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

/// What the tool adds to the error's own line, by its reason (refused
/// credentials are advised where it is known which were sent:
/// [`credentials_advice`]).
fn advice(err: &Error) -> Option<&'static str> {
    match err {
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
        Error::Timeout { .. } => Some(
            "the operation ran out of time: give it longer with --timeout (e.g. --timeout 2m), or a profile's `timeout`",
        ),
        _ => None,
    }
}

impl Failure {
    /// The failure for `err`, with the tool's advice for its reason.
    pub(crate) fn from_error(err: &Error) -> Self {
        // The error's own text is one line and names the request id.
        let message = match advice(err) {
            Some(advice) => format!("{err}; {advice}"),
            None => err.to_string(),
        };
        Self {
            code: code(err),
            message,
            unreadable_answer: matches!(err, Error::Decode { .. }),
            bad_credentials: matches!(
                err,
                Error::Forbidden {
                    reason: ForbiddenReason::BadCredentials,
                    ..
                } | Error::Unauthenticated { .. }
            ),
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Self::from_error(&err)
    }
}

/// What to check when the service refused the credentials, by where they
/// came from: the token's flag or variable, the password, or the
/// profile's login.
pub(crate) fn credentials_advice(f: Failure, g: &crate::args::Global) -> Failure {
    if !f.bad_credentials {
        return f;
    }
    let advice = if g.token_file.is_some() {
        "the token in the --token-file was refused: check the file's first line"
    } else if g.token.is_some() {
        "the token was refused: check TOGGL_API_TOKEN (or --token)"
    } else if g.email.is_some() {
        "the email address or the password was refused: check --email (TOGGL_EMAIL) and TOGGL_PASSWORD"
    } else if g.login_token.is_some() {
        "the profile's token was refused (reset on the profile page?): run `toggl-clients login` again"
    } else {
        "the credentials were refused"
    };
    Failure {
        message: format!("{}; {advice}", f.message),
        ..f
    }
}

/// A "not found" from a base URL that does not end in Toggl's API path is
/// most likely the URL's: says what to write.
pub(crate) fn base_url_advice(f: Failure, g: &crate::args::Global) -> Failure {
    match &g.base_url {
        Some(url) if f.code == NOT_FOUND && !url.trim_end_matches('/').ends_with("/api/v9") => {
            let url = url.trim_end_matches('/');
            Failure {
                message: format!(
                    "{}; the base URL {url} does not end in /api/v9, where Toggl's API is: did you mean {url}/api/v9?",
                    f.message
                ),
                ..f
            }
        }
        _ => f,
    }
}
