//! Credentials only where they belong, tried against hostile local servers:
//! no plain HTTP off this machine, no redirect followed, an absurd
//! `Retry-After` read as the date it is, a token file only its owner can
//! read, and a mirror folder that is this user's alone.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::commands::{output, stderr, temp_dir};

const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;

/// The binary with `env` and `args`, nothing else from this environment.
async fn toggl(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_WORKSPACE_ID", "1234567");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    output(cmd).await
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_off_this_machine_is_refused_before_anything_is_sent() {
    let o = toggl(
        &[
            ("TOGGL_API_TOKEN", TOKEN),
            ("TOGGL_BASE_URL", "http://example.com/api/v9"),
        ],
        &["list"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("example.com") && err.contains("--allow-insecure-http"),
        "{err}"
    );
    assert!(!err.contains(TOKEN), "{err}");
    // Loopback stays open: the local service on 127.0.0.1 and by name.
    let server = toggl_track_local_service::start(toggl_track_local_service::Config::demo())
        .await
        .expect("service");
    let by_name = server.base_url().replace("127.0.0.1", "localhost");
    for url in [server.base_url(), by_name.as_str()] {
        let o = toggl(
            &[("TOGGL_API_TOKEN", TOKEN), ("TOGGL_BASE_URL", url)],
            &["list"],
        )
        .await;
        assert!(o.status.success(), "{url}: {}", stderr(&o));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_is_an_error_naming_where_it_pointed_and_is_not_followed() {
    // A hand-made server: no Toggl would send anyone here; it stands for the
    // other host a redirect points to, and must hear nothing.
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let target = format!("{}/api/v9/workspaces/1234567/clients", elsewhere.uri());
    // A hand-made server: no Toggl would send a redirect to another host.
    let api = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("Location", target.as_str()))
        .mount(&api)
        .await;
    let o = toggl(
        &[
            ("TOGGL_API_TOKEN", TOKEN),
            ("TOGGL_BASE_URL", &format!("{}/api/v9", api.uri())),
        ],
        &["list"],
    )
    .await;
    assert_ne!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&target) && err.contains("302"), "{err}");
    assert!(err.contains("redirects are not followed"), "{err}");
    elsewhere.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_date_far_ahead_is_shown_as_a_date_at_once() {
    // A hand-made server: no Toggl would send a `Retry-After` date decades
    // ahead (Toggl is not known to send `Retry-After` at all, and the local
    // service sends it only as seconds).
    let api = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT")
                .set_body_string("<html><title>429 Too Many Requests</title></html>"),
        )
        .mount(&api)
        .await;
    let started = std::time::Instant::now();
    let o = toggl(
        &[
            ("TOGGL_API_TOKEN", TOKEN),
            ("TOGGL_BASE_URL", &format!("{}/api/v9", api.uri())),
        ],
        &["list"],
    )
    .await;
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("the service takes requests again at 2099-10-21 07:28:00 UTC"),
        "{err}"
    );
    assert!(!err.contains("2300"), "no absurd count of seconds: {err}");
    // Not waited for: the answer came once, and the command ended.
    assert_eq!(api.received_requests().await.map_or(0, |r| r.len()), 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[cfg(unix)]
fn write_mode(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_token_file_is_read_only_when_its_owner_alone_can_read_it() {
    let server = toggl_track_local_service::start(toggl_track_local_service::Config::demo())
        .await
        .expect("service");
    let dir = temp_dir("sec-token");
    let file = dir.join("token");
    let path = file.to_str().expect("utf-8");
    write_mode(&file, &format!("{TOKEN}\n"), 0o600);
    let o = toggl(
        &[("TOGGL_BASE_URL", server.base_url())],
        &["--token-file", path, "list"],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    write_mode(&file, &format!("{TOKEN}\n"), 0o644);
    let before = server.requests();
    let o = toggl(
        &[("TOGGL_BASE_URL", server.base_url())],
        &["--token-file", path, "list"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("0644") && err.contains("chmod 600"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    assert_eq!(server.requests(), before, "nothing sent");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_mirror_folder_others_may_write_to_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let server = toggl_track_local_service::start(toggl_track_local_service::Config::demo())
        .await
        .expect("service");
    let dir = temp_dir("sec-mirror-open");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let env = [
        ("TOGGL_API_TOKEN", TOKEN),
        ("TOGGL_BASE_URL", server.base_url()),
        ("TOGGL_CLIENTS_DATA_DIR", dir.to_str().expect("utf-8")),
    ];
    // A command that only keeps the mirror current warns once and goes on.
    let o = toggl(&env, &["list"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches("warning: the mirror is not kept current: not using the folder")
            .count(),
        1,
        "{err}"
    );
    // One that needs it fails, saying why.
    let o = toggl(&env, &["list", "--max-age", "10m"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("may write"), "{}", stderr(&o));
    assert!(
        err.contains(dir.to_str().expect("utf-8")) && err.contains("may write"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "nothing written"
    );
    // A folder of its own is created owner-only.
    let fresh = dir.join("fresh");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let env = [
        ("TOGGL_API_TOKEN", TOKEN),
        ("TOGGL_BASE_URL", server.base_url()),
        ("TOGGL_CLIENTS_DATA_DIR", fresh.to_str().expect("utf-8")),
    ];
    assert!(
        toggl(&env, &["list", "--max-age", "10m"])
            .await
            .status
            .success()
    );
    let mode = std::fs::metadata(&fresh)
        .expect("made")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
}
