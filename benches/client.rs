//! What the generated client costs against the floor, measured in one run:
//!
//! 1. Request overhead: the generated client against raw reqwest +
//!    serde_json doing the same calls to the same local service (same
//!    payloads, reqwest's default pool), one at a time and 64 at once, for
//!    list (100 clients), get and create. The service runs on a thread and
//!    core of its own; both clients run on this thread, pinned to another
//!    core, in a single-threaded runtime, so this thread's CPU time is the
//!    client's own cost. Each round runs both back to back, which goes
//!    first alternating, so drift on the machine hits both alike; the
//!    median of the rounds' ratios counts, for wall time and for client
//!    CPU time.
//! 2. Decoding a large list (10,000 and 100,000 clients): the generated
//!    types against serde_json into an equivalent hand-written struct, time
//!    (median of alternating runs) and peak heap (a counting allocator);
//!    with `--python`, the Python client generated from the spec too.
//! 3. Instructions per request, one at a time, each side, counted by
//!    callgrind on the client's thread (`support/instructions.rs`): the
//!    figure that does not move with the machine's load. Without valgrind
//!    these rows are left out, and stderr says so.
//!
//! `cargo bench --bench client` measures and prints a Markdown table
//! (`cargo xtask bench` puts it into BENCHMARKS.md, with the Python rows);
//! `cargo test --benches` runs a short smoke pass.

#[path = "support/instructions.rs"]
mod instructions;
#[path = "support/measure.rs"]
mod measure;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use toggl_track_api::config::RetryPolicy;
use toggl_track_api::types::{ClientCreate, TrackClient};
use toggl_track_api::{Client, Credentials};
use toggl_track_local_service::{Config, Seed, ServiceThread};

use measure::{median, median_ratio, thread_cpu};

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

const WS: u64 = toggl_track_local_service::demo::WORKSPACE;
const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;

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

impl Op {
    fn label(self) -> &'static str {
        match self {
            Op::List => "list (100 clients)",
            Op::Get => "get",
            Op::Create => "create",
        }
    }

    /// Its name on the counted child's command line.
    fn arg(self) -> &'static str {
        match self {
            Op::List => "list",
            Op::Get => "get",
            Op::Create => "create",
        }
    }

    fn from_arg(arg: &str) -> Option<Op> {
        [Op::List, Op::Get, Op::Create]
            .into_iter()
            .find(|op| op.arg() == arg)
    }
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

/// Client CPU time: each side's median, and the median of the rounds'
/// ratios.
struct Cpu {
    baseline: Duration,
    candidate: Duration,
    ratio: f64,
}

struct Row {
    name: String,
    baseline: Duration,
    candidate: Duration,
    /// The candidate's time over the baseline's.
    ratio: f64,
    /// Client CPU time, where measured.
    cpu: Option<Cpu>,
    extra: String,
}

/// Pins the calling thread to one core, when the machine has that core.
fn pin(core: usize) {
    if let Some(id) = core_affinity::get_core_ids().and_then(|ids| ids.get(core).copied()) {
        core_affinity::set_for_current(id);
    }
}

/// The local service on a thread and a core of its own, with a
/// single-threaded runtime; it stops when the value is dropped.
fn serve_on_own_core() -> ServiceThread {
    let config = Config::with_seed(Seed::demo_with_generated_clients(100));
    ServiceThread::start_with(config, || {
        pin(core_affinity::get_core_ids().map_or(0, |ids| ids.len().saturating_sub(1)));
    })
    .expect("service starts")
}

/// A single-threaded runtime, the generated client and raw reqwest, both
/// for `base`.
fn both_clients(base: &str) -> (tokio::runtime::Runtime, Client, reqwest::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let api = Client::builder(Credentials::api_token(TOKEN))
        .base_url(base)
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    (runtime, api, reqwest::Client::new())
}

/// The process callgrind counts (see `support/instructions.rs`): `n`
/// requests of `op`, one at a time, from one side, on the main thread.
fn counted_child(op: Op, generated_side: bool, n: usize) {
    let service = serve_on_own_core();
    let base = service.base_url().to_owned();
    let (runtime, api, http) = both_clients(&base);
    runtime.block_on(async {
        for i in 0..n {
            if generated_side {
                generated(&api, op, i).await
            } else {
                raw(&http, &base, op, i).await
            }
        }
    });
}

