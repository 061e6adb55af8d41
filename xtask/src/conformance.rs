//! `cargo xtask conformance` checks every entry of every HAR file in
//! `openapi/recordings/` against the spec; the checks are
//! `toggl_track_spec_tools::conformance`'s.
//! That the client's types decode the recordings is a test of the client
//! crate, which reads the same folder.

use std::path::PathBuf;

use toggl_track_spec_tools::conformance;

use crate::recordings::{RECORDINGS, read_har, shown};
use crate::{Failure, Outcome, io, root};

/// `cargo xtask conformance`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct Conformance {
    /// HAR files or folders to check (default: openapi/recordings/).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The spec to check against (default: openapi/toggl-track-v9.yaml).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

/// The HAR files under `paths` (files as given, folders' `*.har`), sorted.
fn har_files(paths: &[PathBuf]) -> Outcome<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).map_err(io(path.display()))? {
                let p = entry.map_err(io(path.display()))?.path();
                if p.extension().is_some_and(|e| e == "har") {
                    files.push(p);
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    Ok(files)
}

impl Conformance {
    pub(crate) fn run(self) -> Outcome {
        let doc = crate::spec_document(self.spec.as_deref())?;
        let paths = if self.paths.is_empty() {
            vec![root().join(RECORDINGS)]
        } else {
            self.paths
        };
        let files = har_files(&paths)?;
        if files.is_empty() {
            return Err(Failure::BadInput(format!(
                "no HAR file in {}",
                paths
                    .iter()
                    .map(|p| shown(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut problems = Vec::new();
        let mut entries = 0;
        for file in &files {
            let har = read_har(file)?;
            entries += har.log.entries.len();
            problems.extend(
                conformance::check_har(&doc, &har)
                    .into_iter()
                    .map(|p| format!("{}: {p}", shown(file))),
            );
        }
        if problems.is_empty() {
            println!(
                "{entries} recorded exchange(s) in {} file(s) conform to the spec",
                files.len()
            );
            return Ok(());
        }
        for p in &problems {
            println!("{p}");
        }
        Err(Failure::Found(format!(
            "{} problem(s) in recorded exchanges (listed above); fix the spec, or the recording if it is wrong",
            problems.len()
        )))
    }
}
