//! Field capture: the exchanges of a run, saved as a HAR file with every
//! secret stripped, so that a user who meets an answer the client cannot
//! read can hand over exactly what the service sent. The maintainers import
//! the file as it is (`cargo xtask recordings import FILE`), and `cargo
//! xtask conformance` names the same place and spec location the client's
//! error named.
//!
//! ```no_run
//! # fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use toggl_track_api::record::Recorder;
//! use toggl_track_api::{Client, Credentials};
//!
//! let recorder = Recorder::failures("toggl-failures.har");
//! let client = Client::builder(Credentials::api_token("..."))
//!     .record(recorder.clone())
//!     .build()?;
//! // ... after the calls:
//! if recorder.kept() > 0 {
//!     println!("saved {} exchange(s) to {}", recorder.kept(), recorder.path().display());
//! }
//! # Ok(()) }
//! ```
//!
//! The same rules as the maintainer's import strip the file
//! (`toggl_track_har::redact`): only harmless headers are kept (never
//! `Authorization` or a cookie), and email addresses, API tokens and
//! secret fields in URLs and bodies are replaced. The file is written
//! (owner-readable only, atomically) each time an exchange is kept, so a
//! run that is cut short leaves what it had; a run that keeps nothing does
//! not touch it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use toggl_track_har::{Content, Har, Header, PostData, Request, Response, redact};
use tokio::time::Instant;

/// Where a client's exchanges are saved, and which; cheap to clone (clones
/// share the file).
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    everything: bool,
    har: Mutex<Har>,
    write_error: Mutex<Option<String>>,
}

impl Recorder {
    /// Keeps the failing exchanges in `path`: every answer that is not a
    /// success, and every success whose body the client could not read.
    pub fn failures(path: impl Into<PathBuf>) -> Self {
        Self::new(path.into(), false)
    }

    /// Keeps every exchange in `path`.
    pub fn everything(path: impl Into<PathBuf>) -> Self {
        Self::new(path.into(), true)
    }

    fn new(path: PathBuf, everything: bool) -> Self {
        Self {
            inner: Arc::new(Shared {
                path,
                everything,
                har: Mutex::new(Har::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))),
                write_error: Mutex::new(None),
            }),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many exchanges the file holds.
    pub fn kept(&self) -> usize {
        self.har().log.entries.len()
    }

    /// Why the file could not be written the last time it was, if it could
    /// not.
    pub fn write_error(&self) -> Option<String> {
        self.inner
            .write_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn har(&self) -> std::sync::MutexGuard<'_, Har> {
        self.inner.har.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps one answered exchange, if this recorder keeps its kind, and
    /// writes the file.
    pub(crate) fn keep(
        &self,
        capture: &Capture,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        failed: bool,
    ) {
        if !failed && !self.inner.everything {
            return;
        }
        let entry = redact::entry(capture.entry(status, headers, body, failed));
        let text = {
            let mut har = self.har();
            har.log.entries.push(entry);
            har.to_text()
        };
        let written = write_privately(&self.inner.path, &text).err();
        if let Some(e) = &written {
            tracing::warn!(path = %self.inner.path.display(), error = %e, "the recording could not be written");
        }
        *self
            .inner
            .write_error
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = written.map(|e| e.to_string());
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.inner.path)
            .field("everything", &self.inner.everything)
            .finish()
    }
}

/// What a recording needs of a request, taken before it is sent.
pub(crate) struct Capture {
    method: String,
    url: String,
    headers: Vec<Header>,
    body: Option<Vec<u8>>,
    at: SystemTime,
    started: Instant,
}

impl Capture {
    pub(crate) fn of(request: &reqwest::Request) -> Self {
        Self {
            method: request.method().to_string(),
            url: request.url().to_string(),
            headers: har_headers(request.headers()),
            body: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(<[u8]>::to_vec),
            at: SystemTime::now(),
            started: Instant::now(),
        }
    }

    fn entry(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        failed: bool,
    ) -> toggl_track_har::Entry {
        let mime = |headers: &[Header]| {
            toggl_track_har::header(headers, CONTENT_TYPE.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let response_headers = har_headers(headers);
        let query = reqwest::Url::parse(&self.url)
            .map(|u| {
                u.query_pairs()
                    .map(|(name, value)| Header {
                        name: name.into_owned(),
                        value: value.into_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        toggl_track_har::Entry {
            started: chrono::DateTime::<chrono::Utc>::from(self.at).to_rfc3339(),
            time: self.started.elapsed().as_secs_f64() * 1000.0,
            request: Request {
                method: self.method.clone(),
                url: self.url.clone(),
                http_version: "HTTP/1.1".to_owned(),
                post_data: self.body.as_ref().map(|b| PostData {
                    mime_type: mime(&self.headers),
                    text: String::from_utf8_lossy(b).into_owned(),
                }),
                headers: self.headers.clone(),
                query_string: query,
                cookies: Vec::new(),
                headers_size: -1,
                body_size: self
                    .body
                    .as_ref()
                    .map_or(0, |b| i64::try_from(b.len()).unwrap_or(i64::MAX)),
            },
            response: Response {
                status: status.as_u16(),
                status_text: status.canonical_reason().unwrap_or_default().to_owned(),
                http_version: "HTTP/1.1".to_owned(),
                content: Content::of(&mime(&response_headers), body),
                headers: response_headers,
                cookies: Vec::new(),
                redirect_url: String::new(),
                headers_size: -1,
                body_size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            },
            cache: Default::default(),
            timings: Default::default(),
            comment: failed.then(|| {
                "kept by toggl-track-api: a failure, or an answer the client could not read"
                    .to_owned()
            }),
        }
    }
}

fn har_headers(headers: &HeaderMap) -> Vec<Header> {
    headers
        .iter()
        .filter(|(_, v)| !v.is_sensitive())
        .filter_map(|(name, value)| {
            Some(Header {
                name: name.as_str().to_owned(),
                value: value.to_str().ok()?.to_owned(),
            })
        })
        .collect()
}

/// Writes `text` to `path` atomically: to a file beside it, readable by its
/// owner only, then renamed over it.
fn write_privately(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
