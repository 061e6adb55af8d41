//! The tool in a real terminal (tmux), read from the screen as a person
//! would: the table and the quota line, the countdown spinner while the
//! client paces itself, and `login`'s questions. Every command runs with
//! the tests' own home, config and data folders.

use std::process::Command;
use std::time::{Duration, Instant};

/// A detached tmux session running one command; killed when dropped.
struct Session(String);

impl Session {
    fn start(tag: &str, command: &str) -> Self {
        let name = format!("toggl-clients-{tag}-{}", std::process::id());
        // Exported, so every command of the line gets them.
        let home: String = crate::isolated_home()
            .iter()
            .map(|(key, value)| format!("export {key}='{}'; ", value.display()))
            .collect();
        let command = format!("{home}{command}");
        let command = command.as_str();
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

    /// The screen once it shows `needle` `count` times, within `limit`.
    fn wait_for_count(&self, needle: &str, count: usize, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(needle).count() >= count {
                return screen;
            }
            assert!(
                started.elapsed() < limit,
                "{needle:?} never appeared {count} times; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` and Enter, as a person would.
    fn type_line(&self, text: &str) {
        for keys in [["-l", text], ["Enter", ""]] {
            let args: Vec<&str> = keys.into_iter().filter(|k| !k.is_empty()).collect();
            let sent = Command::new("tmux")
                .args(["send-keys", "-t", &self.0])
                .args(args)
                .status()
                .expect("send-keys runs");
            assert!(sent.success(), "keys sent");
        }
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
        "ARCHIVED",
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

#[tokio::test(flavor = "multi_thread")]
async fn login_on_a_terminal_asks_for_the_token_without_echo_and_offers_a_workspace() {
    let server = toggl_track_local_service::start(toggl_track_local_service::Config::demo())
        .await
        .expect("service starts");
    let config = crate::commands::temp_dir("terminal-login");
    let command = format!(
        "TOGGL_CLIENTS_CONFIG_DIR={} TOGGL_CLIENTS_CREDENTIAL_STORE=file {} --base-url {} login; sleep 30",
        config.display(),
        binary(),
        server.base_url()
    );
    let session = Session::start("login", &command);
    let token = toggl_track_local_service::demo::API_TOKEN;
    let screen = tokio::task::spawn_blocking(move || {
        session.wait_for("Toggl API token", Duration::from_secs(20));
        session.type_line(token);
        let asked = session.wait_for("default workspace", Duration::from_secs(20));
        session.type_line("2345678");
        let done = session.wait_for("requests (user-level quota)", Duration::from_secs(20));
        (asked, done)
    })
    .await
    .expect("joined");
    let (asked, done) = screen;
    assert!(
        asked.contains("default workspace (1234567, 2345678) [1234567]:"),
        "Toggl's default offered:\n{asked}"
    );
    assert!(!done.contains(token), "the token is never echoed:\n{done}");
    assert!(
        done.contains("workspace 2345678 Side projects (default)"),
        "the chosen workspace:\n{done}"
    );
    let kept = std::fs::read_to_string(config.join("config.toml")).expect("written");
    assert!(kept.contains("workspace = 2345678"), "{kept}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_several_on_a_terminal_shows_what_goes_and_asks() {
    let server = toggl_track_local_service::start(toggl_track_local_service::Config::demo())
        .await
        .expect("service starts");
    let command = format!(
        "TOGGL_API_TOKEN={} TOGGL_WORKSPACE_ID={} TOGGL_BASE_URL={} {bin} delete 61234001 61234002; \
         TOGGL_API_TOKEN={} TOGGL_WORKSPACE_ID={} TOGGL_BASE_URL={} {bin} delete 61234001 61234002; sleep 30",
        toggl_track_local_service::demo::API_TOKEN,
        toggl_track_local_service::demo::WORKSPACE,
        server.base_url(),
        toggl_track_local_service::demo::API_TOKEN,
        toggl_track_local_service::demo::WORKSPACE,
        server.base_url(),
        bin = binary()
    );
    let session = Session::start("delete", &command);
    let requests = || server.requests();
    let (first, second) = tokio::task::spawn_blocking(move || {
        let asked = session.wait_for("[y/N]", Duration::from_secs(20));
        session.type_line("n");
        let declined = session.wait_for("not confirmed", Duration::from_secs(20));
        session.wait_for_count("[y/N]", 2, Duration::from_secs(20));
        session.type_line("y");
        let done = session.wait_for("deleted", Duration::from_secs(20));
        ((asked, declined), done)
    })
    .await
    .expect("joined");
    let (asked, declined) = first;
    assert!(
        asked.contains("delete 2 clients: id 61234001, id 61234002?"),
        "what goes is shown:\n{asked}"
    );
    assert!(declined.contains("nothing was changed"), "{declined}");
    assert!(second.contains("61234002"), "{second}");
    assert_eq!(requests(), 1, "one bulk delete, after the yes");
}
