//! The moment the tools exist for: Toggl changed its API and a maintainer
//! edits `openapi/toggl-track-v9.yaml`. Each test does what the maintainer
//! does: in a copy of the repository, the spec file edited in place, it
//! runs `cargo xtask ...` and reads the exit code and the output.
//!
//! The copy's client refuses to compile (its `src/lib.rs` starts with a
//! `compile_error!`) unless a test needs the client, so every command that
//! passes here has proved that it never compiles the client.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{LazyLock, Mutex, MutexGuard};

use crate::commands::root;

const SPEC: &str = "openapi/toggl-track-v9.yaml";
const LIB: &str = "src/lib.rs";
const POISON: &str = "compile_error!(\"cargo xtask compiled the client crate\");\n";

/// A copy of the repository: its tracked and unignored files, under
/// `target/maintainer/`.
struct Copy {
    dir: PathBuf,
}

static COPY: LazyLock<Mutex<Copy>> = LazyLock::new(|| {
    let dir = root().join("target").join("maintainer").join("repo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("an old copy is removed");
    }
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root())
        .output()
        .expect("git lists the repository's files");
    assert!(listed.status.success(), "git ls-files failed");
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let from = root().join(&name);
        if !from.is_file() {
            continue; // listed but deleted in the working tree
        }
        let to = dir.join(&name);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("folders");
        std::fs::copy(&from, &to).expect("copied");
    }
    Mutex::new(Copy { dir })
});

/// The copy, with the project's spec and derived files as they are, the
/// client poisoned, and `edit` applied to the spec file in place.
fn copy_with(edit: impl FnOnce(&str) -> String) -> MutexGuard<'static, Copy> {
    let copy = COPY.lock().unwrap_or_else(|p| p.into_inner());
    copy.restore();
    let lib = copy.dir.join(LIB);
    let text = std::fs::read_to_string(&lib).expect("lib");
    std::fs::write(&lib, format!("{POISON}{text}")).expect("poisoned");
    let spec = copy.dir.join(SPEC);
    let text = std::fs::read_to_string(&spec).expect("spec");
    let edited = edit(&text);
    std::fs::write(&spec, edited).expect("edited in place");
    copy
}

impl Copy {
    /// Puts back every file a scenario may change (`regen` writes the local
    /// service's sentences under `crates/`).
    fn restore(&self) {
        for dir in ["openapi", "src", "crates"] {
            restore_tree(&root().join(dir), &self.dir.join(dir));
        }
    }

    /// `cargo xtask ARGS` in the copy, as a maintainer runs it.
    fn xtask(&self, args: &[&str]) -> Output {
        self.cargo(&[&["xtask"], args].concat())
    }

    /// `cargo ARGS` in the copy, offline, with no Toggl credentials.
    fn cargo(&self, args: &[&str]) -> Output {
        Command::new(option_env!("CARGO").unwrap_or("cargo"))
            .args(args)
            .current_dir(&self.dir)
            // A target folder of its own: cargo names the artifacts of path
            // crates by their place in the workspace, so the copy's would
            // take the project's place in a shared one.
            .env("CARGO_TARGET_DIR", copy_target())
            .env("CARGO_NET_OFFLINE", "true")
            .env_remove("TOGGL_API_TOKEN")
            .env_remove("TOGGL_WORKSPACE_ID")
            .output()
            .expect("cargo runs")
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.join(path)).expect("readable")
    }
}

/// The copy's own target folder, kept between runs.
fn copy_target() -> PathBuf {
    root().join("target").join("maintainer").join("target")
}

/// Copies `from` over `to`, file by file.
fn restore_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("listable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("folder");
            restore_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copied back");
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn said(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr))
}

/// The spec without the list's `name` query parameter, as Toggl could
/// withdraw it; the hand-written layer uses it, so the client no longer
/// compiles from this spec.
fn without_name_filter(spec: &str) -> String {
    let line = "        - $ref: \"#/components/parameters/ClientNameFilter\"\n";
    assert!(spec.contains(line), "the fixture's anchor is in the spec");
    spec.replacen(line, "", 1)
}

