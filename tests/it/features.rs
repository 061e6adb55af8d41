//! What the hand-written layer adds beyond single operations, against the
//! local service: every page of a list, `null` lists, read-after-create,
//! the quotas known without asking, the quota reserve, create-if-missing,
//! the operation deadline and the size cap.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use toggl_track_api::config::{QuotaReserve, ReadAfterCreate, RetryPolicy};
use toggl_track_api::events::{WaitEvent, WaitReason};
use toggl_track_api::types::{ClientCreate, ClientStatus};
use toggl_track_api::{Client, Error};
use toggl_track_local_service::demo;
use toggl_track_local_service::{Config, LocalService, Seed};

use crate::common::{WORKSPACE, client, client_json, local as service};
use crate::wire::Tap;

fn builder(server: &LocalService) -> toggl_track_api::ClientBuilder {
    crate::common::builder(server.base_url())
}

fn recording(builder: toggl_track_api::ClientBuilder) -> (Client, Arc<Mutex<Vec<WaitEvent>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&waits);
    let api = builder
        .on_wait(move |e| sink.lock().expect("lock").push(e))
        .build()
        .expect("builds");
    (api, waits)
}

#[tokio::test]
async fn every_page_for_one_request_a_page_and_no_more() {
    let server = service(Config::with_seed(Seed::demo_with_generated_clients(7))).await;
    let api = builder(&server).build().expect("builds");
    for (per_page, requests) in [(3, 3), (7, 1), (100, 1), (1, 7)] {
        let before = server.requests();
        let all = api
            .list_all_clients()
            .workspace_id(demo::WORKSPACE)
            .per_page(per_page)
            .send()
            .await
            .expect("lists");
        assert_eq!(all.clients.len(), 7, "per page {per_page}");
        assert_eq!(
            (all.requests, server.requests() - before),
            (requests, u64::from(requests))
        );
        let ids: Vec<u64> = all.clients.iter().map(|c| c.id.get()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "id order: {ids:?}");
    }
    let none = api
        .list_all_clients()
        .workspace_id(demo::WORKSPACE)
        .status(ClientStatus::Archived)
        .send()
        .await
        .expect("lists");
    assert_eq!((none.clients.len(), none.requests), (0, 1));
    let err = api
        .list_all_clients()
        .send()
        .await
        .expect_err("no workspace");
    assert!(
        err.to_string().contains("workspace_id is required"),
        "{err}"
    );
}

