//! Credentials only where they belong: plain HTTP for this machine only,
//! no redirect followed, `Retry-After` read with sense. Against the local
//! service, and a hand-made server for the redirect no Toggl sends.

use std::time::{Duration, SystemTime};

use toggl_track_api::error::BuildError;
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_local_service::Config;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{TOKEN, WORKSPACE, list_fails, local};

fn client(base: &str) -> Result<Client, BuildError> {
    Client::builder(Credentials::api_token("secret-token"))
        .base_url(base)
        .build()
}

#[tokio::test]
async fn plain_http_works_for_this_machine_by_address_and_by_name() {
    let server = local(Config::demo()).await;
    let port = server.addr().port();
    for base in [
        format!("http://127.0.0.1:{port}/api/v9"),
        format!("http://localhost:{port}/api/v9"),
    ] {
        let api = Client::builder(Credentials::api_token(TOKEN))
            .base_url(&base)
            .build()
            .expect("loopback is fine");
        let list = api.list_clients().workspace_id(WORKSPACE).send().await;
        assert!(list.is_ok(), "{base}: {list:?}");
    }
    assert_eq!(server.requests(), 2);
    // Anything else is refused at build time, before any request.
    let err = client("http://example.com/api/v9").expect_err("refused");
    assert!(matches!(err, BuildError::InsecureHttp { ref host, .. } if host == "example.com"));
    assert!(!err.to_string().contains("secret-token"));
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_names_where_it_pointed() {
    let elsewhere = local(Config::demo()).await;
    // A hand-made server: no Toggl would send a redirect, let alone to
    // another host.
    let api = MockServer::start().await;
    let target = format!("{}/steal?token=x", elsewhere.base_url());
    Mock::given(any())
        .respond_with(ResponseTemplate::new(307).insert_header("Location", target.as_str()))
        .mount(&api)
        .await;
    let err = list_fails(&client(&api.uri()).expect("builds")).await;
    match &err {
        Error::Redirected {
            location, context, ..
        } => {
            assert_eq!(location.as_deref(), Some(target.as_str()));
            assert_eq!(context.status.as_u16(), 307);
        }
        other => panic!("expected Redirected, got {other:?}"),
    }
    assert!(
        err.to_string().contains("redirects are not followed"),
        "{err}"
    );
    assert_eq!(elsewhere.requests(), 0, "nothing went where it pointed");
    // The redirect is not retried either: one request.
    assert_eq!(api.received_requests().await.map_or(0, |r| r.len()), 1);
}

#[tokio::test]
async fn retry_after_beyond_the_deadline_ends_the_operation_with_the_date() {
    let server = local(Config::demo()).await;
    server
        .faults()
        .fail_next_with_header(429, 1, "retry-after", "Wed, 21 Oct 2099 07:28:00 GMT");
    let api = Client::builder(Credentials::api_token(TOKEN))
        .base_url(server.base_url())
        .build()
        .expect("builds");
    let err = list_fails(&api).await;
    match &err {
        Error::RateLimited {
            retry_after,
            retry_at,
            ..
        } => {
            assert!(retry_after.is_some_and(|d| d > Duration::from_secs(3600 * 24 * 365)));
            let year_2099 = SystemTime::UNIX_EPOCH + Duration::from_secs(4_070_908_800);
            assert!(retry_at.is_some_and(|t| t > year_2099), "{retry_at:?}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(err.to_string().contains("2099-10-21 07:28:00 UTC"), "{err}");
    assert_eq!(server.requests(), 1);
}
