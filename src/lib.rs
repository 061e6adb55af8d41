//! A typed async client for the [Toggl Track] API v9, generated from a
//! hand-maintained OpenAPI spec (`openapi/toggl-track-v9.yaml`) by
//! [progenitor], with a small hand-written layer for what generated code
//! cannot do: authentication, one error type, quota information, retries and
//! pacing.
//!
//! It covers the clients endpoints (the customers a workspace's projects are
//! billed to): list, create, get, update, delete, archive and restore; bulk
//! archive and delete; clients by ids; and clients changed since a time.
//!
//! ```
//! use toggl_track_api::{Client, Credentials, Error, ResponseMetaExt, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // This example runs against the local mock of the service.
//! # let mock = toggl_track_mock::start(toggl_track_mock::Config::demo()).await?;
//! # let token = "demo-api-token";
//! let client = Client::builder(Credentials::api_token(token))
//! #   .base_url(mock.base_url())
//!     .build()?;
//! let workspace = 1234567u64;
//!
//! let created = client
//!     .create_client()
//!     .workspace_id(workspace)
//!     .body(types::ClientCreate::builder().name("Acme Widgets"))
//!     .send()
//!     .await?;
//! println!("created {} ({} requests left this hour)",
//!     created.id, created.meta().quota.remaining.unwrap_or_default());
//!
//! let active = client
//!     .list_clients()
//!     .workspace_id(workspace)
//!     .status(types::ClientStatus::Active)
//!     .name("acme")
//!     .send()
//!     .await?;
//! for c in active.iter() {
//!     println!("{} {}", c.id, c.name);
//! }
//! # assert_eq!(active.len(), 2);
//!
//! match client.archive_client().workspace_id(workspace).client_id(created.id).send().await {
//!     Ok(projects) => println!("archived with {} projects", projects.len()),
//!     Err(e) => match Error::from(e) {
//!         Error::PaidFeatureRequired { .. } => println!("archiving needs a paid plan"),
//!         Error::QuotaExhausted { resets_in, .. } => println!("out of quota for {resets_in:?}"),
//!         other => return Err(other.into()),
//!     },
//! }
//! # Ok(()) }
//! ```
//!
//! Every operation's error converts into [`Error`] with `?` or
//! `Error::from`; the conversion reads nothing, since the hooks have
//! already read and classified the body.
//!
//! [Toggl Track]: https://track.toggl.com
//! [progenitor]: https://github.com/oxidecomputer/progenitor

#![warn(missing_docs)]

mod auth;
mod body;
mod builder;
mod ensure;
mod error;
mod generated;
mod hooks;
mod meta;
mod pacing;
mod pages;
mod quota;
mod retry;
mod wait;

pub use auth::Credentials;
pub use body::DEFAULT_MAX_RESPONSE_BYTES;
pub use builder::{BuildError, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_OPERATION_TIMEOUT};
pub use ensure::{Ensured, same_name};
pub use error::{Error, ErrorContext};
pub use generated::{Client, ResponseValue, builder as operations, types};
pub use meta::{Quota, ResponseMeta, ResponseMetaExt};
pub use pacing::Pacing;
pub use pages::{AllClients, DEFAULT_PAGE_SIZE, Listing};
pub use quota::{KnownQuotas, QuotaKind, QuotaReserve, QuotaSnapshot};
pub use retry::{Jitter, ReadAfterCreate, RetryPolicy};
pub use wait::{AttemptEvent, AttemptPhase, WaitEvent, WaitReason};

/// The error the generated operations return, before it is converted into
/// [`Error`] (with `?` or `Error::from`); name it to write your own `From`.
/// Failures the client's own layer ends (a deadline, a size cap, a quota
/// reserve, a transport failure after retries) arrive in it as
/// `UnexpectedResponse`; only the conversion reads them correctly.
pub type OperationError = progenitor_client::Error<types::ErrorMessage>;

/// The result of an operation once its error is converted with `?`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
