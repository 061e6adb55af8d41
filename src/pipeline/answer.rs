//! What an answer means, decided once: a success, or a typed failure with
//! its retry class ([`classify`]); and a success's body as the operation's
//! type, or where it parts from the spec ([`decode`]).
//!
//! This is the one place that reads Toggl's words (the quota sentence, a
//! taken name, bad credentials), through the spec's sentences
//! ([`crate::error::sentences`]): it holds none of them itself. Everything above the pipeline (the extras,
//! the command-line tool) branches on the typed reasons decided here.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, LOCATION};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::exchange::{Answered, NoAnswer};
use super::retry::{self, RetryClass};
use super::{Deadline, Operation, Place, Runtime, SuccessBody};
use crate::error::sentences::{self, Meaning};
use crate::error::{Error, ErrorContext, ForbiddenReason, Mismatch, ValidationReason};
use crate::headers::{QUOTA_REMAINING_NAME, QUOTA_RESETS_IN_NAME, header_str, header_u64};

/// How many bytes of a body that is not JSON an error keeps.
const BODY_PREFIX_BYTES: usize = 256;
/// How long a readable message may get before it is cut.
const MESSAGE_CHARS: usize = 300;
/// How much of a value that does not fit the spec an error shows.
const FOUND_CHARS: usize = 60;

/// What one attempt's answer means.
pub(super) enum Verdict {
    /// A success: its body is decoded next.
    Success(Answered),
    /// A failure, to return or to retry (boxed: the rarer, larger case).
    Failure(Box<Failure>),
}

/// A failed attempt.
pub(super) struct Failure {
    /// What the caller gets if it is not retried.
    pub error: Error,
    /// What it means for sending again.
    pub class: RetryClass,
    /// The answer, when one was read (for the wait decision and the
    /// recorder).
    pub answered: Option<Answered>,
    /// No answer came at all (the connection failed or timed out).
    pub unanswered: bool,
}

/// Classifies attempt number `attempt` of `op`. `capped` says the attempt's
/// timeout was cut to what was left of the `deadline`, so that a timeout is
/// the operation's.
pub(super) fn classify(
    rt: &Runtime,
    op: &Operation,
    answer: Result<Answered, NoAnswer>,
    attempt: u32,
    deadline: &Deadline,
    capped: bool,
) -> Verdict {
    let failure = |error, class| {
        Verdict::Failure(Box::new(Failure {
            error,
            class,
            answered: None,
            unanswered: false,
        }))
    };
    match answer {
        Ok(answered) if answered.status.is_success() => Verdict::Success(answered),
        Ok(answered) => {
            let (error, class) = refusal(op, &answered, attempt);
            Verdict::Failure(Box::new(Failure {
                error,
                class,
                answered: Some(answered),
                unanswered: false,
            }))
        }
        Err(NoAnswer::TooLarge { status, headers }) => {
            tracing::warn!(
                limit = rt.max_response_bytes,
                "response larger than the cap"
            );
            failure(
                Error::ResponseTooLarge {
                    operation: op.id,
                    limit: rt.max_response_bytes,
                    context: ErrorContext::new(status, &headers, attempt),
                },
                RetryClass::Final,
            )
        }
        Err(NoAnswer::Undecodable {
            status,
            headers,
            error,
        }) => {
            tracing::warn!(%error, "the body's encoding cannot be decoded");
            failure(
                Error::Decode {
                    operation: op.id,
                    context: ErrorContext::new(status, &headers, attempt),
                    mismatch: None,
                    reason: encoding_failure(&error),
                    body_prefix: String::new(),
                },
                RetryClass::Final,
            )
        }
        Err(NoAnswer::Transport(error)) => unanswered(error, attempt, deadline, capped),
    }
}

/// An attempt that got no answer: the connection failed, or it timed out
/// (the operation's timeout when the attempt's was `capped` to it).
fn unanswered(error: reqwest::Error, attempt: u32, deadline: &Deadline, capped: bool) -> Verdict {
    let class = retry::of_transport(&error);
    let source = Arc::new(error);
    let error = if source.is_timeout() {
        Error::Timeout {
            attempts: attempt,
            elapsed: deadline.elapsed(),
            deadline: capped.then_some(deadline.budget),
            source: Some(source),
        }
    } else {
        Error::Transport {
            attempts: attempt,
            source,
        }
    };
    Verdict::Failure(Box::new(Failure {
        error,
        class,
        answered: None,
        unanswered: true,
    }))
}

