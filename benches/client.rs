//! What the generated client costs against the floor, measured in one run:
//!
//! 1. Request overhead: the generated client against raw reqwest +
//!    serde_json doing the same calls to the same local service (same
//!    payloads, reqwest's default pool), one at a time and 64 at once, for
//!    list (100 clients), get and create. Rounds alternate between the two
//!    so drift on the machine hits both alike; the median round counts.
//! 2. Decoding a large list (10,000 and 100,000 clients): the generated
//!    types against serde_json into an equivalent hand-written struct, time
//!    (median of runs) and peak heap (a counting allocator).
//!
//! `cargo bench --bench client` measures (add `-- --write BENCHMARKS.md` to
//! rewrite its tables there); `cargo test --benches` runs a short smoke pass.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use toggl_track_api::types::{ClientCreate, TrackClient};
use toggl_track_api::{Client, Credentials, RetryPolicy};
use toggl_track_mock::{Config, Seed};

/// Counts live heap bytes and their peak, for the decoding memory figures.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const WS: u64 = 1234567;
const TOKEN: &str = "demo-api-token";

/// The hand-written equivalent of the generated `TrackClient`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Plain {
    id: u64,
    wid: u64,
    name: String,
    archived: bool,
    at: chrono::DateTime<chrono::Utc>,
    creator_id: u64,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    external_reference: Option<String>,
    #[serde(default)]
    integration_provider: Option<String>,
    #[serde(default)]
    integration_ext_id: Option<String>,
    #[serde(default)]
    integration_ext_type: Option<String>,
    #[serde(default)]
    permissions: Option<serde_json::Value>,
    #[serde(default)]
    server_deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    total_count: Option<i64>,
}

#[derive(Clone, Copy)]
enum Op {
    List,
    Get,
    Create,
}

/// One request through the generated client.
async fn generated(api: &Client, op: Op, n: usize) {
    match op {
        Op::List => {
            let list = api
                .list_clients()
                .workspace_id(WS)
                .send()
                .await
                .expect("list");
            assert_eq!(list.len(), 100);
        }
        Op::Get => {
            api.get_client()
                .workspace_id(WS)
                .client_id(80_000_007u64)
                .send()
                .await
                .expect("get");
        }
        Op::Create => {
            let body = ClientCreate::builder()
                .name(format!("g{n}"))
                .notes(Some("bench".to_owned()));
            api.create_client()
                .workspace_id(WS)
                .body(body)
                .send()
                .await
                .expect("create");
        }
    }
}

/// The same request in raw reqwest + serde_json.
async fn raw(http: &reqwest::Client, base: &str, op: Op, n: usize) {
    match op {
        Op::List => {
            let bytes = http
                .get(format!("{base}/workspaces/{WS}/clients"))
                .basic_auth(TOKEN, Some("api_token"))
                .send()
                .await
                .expect("list")
                .bytes()
                .await
                .expect("body");
            let list: Vec<Plain> = serde_json::from_slice(&bytes).expect("decodes");
            assert_eq!(list.len(), 100);
        }
        Op::Get => {
            let bytes = http
                .get(format!("{base}/workspaces/{WS}/clients/80000007"))
                .basic_auth(TOKEN, Some("api_token"))
                .send()
                .await
                .expect("get")
                .bytes()
                .await
                .expect("body");
            let _: Plain = serde_json::from_slice(&bytes).expect("decodes");
        }
        Op::Create => {
            let bytes = http
                .post(format!("{base}/workspaces/{WS}/clients"))
                .basic_auth(TOKEN, Some("api_token"))
                .json(&serde_json::json!({"name": format!("r{n}"), "notes": "bench"}))
                .send()
                .await
                .expect("create")
                .bytes()
                .await
                .expect("body");
            let _: Plain = serde_json::from_slice(&bytes).expect("decodes");
        }
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

struct Row {
    name: String,
    baseline: Duration,
    candidate: Duration,
    extra: String,
}

async fn overhead(rounds: usize, per_round: usize) -> Vec<Row> {
    let mut config = Config::with_seed(Seed::demo_with_generated_clients(100));
    config.hourly_quota = None;
    let server = toggl_track_mock::start(config)
        .await
        .expect("service starts");
    let base = server.base_url().to_owned();
    let api = Client::builder(Credentials::api_token(TOKEN))
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    let http = reqwest::Client::new();
    let counter = AtomicUsize::new(0);
    let mut rows = Vec::new();
    for (label, op) in [
        ("list (100 clients)", Op::List),
        ("get", Op::Get),
        ("create", Op::Create),
    ] {
        for concurrency in [1usize, 64] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                for candidate in [false, true] {
                    let started = Instant::now();
                    for _ in 0..per_round.div_ceil(concurrency) {
                        let batch = (0..concurrency).map(|_| {
                            let n = counter.fetch_add(1, Ordering::Relaxed);
                            let (api, http, base) = (&api, &http, base.as_str());
                            async move {
                                if candidate {
                                    generated(api, op, n).await
                                } else {
                                    raw(http, base, op, n).await
                                }
                            }
                        });
                        futures_util::future::join_all(batch).await;
                    }
                    if candidate {
                        b.push(started.elapsed())
                    } else {
                        a.push(started.elapsed())
                    }
                }
            }
            rows.push(Row {
                name: format!("{label}, {concurrency} at a time"),
                baseline: median(a),
                candidate: median(b),
                extra: String::new(),
            });
        }
    }
    rows
}

