//! The built binary against a local mock service started by each test: every
//! command, every output format, and each error path with its exit code.

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use toggl_track_mock::{Config, MockServer};

const WS: &str = "1234567";

async fn service(config: Config) -> MockServer {
    toggl_track_mock::start(config)
        .await
        .expect("service starts")
}

/// Runs the binary with the demo user's token against `server`.
async fn run(server: &MockServer, args: &[&str]) -> Output {
    run_as(server, "demo-api-token", args).await
}

async fn run_as(server: &MockServer, token: &str, args: &[&str]) -> Output {
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .env("TOGGL_API_TOKEN", token)
        .env("TOGGL_WORKSPACE_ID", WS)
        .env("TOGGL_BASE_URL", server.base_url())
        .args(args);
    // The service runs on this test's runtime; the command waits elsewhere.
    tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(o)
    );
    stdout(o)
}

fn failed(o: &Output, code: i32, needle: &str) {
    assert_eq!(o.status.code(), Some(code), "{}{}", stdout(o), stderr(o));
    let err = stderr(o);
    assert!(
        err.starts_with("error: ") && err.trim_end().lines().count() == 1,
        "one line: {err}"
    );
    assert!(err.to_lowercase().contains(&needle.to_lowercase()), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("Error {"),
        "no debug dump: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_in_every_format() {
    let server = service(Config::demo()).await;
    let table = ok(&run(&server, &["list", "--status", "both"]).await);
    assert!(
        table.contains("Acme Corporation")
            && table.contains("Initech")
            && table.contains("3 client(s)"),
        "{table}"
    );
    assert!(table.contains("┆ archived ┆"), "{table}");

    let json: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "list", "--name", "GLOB"],
    )
    .await))
    .expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(1));
    assert_eq!(json[0]["name"], "Globex");

    let csv = ok(&run(&server, &["--output", "csv", "list"]).await);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,name,status,notes,external_reference,changed,creator_id"
    );
    assert!(
        lines[1].starts_with(
            "61234001,Acme Corporation,active,Invoices go to the finance office.,CRM-0042,"
        ),
        "{csv}"
    );
    assert_eq!(lines.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_get_update_delete_in_every_format() {
    let server = service(Config::demo()).await;
    let created: Value = serde_json::from_str(&ok(&run(
        &server,
        &[
            "-o",
            "json",
            "create",
            "--name",
            "Hooli",
            "--notes",
            "Net 30",
            "--external-reference",
            "CRM-9",
        ],
    )
    .await))
    .expect("json");
    let id = created["id"].as_u64().expect("id").to_string();
    assert_eq!(created["external_reference"], "CRM-9");

    let table = ok(&run(&server, &["get", &id]).await);
    assert!(
        table.contains("Hooli") && table.contains("Net 30"),
        "{table}"
    );
    let csv = ok(&run(&server, &["-o", "csv", "get", &id]).await);
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&format!("{id},Hooli,active,Net 30,CRM-9,"))),
        "{csv}"
    );

    let updated = ok(&run(&server, &["update", &id, "--name", "Hooli XYZ"]).await);
    assert!(updated.contains("Hooli XYZ"), "{updated}");
    let json: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "update", &id, "--notes", "Net 60"],
    )
    .await))
    .expect("json");
    assert_eq!(json["notes"], "Net 60");

    assert_eq!(
        ok(&run(&server, &["delete", &id]).await).trim(),
        format!("deleted client(s) {id}")
    );
    failed(
        &run(&server, &["get", &id]).await,
        4,
        &format!("No client with ID {id} was found"),
    );
    let created = ok(&run(&server, &["-o", "csv", "create", "--name", "Gone soon"]).await);
    let id = created
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .expect("id")
        .to_owned();
    let json: Value =
        serde_json::from_str(&ok(&run(&server, &["-o", "json", "delete", &id]).await))
            .expect("json");
    assert_eq!(json["deleted"][0].to_string(), id);
    assert_eq!(
        ok(&run(&server, &["-o", "csv", "delete", "61234002"]).await),
        "deleted\n61234002\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn archive_and_restore_in_every_format() {
    let server = service(Config::demo()).await;
    let text = ok(&run(&server, &["archive", "61234001"]).await);
    assert_eq!(
        text.trim(),
        "archived client 61234001 with 2 project(s): 201234501, 201234502"
    );
    let restored = ok(&run(&server, &["restore", "61234001", "--project", "201234502"]).await);
    assert!(restored.contains("active"), "{restored}");
    assert_eq!(server.project_active(201234501), Some(false));
    assert_eq!(server.project_active(201234502), Some(true));

    let json: Value =
        serde_json::from_str(&ok(
            &run(&server, &["-o", "json", "archive", "61234001"]).await
        ))
        .expect("json");
    assert_eq!(
        json,
        serde_json::json!([{"client_id": 61234001, "archived_project_ids": [201234502]}])
    );
    let restored: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "restore", "61234001", "--all-projects"],
    )
    .await))
    .expect("json");
    assert_eq!(restored["archived"], false);
    assert_eq!(server.project_active(201234501), Some(true));

    let csv = ok(&run(&server, &["-o", "csv", "archive", "61234002"]).await);
    assert_eq!(csv, "client_id,archived_project_id\n61234002,201234503\n");
    let csv = ok(&run(&server, &["-o", "csv", "restore", "61234002"]).await);
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("61234002,Globex,active")),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn error_paths_have_their_exit_codes() {
    let server = service(Config::demo()).await;
    // No credentials at all.
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["list", "-w", WS]);
    let none = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined");
    failed(&none, 3, "no credentials");

    failed(
        &run_as(&server, "wrong-token", &["list"]).await,
        3,
        "forbidden",
    );
    failed(
        &run(&server, &["get", "999"]).await,
        4,
        "not found: No client with ID 999 was found",
    );
    failed(
        &run(&server, &["create", "--name", "  "]).await,
        1,
        "Client name cannot be empty",
    );
    failed(&run(&server, &["get", "0"]).await, 2, "ids start at 1");
    failed(
        &run(&server, &["update", "61234001"]).await,
        2,
        "nothing to change",
    );
    // Invalid flag values are usage errors, refused before any request.
    let bad = run(&server, &["list", "--status", "all"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid value 'all'"),
        "{}",
        stderr(&bad)
    );
    // Archiving on a free workspace needs a paid plan.
    let free = run(&server, &["-w", "2345678", "archive", "61234004"]).await;
    failed(&free, 1, "paid");
    // The service failing: an injected 500 on a create (not retried).
    server.faults().fail_next(500, 1);
    failed(
        &run(&server, &["create", "--name", "During an outage"]).await,
        6,
        "the service failed",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_used_up_quota_is_exit_5_with_the_time_to_wait() {
    let mut config = Config::demo();
    config.hourly_quota = Some(1);
    let server = service(config).await;
    ok(&run(&server, &["list"]).await);
    let o = run(&server, &["list"]).await;
    failed(&o, 5, "the hourly request quota is used up; it resets in");
    assert!(stderr(&o).contains("request id"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn email_and_password_from_the_environment() {
    let server = service(Config::demo()).await;
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .env("TOGGL_EMAIL", "ada@example.com")
        .env("TOGGL_PASSWORD", "demo-password")
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["-w", WS, "-o", "json", "list"]);
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined");
    assert!(serde_json::from_str::<Value>(&ok(&o)).is_ok_and(|v| v.is_array()));
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .env("TOGGL_EMAIL", "ada@example.com")
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["-w", WS, "list"]);
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined");
    failed(&o, 3, "no password");
}

#[test]
fn mock_demo_completions_help_and_version() {
    let demo = Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .arg("demo")
        .output()
        .expect("runs");
    let out = ok(&demo);
    assert!(
        out.contains("local mock service") && out.contains("All seven operations done."),
        "{out}"
    );
    for step in [
        "list:", "create:", "get:", "update:", "archive:", "restore:", "delete:",
    ] {
        assert!(out.contains(step), "{step} in {out}");
    }
    let mock = Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .args(["--mock", "-o", "json", "get", "61234002"])
        .output()
        .expect("runs");
    assert_eq!(
        serde_json::from_str::<Value>(&ok(&mock)).expect("json")["name"],
        "Globex"
    );

    let bash = Command::cargo_bin("toggl-clients")
        .expect("built")
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    let script = ok(&bash);
    assert!(
        script.contains("_toggl__clients()") && script.contains("complete -F"),
        "{script}"
    );
    let help = ok(&Command::cargo_bin("toggl-clients")
        .expect("built")
        .arg("--help")
        .output()
        .expect("runs"));
    for needle in [
        "Exit codes:",
        "4  not found",
        "Examples:",
        "toggl-clients demo",
        "TOGGL_API_TOKEN",
    ] {
        assert!(help.contains(needle), "{needle} in {help}");
    }
    let version = ok(&Command::cargo_bin("toggl-clients")
        .expect("built")
        .arg("--version")
        .output()
        .expect("runs"));
    assert!(version.starts_with("toggl-clients "), "{version}");
}

#[test]
fn secrets_stay_out_of_errors() {
    let o = Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .args([
            "--token",
            "tok_s3cr3t_value",
            "--base-url",
            "http://127.0.0.1:9/api/v9",
            "-w",
            WS,
            "list",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(6));
    assert!(!stderr(&o).contains("tok_s3cr3t_value"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn several_ids_use_the_bulk_endpoints() {
    let server = service(Config::demo()).await;
    let refused = run(&server, &["archive", "61234001", "999"]).await;
    failed(&refused, 4, "No client with ID 999 was found");
    assert_eq!(
        server.project_active(201234501),
        Some(true),
        "all or nothing"
    );
    let json: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "archive", "61234001", "61234002"],
    )
    .await))
    .expect("json");
    assert_eq!(
        json,
        serde_json::json!([
            {"client_id": 61234001, "archived_project_ids": [201234501, 201234502]},
            {"client_id": 61234002, "archived_project_ids": [201234503]}
        ])
    );
    let csv = ok(&run(&server, &["-o", "csv", "delete", "61234001", "61234003"]).await);
    assert_eq!(csv, "deleted\n61234001\n61234003\n");
    let left: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "list", "--status", "both"],
    )
    .await))
    .expect("json");
    assert_eq!(left.as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn list_since_shows_changes_and_deletions() {
    let server = service(Config::demo()).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let since = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970"))
    .as_secs()
    .to_string();
    ok(&run(&server, &["update", "61234001", "--notes", "changed"]).await);
    ok(&run(&server, &["delete", "61234002"]).await);
    let table = ok(&run(&server, &["list", "--since", &since]).await);
    assert!(
        table.contains("Acme Corporation")
            && table.contains("deleted")
            && table.contains("2 client(s)"),
        "{table}"
    );
    assert!(
        !table.contains("Initech"),
        "unchanged ones are left out: {table}"
    );
    let all = ok(&run(
        &server,
        &["-o", "csv", "list", "--since", "1970-01-01T00:00:00Z"],
    )
    .await);
    assert_eq!(all.lines().count(), 1 + 3, "{all}");
    let bad = run(&server, &["list", "--since", "yesterday"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("UNIX seconds or an RFC 3339 time"),
        "{}",
        stderr(&bad)
    );
}