/// A failed (non-2xx) answer as its error and retry class: the status
/// decides the variant, the body (a JSON string, plain text, an HTML page,
/// nothing) gives a readable message and, with the operation, the reason.
fn refusal(op: &Operation, a: &Answered, attempts: u32) -> (Error, RetryClass) {
    let (status, headers) = (a.status, &a.headers);
    let context = ErrorContext::new(status, headers, attempts);
    if status.is_redirection() {
        let location = header_str(headers, LOCATION).map(without_credentials);
        return (Error::Redirected { location, context }, RetryClass::Final);
    }
    let content_type = header_str(headers, CONTENT_TYPE);
    // An encoding the client did not decode: its bytes are not text.
    let body = if foreign_encoding(headers).is_some() {
        &[][..]
    } else {
        &a.body[..]
    };
    let said = readable_message(content_type, body);
    let message = || {
        said.clone()
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned())
    };
    let class = retry::of_status(status, headers);
    let error = match status.as_u16() {
        400 => Error::Validation {
            reason: validation_reason(op, said.as_deref()),
            message: message(),
            context,
        },
        401 => Error::Unauthenticated { context },
        403 => Error::Forbidden {
            reason: forbidden_reason(said.as_deref()),
            message: said.clone().unwrap_or_default(),
            context,
        },
        404 => Error::NotFound {
            message: message(),
            context,
        },
        402 if is_quota(headers, said.as_deref()) => {
            let resets_in = header_u64(headers, QUOTA_RESETS_IN_NAME)
                .or_else(|| said.as_deref().and_then(seconds_in_sentence))
                .map(Duration::from_secs);
            let error = Error::QuotaExhausted {
                resets_in,
                message: message(),
                context,
            };
            return (error, RetryClass::QuotaUsedUp { resets_in });
        }
        402 => Error::PaidFeatureRequired {
            message: message(),
            context,
        },
        429 => {
            let asked = retry::retry_after(headers);
            Error::RateLimited {
                retry_after: asked.map(|r| r.delay),
                retry_at: asked.map(|r| r.at),
                context,
            }
        }
        410 => Error::Gone {
            message: message(),
            context,
        },
        500..=599 => Error::Server {
            message: message(),
            context,
        },
        _ => Error::UnexpectedStatus {
            message: message(),
            context,
        },
    };
    (error, class)
}

/// Why a `400`: what the service's sentence says, told by the spec's
/// sentences ([`crate::error::sentences`]). An old `since` is told by its own
/// words too, and only to an operation that takes one: a refusal for
/// another reason is never taken for an old mirror.
fn validation_reason(op: &Operation, message: Option<&str>) -> ValidationReason {
    match meaning(400, message) {
        Some(Meaning::Validation(ValidationReason::SinceTooOld)) if !op.takes_since => {
            ValidationReason::Other
        }
        Some(Meaning::Validation(reason)) => reason,
        _ => ValidationReason::Other,
    }
}

/// Why a `403`: the sentence for wrong credentials, or one for a missing
/// permission; an answer that says neither leaves it open.
fn forbidden_reason(message: Option<&str>) -> ForbiddenReason {
    match meaning(403, message) {
        Some(Meaning::Forbidden(reason)) => reason,
        _ => ForbiddenReason::Unspecified,
    }
}

/// Whether a 402 is the used-up quota rather than a plan's limit. A known
/// sentence decides; without one, `X-Toggl-Quota-Remaining: 0` does. (A
/// paid-plan refusal may itself take the last request of the window, so
/// the header alone does not outweigh its sentence.)
fn is_quota(headers: &HeaderMap, message: Option<&str>) -> bool {
    match meaning(402, message) {
        Some(Meaning::QuotaUsedUp) => true,
        Some(Meaning::PaidPlanOnly) => false,
        _ => header_u64(headers, QUOTA_REMAINING_NAME) == Some(0),
    }
}

/// The seconds a quota sentence names until the reset.
fn seconds_in_sentence(message: &str) -> Option<u64> {
    let sentence = sentences::meaning_of(402, message)?;
    sentence.part(message, "seconds")?.parse().ok()
}

/// What the spec's sentences make of `message`, for an answer of `status`.
fn meaning(status: u16, message: Option<&str>) -> Option<Meaning> {
    sentences::meaning_of(status, message?).map(|s| s.meaning())
}

