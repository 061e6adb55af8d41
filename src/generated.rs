//! The code progenitor generates from `openapi/toggl-track-v9.yaml`, written
//! by `build.rs` on every build. Never edited by hand: change the spec or
//! `crates/codegen`.

#![allow(missing_docs, unused_imports, dead_code, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/toggl_track_v9.rs"));
