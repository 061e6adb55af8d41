//! The manual pages, as `man` shows them: generated from the same
//! definitions as `--help` (kept fresh by the CLI's own test), and
//! installable with `toggl-clients man --out DIR`.

use crate::commands::temp_dir;

#[test]
fn man_shows_a_commands_flags_from_the_pages_the_tool_writes() {
    let dir = temp_dir("man").join("man1");
    let o = assert_cmd::Command::cargo_bin("toggl-clients")
        .expect("built")
        .env_clear()
        .envs(crate::isolated_home())
        .args(["man", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let root = dir.parent().expect("the man root");
    let kept = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    for pages in [root, kept.as_path()] {
        let shown = std::process::Command::new("man")
            .arg("-M")
            .arg(pages)
            .arg("toggl-clients-sync")
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("`man` runs (Debian's man-db; .ci/run installs it)");
        let text = String::from_utf8_lossy(&shown.stdout);
        assert!(
            shown.status.success(),
            "{}",
            String::from_utf8_lossy(&shown.stderr)
        );
        for needle in ["toggl-clients-sync", "--full", "--workspaces", "--profile"] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
    }
}
