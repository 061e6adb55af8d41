//! The built binary against a local service started by each test: every
//! command, every output format, and each error path with its exit code.

use std::process::Output;

use assert_cmd::Command;
#[cfg(target_os = "linux")]
use rusty_fork::rusty_fork_test;
use serde_json::Value;
use toggl_track_api::error::sentences::NO_CLIENT_WITH_ID;
use toggl_track_local_service::{Config, LocalService};

/// The demo workspace, as the tool takes it.
fn ws() -> String {
    toggl_track_local_service::demo::WORKSPACE.to_string()
}
const TOKEN: &str = toggl_track_local_service::demo::API_TOKEN;

async fn service(config: Config) -> LocalService {
    toggl_track_local_service::start(config)
        .await
        .expect("service starts")
}

/// Runs the binary with the demo user's token against `server`.
async fn run(server: &LocalService, args: &[&str]) -> Output {
    run_as(server, TOKEN, args).await
}

async fn run_as(server: &LocalService, token: &str, args: &[&str]) -> Output {
    output(tool(server, token, args)).await
}

/// The binary, set up to run against `server` as the user of `token`.
fn tool(server: &LocalService, token: &str, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", token)
        .env("TOGGL_WORKSPACE_ID", ws())
        .env("TOGGL_BASE_URL", server.base_url())
        .args(args);
    cmd
}