/// Instructions per request, one row per operation in `ops` (none, said
/// on stderr, when valgrind is not installed).
fn instruction_rows(ops: &[Op], n: usize) -> String {
    let mut rows = String::new();
    for &op in ops {
        let name = format!(
            "{}, 1 at a time: instructions per request (callgrind, the client's thread)",
            op.label()
        );
        match instructions::per_request(op.arg(), n) {
            Ok(Some(counted)) => rows.push_str(&format!(
                "| {name} | {:.1} k | {:.1} k | | {:.3} | |\n",
                counted.raw / 1000.0,
                counted.generated / 1000.0,
                counted.generated / counted.raw,
            )),
            Ok(None) => {
                eprintln!("valgrind is not installed: instructions are not counted");
                return String::new();
            }
            Err(e) => panic!("counting instructions for {name}: {e}"),
        }
    }
    rows
}

/// Request overhead. The service runs on its own thread and core; the
/// clients run on this thread (pinned to another core) in a single-threaded
/// runtime, so the thread's CPU time is the client's own cost.
fn overhead(rounds: usize, per_round: usize) -> Vec<Row> {
    let service = serve_on_own_core();
    let base = service.base_url().to_owned();
    pin(0);
    let (runtime, api, http) = both_clients(&base);
    let counter = AtomicUsize::new(0);
    let mut rows = Vec::new();
    for op in [Op::List, Op::Get, Op::Create] {
        let label = op.label();
        for concurrency in [1usize, 64] {
            let (mut wall, mut cpu) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
            // One unmeasured round of each warms connections and caches.
            // Each round measures both clients, one right after the other,
            // and which goes first alternates, so that what drifts on the
            // machine and what the first of two leaves behind hit both alike.
            for round in 0..=rounds {
                let order = if round % 2 == 0 {
                    [false, true]
                } else {
                    [true, false]
                };
                for candidate in order {
                    let (started, cpu_before) = (Instant::now(), thread_cpu());
                    runtime.block_on(async {
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
                    });
                    if round > 0 {
                        wall[usize::from(candidate)].push(started.elapsed());
                        cpu[usize::from(candidate)].push(thread_cpu() - cpu_before);
                    }
                }
            }
            let [wall_raw, wall_gen] = wall;
            let [cpu_raw, cpu_gen] = cpu;
            rows.push(Row {
                name: format!("{label}, {concurrency} at a time"),
                ratio: median_ratio(&wall_raw, &wall_gen),
                cpu: cfg!(unix).then(|| Cpu {
                    ratio: median_ratio(&cpu_raw, &cpu_gen),
                    baseline: median(cpu_raw),
                    candidate: median(cpu_gen),
                }),
                baseline: median(wall_raw),
                candidate: median(wall_gen),
                extra: String::new(),
            });
        }
    }
    drop(service);
    rows
}

fn list_json(n: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "id": 80_000_000 + i, "wid": WS, "name": format!("Client {i:06}"), "archived": i % 7 == 0,
                "at": "2024-03-17T10:55:38+00:00", "creator_id": toggl_track_local_service::demo::USER_ID,
                "notes": "Invoices go to the finance office.", "external_reference": format!("CRM-{i:06}"),
                "permissions": ["read", "write"]
            })
        })
        .collect();
    serde_json::to_vec(&items).expect("serialises")
}

/// Peak heap above the current level while `f` runs, and what it returned.
fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let value = f();
    (value, PEAK.load(Ordering::Relaxed) - before)
}

/// Time and peak heap of one decode; the value is dropped untimed.
fn timed<T>(decode: impl FnOnce() -> T) -> (Duration, usize) {
    let started = Instant::now();
    let (value, peak) = peak_heap(decode);
    let took = started.elapsed();
    drop(value);
    (took, peak)
}

/// Where the Python client generated from the spec can be run, for the
/// context rows: `--python <interpreter> --python-path <generated package>`
/// (`cargo xtask bench` passes both).
struct Python {
    interpreter: String,
    path: String,
}

