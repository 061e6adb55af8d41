//! The tool on large workspaces: `-o json list`, `-o csv list` and `apply
//! --dry-run` of a file of the workspace's own rows (one in a thousand with
//! changed notes), each as a person runs it (the release binary, a fresh
//! process), against `curl --compressed | jq .` on the same answer,
//! measured in the same run: wall time and peak resident memory, the median
//! of the runs, and the growth per doubling of the workspace.
//!
//! The local service runs in this process on a thread of its own and
//! answers gzip-compressed, as Toggl does; the tool and curl both ask for
//! compression, so both read the same bytes off the wire.
//!
//! `cargo bench -p toggl-clients --bench large` measures and prints a
//! Markdown table (`cargo xtask bench large` puts it into BENCHMARKS.md);
//! `cargo test --benches` runs a short smoke pass. Needs `curl` and `jq`.

#[cfg(target_os = "linux")]
#[path = "../tests/support/child.rs"]
mod child;

#[cfg(target_os = "linux")]
fn main() {
    // Started as the go-between that measures one job: only that.
    child::serve_isolation();
    large::main();
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the large-workspace benchmark reads peak memory the Linux way; it runs on Linux");
    std::process::exit(1);
}

#[cfg(target_os = "linux")]
mod large {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Duration;

    use toggl_track_local_service::{Config, Seed, ServiceThread};

    use crate::child;

    const WS: u64 = toggl_track_local_service::demo::WORKSPACE;
    const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;
    /// One row in this many gets new notes in the file `apply` reads.
    const CHANGED_EVERY: usize = 1000;

    /// The jobs, in the order each round runs them.
    const JOBS: [&str; 4] = [
        "`curl --compressed \\| jq .` (yardstick)",
        "`-o json list`",
        "`-o csv list`",
        "`apply FILE --dry-run`",
    ];

    /// One job's median run at one size.
    struct Cost {
        wall: Duration,
        peak: u64,
    }

    fn tool(base: &str, cache: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_toggl-clients"));
        cmd.env("TOGGL_API_TOKEN", TOKEN)
            .env("TOGGL_WORKSPACE_ID", WS.to_string())
            .env("TOGGL_BASE_URL", base)
            .env("TOGGL_CLIENTS_DATA_DIR", cache)
            // No settings from the user's config folder.
            .env("TOGGL_CLIENTS_CONFIG_DIR", cache.join("config"))
            .env_remove("TOGGL_CLIENTS_PROFILE")
            .env_remove("TOGGL_EMAIL")
            .env_remove("TOGGL_PASSWORD")
            .args(args);
        cmd
    }

    fn curl_jq(base: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(format!(
                "set -o pipefail; curl -sS --fail --compressed -u '{TOKEN}:api_token' '{base}/workspaces/{WS}/clients' | jq ."
            ));
        cmd
    }

