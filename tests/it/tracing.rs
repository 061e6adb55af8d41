//! What the client logs: one span per operation (operation, method, path
//! template, workspace), an event per attempt (status, request id, quota),
//! warnings for retries and a low quota; bodies only at trace level, and
//! never a credential.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use toggl_track_api::config::{Jitter, RetryPolicy};
use toggl_track_api::{Client, Credentials};
use toggl_track_local_service::{Config, LocalService, Seed, SeedClient, demo};
use tracing_subscriber::fmt::MakeWriter;

use crate::common::{WORKSPACE, local};

const TOKEN: &str = "9f8e7d6c5b4a39281706tracingtoken";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// The demo service, its user signing in with [`TOKEN`], a quota of five
/// requests and a client whose name must not be logged above trace level.
async fn service() -> LocalService {
    let mut seed = Seed::demo();
    for user in seed.users.iter_mut().filter(|u| u.id == demo::USER_ID) {
        user.api_token = TOKEN.to_owned();
    }
    seed.clients.push(SeedClient {
        id: 61239001,
        wid: WORKSPACE,
        name: "Secretive Corp".to_owned(),
        archived: false,
        notes: None,
        external_reference: None,
        creator_id: demo::USER_ID,
        at: None,
    });
    let mut config = Config::with_seed(seed);
    config.hourly_quota = Some(5);
    local(config).await
}

/// Runs a list that fails once with 503 and then succeeds with a low
/// quota (4 left), logging at `level`; returns what was logged and the
/// successful answer's request id.
async fn logged(level: &str) -> (String, String) {
    let server = service().await;
    server.faults().fail_next(503, 1);
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "toggl_track_api={level}"
        )))
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let api = Client::builder(Credentials::api_token(TOKEN))
        .base_url(server.base_url())
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(5))
                .jitter(Jitter::None),
        )
        .build()
        .expect("builds");
    let listed = api
        .list_clients()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .expect("succeeds on the second attempt");
    let request_id = listed.meta().request_id.clone().expect("a request id");
    (captured.text(), request_id)
}

fn assert_no_secret(text: &str) {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN}:api_token"));
    assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
    assert!(
        !text.contains(&encoded),
        "the encoded token leaked:\n{text}"
    );
    assert!(
        !text.to_lowercase().contains("authorization"),
        "a header leaked:\n{text}"
    );
}

#[tokio::test]
async fn debug_logs_a_line_per_attempt_with_what_a_user_needs() {
    let (text, request_id) = logged("debug").await;
    let responses: Vec<&str> = text.lines().filter(|l| l.contains(" response ")).collect();
    assert_eq!(responses.len(), 2, "one line per attempt:\n{text}");
    let last = responses[1];
    let request_id_field = format!("request_id=\"{request_id}\"");
    for needle in [
        "operation=\"list_clients\"",
        "method=\"GET\"",
        "path=\"/workspaces/{workspace_id}/clients\"",
        "workspace_id=1234567",
        "attempt=2",
        "status=200",
        request_id_field.as_str(),
        "quota_remaining=4",
    ] {
        assert!(last.contains(needle), "{needle} missing from: {last}");
    }
    assert!(responses[0].contains("status=503"), "{text}");
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("retrying") && w.contains("status=503")),
        "{text}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("running low") && w.contains("quota_remaining=4")),
        "{text}"
    );
    assert!(
        !text.contains("Secretive Corp"),
        "no body above trace:\n{text}"
    );
    assert_no_secret(&text);
}

#[tokio::test]
async fn trace_adds_the_body_and_still_no_credential() {
    let (text, _) = logged("trace").await;
    assert!(text.contains("Secretive Corp"), "{text}");
    assert_no_secret(&text);
}

#[tokio::test]
async fn info_and_above_stay_quiet_but_for_warnings() {
    let (text, _) = logged("info").await;
    assert!(text.lines().all(|l| l.contains("WARN")), "{text}");
}
