//! `apply`: makes the workspace's clients match a file in the shape `list`
//! prints (CSV or JSON), with the fewest requests the API allows. The file
//! is checked before anything is sent; the plan, its cost and the quota
//! windows it takes are printed before any change. A plan the known quota
//! cannot cover is not started, unless `--wait` says to do what the quota
//! allows and wait for each reset; and running the same file again
//! finishes an interrupted job.

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
use toggl_track_api::quota::{Outlook, QuotaKind};
use toggl_track_api::types::{ClientCreate, ClientRestore, ClientStatus, TrackClient};

use crate::args::Output;
use crate::failure::{Failure, LIMITED, USAGE};
use crate::mirror::{Freshness, Written};
use crate::output;
use crate::session::Session;
use file::Source;
use plan::{Action, PlanError, Step, cost};

#[derive(Debug, Args)]
pub(crate) struct Apply {
    /// The file (CSV with a header row, or a JSON array); `-` for stdin.
    file: PathBuf,
    /// Print the plan and its cost; send nothing but the reads.
    #[arg(long)]
    dry_run: bool,
    /// Also delete the clients the file does not list (asked first on a
    /// terminal; needs --yes without one).
    #[arg(long)]
    prune: bool,
    /// Delete what --prune plans without asking (needed without a
    /// terminal, and for a file that lists no client at all).
    #[arg(long, short = 'y', requires = "prune")]
    yes: bool,
    /// When the plan needs more requests than the quota has left, do what
    /// it allows and wait for each reset until the plan is done (for jobs
    /// larger than an hour's quota; --timeout still bounds each request).
    #[arg(long, conflicts_with = "dry_run")]
    wait: bool,
    /// Plan from the mirror as it is, with no request at all (`sync` keeps
    /// it current; `--from-mirror` is another name for it).
    #[arg(long, alias = "from-mirror")]
    offline: bool,
    /// Plan from the mirror when its last sync is younger than this (e.g.
    /// 10m); else sync it first (one request) and plan from it.
    #[arg(long, value_parser = crate::args::duration, conflicts_with = "offline")]
    max_age: Option<std::time::Duration>,
}

/// What the writes of an apply answered, for the mirror.
#[derive(Debug, Default)]
struct Done {
    now: Vec<TrackClient>,
    deleted: Vec<u64>,
    /// The service's time of the bulk delete's answer.
    deleted_at: Option<std::time::SystemTime>,
    archived: Vec<u64>,
}

/// The columns of a step, as tables and CSV show it.
const HEADER: [&str; 4] = ["action", "id", "name", "detail"];

fn cells(step: &Step) -> Vec<String> {
    vec![
        step.action.word().to_owned(),
        step.id
            .map_or_else(|| "(new)".to_owned(), |i| i.to_string()),
        step.name.clone(),
        step.detail.clone(),
    ]
}

/// The rows' source: the file, streamed in each pass, or stdin's text
/// (`-`), read once and kept, as it cannot be read again.
fn source(path: &Path) -> Result<Source, Failure> {
    if path.as_os_str() != "-" {
        return Ok(Source::Path(path.to_owned()));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::new(USAGE, format!("cannot read stdin: {e}")))?;
    Ok(Source::Text(text))
}

