//! Compressed answers, as Toggl serves them: asked for by default, read
//! decompressed, capped by their decompressed size, and a body whose
//! encoding cannot be read is one line that says so.

use toggl_track_api::Error;
use toggl_track_local_service::{Config, Seed, demo};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{WORKSPACE, builder, client, list_fails, local};
use crate::wire::Tap;

/// A server answering every GET with `body` in `encoding`.
async fn serving(encoding: &str, body: Vec<u8>) -> MockServer {
    // A hand-made server: no Toggl would send a body in an encoding it was
    // not asked for, or one that does not decode.
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

#[tokio::test]
async fn answers_are_asked_for_compressed_and_read_decompressed() {
    let server = local(Config::demo()).await;
    let tap = Tap::start(&server).await;
    let listed = client(tap.base_url())
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("a gzip answer decodes");
    assert_eq!(listed.len(), 2, "the demo workspace's active clients");
    let asked = tap.one();
    let accept = asked.header("accept-encoding").unwrap_or_default();
    assert!(accept.contains("gzip"), "{accept:?}");
    assert_eq!(
        asked
            .answer_headers
            .get("content-encoding")
            .map(|e| e.as_bytes()),
        Some(&b"gzip"[..]),
        "the service answered compressed"
    );

    // Turned off, nothing is asked for, and the answer comes as it is.
    let plain = builder(tap.base_url())
        .compressed_answers(false)
        .build()
        .expect("builds");
    let again = plain
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("lists");
    assert_eq!(again.len(), 2);
    let asked = tap.last();
    assert!(asked.header("accept-encoding").is_none(), "{asked:?}");
    assert!(asked.answer_headers.get("content-encoding").is_none());
}

#[tokio::test]
async fn the_cap_counts_decompressed_bytes() {
    // 5,000 clients: over a megabyte of JSON in far less of gzip.
    const CAP: u64 = 1024 * 1024;
    let server = local(Config::with_seed(Seed::demo_with_generated_clients(5_000))).await;
    let tap = Tap::start(&server).await;
    let whole = client(tap.base_url())
        .list_clients()
        .workspace_id(demo::WORKSPACE)
        .send()
        .await
        .expect("uncapped, it lists");
    assert_eq!(whole.len(), 5_000);
    let seen = tap.one();
    let on_the_wire = seen.answer_body.len() as u64;
    let decompressed = seen.answer().len() as u64;
    assert!(
        on_the_wire < CAP / 4 && decompressed > CAP,
        "{on_the_wire} bytes on the wire, {decompressed} decompressed"
    );
    let capped = builder(tap.base_url())
        .max_response_bytes(CAP)
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
