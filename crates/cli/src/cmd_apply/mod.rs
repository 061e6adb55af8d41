//! `apply`: makes the workspace's clients match a file in the shape `list`
//! prints (CSV or JSON), with the fewest requests the API allows. The file
//! is checked before anything is sent; the plan and its cost are printed
//! before any change; a plan the known quota cannot cover is not started;
//! and running the same file again finishes an interrupted job.

mod file;
mod plan;

use std::collections::HashMap;
use std::io::Read;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use toggl_track_api::Error;
use toggl_track_api::extras::name_key;
use toggl_track_api::types::{ClientCreate, ClientRestore, ClientStatus};

use crate::args::Output;
use crate::failure::{Failure, LIMITED, USAGE};
use crate::output;
use crate::session::Session;
use plan::{Action, Change, PlanError, cost};

#[derive(Debug, Args)]
pub(crate) struct Apply {
    /// The file (CSV with a header row, or a JSON array); `-` for stdin.
    file: PathBuf,
    /// Print the plan and its cost; send nothing but the reads.
    #[arg(long)]
    dry_run: bool,
    /// Also delete the clients the file does not list.
    #[arg(long)]
    prune: bool,
}

/// The columns of a change, as tables and CSV show it.
const HEADER: [&str; 4] = ["action", "id", "name", "detail"];

fn cells(c: &Change) -> Vec<String> {
    vec![
        c.action.word().to_owned(),
        c.id.map_or_else(|| "(new)".to_owned(), |i| i.to_string()),
        c.name.clone(),
        c.detail.clone(),
    ]
}

