//! Turns the global options into a client: credentials, workspace, server
//! (or a local service started for the command, with the `local-service`
//! feature), timeouts, pacing, the progress display, field capture, and
//! the mirror (opened when a command first needs it).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use toggl_track_api::config::{DEFAULT_BASE_URL, Pacing, QuotaReserve};
use toggl_track_api::error::BuildError;
use toggl_track_api::record::Recorder;
use toggl_track_api::{Client, ClientBuilder, Credentials};

use crate::args::Global;
use crate::failure::{AUTH, Failure, USAGE};
use crate::mirror::{self, Mirror};

/// The longest one attempt may take; each operation is bounded by
/// `--timeout`.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// A ready client, and the local service it talks to when there is one.
pub(crate) struct Session {
    pub client: Client,
    /// `--workspace` (or `TOGGL_WORKSPACE_ID`), when given.
    workspace: Option<u64>,
    /// The profile's workspace, for commands that act on one when none
    /// is named.
    profile_workspace: Option<u64>,
    /// The local service started for this command, kept alive with the
    /// session; `None` against any other server.
    pub local: Option<Local>,
    /// Where exchanges are saved, with `--record`.
    pub recorder: Option<Recorder>,
    /// Where the mirror is and whose it is; open once a command needs it.
    store: Store,
}

/// The mirror of a session: where it lives, whose it is, and, once a
/// command has needed it, the open file or why it could not be opened.
struct Store {
    /// The file, and whether its folder is the default one (which must be
    /// the user's alone); `None` without one (a local service started for
    /// the command, unless `--db` names one).
    path: Option<(PathBuf, bool)>,
    identity: mirror::Identity,
    busy: Duration,
    open: Option<std::result::Result<Mirror, mirror::MirrorError>>,
    warned: bool,
}

/// What a command needs of its session beyond the global options.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Needs {
    /// The demo: on a local service when nothing else is configured.
    pub demo: bool,
    /// Wait for each quota reset instead of stopping at a used-up quota
    /// (`apply --wait`).
    pub quota_wait: bool,
}

/// A local service started for one command.
#[cfg(feature = "local-service")]
pub(crate) type Local = toggl_track_local_service::LocalService;

/// Without the local service, there is never one.
#[cfg(not(feature = "local-service"))]
pub(crate) enum Local {}

impl Session {
    /// The workspace the command acts on.
    pub(crate) fn workspace(&self) -> Result<u64, Failure> {
        self.workspace.or(self.profile_workspace).ok_or_else(|| {
            Failure::new(
                USAGE,
                "no workspace: pass --workspace, set TOGGL_WORKSPACE_ID, or give the profile one (`toggl-clients config set workspace ID`); `toggl-clients workspaces` lists yours",
            )
        })
    }

    /// The workspace named with `--workspace`, if any.
    pub(crate) fn named_workspace(&self) -> Option<u64> {
        self.workspace
    }

    /// The local service's address, when the session runs on one.
    pub(crate) fn local_url(&self) -> Option<&str> {
        #[cfg(feature = "local-service")]
        return self.local.as_ref().map(|l| l.base_url());
        #[cfg(not(feature = "local-service"))]
        return self.local.as_ref().map(|l| match *l {});
    }

    /// The mirror, opened when first asked for: a command that cannot do
    /// without it fails with exit 2 and the reason.
    pub(crate) fn mirror(&mut self) -> Result<&mut Mirror, Failure> {
        let store = &mut self.store;
        let Some((path, private_folder)) = &store.path else {
            return Err(Failure::new(
                USAGE,
                "no mirror for a service started for one command: give --db PATH",
            ));
        };
        let opened = store.open.get_or_insert_with(|| {
            Mirror::open(path, store.identity.clone(), *private_folder, store.busy)
        });
        opened.as_mut().map_err(|why| Failure::from(why.clone()))
    }

    /// The mirror for what only keeps it current (writes through the tool,
    /// the quotas): when it cannot be opened, one warning, and the command
    /// goes on without it.
    pub(crate) fn mirror_if_usable(&mut self) -> Option<&mut Mirror> {
        self.store.path.as_ref()?;
        if self.mirror().is_ok() {
            return self.mirror().ok();
        }
        if !std::mem::replace(&mut self.store.warned, true)
            && let Some(Err(why)) = &self.store.open
        {
            eprintln!("warning: the mirror is not kept current: {why}");
        }
        None
    }

    /// Applies what a write answered to the mirror, if there is one and it
    /// is this user's; a mirror that cannot take it is a warning, never the
    /// command's failure (the next sync brings the change).
    pub(crate) fn write_through(&mut self, written: mirror::Written<'_>) {
        if let Some(m) = self.mirror_if_usable()
            && let Err(why) = m.write_through(written)
        {
            eprintln!("warning: the mirror is not kept current: {why}");
        }
    }
}

