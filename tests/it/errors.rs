//! Every error variant, produced from an answer as the real service sends
//! it (the local service, refusing for real or with a fault switched on) or
//! as something between it and us sends it (a hand-made server).

use std::time::Duration;

use crate::common::{Raw, WORKSPACE, client, list_fails, local, raw_server};
use crate::wire::Tap;
use toggl_track_api::config::RetryPolicy;
use toggl_track_api::error::{ForbiddenReason, ValidationReason};
use toggl_track_api::types::ClientCreate;
use toggl_track_api::{Client, Credentials, Error};
use toggl_track_local_service::{Config, LocalService, demo};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs `get_client` against a server that answers every request with
/// `response`.
async fn get_with(response: ResponseTemplate) -> Error {
    // A hand-made server: no Toggl would send the answers it is given here
    // (a go-between's page, an empty body with bare headers), byte for byte.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    client(&server.uri())
        .get_client()
        .workspace_id(WORKSPACE)
        .client_id(42u64)
        .send()
        .await
        .expect_err("the server answers with a failure")
}

/// Gets a client of the demo workspace with `api`, and fails.
async fn get_refused(api: &Client) -> Error {
    api.get_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::CLIENT_WITH_PROJECTS)
        .send()
        .await
        .expect_err("the service answers with a failure")
}

/// Runs `get_client` against the demo service `server`, whose faults the
/// caller has set.
async fn get_from(server: &LocalService) -> Error {
    get_refused(&client(server.base_url())).await
}

/// The demo service with `status` as its next answer, and what a get makes
/// of it.
async fn get_failing_with(status: u16) -> Error {
    let server = local(Config::demo()).await;
    server.faults().fail_next(status, 1);
    get_from(&server).await
}

#[tokio::test]
async fn a_json_string_400_is_a_validation_error_with_the_message() {
    let server = local(Config::demo()).await;
    let tap = Tap::start(&server).await;
    let err = client(tap.base_url())
        .create_client()
        .workspace_id(WORKSPACE)
        .body(ClientCreate::builder().name(""))
        .send()
        .await
        .expect_err("an empty name is refused");
    let seen = tap.one();
    let said = seen.said();
    match &err {
        Error::Validation {
            reason, message, ..
        } => {
            assert_eq!(*reason, ValidationReason::NameEmpty);
            assert_eq!(*message, said, "the service's words, unquoted");
        }
        other => panic!("expected Validation, got {other:?}"),
    }
    let request_id = seen.answer_headers["x-toggl-request-id"]
        .to_str()
        .expect("text");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.request_id(), Some(request_id));
    assert!(!said.is_empty() && err.to_string().contains(&said), "{err}");
    assert!(err.to_string().contains(request_id), "{err}");
}

