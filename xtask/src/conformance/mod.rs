//! Recorded real exchanges against the spec: `cargo xtask conformance`
//! checks every entry of every HAR file in `openapi/recordings/`, `cargo
//! xtask recordings import` brings a browser's HAR export in (the clients
//! exchanges only, every secret stripped), and `cargo xtask record` makes a
//! recording with the real service.

mod check;
mod decode;
mod har;
pub(crate) mod record;
mod redact;
mod schema;

use std::path::{Path, PathBuf};

use toggl_track_codegen::SPEC_PATH;

use crate::derived::write_atomically;
use crate::{Failure, Outcome, root};
use har::Har;

/// Where recordings live.
pub(crate) const RECORDINGS: &str = "openapi/recordings";

/// `cargo xtask conformance`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct Args {
    /// HAR files or folders to check (default: openapi/recordings/).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The spec to check against (default: openapi/toggl-track-v9.yaml).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

/// `cargo xtask recordings ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum RecordingsCommand {
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
            let listing = std::fs::read_dir(path)
                .map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?;
            for entry in listing.flatten() {
                let p = entry.path();
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
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::BadInput(format!("{}: cannot read: {e}", path.display())))?;
    Har::parse(&text).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

pub(crate) fn run_task(args: &Args) -> Outcome {
    let (spec_shown, spec_path) = match &args.spec {
        Some(p) => (p.display().to_string(), p.clone()),
        None => (SPEC_PATH.to_owned(), root().join(SPEC_PATH)),
    };
    let doc = crate::drift::spec_document(&spec_shown, &spec_path)?;
    let operations = check::operations(&doc);
    let paths = if args.paths.is_empty() {
        vec![root().join(RECORDINGS)]
    } else {
        args.paths.clone()
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
        for (i, entry) in har.log.entries.iter().enumerate() {
            entries += 1;
            let what = format!(
                "{}: entry {i} ({} {} -> {})",
                shown(file),
                entry.request.method,
                check::api_path(&entry.request.url).unwrap_or_else(|| entry.request.url.clone()),
                entry.response.status
            );
            for problem in check::check(&doc, &operations, entry) {
                problems.push(format!("{what}: {problem}"));
            }
        }
    }
    if problems.is_empty() {
        println!(
            "{entries} recorded exchange(s) in {} file(s) conform to the spec and decode with the client's types",
            files.len()
        );
        Ok(())
    } else {
        for p in &problems {
            println!("{p}");
        }
        Err(Failure::Found(format!(
            "{} problem(s) in recorded exchanges (listed above); fix the spec, or the recording if it is wrong",
            problems.len()
        )))
    }
}

pub(crate) fn recordings(command: &RecordingsCommand) -> Outcome {
    match command {
        RecordingsCommand::Import {
            file,
            name,
            out_dir,
        } => import(file, name.as_deref(), out_dir.as_deref()),
    }
}

/// Keeps the entries that are exchanges with the spec's operations, strips
/// their secrets, and writes them into the recordings folder.
fn import(file: &Path, name: Option<&str>, out_dir: Option<&Path>) -> Outcome {
    let har = read_har(file)?;
    let spec = root().join(SPEC_PATH);
    let doc = crate::drift::spec_document(SPEC_PATH, &spec)?;
    let operations = check::operations(&doc);
    let total = har.log.entries.len();
    let mut kept = har;
    kept.log.entries.retain(|e| {
        check::api_path(&e.request.url)
            .is_some_and(|p| check::find(&operations, &e.request.method, &p).is_some())
    });
    let count = kept.log.entries.len();
    if count == 0 {
        return Err(Failure::Found(format!(
            "{}: none of its {total} entries is an exchange with the clients endpoints; nothing written",
            file.display()
        )));
    }
    let note = format!(
        "Imported by `cargo xtask recordings import` from {}: {count} of {total} entries kept (the clients endpoints), secrets stripped.",
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    kept.log.comment = Some(match kept.log.comment.take() {
        Some(c) if !c.is_empty() => format!("{c}\n{note}"),
        _ => note,
    });
    let clean = redact::har(kept);
    let stem = name.map(str::to_owned).unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "recording".to_owned())
    });
    let dir = out_dir.map_or_else(|| root().join(RECORDINGS), Path::to_path_buf);
    let out = dir.join(format!("{stem}.har"));
    write_atomically(&out, &clean.to_text())?;
    println!("kept {count} of {total} entries, wrote {}", shown(&out));
    Ok(())
}
