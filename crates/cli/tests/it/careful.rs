//! What a careful newcomer meets, through the built binary against a
//! local service: nothing typed is dropped, deletions ask first, names are
//! checked before anything is sent, hints fit the failure, one time format
//! and no `total_count` in what is printed, and Ctrl-C says where it
//! stopped.

use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use toggl_track_local_service::{Config, LocalService, demo};

use crate::commands::{output, stderr, temp_dir};
use crate::mirror::ok;

async fn service() -> LocalService {
    toggl_track_local_service::start(Config::demo())
        .await
        .expect("service")
}

/// The tool with the demo user's token and workspace, on `base_url`.
fn tool(base_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", demo::API_TOKEN)
        .env("TOGGL_WORKSPACE_ID", demo::WORKSPACE.to_string())
        .env("TOGGL_BASE_URL", base_url)
        .args(args);
    cmd
}

/// The tool with its mirror in `db`.
fn with_mirror(server: &LocalService, db: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = tool(server.base_url(), args);
    cmd.arg("--db").arg(db);
    cmd
}

async fn run(server: &LocalService, args: &[&str]) -> Output {
    output(tool(server.base_url(), args)).await
}

fn refused(o: &Output, code: i32, needle: &str) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "{needle:?} in {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn file(name: &str, text: &str) -> String {
    let path = temp_dir(&format!("careful-{name}")).join(name);
    std::fs::write(&path, text).expect("written");
    path.display().to_string()
}

