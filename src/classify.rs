//! How a failed (or unusable) answer becomes an [`Error`]: the status
//! decides the variant, and the body, in whatever shape it came (a JSON
//! string, plain text, an HTML page, nothing), gives a readable one-line
//! message. Also the generated builders' messages in plain words.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};

use crate::error::{Error, ErrorContext};
use crate::headers::{QUOTA_REMAINING, QUOTA_RESETS_IN, header_str, header_u64};
use crate::retry::class::retry_after;

/// How many bytes of an undecodable body an error keeps.
const BODY_PREFIX_BYTES: usize = 256;
/// How long a readable message may get before it is cut.
const MESSAGE_CHARS: usize = 300;

/// Turns a failed (or undecodable) response into the matching [`Error`].
pub(crate) fn response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let context = ErrorContext::new(status, headers);
    let content_type = header_str(headers, CONTENT_TYPE.as_str()).map(str::to_owned);
    if status.is_redirection() {
        return Error::Redirected {
            location: header_str(headers, LOCATION.as_str()).map(without_credentials),
            context,
        };
    }
    // An encoding the client did not decode (one it never asked for): its
    // bytes are not text, so say so instead of showing them.
    let foreign = foreign_encoding(headers);
    if let Some(encoding) = &foreign
        && (status.is_success() || status.is_informational())
    {
        return Error::Decode {
            status: Some(status),
            content_type,
            body_prefix: String::new(),
            reason: format!(
                "the body is `{encoding}`-encoded, which this client does not decode (it asks for gzip only)"
            ),
        };
    }
    let body = if foreign.is_some() { &[][..] } else { body };
    if status.is_success() || status.is_informational() {
        return Error::Decode {
            status: Some(status),
            content_type,
            body_prefix: body_prefix(body),
            reason: if body.is_empty() {
                "the body is empty".to_owned()
            } else {
                "the body is not JSON".to_owned()
            },
        };
    }
    let said = readable_message(content_type.as_deref(), body);
    let quota = is_quota(headers, said.as_deref());
    let message =
        said.unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
    match status.as_u16() {
        400 => Error::Validation { message, context },
        401 => Error::Unauthenticated { context },
        403 => Error::Forbidden { message, context },
        404 => Error::NotFound { message, context },
        402 if quota => Error::QuotaExhausted {
            resets_in: header_u64(headers, QUOTA_RESETS_IN)
                .or_else(|| seconds_in_sentence(&message))
                .map(Duration::from_secs),
            message,
            context,
        },
        402 => Error::PaidFeatureRequired { message, context },
        429 => {
            let asked = retry_after(headers);
            Error::RateLimited {
                retry_after: asked.map(|r| r.delay),
                retry_at: asked.map(|r| r.at),
                context,
            }
        }
        410 => Error::Gone { message, context },
        500..=599 => Error::Server { message, context },
        _ => Error::UnexpectedStatus { message, context },
    }
}

/// Whether a 402 is the used-up quota rather than a plan's limit. A body
/// that says what is wrong decides; without one, `X-Toggl-Quota-Remaining:
/// 0` does. (A paid-plan refusal may itself take the last request of the
/// window, so the header alone does not outweigh a message.)
fn is_quota(headers: &HeaderMap, message: Option<&str>) -> bool {
    match message.map(str::to_ascii_lowercase) {
        Some(m) => m.contains("hourly limit") || m.contains("quota"),
        None => header_u64(headers, QUOTA_REMAINING) == Some(0),
    }
}

/// The first number followed by "second" in the quota sentence
/// ("... The quota will reset in 1234 seconds.").
fn seconds_in_sentence(message: &str) -> Option<u64> {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        pair[1]
            .to_ascii_lowercase()
            .starts_with("second")
            .then(|| pair[0].parse().ok())
            .flatten()
    })
}

/// A short readable message from a JSON string, JSON object, plain text or
/// HTML body; `None` for an empty body.
fn readable_message(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let from_json = match &value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(map) => ["message", "error", "error_message"]
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

/// Collapses white space and cuts the text at [`MESSAGE_CHARS`] characters.
fn shorten(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

/// The first bytes of a body, as text; a body that is not text is named,
/// not shown, so that an error stays one readable line.
pub(crate) fn body_prefix(body: &[u8]) -> String {
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
pub(crate) fn foreign_encoding(headers: &HeaderMap) -> Option<String> {
    header_str(headers, reqwest::header::CONTENT_ENCODING.as_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| e != "identity")
}

/// Why a compressed body could not be read, in one line without its bytes.
pub(crate) fn encoding_failure(error: &reqwest::Error) -> String {
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

/// A transport failure, told apart into timeouts and everything else.
pub(crate) fn transport(source: Arc<reqwest::Error>, attempts: u32, elapsed: Duration) -> Error {
    if source.is_timeout() {
        Error::Timeout {
            attempts,
            elapsed,
            deadline: None,
            source: Some(source),
        }
    } else {
        Error::Transport { attempts, source }
    }
}

/// The generated builders' messages (`conversion to `:: std :: num ::
/// NonZeroU64` for workspace_id failed`, `workspace_id was not
/// initialized`) in plain words, naming the parameter and the rule.
pub(crate) fn invalid_request(message: &str) -> Error {
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
        return Error::InvalidRequest {
            parameter: Some(parameter.to_owned()),
            message: format!("{parameter} {rule}"),
        };
    }
    if let Some(parameter) = message.strip_suffix(" was not initialized") {
        return Error::InvalidRequest {
            parameter: Some(parameter.to_owned()),
            message: format!("{parameter} is required but was not given"),
        };
    }
    Error::InvalidRequest {
        parameter: None,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use reqwest::header::{HeaderName, HeaderValue};

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
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn classify_never_panics_and_keeps_the_status(
            status in 100u16..1000,
            headers in proptest::collection::vec(interesting_header(), 0..6),
            body in interesting_body(),
        ) {
            let status = StatusCode::from_u16(status).expect("100..1000 is valid");
            let headers = headers_from(&headers);
            let err = response(status, &headers, &body);
            prop_assert_eq!(err.status(), Some(status));
            let shown = err.to_string();
            let is_decode = matches!(err, Error::Decode { .. });
            prop_assert!(!shown.contains('\n') || is_decode, "multi-line message: {}", shown);
            prop_assert!(shown.chars().count() < 1200);
            let _ = format!("{err:?}");
        }
    }

    #[test]
    fn quota_sentence_yields_its_seconds() {
        assert_eq!(
            seconds_in_sentence("The quota will reset in 42 seconds."),
            Some(42)
        );
        // The wording recorded from live runs.
        assert_eq!(
            seconds_in_sentence(
                "You have hit your hourly limit for API calls. Your quota will reset in 1838 seconds."
            ),
            Some(1838)
        );
        assert_eq!(seconds_in_sentence("no number here"), None);
    }

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let long = "é".repeat(MESSAGE_CHARS * 2);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MESSAGE_CHARS + 1);
        assert!(short.ends_with('…'));
    }
}
