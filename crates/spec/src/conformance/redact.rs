//! Strips every secret from a recorded exchange before it is written: only
//! headers known to be harmless are kept, cookies and form parameters are
//! dropped (by the HAR types), and in what remains (URLs, bodies, kept
//! header values, comments) email addresses, API tokens, passwords and
//! session ids are replaced.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::har::{Entry, Har, Header};

/// The headers a recording keeps; every other header is dropped.
const KEPT_HEADERS: &[&str] = &[
    "accept",
    "api-version",
    "content-length",
    "content-type",
    "date",
    "retry-after",
    "x-authorization-missing",
    "x-toggl-quota-remaining",
    "x-toggl-quota-resets-in",
    "x-toggl-request-id",
];

/// JSON fields and query parameters whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "api_token",
    "token",
    "password",
    "current_password",
    "session",
    "session_id",
    "sessionid",
    "email",
    "authorization",
    "csrf_token",
];

/// What replaces an email address.
pub const EMAIL: &str = "user@example.com";
/// What replaces any other secret.
pub const REDACTED: &str = "REDACTED";

static EMAILS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("valid pattern")
});
/// Toggl API tokens are 32 hexadecimal characters.
static TOKENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9a-fA-F]{32}\b").expect("valid pattern"));
/// `name=value` pairs of secret names in URLs and form bodies.
static PAIRS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b({})=[^&\s]*", SECRET_KEYS.join("|"))).expect("valid pattern")
});

fn text(s: &str) -> String {
    let s = EMAILS.replace_all(s, EMAIL);
    let s = TOKENS.replace_all(&s, REDACTED);
    PAIRS
        .replace_all(&s, |c: &regex::Captures<'_>| {
            format!("{}={REDACTED}", &c[1])
        })
        .into_owned()
}

fn json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    json(v);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(json),
        Value::String(s) => *s = text(s),
        _ => {}
    }
}

/// A body with its secrets replaced; JSON stays JSON (its layout may
/// change), anything else is treated as text.
fn body(s: &str) -> String {
    match serde_json::from_str::<Value>(s) {
        Ok(mut value) if s.trim_start().starts_with(['{', '[']) => {
            json(&mut value);
            serde_json::to_string(&value).unwrap_or_default()
        }
        _ => text(s),
    }
}

fn headers(list: &mut Vec<Header>) {
    list.retain(|h| KEPT_HEADERS.contains(&h.name.to_ascii_lowercase().as_str()));
    for h in list {
        // The request id names the exchange, not a person or a credential.
        if !h.name.eq_ignore_ascii_case("x-toggl-request-id") {
            h.value = text(&h.value);
        }
    }
}

/// One entry with every secret stripped.
pub fn entry(mut e: Entry) -> Entry {
    e.request.url = text(&e.request.url);
    headers(&mut e.request.headers);
    for q in &mut e.request.query_string {
        q.value = if SECRET_KEYS.contains(&q.name.to_ascii_lowercase().as_str()) {
            REDACTED.to_owned()
        } else {
            text(&q.value)
        };
    }
    e.request.cookies.clear();
    if let Some(post) = &mut e.request.post_data {
        post.text = body(&post.text);
    }
    headers(&mut e.response.headers);
    e.response.cookies.clear();
    if let Some(b) = e.response.content.body() {
        e.response.content.text = Some(body(&b));
        e.response.content.encoding = None;
    }
    e.comment = e.comment.map(|c| text(&c));
    e
}

/// The whole file with every secret stripped.
pub fn har(mut h: Har) -> Har {
    h.log.comment = h.log.comment.map(|c| text(&c));
    h.log.entries = h.log.entries.into_iter().map(entry).collect();
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_loses_emails_tokens_and_secret_pairs() {
        let s =
            text("ada@example.org used 1971800d4d82861d8f2c1651fea4d212 and ?api_token=abc&x=1");
        assert_eq!(
            s,
            "user@example.com used REDACTED and ?api_token=REDACTED&x=1"
        );
    }

    #[test]
    fn json_bodies_lose_secret_fields_and_stay_json() {
        let out =
            body(r#"{"name":"Acme","email":"a@b.co","api_token":"x","notes":"call bob@corp.com"}"#);
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["name"], "Acme");
        assert_eq!(v["email"], REDACTED);
        assert_eq!(v["api_token"], REDACTED);
        assert_eq!(v["notes"], "call user@example.com");
    }
}
