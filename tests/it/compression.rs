//! Compressed answers, as Toggl serves them: asked for by default, read
//! decompressed, capped by their decompressed size, and a body whose
//! encoding cannot be read is one line that says so.

use std::io::Write;

use toggl_track_api::Error;
use toggl_track_api::config::RetryPolicy;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{TOKEN, WORKSPACE, client, client_json, list_fails};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("compresses");
    encoder.finish().expect("compresses")
}

/// A server answering every GET with JSON `body` in `encoding`.
async fn serving(encoding: &str, body: Vec<u8>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .insert_header("content-encoding", encoding)
                .set_body_bytes(body),
        )
        .mount(&server)
        .await;
    server
}

fn list(n: u64) -> Vec<u8> {
    let clients: Vec<serde_json::Value> = (1..=n).map(|i| client_json(i, "Acme")).collect();
    serde_json::to_vec(&clients).expect("json")
}

#[tokio::test]
async fn answers_are_asked_for_compressed_and_read_decompressed() {
    let server = serving("gzip", gzip(&list(3))).await;
    let listed = client(&server.uri())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("a gzip answer decodes");
    assert_eq!(listed.len(), 3);
    let asked = server.received_requests().await.expect("recorded");
    let accept = asked[0]
        .headers
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(accept.contains("gzip"), "{accept:?}");

    // Turned off, nothing is asked for.
    let plain = toggl_track_api::Client::builder(toggl_track_api::Credentials::api_token(TOKEN))
        .base_url(server.uri())
        .compressed_answers(false)
        .build()
        .expect("builds");
    let _ = plain.list_clients().workspace_id(WORKSPACE).send().await;
    let asked = server.received_requests().await.expect("recorded");
    assert!(asked[1].headers.get("accept-encoding").is_none());
}

#[tokio::test]
async fn the_cap_counts_decompressed_bytes() {
    // 20,000 clients: about 3 MB of JSON in a few kilobytes of gzip.
    let body = list(20_000);
    let squeezed = gzip(&body);
    assert!(
        squeezed.len() < body.len() / 20,
        "{} of {}",
        squeezed.len(),
        body.len()
    );
    let server = serving("gzip", squeezed).await;
    let capped = toggl_track_api::Client::builder(toggl_track_api::Credentials::api_token(TOKEN))
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .max_response_bytes(1024 * 1024)
        .build()
        .expect("builds");
    let err = list_fails(&capped).await;
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1048576, .. }),
        "{err:?}"
    );
}

/// One line of readable text: no control characters, no binary noise.
fn readable_line(text: &str) -> bool {
    !text.contains('\n') && text.chars().all(|c| !c.is_control() && c != '\u{fffd}')
}

#[tokio::test]
async fn a_broken_gzip_body_is_one_line_saying_so() {
    let garbage: Vec<u8> = (0..600u32).map(|i| (i * 37 % 251) as u8).collect();
    let server = serving("gzip", garbage).await;
    let err = list_fails(&client(&server.uri())).await;
    let said = err.to_string();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(said.contains("cannot be decompressed"), "{said}");
    assert!(readable_line(&said), "{said:?}");
    // Asking again would get the same: one request.
    assert_eq!(server.received_requests().await.map_or(0, |r| r.len()), 1);
}

#[tokio::test]
async fn an_encoding_not_asked_for_is_named_not_shown() {
    let noise: Vec<u8> = (0..400u32).map(|i| (i * 91 % 256) as u8).collect();
    let server = serving("br", noise).await;
    let err = list_fails(&client(&server.uri())).await;
    let said = err.to_string();
    assert!(
        said.contains("`br`-encoded, which this client does not decode"),
        "{said}"
    );
    assert!(readable_line(&said), "{said:?}");
}
