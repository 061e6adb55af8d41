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
//! use toggl_track_api::{Client, Credentials, Error, types};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // This example runs against the local service.
//! # let local = toggl_track_local_service::start(toggl_track_local_service::Config::demo()).await?;
//! # let token = "demo-api-token";
//! let client = Client::builder(Credentials::api_token(token))
//! #   .base_url(local.base_url())
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
//! Every operation's `send()` fails with [`Error`], the one error type, whose
//! typed reasons ([`error::ValidationReason`], [`error::ForbiddenReason`])
//! say what callers branch on: a name already taken, a `since` too old,
//! wrong credentials. An answer that no longer fits the spec (Toggl changed
//! a field) fails with [`Error::Decode`], naming the place in the body, the
//! spec's location and what came; [`record`] saves such exchanges for a
//! report.
//!
//! # How a call goes
//!
//! `client.get_client().workspace_id(w).client_id(c).send()` is generated
//! code (`openapi/generated/toggl_track_v9.rs` is the readable copy): it
//! builds the request and hands it, with the operation's facts from the
//! spec, to the one hand-written entry, `pipeline::invoke`.
//!
//! That code is progenitor's, reshaped on its syntax tree by the generator
//! (`crates/codegen/src/rewrite.rs`) before `build.rs` writes it, because
//! progenitor's settings cannot say these:
//!
//! - `Client::new` and `new_with_client` are crate-private: `Client::builder`
//!   is the only way to a client, so credentials, timeouts and the user
//!   agent are always set;
//! - each operation's `send()` becomes `request()` (progenitor's own
//!   building of the request, without its `api-version` header, which
//!   Toggl's API does not know) and a `send()` that hands that request to
//!   `pipeline::invoke`: progenitor's sending, hooks and decoding are not
//!   used;
//! - progenitor's `ClientInfo` and default `ClientHooks` implementations go:
//!   they are ways round the pipeline;
//! - every generated type is `#[non_exhaustive]`, so a field or variant
//!   Toggl adds is a minor release;
//! - progenitor's usage sketches are fenced as text, not ignored doctests;
//! - the type of a schema whose format is `password` ([`types::ApiToken`])
//!   prints `ApiToken([redacted])` in `Debug`, never the secret.
//!
//! Beside the client, the generator writes Toggl's sentences
//! ([`error::sentences`], the spec's examples marked `x-toggl-sentence`),
//! by which the classifier tells refusals of one status apart.
//!
//! From `pipeline::invoke` the call passes through five files:
//!
//! 1. `src/pipeline/mod.rs`: the entry and the order of the steps: the
//!    credentials added; the quota reserve and pacing; an attempt; its
//!    answer classified; the wait decision asked; the body decoded. The
//!    operation's deadline lives here, and bounds every attempt and wait;
//!    the waits decided are carried out here, the one place that sleeps.
//! 2. `src/pipeline/exchange.rs`: one attempt on the wire, its body read
//!    within the size cap, the quota it reports noted.
//! 3. `src/pipeline/answer.rs`: what an answer means, decided once: a
//!    success, or a typed failure with its retry class; then the body as
//!    its type, or the place where it parts from the spec. The only code
//!    that reads Toggl's sentences.
//! 4. `src/pipeline/retry.rs`: the retry policy, the retry class of an
//!    outcome, and the clients created a moment ago (read-after-create).
//! 5. `src/pipeline/wait.rs`: every wait decided by one pure function
//!    (quota reserve, pacing, backoff, `Retry-After`, quota resets, the
//!    deadline) that says "go", "wait this long, for this reason" or
//!    "give up".
//!
//! What they consult on the way is state the builder set up: the quota
//! tracker, the pacer, the progress callbacks and the recorder.
//!
//! The crate root holds the core; the rest is in modules by domain:
//! [`config`] (retries, pacing, the quota reserve, bounds and their
//! defaults), [`quota`], [`events`] (progress), [`meta`] (what an answer
//! says besides its body), [`error`] (with Toggl's words, from the spec),
//! [`record`] (field capture) and [`extras`] (what the hand-written layer
//! adds beyond the generated operations).
//!
//! [Toggl Track]: https://track.toggl.com
//! [progenitor]: https://github.com/oxidecomputer/progenitor

#![warn(missing_docs)]

mod auth;
mod builder;
mod generated;
mod headers;
mod pacing;
mod pipeline;
mod tls;

pub mod config;
pub mod error;
pub mod events;
pub mod extras;
pub mod meta;
pub mod quota;
pub mod record;

pub use auth::Credentials;
pub use builder::ClientBuilder;
pub use error::Error;
pub use generated::{Client, builder as operations, types};
pub use meta::ResponseValue;

/// The result of an operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The README's examples, compiled as doctests so that they keep working.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The crate guide's examples, compiled as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../docs/using-the-crate.md")]
pub struct CrateGuideDoctests;