/// A short readable message from a JSON string, JSON object, plain text or
/// HTML body; `None` for an empty body.
fn readable_message(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        let from_json = match &value {
            Value::String(s) => Some(s.clone()),
            Value::Object(map) => ["message", "error", "error_message"]
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

/// Collapses white space and cuts the text at `limit` characters.
fn shorten_to(text: &str, limit: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

fn shorten(text: &str) -> String {
    shorten_to(text, MESSAGE_CHARS)
}

/// The first bytes of a body, as text; a body that is not text is named,
/// not shown, so that an error stays one readable line.
fn body_prefix(body: &[u8]) -> String {
    let head = &body[..body.len().min(BODY_PREFIX_BYTES)];
    let text = String::from_utf8_lossy(head);
    let binary = text
        .chars()
        .any(|c| c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()));
    if binary {
        format!("<{} bytes that are not text>", body.len())
    } else {
        text.into_owned()
    }
}

/// The `Content-Encoding` of an answer the client did not decode (reqwest
/// removes the header of one it did), unless it is `identity`.
fn foreign_encoding(headers: &HeaderMap) -> Option<String> {
    header_str(headers, CONTENT_ENCODING)
        .map(str::to_ascii_lowercase)
        .filter(|e| e != "identity")
}

/// Why a compressed body could not be read, in one line without its bytes.
fn encoding_failure(error: &reqwest::Error) -> String {
    let mut cause = std::error::Error::source(error);
    let mut detail = None;
    while let Some(e) = cause {
        detail = Some(e.to_string());
        cause = e.source();
    }
    format!(
        "the compressed body cannot be decompressed ({})",
        detail.unwrap_or_else(|| "its encoding is broken".to_owned())
    )
}

/// A URL as it may be shown: without a user name or password in it.
fn without_credentials(location: &str) -> String {
    match reqwest::Url::parse(location) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        _ => location.to_owned(),
    }
}

/// A success's body as `T`. A body the spec describes must be JSON (a
/// `null` list reads as empty); one it does not describe is not read. A
/// plain decode comes first, so that an answer that fits pays nothing
/// more; one that does not is read again to find where it parts from the
/// spec.
pub(super) fn decode<T: DeserializeOwned>(
    op: &Operation,
    a: &Answered,
    attempts: u32,
) -> Result<T, Error> {
    let fail = |reason: String, body_prefix: String, mismatch: Option<Mismatch>| Error::Decode {
        operation: op.id,
        context: ErrorContext::new(a.status, &a.headers, attempts),
        mismatch: mismatch.map(Box::new),
        reason,
        body_prefix,
    };
    if op.success_body == SuccessBody::Ignored {
        // The value of an answer without a described body is `()`.
        return T::deserialize(
            serde::de::value::UnitDeserializer::<serde::de::value::Error>::new(),
        )
        .map_err(|e| fail(e.to_string(), String::new(), None));
    }
    if let Some(encoding) = foreign_encoding(&a.headers) {
        let why = format!(
            "the body is `{encoding}`-encoded, which this client does not decode (it asks for gzip only)"
        );
        return Err(fail(why, String::new(), None));
    }
    let body = match a.body.trim_ascii() {
        b"null" if op.success_body == SuccessBody::List => &b"[]"[..],
        b"" => return Err(fail("the body is empty".to_owned(), String::new(), None)),
        _ => &a.body[..],
    };
    let content_type = header_str(&a.headers, CONTENT_TYPE);
    if let Some(other) = content_type.filter(|c| !c.contains("json")) {
        return Err(fail(
            format!("the body is not JSON but {other}"),
            body_prefix(body),
            None,
        ));
    }
    match serde_json::from_slice::<T>(body) {
        Ok(value) => Ok(value),
        Err(e) if e.is_syntax() || e.is_eof() => Err(fail(
            format!("the body is not JSON ({})", without_position(&e)),
            body_prefix(body),
            None,
        )),
        Err(e) => {
            let mismatch = mismatch::<T>(op.answer_places, body, e);
            Err(fail(mismatch.detail.clone(), String::new(), Some(mismatch)))
        }
    }
}

/// Where `body` parts from the spec: the place the decoder stopped at (read
/// again, with the path kept), the spec's words for it, and what came.
fn mismatch<T: DeserializeOwned>(
    places: &[Place],
    body: &[u8],
    plain: serde_json::Error,
) -> Mismatch {
    let mut reader = serde_json::Deserializer::from_slice(body);
    let (mut path, detail) = match serde_path_to_error::deserialize::<_, T>(&mut reader) {
        Err(e) => (e.path().to_string(), without_position(e.inner())),
        Ok(_) => (".".to_owned(), without_position(&plain)),
    };
    // A missing field is reported at its object; name the field itself.
    let missing = detail
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    if let Some(field) = &missing {
        path = if path == "." {
            field.clone()
        } else {
            format!("{path}.{field}")
        };
    }
    let place = place_of(places, &path);
    let found = match &missing {
        Some(_) => "nothing there (the field is missing)".to_owned(),
        None => serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|doc| value_at(&doc, &path).map(|v| found_text(&path, v)))
            .unwrap_or_else(|| "something else".to_owned()),
    };
    Mismatch {
        path,
        expected: place.map_or("something else", |p| p.expected).to_owned(),
        found,
        spec_location: place.map_or("", |p| p.spec).to_owned(),
        detail,
    }
}

