//! Generates the client from the OpenAPI spec into `OUT_DIR`.
//! All logic lives in `crates/codegen`, shared with `cargo xtask`.

use std::path::{Path, PathBuf};

fn main() {
    let spec = Path::new("openapi/toggl-track-v9.yaml");
    println!("cargo::rerun-if-changed={}", spec.display());
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("toggl_track_v9.rs");
    let result = toggl_track_codegen::generate_from_file(spec)
        .map_err(|e| e.to_string())
        .and_then(|code| std::fs::write(&out, code).map_err(|e| format!("{}: {e}", out.display())));
    if let Err(message) = result {
        // Shown by cargo as `warning: toggl-track-api@..: <line>` above the
        // failure, and again on stderr.
        for line in message.lines() {
            println!("cargo::warning={line}");
            eprintln!("error: {line}");
        }
        std::process::exit(1);
    }
}
