//! Accounts as a person meets them: `login` once, then every command with
//! no variable and no flag; two profiles on two services, each with its
//! own account and mirror; the order settings are found in; private files
//! only; `logout` leaving nothing behind; and the platform's credential
//! store used for real where one runs.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use toggl_track_local_service::{Config, LocalService, demo};

use crate::commands::{output, stderr, temp_dir};
use crate::mirror::ok;

/// A person's machine: a home with its config and data folders.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str) -> Self {
        Self {
            dir: temp_dir(&format!("home-{name}")),
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.join("config")
    }

    /// The tool as this person runs it: nothing in the environment but
    /// their folders, and the credential store `store` (`file` unless a
    /// test is about the platform's).
    fn tool(&self, store: &str, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("toggl-clients").expect("built");
        cmd.env_clear()
            .env("HOME", &self.dir)
            .env("TOGGL_CLIENTS_CONFIG_DIR", self.config())
            .env("TOGGL_CLIENTS_DATA_DIR", self.dir.join("data"))
            .env("TOGGL_CLIENTS_CREDENTIAL_STORE", store)
            // No session bus, whatever the machine has: the keyring test
            // names its own.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", self.dir.join("no-bus").display()),
            )
            .args(args);
        cmd
    }

    async fn run(&self, args: &[&str]) -> Output {
        output(self.tool("file", args)).await
    }

    async fn login(&self, server: &LocalService, token: &str, extra: &[&str]) -> Output {
        let mut args = vec!["--base-url", server.base_url()];
        args.extend_from_slice(extra);
        args.extend(["login", "--with-token"]);
        let mut cmd = self.tool("file", &args);
        cmd.write_stdin(format!("{token}\n"));
        output(cmd).await
    }

    /// The files of this home whose bytes hold `secret`.
    fn files_holding(&self, secret: &str) -> Vec<PathBuf> {
        walk(&self.dir)
            .into_iter()
            .filter(|f| {
                std::fs::read(f)
                    .is_ok_and(|b| b.windows(secret.len()).any(|w| w == secret.as_bytes()))
            })
            .collect()
    }

    fn config_text(&self) -> String {
        std::fs::read_to_string(self.config().join("config.toml")).expect("a config file")
    }
}

async fn service() -> LocalService {
    toggl_track_local_service::start(Config::demo())
        .await
        .expect("service")
}

fn status(home_json: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(home_json)
        .expect("json")
        .as_array()
        .cloned()
        .expect("a list")
}