/// Runs `cmd` to its end. The service runs on this test's runtime; the
/// command waits elsewhere.
pub(crate) async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
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
    // Piped: plain aligned columns, no lines drawn.
    assert!(
        table.contains("ARCHIVED") && table.contains(" true "),
        "{table}"
    );
    assert!(
        !table.contains('┆') && !table.contains('│') && !table.contains('─'),
        "{table}"
    );

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
        "id,name,archived,notes,external_reference,at,creator_id"
    );
    assert!(
        lines[1].starts_with(
            "61234001,Acme Corporation,false,Invoices go to the finance office.,CRM-0042,"
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
            .is_some_and(|l| l.starts_with(&format!("{id},Hooli,false,Net 30,CRM-9,"))),
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
        &NO_CLIENT_WITH_ID.fill(&[&id]),
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
    let o = run(&server, &["restore", "61234001", "--project", "201234502"]).await;
    let restored = ok(&o);
    assert!(restored.contains(" false "), "{restored}");
    assert!(
        stderr(&o).contains("restored Acme Corporation with project(s) 201234502"),
        "{}",
        stderr(&o)
    );
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
            .is_some_and(|l| l.starts_with("61234002,Globex,false")),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn error_paths_have_their_exit_codes() {
    let server = service(Config::demo()).await;
    // No credentials at all.
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["list", "-w", &ws()]);
    let none = output(cmd).await;
    failed(&none, 3, "no credentials");

    failed(
        &run_as(&server, "wrong-token", &["list"]).await,
        3,
        "forbidden",
    );
    failed(
        &run(&server, &["get", "999"]).await,
        4,
        &format!("not found: {}", NO_CLIENT_WITH_ID.fill(&[&999])),
    );
    // A blank name is the tool's refusal, before any request (the
    // service's own sentence for it is the classifier's, tested there).
    let before = server.requests();
    let o = run(&server, &["create", "--name", "  "]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the name is empty"), "{}", stderr(&o));
    assert_eq!(server.requests(), before);
    // Ids of 0 are refused while parsing the flags, before any request.
    let before = server.requests();
    for args in [
        &["get", "0"][..],
        &["-w", "0", "list"],
        &["delete", "5", "0"],
    ] {
        let o = run(&server, args).await;
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).starts_with("error: invalid value '0'")
                && stderr(&o).contains("ids start at 1"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(server.requests(), before);
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
    let free = run(
        &server,
        &[
            "-w",
            &toggl_track_local_service::demo::FREE_WORKSPACE.to_string(),
            "archive",
            "61234004",
        ],
    )
    .await;
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
        .envs(crate::isolated_home())
        .env("TOGGL_EMAIL", "ada@example.com")
        .env("TOGGL_PASSWORD", "demo-password")
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["-w", &ws(), "-o", "json", "list"]);
    let o = output(cmd).await;
    assert!(serde_json::from_str::<Value>(&ok(&o)).is_ok_and(|v| v.is_array()));
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_EMAIL", "ada@example.com")
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["-w", &ws(), "list"]);
    let o = output(cmd).await;
    failed(&o, 3, "no password");
}

#[test]
fn local_service_demo_completions_help_and_version() {
    let demo = Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .envs(crate::isolated_home())
        .arg("demo")
        .output()
        .expect("runs");
    let out = ok(&demo);
    assert!(
        out.contains("local service at") && out.contains("All seven operations done."),
        "{out}"
    );
    for step in [
        "list:", "create:", "get:", "update:", "archive:", "restore:", "delete:",
    ] {
        assert!(out.contains(step), "{step} in {out}");
    }
    let local = Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .envs(crate::isolated_home())
        .args(["--local-service", "-o", "json", "get", "61234002"])
        .output()
        .expect("runs");
    assert_eq!(
        serde_json::from_str::<Value>(&ok(&local)).expect("json")["name"],
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
        .envs(crate::isolated_home())
        .args([
            "--token",
            "tok_s3cr3t_value",
            "--base-url",
            "http://127.0.0.1:9/api/v9",
            "-w",
            &ws(),
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
    failed(&refused, 4, &NO_CLIENT_WITH_ID.fill(&[&999]));
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
    let csv = ok(&run(
        &server,
        &["-o", "csv", "delete", "--yes", "61234001", "61234003"],
    )
    .await);
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
    // `since` a second after the seed's clients, and the changes two
    // seconds after it by the service's clock: no waiting.
    let since = (server.clock().now().timestamp() + 1).to_string();
    server.clock().advance(chrono::Duration::seconds(2));
    ok(&run(&server, &["update", "61234001", "--notes", "changed"]).await);
    ok(&run(&server, &["delete", "61234002"]).await);
    let table = ok(&run(&server, &["list", "--since", &since]).await);
    assert!(
        table.contains("Acme Corporation")
            && table.contains("SERVER DELETED AT")
            && table.contains("2 client(s)"),
        "{table}"
    );
    assert!(
        !table.contains("Initech"),
        "unchanged ones are left out: {table}"
    );
    // Further back than Toggl keeps changes: refused, with the way out.
    failed(
        &run(
            &server,
            &["-o", "csv", "list", "--since", "1970-01-01T00:00:00Z"],
        )
        .await,
        1,
        "list everything with `list --status both`",
    );
    let bad = run(&server, &["list", "--since", "yesterday"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("how long ago (1h, 2d)"),
        "{}",
        stderr(&bad)
    );
}

/// A command run with the mirror in `dir`, as its default folder.
async fn run_cached(server: &LocalService, dir: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = tool(server, TOKEN, args);
    cmd.env("TOGGL_CLIENTS_DATA_DIR", dir);
    output(cmd).await
}

/// How many active clients' names start with `prefix`, as `list` says.
async fn clients_named(server: &LocalService, prefix: &str) -> usize {
    let listed: Value =
        serde_json::from_str(&ok(&run(server, &["-o", "json", "list"]).await)).expect("json");
    listed
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
        .count()
}

pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("toggl-clients-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_creates_changes_and_archives_with_the_fewest_requests() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("apply");
    // The export a user edits: Acme's notes changed, Globex to be archived,
    // three new clients; Initech (archived) stays as it is.
    let exported = ok(&run(&server, &["-o", "csv", "list", "--status", "both"]).await);
    let edited: String = exported
        .lines()
        .map(|line| {
            if line.starts_with("61234001,") {
                line.replace("Invoices go to the finance office.", "Net 60")
            } else if line.starts_with("61234002,") {
                line.replace(",false,", ",true,")
            } else {
                line.to_owned()
            }
        })
        .chain([
            ",Hooli,,,,,".to_owned(),
            ",Pied Piper,,Compression,,,".to_owned(),
            ",Soylent,,,CRM-7,,".to_owned(),
        ])
        .map(|l| l + "\n")
        .collect();
    let file = dir.join("clients.csv");
    std::fs::write(&file, &edited).expect("write");
    let file = file.to_str().expect("utf-8");

    // The dry run costs the read and changes nothing.
    let before = server.requests();
    let plan = ok(&run(&server, &["apply", file, "--dry-run"]).await);
    assert_eq!(server.requests() - before, 1);
    assert!(
        plan.contains("5 change(s): 1 request(s) sent to read, 5 more to write"),
        "{plan}"
    );
    assert!(
        plan.contains(" create ") && plan.contains(" archive ") && plan.contains("notes"),
        "{plan}"
    );
    let unchanged = ok(&run(&server, &["-o", "csv", "list", "--status", "both"]).await);
    assert_eq!(unchanged, exported);

    // 1 read + 3 creates + 1 update + 1 bulk archive.
    let before = server.requests();
    let report: Value =
        serde_json::from_str(&ok(&run(&server, &["-o", "json", "apply", file]).await))
            .expect("json");
    assert_eq!(server.requests() - before, 6);
    assert_eq!(
        (report["requests"].as_u64(), report["applied"].as_u64()),
        (Some(6), Some(5))
    );
    let after: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "list", "--status", "both"],
    )
    .await))
    .expect("json");
    let find = |name: &str| {
        after
            .as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(find("Acme Corporation")["notes"], "Net 60");
    assert_eq!(find("Globex")["archived"], true);
    assert_eq!(find("Pied Piper")["notes"], "Compression");
    assert_eq!(find("Soylent")["external_reference"], "CRM-7");

    // Applying the same file again costs its one read and changes nothing.
    let before = server.requests();
    let again = ok(&run(&server, &["apply", file]).await);
    assert_eq!(server.requests() - before, 1);
    assert!(again.contains("nothing to change"), "{again}");

    // --prune deletes what the file leaves out, in one bulk request.
    let short = dir.join("short.csv");
    std::fs::write(&short, "name\nAcme Corporation\nGlobex\n").expect("write");
    let pruned = ok(&run(
        &server,
        &[
            "apply",
            short.to_str().expect("utf-8"),
            "--prune",
            "--dry-run",
        ],
    )
    .await);
    assert!(
        pruned.contains(" delete ") && pruned.contains("Hooli"),
        "{pruned}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_reads_a_json_export_from_stdin() {
    let server = service(Config::demo()).await;
    let exported = ok(&run(&server, &["-o", "json", "list", "--status", "both"]).await);
    let mut rows: Vec<Value> = serde_json::from_str(&exported).expect("json");
    rows[0]["notes"] = Value::String("Net 90".into());
    let mut cmd = tool(&server, TOKEN, &["-o", "json", "apply", "-", "--dry-run"]);
    cmd.write_stdin(serde_json::to_vec(&rows).expect("json"));
    let o = output(cmd).await;
    let report: Value = serde_json::from_str(&ok(&o)).expect("json");
    let plan = report["plan"].as_array().expect("plan");
    assert_eq!(plan.len(), 1, "{report}");
    assert_eq!(
        (plan[0]["action"].as_str(), plan[0]["detail"].as_str()),
        (Some("update"), Some("notes"))
    );
    // A broken item is named before any request.
    let before = server.requests();
    let mut cmd = tool(&server, TOKEN, &["apply", "-"]);
    cmd.write_stdin(r#"[{"name": "Fine"}, {"name": ["not", "a", "name"]}]"#);
    let o = output(cmd).await;
    failed(&o, 2, "-: item 2: not a client: invalid type");
    assert_eq!(server.requests(), before);
}

/// Hands `text` to the next reader of the named pipe `fifo`, waiting up to
/// ten seconds for one to open it.
#[cfg(unix)]
async fn feed_fifo(fifo: &std::path::Path, text: &'static str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        // Without a reader, a non-blocking open for writing fails (ENXIO).
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo)
        {
            Ok(mut pipe) => return pipe.write_all(text.as_bytes()).expect("written"),
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no reader opened {fifo:?}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            Err(e) => panic!("cannot open {fifo:?}: {e}"),
        }
    }
}

/// `apply` reads its file twice (checked, then planned after the list); a
/// file that reads differently the second time is refused, nothing written.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn apply_refuses_a_file_edited_between_its_two_readings() {
    let server = service(Config::demo()).await;
    let fifo = temp_dir("apply-edited").join("clients.csv");
    let path = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0, "mkfifo");
    let before = server.requests();
    let applying = tokio::spawn(output(tool(
        &server,
        TOKEN,
        &["apply", fifo.to_str().expect("utf-8")],
    )));
    feed_fifo(&fifo, "name\nHooli\nInitech\n").await;
    // The list request comes after the first reading ends.
    while server.requests() == before && !applying.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // The second reading names "Hooli" twice, which the check would refuse.
    feed_fifo(&fifo, "name\nHooli\nHOOLI\n").await;
    let o = applying.await.expect("joined");
    failed(&o, 2, "the file changed while apply was reading it");
    assert_eq!(server.requests(), before + 1, "only the list was sent");
    assert!(
        !ok(&run(&server, &["list"]).await).contains("Hooli"),
        "nothing was created"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_refuses_a_bad_file_before_any_request_naming_the_line() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("apply-bad");
    for (content, needle) in [
        ("name\nAcme\n \n", "line 3: the name is empty"),
        (
            "name\nAcme\nACME\n",
            "line 3: the name \"ACME\" is also on line 2",
        ),
        (
            &format!("name\n{}\n", "x".repeat(256)) as &str,
            "line 2: the name is 256 bytes long",
        ),
        ("id,name\n0,Acme\n", "line 2: id \"0\" is not an id"),
        ("[{\"name\": \"\"}]", "item 1: the name is empty"),
    ] {
        let file = dir.join("bad.csv");
        std::fs::write(&file, content).expect("write");
        let before = server.requests();
        failed(
            &run(&server, &["apply", file.to_str().expect("utf-8")]).await,
            2,
            needle,
        );
        assert_eq!(server.requests(), before, "nothing sent for {needle}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_does_not_start_a_plan_the_quota_cannot_cover() {
    let mut config = Config::demo();
    config.hourly_quota = Some(3);
    let server = service(config).await;
    let dir = temp_dir("apply-quota");
    let file = dir.join("new.csv");
    std::fs::write(&file, "name\nA1\nA2\nA3\n").expect("write");
    let o = run(&server, &["apply", file.to_str().expect("utf-8")]).await;
    failed(
        &o,
        5,
        "the plan needs 3 request(s) and 2 are left in this hour's quota",
    );
    assert!(stderr(&o).contains("With --wait"), "{}", stderr(&o));
    let listed = ok(&run(&server, &["-o", "csv", "list"]).await);
    assert!(!listed.contains("A1"), "nothing created: {listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_with_max_age_answers_twice_for_one_request() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("cache");
    let before = server.requests();
    // The first read fills the mirror (one `GET /me` to learn whose it is,
    // and one full read), the second costs nothing; archived clients are
    // in the mirror too.
    let first = ok(&run_cached(&server, &dir, &["list", "--max-age", "10m"]).await);
    let second = ok(&run_cached(&server, &dir, &["list", "--max-age", "10m"]).await);
    assert_eq!(first, second);
    let archived = ok(&run_cached(
        &server,
        &dir,
        &["list", "--status", "archived", "--max-age", "10m"],
    )
    .await);
    assert!(archived.contains("Initech"), "{archived}");
    assert_eq!(server.requests() - before, 2);
    // A client listed is a client held, for `get` too.
    ok(&run_cached(&server, &dir, &["get", "61234001", "--max-age", "10m"]).await);
    assert_eq!(server.requests() - before, 2);
    // A write through the tool keeps the mirror current with its answer.
    ok(&run_cached(&server, &dir, &["update", "61234001", "--notes", "fresh"]).await);
    let third = ok(&run_cached(&server, &dir, &["list", "--max-age", "10m"]).await);
    assert!(third.contains("fresh"), "{third}");
    assert_eq!(server.requests() - before, 3);
    // Without --max-age: today's behaviour, a request each time.
    ok(&run_cached(&server, &dir, &["list"]).await);
    assert_eq!(server.requests() - before, 4);
    // The mirror holds no credential and is its owner's alone.
    for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
        let bytes = std::fs::read(entry.path()).expect("readable");
        assert!(!String::from_utf8_lossy(&bytes).contains(TOKEN));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                entry.metadata().expect("meta").permissions().mode() & 0o777,
                0o600
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_is_known_without_asking_and_refreshed_for_one_request() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("quota");
    let before = server.requests();
    let unknown = ok(&run_cached(&server, &dir, &["quota"]).await);
    assert!(unknown.contains("unknown"), "{unknown}");
    ok(&run_cached(&server, &dir, &["list"]).await);
    let known = ok(&run_cached(&server, &dir, &["-o", "json", "quota"]).await);
    assert_eq!(server.requests() - before, 1, "quota costs nothing");
    let doc: Value = serde_json::from_str(&known).expect("json");
    assert_eq!(doc["organization"]["remaining"], 599);
    // One request, to the quota endpoint, tells every quota.
    let sent = server.exchanges().len();
    let refreshed: Value = serde_json::from_str(&ok(&run_cached(
        &server,
        &dir,
        &["-o", "json", "quota", "--refresh"],
    )
    .await))
    .expect("json");
    assert_eq!(server.requests() - before, 2);
    let asked: Vec<String> = server.exchanges()[sent..]
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert_eq!(asked, ["GET /me/quota"]);
    assert_eq!(refreshed["organization"]["remaining"], 599);
    assert_eq!(refreshed["organizations"]["9000001"]["total"], 600);
    // The quota request itself counted against the user-level quota.
    assert_eq!(refreshed["user"]["remaining"], 29);
    assert_eq!(refreshed["user"]["total"], 30);
    let table = ok(&run_cached(&server, &dir, &["quota", "--refresh"]).await);
    assert!(!table.contains("unknown"), "{table}");
    assert!(
        table.contains("organization 9000001") && table.contains("user"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_if_missing_twice_gives_one_client() {
    let server = service(Config::demo()).await;
    for expected in ["created", "already there"] {
        let o = run(
            &server,
            &["-o", "json", "create", "--name", "Hooli", "--if-missing"],
        )
        .await;
        let client: Value = serde_json::from_str(&ok(&o)).expect("json");
        assert_eq!(client["name"], "Hooli");
        assert!(stderr(&o).contains(expected), "{}", stderr(&o));
    }
    // In any case, and archived clients count.
    let o = run(&server, &["create", "--name", "initech", "--if-missing"]).await;
    assert!(ok(&o).contains("61234003"));
    let listed = ok(&run(&server, &["-o", "csv", "list", "--name", "hooli"]).await);
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_that_never_answers_is_given_up_on_at_the_timeout() {
    let server = service(Config::demo()).await;
    server.faults().silence_next(10);
    let started = std::time::Instant::now();
    let o = run(&server, &["--timeout", "5s", "list"]).await;
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(6), "took {took:?}");
    failed(
        &o,
        6,
        "timed out: the operation ran out of its 5 s after 1 attempt(s)",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_names_its_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .args([
            "-w",
            &ws(),
            "--base-url",
            &format!("http://{addr}/api/v9"),
            "--timeout",
            "3s",
            "list",
        ]);
    let o = output(cmd).await;
    failed(&o, 6, "connection refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_answer_is_refused_unread() {
    let server = service(Config::demo()).await;
    server.faults().oversize_next(65 * 1024 * 1024);
    failed(
        &run(&server, &["list"]).await,
        6,
        "the response to list_clients is larger than 67108864 bytes",
    );
}

#[cfg(target_os = "linux")]
rusty_fork_test! {
    #[test]
    fn an_endless_answer_stops_at_the_cap_in_bounded_memory() {
        crate::alone(stop_an_endless_answer());
    }
}

#[cfg(target_os = "linux")]
async fn stop_an_endless_answer() {
    let server = service(Config::demo()).await;
    server.faults().endless_next();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("toggl-clients"));
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .env("TOGGL_WORKSPACE_ID", ws())
        .env("TOGGL_BASE_URL", server.base_url())
        .args(["--timeout", "60s", "list"]);
    let ran = tokio::task::spawn_blocking(move || crate::child::run(&mut cmd))
        .await
        .expect("joined");
    let (o, peak) = (ran.output, ran.peak);
    failed(&o, 6, "larger than 67108864 bytes");
    let cap = 64 * 1024 * 1024;
    eprintln!(
        "peak resident memory {} MiB against a cap of 64 MiB, stopped after {:.1} s",
        peak / (1024 * 1024),
        ran.wall.as_secs_f64()
    );
    assert!(
        peak < 2 * cap,
        "peak resident memory {peak} bytes, cap {cap}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_applies_of_one_file_at_once_both_succeed_and_make_each_client_once() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("apply-race");
    let names: Vec<String> = (1..=25).map(|i| format!("Raced {i:02}")).collect();
    let file = dir.join("new.csv");
    std::fs::write(&file, format!("name\n{}\n", names.join("\n"))).expect("write");
    let file = file.to_str().expect("utf-8");
    let args = ["-o", "json", "apply", file];
    let (a, b) = tokio::join!(run(&server, &args), run(&server, &args));
    for o in [&a, &b] {
        let report: Value = serde_json::from_str(&ok(o)).expect("json");
        // Every create ends with the client's id, made by this run or the other.
        let ids: Vec<u64> = report["plan"]
            .as_array()
            .expect("plan")
            .iter()
            .filter_map(|c| c["id"].as_u64())
            .collect();
        assert!(ids.len() <= 25 && ids.iter().all(|id| *id > 0), "{report}");
    }
    assert_eq!(clients_named(&server, "Raced ").await, 25);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_reports_the_ids_it_created_as_numbers() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("apply-ids");
    let file = dir.join("new.json");
    std::fs::write(
        &file,
        r#"[{"name": "Hooli"}, {"name": "Initech", "archived": true}]"#,
    )
    .expect("write");
    let file = file.to_str().expect("utf-8");
    let dry: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "apply", file, "--dry-run"],
    )
    .await))
    .expect("json");
    let create = dry["plan"]
        .as_array()
        .and_then(|p| p.iter().find(|c| c["action"] == "create"))
        .cloned()
        .expect("a create");
    assert!(create["id"].is_null(), "{dry}");
    let done: Value =
        serde_json::from_str(&ok(&run(&server, &["-o", "json", "apply", file]).await))
            .expect("json");
    let listed: Value = serde_json::from_str(&ok(&run(
        &server,
        &["-o", "json", "list", "--name", "Hooli"],
    )
    .await))
    .expect("json");
    let hooli = listed[0]["id"].as_u64().expect("Hooli exists");
    let reported = done["plan"]
        .as_array()
        .and_then(|p| p.iter().find(|c| c["action"] == "create"))
        .and_then(|c| c["id"].as_u64());
    assert_eq!(reported, Some(hooli), "{done}");
    let csv = ok(&run(&server, &["-o", "csv", "apply", file, "--dry-run"]).await);
    assert!(csv.starts_with("action,id,name,detail"), "{csv}");
}

#[test]
fn a_build_without_the_local_service_links_no_server() {
    // The crates a build of the tool links, with these feature flags.
    let tree = |features: &[&str]| {
        let o = std::process::Command::new(env!("CARGO"))
            .args([
                "tree",
                "-p",
                "toggl-clients",
                "-e",
                "normal",
                "--prefix",
                "none",
            ])
            .args(features)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let lean = tree(&["--no-default-features"]);
    assert!(lean.contains("toggl-track-api"), "{lean}");
    for server in ["axum ", "toggl-track-local-service "] {
        assert!(!lean.contains(server), "{server}in:\n{lean}");
    }
    // And the default build has it, for the demo.
    assert!(tree(&[]).contains("toggl-track-local-service "));
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_with_wait_finishes_a_job_larger_than_the_quota_across_windows() {
    let mut config = Config::demo();
    config.hourly_quota = Some(6);
    config.quota_window = std::time::Duration::from_secs(15);
    let server = service(config).await;
    let dir = temp_dir("apply-wait");
    let names: Vec<String> = (1..=14).map(|i| format!("Waited {i:02}")).collect();
    let file = dir.join("new.csv");
    std::fs::write(&file, format!("name\n{}\n", names.join("\n"))).expect("write");
    let file = file.to_str().expect("utf-8");
    // Without --wait: refused, with the way out and when the job would end.
    let o = run(&server, &["apply", file]).await;
    failed(&o, 5, "With --wait");
    assert!(
        stderr(&o).contains("quota windows, done around"),
        "{}",
        stderr(&o)
    );
    // With it: everything, and the service never had to refuse a request.
    let o = run(&server, &["apply", file, "--wait"]).await;
    let plan = ok(&o);
    assert!(plan.contains("quota windows"), "{plan}");
    assert!(
        stderr(&o).contains("waiting "),
        "one line per wait: {}",
        stderr(&o)
    );
    assert_eq!(clients_named(&server, "Waited ").await, 14);
    let refused: Vec<String> = server
        .exchanges()
        .iter()
        .filter(|e| e.status == 402)
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    // The first run's refusal was before any write; the second run's waits
    // kept every request within the quota.
    assert!(refused.is_empty(), "answered 402: {refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_requests_reported_are_the_ones_the_service_counted() {
    let server = service(Config::demo()).await;
    let dir = temp_dir("apply-counts");
    let file = dir.join("one.csv");
    std::fs::write(&file, "name\nCounted Co\n").expect("write");
    let file = file.to_str().expect("utf-8");

    // The list answered with two 503s before it: 3 requests, in both forms.
    server.faults().fail_next(503, 2);
    let before = server.requests();
    let table = ok(&run(&server, &["apply", file, "--dry-run"]).await);
    assert_eq!(server.requests() - before, 3);
    assert!(
        table.contains("1 change(s): 3 request(s) sent to read, 1 more to write"),
        "{table}"
    );
    server.faults().fail_next(503, 2);
    let before = server.requests();
    let o = run(&server, &["-o", "json", "apply", file, "--dry-run"]).await;
    let report: Value = serde_json::from_str(&ok(&o)).expect("json");
    assert_eq!(server.requests() - before, 3);
    assert_eq!(
        (report["requests"].as_u64(), report["writes"].as_u64()),
        (Some(3), Some(1))
    );

    // A 429, retried: the lookup refused, the lookup, and the create.
    server.faults().fail_next(429, 1);
    let before = server.requests();
    let o = run(&server, &["create", "--name", "Counted Co", "--if-missing"]).await;
    ok(&o);
    assert_eq!(server.requests() - before, 3);
    assert!(
        stderr(&o).contains("created (3 request(s))"),
        "{}",
        stderr(&o)
    );

    // The apply that writes: a 429 retried, its read, and the update.
    std::fs::write(file, "name,notes\nCounted Co,changed\n").expect("write");
    server.faults().fail_next(429, 1);
    let before = server.requests();
    let o = run(&server, &["apply", file]).await;
    let done = ok(&o);
    assert_eq!(server.requests() - before, 3);
    assert!(
        done.contains("1 change(s): 2 request(s) sent to read"),
        "{done}"
    );
    assert!(
        stderr(&o).contains("applied 1 change(s) with 3 request(s)"),
        "{}",
        stderr(&o)
    );
}

/// A list of 40 clients, the 38th of which has `field` set to `value`: an
/// answer as a changed service would send it.
fn changed_list(field: &str, value: Value) -> String {
    let workspace = toggl_track_local_service::demo::WORKSPACE;
    let mut list: Vec<Value> = (1..=40)
        .map(|i| {
            serde_json::json!({"id": 61300000 + i, "wid": workspace, "name": format!("Changed {i:02}"),
                "archived": false, "at": "2026-11-30T10:00:00Z", "creator_id": 7654321})
        })
        .collect();
    list[37][field] = value;
    serde_json::to_string(&list).expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_answer_is_one_line_naming_what_changed_and_can_be_handed_over() {
    let server = service(Config::demo()).await;
    server
        .faults()
        .answer_next(changed_list("creator_id", Value::from("3")));
    let o = run(&server, &["list"]).await;
    failed(&o, 6, "[37].creator_id");
    let line = stderr(&o);
    for part in [
        "list_clients",
        "HTTP 200",
        "request id ",
        "an integer of at least 1, or null",
        "the string \"3\"",
        "#/components/schemas/TrackClient/properties/creator_id",
        "--record",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    assert!(!line.contains("Changed 01"), "not the first item: {line}");

    // Saved as evidence: the failing exchange, without the token.
    let dir = temp_dir("changed");
    let har = dir.join("changed.har");
    server
        .faults()
        .answer_next(changed_list("creator_id", Value::from("3")));
    let o = run(&server, &["--record", har.to_str().expect("utf-8"), "list"]).await;
    failed(&o, 6, &format!("saved in {}", har.display()));
    let text = std::fs::read_to_string(&har).expect("the recording is written");
    assert!(!text.contains(TOKEN) && !text.to_lowercase().contains("authorization"));
    let saved: Value = serde_json::from_str(&text).expect("HAR");
    let entries = saved["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "only the failing exchange");
    assert!(
        entries[0]["response"]["content"]["text"]
            .as_str()
            .is_some_and(|b| b.contains("\"creator_id\":\"3\"")),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&har).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A run without failures keeps nothing; with --record-all, everything.
    let all = dir.join("all.har");
    let o = run(&server, &["--record", all.to_str().expect("utf-8"), "list"]).await;
    ok(&o);
    assert!(!all.exists(), "nothing failed, nothing written");
    let o = run(
        &server,
        &[
            "--record",
            all.to_str().expect("utf-8"),
            "--record-all",
            "list",
        ],
    )
    .await;
    ok(&o);
    assert!(stderr(&o).contains("saved 1 exchange(s)"), "{}", stderr(&o));
}