fn list_json(n: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "id": 80_000_000 + i, "wid": WS, "name": format!("Client {i:06}"), "archived": i % 7 == 0,
                "at": "2024-03-17T10:55:38+00:00", "creator_id": 7654321,
                "notes": "Invoices go to the finance office.", "external_reference": format!("CRM-{i:06}"),
                "permissions": ["read", "write"]
            })
        })
        .collect();
    serde_json::to_vec(&items).expect("serialises")
}

/// Time and peak heap of one decode.
fn measure<T>(runs: usize, mut decode: impl FnMut() -> T) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let started = Instant::now();
        let value = decode();
        times.push(started.elapsed());
        peak = peak.max(PEAK.load(Ordering::Relaxed) - before);
        drop(value);
    }
    (median(times), peak)
}

fn decoding(runs: usize, sizes: &[usize]) -> Vec<Row> {
    let mut rows = Vec::new();
    for &n in sizes {
        let json = list_json(n);
        let (t_plain, m_plain) = measure(runs, || {
            serde_json::from_slice::<Vec<Plain>>(&json).expect("decodes")
        });
        let (t_gen, m_gen) = measure(runs, || {
            serde_json::from_slice::<Vec<TrackClient>>(&json).expect("decodes")
        });
        rows.push(Row {
            name: format!(
                "decode {n} clients ({:.1} MB of JSON)",
                json.len() as f64 / 1e6
            ),
            baseline: t_plain,
            candidate: t_gen,
            extra: format!(
                "{:.2} ({:.1} → {:.1} MB)",
                m_gen as f64 / m_plain as f64,
                m_plain as f64 / 1e6,
                m_gen as f64 / 1e6
            ),
        });
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|a| a == "--bench");
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (rounds, per_round, decode_runs, sizes): (usize, usize, usize, &[usize]) = if measuring {
        (9, 640, 7, &[10_000, 100_000])
    } else {
        (1, 64, 1, &[1_000])
    };
    let requests = runtime.block_on(overhead(rounds, per_round));
    let decodes = decoding(decode_runs, sizes);

    let mut table = String::from(
        "| what | raw reqwest + serde_json | generated client | ratio | peak heap ratio |\n|---|---:|---:|---:|---:|\n",
    );
    for r in requests.iter().chain(&decodes) {
        table.push_str(&format!(
            "| {} | {:.2} ms | {:.2} ms | {:.3} | {} |\n",
            r.name,
            r.baseline.as_secs_f64() * 1000.0,
            r.candidate.as_secs_f64() * 1000.0,
            r.candidate.as_secs_f64() / r.baseline.as_secs_f64(),
            if r.extra.is_empty() { "" } else { &r.extra }
        ));
    }
    println!(
        "request rows: {per_round} requests per round, median of {rounds} alternating rounds; decode rows: median of {decode_runs} runs\n"
    );
    print!("{table}");
    if let Some(path) = write {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if let Err(e) = rewrite(&path, &table) {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
        println!("\nwrote the table into {}", path.display());
    }
}

/// Replaces the text between the client markers, through a temporary file.
fn rewrite(path: &std::path::Path, table: &str) -> Result<(), String> {
    const START: &str = "<!-- client:start -->";
    const END: &str = "<!-- client:end -->";
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        return Err(format!("{shown}: markers {START} and {END} not found"));
    };
    let updated = format!("{}{START}\n{table}{}", &text[..a], &text[b..]);
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, updated).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{shown}: {e}"))
}
