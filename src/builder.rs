//! Building a [`Client`]: credentials, base URL, timeouts, user agent,
//! retry policy, pacing, quota reserve, size cap, progress callbacks and
//! field capture.

use std::sync::Arc;
use std::time::Duration;

use crate::Client;
use crate::auth::Credentials;
use crate::config::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_OPERATION_TIMEOUT, DEFAULT_TIMEOUT, Pacing, QuotaReserve, RetryPolicy,
};
use crate::error::BuildError;
use crate::events::{AttemptEvent, Observers, WaitEvent};
use crate::pacing::Pacer;
use crate::pipeline::Runtime;
use crate::quota::QuotaTracker;
use crate::record::Recorder;

/// Configures a [`Client`]; start with [`Client::builder`].
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    operation_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    pacing: Option<Pacing>,
    reserve: Option<QuotaReserve>,
    max_response_bytes: u64,
    observers: Observers,
    insecure_http: bool,
    compressed: bool,
    recorder: Option<Recorder>,
}

impl Client {
    /// Starts configuring a client that authenticates with `credentials`;
    /// the only way to make one.
    ///
    /// Defaults (see [`config`](crate::config)): the production base URL,
    /// 30 s per attempt (10 s to connect), 2 minutes per operation, the
    /// default [`RetryPolicy`], no pacing, no quota reserve, responses up to
    /// 64 MiB.
    ///
    /// Other ways to make a client do not compile, so none exists without
    /// credentials and these settings:
    ///
    /// ```compile_fail
    /// let client = toggl_track_api::Client::new("http://x", Default::default());
    /// ```
    ///
    /// ```compile_fail
    /// // Not exported: no client state can be made outside the builder.
    /// let runtime: Option<toggl_track_api::pipeline::Runtime> = None;
    /// ```
    ///
    /// Nor is there a way round the pipeline to the HTTP client inside,
    /// which would skip the caps, the quota checks and the pacing:
    ///
    /// ```compile_fail
    /// # fn f(client: &toggl_track_api::Client) {
    /// use progenitor_client::ClientInfo;
    /// let http = client.client();
    /// # }
    /// ```
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            pacing: None,
            reserve: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            observers: Observers::default(),
            insecure_http: false,
            compressed: true,
            recorder: None,
        }
    }
}

