//! The tool in a real terminal (tmux), read from the screen as a person
//! would: the table and the quota line, and the countdown spinner while the
//! client paces itself.

use std::process::Command;
use std::time::{Duration, Instant};

/// A detached tmux session running one command; killed when dropped.
struct Session(String);

impl Session {
    fn start(tag: &str, command: &str) -> Self {
        let name = format!("toggl-clients-{tag}-{}", std::process::id());
        let new_session = || {
            Command::new("tmux")
                .args([
                    "new-session",
                    "-d",
                    "-x",
                    "200",
                    "-y",
                    "50",
                    "-s",
                    &name,
                    command,
                ])
                .env("TERM", "xterm-256color")
                .output()
                .expect("tmux runs (it is part of this project's machine image)")
        };
        // Two sessions started at once, with no tmux server yet, may race
        // to start it: the one that loses is started again.
        let mut started = new_session();
        for _ in 0..3 {
            if started.status.success() {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            started = new_session();
        }
        assert!(
            started.status.success(),
            "tmux started: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        Self(name)
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen once it shows `needle`, within `limit`.
    fn wait_for(&self, needle: &str, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                started.elapsed() < limit,
                "{needle:?} never appeared; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_toggl-clients")
}

#[test]
fn a_table_and_the_quota_on_a_terminal() {
    let session = Session::start(
        "table",
        &format!("{} --local-service list --status both; sleep 30", binary()),
    );
    let screen = session.wait_for("requests left this hour", Duration::from_secs(20));
    assert!(screen.contains("┌"), "a drawn table:\n{screen}");
    for needle in [
        "NAME",
        "Acme Corporation",
        "Initech",
        "archived",
        "3 client(s)",
        "599 requests left this hour",
    ] {
        assert!(screen.contains(needle), "{needle:?} on screen:\n{screen}");
    }
}

#[test]
fn a_countdown_spinner_while_pacing() {
    let session = Session::start(
        "spinner",
        &format!("{} --local-service --pace demo; sleep 30", binary()),
    );
    let screen = session.wait_for(
        "keeping to one request a second: waiting",
        Duration::from_secs(20),
    );
    assert!(screen.contains(" s"), "a countdown in seconds:\n{screen}");
    let screen = session.wait_for("All seven operations done.", Duration::from_secs(30));
    assert!(
        !screen.contains("keeping to one request a second"),
        "the spinner is cleared:\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_answer_shows_the_attempt_and_a_low_quota_warns() {
    let mut config = toggl_track_local_service::Config::demo();
    config.hourly_quota = Some(6);
    let server = toggl_track_local_service::start(config)
        .await
        .expect("service starts");
    server.faults().set_delay(Duration::from_secs(3));
    let command = format!(
        "TOGGL_API_TOKEN={} TOGGL_WORKSPACE_ID={} TOGGL_BASE_URL={} {} list; sleep 30",
        toggl_track_local_service::demo::API_TOKEN,
        toggl_track_local_service::demo::WORKSPACE,
        server.base_url(),
        binary()
    );
    let session = Session::start("slow", &command);
    let screen = tokio::task::spawn_blocking(move || {
        let waiting = session.wait_for(
            "waiting for the service, attempt 1 of 4",
            Duration::from_secs(20),
        );
        let done = session.wait_for("requests left this hour", Duration::from_secs(20));
        (waiting, done)
    })
    .await
    .expect("joined");
    let (waiting, done) = screen;
    assert!(waiting.contains(" s"), "the seconds waited:\n{waiting}");
    assert!(
        !done.contains("waiting for the service"),
        "the spinner is cleared:\n{done}"
    );
    assert!(
        done.contains("5 requests left this hour")
            && done.contains("warning: only 5 requests left"),
        "{done}"
    );
}
