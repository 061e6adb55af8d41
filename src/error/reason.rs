//! What callers branch on, decided once from the status, the headers and
//! the body by the pipeline's classifier, so that no caller reads the
//! service's sentences: why a request was refused, why access was denied,
//! and where an answer parts from the spec.

use std::fmt;

/// Why the service refused a request's content (a `400`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValidationReason {
    /// Another client of the workspace has this name (in any case).
    NameTaken,
    /// The name is empty, or only white space.
    NameEmpty,
    /// The name is longer than the service allows (255 bytes of UTF-8).
    NameTooLong,
    /// `since` lies further back than the service keeps changes (about
    /// three months): read the full lists instead.
    SinceTooOld,
    /// A parameter of the request is not what the service takes (a status
    /// filter, an id in the path).
    InvalidParameter,
    /// The body could not be read: not JSON, or a field of the wrong type.
    MalformedBody,
    /// Anything else; the message says what.
    Other,
}

/// Why the service answered `403`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForbiddenReason {
    /// The token, or the email and password, are wrong.
    BadCredentials,
    /// The credentials are good, but the user may not do this here (not a
    /// member of the workspace, or not allowed to change its clients).
    NoAccess,
    /// The answer does not say which (it may be empty): wrong credentials,
    /// or no access.
    Unspecified,
}

/// Where a JSON answer parts from the spec: the place in the body, what the
/// spec expects there and where it says so, and what came instead (shown
/// briefly, and never a secret's value).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mismatch {
    /// The place in the body, as `[37].creator_id` (`.` for the whole
    /// body).
    pub path: String,
    /// What the spec expects there, in words (`an integer of at least 1,
    /// or null`).
    pub expected: String,
    /// What came, briefly (`the string "3"`).
    pub found: String,
    /// Where the spec describes the place, as a URI fragment into
    /// `openapi/toggl-track-v9.yaml`
    /// (`#/components/schemas/TrackClient/properties/creator_id`).
    pub spec_location: String,
    /// The decoder's own words.
    pub detail: String,
}

/// `at [37].creator_id: the spec (#/...) expects ..., and the service sent ...`
impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {}: the spec ({}) expects {}, and the service sent {}",
            self.path, self.spec_location, self.expected, self.found
        )
    }
}
