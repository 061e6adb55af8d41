//! A maintainer's tool, run by `cargo xtask record`: every operation once
//! against the real service, one request a second, with a uniquely named
//! client that is removed again. The client's own field capture
//! ([`Recorder::everything`]) keeps every exchange, stripped of every
//! secret, as a HAR file for `cargo xtask conformance` and the client's
//! recording tests.
//!
//! ```sh
//! TOGGL_API_TOKEN=... TOGGL_WORKSPACE_ID=... cargo xtask record
//! cargo run --example capture_every_operation -- --base-url URL --name NAME --out-dir DIR
//! ```

use std::path::PathBuf;

use toggl_track_api::config::{Pacing, RetryPolicy};
use toggl_track_api::record::Recorder;
use toggl_track_api::types::{ClientCreate, ClientRestore, ClientUpdate, ClientsByIds};
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_har::Har;

/// What to record and where to write it.
struct Args {
    base_url: String,
    name: Option<String>,
    out_dir: PathBuf,
}

impl Args {
    /// `--base-url URL`, `--name NAME`, `--out-dir DIR`, all optional.
    fn parse() -> Result<Self, String> {
        let mut args = Self {
            base_url: toggl_track_api::config::DEFAULT_BASE_URL.to_owned(),
            name: None,
            out_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/recordings"),
        };
        let mut given = std::env::args().skip(1);
        while let Some(flag) = given.next() {
            let value = given
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--base-url" => args.base_url = value,
                "--name" => args.name = Some(value),
                "--out-dir" => args.out_dir = PathBuf::from(value),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(args)
    }
}

fn main() -> std::process::ExitCode {
    match record_to_file() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

fn record_to_file() -> Result<(), String> {
    let args = Args::parse()?;
    let token = std::env::var("TOGGL_API_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or("set TOGGL_API_TOKEN")?;
    let workspace: u64 = std::env::var("TOGGL_WORKSPACE_ID")
        .unwrap_or_default()
        .trim()
        .parse()
        .ok()
        .filter(|w| *w > 0)
        .ok_or("TOGGL_WORKSPACE_ID is not a workspace id")?;
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| format!("{}: {e}", args.out_dir.display()))?;
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("recorded-{date}"));
    let out = args.out_dir.join(format!("{name}.har"));
    let recorder = Recorder::everything(&out);
    let client = Client::builder(Credentials::api_token(token))
        .base_url(&args.base_url)
        .pacing(Pacing::toggl_advice())
        // Each exchange as the service answered it, refusals included.
        .retry(RetryPolicy::none())
        .record(recorder.clone())
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let log = runtime.block_on(walk(&client, workspace));
    for line in &log {
        println!("  {line}");
    }
    if let Some(e) = recorder.write_error() {
        return Err(format!("{}: {e}", out.display()));
    }
    // Say where the file comes from.
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut har = Har::parse(&text).map_err(|e| format!("{}: {e}", out.display()))?;
    har.log.creator.name = "cargo xtask record".to_owned();
    har.log.comment = Some(format!(
        "Captured from {} on {date} by `cargo xtask record`: every operation once, one request a second, through the Rust client; secrets stripped.",
        args.base_url
    ));
    write_atomically(&out, &har.to_text())?;
    let spent = client.requests_sent();
    println!(
        "recorded {} exchanges ({spent} requests) into {}",
        recorder.kept(),
        out.display()
    );
    Ok(())
}

/// Writes through a temporary file and a rename: never half a file.
fn write_atomically(path: &std::path::Path, content: &str) -> Result<(), String> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(".record.tmp-{}", std::process::id()));
    std::fs::write(&tmp, content).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: {e}", path.display())
    })
}

/// Every operation once; refusals (a free plan's 402 on archive, say) are
/// part of the record. Returns a line per step.
async fn walk(api: &Client, ws: u64) -> Vec<String> {
    let mut log = Vec::new();
    let mut note = |step: &str, outcome: Result<String, Error>| {
        log.push(match outcome {
            Ok(what) => format!("{step}: {what}"),
            Err(e) => format!("{step}: {e}"),
        });
    };
    let listed = api.list_clients().workspace_id(ws).send().await;
    note("list", listed.map(|l| format!("{} clients", l.len())));
    let paged = api
        .list_clients()
        .workspace_id(ws)
        .page(1u64)
        .per_page(5u64)
        .send()
        .await;
    note(
        "list, first page of 5",
        paged.map(|l| format!("{} clients", l.len())),
    );
    let name = format!("xtask record {:08x}", fastrand::u32(..));
    let created = api
        .create_client()
        .workspace_id(ws)
        .body(
            ClientCreate::builder()
                .name(name.clone())
                .notes(Some("recorded by cargo xtask record".to_owned())),
        )
        .send()
        .await;
    let id = match created {
        Ok(c) => {
            note("create", Ok(format!("{} has id {}", c.name, c.id)));
            c.id
        }
        Err(e) => {
            note("create", Err(e));
            return log;
        }
    };
    let got = api.get_client().workspace_id(ws).client_id(id).send().await;
    note("get", got.map(|c| c.name.clone()));
    let updated = api
        .update_client()
        .workspace_id(ws)
        .client_id(id)
        .body(ClientUpdate::builder().notes(Some("changed by cargo xtask record".to_owned())))
        .send()
        .await;
    note(
        "update",
        updated.map(|c| c.notes.clone().unwrap_or_default()),
    );
    let by_ids = api
        .get_clients_by_ids()
        .workspace_id(ws)
        .body(ClientsByIds::builder().client_ids(vec![id]))
        .send()
        .await;
    note(
        "clients by ids",
        by_ids.map(|l| format!("{} found", l.len())),
    );
    let archived = api
        .archive_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await;
    note("archive", archived.map(|p| format!("{} projects", p.len())));
    let restored = api
        .restore_client()
        .workspace_id(ws)
        .client_id(id)
        .body(ClientRestore::builder().restore_all_projects(Some(true)))
        .send()
        .await;
    note(
        "restore",
        restored.map(|c| format!("archived: {}", c.archived)),
    );
    let bulk = api
        .archive_clients()
        .workspace_id(ws)
        .body(vec![id])
        .send()
        .await;
    note(
        "archive several",
        bulk.map(|a| format!("{} entries", a.len())),
    );
    let since = chrono::Utc::now().timestamp() - 3600;
    let changed = api.list_changed_clients().since(since).send().await;
    note(
        "changed in the last hour",
        changed.map(|l| format!("{} clients", l.len())),
    );
    let deleted = api
        .delete_client()
        .workspace_id(ws)
        .client_id(id)
        .send()
        .await;
    note("delete", deleted.map(|_| "gone".to_owned()));
    // The client is gone: the service's answer for a bulk delete of an id it
    // does not have is part of the record.
    let bulk_delete = api
        .delete_clients()
        .workspace_id(ws)
        .body(vec![id])
        .send()
        .await;
    note(
        "delete several (already gone)",
        bulk_delete.map(|_| "done".to_owned()),
    );
    log
}