impl Apply {
    /// Whether the job waits for each quota reset (`--wait`).
    pub(crate) fn waits(&self) -> bool {
        self.wait
    }

    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let mut steps = self.make_plan(s).await?;
        let writes = cost(&steps);
        let outlook = outlook(s, writes).await;
        // Every request sent so far, retries included: the read, and the
        // quota endpoint when the outlook needed it.
        let read = s.client.requests_sent();
        if out == Output::Table {
            if steps.is_empty() {
                output::emit(&format!(
                    "nothing to change; the workspace matches the file ({read} request(s) sent)\n"
                ))?;
                return Ok(());
            }
            show_plan(&steps, read, writes, &outlook)?;
        }
        self.refuse_beyond_quota(writes, &outlook)?;
        self.confirm_deletions(&steps)?;
        let (done, outcome) = self.carry_out(s, &mut steps).await?;
        let spent = s.client.requests_sent();
        self.print_for_machines(out, &steps, writes, &outlook, done, spent)?;
        self.finish(outcome, done, steps.len(), spent)
    }

    /// The plan that makes the workspace match the file, which is checked
    /// first. The file's text and the clients read go once it is made.
    async fn make_plan(&self, s: &mut Session) -> Result<Vec<Step>, Failure> {
        let shown = self.file.display().to_string();
        let bad = |m: String| Failure::new(USAGE, format!("{shown}: {m}"));
        let source = source(&self.file)?;
        let checked = file::check(&source).map_err(bad)?;
        if checked.rows == 0 && self.prune && !self.yes {
            return Err(bad(
                "the file lists no client, so --prune would delete every client of the workspace; pass --yes if that is what you mean (nothing was changed)".to_owned(),
            ));
        }
        let existing = self.existing(s).await?;
        plan::plan(&source, &checked, &existing, self.prune).map_err(|e| match e {
            PlanError::UnknownId(m) => Failure::new(USAGE, m),
            PlanError::File(m) => bad(m),
        })
    }

    /// Asks before the deletions `--prune` planned (not for a dry run).
    fn confirm_deletions(&self, steps: &[Step]) -> Result<(), Failure> {
        let deleted: Vec<&str> = steps
            .iter()
            .filter(|step| step.action == plan::Action::Delete)
            .map(|step| step.name.as_str())
            .collect();
        if self.dry_run || deleted.is_empty() {
            return Ok(());
        }
        crate::confirm::deletion(&crate::confirm::described(deleted.into_iter()), self.yes)
    }

    /// Refuses to start a plan that needs more than this quota window,
    /// unless `--wait` (or `--dry-run`) says to go on.
    fn refuse_beyond_quota(&self, writes: u64, outlook: &Outlook) -> Result<(), Failure> {
        if self.dry_run || self.wait || outlook.windows <= 1 {
            return Ok(());
        }
        Err(Failure::new(
            LIMITED,
            format!(
                "the plan needs {writes} request(s) and {} are left in this hour's quota (it resets in {} min); nothing was changed. \
                 With --wait, apply does what the quota allows and waits for each reset{}",
                outlook.left,
                outlook.resets_in.as_secs().div_ceil(60),
                describe(outlook)
            ),
        ))
    }

    /// Carries out the plan, unless it is a dry run; returns how many steps
    /// are done and the error that stopped it, if any. What was done is
    /// applied to the mirror, even when the job stopped.
    async fn carry_out(
        &self,
        s: &mut Session,
        steps: &mut [Step],
    ) -> Result<(usize, Result<(), Error>), Failure> {
        let mut written = Done::default();
        let (done, outcome) = if self.dry_run {
            (0, Ok(()))
        } else {
            execute(s, s.workspace()?, steps, &mut written).await
        };
        s.write_through(Written::Clients(&written.now));
        s.write_through(Written::Deleted(&written.deleted, written.deleted_at));
        s.write_through(Written::Archived(&written.archived));
        Ok((done, outcome))
    }

    /// The plan and what it cost, as JSON or CSV (a table was shown before
    /// anything was sent).
    fn print_for_machines(
        &self,
        out: Output,
        steps: &[Step],
        writes: u64,
        outlook: &Outlook,
        done: usize,
        spent: u64,
    ) -> Result<(), Failure> {
        match out {
            Output::Json => output::emit(&output::json_document(&json!({
                "plan": steps,
                "requests": spent,
                "writes": writes,
                "applied": done,
                "dry_run": self.dry_run,
                "windows": outlook.windows,
            }))),
            Output::Csv => output::emit(&output::csv(
                &HEADER,
                steps.iter().map(|step| {
                    let mut row = cells(step);
                    if step.id.is_none() {
                        row[1].clear();
                    }
                    row
                }),
            )?),
            Output::Table => Ok(()),
        }
    }

    /// Says how the job ended: `done` of the `planned` steps, with `spent`
    /// requests; when it stopped, how to finish it.
    fn finish(
        &self,
        outcome: Result<(), Error>,
        done: usize,
        planned: usize,
        spent: u64,
    ) -> Result<(), Failure> {
        match outcome {
            Ok(()) if self.dry_run => {
                eprintln!("dry run: nothing sent beyond the read ({spent} request(s))");
                Ok(())
            }
            Ok(()) => {
                eprintln!("applied {done} change(s) with {spent} request(s)");
                Ok(())
            }
            Err(e) => Err(Failure::from(e).after(format!(
                "stopped after {done} of {planned} change(s) ({spent} request(s)); running the same apply again finishes the job: ",
            ))),
        }
    }
}

