//! Building a [`Client`]: credentials, base URL, timeouts, user agent,
//! retry policy and pacing.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap};

use crate::Client;
use crate::auth::Credentials;
use crate::hooks::{Inner, WaitEvent};
use crate::pacing::{Pacer, Pacing};
use crate::retry::RetryPolicy;

/// The production service.
pub const DEFAULT_BASE_URL: &str = "https://api.track.toggl.com/api/v9";

/// What [`ClientBuilder::build`] can refuse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http` or `https` URL.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The user agent has characters a header cannot carry.
    #[error("invalid user agent {0:?}")]
    InvalidUserAgent(String),
    /// The credentials have characters a header cannot carry.
    #[error("the credentials cannot be sent in a header")]
    InvalidCredentials,
    /// The HTTP client could not be set up (for instance, no TLS backend).
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// Configures a [`Client`]; start with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    pacing: Option<Pacing>,
    on_wait: Option<Arc<dyn Fn(WaitEvent) + Send + Sync>>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("pacing", &self.pacing)
            .field("on_wait", &self.on_wait.is_some())
            .finish()
    }
}

impl Client {
    /// Starts configuring a client that authenticates with `credentials`.
    ///
    /// Defaults: the production base URL, a 30 s timeout per attempt (10 s
    /// to connect), the default [`RetryPolicy`], no pacing.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            pacing: None,
            on_wait: None,
        }
    }
}

impl ClientBuilder {
    /// Another server, such as the local mock: everything before
    /// `/workspaces/...`, e.g. `http://127.0.0.1:8080/api/v9`.
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

    /// Called before every wait (pacing or retry backoff), for progress
    /// displays such as a countdown.
    pub fn on_wait(mut self, callback: impl Fn(WaitEvent) + Send + Sync + 'static) -> Self {
        self.on_wait = Some(Arc::new(callback));
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
        let mut headers = HeaderMap::new();
        let auth = self
            .credentials
            .header_value()
            .map_err(|_| BuildError::InvalidCredentials)?;
        headers.insert(AUTHORIZATION, auth);
        let user_agent = reqwest::header::HeaderValue::from_str(&self.user_agent)
            .map_err(|_| BuildError::InvalidUserAgent(self.user_agent.clone()))?;
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(user_agent)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(BuildError::Http)?;
        let inner = Inner {
            retry: self.retry,
            pacer: self.pacing.map(Pacer::new),
            on_wait: self.on_wait,
        };
        Ok(Client::new_with_client(&base_url, http, inner))
    }
}
