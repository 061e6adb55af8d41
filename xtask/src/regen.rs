//! `cargo xtask regen`, and everything derived from the spec in one list,
//! which `cargo xtask check` compares with the files: the two can never
//! disagree on what is derived. (The CLI's manual pages come from its
//! clap definitions, not the spec: `cargo xtask man`.)

use std::path::{Path, PathBuf};

use toggl_track_codegen::SPEC_PATH;

use crate::files::write_atomically;
use crate::{Failure, Outcome, io, root};

/// `cargo xtask regen`.
#[derive(Debug, clap::Args)]
pub(crate) struct Regen {}

impl Regen {
    /// Rewrites every derived file. All are rendered before any is written,
    /// so an invalid spec leaves every old file as it was.
    pub(crate) fn run(self) -> Outcome {
        for file in &derived()? {
            let path = root().join(&file.path);
            let same = std::fs::read_to_string(&path).is_ok_and(|old| old == file.content);
            if same {
                println!("unchanged {}", file.path.display());
            } else {
                write_atomically(&path, &file.content)?;
                println!("wrote     {}", file.path.display());
            }
        }
        Ok(())
    }
}

/// A spec the generator cannot read or generate from: bad input.
pub(crate) fn bad(e: toggl_track_codegen::CodegenError) -> Failure {
    Failure::BadInput(e.to_string())
}

/// A derived file: where it lives and what it should hold.
pub(crate) struct Derived {
    /// Relative to the workspace root.
    pub(crate) path: PathBuf,
    pub(crate) content: String,
}

/// Validates the spec and renders every derived file in memory.
pub(crate) fn derived() -> Outcome<Vec<Derived>> {
    let spec_path = Path::new(SPEC_PATH);
    let text = std::fs::read_to_string(root().join(SPEC_PATH))
        .map_err(io(format!("{SPEC_PATH}: cannot read")))?;
    let spec = toggl_track_codegen::parse(spec_path, &text).map_err(bad)?;
    // The same generation build.rs runs, formatted for review: a change to
    // the spec shows its effect on the Rust API in this file's diff. It is
    // never compiled.
    let code = toggl_track_codegen::generate(spec_path, &spec)
        .map_err(bad)?
        .pretty();
    // `parse` has checked them: the list is whole.
    let sentences = toggl_track_codegen::sentences::sentences(&spec).unwrap_or_default();
    let said = toggl_track_codegen::sentences::json(&sentences);
    // A JSON rendering for tools that prefer JSON, in the YAML's order.
    let json = serde_json::to_string_pretty(&spec.raw).unwrap_or_default() + "\n";
    Ok(vec![
        Derived {
            path: PathBuf::from("openapi/generated/toggl_track_v9.rs"),
            content: code,
        },
        Derived {
            path: PathBuf::from("openapi/toggl-track-v9.json"),
            content: json,
        },
        // Toggl's sentences for the local service, which answers in the
        // spec's words (the client's classifier takes them at build time).
        Derived {
            path: PathBuf::from("crates/local-service/src/sentences.json"),
            content: said,
        },
    ])
}
