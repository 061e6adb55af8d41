//! `sync`: keeps the mirror current (see `mirror/sync.rs` for how), and
//! says what it did, what the user lost, what is left and what it cost.

use clap::Args;
use serde_json::json;

use crate::args::{Output, id};
use crate::failure::{AUTH, Failure};
use crate::mirror::{Report, SyncAsk};
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Sync {
    /// Read every workspace in full, whatever the mirror holds.
    #[arg(long)]
    full: bool,
    /// Mirror these workspaces too (comma-separated ids). Without any (and
    /// without --workspace), the first sync mirrors every workspace you
    /// have, and later ones follow the workspaces you gain and lose.
    #[arg(long, value_delimiter = ',', value_parser = id)]
    workspaces: Vec<std::num::NonZeroU64>,
}

impl Sync {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let mut named: Vec<u64> = self.workspaces.iter().map(|w| w.get()).collect();
        named.extend(s.named_workspace());
        let asked = named.clone();
        let client = s.client.clone();
        let mirror = s.mirror()?;
        let path = mirror.path().display().to_string();
        let outcome = mirror
            .sync(
                &client,
                SyncAsk {
                    full: self.full,
                    named,
                },
            )
            .await;
        let report = outcome.report;
        print(&report, &path, out)?;
        if !report.lost.is_empty() {
            eprintln!(
                "no longer readable by this user, so gone from the mirror: workspace(s) {}",
                list(&report.lost)
            );
        }
        if report.elsewhere > 0 {
            eprintln!(
                "{} change(s) in workspaces the mirror does not hold were passed over (add them with --workspaces)",
                report.elsewhere
            );
        }
        let refused: Vec<u64> = asked
            .iter()
            .copied()
            .filter(|w| report.lost.contains(w))
            .collect();
        match outcome.error {
            None if refused.is_empty() => Ok(()),
            None => Err(Failure::new(
                AUTH,
                format!(
                    "this user may not read workspace(s) {}; the rest is synced",
                    list(&refused)
                ),
            )),
            Some(e) if report.left.is_empty() => Err(e),
            Some(e) => Err(e.after(format!(
                "stopped with workspace(s) {} still to read (what was read is kept; {} request(s) spent); the same command reads only what is left: ",
                list(&report.left),
                report.requests
            ))),
        }
    }
}

fn list(ids: &[u64]) -> String {
    ids.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report in the chosen format.
fn print(report: &Report, path: &str, out: Output) -> Result<(), Failure> {
    let c = &report.changes;
    match out {
        Output::Table => output::emit(&format!(
            "{} sync{}: {} created, {} changed, {} archived, {} restored, {} deleted; {} request(s)\n",
            report.mode,
            report
                .why
                .as_deref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default(),
            c.created,
            c.changed,
            c.archived,
            c.restored,
            c.deleted,
            report.requests
        )),
        Output::Json => output::emit(&output::json_document(&json!({
            "mirror": path,
            "sync": report,
        }))),
        Output::Csv => output::emit(&output::csv(
            &[
                "mode", "created", "changed", "archived", "restored", "deleted", "requests",
            ],
            [vec![
                report.mode.to_owned(),
                c.created.to_string(),
                c.changed.to_string(),
                c.archived.to_string(),
                c.restored.to_string(),
                c.deleted.to_string(),
                report.requests.to_string(),
            ]],
        )?),
    }
}