/// The decoder's message without its "at line 1 column 3990".
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The spec's place for a path: the pattern with its indices left out, or
/// the nearest place above it that the spec describes.
fn place_of<'p>(places: &'p [Place], path: &str) -> Option<&'p Place> {
    let mut pattern = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                pattern.push('[');
            }
            ']' => {
                in_index = false;
                pattern.push(']');
            }
            _ if in_index => {}
            c => pattern.push(c),
        }
    }
    let mut pattern = if pattern == "." {
        String::new()
    } else {
        pattern
    };
    loop {
        if let Some(place) = places.iter().find(|p| p.pattern == pattern) {
            return Some(place);
        }
        let cut = pattern.rfind(['.', '['])?;
        pattern.truncate(cut);
    }
}

/// The value at a path such as `[37].creator_id` in a document.
fn value_at<'d>(doc: &'d Value, path: &str) -> Option<&'d Value> {
    let mut at = doc;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (field, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !field.is_empty() {
            at = at.get(field)?;
        }
        while let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            at = at.get(after[..close].parse::<usize>().ok()?)?;
            rest = &after[close + 1..];
        }
    }
    Some(at)
}

/// A value as an error shows it: its kind and a short form, never the value
/// of a field whose name says it holds a secret.
fn found_text(path: &str, value: &Value) -> String {
    let field = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let secret = [
        "token",
        "password",
        "secret",
        "session",
        "email",
        "authorization",
    ]
    .iter()
    .any(|s| field.contains(s));
    let shown = |v: &str| {
        if secret {
            "<not shown>".to_owned()
        } else {
            shorten_to(v, FOUND_CHARS)
        }
    };
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {}", shown(&n.to_string())),
        Value::String(s) => format!("the string {}", shown(&format!("{s:?}"))),
        Value::Array(items) => format!("an array of {} item(s)", items.len()),
        Value::Object(map) => format!("an object with {} field(s)", map.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::QuotaKind;
    use proptest::prelude::*;
    use reqwest::StatusCode;
    use reqwest::header::{HeaderName, HeaderValue};
    use std::num::NonZeroU64;

    /// A client as the tests decode it: the pipeline does not know the
    /// generated types, which call it.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: NonZeroU64,
        wid: NonZeroU64,
        name: String,
        archived: bool,
        at: chrono::DateTime<chrono::Utc>,
        #[serde(default)]
        creator_id: Option<NonZeroU64>,
    }

    type List = Vec<Item>;

    static PLACES: &[Place] = &[
        Place {
            pattern: "",
            spec: "#/components/schemas/TrackClientList",
            expected: "an array of objects",
        },
        Place {
            pattern: "[]",
            spec: "#/components/schemas/TrackClient",
            expected: "an object with id, wid, name, archived and at",
        },
        Place {
            pattern: "[].creator_id",
            spec: "#/components/schemas/TrackClient/properties/creator_id",
            expected: "an integer of at least 1, or null",
        },
        Place {
            pattern: "[].name",
            spec: "#/components/schemas/TrackClient/properties/name",
            expected: "a string",
        },
    ];

    static LIST: Operation = Operation {
        id: "list_clients",
        method: "GET",
        path: "/workspaces/{workspace_id}/clients",
        workspace_id_from_end: Some(1),
        client_id_from_end: None,
        success_body: SuccessBody::List,
        quota: QuotaKind::Organization,
        creates: false,
        takes_since: false,
        answer_places: PLACES,
    };

    static SINCE: Operation = Operation {
        id: "list_changed_clients",
        takes_since: true,
        ..LIST
    };

    fn answered(status: u16, content_type: Option<&str>, body: &[u8]) -> Answered {
        let mut headers = HeaderMap::new();
        headers.insert("x-toggl-request-id", HeaderValue::from_static("r-1"));
        if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(c).ok()) {
            headers.insert(CONTENT_TYPE, ct);
        }
        Answered {
            status: StatusCode::from_u16(status).expect("valid"),
            headers,
            body: bytes::Bytes::copy_from_slice(body),
        }
    }

    fn client(id: u64, creator: Value) -> Value {
        serde_json::json!({"id": id, "wid": 2, "name": format!("c{id}"), "archived": false,
            "at": "2024-03-17T10:55:38+00:00", "creator_id": creator})
    }

    #[test]
    fn a_changed_field_is_named_by_place_spec_and_value() {
        let mut list: Vec<Value> = (1..=40).map(|i| client(i, Value::from(7))).collect();
        list[37]["creator_id"] = Value::from("3");
        let body = serde_json::to_vec(&list).expect("json");
        let err = decode::<List>(&LIST, &answered(200, Some("application/json"), &body), 1)
            .expect_err("a string where an id belongs");
        let Error::Decode {
            mismatch: Some(m),
            context,
            operation,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(m.path, "[37].creator_id");
        assert_eq!(
            m.spec_location,
            "#/components/schemas/TrackClient/properties/creator_id"
        );
        assert_eq!(m.found, "the string \"3\"");
        assert_eq!(m.expected, "an integer of at least 1, or null");
        assert_eq!((*operation, context.status.as_u16()), ("list_clients", 200));
        let line = err.to_string();
        for part in [
            "list_clients",
            "[37].creator_id",
            "HTTP 200",
            "request id r-1",
            "\"3\"",
            "#/components/schemas/TrackClient/properties/creator_id",
        ] {
            assert!(line.contains(part), "{part} in {line}");
        }
        assert!(!line.contains('\n'));
        assert!(
            !line.contains("c1"),
            "the body's first item is not quoted: {line}"
        );
    }

    #[test]
    fn a_missing_field_is_named_with_its_object() {
        let mut item = client(1, Value::from(7));
        item.as_object_mut().expect("object").remove("name");
        let body = serde_json::to_vec(&[item]).expect("json");
        let err = decode::<List>(&LIST, &answered(200, None, &body), 1).expect_err("no name");
        let Error::Decode {
            mismatch: Some(m), ..
        } = err
        else {
            panic!("a mismatch");
        };
        assert_eq!(m.path, "[0].name");
        assert_eq!(
            m.spec_location,
            "#/components/schemas/TrackClient/properties/name"
        );
        assert!(m.found.contains("missing"), "{}", m.found);
    }

    #[test]
    fn a_secret_is_never_shown_and_long_values_are_cut() {
        assert_eq!(
            found_text("[0].api_token", &Value::from("abc")),
            "the string <not shown>"
        );
        let long = found_text("[0].notes", &Value::from("x".repeat(500)));
        assert!(long.chars().count() < 80, "{long}");
    }

    #[test]
    fn null_is_an_empty_list_only_for_lists() {
        let list = decode::<List>(&LIST, &answered(200, None, b" null\n"), 1);
        assert!(list.is_ok_and(|l| l.is_empty()));
        let one = Operation {
            success_body: SuccessBody::Json,
            ..LIST
        };
        let err = decode::<Item>(&one, &answered(200, None, b"null"), 1);
        assert!(matches!(err, Err(Error::Decode { .. })));
    }

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
            Just("content-encoding".to_owned()),
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
            Just(b"[{\"id\": 1, \"wid\": 2}]".to_vec()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever arrives, classifying and decoding do not panic, a
        /// failure keeps its status and stays one line.
        #[test]
        fn any_answer_is_read_without_panic(
            status in 100u16..1000,
            headers in proptest::collection::vec(interesting_header(), 0..6),
            body in interesting_body(),
            since in any::<bool>(),
        ) {
            let op = if since { &SINCE } else { &LIST };
            let a = Answered {
                status: StatusCode::from_u16(status).expect("100..1000 is valid"),
                headers: headers_from(&headers),
                body: bytes::Bytes::from(body),
            };
            let err = if a.status.is_success() {
                decode::<List>(op, &a, 1).err()
            } else {
                let (err, _) = refusal(op, &a, 1);
                Some(err)
            };
            if let Some(err) = err {
                prop_assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
                let shown = err.to_string();
                prop_assert!(!shown.contains('\n') || matches!(err, Error::Decode { .. }), "multi-line: {}", shown);
                prop_assert!(shown.chars().count() < 1200);
                let _ = format!("{err:?}");
            }
        }
    }

    /// A refusal of `op` with `body` as a JSON string.
    fn refused_with(op: &Operation, status: u16, said: &str) -> Error {
        let body = serde_json::to_vec(said).expect("a string");
        refusal(op, &answered(status, Some("application/json"), &body), 1).0
    }

    /// What the classifier made of a refusal, by name.
    fn reason(e: Error) -> String {
        match e {
            Error::Validation { reason, .. } => format!("{reason:?}"),
            Error::Forbidden { reason, .. } => format!("{reason:?}"),
            Error::QuotaExhausted { .. } => "QuotaUsedUp".to_owned(),
            Error::PaidFeatureRequired { .. } => "PaidPlanOnly".to_owned(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn every_sentence_of_the_spec_is_read_as_its_reason() {
        for s in sentences::ALL {
            let op = if s.name() == "SinceTooOld" {
                &SINCE
            } else {
                &LIST
            };
            let wanted = match s.meaning() {
                Meaning::Validation(r) => format!("{r:?}"),
                Meaning::Forbidden(r) => format!("{r:?}"),
                Meaning::QuotaUsedUp => "QuotaUsedUp".to_owned(),
                Meaning::PaidPlanOnly => "PaidPlanOnly".to_owned(),
                Meaning::Unnamed => continue,
            };
            assert_eq!(
                reason(refused_with(op, s.status(), s.example())),
                wanted,
                "{}",
                s.name()
            );
            // In plain text, in another case, as Toggl sends some of them.
            let shouted = s.example().to_uppercase();
            let plain = refusal(
                op,
                &answered(s.status(), Some("text/plain"), shouted.as_bytes()),
                1,
            );
            assert_eq!(reason(plain.0), wanted, "{} in capitals", s.name());
        }
    }

    #[test]
    fn a_sentence_the_spec_does_not_know_decides_nothing() {
        // An old `since` is told by its words: any other 400 to an operation
        // that takes `since` is what it is.
        assert_eq!(
            reason(refused_with(&SINCE, 400, "anything at all")),
            "Other"
        );
        assert_eq!(
            reason(refused_with(
                &SINCE,
                400,
                sentences::SINCE_TOO_OLD.example()
            )),
            "SinceTooOld"
        );
        assert_eq!(
            reason(refused_with(&LIST, 400, sentences::SINCE_TOO_OLD.example())),
            "Other"
        );
        assert_eq!(
            reason(refused_with(&LIST, 403, "something else")),
            "Unspecified"
        );
        assert_eq!(
            reason(refusal(&LIST, &answered(403, None, b""), 1).0),
            "Unspecified"
        );
        // A 402 whose words are unknown: the quota header decides.
        let unknown = answered(402, Some("text/plain"), b"unknown words");
        assert_eq!(reason(refusal(&LIST, &unknown, 1).0), "PaidPlanOnly");
    }

    #[test]
    fn the_quota_sentence_yields_its_seconds_and_messages_are_cut() {
        let said = sentences::QUOTA_USED_UP.fill(&[&1838]);
        let (quota, class) = refusal(
            &LIST,
            &answered(402, Some("text/plain"), said.as_bytes()),
            1,
        );
        assert!(
            matches!(quota, Error::QuotaExhausted { resets_in: Some(d), .. } if d == Duration::from_secs(1838))
        );
        assert_eq!(
            class,
            RetryClass::QuotaUsedUp {
                resets_in: Some(Duration::from_secs(1838))
            }
        );
        let user = sentences::USER_QUOTA_USED_UP.fill(&[&31, &30, &42]);
        assert_eq!(seconds_in_sentence(&user), Some(42));
        assert_eq!(seconds_in_sentence("no number here"), None);
        let long = "é".repeat(MESSAGE_CHARS * 2);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MESSAGE_CHARS + 1);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn a_place_falls_back_to_the_nearest_described_one() {
        assert_eq!(
            place_of(PLACES, "[3].tax_id").map(|p| p.pattern),
            Some("[]")
        );
        assert_eq!(place_of(PLACES, ".").map(|p| p.pattern), Some(""));
        assert_eq!(
            place_of(PLACES, "[12].creator_id").map(|p| p.pattern),
            Some("[].creator_id")
        );
    }
}