#[test]
fn a_withdrawn_parameter_is_reported_regenerated_and_checked_without_the_client() {
    let copy = copy_with(without_name_filter);
    let drift = copy.xtask(&["drift"]);
    assert_eq!(drift.status.code(), Some(1), "{}", said(&drift));
    let out = text(&drift.stdout);
    assert!(
        out.contains("DRIFT    parameter query name: only in the documentation"),
        "{out}"
    );
    let regen = copy.xtask(&["regen"]);
    assert_eq!(regen.status.code(), Some(0), "{}", said(&regen));
    assert!(
        !copy
            .read("openapi/generated/toggl_track_v9.rs")
            .contains("pub fn name<V>"),
        "the regenerated client has no `name` setter"
    );
    let check = copy.xtask(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", said(&check));
}

/// One line on stderr, naming the spec file and the place, exit 2.
fn assert_one_line(o: &Output, place: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", said(o));
    let err = text(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with(&format!("error: {SPEC}: {place}")),
        "names the file and the place: {err}"
    );
}

#[test]
fn an_openapi_3_1_spec_is_one_line_and_exit_2() {
    let copy = copy_with(|spec| spec.replacen("openapi: 3.0.3", "openapi: 3.1.0", 1));
    for task in ["check", "drift"] {
        let o = copy.xtask(&[task]);
        assert_one_line(&o, "/openapi: version 3.1.0 is not supported");
    }
}

#[test]
fn a_reference_cycle_is_one_line_and_exit_2() {
    let copy = copy_with(|spec| {
        let changed = spec.replacen(
            "  schemas:\n    TrackClient:\n",
            "  schemas:\n    Loop:\n      $ref: \"#/components/schemas/TrackClient\"\n    TrackClient:\n      $ref: \"#/components/schemas/Loop\"\n    Unused:\n",
            1,
        );
        assert_ne!(changed, spec, "the fixture edit applied");
        changed
    });
    for task in ["check", "drift"] {
        let o = copy.xtask(&[task]);
        assert_one_line(&o, "/components/schemas/Loop/$ref");
        assert!(text(&o.stderr).contains("reference cycle"), "{}", said(&o));
    }
}

#[test]
fn unreadable_input_is_exit_2() {
    let copy = copy_with(str::to_owned);
    let o = copy.xtask(&["drift", "--docs", "/nonexistent/page.txt"]);
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
    assert!(text(&o.stderr).contains("/nonexistent/page.txt: cannot read"));
    // An I/O error is unreadable input too, not a finding.
    let o = copy.xtask(&["conformance", "/nonexistent/recording.har"]);
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
}

#[test]
fn drift_on_the_project_spec_passes_and_fits_a_ci_log() {
    let copy = copy_with(str::to_owned);
    let o = copy.xtask(&["drift"]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() <= 60, "{} lines:\n{out}", lines.len());
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("0 unaccepted and ")),
        "the summary comes last:\n{out}"
    );
    // Every reason is there when asked for.
    let verbose = copy.xtask(&["drift", "--verbose"]);
    assert!(text(&verbose.stdout).lines().count() > lines.len());
    assert!(text(&verbose.stdout).contains("accepted "));
}

