//! Strips every secret from a recorded exchange before it is written: only
//! headers known to be harmless are kept, cookies and form parameters are
//! dropped (by the HAR types), and in what remains (URLs, bodies, kept
//! header values, comments) email addresses, API tokens, passwords and
//! session ids are replaced.

use serde_json::Value;

use crate::model::{Entry, Har, Header};

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

/// `s` with email addresses, API tokens and `secret=value` pairs replaced.
pub fn text(s: &str) -> String {
    pairs(&tokens(&emails(s)))
}

/// A word character, as regular expressions' `\w` counts them (letters
/// and digits of any script, and `_`): a token or a secret's name is a
/// whole word.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The length in bytes of the word that starts `s`.
fn word_len(s: &str) -> usize {
    s.char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(s.len(), |(i, _)| i)
}

/// Email addresses (`local@domain.tld`, a top-level name of two letters or
/// more) become [`EMAIL`].
fn emails(s: &str) -> String {
    let bytes = s.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|&c| c == b'@') {
        let sign = at + found;
        at = sign + 1;
        let start = (done..sign).rev().take_while(|&i| local(bytes[i])).last();
        let run = bytes[sign + 1..].iter().take_while(|&&c| domain(c)).count();
        let (Some(start), Some(end)) = (start, domain_end(&bytes[sign + 1..sign + 1 + run])) else {
            continue;
        };
        out.push_str(&s[done..start]);
        out.push_str(EMAIL);
        done = sign + 1 + end;
        at = done;
    }
    out.push_str(&s[done..]);
    out
}

/// The longest start of a domain that ends in `.` and two letters or more,
/// with something before the dot.
fn domain_end(run: &[u8]) -> Option<usize> {
    (1..=run.len()).rev().find(|&end| {
        let letters = run[..end]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        letters >= 2 && end > letters + 1 && run[end - letters - 1] == b'.'
    })
}

/// Words of exactly 32 hexadecimal characters (Toggl's API tokens) become
/// [`REDACTED`].
fn tokens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let len = word_len(&s[i..]);
        if len == 0 {
            let next = i + s[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&s[i..next]);
            i = next;
            continue;
        }
        let word = &s[i..i + len];
        if word.len() == 32 && word.bytes().all(|c| c.is_ascii_hexdigit()) {
            out.push_str(REDACTED);
        } else {
            out.push_str(word);
        }
        i += len;
    }
    out
}

/// `name=value` pairs whose name (a whole word, in any case) is a secret's
/// keep the name and lose the value, up to the next `&` or white space.
fn pairs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    for (eq, _) in s.match_indices('=') {
        if eq < done {
            continue;
        }
        let start = s[..eq]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word(*c))
            .last()
            .map_or(eq, |(i, _)| i);
        let name = &s[start..eq];
        if name.is_empty() || !SECRET_KEYS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        let value = s[eq + 1..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .map_or(s.len(), |n| eq + 1 + n);
        out.push_str(&s[done..=eq]);
        out.push_str(REDACTED);
        done = value;
    }
    out.push_str(&s[done..]);
    out
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
    use proptest::prelude::*;

    /// The same rules as regular expressions: what the hand-written
    /// scanners must agree with.
    fn by_regex(s: &str) -> String {
        let emails =
            regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("valid");
        let tokens = regex::Regex::new(r"\b[0-9a-fA-F]{32}\b").expect("valid");
        let pairs = regex::Regex::new(&format!(r"(?i)\b({})=[^&\s]*", SECRET_KEYS.join("|")))
            .expect("valid");
        let s = emails.replace_all(s, EMAIL);
        let s = tokens.replace_all(&s, REDACTED);
        pairs
            .replace_all(&s, |c: &regex::Captures<'_>| {
                format!("{}={REDACTED}", &c[1])
            })
            .into_owned()
    }

    #[test]
    fn text_loses_emails_tokens_and_secret_pairs() {
        let s =
            text("ada@example.org used 1971800d4d82861d8f2c1651fea4d212 and ?api_token=abc&x=1");
        assert_eq!(
            s,
            "user@example.com used REDACTED and ?api_token=REDACTED&x=1"
        );
        for tricky in [
            "a@b.co.",
            "x@@y.com",
            "@example.com",
            "me@host",
            "first.last+tag@sub.example.co.uk, second@x.io",
            "ünï@exämple.com and é1971800d4d82861d8f2c1651fea4d212",
            "Token=abc TOKEN=def mytoken=ghi session_id=1&password=",
            "1971800d4d82861d8f2c1651fea4d2121 _1971800d4d82861d8f2c1651fea4d212",
        ] {
            assert_eq!(text(tricky), by_regex(tricky), "{tricky}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_scanners_agree_with_the_regular_expressions(
            s in "([a-f0-9]{30,34}|[a-zA-Z0-9._%+@=&-]{0,12}|token=|Password=|@|\\.com|[ é&=_]){0,12}"
        ) {
            prop_assert_eq!(text(&s), by_regex(&s));
        }
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