/// Builds the session for a command that `needs` what it says.
pub(crate) async fn connect(g: &Global, needs: Needs) -> Result<Session, Failure> {
    let configured =
        g.token.is_some() || g.token_file.is_some() || g.email.is_some() || g.base_url.is_some();
    let recorder = g.record.as_ref().map(|path| {
        if g.record_all {
            Recorder::everything(path)
        } else {
            Recorder::failures(path)
        }
    });
    if g.local_service || (needs.demo && !configured) {
        return on_local_service(g, needs, recorder).await;
    }
    let base_url = g.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let who = credentials(g, base_url)?;
    let workspace = g.workspace.map(|w| w.get());
    let mut client = builder(g, who.credentials, needs, recorder.clone()).base_url(base_url);
    if g.allow_insecure_http {
        client = client.allow_insecure_http();
    }
    let client = client
        .build()
        .map_err(|e| Failure::new(USAGE, unbuildable(&e)))?;
    let identity = mirror::Identity::new(base_url, &who.identity, who.user);
    let db = match &g.db {
        Some(path) => Some((path.clone(), false)),
        None => mirror::default_path(&identity).map(|p| (p, true)),
    };
    Ok(Session {
        client,
        workspace,
        profile_workspace: g.profile_workspace,
        local: None,
        recorder,
        store: store(db, identity)?,
    })
}

fn store(path: Option<(PathBuf, bool)>, identity: mirror::Identity) -> Result<Store, Failure> {
    let busy = match std::env::var(mirror::WAIT_VARIABLE) {
        Ok(text) => humantime::parse_duration(&text).map_err(|e| {
            Failure::new(
                USAGE,
                format!(
                    "{}={text:?}: {e}; write it like 500ms or 10s",
                    mirror::WAIT_VARIABLE
                ),
            )
        })?,
        Err(_) => mirror::DEFAULT_WAIT,
    };
    Ok(Store {
        path,
        identity,
        busy,
        open: None,
        warned: false,
    })
}

/// Why no client could be built, in the tool's words.
fn unbuildable(e: &BuildError) -> String {
    match e {
        BuildError::InsecureHttp { host, .. } => format!(
            "refusing to send credentials in clear text to {host} over http://: use https://, or, for a proxy that needs plain HTTP, allow it with --allow-insecure-http"
        ),
        other => other.to_string(),
    }
}

#[cfg(feature = "local-service")]
async fn on_local_service(
    g: &Global,
    needs: Needs,
    recorder: Option<Recorder>,
) -> Result<Session, Failure> {
    use toggl_track_local_service::Config;
    let config = match &g.seed {
        Some(path) => {
            Config::from_seed_file(path).map_err(|e| Failure::new(USAGE, e.to_string()))?
        }
        None => Config::demo(),
    };
    // The seed's first user and their first workspace, unless told otherwise.
    let first = config.seed.users.first().cloned();
    let server = toggl_track_local_service::start(config)
        .await
        .map_err(|e| {
            Failure::new(
                crate::failure::UNAVAILABLE,
                format!("cannot start the local service: {e}"),
            )
        })?;
    let who = match (&g.token, &g.token_file, &g.email, &first) {
        (None, None, None, Some(user)) => Who {
            credentials: Credentials::api_token(user.api_token.clone()),
            identity: user.api_token.clone(),
            user: None,
        },
        _ => credentials(g, server.base_url())?,
    };
    let workspace = g
        .workspace
        .map(|w| w.get())
        .or_else(|| first.as_ref().and_then(|u| u.workspaces.first().copied()));
    let client = builder(g, who.credentials, needs, recorder.clone())
        .base_url(server.base_url())
        .build()
        .map_err(|e| Failure::new(USAGE, unbuildable(&e)))?;
    let identity = mirror::Identity::new(server.base_url(), &who.identity, who.user);
    Ok(Session {
        client,
        workspace,
        profile_workspace: None,
        store: store(g.db.clone().map(|p| (p, false)), identity)?,
        local: Some(server),
        recorder,
    })
}

#[cfg(not(feature = "local-service"))]
async fn on_local_service(_: &Global, _: Needs, _: Option<Recorder>) -> Result<Session, Failure> {
    Err(Failure::new(
        USAGE,
        "this toggl-clients was built without the local service (cargo feature `local-service`); \
         give credentials and a workspace instead",
    ))
}