fn names(o: &Output) -> Vec<String> {
    serde_json::from_str::<Value>(&ok(o))
        .expect("json")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

/// The workspaces a mirror's file holds clients of.
fn mirrored_workspaces(file: &Path) -> Vec<u64> {
    let db = rusqlite::Connection::open(file).expect("the mirror opens");
    let mut q = db
        .prepare("SELECT DISTINCT wid FROM clients ORDER BY wid")
        .expect("query");
    q.query_map([], |r| r.get::<_, i64>(0))
        .expect("rows")
        .map(|w| u64::try_from(w.expect("a row")).expect("an id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_login_every_command_runs_with_no_variable_and_no_flag() {
    let server = service().await;
    let home = Home::new("login");
    let o = home.login(&server, demo::API_TOKEN, &[]).await;
    let said = ok(&o);
    assert!(
        said.contains("as ada@example.com (Toggl user 7654321)") && said.contains("2 requests"),
        "{said}"
    );
    assert!(
        said.contains(&format!("workspace {} ", demo::WORKSPACE)),
        "{said}"
    );
    assert_eq!(server.requests(), 2, "/me and /me/workspaces, nothing else");
    // The config names the service, the workspace and where the token is,
    // never the token.
    let config = home.config_text();
    assert!(!config.contains(demo::API_TOKEN), "{config}");
    assert!(config.contains(server.base_url()), "{config}");

    let listed = names(&home.run(&["-o", "json", "list"]).await);
    assert_eq!(
        listed,
        ["Acme Corporation", "Globex"],
        "the default workspace"
    );
    let before = server.requests();
    let synced = ok(&home.run(&["sync"]).await);
    // The login said whose the token is: no `GET /me` for the mirror.
    assert_eq!(
        server.requests() - before,
        3,
        "/me/workspaces and one read of each of the two workspaces: {synced}"
    );
    let offline = home.run(&["-o", "json", "list", "--offline"]).await;
    assert_eq!(names(&offline), ["Acme Corporation", "Globex"]);
    assert!(
        stderr(&offline).contains("0 request(s)"),
        "{}",
        stderr(&offline)
    );

    let shown = status(&ok(&home.run(&["-o", "json", "auth", "status"]).await));
    assert_eq!(shown.len(), 1);
    let me = &shown[0];
    assert_eq!(me["user"], "ada@example.com (Toggl user 7654321)");
    assert_eq!(me["workspace"], demo::WORKSPACE);
    assert_eq!(me["token_state"], "present");
    let token = me["token"].as_str().expect("a place");
    assert!(token.starts_with("the file "), "{token}");
    let mirror = PathBuf::from(me["mirror"].as_str().expect("a file"));
    assert!(mirror.starts_with(home.dir.join("data")), "{mirror:?}");
    assert_eq!(
        mirrored_workspaces(&mirror),
        [demo::WORKSPACE, demo::FREE_WORKSPACE]
    );
    let text = ok(&home.run(&["auth", "status"]).await);
    assert!(!text.contains(demo::API_TOKEN), "{text}");
    assert_eq!(server.requests() - before, 3, "auth status sends nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_profiles_on_two_services_each_act_on_their_own_account() {
    let (ada_service, grace_service) = (service().await, service().await);
    let home = Home::new("profiles");
    ok(&home
        .login(&ada_service, demo::API_TOKEN, &["--profile", "ada"])
        .await);
    ok(&home
        .login(
            &grace_service,
            demo::OTHER_API_TOKEN,
            &["--profile", "grace"],
        )
        .await);
    for profile in ["ada", "grace"] {
        ok(&home.run(&["--profile", profile, "sync"]).await);
    }
    // Each command acts on its profile's account, on its service.
    let ada = home
        .run(&["--profile", "ada", "-o", "json", "list", "--offline"])
        .await;
    assert_eq!(names(&ada), ["Acme Corporation", "Globex"]);
    let mut by_env = home.tool("file", &["-o", "json", "list"]);
    by_env.env("TOGGL_CLIENTS_PROFILE", "grace");
    assert_eq!(names(&output(by_env).await), ["Umbrella"]);
    assert_eq!(
        grace_service.requests(),
        2 + 2 + 1,
        "grace's login, sync and list all went to her service"
    );
    // A profile's token goes to its own service only.
    let before = grace_service.requests();
    let o = home
        .run(&[
            "--profile",
            "ada",
            "--base-url",
            grace_service.base_url(),
            "list",
        ])
        .await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("logged in to"), "{}", stderr(&o));
    assert_eq!(grace_service.requests(), before, "nothing sent");
    // Each mirror holds only its owner's workspaces.
    let shown = status(&ok(&home.run(&["-o", "json", "auth", "status"]).await));
    let mirror_of = |profile: &str| {
        let row = shown
            .iter()
            .find(|r| r["profile"] == profile)
            .expect("listed");
        PathBuf::from(row["mirror"].as_str().expect("a file"))
    };
    assert_ne!(mirror_of("ada"), mirror_of("grace"));
    assert_eq!(
        mirrored_workspaces(&mirror_of("ada")),
        [demo::WORKSPACE, demo::FREE_WORKSPACE]
    );
    assert_eq!(
        mirrored_workspaces(&mirror_of("grace")),
        [demo::FREE_WORKSPACE]
    );
    // A profile the file does not have is refused, not made up.
    let o = home.run(&["--profile", "bob", "list"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no profile \"bob\""), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_setting_comes_from_the_flag_then_the_environment_then_the_profile_then_the_default() {
    let server = service().await;
    let home = Home::new("precedence");
    ok(&home.login(&server, demo::API_TOKEN, &[]).await);
    let free = demo::FREE_WORKSPACE.to_string();
    let premium = demo::WORKSPACE.to_string();
    // Default: a table.
    assert!(ok(&home.run(&["list"]).await).contains("Acme Corporation"));
    // The profile's output and workspace.
    ok(&home.run(&["config", "set", "output", "json"]).await);
    ok(&home.run(&["config", "set", "workspace", &free]).await);
    assert_eq!(names(&home.run(&["list"]).await), ["Umbrella"]);
    // The environment over the profile.
    let mut env = home.tool("file", &["list"]);
    env.env("TOGGL_WORKSPACE_ID", &premium);
    assert_eq!(names(&output(env).await), ["Acme Corporation", "Globex"]);
    // The flag over the environment.
    let mut flag = home.tool("file", &["-w", &free, "-o", "csv", "list"]);
    flag.env("TOGGL_WORKSPACE_ID", &premium);
    let csv = ok(&output(flag).await);
    assert!(csv.starts_with("id,") && csv.contains("Umbrella"), "{csv}");
    // A token from the environment wins over the login's, and a bad one
    // is refused rather than replaced.
    let mut token = home.tool("file", &["list"]);
    token.env("TOGGL_API_TOKEN", "not-a-token");
    assert_eq!(output(token).await.status.code(), Some(3));
    // `config` shows and checks what it keeps.
    assert_eq!(
        ok(&home.run(&["config", "get", "workspace"]).await).trim(),
        free
    );
    let o = home.run(&["config", "set", "worksapce", "1"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean workspace"),
        "{}",
        stderr(&o)
    );
    ok(&home.run(&["config", "unset", "output"]).await);
    assert!(ok(&home.run(&["list"]).await).contains("Umbrella"));
    // The profile's quota reserve stops a sync before it dips into the
    // last 599 of the workspace quota's 600; the flag lifts it.
    ok(&home.run(&["config", "set", "quota_reserve", "599"]).await);
    let o = home.run(&["sync"]).await;
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    ok(&home.run(&["--quota-reserve", "0", "sync"]).await);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_config_or_token_file_others_can_read_is_refused_and_logout_leaves_no_token() {
    use std::os::unix::fs::PermissionsExt;
    let server = service().await;
    let home = Home::new("private");
    ok(&home.login(&server, demo::API_TOKEN, &[]).await);
    let config = home.config().join("config.toml");
    let tokens: Vec<PathBuf> = std::fs::read_dir(home.config().join("tokens"))
        .expect("the token folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(tokens.len(), 1, "one token file: {tokens:?}");
    for file in [&config, &tokens[0]] {
        let mode = std::fs::metadata(file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file:?}");
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let o = home.run(&["list"]).await;
        assert_eq!(o.status.code(), Some(2), "{file:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains("0644") && err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    ok(&home.run(&["list"]).await);
    let said = ok(&home.run(&["logout"]).await);
    assert!(said.contains("the token is removed"), "{said}");
    assert!(!tokens[0].exists(), "the token file is gone");
    assert!(
        !home.config_text().contains("login"),
        "{}",
        home.config_text()
    );
    let o = home.run(&["list"]).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("toggl-clients login"), "{}", stderr(&o));
    let left = home.files_holding(demo::API_TOKEN);
    assert!(left.is_empty(), "files still hold the token: {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_without_a_terminal_needs_the_token_on_stdin_and_checks_it() {
    let server = service().await;
    let home = Home::new("login-refused");
    let o = output(home.tool("file", &["--base-url", server.base_url(), "login"])).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--with-token"), "{}", stderr(&o));
    let o = home.login(&server, "not-a-token", &[]).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the token was not accepted"),
        "{}",
        stderr(&o)
    );
    let o = home.login(&server, "   ", &[]).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(server.requests(), 1, "the empty token was not sent");
    assert!(
        !home.config().join("config.toml").exists(),
        "a refused login writes nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_email_keeps_the_api_token_and_no_password() {
    let server = service().await;
    let home = Home::new("login-email");
    let mut login = home.tool(
        "file",
        &[
            "--base-url",
            server.base_url(),
            "--email",
            demo::EMAIL,
            "login",
        ],
    );
    login.env("TOGGL_PASSWORD", demo::PASSWORD);
    let said = ok(&output(login).await);
    assert!(
        said.contains("as ada@example.com (Toggl user 7654321)"),
        "{said}"
    );
    // The password is nowhere; the token /me answered is what is kept, and
    // what the next command sends.
    let holding = home.files_holding(demo::PASSWORD);
    assert!(holding.is_empty(), "files hold the password: {holding:?}");
    assert_eq!(
        home.files_holding(demo::API_TOKEN).len(),
        1,
        "the token file"
    );
    assert_eq!(names(&home.run(&["-o", "json", "list"]).await).len(), 2);
    // A wrong password keeps nothing.
    let other = Home::new("login-email-wrong");
    let mut wrong = other.tool(
        "file",
        &[
            "--base-url",
            server.base_url(),
            "--email",
            demo::EMAIL,
            "login",
        ],
    );
    wrong.env("TOGGL_PASSWORD", "not-the-password");
    let o = output(wrong).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!other.config().join("config.toml").exists());
}

/// The platform's credential store, for real: Secret Service from
/// gnome-keyring on a session bus of its own (`cargo xtask ci` runs this
/// under `dbus-run-session`, with the keyring installed by `.ci/run`).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a D-Bus session with gnome-keyring (cargo xtask ci runs it)"]
async fn a_token_in_the_secret_service_is_read_back_and_removed_by_logout() {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("run under dbus-run-session, as cargo xtask ci does");
    let server = service().await;
    let home = Home::new("keyring");
    // The keyring daemon, its files in this home, unlocked for the session.
    let mut daemon = std::process::Command::new("gnome-keyring-daemon");
    daemon
        .args(["--unlock", "--components=secrets"])
        .env("HOME", &home.dir)
        .env("XDG_DATA_HOME", home.dir.join("share"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null());
    let mut started = daemon.spawn().expect("gnome-keyring-daemon starts");
    std::io::Write::write_all(started.stdin.as_mut().expect("stdin"), b"test-keyring")
        .expect("unlocked");
    drop(started.stdin.take());
    assert!(started.wait().expect("ran").success(), "the keyring runs");
    let with_bus = |args: &[&str]| {
        let mut cmd = home.tool("keyring", args);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus);
        cmd
    };
    let mut login = with_bus(&["--base-url", server.base_url(), "login", "--with-token"]);
    login.write_stdin(demo::API_TOKEN);
    let said = ok(&output(login).await);
    assert!(
        said.contains("token kept in the Secret Service keyring"),
        "{said}"
    );
    eprintln!("credential store used: the Secret Service keyring (gnome-keyring)");
    assert!(!home.dir.join("config/tokens").exists(), "no token file");
    // Read back by the next command, from the store.
    let listed = names(&output(with_bus(&["-o", "json", "list"])).await);
    assert_eq!(listed, ["Acme Corporation", "Globex"]);
    let logged_in = home.config_text();
    ok(&output(with_bus(&["logout"])).await);
    let shown = status(&ok(
        &output(with_bus(&["-o", "json", "auth", "status"])).await
    ));
    assert!(shown[0]["user"].is_null(), "{shown:?}");
    // The store no longer holds it: the old config, put back, finds
    // nothing there.
    std::fs::write(home.config().join("config.toml"), logged_in).expect("put back");
    let o = output(with_bus(&["list"])).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("no longer holds it"), "{}", stderr(&o));
    let left = home.files_holding(demo::API_TOKEN);
    assert!(left.is_empty(), "files still hold the token: {left:?}");
}

/// Without a platform store (no session bus), the token goes to a private
/// file, and the user is told so.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_credential_store_the_token_goes_to_a_private_file_with_a_warning() {
    let server = service().await;
    let home = Home::new("fallback");
    let mut login = home.tool(
        "auto",
        &["--base-url", server.base_url(), "login", "--with-token"],
    );
    login.write_stdin(demo::API_TOKEN);
    let o = output(login).await;
    let said = ok(&o);
    assert!(said.contains("token kept in the file"), "{said}");
    let err = stderr(&o);
    assert!(
        err.contains("warning: no credential store could keep the token")
            && err.contains("TOGGL_CLIENTS_CREDENTIAL_STORE=file"),
        "{err}"
    );
    eprintln!("credential store used: the file fallback ({})", err.trim());
    assert_eq!(names(&home.run(&["-o", "json", "list"]).await).len(), 2);
    let mut strict = home.tool(
        "keyring",
        &["--base-url", server.base_url(), "login", "--with-token"],
    );
    strict.write_stdin(demo::API_TOKEN);
    let o = output(strict).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot keep the token"),
        "{}",
        stderr(&o)
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