fn read(path: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::new(USAGE, format!("cannot read stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure::new(USAGE, format!("{}: cannot read: {e}", path.display())))
}

impl Apply {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let shown = self.file.display().to_string();
        let bad = |m: String| Failure::new(USAGE, format!("{shown}: {m}"));
        let text = read(&self.file)?;
        let checked = file::check(&text).map_err(bad)?;
        let existing = s
            .client
            .list_clients()
            .workspace_id(s.workspace)
            .status(ClientStatus::Both)
            .send()
            .await?
            .into_inner()
            .0;
        let mut changes =
            plan::plan(&text, &checked, &existing, self.prune).map_err(|e| match e {
                PlanError::UnknownId(m) => Failure::new(USAGE, m),
                PlanError::File(m) => bad(m),
            })?;
        drop((text, existing));
        let writes = cost(&changes);
        if out == Output::Table {
            if changes.is_empty() {
                output::emit("nothing to change; the workspace matches the file (1 request)\n")?;
                return Ok(());
            }
            output::emit(&output::table(&HEADER, changes.iter().map(cells)))?;
            output::emit(&format!(
                "{} change(s), {} request(s): 1 read (done) + {writes} to write\n",
                changes.len(),
                1 + writes
            ))?;
        }
        if !self.dry_run
            && let Some(q) = s.client.quota().organization
            && q.remaining < writes
        {
            return Err(Failure::new(
                LIMITED,
                format!(
                    "the plan needs {writes} request(s) and {} are left in this hour's quota (it resets in {} min); nothing was changed",
                    q.remaining,
                    q.resets_in().as_secs().div_ceil(60)
                ),
            ));
        }
        if !self.dry_run
            && let Some(cache) = &mut s.cache
        {
            // Forgotten before anything changes: an interrupted apply leaves
            // no stale entry behind.
            cache.invalidate_all();
        }
        let (done, sent, outcome) = if self.dry_run {
            (0, 0, Ok(()))
        } else {
            execute(s, &mut changes).await
        };
        let spent = 1 + sent;
        match out {
            Output::Json => output::emit(&output::json_document(&json!({
                "plan": changes,
                "requests": spent,
                "applied": done,
                "dry_run": self.dry_run,
            })))?,
            Output::Csv => output::emit(&output::csv(
                &HEADER,
                changes.iter().map(|c| {
                    let mut row = cells(c);
                    if c.id.is_none() {
                        row[1].clear();
                    }
                    row
                }),
            )?)?,
            Output::Table => {}
        }
        match outcome {
            Ok(()) if self.dry_run => {
                eprintln!("dry run: nothing sent beyond the read");
                Ok(())
            }
            Ok(()) => {
                eprintln!("applied {done} change(s) with {spent} request(s)");
                Ok(())
            }
            Err(e) => {
                let failure = Failure::from(e);
                Err(Failure::new(
                    failure.code,
                    format!(
                        "stopped after {done} of {} change(s) ({spent} request(s)); running the same apply again finishes the job: {}",
                        changes.len(),
                        failure.message
                    ),
                ))
            }
        }
    }
}

/// Carries out the plan in order, filling in the ids of created clients;
/// returns how many changes are done, how many requests were sent, and the
/// error that stopped it, if any.
async fn execute(s: &Session, changes: &mut [Change]) -> (usize, u64, Result<(), Error>) {
    // New clients by name, for archiving them in the same run.
    let mut created: HashMap<String, NonZeroU64> = HashMap::new();
    let (mut done, mut sent) = (0, 0);
    let mut i = 0;
    while i < changes.len() {
        // A bulk change takes every neighbour of its kind with it.
        let n = if changes[i].is_bulk() {
            changes[i..]
                .iter()
                .take_while(|c| c.action == changes[i].action)
                .count()
        } else {
            1
        };
        let step = step(s, &mut changes[i..i + n], &mut created).await;
        sent += step.sent;
        if let Err(e) = step.outcome {
            return (done, sent, Err(e));
        }
        for c in &changes[i..i + n] {
            eprintln!(
                "  done: {} {} {}",
                c.action.word(),
                c.id.map_or_else(String::new, |id| id.to_string()),
                c.name
            );
        }
        done += n;
        i += n;
    }
    (done, sent, Ok(()))
}

/// What one step of the plan sent and how it ended.
struct Step {
    sent: u64,
    outcome: Result<(), Error>,
}

impl Step {
    fn one(outcome: Result<(), Error>) -> Self {
        Self { sent: 1, outcome }
    }

    /// Nothing to send (a change without what it needs; the plan makes none).
    fn none() -> Self {
        Self {
            sent: 0,
            outcome: Ok(()),
        }
    }
}

/// Sends one change, or one bulk request for a run of archives or deletes.
async fn step(
    s: &Session,
    changes: &mut [Change],
    created: &mut HashMap<String, NonZeroU64>,
) -> Step {
    let ws = s.workspace;
    let first = &mut changes[0];
    match first.action {
        Action::Create => {
            let Some(row) = first.row.clone() else {
                return Step::none();
            };
            let given = |v: &Option<String>| v.clone().filter(|t| !t.is_empty());
            let body = ClientCreate {
                name: row.name.trim().to_owned(),
                notes: given(&row.notes),
                external_reference: given(&row.external_reference),
            };
            // As create-if-missing resolves it: a client another program
            // made meanwhile under this name is the one wanted.
            let ensured = match s
                .client
                .create_client_if_missing(ws, body)
                .known_missing()
                .await
            {
                Ok(e) => e,
                Err(e) => return Step::one(Err(e)),
            };
            let mut sent = u64::from(ensured.requests);
            first.id = Some(ensured.client.id);
            created.insert(name_key(&row.name), ensured.client.id);
            // Made by someone else: bring it in line with the row.
            let mut outcome = Ok(());
            if !ensured.created
                && let Some(fix) = plan::update(&ensured.client, &row).and_then(|c| c.body)
            {
                sent += 1;
                outcome = s
                    .client
                    .update_client()
                    .workspace_id(ws)
                    .client_id(ensured.client.id)
                    .body(fix)
                    .send()
                    .await
                    .map(drop);
            }
            Step { sent, outcome }
        }
        Action::Update => {
            let (Some(id), Some(body)) = (first.id, first.body.clone()) else {
                return Step::none();
            };
            Step::one(
                s.client
                    .update_client()
                    .workspace_id(ws)
                    .client_id(id)
                    .body(body)
                    .send()
                    .await
                    .map(drop),
            )
        }
        Action::Restore => {
            let Some(id) = first.id else {
                return Step::none();
            };
            Step::one(
                s.client
                    .restore_client()
                    .workspace_id(ws)
                    .client_id(id)
                    .body(ClientRestore::default())
                    .send()
                    .await
                    .map(drop),
            )
        }
        Action::Archive => {
            // Clients created in this run are archived by their new ids.
            for c in changes.iter_mut() {
                c.id = c.id.or_else(|| created.get(&name_key(&c.name)).copied());
            }
            let ids: Vec<NonZeroU64> = changes.iter().filter_map(|c| c.id).collect();
            Step::one(
                s.client
                    .archive_clients()
                    .workspace_id(ws)
                    .body(ids)
                    .send()
                    .await
                    .map(drop),
            )
        }
        Action::Delete => {
            let ids: Vec<NonZeroU64> = changes.iter().filter_map(|c| c.id).collect();
            Step::one(
                s.client
                    .delete_clients()
                    .workspace_id(ws)
                    .body(ids)
                    .send()
                    .await
                    .map(drop),
            )
        }
    }
}