/// The plan as a table, with what it costs and the quota windows it takes.
fn show_plan(steps: &[Step], read: u64, writes: u64, outlook: &Outlook) -> Result<(), Failure> {
    output::emit(&output::table(&HEADER, steps.iter().map(cells)))?;
    output::emit(&format!(
        "{} change(s): {read} request(s) sent to read, {writes} more to write{}\n",
        steps.len(),
        describe(outlook)
    ))
}

impl Apply {
    /// The workspace's clients as they are: from the mirror when asked
    /// (`--offline`, `--max-age`), else one complete read.
    async fn existing(&self, s: &mut Session) -> Result<Vec<TrackClient>, Failure> {
        let workspace = s.workspace()?;
        let freshness = Freshness::asked(self.offline, self.max_age);
        if let Some(freshness) = freshness {
            let client = s.client.clone();
            let filter =
                toggl_track_api::extras::ClientFilter::default().status(ClientStatus::Both);
            let read = s
                .mirror()?
                .clients(&client, workspace, &filter, freshness)
                .await?;
            eprintln!(
                "planning from the mirror, synced {} ago ({} request(s) to read)",
                humantime::format_duration(std::time::Duration::from_secs(read.age.as_secs())),
                read.requests
            );
            return Ok(read.value);
        }
        // Every page: a client on a page not read would be created twice.
        Ok(s.client
            .list_all_clients()
            .unpaged_first()
            .workspace_id(workspace)
            .status(ClientStatus::Both)
            .send()
            .await?
            .clients)
    }
}

/// How the plan's `writes` fit the organization quota, in words: nothing
/// when they fit, else the windows and roughly when it is done.
fn describe(outlook: &Outlook) -> String {
    match (outlook.windows, outlook.done_at) {
        (1, _) => String::new(),
        (n, Some(at)) => format!(
            "; {n} quota windows, done around {}",
            chrono::DateTime::<chrono::Local>::from(at).format("%H:%M")
        ),
        (n, None) => format!("; at least {n} quota windows"),
    }
}

/// How the plan's `writes` fit the organization quota the read reported.
/// When they do not fit and the window's size is not known yet, one request
/// to the quota endpoint (the user-level quota, not this one) says it.
async fn outlook(s: &mut Session, writes: u64) -> Outlook {
    let outlook = s.known_quotas().outlook(QuotaKind::Organization, writes);
    if !outlook.needs_window_size() || s.client.refresh_quotas().await.is_err() {
        return outlook;
    }
    s.known_quotas().outlook(QuotaKind::Organization, writes)
}

/// Carries out the plan in order, filling in the ids of created clients;
/// returns how many steps are done, and the error that stopped it, if
/// any. Quota resets are waited out by the client, when `--wait` asked.
async fn execute(
    s: &Session,
    ws: u64,
    steps: &mut [Step],
    written: &mut Done,
) -> (usize, Result<(), Error>) {
    // New clients by name, for archiving them in the same run.
    let mut created: HashMap<String, NonZeroU64> = HashMap::new();
    let mut done = 0;
    while done < steps.len() {
        // A bulk step takes every neighbour of its kind with it.
        let n = if steps[done].is_bulk() {
            steps[done..]
                .iter()
                .take_while(|step| step.action == steps[done].action)
                .count()
        } else {
            1
        };
        crate::progress::job(format!(
            "{} of {} change(s) to go",
            steps.len() - done,
            steps.len()
        ));
        if let Err(e) = send(s, ws, &mut steps[done..done + n], &mut created, written).await {
            return (done, Err(e));
        }
        for step in &steps[done..done + n] {
            eprintln!(
                "  done: {} {} {}",
                step.action.word(),
                step.id.map_or_else(String::new, |id| id.to_string()),
                step.name
            );
        }
        done += n;
    }
    (done, Ok(()))
}

