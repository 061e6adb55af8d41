//! HAR 1.2, the part of it the recordings keep. Reading through these types
//! drops every field they do not name (browser extensions such as
//! `_initiator`, form parameters, cookies' values), so nothing unknown
//! reaches a recording.

use serde::{Deserialize, Serialize};

/// A HAR file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Log {
    #[serde(default = "version_text")]
    pub version: String,
    #[serde(default)]
    pub creator: Creator,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub entries: Vec<Entry>,
}

fn version_text() -> String {
    "1.2".to_owned()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Creator {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    #[serde(rename = "startedDateTime", default)]
    pub started: String,
    #[serde(default)]
    pub time: f64,
    pub request: Request,
    pub response: Response,
    #[serde(default)]
    pub cache: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub timings: Timings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timings {
    #[serde(default)]
    pub send: f64,
    #[serde(default)]
    pub wait: f64,
    #[serde(default)]
    pub receive: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub method: String,
    pub url: String,
    #[serde(rename = "httpVersion", default)]
    pub http_version: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(rename = "queryString", default)]
    pub query_string: Vec<Header>,
    /// Always written empty: cookies are credentials.
    #[serde(default, deserialize_with = "nothing")]
    pub cookies: Vec<serde_json::Value>,
    #[serde(rename = "headersSize", default = "unknown")]
    pub headers_size: i64,
    #[serde(rename = "bodySize", default = "unknown")]
    pub body_size: i64,
    #[serde(rename = "postData", default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostData {
    #[serde(rename = "mimeType", default)]
    pub mime_type: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    #[serde(rename = "statusText", default)]
    pub status_text: String,
    #[serde(rename = "httpVersion", default)]
    pub http_version: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    /// Always written empty: cookies are credentials.
    #[serde(default, deserialize_with = "nothing")]
    pub cookies: Vec<serde_json::Value>,
    pub content: Content,
    #[serde(rename = "redirectURL", default)]
    pub redirect_url: String,
    #[serde(rename = "headersSize", default = "unknown")]
    pub headers_size: i64,
    #[serde(rename = "bodySize", default = "unknown")]
    pub body_size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub size: i64,
    #[serde(rename = "mimeType", default)]
    pub mime_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

fn unknown() -> i64 {
    -1
}

/// Reads whatever is there and keeps nothing.
fn nothing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<serde_json::Value>, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| Vec::new())
}

impl Content {
    /// A body as a HAR file keeps it: as text when it is UTF-8, else in
    /// base64.
    pub fn of(mime_type: &str, body: &[u8]) -> Self {
        let (text, encoding) = match std::str::from_utf8(body) {
            Ok(text) => (text.to_owned(), None),
            Err(_) => {
                use base64::Engine as _;
                (
                    base64::engine::general_purpose::STANDARD.encode(body),
                    Some("base64".to_owned()),
                )
            }
        };
        Self {
            size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            mime_type: mime_type.to_owned(),
            text: Some(text),
            encoding,
        }
    }

    /// The body as text: decoded from base64 when the HAR says so.
    pub fn body(&self) -> Option<String> {
        let text = self.text.as_deref()?;
        if self.encoding.as_deref() == Some("base64") {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            Some(text.to_owned())
        }
    }
}

impl Har {
    /// A file with no entries yet, written by `creator` at `version`.
    pub fn new(creator: &str, version: &str) -> Self {
        Self {
            log: Log {
                version: version_text(),
                creator: Creator {
                    name: creator.to_owned(),
                    version: version.to_owned(),
                },
                comment: None,
                entries: Vec::new(),
            },
        }
    }

    /// Parses a HAR file; the error says what is missing, in one line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        if value
            .pointer("/log/entries")
            .and_then(|e| e.as_array())
            .is_none()
        {
            return Err("no `log.entries` array, so not a HAR file".to_owned());
        }
        serde_json::from_value(value).map_err(|e| format!("not a HAR 1.2 file ({e})"))
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// A header's value by name, in any case.
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}
