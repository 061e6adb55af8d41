//! `cargo xtask regen` and `cargo xtask check`: everything derived from the
//! spec, in one list, so the two can never disagree on what is derived.

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

fn bad(e: toggl_track_codegen::CodegenError) -> Failure {
    Failure::BadInput(e.to_string())
}

/// A derived file: where it lives and what it should hold.
struct Derived {
    path: PathBuf,
    content: String,
}

/// Validates the spec and renders every derived file in memory.
fn derived() -> Outcome<Vec<Derived>> {
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
    ])
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
