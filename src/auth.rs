//! Credentials, held so that they never show up in `Debug` output, logs or
//! error messages.

use std::fmt;

use base64::Engine as _;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// How requests authenticate: HTTP basic auth, in one of the two forms
/// Toggl accepts.
///
/// `Debug` prints the kind of credential and the email address, never the
/// token or the password.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// An API token (from the Toggl profile page), sent as `TOKEN:api_token`.
    ApiToken(SecretString),
    /// An account's email address and password.
    #[non_exhaustive]
    EmailPassword {
        /// The account's email address.
        email: String,
        /// The account's password.
        password: SecretString,
    },
}

impl Credentials {
    /// Credentials from an API token.
    pub fn api_token(token: impl Into<String>) -> Self {
        Self::ApiToken(SecretString::from(token.into()))
    }

    /// Credentials from an email address and a password.
    pub fn email_password(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self::EmailPassword {
            email: email.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// The `Authorization` header value, marked sensitive so that `reqwest`
    /// and `http` print it as `Sensitive`.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
        let pair = match self {
            Self::ApiToken(token) => format!("{}:api_token", token.expose_secret()),
            Self::EmailPassword { email, password } => {
                format!("{email}:{}", password.expose_secret())
            }
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiToken(_) => f.write_str("Credentials::ApiToken([REDACTED])"),
            Self::EmailPassword { email, .. } => f
                .debug_struct("Credentials::EmailPassword")
                .field("email", email)
                .field("password", &"[REDACTED]")
                .finish(),
        }
    }
}