#[tokio::test]
async fn an_empty_401_is_unauthenticated() {
    let err = get_failing_with(401).await;
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn a_403_is_forbidden() {
    let server = local(Config::demo()).await;
    let api = client(server.base_url());
    let elsewhere = api
        .get_client()
        .workspace_id(999u64)
        .client_id(1u64)
        .send()
        .await
        .expect_err("not a member");
    assert!(
        matches!(
            elsewhere,
            Error::Forbidden {
                reason: ForbiddenReason::NoAccess,
                ..
            }
        ),
        "{elsewhere:?}"
    );
    let stranger = Client::builder(Credentials::api_token("not-a-token"))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .expect("builds");
    let err = get_refused(&stranger).await;
    assert!(
        matches!(
            err,
            Error::Forbidden {
                reason: ForbiddenReason::BadCredentials,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_404_keeps_its_message() {
    let server = local(Config::demo()).await;
    let tap = Tap::start(&server).await;
    let err = client(tap.base_url())
        .get_client()
        .workspace_id(WORKSPACE)
        .client_id(42u64)
        .send()
        .await
        .expect_err("no such client");
    let seen = tap.one();
    match err {
        Error::NotFound {
            message, context, ..
        } => {
            assert_eq!(message, seen.said());
            assert!(message.contains("42"), "{message}");
            assert_eq!(
                context.request_id.as_deref(),
                seen.answer_headers["x-toggl-request-id"].to_str().ok()
            );
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plain_text_quota_402_is_quota_exhausted_not_a_plan_problem() {
    let mut config = Config::demo();
    config.hourly_quota = Some(1);
    let server = local(config).await;
    let tap = Tap::start(&server).await;
    let api = client(tap.base_url());
    api.list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("the hour's one request");
    let err = api
        .get_client()
        .workspace_id(WORKSPACE)
        .client_id(demo::CLIENT_WITH_PROJECTS)
        .send()
        .await
        .expect_err("the quota is used up");
    let seen = tap.last();
    let plain = seen.answer_headers[axum::http::header::CONTENT_TYPE]
        .to_str()
        .expect("text");
    assert!(plain.starts_with("text/plain"), "{plain}");
    match err {
        Error::QuotaExhausted {
            resets_in: Some(resets_in),
            message,
            ..
        } => {
            assert!(resets_in <= Duration::from_secs(3600), "{resets_in:?}");
            assert_eq!(message, seen.said());
            // The sentence names the same wait as the header.
            assert!(
                message.contains(&resets_in.as_secs().to_string()),
                "{message}"
            );
        }
        other => panic!("expected QuotaExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn a_402_without_a_message_and_zero_quota_remaining_is_quota_exhausted() {
    // A hand-made server: no Toggl would send a 402 without its sentence.
    let err = get_with(
        ResponseTemplate::new(402)
            .insert_header("x-toggl-quota-remaining", "0")
            .insert_header("x-toggl-quota-resets-in", "600"),
    )
    .await;
    match err {
        Error::QuotaExhausted { resets_in, .. } => {
            assert_eq!(resets_in, Some(Duration::from_secs(600)))
        }
        other => panic!("expected QuotaExhausted, got {other:?}"),
    }
}

/// Archives a client of the free workspace with `api`: refused, that
/// workspace has no paid plan.
async fn archive_unpaid(api: &Client) -> Error {
    api.archive_client()
        .workspace_id(demo::FREE_WORKSPACE)
        .client_id(61234004u64)
        .send()
        .await
        .expect_err("needs a paid plan")
}

#[tokio::test]
async fn a_premium_402_is_paid_feature_required() {
    let server = local(Config::demo()).await;
    let tap = Tap::start(&server).await;
    let err = archive_unpaid(&client(tap.base_url())).await;
    let said = tap.one().said();
    match err {
        Error::PaidFeatureRequired { message, .. } => {
            assert!(!said.is_empty());
            assert_eq!(message, said);
        }
        other => panic!("expected PaidFeatureRequired, got {other:?}"),
    }
}

#[tokio::test]
async fn a_paid_plan_402_that_took_the_last_request_is_still_a_plan_problem() {
    let mut config = Config::demo();
    config.hourly_quota = Some(1);
    let server = local(config).await;
    let tap = Tap::start(&server).await;
    let api = client(tap.base_url());
    let err = archive_unpaid(&api).await;
    let seen = tap.one();
    assert_eq!(seen.answer_headers["x-toggl-quota-remaining"], "0");
    assert!(
        matches!(&err, Error::PaidFeatureRequired { message, .. } if *message == seen.said()),
        "{err:?}"
    );
    // It was the hour's last request indeed.
    let next = api.list_clients().workspace_id(WORKSPACE).send().await;
    assert!(
        matches!(next, Err(Error::QuotaExhausted { .. })),
        "{next:?}"
    );
}

#[tokio::test]
async fn an_html_429_is_rate_limited_with_retry_after() {
    let server = local(Config::demo()).await;
    server
        .faults()
        .fail_next_with_header(429, 1, "retry-after", "7");
    let tap = Tap::start(&server).await;
    let err = client(tap.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect_err("rate limited");
    let page = String::from_utf8(tap.one().answer()).expect("text");
    assert!(page.contains("<html"), "an HTML page: {page}");
    match &err {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(
        !err.to_string().contains("<html"),
        "message is readable: {err}"
    );
}

#[tokio::test]
async fn a_410_is_gone() {
    let err = get_failing_with(410).await;
    assert!(matches!(err, Error::Gone { .. }), "{err:?}");
}

#[tokio::test]
async fn a_5xx_is_a_server_error_with_a_readable_message() {
    let err = get_failing_with(500).await;
    let reason = axum::http::StatusCode::INTERNAL_SERVER_ERROR.canonical_reason();
    assert!(
        matches!(err, Error::Server { ref message, .. } if Some(message.as_str()) == reason),
        "{err:?}"
    );
    // A hand-made server: no Toggl would send this; a go-between's HTML
    // page in front of it does.
    let err = get_with(ResponseTemplate::new(502).set_body_raw(
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "text/html",
    ))
    .await;
    assert!(
        matches!(err, Error::Server { ref message, .. } if message == "502 Bad Gateway"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_empty_405_is_an_unexpected_status() {
    // A hand-made server: no Toggl would send an empty 405 to the client's
    // requests (every one has its route).
    let err = get_with(ResponseTemplate::new(405)).await;
    assert!(
        matches!(err, Error::UnexpectedStatus { ref message, .. }
            if Some(message.as_str()) == axum::http::StatusCode::METHOD_NOT_ALLOWED.canonical_reason()),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_200_is_a_decode_error_with_status_type_and_body() {
    // A hand-made server: no Toggl would send this; a captive portal does.
    let err = get_with(
        ResponseTemplate::new(200).set_body_raw("<html>captive portal</html>", "text/html"),
    )
    .await;
    match err {
        Error::Decode {
            context,
            reason,
            body_prefix,
            ..
        } => {
            assert_eq!(context.status.as_u16(), 200);
            assert_eq!(reason, "the body is not JSON but text/html");
            assert_eq!(body_prefix, "<html>captive portal</html>");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = local(Config::demo()).await;
    server.faults().malform_next(1);
    let tap = Tap::start(&server).await;
    let err = list_fails(&client(tap.base_url())).await;
    let sent = String::from_utf8(tap.one().answer()).expect("text");
    assert!(
        serde_json::from_str::<serde_json::Value>(&sent).is_err(),
        "{sent}"
    );
    match err {
        Error::Decode {
            ref body_prefix, ..
        } => assert_eq!(*body_prefix, sent, "{err:?}"),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrongly_shaped_object_is_a_decode_error() {
    let server = local(Config::demo()).await;
    server
        .faults()
        .answer_next(serde_json::json!({"id": "one"}).to_string());
    let err = get_from(&server).await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_times_out_near_the_configured_timeout() {
    let server = local(Config::demo()).await;
    server.faults().silence_next(1);
    let api = crate::common::builder(server.base_url())
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client builds");
    let err = api
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect_err("times out");
    // The attempt's own timeout ran out (there is no operation deadline).
    assert!(
        matches!(err, Error::Timeout { attempts: 1, deadline: None, elapsed, source: Some(_), .. }
            if elapsed >= Duration::from_millis(300)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_a_transport_error() {
    let base = raw_server(Raw::Hangup).await;
    let err = client(&base)
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    assert!(matches!(err, Err(Error::Transport { .. })), "{err:?}");
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error() {
    let base = raw_server(Raw::Reply(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n[{\"id\": 1",
    ))
    .await;
    let err = client(&base)
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    assert!(matches!(err, Err(Error::Transport { .. })), "{err:?}");
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_transport_error() {
    let base = raw_server(Raw::Reply(b"SSH-2.0-OpenSSH_9.6\r\n")).await;
    let err = client(&base)
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    assert!(matches!(err, Err(Error::Transport { .. })), "{err:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let err = client(&format!("http://{addr}"))
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await;
    let err = err.expect_err("refused");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // The cause is in the one line, not only the URL.
    let shown = err.to_string();
    assert!(
        shown.to_lowercase().contains("connection refused"),
        "{shown}"
    );
    assert_eq!(shown.lines().count(), 1, "{shown}");
}
