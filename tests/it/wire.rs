//! A tap on the wire between the client and the local service: a relay that
//! passes every request on unchanged and keeps it as it arrived, for the
//! tests of what the client sends (headers, query, body) that the
//! service's answers alone do not show. The answers are the service's own.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use toggl_track_local_service::LocalService;

/// One request as the client sent it, and what came back.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    /// The path below `/api/v9`, e.g. `/workspaces/1234567/clients`.
    pub path: String,
    /// The query string, if the request had one.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The answer's headers, as the service sent them.
    pub answer_headers: HeaderMap,
    /// The answer's body as it crossed the wire (compressed, if it was).
    pub answer_body: Bytes,
}

impl Seen {
    /// The value of request header `name`, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of query parameter `key`, decoded, if it was sent.
    pub fn query_value(&self, key: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        let url = reqwest::Url::parse(&format!("http://query.invalid/?{query}")).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    /// The request body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    /// The answer's body, decompressed if it came compressed.
    pub fn answer(&self) -> Vec<u8> {
        use std::io::Read as _;
        let gzipped = self
            .answer_headers
            .get(header::CONTENT_ENCODING)
            .is_some_and(|e| e == "gzip");
        if !gzipped {
            return self.answer_body.to_vec();
        }
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&self.answer_body[..])
            .read_to_end(&mut plain)
            .expect("the service's gzip decompresses");
        plain
    }

    /// What the answer said in words: its JSON string, or its plain text.
    pub fn said(&self) -> String {
        let body = self.answer();
        serde_json::from_slice::<String>(&body)
            .unwrap_or_else(|_| String::from_utf8_lossy(&body).trim().to_owned())
    }
}

/// A running tap. Dropping it stops it.
pub struct Tap {
    base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    /// Where the service listens, as `http://127.0.0.1:PORT`.
    upstream: String,
    http: reqwest::Client,
    seen: Mutex<Vec<Seen>>,
}

/// The relay's own HTTP client: the answer passes as it came, not
/// decompressed, not followed. With only `rustls-ring`, reqwest has no
/// crypto provider of its own; the relay speaks plain HTTP, so ring is
/// given to this client alone, and none is installed for the process (the
/// client under test must do without one).
fn relay_client() -> reqwest::Client {
    let http = reqwest::Client::builder()
        .no_gzip()
        .redirect(reqwest::redirect::Policy::none());
    #[cfg(feature = "rustls-ring")]
    let http = {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring offers the default versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        http.tls_backend_preconfigured(tls)
    };
    http.build().expect("the relay's client builds")
}

impl Tap {
    /// Starts a tap on a free loopback port in front of `service`.
    pub async fn start(service: &LocalService) -> Tap {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shared = Arc::new(Shared {
            upstream: format!("http://{}", service.addr()),
            http: relay_client(),
            seen: Mutex::new(Vec::new()),
        });
        let router = axum::Router::new()
            .fallback(relay)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Tap {
            base_url: format!("http://{addr}/api/v9"),
            shared,
            task,
        }
    }

    /// The base URL to give a client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("lock").clone()
    }

    /// The only request so far.
    pub fn one(&self) -> Seen {
        let seen = self.seen();
        assert_eq!(seen.len(), 1, "one request: {seen:?}");
        seen.into_iter().next().expect("one")
    }

    /// The latest request.
    pub fn last(&self) -> Seen {
        self.seen().pop().expect("a request was sent")
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headers that belong to one connection, not to the request or answer.
const HOP_BY_HOP: [header::HeaderName; 4] = [
    header::HOST,
    header::CONNECTION,
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
];

fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut kept = headers.clone();
    for name in &HOP_BY_HOP {
        kept.remove(name);
    }
    kept
}

/// Passes one request on to the service and its answer back, keeping both.
async fn relay(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let answer = shared
        .http
        .request(parts.method.clone(), format!("{}{target}", shared.upstream))
        .headers(end_to_end(&parts.headers))
        .body(body.clone())
        .send()
        .await;
    let Ok(answer) = answer else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let (status, answer_headers) = (answer.status(), answer.headers().clone());
    let answer_body = answer.bytes().await.unwrap_or_default();
    shared.seen.lock().expect("lock").push(Seen {
        method: parts.method,
        path: parts
            .uri
            .path()
            .strip_prefix("/api/v9")
            .unwrap_or(parts.uri.path())
            .to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        answer_headers: answer_headers.clone(),
        answer_body: answer_body.clone(),
    });
    (status, end_to_end(&answer_headers), answer_body).into_response()
}
