//! Load benchmark of the local service on loopback: requests per second and
//! latency percentiles for list (100 clients) and create under concurrency,
//! against a floor measured in the same run: a bare axum endpoint answering
//! `[]` without authentication, on the same runtime set-up.
//!
//! `cargo bench -p toggl-track-local-service --bench load` measures for real and
//! prints a Markdown table (`cargo xtask bench` puts it into BENCHMARKS.md);
//! under `cargo test --benches` it runs a short smoke pass that only proves
//! it still builds and runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use toggl_track_local_service::{Config, Seed};

const WS: u64 = toggl_track_local_service::demo::WORKSPACE;
const CONCURRENCY: usize = 32;

struct Result {
    name: &'static str,
    requests: u64,
    elapsed: Duration,
    latency: Histogram<u64>,
}

impl Result {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
    fn ms(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

/// Makes the `n`th request of a run.
type MakeRequest = Arc<dyn Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync>;

/// `CONCURRENCY` workers send requests made by `make` for `duration`.
async fn drive(name: &'static str, duration: Duration, make: MakeRequest) -> Result {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .expect("client");
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (http, make, counter) = (http.clone(), Arc::clone(&make), Arc::clone(&counter));
        workers.push(tokio::spawn(async move {
            let mut latency = Histogram::<u64>::new(3).expect("histogram");
            while started.elapsed() < duration {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                let response = make(&http, n).send().await.expect("answer");
                assert!(
                    response.status().is_success(),
                    "{name}: {}",
                    response.status()
                );
                response.bytes().await.expect("body");
                latency
                    .record(sent.elapsed().as_micros() as u64)
                    .expect("in range");
            }
            latency
        }));
    }
    let mut latency = Histogram::<u64>::new(3).expect("histogram");
    let mut requests = 0;
    for w in workers {
        let h = w.await.expect("worker");
        requests += h.len();
        latency.add(h).expect("same bounds");
    }
    Result {
        name,
        requests,
        elapsed: started.elapsed(),
        latency,
    }
}

async fn floor_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route(
        "/floor",
        axum::routing::get(|| async { axum::Json([0u8; 0]) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/floor")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|a| a == "--bench");
    let duration = if measuring {
        Duration::from_secs(5)
    } else {
        Duration::from_millis(300)
    };

    // The service and the load share the machine's cores; each gets a
    // runtime of its own with one worker thread.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut config = Config::with_seed(Seed::demo_with_generated_clients(100));
    config.hourly_quota = None;
    let (server, floor) = server_rt.block_on(async {
        (
            toggl_track_local_service::start(config)
                .await
                .expect("starts"),
            floor_server().await,
        )
    });
    let base = server.base_url().to_owned();

    let load_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let results = load_rt.block_on(async {
        let floor_url = floor.clone();
        let floor = drive(
            "floor: bare axum `[]`",
            duration,
            Arc::new(move |h, _| h.get(&floor_url)),
        )
        .await;
        let list_url = format!("{base}/workspaces/{WS}/clients");
        let list = drive(
            "list (100 clients)",
            duration,
            Arc::new(move |h, _| {
                h.get(&list_url).basic_auth(
                    toggl_track_local_service::demo::API_TOKEN,
                    Some("api_token"),
                )
            }),
        )
        .await;
        let create_url = format!("{base}/workspaces/{WS}/clients");
        let create = drive(
            "create",
            duration,
            Arc::new(move |h, n| {
                h.post(&create_url)
                    .basic_auth(
                        toggl_track_local_service::demo::API_TOKEN,
                        Some("api_token"),
                    )
                    .header("content-type", "application/json")
                    .body(format!("{{\"name\":\"Load {n}\",\"notes\":\"bench\"}}"))
            }),
        )
        .await;
        vec![floor, list, create]
    });
    drop(server);

    let floor_rps = results[0].rps();
    let mut table = String::from(
        "| endpoint | requests/s | ratio to floor | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|\n",
    );
    for r in &results {
        table.push_str(&format!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} |\n",
            r.name,
            r.rps(),
            r.rps() / floor_rps,
            r.ms(0.50),
            r.ms(0.99)
        ));
    }
    println!(
        "{CONCURRENCY} concurrent keep-alive connections, {duration:?} each, service and load on one core each\n"
    );
    print!("{table}");
}