async fn names(server: &LocalService) -> Vec<String> {
    let listed: Value = serde_json::from_str(&ok(&run(
        server,
        &["-o", "json", "list", "--status", "both"],
    )
    .await))
    .expect("json");
    listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_refuses_what_it_would_drop_and_reads_spreadsheet_spellings() {
    let server = service().await;
    let note = file("note.csv", "name,note\nAcme Corporation,Net 60\n");
    refused(
        &run(&server, &["apply", &note]).await,
        2,
        "did you mean \"notes\"?",
    );
    let nmae = file("nmae.json", r#"[{"nmae": "x"}]"#);
    refused(
        &run(&server, &["apply", &nmae]).await,
        2,
        "did you mean \"name\"?",
    );
    let object = file("object.json", r#"{"name": "x"}"#);
    refused(&run(&server, &["apply", &object]).await, 2, "a JSON object");
    let unclosed = file(
        "unclosed.csv",
        "name,notes\nAcme Corporation,\"Net 30\nGlobex,x\n",
    );
    refused(
        &run(&server, &["apply", &unclosed]).await,
        2,
        "a quote on line 2 is never closed",
    );
    assert_eq!(server.requests(), 0, "a refused file costs nothing");
    let sheet = file(
        "sheet.csv",
        "Name,Status,Notes\nAcme Corporation,Archived,Invoices go to the finance office.\nGlobex,ACTIVE,\n",
    );
    let plan = ok(&run(&server, &["-o", "json", "apply", &sheet, "--dry-run"]).await);
    let plan: Value = serde_json::from_str(&plan).expect("json");
    let steps = plan["plan"].as_array().expect("steps");
    assert_eq!(steps.len(), 1, "{plan}");
    assert_eq!(
        (steps[0]["action"].as_str(), steps[0]["name"].as_str()),
        (Some("archive"), Some("Acme Corporation"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deletions_ask_first_and_need_yes_without_a_terminal() {
    let server = service().await;
    refused(
        &run(&server, &["delete", "61234001", "61234002"]).await,
        2,
        "pass --yes",
    );
    let keep = file("keep.csv", "name\nAcme Corporation\n");
    let o = run(&server, &["apply", &keep, "--prune"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 clients: Globex, Initech"),
        "{}",
        stderr(&o)
    );
    let empty = file("empty.csv", "name\n");
    refused(
        &run(&server, &["apply", &empty, "--prune"]).await,
        2,
        "the file lists no client",
    );
    assert_eq!(
        names(&server).await,
        ["Acme Corporation", "Globex", "Initech"],
        "nothing was deleted"
    );
    ok(&run(&server, &["apply", &keep, "--prune", "--yes"]).await);
    assert_eq!(names(&server).await, ["Acme Corporation"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn names_are_checked_before_anything_is_sent() {
    let server = service().await;
    let long = "x".repeat(300);
    for name in ["", "   ", long.as_str()] {
        let o = run(&server, &["create", "--name", name]).await;
        assert_eq!(o.status.code(), Some(2), "{name:?}: {}", stderr(&o));
        let o = run(&server, &["update", "61234001", "--name", name]).await;
        assert_eq!(o.status.code(), Some(2), "{name:?}: {}", stderr(&o));
    }
    assert!(stderr(&run(&server, &["create", "--name", " "]).await).contains("the name is empty"));
    assert_eq!(server.requests(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn hints_fit_the_failure() {
    let server = service().await;
    // A base URL without the API's path, or without a scheme.
    let root = server
        .base_url()
        .strip_suffix("/api/v9")
        .expect("the local service's API path");
    let o = output(tool(root, &["list"])).await;
    refused(&o, 4, &format!("did you mean {root}/api/v9?"));
    let bare = root.strip_prefix("http://").expect("http");
    let o = output(tool(server.base_url(), &["--base-url", bare, "list"])).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("write http://{bare}/api/v9")),
        "{}",
        stderr(&o)
    );
    // A wrong password talks about the password; a wrong token about it.
    let mut email = tool(server.base_url(), &["--email", demo::EMAIL, "list"]);
    email
        .env_remove("TOGGL_API_TOKEN")
        .env("TOGGL_PASSWORD", "wrong");
    let err = refused(&output(email).await, 3, "the email address or the password");
    assert!(!err.contains("TOGGL_API_TOKEN"), "{err}");
    let mut token = tool(server.base_url(), &["list"]);
    token.env("TOGGL_API_TOKEN", "not-a-token");
    refused(&output(token).await, 3, "check TOGGL_API_TOKEN");
    // A name taken on update: `list` shows who has it.
    refused(
        &run(
            &server,
            &["update", "61234002", "--name", "Acme Corporation"],
        )
        .await,
        1,
        "list --status both --name \"Acme Corporation\"",
    );
    // A timeout names --timeout.
    server.faults().set_delay(Duration::from_secs(3));
    refused(
        &run(&server, &["--timeout", "1s", "list"]).await,
        6,
        "--timeout",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_is_printed_speaks_one_format() {
    let server = service().await;
    let csv = ok(&run(&server, &["-o", "csv", "list"]).await);
    let first = csv.lines().nth(1).expect("a row");
    assert!(first.contains("Z,") && !first.contains("+00:00"), "{csv}");
    let json = ok(&run(&server, &["-o", "json", "list"]).await);
    assert!(!json.contains("total_count"), "{json}");
    // The same client in CSV and JSON: the same field names, the same text.
    let listed: Value = serde_json::from_str(&json).expect("json");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().expect("a header").clone();
    let row = rows.records().next().expect("a row").expect("a record");
    for (column, cell) in header.iter().zip(row.iter()) {
        let value = &listed[0][column];
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        assert_eq!(cell, text, "{column}: CSV and JSON agree");
    }
    let one = ok(&run(&server, &["-o", "json", "get", "61234001"]).await);
    assert!(!one.contains("total_count"), "{one}");
    // The quota's CSV is numbers.
    let quota = ok(&run(&server, &["-o", "csv", "quota", "--refresh"]).await);
    let mut rows = csv::Reader::from_reader(quota.as_bytes());
    let header = rows.headers().expect("a header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["quota", "remaining", "total", "resets_in_s", "seen_s_ago"]
    );
    for row in rows.records() {
        let row = row.expect("a row");
        for cell in row.iter().skip(1).filter(|c| !c.is_empty()) {
            assert!(cell.parse::<i64>().is_ok(), "a number: {cell:?} in {quota}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_says_where_it_stopped_and_exits_130() {
    let server = service().await;
    server.faults().set_delay(Duration::from_secs(2));
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("toggl-clients"))
        .env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", demo::API_TOKEN)
        .env("TOGGL_BASE_URL", server.base_url())
        .arg("--db")
        .arg(temp_dir("careful-ctrl-c").join("mirror.sqlite"))
        .arg("sync")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    // `/me`, `/me/workspaces`, then the first full read, under way.
    while server.requests() < 3 {
        assert!(std::time::Instant::now() < deadline, "no request came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().expect("waited"))
        .await
        .expect("joined");
    let err = refused(
        &o,
        130,
        "interrupted with 2 of 2 workspace(s) to read in full",
    );
    assert!(err.contains("the same command finishes the job"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_is_asked_for_only_where_it_matters() {
    let server = service().await;
    let db = temp_dir("careful-workspaces").join("mirror.sqlite");
    let anywhere = |args: &[&str]| {
        let mut cmd = with_mirror(&server, &db, args);
        cmd.env_remove("TOGGL_WORKSPACE_ID");
        output(cmd)
    };
    let listed = ok(&anywhere(&["-o", "csv", "workspaces"]).await);
    assert!(
        listed.contains("1234567,Ada's Consulting") && listed.contains("2345678,Side projects"),
        "{listed}"
    );
    assert_eq!(server.requests(), 1, "one request to /me/workspaces");
    ok(&anywhere(&["sync"]).await);
    ok(&anywhere(&["-o", "csv", "quota"]).await);
    let offline = ok(&anywhere(&["-o", "csv", "list", "--offline"]).await);
    assert!(offline.starts_with("wid,id,name,"), "{offline}");
    assert!(
        offline.contains("1234567,61234001,Acme Corporation")
            && offline.contains("2345678,61234004,Umbrella"),
        "{offline}"
    );
    let held = ok(&anywhere(&["-o", "csv", "workspaces", "--offline"]).await);
    assert_eq!(held, "id,default\n1234567,\n2345678,\n");
    let o = anywhere(&["list"]).await;
    refused(&o, 2, "`toggl-clients workspaces` lists yours");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_if_missing_says_what_differs_and_update_makes_it_so() {
    let server = service().await;
    let notes = |o: &Output| -> String {
        let client: Value = serde_json::from_str(&ok(o)).expect("json");
        client["notes"].as_str().unwrap_or_default().to_owned()
    };
    let ask = [
        "-o",
        "json",
        "create",
        "--name",
        "ACME corporation",
        "--if-missing",
    ];
    let o = run(&server, &[&ask[..], &["--notes", "Net 60"]].concat()).await;
    assert_eq!(
        notes(&o),
        "Invoices go to the finance office.",
        "left as it was"
    );
    let err = stderr(&o);
    assert!(
        err.contains("notes is \"Invoices go to the finance office.\", you gave \"Net 60\"")
            && err.contains("add --update"),
        "{err}"
    );
    let before = server.requests();
    let o = run(
        &server,
        &[&ask[..], &["--notes", "Net 60", "--update"]].concat(),
    )
    .await;
    assert_eq!(notes(&o), "Net 60");
    assert!(stderr(&o).contains("updated: notes is"), "{}", stderr(&o));
    let reads = server.requests() - before - 1;
    // The same again: nothing differs, nothing more is sent.
    let before = server.requests();
    let o = run(
        &server,
        &[&ask[..], &["--notes", "Net 60", "--update"]].concat(),
    )
    .await;
    assert_eq!(notes(&o), "Net 60");
    assert!(!stderr(&o).contains("differs"), "{}", stderr(&o));
    assert_eq!(
        server.requests() - before,
        reads,
        "no update when nothing differs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_suites_commands_leave_home_alone() {
    let server = service().await;
    let home = temp_dir("careful-home").join("home");
    std::fs::create_dir_all(&home).expect("a fresh home");
    let db = temp_dir("careful-home-db").join("mirror.sqlite");
    let csv = file("home.csv", "name\nAcme Corporation\nGlobex\n");
    let commands: [&[&str]; 7] = [
        &["list"],
        &["sync"],
        &["list", "--offline"],
        &["quota"],
        &["workspaces"],
        &["apply", &csv, "--dry-run"],
        &["create", "--name", "Home Test"],
    ];
    for args in commands {
        // As every test of this suite runs the tool, with a fresh HOME.
        let mut cmd = tool(server.base_url(), args);
        cmd.env("HOME", &home).arg("--db").arg(&db);
        ok(&output(cmd).await);
    }
    let left: Vec<_> = std::fs::read_dir(&home)
        .expect("home")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(left.is_empty(), "written into HOME: {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quota_table_shows_what_the_service_holds() {
    let server = service().await;
    let db = temp_dir("careful-quota").join("mirror.sqlite");
    let with_db = |args: &[&str]| output(with_mirror(&server, &db, args));
    for _ in 0..3 {
        ok(&with_db(&["list"]).await);
    }
    ok(&with_db(&["quota", "--refresh"]).await);
    let table = ok(&with_db(&["quota"]).await);
    let held = toggl_track_local_service::NOTIONAL_QUOTA - 3;
    let organization = format!(
        "organization {}",
        toggl_track_local_service::DEFAULT_ORGANIZATION
    );
    let line = table
        .lines()
        .find(|l| l.contains(&organization))
        .unwrap_or_else(|| panic!("{organization} in {table}"));
    assert!(
        line.split_whitespace().any(|cell| cell == held.to_string()),
        "{held} left, as the service holds it: {table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn restore_says_what_it_did() {
    let server = service().await;
    let db = temp_dir("careful-restore").join("mirror.sqlite");
    let with_db = |args: &[&str]| output(with_mirror(&server, &db, args));
    ok(&with_db(&["sync"]).await);
    let o = with_db(&["restore", "61234003", "--all-projects"]).await;
    ok(&o);
    assert!(
        stderr(&o).contains("restored Initech with all its projects")
            && !stderr(&o).contains("active already"),
        "{}",
        stderr(&o)
    );
    let o = with_db(&["restore", "61234001"]).await;
    ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("restored Acme Corporation without its projects")
            && err.contains("had it active already"),
        "{err}"
    );
}
