//! The opt-in check against the real Toggl Track API, run by `cargo xtask
//! live` when `TOGGL_API_TOKEN` and `TOGGL_WORKSPACE_ID` are set: the demo
//! walks through every operation with a uniquely named client of its own
//! (created, changed, archived, restored, deleted), one request a second.

use assert_cmd::Command;

#[test]
fn every_operation_against_the_real_service() {
    for name in ["TOGGL_API_TOKEN", "TOGGL_WORKSPACE_ID"] {
        assert!(
            std::env::var(name).is_ok_and(|v| !v.is_empty()),
            "{name} must be set for the live tests (run them with `cargo xtask live`)"
        );
    }
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
