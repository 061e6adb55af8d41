//! Toggl's sentences, as the spec records them: `sentences.json` beside
//! this file is derived from the spec's examples marked `x-toggl-sentence`
//! by `cargo xtask regen` (and checked fresh by `cargo xtask check`), so the
//! service refuses in the words the client's classifier is generated from.
//! The names are the examples' names in the spec; the words live only there.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::LazyLock;

use serde::Deserialize;

/// A sentence: the status of the answers that carry it and its words, with
/// `{name}` where a part varies.
#[derive(Debug, Deserialize)]
struct Sentence {
    status: u16,
    template: String,
}

static SENTENCES: LazyLock<BTreeMap<String, Sentence>> = LazyLock::new(|| {
    // Derived and checked by the project's own tools: a file that does not
    // read is a build of a broken checkout, caught by this crate's tests.
    serde_json::from_str(include_str!("sentences.json")).unwrap_or_default()
});

pub const QUOTA_USED_UP: &str = "QuotaUsedUp";
pub const USER_QUOTA_USED_UP: &str = "UserQuotaUsedUp";
pub const PAID_PLAN_ONLY: &str = "PaidPlanOnly";
pub const NAME_EMPTY: &str = "NameEmpty";
pub const NAME_TOO_LONG: &str = "NameTooLong";
pub const NAME_TAKEN: &str = "NameTaken";
pub const JSON_NOT_VALID: &str = "JsonNotValid";
pub const WRONG_TYPE: &str = "WrongType";
pub const STATUS_INVALID: &str = "StatusInvalid";
pub const WORKSPACE_ID_INVALID: &str = "WorkspaceIdInvalid";
pub const CLIENT_ID_NOT_A_NUMBER: &str = "ClientIdNotANumber";
pub const BAD_CREDENTIALS: &str = "BadCredentials";
pub const NO_ACCESS: &str = "NoAccess";
pub const SINCE_TOO_OLD: &str = "SinceTooOld";
pub const NO_CLIENT_WITH_ID: &str = "NoClientWithId";
pub const CLIENT_NOT_IN_WORKSPACE: &str = "ClientNotInWorkspace";

/// Every name the service says, for the test that each is in the spec.
#[cfg(test)]
const USED: &[&str] = &[
    QUOTA_USED_UP,
    USER_QUOTA_USED_UP,
    PAID_PLAN_ONLY,
    NAME_EMPTY,
    NAME_TOO_LONG,
    NAME_TAKEN,
    JSON_NOT_VALID,
    WRONG_TYPE,
    STATUS_INVALID,
    WORKSPACE_ID_INVALID,
    CLIENT_ID_NOT_A_NUMBER,
    BAD_CREDENTIALS,
    NO_ACCESS,
    SINCE_TOO_OLD,
    NO_CLIENT_WITH_ID,
    CLIENT_NOT_IN_WORKSPACE,
];

/// The status and words of sentence `name`, with `values` in its varying
/// parts in order. A name the spec lacks says its own name with a 500, so
/// that a stale derived file shows at once instead of stopping the service.
pub fn say(name: &str, values: &[&dyn Display]) -> (u16, String) {
    let Some(sentence) = SENTENCES.get(name) else {
        return (500, format!("unknown sentence {name}"));
    };
    let mut out = String::with_capacity(sentence.template.len());
    let mut values = values.iter();
    let mut rest = sentence.template.as_str();
    while let Some(open) = rest.find('{')
        && let Some(close) = rest[open..].find('}').map(|c| open + c)
    {
        out.push_str(&rest[..open]);
        match values.next() {
            Some(v) => out.push_str(&v.to_string()),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    (sentence.status, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_the_service_says_is_in_the_spec() {
        assert!(!SENTENCES.is_empty(), "sentences.json reads");
        for name in USED {
            let (status, words) = say(name, &[]);
            assert!((400..500).contains(&status), "{name}: {status} {words}");
        }
        let (status, words) = say(NAME_TOO_LONG, &[&255]);
        assert_eq!(status, 400);
        assert!(words.ends_with(" 255"), "{words}");
        assert!(!words.contains('{'), "{words}");
    }
}
