//! `cargo xtask man`: rewrites the CLI's manual pages in
//! `crates/cli/man/man1` from its clap definitions, by running the tool
//! (`toggl-clients man`), so it needs the CLI to build; the spec's derived
//! files (`cargo xtask regen`) never wait on that. The CLI's own test
//! fails when the pages are stale.

use crate::{Outcome, io, root};

/// `cargo xtask man`.
#[derive(Debug, clap::Args)]
pub(crate) struct Man {}

/// Where the CLI's manual pages are kept.
const MAN_DIR: &str = "crates/cli/man/man1";

impl Man {
    /// Writes the pages to a fresh folder, which then replaces the kept one
    /// (the pages of a command that is gone go with it).
    pub(crate) fn run(self) -> Outcome {
        let fresh = root().join(format!("target/xtask-man-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&fresh);
        crate::run(
            "the CLI's manual pages (toggl-clients man)",
            crate::cargo()
                .args([
                    "run",
                    "--quiet",
                    "-p",
                    "toggl-clients",
                    "--",
                    "man",
                    "--out",
                ])
                .arg(&fresh),
        )?;
        let kept = root().join(MAN_DIR);
        let _ = std::fs::remove_dir_all(&kept);
        std::fs::create_dir_all(kept.parent().unwrap_or(&kept)).map_err(io(MAN_DIR))?;
        std::fs::rename(&fresh, &kept).map_err(io(format!("{MAN_DIR}: cannot replace it")))?;
        println!("wrote     {MAN_DIR}/");
        Ok(())
    }
}
