//! Generates the client from the OpenAPI spec on every build. All the logic
//! lives in `crates/codegen`, shared with `cargo xtask regen`.

use std::path::{Path, PathBuf};

fn main() {
    let spec = Path::new(toggl_track_codegen::SPEC_PATH);
    println!("cargo::rerun-if-changed={}", spec.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = toggl_track_codegen::build(spec, &out.join("toggl_track_v9.rs")) {
        // One line per problem, naming the file, the place and what to change.
        e.to_string()
            .lines()
            .for_each(|line| println!("cargo::error={line}"));
    }
}