/// Median time and peak traced memory of the generated Python client
/// decoding `json`, measured by `xtask/tools/python_decode.py`.
fn python_decode(python: &Python, json: &[u8], runs: usize) -> (Duration, usize) {
    let file = std::env::temp_dir().join(format!("toggl-bench-{}.json", std::process::id()));
    std::fs::write(&file, json).expect("payload written");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("xtask/tools/python_decode.py");
    let out = std::process::Command::new(&python.interpreter)
        .arg(script)
        .arg(&file)
        .arg(runs.to_string())
        .env("PYTHONPATH", &python.path)
        .output()
        .expect("python runs");
    let _ = std::fs::remove_file(&file);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python_decode.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut fields = said.split_whitespace();
    let seconds: f64 = fields.next().and_then(|s| s.parse().ok()).expect("seconds");
    let peak: usize = fields
        .next()
        .and_then(|s| s.parse().ok())
        .expect("peak bytes");
    (Duration::from_secs_f64(seconds), peak)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Decoding a large list: runs alternate between the hand-written struct and
/// the generated type (after one unmeasured run of each); medians count.
fn decoding(runs: usize, sizes: &[usize], python: Option<&Python>) -> Vec<Row> {
    let mut rows = Vec::new();
    for &n in sizes {
        let json = list_json(n);
        let (mut t_plain, mut t_gen) = (Vec::new(), Vec::new());
        let (mut m_plain, mut m_gen) = (0, 0);
        for run in 0..=runs {
            let plain = || timed(|| serde_json::from_slice::<Vec<Plain>>(&json).expect("decodes"));
            let generated =
                || timed(|| serde_json::from_slice::<Vec<TrackClient>>(&json).expect("decodes"));
            // Which goes first alternates, as in the request rows.
            let (plain, generated) = if run % 2 == 0 {
                let p = plain();
                (p, generated())
            } else {
                let g = generated();
                (plain(), g)
            };
            if run > 0 {
                t_plain.push(plain.0);
                m_plain = m_plain.max(plain.1);
                t_gen.push(generated.0);
                m_gen = m_gen.max(generated.1);
            }
        }
        let what = format!("decode {n} clients ({:.1} MB of JSON)", mb(json.len()));
        let ratio = median_ratio(&t_plain, &t_gen);
        let baseline = median(t_plain);
        rows.push(Row {
            name: what.clone(),
            baseline,
            candidate: median(t_gen),
            ratio,
            cpu: None,
            extra: format!(
                "{:.2} ({:.1} → {:.1} MB)",
                m_gen as f64 / m_plain as f64,
                mb(m_plain),
                mb(m_gen)
            ),
        });
        if let Some(python) = python {
            let (t_py, m_py) = python_decode(python, &json, runs.min(5));
            rows.push(Row {
                name: format!("{what}: Python client from the spec, for context"),
                baseline,
                candidate: t_py,
                ratio: t_py.as_secs_f64() / baseline.as_secs_f64(),
                cpu: None,
                extra: format!(
                    "{:.1} ({:.1} → {:.1} MB, traced)",
                    m_py as f64 / m_plain as f64,
                    mb(m_plain),
                    mb(m_py)
                ),
            });
        }
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(i) = args.iter().position(|a| a == instructions::CHILD) {
        let (op, side, n) = (args.get(i + 1), args.get(i + 2), args.get(i + 3));
        let op = op.and_then(|a| Op::from_arg(a)).expect("an operation");
        let n = n
            .and_then(|n| n.parse().ok())
            .expect("a number of requests");
        counted_child(op, side.is_some_and(|s| s == "generated"), n);
        return;
    }
    let measuring = args.iter().any(|a| a == "--bench");
    let python = value_of("--python").map(|interpreter| Python {
        interpreter,
        path: value_of("--python-path").unwrap_or_default(),
    });
    // The smoke pass counts one operation, once: a child under valgrind
    // takes seconds to start in a debug build.
    let (rounds, per_round, decode_runs, sizes): (usize, usize, usize, &[usize]) = if measuring {
        (40, 256, 11, &[10_000, 100_000])
    } else {
        (1, 64, 1, &[1_000])
    };
    let (counted_ops, counted): (&[Op], usize) = if measuring {
        (&[Op::List, Op::Get, Op::Create], 200)
    } else {
        (&[Op::Get], 1)
    };
    let requests = overhead(rounds, per_round);
    let counts = instruction_rows(counted_ops, counted);
    let decodes = decoding(decode_runs, sizes, python.as_ref());

    let mut table = String::from(
        "| what | raw reqwest + serde_json | generated client | time ratio | client CPU ratio | peak heap ratio |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for r in requests.iter().chain(&decodes) {
        let cpu = r.cpu.as_ref().map_or(String::new(), |c| {
            format!(
                "{:.3} ({:.1} → {:.1} ms)",
                c.ratio,
                c.baseline.as_secs_f64() * 1000.0,
                c.candidate.as_secs_f64() * 1000.0
            )
        });
        table.push_str(&format!(
            "| {} | {:.2} ms | {:.2} ms | {:.3} | {} | {} |\n",
            r.name,
            r.baseline.as_secs_f64() * 1000.0,
            r.candidate.as_secs_f64() * 1000.0,
            r.ratio,
            cpu,
            r.extra
        ));
    }
    table.push_str(&counts);
    println!(
        "request rows: {per_round} requests per round, median of {rounds} alternating rounds; instructions: {counted} requests beyond start-up; decode rows: median of {decode_runs} alternating runs\n"
    );
    print!("{table}");
}
