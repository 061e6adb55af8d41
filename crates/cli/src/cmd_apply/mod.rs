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
use std::future::Future;
use std::io::Read;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::Args;
use serde_json::json;
use toggl_track_api::Error;
use toggl_track_api::extras::name_key;
use toggl_track_api::types::{ClientCreate, ClientRestore, ClientStatus};

use crate::args::Output;
use crate::failure::{Failure, LIMITED, USAGE};
use crate::output;
use crate::patience::{patiently, reset_wait};
use crate::session::Session;
use file::Source;
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
    /// When the plan needs more requests than the quota has left, do what
    /// it allows and wait for each reset until the plan is done (for jobs
    /// larger than an hour's quota; --timeout still bounds each request).
    #[arg(long, conflicts_with = "dry_run")]
    wait: bool,
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
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        let shown = self.file.display().to_string();
        let bad = |m: String| Failure::new(USAGE, format!("{shown}: {m}"));
        let source = source(&self.file)?;
        let checked = file::check(&source).map_err(bad)?;
        let job = Job {
            wait: self.wait,
            changes: 0,
            done: 0,
        };
        let mut read_requests = 0;
        let existing = job
            .request(s, &mut read_requests, || {
                s.client
                    .list_clients()
                    .workspace_id(s.workspace)
                    .status(ClientStatus::Both)
                    .send()
            })
            .await?
            .into_inner()
            .0;
        let mut changes =
            plan::plan(&source, &checked, &existing, self.prune).map_err(|e| match e {
                PlanError::UnknownId(m) => Failure::new(USAGE, m),
                PlanError::File(m) => bad(m),
            })?;
        drop((source, existing));
        let writes = cost(&changes);
        let outlook = outlook(s, writes, &mut read_requests).await;
        if out == Output::Table {
            if changes.is_empty() {
                output::emit(&format!(
                    "nothing to change; the workspace matches the file ({read_requests} request(s))\n"
                ))?;
                return Ok(());
            }
            output::emit(&output::table(&HEADER, changes.iter().map(cells)))?;
            output::emit(&format!(
                "{} change(s), {} request(s): {read_requests} read (done) + {writes} to write{}\n",
                changes.len(),
                read_requests + writes,
                outlook.describe()
            ))?;
        }
        if !self.dry_run && !self.wait && outlook.windows > 1 {
            return Err(Failure::new(
                LIMITED,
                format!(
                    "the plan needs {writes} request(s) and {} are left in this hour's quota (it resets in {} min); nothing was changed. \
                     With --wait, apply does what the quota allows and waits for each reset{}",
                    outlook.left,
                    outlook.resets_in.as_secs().div_ceil(60),
                    outlook.describe()
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
            let job = Job {
                changes: changes.len(),
                ..job
            };
            execute(s, job, &mut changes).await
        };
        let spent = read_requests + sent;
        match out {
            Output::Json => output::emit(&output::json_document(&json!({
                "plan": changes,
                "requests": spent,
                "applied": done,
                "dry_run": self.dry_run,
                "windows": outlook.windows,
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

/// How a plan fits the quota: how many windows it takes, and roughly when
/// it is done.
#[derive(Debug, Clone, Copy)]
struct Outlook {
    /// Requests left in the current window (when known).
    left: u64,
    /// Until the current window starts afresh.
    resets_in: Duration,
    /// Windows the writes take: 1 when they fit in what is left.
    windows: u64,
    /// When the last window's writes can go, roughly.
    done_at: Option<SystemTime>,
}

impl Outlook {
    fn describe(&self) -> String {
        match (self.windows, self.done_at) {
            (1, _) => String::new(),
            (n, Some(at)) => format!(
                "; {n} quota windows, done around {}",
                chrono::DateTime::<chrono::Local>::from(at).format("%H:%M")
            ),
            (n, None) => format!("; at least {n} quota windows"),
        }
    }
}

/// How the plan's `writes` fit the organization quota the read reported.
/// When they do not fit and the window's size is not known yet, one request
/// to the quota endpoint (the user-level quota, not this one) says it.
async fn outlook(s: &Session, writes: u64, read_requests: &mut u64) -> Outlook {
    let fits = Outlook {
        left: writes,
        resets_in: Duration::ZERO,
        windows: 1,
        done_at: None,
    };
    let Some(now) = s.client.quota().organization.filter(|q| q.is_current()) else {
        return fits;
    };
    let left = now.left().unwrap_or(0);
    if writes <= left {
        return Outlook { left, ..fits };
    }
    let mut total = s.known_quotas().organization.and_then(|q| q.total);
    if total.is_none()
        && let Ok(known) = s.client.refresh_quotas().await
    {
        *read_requests += 1;
        total = known.organization.and_then(|q| q.total);
    }
    let resets_in = now.resets_in();
    let Some(total) = total.filter(|t| *t > 0) else {
        return Outlook {
            left,
            resets_in,
            windows: 2,
            done_at: None,
        };
    };
    // The first request of a fresh window reports the window's whole
    // length; otherwise it is Toggl's hour.
    let length = if i64::try_from(total).is_ok_and(|t| now.remaining == t - 1) {
        resets_in.max(Duration::from_secs(1))
    } else {
        Duration::from_secs(3600)
    };
    let later = (writes - left).div_ceil(total);
    let done_at = SystemTime::now()
        + reset_wait(resets_in)
        + length.saturating_mul(u32::try_from(later - 1).unwrap_or(u32::MAX));
    Outlook {
        left,
        resets_in,
        windows: 1 + later,
        done_at: Some(done_at),
    }
}

/// The job being carried out, for waiting and for what it says while it
/// waits.
#[derive(Debug, Clone, Copy)]
struct Job {
    /// Wait for the quota instead of stopping at it.
    wait: bool,
    changes: usize,
    done: usize,
}

impl Job {
    /// Sends one request through `op`, counting each attempt in `sent`;
    /// with `wait`, waits out the quota as often as it takes.
    async fn request<T, F, Fut>(&self, s: &Session, sent: &mut u64, mut op: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let counted = || {
            *sent += 1;
            op()
        };
        if self.wait {
            let to_go = format!(
                "{} of {} change(s) to go",
                self.changes - self.done,
                self.changes
            );
            patiently(s, &to_go, counted).await
        } else {
            let mut counted = counted;
            counted().await
        }
    }
}

/// Carries out the plan in order, filling in the ids of created clients;
/// returns how many changes are done, how many requests were sent, and the
/// error that stopped it, if any.
async fn execute(
    s: &Session,
    mut job: Job,
    changes: &mut [Change],
) -> (usize, u64, Result<(), Error>) {
    // New clients by name, for archiving them in the same run.
    let mut created: HashMap<String, NonZeroU64> = HashMap::new();
    let mut sent = 0;
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
        let outcome = step(s, &job, &mut sent, &mut changes[i..i + n], &mut created).await;
        if let Err(e) = outcome {
            return (job.done, sent, Err(e));
        }
        for c in &changes[i..i + n] {
            eprintln!(
                "  done: {} {} {}",
                c.action.word(),
                c.id.map_or_else(String::new, |id| id.to_string()),
                c.name
            );
        }
        job.done += n;
        i += n;
    }
    (job.done, sent, Ok(()))
}

/// Sends one change, or one bulk request for a run of archives or deletes.
async fn step(
    s: &Session,
    job: &Job,
    sent: &mut u64,
    changes: &mut [Change],
    created: &mut HashMap<String, NonZeroU64>,
) -> Result<(), Error> {
    let ws = s.workspace;
    let first = &mut changes[0];
    match first.action {
        Action::Create => {
            let Some(row) = first.row.clone() else {
                return Ok(());
            };
            let given = |v: &Option<String>| v.clone().filter(|t| !t.is_empty());
            let body = ClientCreate {
                name: row.name.trim().to_owned(),
                notes: given(&row.notes),
                external_reference: given(&row.external_reference),
            };
            // As create-if-missing resolves it: a client another program
            // made meanwhile under this name is the one wanted.
            let ensured = job
                .request(s, sent, || {
                    s.client
                        .create_client_if_missing(ws, body.clone())
                        .known_missing()
                        .send()
                })
                .await?;
            // The lookup after a lost race was a request too.
            *sent += u64::from(ensured.requests.saturating_sub(1));
            first.id = Some(ensured.client.id);
            created.insert(name_key(&row.name), ensured.client.id);
            // Made by someone else: bring it in line with the row.
            if !ensured.created
                && let Some(fix) = plan::update(&ensured.client, &row).and_then(|c| c.body)
            {
                job.request(s, sent, || {
                    s.client
                        .update_client()
                        .workspace_id(ws)
                        .client_id(ensured.client.id)
                        .body(fix.clone())
                        .send()
                })
                .await?;
            }
            Ok(())
        }
        Action::Update => {
            let (Some(id), Some(body)) = (first.id, first.body.clone()) else {
                return Ok(());
            };
            job.request(s, sent, || {
                s.client
                    .update_client()
                    .workspace_id(ws)
                    .client_id(id)
                    .body(body.clone())
                    .send()
            })
            .await
            .map(drop)
        }
        Action::Restore => {
            let Some(id) = first.id else {
                return Ok(());
            };
            job.request(s, sent, || {
                s.client
                    .restore_client()
                    .workspace_id(ws)
                    .client_id(id)
                    .body(ClientRestore::default())
                    .send()
            })
            .await
            .map(drop)
        }
        Action::Archive => {
            // Clients created in this run are archived by their new ids.
            for c in changes.iter_mut() {
                c.id = c.id.or_else(|| created.get(&name_key(&c.name)).copied());
            }
            let ids: Vec<NonZeroU64> = changes.iter().filter_map(|c| c.id).collect();
            job.request(s, sent, || {
                s.client
                    .archive_clients()
                    .workspace_id(ws)
                    .body(ids.clone())
                    .send()
            })
            .await
            .map(drop)
        }
        Action::Delete => {
            let ids: Vec<NonZeroU64> = changes.iter().filter_map(|c| c.id).collect();
            job.request(s, sent, || {
                s.client
                    .delete_clients()
                    .workspace_id(ws)
                    .body(ids.clone())
                    .send()
            })
            .await
            .map(drop)
        }
    }
}