impl ClientBuilder {
    /// Another server, such as the local service: everything before
    /// `/workspaces/...`, e.g. `http://127.0.0.1:8080/api/v9`.
    ///
    /// Credentials go out with every request, so `http://` is taken for
    /// loopback hosts only (`localhost`, `127.0.0.0/8`, `[::1]`); anything
    /// else must be `https://`, or [`build`](Self::build) refuses it (see
    /// [`allow_insecure_http`](Self::allow_insecure_http)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time one attempt may take, from connecting to the last body byte.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time connecting may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time one operation may take in all: every attempt, the waits between
    /// them, pacing and a quota reserve's wait. When it passes, the
    /// operation fails with [`Error::Timeout`](crate::Error::Timeout) naming the attempts
    /// made. Default: [`DEFAULT_OPERATION_TIMEOUT`].
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// The `User-Agent` header; name your program so Toggl can reach you.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How transient failures are retried; [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keep to a request rate on the client side (off by default).
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = Some(pacing);
        self
    }

    /// Keep some of every hourly quota window back (off by default).
    pub fn quota_reserve(mut self, reserve: QuotaReserve) -> Self {
        self.reserve = Some(reserve);
        self
    }

    /// The largest response body the client reads, in bytes; a larger one
    /// fails the operation with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) without
    /// being read further. Default: 64 MiB, about three times the answer of
    /// a workspace with 100,000 clients.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Called before every wait (pacing, retry backoff, a quota reserve's
    /// wait), for progress displays such as a countdown.
    pub fn on_wait(mut self, callback: impl Fn(WaitEvent) + Send + Sync + 'static) -> Self {
        self.observers.on_wait = Some(Arc::new(callback));
        self
    }

    /// Called when each attempt is sent and when it ends, for progress
    /// displays such as "waiting for the service, attempt 2 of 4".
    pub fn on_attempt(mut self, callback: impl Fn(AttemptEvent) + Send + Sync + 'static) -> Self {
        self.observers.on_attempt = Some(Arc::new(callback));
        self
    }

    /// Whether to ask for compressed answers (on by default): the service
    /// then sends lists gzip-compressed, a few percent of their size, and
    /// the client decompresses them as they stream in, within
    /// [`max_response_bytes`](Self::max_response_bytes) of decompressed
    /// bytes. Off, answers come as they are (for a proxy that mangles
    /// encodings, say).
    pub fn compressed_answers(mut self, compressed: bool) -> Self {
        self.compressed = compressed;
        self
    }

    /// Saves exchanges to a HAR file with every secret stripped (field
    /// capture; see [`record`](crate::record)): the failing ones with
    /// [`Recorder::failures`], all with [`Recorder::everything`].
    pub fn record(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Takes a plain-`http://` base URL off this machine, for the rare proxy
    /// that needs it. The credentials then cross the network in clear text,
    /// readable by anyone on the path; a warning is logged when the client
    /// is built.
    pub fn allow_insecure_http(mut self) -> Self {
        self.insecure_http = true;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url);
        // Echo the URL so the caller can find it, but never with a password.
        let shown = match &parsed {
            Ok(url) if url.password().is_some() => {
                let mut redacted = url.clone();
                let _ = redacted.set_password(Some("[REDACTED]"));
                redacted.to_string()
            }
            _ => self.base_url.clone(),
        };
        let invalid = |reason: &str| BuildError::InvalidBaseUrl {
            url: shown.clone(),
            reason: reason.to_owned(),
        };
        let parsed = parsed.map_err(|e| invalid(&e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid("put credentials in `Credentials`, not in the URL"));
        }
        let host = parsed.host_str().unwrap_or_default().to_owned();
        if parsed.scheme() == "http" && !is_loopback(&parsed) {
            if !self.insecure_http {
                return Err(BuildError::InsecureHttp { host });
            }
            tracing::warn!(
                %host,
                "plain HTTP off this machine, as allowed: the credentials cross the network in clear text"
            );
        }
        // Added to each request by the pipeline, never kept in the HTTP
        // client's defaults.
        let authorization = self
            .credentials
            .header_value()
            .map_err(|_| BuildError::InvalidCredentials)?;
        let user_agent = reqwest::header::HeaderValue::from_str(&self.user_agent)
            .map_err(|_| BuildError::InvalidUserAgent(self.user_agent.clone()))?;
        let http = crate::tls::http_builder()
            .map_err(|reason| BuildError::Tls { reason })?
            .gzip(self.compressed)
            .user_agent(user_agent)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // Toggl's API does not redirect: a 3xx is reported, not followed
            // to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(BuildError::Http)?;
        let runtime = Runtime {
            authorization,
            attempt_timeout: self.timeout,
            operation_timeout: self.operation_timeout,
            retry: self.retry,
            pacer: self.pacing.map(Pacer::new),
            reserve: self.reserve,
            observers: self.observers,
            quota: QuotaTracker::default(),
            max_response_bytes: self.max_response_bytes,
            created: Default::default(),
            sent: Default::default(),
            recorder: self.recorder,
        };
        Ok(Client::new_with_client(&base_url, http, runtime))
    }
}

/// Whether the URL's host is this machine: `localhost`, an address in
/// `127.0.0.0/8`, or `[::1]`.
fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(url: &str) -> Result<Client, BuildError> {
        Client::builder(Credentials::api_token("t"))
            .base_url(url)
            .build()
    }

    #[test]
    fn plain_http_is_for_this_machine_only() {
        for ok in [
            "http://127.0.0.1:8080/api/v9",
            "http://127.9.9.9/api/v9",
            "http://localhost:1234/api/v9",
            "http://[::1]:8080/api/v9",
            "https://example.com/api/v9",
        ] {
            assert!(built(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://example.com/api/v9",
            "http://10.0.0.1/api/v9",
            "http://[::2]/api/v9",
            "http://localhost.example.com/api/v9",
        ] {
            let err = built(refused).expect_err(refused);
            assert!(
                matches!(err, BuildError::InsecureHttp { .. }),
                "{refused}: {err}"
            );
            assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        }
        let err = built("http://example.com/api/v9").expect_err("refused");
        assert!(
            err.to_string().contains("to example.com over http://"),
            "{err}"
        );
        assert!(
            Client::builder(Credentials::api_token("t"))
                .base_url("http://example.com/api/v9")
                .allow_insecure_http()
                .build()
                .is_ok()
        );
    }
}