    /// Runs a job, insisting that it succeeded; its peak memory is its own
    /// (see [`child::run_isolated`]).
    fn run(job: &str, cmd: &mut Command) -> child::Measured {
        let report =
            std::env::temp_dir().join(format!("toggl-clients-peak-{}", std::process::id()));
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

    /// A file of the workspace's rows as `-o json list` prints them, one
    /// in [`CHANGED_EVERY`] with new notes; how many were changed.
    fn apply_file(listed: &[u8], path: &Path) -> usize {
        let mut rows: Vec<serde_json::Value> =
            serde_json::from_slice(listed).expect("the list is a JSON array");
        let mut changed = 0;
        for row in rows.iter_mut().step_by(CHANGED_EVERY) {
            row["notes"] = serde_json::Value::String("changed by the benchmark".into());
            changed += 1;
        }
        std::fs::write(path, serde_json::to_vec(&rows).expect("JSON")).expect("written");
        changed
    }

    fn median(mut v: Vec<Duration>) -> Duration {
        v.sort();
        v[v.len() / 2]
    }

    /// Measures every job at `n` clients; the JSON answer's size too.
    fn measure(n: u64, runs: usize, dir: &Path) -> (u64, Vec<Cost>) {
        let service = ServiceThread::start(Config::with_seed(Seed::demo_with_generated_clients(n)))
            .expect("service");
        let base = service.base_url();
        let cache = dir.join(format!("cache-{n}"));
        let file = dir.join(format!("rows-{n}.json"));
        // The answer's JSON as it is, and the file apply reads.
        let answer = run(
            "curl",
            Command::new("curl").args([
                "-sS",
                "--fail",
                "-u",
                &format!("{TOKEN}:api_token"),
                &format!("{base}/workspaces/{WS}/clients"),
            ]),
        )
        .output
        .stdout
        .len() as u64;
        let listed = run("list", &mut tool(base, &cache, &["-o", "json", "list"]));
        let changed = apply_file(&listed.output.stdout, &file);
        drop(listed);
        let file = file.to_str().expect("UTF-8 path");
        let mut walls: Vec<Vec<Duration>> = JOBS.iter().map(|_| Vec::new()).collect();
        let mut peaks: Vec<Vec<u64>> = JOBS.iter().map(|_| Vec::new()).collect();
        for _ in 0..runs {
            for (i, job) in JOBS.iter().enumerate() {
                let ran = match i {
                    0 => run(job, &mut curl_jq(base)),
                    1 => run(job, &mut tool(base, &cache, &["-o", "json", "list"])),
                    2 => run(job, &mut tool(base, &cache, &["-o", "csv", "list"])),
                    _ => run(
                        job,
                        &mut tool(base, &cache, &["-o", "json", "apply", file, "--dry-run"]),
                    ),
                };
                check(i, n, changed, &ran.output.stdout);
                walls[i].push(ran.wall);
                peaks[i].push(ran.peak);
            }
        }
        let costs = walls
            .into_iter()
            .zip(peaks)
            .map(|(wall, mut peak)| {
                peak.sort_unstable();
                Cost {
                    wall: median(wall),
                    peak: peak[peak.len() / 2],
                }
            })
            .collect();
        (answer, costs)
    }

    /// What each job printed is what it should have: every client, or the
    /// plan with exactly the changed rows.
    fn check(job: usize, n: u64, changed: usize, out: &[u8]) {
        let n = usize::try_from(n).expect("size");
        match job {
            0 | 1 => {
                let v: Vec<serde_json::Value> =
                    serde_json::from_slice(out).expect("a JSON array of clients");
                assert_eq!(v.len(), n, "{}", JOBS[job]);
            }
            2 => assert_eq!(
                out.iter().filter(|&&b| b == b'\n').count(),
                n + 1,
                "CSV rows"
            ),
            _ => {
                let v: serde_json::Value = serde_json::from_slice(out).expect("the plan as JSON");
                let plan = v["plan"].as_array().expect("a plan");
                assert_eq!(plan.len(), changed, "the plan has the changed rows only");
            }
        }
    }

    fn mib(bytes: u64) -> f64 {
        bytes as f64 / (1024.0 * 1024.0)
    }

    pub(crate) fn main() {
        let measuring = std::env::args().any(|a| a == "--bench");
        let (sizes, runs): (&[u64], usize) = if measuring {
            (&[10_000, 25_000, 50_000, 100_000, 200_000], 3)
        } else {
            (&[2_000], 1)
        };
        let dir: PathBuf =
            std::env::temp_dir().join(format!("toggl-clients-large-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        let mut table = String::from(
            "| clients | JSON answer | job | time | ratio to `curl \\| jq` | ratio per doubling | peak memory | peak / JSON |\n|---:|---:|---|---:|---:|---:|---:|---:|\n",
        );
        let mut before: Option<(u64, Vec<Cost>)> = None;
        for &n in sizes {
            eprintln!("==> {n} clients");
            let (answer, costs) = measure(n, runs, &dir);
            for (i, cost) in costs.iter().enumerate() {
                let doubling = match &before {
                    Some((m, earlier)) if *m * 2 == n => {
                        format!(
                            "{:.2}",
                            cost.wall.as_secs_f64() / earlier[i].wall.as_secs_f64()
                        )
                    }
                    _ => String::new(),
                };
                table.push_str(&format!(
                    "| {n} | {:.1} MiB | {} | {:.2} s | {:.2} | {doubling} | {:.1} MiB | {:.2} |\n",
                    mib(answer),
                    JOBS[i],
                    cost.wall.as_secs_f64(),
                    cost.wall.as_secs_f64() / costs[0].wall.as_secs_f64(),
                    mib(cost.peak),
                    cost.peak as f64 / answer as f64,
                ));
            }
            before = Some((n, costs));
        }
        let _ = std::fs::remove_dir_all(&dir);
        print!("{table}");
    }
}
