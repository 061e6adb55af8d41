//! The retry policy and pacing against the local service, its faults
//! switched on: failures it answers on purpose. Waits are recorded through
//! `on_wait`, and the policy uses millisecond backoffs, so no test sleeps
//! for long.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{TOKEN, WORKSPACE, local};
use toggl_track_api::config::{Jitter, Pacing, RetryPolicy};
use toggl_track_api::events::{WaitEvent, WaitReason};
use toggl_track_api::types::{ClientCreate, ClientStatus};
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_local_service::{Config, LocalService};

fn fast_policy(jitter: Jitter) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(8))
        .max_backoff(Duration::from_millis(50))
        .max_elapsed(Duration::from_secs(10))
        .jitter(jitter)
}

/// A client with `policy` that records every wait it makes.
fn recording_client(base: &str, policy: RetryPolicy) -> (Client, Arc<Mutex<Vec<WaitEvent>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&waits);
    let api = Client::builder(Credentials::api_token(TOKEN))
        .base_url(base)
        .retry(policy)
        .on_wait(move |e| sink.lock().expect("lock").push(e))
        .build()
        .expect("client builds");
    (api, waits)
}

/// The demo service, and a client of it with `policy` that records its waits.
async fn recorded(policy: RetryPolicy) -> (LocalService, Client, Arc<Mutex<Vec<WaitEvent>>>) {
    let server = local(Config::demo()).await;
    let (api, waits) = recording_client(server.base_url(), policy);
    (server, api, waits)
}

