//! `cargo xtask evidence`: the spec's claims that are not confirmed, most
//! consequential first, from `toggl_track_spec_tools::evidence`.

use std::io::IsTerminal;
use std::path::PathBuf;

use toggl_track_spec_tools::evidence;

use crate::{Failure, Outcome};

/// `cargo xtask evidence`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct Evidence {
    /// List confirmed claims too.
    #[arg(long)]
    all: bool,
    /// One JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// The spec to read (default: openapi/toggl-track-v9.yaml).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

impl Evidence {
    pub(crate) fn run(self) -> Outcome {
        let (shown, _) = crate::spec_path(self.spec.as_deref());
        let doc = crate::spec_document(self.spec.as_deref())?;
        let (claims, problems) = evidence::read(&doc);
        let claims = evidence::ranked(claims, self.all);
        if self.json {
            let report = serde_json::json!({"claims": claims, "problems": problems});
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        } else {
            print!(
                "{}",
                evidence::render(&claims, std::io::stdout().is_terminal())
            );
        }
        if problems.is_empty() {
            return Ok(());
        }
        for p in &problems {
            eprintln!("{shown}: {p}");
        }
        Err(Failure::Found(format!(
            "{} entr(ies) of the ledger lack their evidence (listed above)",
            problems.len()
        )))
    }
}
