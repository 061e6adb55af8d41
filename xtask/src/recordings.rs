//! `cargo xtask recordings import` brings a browser's HAR export into
//! `openapi/recordings/`: the clients exchanges only, every secret stripped
//! (`toggl_track_spec_tools::conformance::import`).

use std::path::{Path, PathBuf};

use toggl_track_har::Har;
use toggl_track_spec_tools::conformance;

use crate::files::write_atomically;
use crate::{Failure, Outcome, io, root};

/// Where recordings live.
pub(crate) const RECORDINGS: &str = "openapi/recordings";

/// `cargo xtask recordings ...`.
#[derive(Debug, clap::Args)]
pub(crate) struct Recordings {
    #[command(subcommand)]
    command: Command,
}

/// What to do with recorded exchanges.
#[derive(Debug, clap::Subcommand)]
enum Command {
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

/// Reads a HAR file; one that cannot be read or parsed is bad input.
pub(crate) fn read_har(path: &Path) -> Outcome<Har> {
    let text =
        std::fs::read_to_string(path).map_err(io(format!("{}: cannot read", path.display())))?;
    Har::parse(&text).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))
}

/// A path as messages show it: relative to the workspace when inside it.
pub(crate) fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

impl Recordings {
    pub(crate) fn run(self) -> Outcome {
        match self.command {
            Command::Import {
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