#[test]
fn record_runs_the_client_against_a_service_and_the_recording_conforms() {
    let copy = copy_with(str::to_owned);
    // Recording needs the client: put the copy's back as it is.
    restore_tree(&root().join("src"), &copy.dir.join("src"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(toggl_track_local_service::start(
            toggl_track_local_service::Config::demo(),
        ))
        .expect("the local service starts");
    let out_dir = copy.dir.join("target-recording");
    let o = Command::new(option_env!("CARGO").unwrap_or("cargo"))
        .args(["xtask", "record", "--base-url", server.base_url()])
        .args(["--name", "local", "--out-dir"])
        .arg(&out_dir)
        .current_dir(&copy.dir)
        .env("CARGO_TARGET_DIR", copy_target())
        .env("CARGO_NET_OFFLINE", "true")
        .envs(demo_user())
        .output()
        .expect("cargo runs");
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let written = out_dir.join("local.har");
    let har = std::fs::read_to_string(&written).expect("written");
    assert!(
        !har.contains(toggl_track_local_service::demo::API_TOKEN) && !har.contains("Authorization")
    );
    let parsed: serde_json::Value = serde_json::from_str(&har).expect("json");
    let entries = parsed["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 12, "all eleven operations, the list twice");
    let o = copy.xtask(&["conformance", written.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
}

#[test]
fn a_field_added_to_the_retry_policy_is_a_minor_change() {
    let copy = copy_with(str::to_owned);
    restore_tree(&root().join("src"), &copy.dir.join("src"));
    // The API as it is, built by the gate itself, becomes the baseline.
    let o = copy.xtask(&["semver"]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let built = copy_target().join("doc").join("toggl_track_api.json");
    let baseline = copy.dir.join("target-baseline.json");
    std::fs::copy(&built, &baseline).expect("the API's rustdoc JSON");
    let baseline = baseline.to_str().expect("utf-8");

    // A knob more: callers' code keeps compiling, so it is minor.
    let policy = copy.dir.join("src/pipeline/retry.rs");
    let source = std::fs::read_to_string(&policy).expect("readable");
    let grown = source
        .replacen(
            "    pub read_after_create: Option<ReadAfterCreate>,\n}",
            "    pub read_after_create: Option<ReadAfterCreate>,\n    /// A knob added later.\n    pub budget: Option<u32>,\n}",
            1,
        )
        .replacen(
            "            read_after_create: None,\n        }",
            "            read_after_create: None,\n            budget: None,\n        }",
            1,
        );
    assert_ne!(grown, source, "the fixture edit applied");
    std::fs::write(&policy, &grown).expect("edited");
    let o = copy.xtask(&["semver", "--baseline", baseline]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));

    // The control: a constructor taken away breaks callers.
    let shrunk = grown.replacen("    pub fn none() -> Self {", "    fn none() -> Self {", 1);
    assert_ne!(shrunk, grown, "the control edit applied");
    std::fs::write(&policy, shrunk).expect("edited");
    let o = copy.xtask(&["semver", "--baseline", baseline]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(text(&o.stdout).contains("none"), "{}", said(&o));
}

/// The copy's spec with an optional field added to the client object and
/// to the create body, as Toggl could add one.
fn with_tax_id(spec: &str) -> String {
    let client = "        external_reference:\n          type: string\n          nullable: true\n          description: An identifier of this client in another system, chosen by the caller.\n";
    let create = "        external_reference:\n          type: string\n          description: An identifier of this client in another system.\n";
    assert!(
        spec.contains(client) && spec.contains(create),
        "the fixture's anchors are in the spec"
    );
    spec.replacen(
        client,
        &format!("{client}        tax_id:\n          type: string\n          nullable: true\n          description: A tax number Toggl added later.\n"),
        1,
    )
    .replacen(
        create,
        &format!("{create}        tax_id:\n          type: string\n          description: A tax number Toggl added later.\n"),
        1,
    )
}

#[test]
fn a_field_toggl_adds_is_a_minor_release_and_one_made_required_is_not() {
    let copy = copy_with(str::to_owned);
    restore_tree(&root().join("src"), &copy.dir.join("src"));
    // The API as it is, built by the gate itself, becomes the baseline.
    let o = copy.xtask(&["semver"]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let built = copy_target().join("doc").join("toggl_track_api.json");
    let baseline = copy.dir.join("target-baseline-spec.json");
    std::fs::copy(&built, &baseline).expect("the API's rustdoc JSON");
    let baseline = baseline.to_str().expect("utf-8");

    // An optional field on the client object and on the create body: the
    // generated types are non_exhaustive, so callers keep compiling.
    let spec = copy.dir.join(SPEC);
    let grown = with_tax_id(&copy.read(SPEC));
    std::fs::write(&spec, &grown).expect("edited in place");
    let o = copy.xtask(&["semver", "--baseline", baseline]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));

    // The control: an optional field made required changes its type.
    let required = grown.replacen(
        "      description: A new client. The workspace comes from the path, not the body.\n      required: [name]\n",
        "      description: A new client. The workspace comes from the path, not the body.\n      required: [name, notes]\n",
        1,
    );
    assert_ne!(required, grown, "the control edit applied");
    std::fs::write(&spec, required).expect("edited in place");
    let o = copy.xtask(&["semver", "--baseline", baseline]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(
        text(&o.stdout).contains("types::ClientCreate.notes: Option<String> -> String"),
        "{}",
        said(&o)
    );
}

/// A list of 40 clients whose 38th carries `permissions` as an object:
/// an answer as a changed service could send it.
fn list_with_permissions_as_an_object() -> String {
    let workspace = toggl_track_local_service::demo::WORKSPACE;
    let mut list: Vec<serde_json::Value> = (1..=40)
        .map(|i| {
            serde_json::json!({"id": 61300000 + i, "wid": workspace, "name": format!("Changed {i:02}"),
                "archived": false, "at": "2026-11-30T10:00:00Z", "creator_id": 7654321,
                "permissions": ["archive", "update", "remove"]})
        })
        .collect();
    list[37]["permissions"] = serde_json::json!({"archive": true, "update": true, "remove": false});
    serde_json::to_string(&list).expect("json")
}

/// The project's command-line tool as users run it, built if need be.
fn toggl_clients() -> PathBuf {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .expect("the test's target folder");
    let binary = dir.join("toggl-clients");
    if !binary.exists() {
        let built = Command::new(option_env!("CARGO").unwrap_or("cargo"))
            .args(["build", "-q", "-p", "toggl-clients"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(built.success(), "the tool builds");
    }
    binary
}

#[test]
fn a_changed_answer_is_named_saved_imported_checked_and_fixed() {
    let scratch = root().join("target").join("maintainer").join("changed");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let har = scratch.join("changed.har");

    // 1 and 2: the changed answer, and the tool's one line about it.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(toggl_track_local_service::start(
            toggl_track_local_service::Config::demo(),
        ))
        .expect("the local service starts");
    server
        .faults()
        .answer_next(list_with_permissions_as_an_object());
    let o = Command::new(toggl_clients())
        .args(["--base-url", server.base_url(), "--record"])
        .arg(&har)
        .arg("list")
        .env_clear()
        .envs(demo_user())
        .env("TOGGL_CLIENTS_CACHE_DIR", scratch.join("cache"))
        .output()
        .expect("the tool runs");
    assert_eq!(o.status.code(), Some(6), "{}", said(&o));
    let line = text(&o.stderr);
    let place = "[37].permissions";
    let location = "#/components/schemas/TrackClient/properties/permissions";
    for part in [
        "list_clients",
        place,
        location,
        "an object with 3 field(s)",
        "HTTP 200",
    ] {
        assert!(line.contains(part), "{part}: {line}");
    }
    // 3: the exchange, saved.
    assert!(
        line.contains(&format!("saved in {}", har.display())),
        "{line}"
    );

    // 4 and 5: imported as it is; conformance names the same place.
    let copy = copy_with(str::to_owned);
    let o = copy.xtask(&["recordings", "import", har.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    assert!(copy.dir.join("openapi/recordings/changed.har").exists());
    let o = copy.xtask(&["conformance"]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    let report = text(&o.stdout);
    assert!(
        report.contains(place) && report.contains(location),
        "the same place and spec location: {report}"
    );

    // 6 and 7: the spec follows the service, in place; regenerated.
    let spec = copy.dir.join(SPEC);
    let single =
        "            - title: Single\n              type: string\n              nullable: true\n";
    let source = copy.read(SPEC);
    assert!(
        source.contains(single),
        "the fixture's anchor is in the spec"
    );
    let followed = source.replacen(
        single,
        &format!("{single}            - title: Flags\n              type: object\n              additionalProperties:\n                type: boolean\n"),
        1,
    );
    std::fs::write(&spec, followed).expect("edited in place");
    let o = copy.xtask(&["regen"]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));

    // 8: the recording conforms, and the client's types read it.
    let o = copy.xtask(&["conformance"]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    restore_tree(&root().join("src"), &copy.dir.join("src"));
    let o = copy.cargo(&[
        "test",
        "-q",
        "-p",
        "toggl-track-api",
        "--test",
        "it",
        "recordings::every_recorded_body_decodes_with_the_clients_types",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
}

#[test]
fn two_checkouts_sharing_a_target_folder_each_check_their_own_spec() {
    let copy = copy_with(str::to_owned);
    // A second checkout beside the first, whose spec has a reference cycle.
    let other = copy.dir.with_file_name("other");
    let _ = std::fs::remove_dir_all(&other);
    restore_tree(&copy.dir, &other);
    let spec = other.join(SPEC);
    let cycled = std::fs::read_to_string(&spec).expect("spec").replacen(
        "  schemas:\n    TrackClient:\n",
        "  schemas:\n    Loop:\n      $ref: \"#/components/schemas/Loop\"\n    TrackClient:\n",
        1,
    );
    std::fs::write(&spec, cycled).expect("edited");
    let check = |dir: &Path| {
        Command::new(option_env!("CARGO").unwrap_or("cargo"))
            .args(["xtask", "check"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", copy_target())
            .env("CARGO_NET_OFFLINE", "true")
            .output()
            .expect("cargo runs")
    };
    // In turns, so that each may run the binary the other built.
    for _ in 0..2 {
        let o = check(&other);
        assert_eq!(o.status.code(), Some(2), "{}", said(&o));
        assert!(text(&o.stderr).contains("reference cycle"), "{}", said(&o));
        let o = check(&copy.dir);
        assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    }
}

/// The spec with Toggl's "name taken" and "since too old" sentences
/// reworded, as a maintainer would when Toggl rewords them.
fn with_reworded_sentences(spec: &str) -> String {
    let mut edited = spec.to_owned();
    for (name, words) in [
        ("NameTaken", "A client named so is in the workspace already"),
        ("SinceTooOld", "The since time lies beyond what is kept"),
    ] {
        let anchor = format!("    {name}:\n");
        let at = edited.find(&anchor).expect("the example is in the spec");
        let value = at + edited[at..].find("      value: ").expect("its value");
        let end = value + edited[value..].find('\n').expect("a line");
        edited.replace_range(value..end, &format!("      value: {words}"));
    }
    edited
}

/// Every `.rs` file of the copy outside `target/`, with its content.
fn rust_files(dir: &Path, into: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).expect("listable").flatten() {
        let path = entry.path();
        if path.is_dir() && entry.file_name() != "target" {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push((path.clone(), std::fs::read(&path).expect("readable")));
        }
    }
}

/// The local service's demo user and workspace, as environment variables.
fn demo_user() -> [(&'static str, String); 2] {
    use toggl_track_local_service::demo;
    [
        ("TOGGL_API_TOKEN", demo::API_TOKEN.to_owned()),
        ("TOGGL_WORKSPACE_ID", demo::WORKSPACE.to_string()),
    ]
}

/// `toggl-clients ARGS` from the copy's build, against `base_url`.
fn copy_tool(bin: &Path, base_url: &str, db: &Path, args: &[&str]) -> Output {
    Command::new(bin.join("toggl-clients"))
        .args(["--base-url", base_url, "--db"])
        .arg(db)
        .args(args)
        .env_clear()
        .envs(demo_user())
        .output()
        .expect("the copy's tool runs")
}

#[test]
fn reworded_sentences_are_one_edit_of_the_spec_and_a_regen() {
    let copy = copy_with(with_reworded_sentences);
    let mut before = Vec::new();
    rust_files(&copy.dir, &mut before);
    let o = copy.xtask(&["regen"]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let mut after = Vec::new();
    rust_files(&copy.dir, &mut after);
    let changed: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.display().to_string())
        .collect();
    assert_eq!(before.len(), after.len(), "no .rs file comes or goes");
    assert!(changed.is_empty(), "regen changed Rust files: {changed:?}");
    assert!(
        copy.read("crates/local-service/src/sentences.json")
            .contains("A client named so is in the workspace already")
    );

    // The copy's tool and service, built from the reworded spec.
    restore_tree(&root().join("src"), &copy.dir.join("src"));
    let o = copy.cargo(&[
        "build",
        "-q",
        "-p",
        "toggl-clients",
        "-p",
        "toggl-track-local-service",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let bin = copy_target().join("debug");
    // Every `since` is too old for this service: a delta is refused.
    let mut service = Command::new(bin.join("toggl-track-local-service"))
        .args(["--since-max-days", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the copy's service starts");
    let mut first_line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(service.stdout.take().expect("stdout")),
        &mut first_line,
    )
    .expect("the service says where it listens");
    let base_url = first_line.trim().to_owned();
    let scratch = root().join("target").join("maintainer").join("reworded");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let db = scratch.join("mirror.sqlite");

    let taken = copy_tool(
        &bin,
        &base_url,
        &db,
        &["create", "--name", "Acme Corporation"],
    );
    let synced = copy_tool(&bin, &base_url, &db, &["sync"]);
    let delta = copy_tool(&bin, &base_url, &db, &["sync"]);
    let _ = service.kill();
    let _ = service.wait();
    // The service says the new words, and the client still reads them as
    // a taken name (exit 1 and the tool's advice for one).
    assert_eq!(taken.status.code(), Some(1), "{}", said(&taken));
    let line = text(&taken.stderr);
    assert!(
        line.contains("A client named so is in the workspace already"),
        "{line}"
    );
    assert!(
        line.contains("another client of the workspace has this name"),
        "{line}"
    );
    // An old `since` in the new words is still read as one: the sync
    // reads everything, and says why.
    assert_eq!(synced.status.code(), Some(0), "{}", said(&synced));
    assert_eq!(delta.status.code(), Some(0), "{}", said(&delta));
    let report = format!("{}{}", text(&delta.stdout), text(&delta.stderr));
    assert!(
        report.contains("no longer keeps changes that far back"),
        "{report}"
    );
}
