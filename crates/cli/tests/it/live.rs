//! The check against the real Toggl Track API, when `TOGGL_API_TOKEN` and
//! `TOGGL_WORKSPACE_ID` are set (`cargo xtask live` runs it and nothing
//! else): the demo walks through every operation with a uniquely named
//! client of its own (created, changed, archived, restored, deleted), one
//! request a second. Plain `cargo test` reports it as ignored (not run).

use assert_cmd::Command;

#[test]
#[ignore = "needs TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID: `cargo xtask live` runs it"]
fn every_operation_against_the_real_service() {
    let missing: Vec<&str> = ["TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID"]
        .into_iter()
        .filter(|name| {
            std::env::var(name).is_ok_and(|v| v.is_empty()) || std::env::var(name).is_err()
        })
        .collect();
    // Asked to run without them, it fails: not run must not pass.
    assert!(
        missing.is_empty(),
        "{} not set; set them to run every operation against the real Toggl API",
        missing.join(" and ")
    );
    let out = Command::cargo_bin("toggl-clients")
        .expect("built")
        .args(["--pace", "demo"])
        .env_remove("TOGGL_BASE_URL")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success());
    assert!(stdout.contains("All seven operations done."));
}
