//! `cargo xtask record`: every operation once against the real service,
//! through the Rust client and a recording proxy (the client crate's
//! `capture_every_operation` example, which this task builds and starts), written as a HAR
//! file with every secret stripped.

use std::path::PathBuf;

use crate::{Outcome, cargo, run};

/// `cargo xtask record`.
#[derive(Debug, clap::Args)]
pub(crate) struct Record {
    /// The service to record (default: the client's, Toggl's production
    /// service).
    #[arg(long, env = "TOGGL_BASE_URL")]
    base_url: Option<String>,
    /// The recording's name (default: `recorded-DATE`).
    #[arg(long)]
    name: Option<String>,
    /// The folder to write it to (default: openapi/recordings/).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

impl Record {
    pub(crate) fn run(self) -> Outcome {
        let missing = crate::live::missing();
        if !missing.is_empty() {
            println!(
                "nothing recorded: set {} to record every operation against the real service \
                 (12 requests, one a second, with a client of its own that is removed again)",
                missing.join(" and ")
            );
            return Ok(());
        }
        let mut cmd = cargo();
        cmd.args([
            "run",
            "--quiet",
            "--example",
            "capture_every_operation",
            "--",
        ]);
        if let Some(url) = &self.base_url {
            cmd.args(["--base-url", url]);
        }
        if let Some(name) = &self.name {
            cmd.args(["--name", name]);
        }
        let out_dir = self
            .out_dir
            .unwrap_or_else(|| crate::root().join(crate::recordings::RECORDINGS));
        cmd.arg("--out-dir").arg(&out_dir);
        // The example reads the credentials from the environment, as set.
        run("record every operation through the client", &mut cmd)
    }
}
