//! What makes the mirror trustworthy, as a person meets it through the
//! CLI against a local service: one owner per file, access that follows the
//! service, no change missed or mis-applied whatever the clocks say, no
//! partial list taken for the whole, what was paid for kept, no command
//! waiting on another's network call, and a file that cannot be used
//! refused with its own exit code and left unchanged.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use toggl_track_local_service::{Config, LocalService, Seed, demo};

use crate::commands::{output, stderr, temp_dir};
use crate::mirror::{
    TOKEN, bare, db_in, full_sync_in_the_background, ok, run, run_in, service_and_mirror, tool,
};

/// Creates a client as another program would: straight to the service.
async fn create_elsewhere(server: &LocalService, workspace: u64, name: &str) {
    let api = toggl_track_api::Client::builder(toggl_track_api::Credentials::api_token(TOKEN))
        .base_url(server.base_url())
        .build()
        .expect("client");
    api.create_client()
        .workspace_id(workspace)
        .body(toggl_track_api::types::ClientCreate::builder().name(name.to_owned()))
        .send()
        .await
        .expect("created");
}

/// Waits until the service has computed an answer since it had computed
/// `before` (a held one included); fails rather than hang.
async fn until_answered(server: &LocalService, before: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while server.answered() == before {
        assert!(std::time::Instant::now() < deadline, "no answer came");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

fn offline_names(o: &Output) -> Vec<String> {
    names(&serde_json::from_str(&ok(o)).expect("json"))
}

fn checksum(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("readable")
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn one_line(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

#[tokio::test(flavor = "multi_thread")]
async fn another_user_or_service_on_a_file_is_refused_and_sees_nothing() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("owner-other");
    ok(&run(&server, &db, &["sync"]).await);
    let before = checksum(&db);
    // Another user: refused, offline before any sync and by the sync.
    let other = demo::OTHER_API_TOKEN;
    let read = ["-o", "json", "list", "--offline", "-w", "1234567"];
    let o = output(bare(server.base_url(), &db, other, &read)).await;
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(one_line(&o).contains("not yet known to be Toggl user 7654321's"));
    assert!(o.stdout.is_empty(), "nothing served");
    let o = output(bare(server.base_url(), &db, other, &["sync"])).await;
    assert_eq!(code(&o), Some(11), "{}", stderr(&o));
    let err = one_line(&o);
    assert!(
        err.contains("Toggl user 7654321's") && err.contains("user 7654322's"),
        "{err}"
    );
    let o = output(bare(server.base_url(), &db, other, &read)).await;
    assert_eq!(
        code(&o),
        Some(2),
        "a refusal writes nothing, not even who they are"
    );
    assert!(o.stdout.is_empty(), "nothing served");
    // Another service, same token: refused too.
    let second = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let o = output(bare(
        second.base_url(),
        &db,
        TOKEN,
        &["sync", "-w", "1234567"],
    ))
    .await;
    assert_eq!(code(&o), Some(11), "{}", stderr(&o));
    assert!(one_line(&o).contains(&format!("these credentials are for {}", second.base_url())));
    assert_eq!(checksum(&db), before, "nothing written by a refusal");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_user_by_another_spelling_token_or_email_goes_on_with_the_file() {
    // The demo user with a second token of their own.
    let mut seed = Seed::demo();
    let mut second = seed.users[0].clone();
    second.api_token = "second-token-of-ada".to_owned();
    seed.users.push(second);
    let mut config = Config::demo();
    config.seed = seed;
    let server = toggl_track_local_service::start(config)
        .await
        .expect("service");
    let db = db_in("owner-same");
    let ws = demo::WORKSPACE;
    ok(&output(bare(
        server.base_url(),
        &db,
        TOKEN,
        &["sync", "-w", &ws.to_string()],
    ))
    .await);
    let slash = format!("{}/", server.base_url());
    for (n, (label, mut cmd)) in [
        (
            "trailing slash",
            bare(&slash, &db, TOKEN, &["-o", "json", "sync"]),
        ),
        (
            "second token",
            bare(
                server.base_url(),
                &db,
                "second-token-of-ada",
                &["-o", "json", "sync"],
            ),
        ),
        ("email", {
            let mut c = Command::cargo_bin("toggl-clients").expect("built");
            c.env_clear()
                .envs(crate::isolated_home())
                .env("TOGGL_EMAIL", demo::EMAIL)
                .env("TOGGL_PASSWORD", demo::PASSWORD)
                .env("TOGGL_BASE_URL", server.base_url())
                .arg("--db")
                .arg(&db)
                .args(["-o", "json", "sync"]);
            c
        }),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("New by {label}");
        create_elsewhere(&server, ws, &name).await;
        let before = server.requests();
        let o = output(std::mem::replace(&mut cmd, Command::new("true"))).await;
        let report: Value = serde_json::from_str(&ok(&o)).expect("json");
        // The spelling is the same owner at no cost; a credential the file
        // has not seen costs one `GET /me`, once.
        let expected = if n == 0 { 1 } else { 2 };
        assert_eq!(server.requests() - before, expected, "{label}: {report}");
        assert_eq!(report["sync"]["changes"]["created"], 1, "{label}: {report}");
        let listed = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
        assert!(offline_names(&listed).contains(&name), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_sync_with_only_a_token_mirrors_every_workspace_and_follows_lost_access() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("access");
    let o = output(bare(server.base_url(), &db, TOKEN, &["sync"])).await;
    assert!(ok(&o).starts_with("full sync"), "{}", stderr(&o));
    for workspace in [demo::WORKSPACE, demo::FREE_WORKSPACE] {
        let (online, offline) = service_and_mirror(&server, &db, workspace).await;
        assert_eq!(online, offline, "workspace {workspace}");
    }
    // The user loses the free workspace; half an hour later by the
    // service's clock, a sync looks at the user's workspaces again.
    server.remove_from_workspace(demo::USER_ID, demo::FREE_WORKSPACE);
    server.clock().advance(chrono::Duration::minutes(31));
    let o = output(bare(server.base_url(), &db, TOKEN, &["sync"])).await;
    ok(&o);
    assert!(
        stderr(&o).contains("gone from the mirror: workspace(s) 2345678"),
        "{}",
        stderr(&o)
    );
    let gone = run_in(&server, &db, demo::FREE_WORKSPACE, &["list", "--offline"]).await;
    assert_eq!(code(&gone), Some(2), "{}", stderr(&gone));
    assert!(stderr(&gone).contains("does not hold workspace 2345678"));
    ok(&output(bare(server.base_url(), &db, TOKEN, &["sync", "--full"])).await);
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online, offline);
    // Naming it is refused as what it is, and the rest is kept current.
    let o = run_in(&server, &db, demo::FREE_WORKSPACE, &["sync"]).await;
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("may not read workspace(s) 2345678; the rest is synced"));
    let o = run_in(
        &server,
        &db,
        demo::FREE_WORKSPACE,
        &["list", "--max-age", "1m"],
    )
    .await;
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_that_keeps_its_at_is_applied_by_a_delta_and_by_a_full_read() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("same-at");
    ok(&run(&server, &db, &["sync"]).await);
    // Seeded clients changed within the sync's margin: a delta carries them.
    assert!(server.rename_keeping_at(demo::WORKSPACE, 61234002, "Globex Renamed"));
    let said = ok(&run(&server, &db, &["sync"]).await);
    assert!(said.contains("delta sync: 0 created, 1 changed"), "{said}");
    let listed = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
    assert!(offline_names(&listed).contains(&"Globex Renamed".to_owned()));
    assert!(server.rename_keeping_at(demo::WORKSPACE, 61234001, "Acme Renamed"));
    let said = ok(&run(&server, &db, &["sync", "--full"]).await);
    assert!(said.contains("1 changed"), "{said}");
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online, offline);
    assert!(names(&offline).contains(&"Acme Renamed".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_date_an_hour_off_or_missing_misses_no_change() {
    type Skew = fn(&LocalService);
    let cases: [(&str, Skew); 3] = [
        ("ahead", |s| {
            s.faults().shift_date(chrono::Duration::hours(1))
        }),
        ("behind", |s| {
            s.faults().shift_date(chrono::Duration::hours(-1))
        }),
        ("absent", |s| s.faults().strip_date()),
    ];
    for (label, skew) in cases {
        let server = toggl_track_local_service::start(Config::demo())
            .await
            .expect("service");
        let db = db_in(&format!("clock-{label}"));
        skew(&server);
        ok(&run(&server, &db, &["sync"]).await);
        // Created after that sync, by a second of the service's clock.
        server.clock().advance(chrono::Duration::seconds(2));
        create_elsewhere(&server, demo::WORKSPACE, "Between").await;
        ok(&run(&server, &db, &["sync"]).await);
        ok(&run(&server, &db, &["sync"]).await);
        let listed = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
        assert!(
            offline_names(&listed).contains(&"Between".to_owned()),
            "Date {label}"
        );
        server.faults().clear();
        let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
        assert_eq!(online, offline, "Date {label}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_that_lands_while_an_answer_is_on_its_way_is_caught_by_the_next_sync() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("margin");
    ok(&run(&server, &db, &["sync"]).await);
    // The service's clock two minutes behind this machine's; the delta's
    // answer is computed, then held on its way back while a change lands.
    // Its `Date` is then later than its snapshot, and than the change:
    // only the margin keeps the next `since` before the change.
    server.clock().set_offset(chrono::Duration::minutes(-2));
    server
        .faults()
        .hold_answers_to("GET", "/me/clients", Duration::from_millis(1500));
    let answered = server.answered();
    let syncing = tokio::spawn(output(tool(&server, &db, demo::WORKSPACE, &["sync"])));
    until_answered(&server, answered).await;
    create_elsewhere(&server, demo::WORKSPACE, "During").await;
    let first = ok(&syncing.await.expect("joined"));
    assert!(
        first.contains("0 created"),
        "the held answer predates it: {first}"
    );
    server.faults().clear();
    ok(&run(&server, &db, &["sync"]).await);
    let listed = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
    assert!(offline_names(&listed).contains(&"During".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_that_pages_by_default_is_read_whole_by_every_reader() {
    let mut config = Config::with_seed(Seed::demo_with_generated_clients(120));
    config.default_page_size = Some(50);
    let server = toggl_track_local_service::start(config)
        .await
        .expect("service");
    let db = db_in("paged");
    ok(&run(&server, &db, &["sync"]).await);
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(
        online.as_array().map(Vec::len),
        Some(120),
        "list reads every page"
    );
    assert_eq!(online, offline, "so does the sync");
    // apply plans against all 120: only the new one is created.
    let file = db.with_file_name("all.csv");
    let mut csv = String::from("name\n");
    for c in names(&online) {
        csv.push_str(&c);
        csv.push('\n');
    }
    csv.push_str("Brand New\n");
    std::fs::write(&file, csv).expect("write");
    let plan = ok(&run(&server, &db, &["apply", file.to_str().expect("utf-8")]).await);
    assert!(plan.contains("1 change(s)"), "{plan}");
    let after: Value = serde_json::from_str(&ok(&run(
        &server,
        &db,
        &["-o", "json", "list", "--status", "both"],
    )
    .await))
    .expect("json");
    assert_eq!(after.as_array().map(Vec::len), Some(121));
    // create --if-missing finds a name on the last page.
    let o = ok(&run(
        &server,
        &db,
        &["create", "--name", "Client 119", "--if-missing"],
    )
    .await);
    assert!(o.contains("Client 119"), "{o}");
    assert_eq!(
        server
            .exchanges()
            .iter()
            .filter(|e| e.method == "POST")
            .count(),
        1,
        "nothing created twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_cut_short_by_the_quota_keeps_what_it_read_and_the_rerun_reads_the_rest() {
    let mut config = Config::demo();
    config.hourly_quota = Some(1);
    let server = toggl_track_local_service::start(config)
        .await
        .expect("service");
    let db = db_in("paid-for");
    let o = output(bare(server.base_url(), &db, TOKEN, &["sync"])).await;
    assert_eq!(code(&o), Some(5), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("workspace(s) 2345678 still to read")
            && err.contains("reads only what is left"),
        "{err}"
    );
    let kept = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
    assert_eq!(offline_names(&kept).len(), 2, "the first workspace is kept");
    server.start_quota_windows_afresh();
    let before = server.exchanges().len();
    ok(&output(bare(server.base_url(), &db, TOKEN, &["sync"])).await);
    let reads: Vec<String> = server.exchanges()[before..]
        .iter()
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(
        reads,
        ["/me/clients", "/workspaces/2345678/clients"],
        "the delta, and only the second workspace"
    );
    for workspace in [demo::WORKSPACE, demo::FREE_WORKSPACE] {
        server.start_quota_windows_afresh();
        let (online, offline) = service_and_mirror(&server, &db, workspace).await;
        assert_eq!(online, offline, "workspace {workspace}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_during_a_slow_sync_does_not_wait_for_its_network() {
    let server = toggl_track_local_service::start(Config::with_seed(
        Seed::demo_with_generated_clients(100_000),
    ))
    .await
    .expect("service");
    let db = db_in("lock");
    ok(&run(&server, &db, &["sync"]).await);
    let list = format!("/workspaces/{}/clients", demo::WORKSPACE);
    server
        .faults()
        .hold_answers_to("GET", &list, Duration::from_secs(8));
    let answered = server.answered();
    let mut syncing = full_sync_in_the_background(&server, &db);
    // The read's answer is computed and on its slow way back.
    until_answered(&server, answered).await;
    ok(&run(&server, &db, &["create", "--name", "Meanwhile"]).await);
    assert!(
        syncing.try_wait().expect("waits").is_none(),
        "the create finished while the sync's read was still on its way"
    );
    assert!(syncing.wait().expect("ends").success());
    server.faults().clear();
    ok(&run(&server, &db, &["sync"]).await);
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online, offline);
}

/// Runs `args` on the mirror `db` as a user who may read it but not write
/// it: `nobody` when this is root (whom no file mode stops), with the file
/// 0644 and a copy of the tool beside it (the checkout's folders may be
/// closed to other users); else its owner after `chmod 0400`.
fn read_only(server: &LocalService, db: &Path, args: &[&str]) -> Command {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        mode(db, 0o644);
        let tool = db.with_file_name("toggl-clients");
        std::fs::copy(assert_cmd::cargo::cargo_bin("toggl-clients"), &tool).expect("copied");
        mode(&tool, 0o755);
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(tool);
        c
    } else {
        mode(db, 0o400);
        Command::cargo_bin("toggl-clients").expect("built")
    };
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .env("TOGGL_WORKSPACE_ID", demo::WORKSPACE.to_string())
        .env("TOGGL_BASE_URL", server.base_url())
        .arg("--db")
        .arg(db)
        .args(args);
    cmd
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_cannot_be_used_gets_its_own_exit_code_and_stays_as_it_was() {
    let server = toggl_track_local_service::start(Config::with_seed(
        Seed::demo_with_generated_clients(2_000),
    ))
    .await
    .expect("service");
    let dir = temp_dir("hostile");
    let fresh = |name: &str| dir.join(format!("{name}.sqlite"));
    // Each case: a synced mirror, then what makes it unusable.
    let read_only_db = fresh("one");
    ok(&run(&server, &read_only_db, &["sync"]).await);
    let before = checksum(&read_only_db);
    let o = output(read_only(&server, &read_only_db, &["sync", "--full"])).await;
    assert_eq!(code(&o), Some(8), "{}", stderr(&o));
    assert!(one_line(&o).contains("cannot be written (the file or its folder is read-only)"));
    assert_eq!(checksum(&read_only_db), before);

    let full = fresh("two");
    ok(&run(&server, &full, &["sync"]).await);
    let before = checksum(&full);
    let mut cmd = Command::new("sh");
    cmd.env_clear()
        .envs(crate::isolated_home())
        .env("TOGGL_API_TOKEN", TOKEN)
        .env("TOGGL_WORKSPACE_ID", demo::WORKSPACE.to_string())
        .env("TOGGL_BASE_URL", server.base_url())
        .arg("-c")
        .arg("ulimit -f 2; exec \"$0\" --db \"$1\" sync --full")
        .arg(assert_cmd::cargo::cargo_bin("toggl-clients"))
        .arg(&full);
    let o = output(cmd).await;
    assert_eq!(code(&o), Some(9), "{}", stderr(&o));
    assert!(one_line(&o).contains("disk is full, or the file-size limit"));
    assert_eq!(checksum(&full), before);

    let newer = fresh("three");
    ok(&run(&server, &newer, &["sync"]).await);
    rusqlite::Connection::open(&newer)
        .expect("opens")
        .pragma_update(None, "user_version", 99)
        .expect("newer");
    let before = checksum(&newer);
    for args in [&["sync"][..], &["list", "--offline"]] {
        let o = run(&server, &newer, args).await;
        assert_eq!(code(&o), Some(10), "{}", stderr(&o));
        assert!(one_line(&o).contains("made by a newer toggl-clients (schema 99"));
    }
    assert_eq!(checksum(&newer), before);

    let busy = fresh("four");
    ok(&run(&server, &busy, &["sync"]).await);
    let before = checksum(&busy);
    let holder = rusqlite::Connection::open(&busy).expect("opens");
    holder.execute_batch("BEGIN IMMEDIATE").expect("holds");
    let mut cmd = tool(&server, &busy, demo::WORKSPACE, &["sync", "--full"]);
    cmd.env("TOGGL_CLIENTS_DB_WAIT", "300ms");
    let o = output(cmd).await;
    assert_eq!(code(&o), Some(7), "{}", stderr(&o));
    assert!(one_line(&o).contains("the mirror is busy: another run held it past the wait"));
    // Reading never waits for a write.
    ok(&run(&server, &busy, &["list", "--offline"]).await);
    holder.execute_batch("ROLLBACK").expect("lets go");
    drop(holder);
    assert_eq!(checksum(&busy), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_delta_the_spec_has_no_words_for_stops_the_sync_with_them() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("unknown-400");
    ok(&run(&server, &db, &["sync"]).await);
    let held = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
    // The delta is refused with a 400 whose body is only "Bad Request":
    // not the words of an old `since`.
    server.faults().fail_next(400, 1);
    let answered = server.answered();
    let o = run(&server, &db, &["sync"]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Bad Request"), "{}", stderr(&o));
    assert_eq!(
        server.answered() - answered,
        1,
        "no full read follows the refused delta"
    );
    let after = run(&server, &db, &["-o", "json", "list", "--offline"]).await;
    assert_eq!(offline_names(&held), offline_names(&after));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_since_older_than_the_service_keeps_is_read_in_full_and_said_why() {
    let server = toggl_track_local_service::start(Config::demo())
        .await
        .expect("service");
    let db = db_in("since-too-old");
    ok(&run(&server, &db, &["sync"]).await);
    server.clock().advance(chrono::Duration::days(120));
    create_elsewhere(&server, demo::WORKSPACE, "Much later").await;
    let said = ok(&run(&server, &db, &["sync"]).await);
    assert!(
        said.contains("no longer keeps changes that far back"),
        "{said}"
    );
    let (online, offline) = service_and_mirror(&server, &db, demo::WORKSPACE).await;
    assert_eq!(online, offline);
    assert!(names(&offline).contains(&"Much later".to_owned()));
}
