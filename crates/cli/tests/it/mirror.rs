//! `sync` and the reads that answer from the mirror, as a person runs them
//! against a local service: one request a sync, equal to a full read after
//! any mix of changes, falling back to a full read when `since` is too old,
//! safe to interrupt and to run twice at once, and a bad file refused
//! unchanged.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use toggl_track_local_service::{Config, LocalService, Seed, demo};

use crate::commands::{output, stderr, temp_dir};

pub(crate) const TOKEN: &str = demo::API_TOKEN;

/// The tool against `server` with the mirror at `db`, in `workspace`.
pub(crate) fn tool(server: &LocalService, db: &Path, workspace: u64, args: &[&str]) -> Command {
    let mut cmd = bare(server.base_url(), db, TOKEN, args);
    cmd.env("TOGGL_WORKSPACE_ID", workspace.to_string());
    cmd
}

/// `sync --full` of the demo workspace into `db`, started and left
/// running, its output dropped: for tests that act while it runs.
pub(crate) fn full_sync_in_the_background(server: &LocalService, db: &Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("toggl-clients"))
        .env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .env("TOGGL_WORKSPACE_ID", demo::WORKSPACE.to_string())
        .env("TOGGL_BASE_URL", server.base_url())
        .arg("--db")
        .arg(db)
        .args(["sync", "--full"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts")
}

/// The tool with only a token (no workspace), on `base_url`, mirror `db`.
pub(crate) fn bare(base_url: &str, db: &Path, token: &str, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", token)
        .env("TOGGL_BASE_URL", base_url)
        .arg("--db")
        .arg(db)
        .args(args);
    cmd
}

pub(crate) async fn run(server: &LocalService, db: &Path, args: &[&str]) -> Output {
    output(tool(server, db, demo::WORKSPACE, args)).await
}

pub(crate) async fn run_in(
    server: &LocalService,
    db: &Path,
    workspace: u64,
    args: &[&str],
) -> Output {
    output(tool(server, db, workspace, args)).await
}

pub(crate) fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(o)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every client of `workspace`, archived or not, as the service lists it
/// now and as the mirror holds it: equal when the mirror is current. What
/// only lists carry (`permissions`) is compared where the mirror has it.
pub(crate) async fn service_and_mirror(
    server: &LocalService,
    db: &Path,
    workspace: u64,
) -> (Value, Value) {
    let args = ["-o", "json", "list", "--status", "both"];
    let online: Value =
        serde_json::from_str(&ok(&run_in(server, db, workspace, &args).await)).expect("json");
    let offline_args = ["-o", "json", "list", "--status", "both", "--offline"];
    let mut offline: Value =
        serde_json::from_str(&ok(&run_in(server, db, workspace, &offline_args).await))
            .expect("json");
    let mut online = online;
    for (a, b) in online
        .as_array_mut()
        .into_iter()
        .flatten()
        .zip(offline.as_array_mut().into_iter().flatten())
    {
        if b.get("permissions").is_none() {
            a.as_object_mut().map(|o| o.remove("permissions"));
        }
    }
    (online, offline)
}

pub(crate) fn db_in(name: &str) -> PathBuf {
    temp_dir(name).join("mirror.sqlite")
}

#[tokio::test(flavor = "multi_thread")]
async fn one_sync_of_any_mix_of_changes_in_two_workspaces_costs_one_request() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("sync-mix");
    let both = format!("{},{}", demo::WORKSPACE, demo::FREE_WORKSPACE);
    let first = ok(&run(&server, &db, &["sync", "--workspaces", &both]).await);
    assert!(first.starts_with("full sync"), "{first}");

    // Creates, changes, archiving, restoring and deletions in both.
    let ws = demo::WORKSPACE;
    let free = demo::FREE_WORKSPACE;
    for (workspace, args) in [
        (ws, vec!["create", "--name", "Hooli"]),
        (free, vec!["create", "--name", "Free Hooli"]),
        (ws, vec!["update", "61234001", "--notes", "changed"]),
        (ws, vec!["archive", "61234002"]),
        (ws, vec!["restore", "61234003"]),
        (ws, vec!["delete", "61234001"]),
        (free, vec!["delete", "61234004"]),
    ] {
        // Not through this mirror: as another program would change them.
        let elsewhere = db.with_file_name("other.sqlite");
        ok(&run_in(&server, &elsewhere, workspace, &args).await);
    }
    let before = server.requests();
    let o = run(&server, &db, &["-o", "json", "sync"]).await;
    let report: Value = serde_json::from_str(&ok(&o)).expect("json");
    assert_eq!(
        server.requests() - before,
        1,
        "one request, counted by the service"
    );
    let changes = &report["sync"]["changes"];
    assert_eq!(report["sync"]["mode"], "delta");
    assert_eq!(report["sync"]["requests"], 1);
    assert_eq!(
        [
            &changes["created"],
            &changes["changed"],
            &changes["archived"],
            &changes["restored"],
            &changes["deleted"]
        ],
        [2, 0, 1, 1, 2],
        "{report}"
    );
    for workspace in [ws, free] {
        let (online, offline) = service_and_mirror(&server, &db, workspace).await;
        assert_eq!(online, offline, "workspace {workspace}");
    }
    // Deleted clients stay as tombstones, with their deletion time.
    let tombstones: i64 = rusqlite::Connection::open(&db)
        .expect("sqlite")
        .query_row(
            "SELECT count(*) FROM clients WHERE server_deleted_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(tombstones, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_since_past_the_cut_off_falls_back_to_a_full_read_and_says_so() {
    let mut config = Config::demo();
    config.since_max_age = Duration::from_secs(60);
    let server = toggl_track_local_service::start(config)
        .await
        .expect("service");
    let db = db_in("sync-old");
    ok(&run(&server, &db, &["sync"]).await);
    ok(&run(
        &server,
        &db.with_file_name("other.sqlite"),
        &["create", "--name", "Late"],
    )
    .await);
    // The next `since` lies five minutes back: past this service's minute.
    let before = server.requests();
    let said = ok(&run(&server, &db, &["sync"]).await);
    assert!(
        said.contains(
            "full (after delta) sync (the service no longer keeps changes that far back)"
        ),
        "{said}"
    );
    assert!(said.contains("1 created"), "{said}");
    assert_eq!(
        server.requests() - before,
        2,
        "the refused delta and the full read"
    );
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online, offline);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_offline_prints_what_list_prints_in_every_format_at_no_cost() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("offline");
    // No mirror yet: a usage error that says what to do.
    let o = run(&server, &db, &["list", "--offline"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("run `toggl-clients sync` first"),
        "{}",
        stderr(&o)
    );
    ok(&run(&server, &db, &["sync"]).await);
    for format in ["table", "json", "csv"] {
        for filter in [
            &[][..],
            &["--status", "both"],
            &["--status", "archived"],
            &["--name", "o"],
        ] {
            let mut args = vec!["-o", format, "list"];
            args.extend_from_slice(filter);
            let online = ok(&run(&server, &db, &args).await);
            args.push("--offline");
            let before = server.requests();
            let o = run(&server, &db, &args).await;
            assert_eq!(server.requests(), before, "0 requests");
            assert_eq!(ok(&o), online, "{args:?}");
            assert!(
                stderr(&o).contains("from the mirror, synced "),
                "{}",
                stderr(&o)
            );
        }
    }
    // apply plans from the mirror, with no read.
    let file = db.with_file_name("clients.csv");
    std::fs::write(
        &file,
        "name\nAcme Corporation\nGlobex\nInitech\nPlanned Co\n",
    )
    .expect("write");
    let before = server.requests();
    let plan = ok(&run(
        &server,
        &db,
        &[
            "apply",
            file.to_str().expect("utf-8"),
            "--dry-run",
            "--from-mirror",
        ],
    )
    .await);
    assert_eq!(server.requests(), before, "no read");
    assert!(
        plan.contains("Planned Co") && plan.contains("0 request(s) sent to read"),
        "{plan}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_foreign_or_other_file_is_refused_and_left_as_it_is() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("bad-files");
    ok(&run(&server, &db, &["sync"]).await);
    // Damaged: the pages of the clients' table overwritten.
    let mut bytes = std::fs::read(&db).expect("the mirror");
    for b in bytes.iter_mut().skip(4096).take(8192) {
        *b = 0xA5;
    }
    let damaged = db.with_file_name("copy.sqlite");
    std::fs::write(&damaged, &bytes).expect("write");
    let text = db.with_file_name("notes.txt");
    std::fs::write(&text, "not a database at all\n").expect("write");
    let foreign = db.with_file_name("foreign.sqlite");
    let other = rusqlite::Connection::open(&foreign).expect("sqlite");
    other.execute_batch("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO recipes VALUES (1, 'soup');").expect("another program's data");
    drop(other);
    for (file, words) in [
        (&damaged, "the mirror is damaged"),
        (&text, "not a SQLite database"),
        (&foreign, "another program's SQLite database"),
    ] {
        let before = std::fs::read(file).expect("readable");
        for args in [&["sync"][..], &["list", "--offline"]] {
            let o = output(tool(&server, file, demo::WORKSPACE, args)).await;
            assert_eq!(
                o.status.code(),
                Some(11),
                "{}: {}",
                file.display(),
                stderr(&o)
            );
            let err = stderr(&o);
            assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
            assert!(
                err.contains(words) && err.contains(&file.display().to_string()),
                "{err}"
            );
        }
        assert_eq!(
            std::fs::read(file).expect("readable"),
            before,
            "{} unchanged",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_syncs_at_once_both_end_well() {
    let server = toggl_track_local_service::start(Config::with_seed(
        Seed::demo_with_generated_clients(20_000),
    ))
    .await
    .expect("service");
    let db = db_in("sync-twice");
    let first = tokio::spawn(output(tool(&server, &db, demo::WORKSPACE, &["sync"])));
    let second = tokio::spawn(output(tool(&server, &db, demo::WORKSPACE, &["sync"])));
    ok(&first.await.expect("joined"));
    ok(&second.await.expect("joined"));
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online, offline);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_midway_leaves_a_mirror_the_next_sync_completes() {
    let server = toggl_track_local_service::start(Config::with_seed(
        Seed::demo_with_generated_clients(100_000),
    ))
    .await
    .expect("service");
    let db = db_in("sync-killed");
    // Killed at several points of a full read of 100,000 clients: before,
    // during and after the service answers, and while the mirror is written.
    for after in [200u64, 600, 1200, 2000] {
        let mut child = full_sync_in_the_background(&server, &db);
        tokio::time::sleep(Duration::from_millis(after)).await;
        let _ = child.kill();
        let _ = child.wait();
        // What is there is whole: the last complete state, or nothing.
        let check: String = rusqlite::Connection::open(&db)
            .expect("opens")
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .expect("checks");
        assert_eq!(check, "ok", "killed after {after} ms");
    }
    ok(&run(&server, &db, &["sync"]).await);
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online.as_array().map(Vec::len), Some(100_000));
    assert_eq!(online, offline);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_mirror_is_its_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let dir = temp_dir("mirror-private").join("data");
    let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .env("TOGGL_WORKSPACE_ID", demo::WORKSPACE.to_string())
        .env("TOGGL_BASE_URL", server.base_url())
        .env("TOGGL_CLIENTS_DATA_DIR", &dir)
        .arg("sync");
    ok(&output(cmd).await);
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
        assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
        let bytes = std::fs::read(entry.path()).expect("readable");
        assert!(!String::from_utf8_lossy(&bytes).contains(TOKEN));
    }
}
