//! `cargo xtask conformance` checks every entry of every HAR file in
//! `openapi/recordings/` against the spec, and `cargo xtask recordings
//! import` brings a browser's HAR export in (the clients exchanges only,
//! every secret stripped); the checks are `toggl_track_spec_tools::conformance`'s.
//! That the client's types decode the recordings is a test of the client
//! crate, which reads the same folder.

use std::path::{Path, PathBuf};

use toggl_track_har::Har;
use toggl_track_spec_tools::conformance;

use crate::files::write_atomically;
use crate::{Failure, Outcome, io, root};

/// Where recordings live.
pub(crate) const RECORDINGS: &str = "openapi/recordings";

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

/// `cargo xtask recordings ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Recordings {
    /// Keep the clients exchanges of a HAR file (a browser's export, say),
    /// strip every secret, and write it into openapi/recordings/.
    Import {
        /// The HAR file.
        file: PathBuf,
        /// The recording's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// The folder to write it to (default: openapi/recordings/).
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
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

fn read_har(path: &Path) -> Outcome<Har> {
    let text =
        std::fs::read_to_string(path).map_err(io(format!("{}: cannot read", path.display())))?;
    Har::parse(&text).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
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

impl Recordings {
    pub(crate) fn run(self) -> Outcome {
        match self {
            Self::Import {
                file,
                name,
                out_dir,
            } => import(&file, name.as_deref(), out_dir.as_deref()),
        }
    }
}

/// Keeps the entries that are exchanges with the spec's operations, strips
/// their secrets, and writes them into the recordings folder.
fn import(file: &Path, name: Option<&str>, out_dir: Option<&Path>) -> Outcome {
    let har = read_har(file)?;
    let doc = crate::spec_document(None)?;
    let total = har.log.entries.len();
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let note = |kept: usize, total: usize| {
        format!(
            "Imported by `cargo xtask recordings import` from {file_name}: {kept} of {total} entries kept (the clients endpoints), secrets stripped."
        )
    };
    let Some(clean) = conformance::import(&doc, har, note) else {
        return Err(Failure::Found(format!(
            "{}: none of its {total} entries is an exchange with the clients endpoints; nothing written",
            file.display()
        )));
    };
    let stem = name.map(str::to_owned).unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "recording".to_owned())
    });
    let dir = out_dir.map_or_else(|| root().join(RECORDINGS), Path::to_path_buf);
    let out = dir.join(format!("{stem}.har"));
    write_atomically(&out, &clean.to_text())?;
    let kept = clean.log.entries.len();
    println!("kept {kept} of {total} entries, wrote {}", shown(&out));
    Ok(())
}
