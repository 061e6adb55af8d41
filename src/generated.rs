//! The code progenitor generates from `openapi/toggl-track-v9.yaml`, put in
//! place by `build.rs` (generated while building with the `generate`
//! feature, else the committed copy of the same output). Never edited by
//! hand.

#![allow(missing_docs, unused_imports, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/toggl_track_v9.rs"));
