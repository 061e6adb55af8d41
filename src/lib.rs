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
//! use toggl_track_api::meta::ResponseMetaExt;
//! use toggl_track_api::{Client, Credentials, Error, types};
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
//!     Err(Error::PaidFeatureRequired { .. }) => println!("archiving needs a paid plan"),
//!     Err(Error::QuotaExhausted { resets_in, .. }) => println!("out of quota for {resets_in:?}"),
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(()) }
//! ```
//!
//! Every operation's `send()` fails with [`Error`], the one error type: the
//! hooks have read and classified the answer before it is returned.
//!
//! The crate root holds the core; the rest is in modules by domain:
//! [`config`] (retries, pacing, the quota reserve, bounds and their
//! defaults), [`quota`], [`events`] (progress), [`meta`] (what a response
//! says besides its body), [`error`], and [`extras`] (what the hand-written
//! layer adds beyond the generated operations).
//!
//! [Toggl Track]: https://track.toggl.com
//! [progenitor]: https://github.com/oxidecomputer/progenitor

#![warn(missing_docs)]

mod auth;
mod body;
mod builder;
mod classify;
mod ending;
mod generated;
mod headers;
mod hooks;
mod pacing;
mod retry;
mod tls;

pub mod config;
pub mod error;
pub mod events;
pub mod extras;
pub mod meta;
pub mod quota;

pub use auth::Credentials;
pub use builder::ClientBuilder;
pub use error::Error;
pub use generated::{Client, ResponseValue, builder as operations, types};

/// The result of an operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The README's examples, compiled as doctests so that they keep working.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
