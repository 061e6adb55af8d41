//! The code progenitor generates from `openapi/toggl-track-v9.yaml` at build
//! time (see `build.rs` and `crates/codegen`). Never edited by hand.

#![allow(missing_docs, unused_imports, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/toggl_track_v9.rs"));