/// Sends one step, or one bulk request for a run of archives or deletes.
async fn send(
    s: &Session,
    ws: u64,
    steps: &mut [Step],
    created: &mut HashMap<String, NonZeroU64>,
    written: &mut Done,
) -> Result<(), Error> {
    let Some(first) = steps.first_mut() else {
        return Ok(());
    };
    match first.action {
        Action::Create => create(s, ws, first, created, written).await,
        Action::Update => update(s, ws, first, written).await,
        Action::Restore => restore(s, ws, first, written).await,
        Action::Archive => archive(s, ws, steps, created, written).await,
        Action::Delete => delete(s, ws, steps, written).await,
    }
}

/// Creates the row's client as create-if-missing resolves it: a client
/// another program made meanwhile under this name is the one wanted, and
/// is brought in line with the row.
async fn create(
    s: &Session,
    ws: u64,
    step: &mut Step,
    created: &mut HashMap<String, NonZeroU64>,
    written: &mut Done,
) -> Result<(), Error> {
    let Some(row) = step.row.clone() else {
        return Ok(());
    };
    let given = |v: &Option<String>| v.clone().filter(|t| !t.is_empty());
    let body = ClientCreate::builder()
        .name(row.name.trim().to_owned())
        .notes(given(&row.notes))
        .external_reference(given(&row.external_reference));
    let ensured = s
        .client
        .create_client_if_missing(ws, body)
        .known_missing()
        .send()
        .await?;
    step.id = Some(ensured.client.id);
    created.insert(name_key(&row.name), ensured.client.id);
    // Made by someone else: bring it in line with the row.
    let fix = plan::update(&ensured.client, &row).and_then(|update| update.body);
    let id = ensured.client.id;
    written.now.push(ensured.client);
    if !ensured.created
        && let Some(fix) = fix
    {
        put(s, ws, id, fix, written).await?;
    }
    Ok(())
}

/// Sends the update's body.
async fn update(s: &Session, ws: u64, step: &Step, written: &mut Done) -> Result<(), Error> {
    let (Some(id), Some(body)) = (step.id, step.body.clone()) else {
        return Ok(());
    };
    put(s, ws, id, body, written).await
}

/// One update of client `id`; what the service then holds is kept for the
/// mirror.
async fn put(
    s: &Session,
    ws: u64,
    id: std::num::NonZeroU64,
    body: toggl_track_api::types::ClientUpdate,
    written: &mut Done,
) -> Result<(), Error> {
    let updated = s
        .client
        .update_client()
        .workspace_id(ws)
        .client_id(id)
        .body(body)
        .send()
        .await?;
    written.now.push(updated.into_inner());
    Ok(())
}

/// Restores an archived client.
async fn restore(s: &Session, ws: u64, step: &Step, written: &mut Done) -> Result<(), Error> {
    let Some(id) = step.id else {
        return Ok(());
    };
    let restored = s
        .client
        .restore_client()
        .workspace_id(ws)
        .client_id(id)
        .body(ClientRestore::default())
        .send()
        .await?;
    written.now.push(restored.into_inner());
    Ok(())
}

/// Archives a run of clients in one request; clients created in this run
/// are archived by their new ids.
async fn archive(
    s: &Session,
    ws: u64,
    steps: &mut [Step],
    created: &HashMap<String, NonZeroU64>,
    written: &mut Done,
) -> Result<(), Error> {
    for step in steps.iter_mut() {
        step.id = step
            .id
            .or_else(|| created.get(&name_key(&step.name)).copied());
    }
    let ids = ids(steps);
    s.client
        .archive_clients()
        .workspace_id(ws)
        .body(ids.clone())
        .send()
        .await?;
    written.archived.extend(ids.iter().map(|i| i.get()));
    Ok(())
}

/// Deletes a run of clients in one request.
async fn delete(s: &Session, ws: u64, steps: &[Step], written: &mut Done) -> Result<(), Error> {
    let ids = ids(steps);
    let answer = s
        .client
        .delete_clients()
        .workspace_id(ws)
        .body(ids.clone())
        .send()
        .await?;
    written.deleted_at = answer.meta().date;
    written.deleted.extend(ids.iter().map(|i| i.get()));
    Ok(())
}

/// The ids of a run of steps on existing clients.
fn ids(steps: &[Step]) -> Vec<NonZeroU64> {
    steps.iter().filter_map(|step| step.id).collect()
}