fn builder(
    g: &Global,
    credentials: Credentials,
    needs: Needs,
    recorder: Option<Recorder>,
) -> ClientBuilder {
    let mut builder = Client::builder(credentials)
        .user_agent(concat!("toggl-clients/", env!("CARGO_PKG_VERSION")))
        .operation_timeout(g.timeout())
        .timeout(ATTEMPT_TIMEOUT.min(g.timeout()))
        // Waits are shown on a terminal; a quota reset is told elsewhere too.
        .on_wait(crate::progress::wait);
    if g.pace {
        builder = builder.pacing(Pacing::toggl_advice());
    }
    let reserve = QuotaReserve::keep(g.quota_reserve.unwrap_or(0));
    if needs.quota_wait {
        builder = builder.quota_reserve(reserve.wait_for_reset());
    } else if reserve.kept() > 0 {
        builder = builder.quota_reserve(reserve);
    }
    if let Some(recorder) = recorder {
        builder = builder.record(recorder);
    }
    if std::io::stderr().is_terminal() {
        builder = builder.on_attempt(crate::progress::attempt);
    }
    builder
}

/// Credentials, and who they are.
struct Who {
    credentials: Credentials,
    /// What identifies their user to the mirror (hashed there, never
    /// stored): the token, or the email address.
    identity: String,
    /// Toggl's user id, when a login checked it.
    user: Option<u64>,
}

/// The credentials for `base_url`: `--token-file`, `--token` (or
/// `TOGGL_API_TOKEN`), `--email`, then the profile's login.
fn credentials(g: &Global, base_url: &str) -> Result<Who, Failure> {
    let token = |token: String, user| Who {
        credentials: Credentials::api_token(token.clone()),
        identity: token,
        user,
    };
    if let Some(path) = &g.token_file {
        return Ok(token(token_from_file(path)?, None));
    }
    if let Some(given) = &g.token {
        if given.trim().is_empty() {
            return Err(Failure::new(
                AUTH,
                "no credentials: the token given (--token or TOGGL_API_TOKEN) is empty; nothing was sent",
            ));
        }
        return Ok(token(given.trim().to_owned(), None));
    }
    if let Some(email) = &g.email {
        let password = password(email)?;
        return Ok(Who {
            credentials: Credentials::email_password(email.clone(), password),
            identity: email.to_lowercase(),
            user: None,
        });
    }
    if let (Some(place), Some(user)) = (&g.login_token, g.login_user) {
        let service = g.login_service.as_deref().unwrap_or(DEFAULT_BASE_URL);
        if mirror::normalise(service) != mirror::normalise(base_url) {
            return Err(Failure::new(
                AUTH,
                format!(
                    "no credentials for {base_url}: the profile is logged in to {service}; run `toggl-clients login` with --base-url {base_url} (and a --profile of its own)"
                ),
            ));
        }
        let kept = crate::credential_store::read(place).map_err(|e| {
            if e.exposed {
                Failure::new(USAGE, format!("the profile's token file: {e}"))
            } else {
                Failure::new(
                    AUTH,
                    format!(
                        "the profile's token cannot be read: {e}; run `toggl-clients login` again"
                    ),
                )
            }
        })?;
        return Ok(token(kept, Some(user)));
    }
    Err(Failure::new(
        AUTH,
        "no credentials: run `toggl-clients login`, set TOGGL_API_TOKEN (or --token-file), or --email with TOGGL_PASSWORD; --local-service runs against a local demo service",
    ))
}

/// The password for `email`: `TOGGL_PASSWORD`, or asked on a terminal.
pub(crate) fn password(email: &str) -> Result<String, Failure> {
    match std::env::var("TOGGL_PASSWORD") {
        Ok(p) if !p.is_empty() => Ok(p),
        _ if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(format!("Toggl password for {email}: "))
                .map_err(|e| Failure::new(AUTH, format!("cannot read the password: {e}")))
        }
        _ => Err(Failure::new(
            AUTH,
            "no password: set TOGGL_PASSWORD, or run on a terminal to be asked for it",
        )),
    }
}

/// The token in the first line of `path`, which only its owner may read.
pub(crate) fn token_from_file(path: &std::path::Path) -> Result<String, Failure> {
    let shown = path.display();
    let text = match crate::private::read_owner_only(path) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Err(Failure::new(
                USAGE,
                format!("{shown}: cannot read the token file: there is no such file"),
            ));
        }
        Err(why) => {
            return Err(Failure::new(
                USAGE,
                format!("{shown}: the token file: {why}"),
            ));
        }
    };
    let token = text.lines().next().unwrap_or_default().trim().to_owned();
    if token.is_empty() {
        return Err(Failure::new(
            USAGE,
            format!("{shown}: the token file is empty"),
        ));
    }
    Ok(token)
}
