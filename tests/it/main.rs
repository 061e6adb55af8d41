//! The client's integration tests, one binary: against local HTTP servers
//! (wiremock, raw TCP servers for broken HTTP, the local Toggl service) and,
//! when `TOGGL_PRISM_URL` is set, against Prism serving the spec.

mod against_local_service;
mod against_prism;
mod common;
mod compression;
mod errors;
mod features;
mod operations;
mod recordings;
mod retries;
mod secrets;
mod security;
mod tracing;
