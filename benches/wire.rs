//! Bytes on the wire: a list of 10,000 and of 100,000 clients from the local
//! service (which compresses as Toggl does when asked), with compressed
//! answers (the default) and without (`compressed_answers(false)`), each
//! through a relay that counts the bytes coming back, once at loopback
//! speed and once paced to 20 Mbit/s, an ordinary connection. The relay
//! and the service share a thread; the client runs on this one, whose CPU
//! time is its own cost (decompression included). Runs alternate between
//! the two settings; the median counts.
//!
//! `cargo bench --bench wire` measures and prints a Markdown table (`cargo
//! xtask bench wire` puts it into BENCHMARKS.md); `cargo test --benches`
//! runs a short smoke pass.

#[path = "support/measure.rs"]
mod measure;

use std::time::{Duration, Instant};

use toggl_track_api::config::RetryPolicy;
use toggl_track_api::{Client, Credentials};
use toggl_track_local_service::{Config, Relay, Seed, ServiceThread};

use measure::{median, thread_cpu};

const WS: u64 = toggl_track_local_service::demo::WORKSPACE;
const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;
/// The paced link: 20 Mbit/s.
const LINK_BYTES_PER_SECOND: u64 = 20_000_000 / 8;

/// The service with `n` clients and a relay in front of it, both on a
/// thread of their own.
fn serve(n: u64) -> (ServiceThread, Relay) {
    let service = ServiceThread::start(Config::with_seed(Seed::demo_with_generated_clients(n)))
        .expect("service");
    let upstream = service.addr();
    let relay = service.run(Relay::start(upstream)).expect("relay");
    (service, relay)
}

/// One measured list: wall time, this thread's CPU time, bytes moved.
struct Sample {
    wall: Duration,
    cpu: Duration,
    bytes: u64,
}

fn list(runtime: &tokio::runtime::Runtime, api: &Client, relay: &Relay, n: u64) -> Sample {
    let before = relay.bytes_back();
    let (wall0, cpu0) = (Instant::now(), thread_cpu());
    let listed = runtime
        .block_on(api.list_clients().workspace_id(WS).send())
        .expect("lists");
    let sample = Sample {
        wall: wall0.elapsed(),
        cpu: thread_cpu() - cpu0,
        bytes: relay.bytes_back() - before,
    };
    assert_eq!(listed.len() as u64, n);
    sample
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (sizes, runs, paced_runs): (&[u64], usize, usize) = if measuring {
        (&[10_000, 100_000], 7, 3)
    } else {
        (&[1_000], 1, 1)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut table = String::from(
        "| list | answers | bytes on the wire | wire ratio | loopback time | time ratio | client CPU | CPU ratio | at 20 Mbit/s | time ratio |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &n in sizes {
        let (_service, relay) = serve(n);
        let client = |compressed: bool| {
            Client::builder(Credentials::api_token(TOKEN))
                .base_url(relay.base_url())
                .retry(RetryPolicy::none())
                .compressed_answers(compressed)
                .operation_timeout(Duration::from_secs(600))
                .timeout(Duration::from_secs(600))
                .build()
                .expect("client")
        };
        let (plain, squeezed) = (client(false), client(true));
        // A warm-up of each, unmeasured.
        list(&runtime, &plain, &relay, n);
        list(&runtime, &squeezed, &relay, n);
        let mut loopback: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..runs {
            loopback[0].push(list(&runtime, &plain, &relay, n));
            loopback[1].push(list(&runtime, &squeezed, &relay, n));
        }
        relay.pace(Some(LINK_BYTES_PER_SECOND));
        let mut slow: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..paced_runs {
            slow[0].push(list(&runtime, &plain, &relay, n).wall);
            slow[1].push(list(&runtime, &squeezed, &relay, n).wall);
        }
        relay.pace(None);
        let summary = |i: usize| {
            let bytes = loopback[i][0].bytes;
            let wall = median(loopback[i].iter().map(|s| s.wall).collect());
            let cpu = median(loopback[i].iter().map(|s| s.cpu).collect());
            (bytes, wall, cpu, median(slow[i].clone()))
        };
        let base_row = summary(0);
        for (i, label) in [(0, "as they are"), (1, "gzip-compressed (default)")] {
            let (bytes, wall, cpu, paced) = summary(i);
            table.push_str(&format!(
                "| {n} clients | {label} | {bytes} | {:.3} | {:.1} ms | {:.2} | {:.1} ms | {:.2} | {:.0} ms | {:.3} |\n",
                bytes as f64 / base_row.0 as f64,
                wall.as_secs_f64() * 1000.0,
                wall.as_secs_f64() / base_row.1.as_secs_f64(),
                cpu.as_secs_f64() * 1000.0,
                cpu.as_secs_f64() / base_row.2.as_secs_f64(),
                paced.as_secs_f64() * 1000.0,
                paced.as_secs_f64() / base_row.3.as_secs_f64(),
            ));
        }
    }
    print!("{table}");
}
