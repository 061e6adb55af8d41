//! Puts the generated client into `OUT_DIR`: with the `generate` feature it
//! generates it from the OpenAPI spec (all logic lives in `crates/codegen`,
//! shared with `cargo xtask`); without, it copies the committed output of
//! that same generation, which `cargo xtask check` keeps fresh.

use std::path::{Path, PathBuf};

fn main() {
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("toggl_track_v9.rs");
    if let Err(message) = write_client(&out) {
        // Shown by cargo as `warning: toggl-track-api@..: <line>` above the
        // failure, and again on stderr.
        for line in message.lines() {
            println!("cargo::warning={line}");
            eprintln!("error: {line}");
        }
        std::process::exit(1);
    }
}

#[cfg(feature = "generate")]
fn write_client(out: &Path) -> Result<(), String> {
    let spec = Path::new("openapi/toggl-track-v9.yaml");
    println!("cargo::rerun-if-changed={}", spec.display());
    let code = toggl_track_codegen::generate_from_file(spec).map_err(|e| e.to_string())?;
    std::fs::write(out, code).map_err(|e| format!("{}: {e}", out.display()))
}

#[cfg(not(feature = "generate"))]
fn write_client(out: &Path) -> Result<(), String> {
    let committed = Path::new("openapi/generated/toggl_track_v9.rs");
    println!("cargo::rerun-if-changed={}", committed.display());
    std::fs::copy(committed, out)
        .map(drop)
        .map_err(|e| format!("{}: {e}", committed.display()))
}
