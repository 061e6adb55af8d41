//! Every error variant, produced from a response shaped as the real service
//! (or something between it and us) sends it.

use std::time::{Duration, Instant};

use crate::common::{Raw, WORKSPACE, client, raw_server};
use toggl_track_api::config::RetryPolicy;
use toggl_track_api::{Client, Credentials, Error};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs `get_client` against a server that answers every request with `response`.
async fn get_with(response: ResponseTemplate) -> Error {
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

fn json_string(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(message)
        .insert_header("x-toggl-request-id", "req-7")
}

#[tokio::test]
async fn a_json_string_400_is_a_validation_error_with_the_message() {
    let err = get_with(json_string(400, "Client name cannot be empty")).await;
    match &err {
        Error::Validation { message, .. } => assert_eq!(message, "Client name cannot be empty"),
        other => panic!("expected Validation, got {other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.request_id(), Some("req-7"));
    assert!(
        err.to_string().contains("Client name cannot be empty"),
        "{err}"
    );
    assert!(err.to_string().contains("req-7"), "{err}");
}

#[tokio::test]
async fn an_empty_401_is_unauthenticated() {
    let err =
        get_with(ResponseTemplate::new(401).insert_header("x-authorization-missing", "true")).await;
    assert!(matches!(err, Error::Unauthenticated { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn a_403_is_forbidden() {
    let err = get_with(json_string(403, "Forbidden")).await;
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

#[tokio::test]
async fn a_404_keeps_its_message() {
    let err = get_with(json_string(404, "No client with ID 42 was found")).await;
    match err {
        Error::NotFound {
            message, context, ..
        } => {
            assert_eq!(message, "No client with ID 42 was found");
            assert_eq!(context.request_id.as_deref(), Some("req-7"));
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plain_text_quota_402_is_quota_exhausted_not_a_plan_problem() {
    let sentence =
        "You have hit your hourly limit for API calls. The quota will reset in 1234 seconds.";
    let err = get_with(ResponseTemplate::new(402).set_body_raw(sentence, "text/plain")).await;
    match err {
        Error::QuotaExhausted {
            resets_in, message, ..
        } => {
            assert_eq!(resets_in, Some(Duration::from_secs(1234)));
            assert_eq!(message, sentence);
        }
        other => panic!("expected QuotaExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn a_402_without_a_message_and_zero_quota_remaining_is_quota_exhausted() {
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

#[tokio::test]
async fn a_premium_402_is_paid_feature_required() {
    let err = get_with(
        json_string(402, "Archiving clients is available on Premium plans only")
            .insert_header("x-toggl-quota-remaining", "411"),
    )
    .await;
    match err {
        Error::PaidFeatureRequired { message, .. } => assert!(message.contains("Premium")),
        other => panic!("expected PaidFeatureRequired, got {other:?}"),
    }
}

#[tokio::test]
async fn a_paid_plan_402_that_took_the_last_request_is_still_a_plan_problem() {
    let err = get_with(
        json_string(402, "Only for premium workspaces")
            .insert_header("x-toggl-quota-remaining", "0")
            .insert_header("x-toggl-quota-resets-in", "600"),
    )
    .await;
    assert!(
        matches!(&err, Error::PaidFeatureRequired { message, .. } if message == "Only for premium workspaces"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_429_is_rate_limited_with_retry_after() {
    let html = "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let err = get_with(
        ResponseTemplate::new(429)
            .set_body_raw(html, "text/html")
            .insert_header("retry-after", "7"),
    )
    .await;
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
    let err = get_with(json_string(410, "This endpoint has been removed")).await;
    assert!(matches!(err, Error::Gone { .. }), "{err:?}");
}

#[tokio::test]
async fn a_5xx_is_a_server_error_with_a_readable_message() {
    let err = get_with(json_string(500, "Internal Server Error")).await;
    assert!(
        matches!(err, Error::Server { ref message, .. } if message == "Internal Server Error"),
        "{err:?}"
    );
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
    let err = get_with(ResponseTemplate::new(405)).await;
    assert!(
        matches!(err, Error::UnexpectedStatus { ref message, .. } if message == "Method Not Allowed"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_200_is_a_decode_error_with_status_type_and_body() {
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
    let err = get_with(
        ResponseTemplate::new(200).set_body_raw("{\"id\": 1, \"wid\":", "application/json"),
    )
    .await;
    match err {
        Error::Decode { body_prefix, .. } => assert!(body_prefix.starts_with("{\"id\": 1")),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrongly_shaped_object_is_a_decode_error() {
    let err =
        get_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "one"}))).await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn a_silent_server_times_out_near_the_configured_timeout() {
    let base = raw_server(Raw::Silence).await;
    let api = Client::builder(Credentials::api_token("t"))
        .base_url(base)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let started = Instant::now();
    let err = api
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect_err("times out");
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_secs(5),
        "took {took:?}"
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
