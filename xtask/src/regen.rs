//! `cargo xtask regen` and `cargo xtask check`.

use crate::derived::{render, write_atomically};
use crate::{Failure, Outcome, root};

/// Rewrites every derived file. All are rendered before any is written, so
/// an invalid spec leaves every old file as it was.
pub(crate) fn regen() -> Outcome {
    let files = render().map_err(|e| Failure::BadInput(e.to_string()))?;
    for file in &files {
        let path = root().join(&file.path);
        let same = std::fs::read_to_string(&path).is_ok_and(|old| old == file.content);
        if same {
            println!("unchanged {}", file.path.display());
        } else {
            write_atomically(&path, &file.content)
                .map_err(|e| Failure::BadInput(e.message().to_owned()))?;
            println!("wrote     {}", file.path.display());
        }
    }
    Ok(())
}

/// `cargo xtask check`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct CheckArgs {
    /// Only validate this spec and generate from it (no derived files are
    /// compared).
    #[arg(long, value_name = "FILE")]
    spec: Option<std::path::PathBuf>,
}

/// Fails with a unified diff when a derived file is stale.
pub(crate) fn check(args: &CheckArgs) -> Outcome {
    if let Some(path) = &args.spec {
        let spec = toggl_track_codegen::load(path).map_err(|e| Failure::BadInput(e.to_string()))?;
        toggl_track_codegen::generate(path, &spec).map_err(|e| Failure::BadInput(e.to_string()))?;
        println!(
            "{}: valid, and the client generates from it",
            path.display()
        );
        return Ok(());
    }
    let files = render().map_err(|e| Failure::BadInput(e.to_string()))?;
    same_version()?;
    let mut stale = Vec::new();
    for file in &files {
        let path = root().join(&file.path);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
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

/// The spec's `info.version` is the version of the release it ships with.
fn same_version() -> Outcome {
    let path = root().join(toggl_track_codegen::SPEC_PATH);
    let spec = toggl_track_codegen::load(&path).map_err(|e| Failure::BadInput(e.to_string()))?;
    let crate_version = env!("CARGO_PKG_VERSION");
    if spec.typed.info.version == crate_version {
        Ok(())
    } else {
        Err(Failure::Found(format!(
            "{}: /info/version is {:?} but the crates are {crate_version}; the document's version follows the release it ships with",
            toggl_track_codegen::SPEC_PATH,
            spec.typed.info.version
        )))
    }
}
