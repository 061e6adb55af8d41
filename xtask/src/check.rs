//! `cargo xtask check`: the spec is valid, and every file derived from it
//! (the list `cargo xtask regen` writes) is fresh.

use std::path::PathBuf;

use toggl_track_codegen::SPEC_PATH;

use crate::regen::{bad, derived};
use crate::{Failure, Outcome, io, root};

/// `cargo xtask check`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct Check {
    /// Only validate this spec and generate from it (no derived files are
    /// compared).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

impl Check {
    /// Fails with a unified diff when a derived file is stale.
    pub(crate) fn run(self) -> Outcome {
        if let Some(path) = &self.spec {
            let spec = toggl_track_codegen::load(path).map_err(bad)?;
            toggl_track_codegen::generate(path, &spec).map_err(bad)?;
            println!(
                "{}: valid, and the client generates from it",
                path.display()
            );
            return Ok(());
        }
        let files = derived()?;
        same_version()?;
        let mut stale = Vec::new();
        for file in &files {
            let path = root().join(&file.path);
            let old = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(io(path.display())(e)),
            };
            if old != file.content {
                let shown = file.path.display().to_string();
                let diff = similar::TextDiff::from_lines(&old, &file.content);
                print!(
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header(&format!("a/{shown}"), &format!("b/{shown}"))
                );
                stale.push(shown);
            }
        }
        if stale.is_empty() {
            println!("the spec is valid and every derived file is fresh");
            Ok(())
        } else {
            Err(Failure::Found(format!(
                "stale: {}; run `cargo xtask regen` and commit the result",
                stale.join(", ")
            )))
        }
    }
}

/// The spec's `info.version` is the version of the release it ships with.
fn same_version() -> Outcome {
    let path = root().join(SPEC_PATH);
    let spec = toggl_track_spec_tools::load(&path).map_err(|e| Failure::BadInput(e.to_string()))?;
    let crate_version = env!("CARGO_PKG_VERSION");
    if spec.typed.info.version == crate_version {
        Ok(())
    } else {
        Err(Failure::Found(format!(
            "{SPEC_PATH}: /info/version is {:?} but the crates are {crate_version}; the document's version follows the release it ships with",
            spec.typed.info.version
        )))
    }
}
