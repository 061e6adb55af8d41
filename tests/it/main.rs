//! The client's integration tests, one binary: against the local Toggl
//! service (its faults switched on where a test needs Toggl to misbehave,
//! a tap on the wire where it checks what the client sent), hand-made
//! servers for answers no Toggl would send (wiremock, raw TCP servers for
//! broken HTTP) and, when `TOGGL_PRISM_URL` is set, Prism serving the spec.

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
mod wire;
