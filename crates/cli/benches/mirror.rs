//! The mirror on a large workspace, each figure against a baseline measured
//! in the same run, as a person runs the tool (the release binary, a fresh
//! process):
//!
//! * the first `sync` (a full read into SQLite) against `-o json list >
//!   file`: wall time and peak resident memory, and the peak against the
//!   size of the JSON answer;
//! * a delta `sync` after 100 changes: its one request (counted by the
//!   service), its wall time, and the same request made by `curl`, so that
//!   what the tool adds to the request is the difference;
//! * `list --offline` against `list` from the local service.
//!
//! `cargo bench -p toggl-clients --bench mirror` measures and prints a
//! Markdown table (`cargo xtask bench mirror` puts it into BENCHMARKS.md);
//! `cargo test --benches` runs a short smoke pass. Needs `curl`.

#[cfg(target_os = "linux")]
#[path = "../tests/support/child.rs"]
mod child;

#[cfg(target_os = "linux")]
fn main() {
    // Started as the go-between that measures one job: only that.
    child::serve_isolation();
    mirror::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the mirror benchmark reads peak memory the Linux way; it runs on Linux");
    std::process::exit(1);
}

#[cfg(target_os = "linux")]
mod mirror {
    use std::path::Path;
    use std::process::Command;
    use std::time::Duration;

    use toggl_track_api::types::ClientUpdate;
    use toggl_track_api::{Client, Credentials};
    use toggl_track_local_service::{Config, Seed};

    use crate::child;

    const WS: u64 = toggl_track_local_service::demo::WORKSPACE;
    const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;
    /// The changes a delta brings.
    const CHANGES: u64 = 100;
    /// The first generated client's id.
    const FIRST: u64 = 80_000_000;

    fn tool(base: &str, db: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_toggl-clients"));
        // No settings from the user's config folder: one beside the file.
        let home = db.parent().unwrap_or(Path::new(".")).join("home");
        cmd.env_clear()
            .env("HOME", &home)
            .env("TOGGL_CLIENTS_CONFIG_DIR", home.join("config"))
            .env("TOGGL_API_TOKEN", TOKEN)
            .env("TOGGL_WORKSPACE_ID", WS.to_string())
            .env("TOGGL_BASE_URL", base)
            .arg("--db")
            .arg(db)
            .args(args);
        cmd
    }

    /// Runs a job, insisting that it succeeded; its peak memory is its own.
    fn run(job: &str, cmd: &mut Command) -> child::Measured {
        let report =
            std::env::temp_dir().join(format!("toggl-clients-mirror-peak-{}", std::process::id()));
        let ran = child::run_isolated(cmd, &report);
        let _ = std::fs::remove_file(&report);
        assert!(
            ran.output.status.success(),
            "{job} failed ({}): {}",
            ran.output.status,
            String::from_utf8_lossy(&ran.output.stderr)
        );
        ran
    }

    fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
        v.sort();
        v[v.len() / 2]
    }

    /// Changes `CHANGES` clients' notes, as another program would.
    fn change(runtime: &tokio::runtime::Runtime, base: &str, round: usize) {
        let api = Client::builder(Credentials::api_token(TOKEN))
            .base_url(base)
            .build()
            .expect("client");
        runtime.block_on(async {
            for i in 0..CHANGES {
                api.update_client()
                    .workspace_id(WS)
                    .client_id(FIRST + i)
                    .body(ClientUpdate::builder().notes(format!("round {round}")))
                    .send()
                    .await
                    .expect("changed");
            }
        });
    }

    /// The mirror's next `since`.
    fn since(db: &Path) -> i64 {
        rusqlite::Connection::open(db)
            .expect("the mirror")
            .query_row("SELECT min(since) FROM workspaces", [], |r| r.get(0))
            .expect("a since")
    }

    struct Row {
        job: &'static str,
        wall: Duration,
        baseline: &'static str,
        base_wall: Duration,
        peak: Option<(u64, u64)>,
        note: String,
    }

    fn measure(n: u64, runs: usize, dir: &Path) -> (u64, Vec<Row>) {
        // The service on this process's runtime, whose threads serve it
        // while the tool runs: what it counts is what the tool spent.
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let service = runtime
            .block_on(toggl_track_local_service::start(Config::with_seed(
                Seed::demo_with_generated_clients(n),
            )))
            .expect("service");
        let base = service.base_url();
        let json = dir.join(format!("list-{n}.json"));
        let mut listing = (Vec::new(), Vec::new());
        let mut first = (Vec::new(), Vec::new());
        let (mut delta, mut curl, mut spent) = (Vec::new(), Vec::new(), Vec::new());
        let mut offline = Vec::new();
        let mut answer = 0;
        let mut first_spent = Vec::new();
        for round in 0..runs {
            let db = dir.join(format!("mirror-{n}-{round}.sqlite"));
            let listed = run("list", &mut tool(base, &db, &["-o", "json", "list"]));
            std::fs::write(&json, &listed.output.stdout).expect("written");
            listing.0.push(listed.wall);
            listing.1.push(listed.peak);
            answer = compact_size(&listed.output.stdout);
            let before = service.requests();
            let synced = run("first sync", &mut tool(base, &db, &["sync"]));
            first_spent.push(service.requests() - before);
            first.0.push(synced.wall);
            first.1.push(synced.peak);
            change(&runtime, base, round);
            let before = service.requests();
            let synced = run("delta sync", &mut tool(base, &db, &["-o", "json", "sync"]));
            spent.push(service.requests() - before);
            let report: serde_json::Value =
                serde_json::from_slice(&synced.output.stdout).expect("the report");
            assert_eq!(report["sync"]["changes"]["changed"], CHANGES, "{report}");
            delta.push(synced.wall);
            let url = format!("{base}/me/clients?since={}", since(&db));
            curl.push(
                run(
                    "curl",
                    Command::new("curl").args([
                        "-sS",
                        "--fail",
                        "--compressed",
                        "-o",
                        "/dev/null",
                        "-u",
                        &format!("{TOKEN}:api_token"),
                        &url,
                    ]),
                )
                .wall,
            );
            let read = run(
                "list --offline",
                &mut tool(base, &db, &["-o", "json", "list", "--offline"]),
            );
            let held: Vec<serde_json::Value> =
                serde_json::from_slice(&read.output.stdout).expect("a JSON array");
            assert_eq!(held.len() as u64, n, "every client, from the mirror");
            offline.push(read.wall);
        }
        let listed_wall = median(listing.0.clone());
        let rows = vec![
            Row {
                job: "first `sync` (full read)",
                wall: median(first.0),
                baseline: "`-o json list > file`",
                base_wall: listed_wall,
                peak: Some((median(first.1), median(listing.1))),
                note: format!(
                    "{} requests: `/me` (whose the mirror is) and the read",
                    median(first_spent)
                ),
            },
            Row {
                job: "delta `sync`, 100 changes",
                wall: median(delta.clone()),
                baseline: "`curl` of its request",
                base_wall: median(curl.clone()),
                peak: None,
                note: format!(
                    "{} request; the tool's own {:.3} s",
                    median(spent),
                    median(delta).saturating_sub(median(curl)).as_secs_f64()
                ),
            },
            Row {
                job: "`-o json list --offline`",
                wall: median(offline),
                baseline: "`-o json list`",
                base_wall: listed_wall,
                peak: None,
                note: "0 requests".to_owned(),
            },
        ];
        (answer, rows)
    }

    /// The size of the list as the service sends it (compact JSON).
    fn compact_size(pretty: &[u8]) -> u64 {
        let value: serde_json::Value = serde_json::from_slice(pretty).expect("JSON");
        serde_json::to_vec(&value).expect("JSON").len() as u64
    }

    fn mib(bytes: u64) -> f64 {
        bytes as f64 / (1024.0 * 1024.0)
    }

    pub(crate) fn main() {
        let measuring = std::env::args().any(|a| a == "--bench");
        let (n, runs) = if measuring { (100_000, 3) } else { (2_000, 1) };
        let dir = std::env::temp_dir().join(format!("toggl-clients-mirror-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        let (answer, rows) = measure(n, runs, &dir);
        let mut table = String::from(
            "| clients | JSON answer | job | time | baseline | baseline time | ratio | peak memory (baseline) | peak / JSON | requests |\n|---:|---:|---|---:|---|---:|---:|---:|---:|---|\n",
        );
        for r in rows {
            let (peak, per_json) = match r.peak {
                Some((peak, base)) => (
                    format!("{:.1} MiB ({:.1} MiB)", mib(peak), mib(base)),
                    format!("{:.2}", peak as f64 / answer as f64),
                ),
                None => (String::new(), String::new()),
            };
            table.push_str(&format!(
                "| {n} | {:.1} MiB | {} | {:.3} s | {} | {:.3} s | {:.2} | {peak} | {per_json} | {} |\n",
                mib(answer),
                r.job,
                r.wall.as_secs_f64(),
                r.baseline,
                r.base_wall.as_secs_f64(),
                r.wall.as_secs_f64() / r.base_wall.as_secs_f64(),
                r.note,
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
        print!("{table}");
    }
}
