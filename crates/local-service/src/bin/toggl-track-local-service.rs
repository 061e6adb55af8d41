//! Runs the local Toggl clients service until interrupted.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use toggl_track_local_service::{Config, RateLimit};

/// A local stand-in for Toggl Track's clients endpoints (API v9).
///
/// Without --seed it starts with a demo workspace; the demo user signs in
/// with the API token `demo-api-token` (or ada@example.com / demo-password)
/// and has the workspaces 1234567 (premium) and 2345678 (free).
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Example:\n  toggl-track-local-service --port 8080 --quota 30\n  curl -u demo-api-token:api_token http://127.0.0.1:8080/api/v9/workspaces/1234567/clients"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 for a free one).
    #[arg(long, short, default_value_t = 0)]
    port: u16,
    /// JSON file with users, workspaces, clients and projects.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Requests per user per hour for workspace operations before answering 402.
    #[arg(long, default_value_t = toggl_track_local_service::NOTIONAL_QUOTA)]
    quota: u32,
    /// Requests per user per hour for /me operations before answering 402.
    #[arg(long, default_value_t = toggl_track_local_service::USER_QUOTA)]
    user_quota: u32,
    /// No hourly quotas at all (for load tests and fuzzers).
    #[arg(long, conflicts_with_all = ["quota", "user_quota"])]
    no_quota: bool,
    /// Requests per second per user before answering 429 (no limit if left out).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Requests a user may burst above --rate-limit.
    #[arg(long, default_value_t = 1, requires = "rate_limit")]
    burst: u32,
    /// Send `Retry-After: SECONDS` with the 429 (Toggl is not known to).
    #[arg(long, requires = "rate_limit")]
    retry_after: Option<u64>,
    /// Longest client name, in bytes of UTF-8.
    #[arg(long, default_value_t = 255)]
    max_name_bytes: usize,
    /// How many days back `since` may reach before it is refused.
    #[arg(long, default_value_t = 90)]
    since_max_days: u64,
    /// The length of the quota windows (Toggl's: an hour); shorter for
    /// tests that run a job across several windows, e.g. 15s.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "1h")]
    quota_window: std::time::Duration,
    /// Answer a list that asks for no page with only its first page of this
    /// many clients (as Toggl may; unconfirmed), to try a client's paging.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    page_by_default: Option<u64>,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = match &args.seed {
        Some(path) => match Config::from_seed_file(path) {
            Ok(config) => config,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => Config::demo(),
    };
    config.hourly_quota = (!args.no_quota).then_some(args.quota);
    config.user_hourly_quota = (!args.no_quota).then_some(args.user_quota);
    config.rate_limit = args.rate_limit.map(|per_second| RateLimit {
        per_second,
        burst: args.burst,
        retry_after: args.retry_after,
    });
    config.max_name_bytes = args.max_name_bytes;
    config.quota_window = args.quota_window;
    config.default_page_size = args.page_by_default;
    config.since_max_age =
        std::time::Duration::from_secs(args.since_max_days.saturating_mul(86_400));
    let server =
        match toggl_track_local_service::start_on(config, SocketAddr::new(args.host, args.port))
            .await
        {
            Ok(server) => server,
            Err(e) => {
                eprintln!("error: cannot listen on {}:{}: {e}", args.host, args.port);
                return ExitCode::from(2);
            }
        };
    println!("{}", server.base_url());
    if !args.host.is_loopback() {
        eprintln!(
            "warning: listening on {} beyond this machine: the demo credentials are public, so anyone who can reach it can use it",
            args.host
        );
    }
    eprintln!(
        "serving Toggl clients endpoints at {} (Ctrl-C to stop)",
        server.base_url()
    );
    match server.run_until_interrupted().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