fn backoffs(waits: &Mutex<Vec<WaitEvent>>) -> Vec<(u32, Option<u16>, Duration)> {
    waits
        .lock()
        .expect("lock")
        .iter()
        .map(|w| match w.reason {
            WaitReason::Backoff { retry, status, .. } => {
                (retry, status.map(|s| s.as_u16()), w.duration)
            }
            other => panic!("unexpected wait {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn three_503s_then_200_succeeds_after_exponential_backoff() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    server.faults().fail_next(503, 3);
    let list = api.list_clients().workspace_id(WORKSPACE).send().await;
    assert!(!list.expect("succeeds on the 4th attempt").is_empty());
    assert_eq!(server.requests(), 4);
    assert_eq!(
        backoffs(&waits),
        [
            (1, Some(503), Duration::from_millis(8)),
            (2, Some(503), Duration::from_millis(16)),
            (3, Some(503), Duration::from_millis(32)),
        ]
    );
}

#[tokio::test]
async fn full_jitter_stays_under_the_ceiling() {
    let (server, api, waits) = recorded(fast_policy(Jitter::Full)).await;
    server.faults().fail_next(500, 3);
    api.list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("succeeds");
    let waited = backoffs(&waits);
    assert_eq!(waited.len(), 3);
    for (retry, _, delay) in waited {
        let ceiling = Duration::from_millis(8 * 2u64.pow(retry - 1));
        assert!(delay <= ceiling, "retry {retry}: {delay:?} > {ceiling:?}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    server
        .faults()
        .fail_next_with_header(429, 1, "retry-after", "1");
    api.list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("succeeds");
    assert_eq!(backoffs(&waits), [(1, Some(429), Duration::from_secs(1))]);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_last_error() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    server.faults().fail_next(503, 100);
    let err = api.list_clients().workspace_id(WORKSPACE).send().await;
    assert!(matches!(err, Err(Error::Server { .. })), "{err:?}");
    assert_eq!(server.requests(), 4);
    assert_eq!(backoffs(&waits).len(), 3);
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_budget_is_returned_at_once() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    server
        .faults()
        .fail_next_with_header(429, 1, "retry-after", "3600");
    let err = api.list_clients().workspace_id(WORKSPACE).send().await;
    match err {
        Err(Error::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(backoffs(&waits).is_empty());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn client_errors_and_402_are_never_retried() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    // The paid-plan 402, as the service refuses an archive in a free
    // workspace.
    let paid = api
        .archive_client()
        .workspace_id(toggl_track_local_service::demo::FREE_WORKSPACE)
        .client_id(61234004u64)
        .send()
        .await;
    assert!(
        matches!(paid, Err(Error::PaidFeatureRequired { .. })),
        "{paid:?}"
    );
    assert_eq!(server.requests(), 1);
    // The used-up quota's 402 last: the client knows the quota is spent.
    for status in [400, 401, 403, 404, 410, 402] {
        server.faults().fail_next(status, 1);
        let before = server.requests();
        let result = api.list_clients().workspace_id(WORKSPACE).send().await;
        assert!(result.is_err(), "{status} is returned, not retried");
        assert_eq!(server.requests() - before, 1, "status {status}");
    }
    assert!(backoffs(&waits).is_empty());
}

async fn create(api: &Client) -> Result<(), Error> {
    api.create_client()
        .workspace_id(WORKSPACE)
        .body(ClientCreate::builder().name("Once"))
        .send()
        .await
        .map(|_| ())
}

/// The clients named "Once" the service holds.
async fn made(server: &LocalService) -> usize {
    crate::common::client(server.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .status(ClientStatus::Both)
        .name("Once")
        .send()
        .await
        .expect("lists")
        .len()
}

#[tokio::test]
async fn a_create_under_a_503_storm_is_sent_once() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    server.faults().fail_next(503, 100);
    let err = create(&api).await;
    assert!(matches!(err, Err(Error::Server { .. })), "{err:?}");
    assert!(backoffs(&waits).is_empty());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_create_refused_with_429_is_retried_and_made_once() {
    let (server, api, waits) = recorded(fast_policy(Jitter::None)).await;
    server.faults().fail_next(429, 2);
    create(&api).await.expect("created after two 429s");
    assert_eq!(backoffs(&waits).len(), 2);
    assert_eq!(server.requests(), 3);
    assert_eq!(made(&server).await, 1);
}

#[tokio::test]
async fn a_create_to_a_refused_port_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let (api, waits) = recording_client(&format!("http://{addr}"), fast_policy(Jitter::None));
    let err = create(&api).await;
    assert!(matches!(err, Err(Error::Transport { .. })), "{err:?}");
    assert_eq!(
        backoffs(&waits).len(),
        3,
        "a refused connection never reached the service"
    );
}

#[tokio::test]
async fn a_create_whose_connection_drops_is_not_retried() {
    let base = crate::common::raw_server(crate::common::Raw::Hangup).await;
    let (api, waits) = recording_client(&base, fast_policy(Jitter::None));
    let err = create(&api).await;
    assert!(matches!(err, Err(Error::Transport { .. })), "{err:?}");
    assert!(
        backoffs(&waits).is_empty(),
        "the service may have acted on it"
    );
}

#[tokio::test]
async fn a_get_whose_connection_drops_is_retried() {
    let base = crate::common::raw_server(crate::common::Raw::Hangup).await;
    let (api, waits) = recording_client(&base, fast_policy(Jitter::None));
    let err = api.list_clients().workspace_id(WORKSPACE).send().await;
    assert!(matches!(err, Err(Error::Transport { .. })), "{err:?}");
    assert_eq!(backoffs(&waits).len(), 3);
}

#[tokio::test]
async fn pacing_spaces_requests_out() {
    let server = local(Config::demo()).await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&waits);
    let api = Client::builder(Credentials::api_token(TOKEN))
        .base_url(server.base_url())
        .pacing(Pacing::every(Duration::from_millis(40)))
        .on_wait(move |e| sink.lock().expect("lock").push(e))
        .build()
        .expect("client builds");
    let started = tokio::time::Instant::now();
    for _ in 0..4 {
        api.list_clients()
            .workspace_id(WORKSPACE)
            .send()
            .await
            .expect("ok");
    }
    // Four requests at one per 40 ms cannot finish in under 120 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(115),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests(), 4);
    let waits = waits.lock().expect("lock");
    assert!(waits.len() >= 3, "{waits:?}");
    assert!(
        waits
            .iter()
            .all(|w| w.reason == WaitReason::Pacing && w.duration <= Duration::from_millis(40))
    );
}