#[tokio::test]
async fn paging_stops_when_the_service_repeats_itself() {
    // A service that ignores `page` answers the same full list every time.
    let server = service(Config::demo()).await;
    let same = serde_json::json!([client_json(1, "a"), client_json(2, "b")]).to_string();
    server.faults().answer_next(same.clone());
    server.faults().answer_next(same);
    let all = builder(&server)
        .build()
        .expect("builds")
        .list_all_clients()
        .workspace_id(WORKSPACE)
        .per_page(2)
        .send()
        .await
        .expect("lists");
    assert_eq!((all.clients.len(), all.requests), (2, 2));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_null_list_from_the_service_is_an_empty_list() {
    let server = service(Config::demo()).await;
    server.faults().null_next(1);
    let api = builder(&server).build().expect("builds");
    let listed = api
        .list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect("decodes");
    assert!(listed.is_empty());
}

#[tokio::test]
async fn a_new_client_not_visible_yet_is_waited_for_only_when_asked() {
    let server = service(Config::demo()).await;
    server
        .faults()
        .set_visibility_lag(Duration::from_millis(500));
    let policy = RetryPolicy::none().read_after_create(
        ReadAfterCreate::toggl_advice()
            .window(Duration::from_secs(30))
            .retries(4)
            .delay(Duration::from_millis(200)),
    );
    let (api, waits) = recording(builder(&server).retry(policy));
    let created = api
        .create_client()
        .workspace_id(demo::WORKSPACE)
        .body(ClientCreate::builder().name("Hooli"))
        .send()
        .await
        .expect("created");
    let got = api
        .get_client()
        .workspace_id(demo::WORKSPACE)
        .client_id(created.id)
        .send()
        .await
        .expect("visible after a wait");
    assert_eq!(got.name, "Hooli");
    let waited: Vec<WaitReason> = waits
        .lock()
        .expect("lock")
        .iter()
        .map(|w| w.reason)
        .collect();
    assert!(
        !waited.is_empty()
            && waited
                .iter()
                .all(|r| matches!(r, WaitReason::NotYetVisible { .. })),
        "{waited:?}"
    );
    // A 404 for an id this client did not just create is real: no wait.
    waits.lock().expect("lock").clear();
    let missing = api
        .get_client()
        .workspace_id(demo::WORKSPACE)
        .client_id(61239999u64)
        .send()
        .await;
    assert!(matches!(missing, Err(Error::NotFound { .. })));
    assert!(waits.lock().expect("lock").is_empty());
    // Without the option, the lag is the caller's 404.
    let plain = builder(&server).build().expect("builds");
    let fresh = plain
        .create_client()
        .workspace_id(demo::WORKSPACE)
        .body(ClientCreate::builder().name("Pied Piper"))
        .send()
        .await
        .expect("created");
    let early = plain
        .get_client()
        .workspace_id(demo::WORKSPACE)
        .client_id(fresh.id)
        .send()
        .await;
    assert!(matches!(early, Err(Error::NotFound { .. })), "{early:?}");
}

#[tokio::test]
async fn the_quotas_are_known_without_asking_and_shared_by_clones() {
    let server = service(Config::demo()).await;
    let api = builder(&server).build().expect("builds");
    assert_eq!(api.quota(), Default::default());
    let copy = api.clone();
    api.list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect("lists");
    let known = copy.quota();
    let org = known.organization.expect("organization quota seen");
    assert_eq!(org.remaining, 599);
    assert!(org.resets_in() <= Duration::from_secs(3600) && org.is_current());
    assert!(known.user.is_none(), "no /me request yet");
    api.list_changed_clients().send().await.expect("lists");
    let user = api.quota().user.expect("user quota seen");
    assert_eq!(
        user.remaining,
        i64::from(toggl_track_local_service::USER_QUOTA) - 1
    );
    assert_eq!(
        api.quota().organization.map(|q| q.remaining),
        Some(599),
        "apart"
    );
}

#[tokio::test]
async fn one_request_refreshes_every_quota() {
    let server = service(Config::demo()).await;
    let api = builder(&server).build().expect("builds");
    api.list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect("lists");
    let before = server.requests();
    let known = api
        .refresh_quotas()
        .await
        .expect("the quota endpoint answers");
    assert_eq!(server.requests() - before, 1);
    let org = known.organizations[&toggl_track_local_service::DEFAULT_ORGANIZATION];
    assert_eq!((org.remaining, org.total), (599, Some(600)));
    // One organization: it is the one this client's workspace counts against.
    assert_eq!(known.organization, Some(org));
    let user = known.user.expect("the user-level quota");
    // The quota request itself counts against the user-level quota.
    assert_eq!((user.remaining, user.total), (29, Some(30)));
    assert_eq!(api.quota(), known, "what quota() returns is refreshed");
    // A workspace answer later keeps the window's size known.
    api.list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect("lists");
    let org = api.quota().organization.expect("seen");
    assert_eq!((org.remaining, org.total), (598, Some(600)));
}

#[tokio::test]
async fn a_reserve_of_5_with_5_left_sends_nothing_and_says_when_it_resets() {
    let mut config = Config::demo();
    config.hourly_quota = Some(6);
    let server = service(config).await;
    let api = builder(&server)
        .quota_reserve(QuotaReserve::keep(5))
        .build()
        .expect("builds");
    api.list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect("first request");
    let before = server.requests();
    let err = api
        .list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect_err("held back");
    assert_eq!(server.requests(), before, "nothing sent");
    assert!(
        matches!(
            err,
            Error::QuotaReserveReached {
                remaining: 5,
                reserve: 5,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("5 request(s) left") && shown.contains("it resets in"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_reserve_can_wait_for_the_reset_instead() {
    // A quota of two a second: the first answer leaves one, the reserve.
    let mut config = Config::demo();
    config.hourly_quota = Some(2);
    config.quota_window = Duration::from_secs(1);
    let server = service(config).await;
    let (api, waits) =
        recording(builder(&server).quota_reserve(QuotaReserve::keep(1).wait_for_reset()));
    let started = Instant::now();
    for _ in 0..2 {
        api.list_clients()
            .workspace_id(WORKSPACE)
            .send()
            .await
            .expect("lists");
    }
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(server.requests(), 2);
    let waited: Vec<WaitReason> = waits
        .lock()
        .expect("lock")
        .iter()
        .map(|w| w.reason)
        .collect();
    assert_eq!(waited, [WaitReason::QuotaReset]);
}

#[tokio::test]
async fn create_if_missing_finds_or_creates_and_never_duplicates() {
    let server = service(Config::demo()).await;
    let api = builder(&server).build().expect("builds");
    let new = || ClientCreate::builder().name("Hooli");
    let first = api
        .create_client_if_missing(demo::WORKSPACE, new())
        .await
        .expect("created");
    assert!(first.created);
    assert_eq!(first.requests, 2);
    let second = api
        .create_client_if_missing(demo::WORKSPACE, new())
        .await
        .expect("found");
    assert_eq!(
        (second.created, second.requests, second.client.id),
        (false, 1, first.client.id)
    );
    // In any case, archived ones too.
    let initech = ClientCreate::builder().name("INITECH");
    let found = api
        .create_client_if_missing(demo::WORKSPACE, initech)
        .await
        .expect("found");
    assert_eq!(
        (found.created, found.client.id.get()),
        (false, demo::ARCHIVED_CLIENT)
    );
}

#[tokio::test]
async fn create_if_missing_that_loses_a_race_returns_the_winner() {
    // The lookup finds nothing, another program creates the client while
    // that answer is on its way, the create is refused as taken, and the
    // second look finds it.
    let server = service(Config::demo()).await;
    let list = format!("/workspaces/{WORKSPACE}/clients");
    server
        .faults()
        .hold_answers_to("GET", &list, Duration::from_secs(1));
    let api = builder(&server).build().expect("builds");
    let looked = server.answered();
    let racing = tokio::spawn(async move {
        api.create_client_if_missing(WORKSPACE, ClientCreate::builder().name("Hooli"))
            .await
    });
    while server.answered() == looked {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server
        .faults()
        .hold_answers_to("GET", &list, Duration::ZERO);
    let other = builder(&server).build().expect("builds");
    let winner = other
        .create_client()
        .workspace_id(WORKSPACE)
        .body(ClientCreate::builder().name("hooli"))
        .send()
        .await
        .expect("the other program creates it");
    let won = racing
        .await
        .expect("the task ends")
        .expect("found after the race");
    assert_eq!(
        (won.created, won.requests, won.client.id),
        (false, 3, winner.id)
    );
    let refused = server.exchanges().into_iter().filter(|e| e.status == 400);
    assert_eq!(refused.count(), 1, "the create lost the race");
}

#[tokio::test]
async fn the_operation_deadline_bounds_every_attempt_and_wait() {
    let server = service(Config::demo()).await;
    server.faults().silence_next(1);
    let api = builder(&server)
        .timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_millis(400))
        .build()
        .expect("builds");
    let err = api
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect_err("times out");
    // The operation's deadline ran out, not the attempt's own timeout.
    assert!(
        matches!(err, Error::Timeout { attempts: 1, deadline: Some(d), elapsed, .. }
            if d == Duration::from_millis(400) && elapsed >= d),
        "{err:?}"
    );
    assert!(err.to_string().contains("after 1 attempt(s)"), "{err}");
}

#[tokio::test]
async fn the_deadline_counts_retries_too() {
    let server = service(Config::demo()).await;
    server.faults().fail_next(503, 100);
    let api = builder(&server)
        .retry(
            RetryPolicy::default()
                .max_attempts(100)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_millis(100))
                .jitter(toggl_track_api::config::Jitter::None),
        )
        .operation_timeout(Duration::from_millis(450))
        .build()
        .expect("builds");
    let err = api
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect_err("gives up");
    // The wait that would pass the deadline is not made: the last answer
    // comes back at once, after the attempts that fitted.
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    let sent = server.requests();
    assert!((3..=6).contains(&sent), "{sent} attempts");
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused_whether_announced_or_streamed() {
    let server = service(Config::demo()).await;
    // A valid list, its length announced.
    server.faults().oversize_next(4000);
    let capped = builder(&server)
        .max_response_bytes(1000)
        .build()
        .expect("builds");
    let err = capped
        .list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect_err("too large");
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                limit: 1000,
                operation: "list_clients",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("larger than 1000 bytes"), "{err}");

    // No length, a body that never ends.
    server.faults().endless_next();
    let api = builder(&server)
        .max_response_bytes(256 * 1024)
        .build()
        .expect("builds");
    let err = api
        .list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect_err("too large");
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 262144, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_paid_plan_402_is_not_mistaken_for_the_quota() {
    let server = service(Config::demo()).await;
    let tap = Tap::start(&server).await;
    let err = client(tap.base_url())
        .archive_client()
        .workspace_id(demo::FREE_WORKSPACE)
        .client_id(61234004u64)
        .send()
        .await
        .expect_err("needs a paid plan");
    let said = tap.one().said();
    assert!(
        matches!(&err, Error::PaidFeatureRequired { message, .. } if *message == said),
        "{err:?}, the service said {said:?}"
    );
    assert!(!said.is_empty());
}

#[tokio::test]
async fn the_user_quota_402_is_quota_exhausted_with_its_reset() {
    let mut config = Config::demo();
    config.user_hourly_quota = Some(1);
    let server = service(config).await;
    let api = builder(&server).build().expect("builds");
    api.list_changed_clients().send().await.expect("first");
    let err = api
        .list_changed_clients()
        .send()
        .await
        .expect_err("used up");
    assert!(
        matches!(
            err,
            Error::QuotaExhausted {
                resets_in: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(api.quota().user.map(|q| q.remaining), Some(0));
}

/// A client is shared across tasks: `Clone + Send + Sync`, with `Send`
/// futures (checked when this compiles).
#[test]
fn a_client_and_its_futures_can_cross_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn send<T: Send>(_: &T) {}
    shareable::<Client>();
    let api = client("http://127.0.0.1:9");
    send(&api.list_clients().workspace_id(WORKSPACE).send());
    send(&api.list_all_clients().workspace_id(WORKSPACE).send());
    send(&api.create_client_if_missing(WORKSPACE, ClientCreate::builder().name("x")));
}
