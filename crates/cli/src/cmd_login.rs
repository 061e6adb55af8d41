//! `login`: checks a token (or, with `--email`, signs in with the password
//! once and takes the token `/me` answers) with `GET /me` (who it is) and
//! `GET /me/workspaces` (what they can open), keeps it in the credential
//! store, and makes the profile that user's: its service, its default
//! workspace, and the mirror's owner. Two requests from the user-level
//! quota, said in its last line.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use toggl_track_api::config::DEFAULT_BASE_URL;

use crate::args::Global;
use crate::config::Login as LoggedIn;
use crate::credential_store::{self, Choice};
use crate::failure::{AUTH, Failure, USAGE};
use crate::profile::Chosen;
use crate::session::{self, Needs};

#[derive(Debug, Args)]
pub(crate) struct Login {
    /// Read the token from standard input (its first line), e.g.
    /// `toggl-clients login --with-token < token.txt`; without it the token
    /// is asked for on the terminal, not echoed. With --email, the password
    /// signs in once and the API token the service answers is kept.
    #[arg(long, conflicts_with = "email")]
    with_token: bool,
    /// Where to keep the token: auto (the platform's credential store, else
    /// a file only you may read, with a warning), keyring, or file
    /// [default: auto, or TOGGL_CLIENTS_CREDENTIAL_STORE].
    #[arg(long, value_enum, value_name = "STORE")]
    store: Option<Choice>,
}

impl Login {
    pub(crate) async fn run(self, mut g: Global, mut chosen: Chosen) -> Result<(), Failure> {
        refuse_other_ways_in(&g)?;
        let choice = match self.store {
            Some(choice) => choice,
            None => Choice::from_env().map_err(|why| Failure::new(USAGE, why))?,
        };
        let mut profile = chosen.profile();
        let base_url = g
            .base_url
            .clone()
            .or_else(|| profile.base_url.clone())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        g.base_url = Some(base_url.clone());
        g.login_token = None;
        let (token, checked) = if g.email.is_some() {
            // The password signs in once; the token /me answers is kept.
            g.token = None;
            g.token_file = None;
            let checked = check(&g).await?;
            let token = checked.me.api_token.clone().map(String::from).ok_or_else(|| {
                Failure::new(
                    AUTH,
                    "the service's answer to /me carries no API token to keep; log in with the token from your profile page (--with-token)",
                )
            })?;
            (token, checked)
        } else {
            let token = self.token(&g)?;
            g.token = Some(token.clone());
            g.token_file = None;
            (token, check(&g).await?)
        };
        let ids: Vec<u64> = checked.workspaces.iter().map(|w| w.id.get()).collect();
        let workspace = default_workspace(&g, &profile, &checked.me, &ids)?;
        let kept = keep(choice, &chosen, token).await?;
        if let Some(old) = profile.login.take()
            && old.token != kept.place
            && let Err(why) = credential_store::forget(&old.token)
        {
            eprintln!("warning: the previous token of this profile was not removed: {why}");
        }
        let me = &checked.me;
        let user = me
            .email
            .clone()
            .or_else(|| me.fullname.clone())
            .unwrap_or_else(|| format!("user {}", me.id));
        if base_url != DEFAULT_BASE_URL || profile.base_url.is_some() {
            profile.base_url = Some(base_url.clone());
        }
        profile.workspace = workspace;
        profile.login = Some(LoggedIn {
            user_id: me.id.get(),
            user: user.clone(),
            token: kept.place.clone(),
        });
        chosen.save(profile)?;
        if let Some(why) = &kept.fallback {
            eprintln!(
                "warning: no credential store could keep the token ({why}); it is in {} instead, where any program running as you can read it. {}=file keeps it there without this warning.",
                kept.place,
                credential_store::STORE_VARIABLE
            );
        }
        println!("logged in to {base_url} as {user} (Toggl user {})", me.id);
        println!("profile: {}", chosen.name);
        println!("token kept in {}", kept.place);
        for w in checked.workspaces.iter() {
            let name = w.name.as_deref().unwrap_or("");
            let mark = if Some(w.id.get()) == workspace {
                " (default)"
            } else {
                ""
            };
            println!("workspace {} {name}{mark}", w.id);
        }
        println!("{} requests (user-level quota)", checked.requests);
        Ok(())
    }

    /// The token: from stdin with `--with-token`, `--token`/`--token-file`
    /// when given, else asked on the terminal.
    fn token(&self, g: &Global) -> Result<String, Failure> {
        let token = if self.with_token {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                Failure::new(USAGE, format!("cannot read the token from stdin: {e}"))
            })?;
            line
        } else if let Some(path) = &g.token_file {
            session::token_from_file(path)?
        } else if let Some(token) = &g.token {
            token.clone()
        } else if std::io::stdin().is_terminal() {
            rpassword::prompt_password("Toggl API token (from your profile page): ")
                .map_err(|e| Failure::new(AUTH, format!("cannot read the token: {e}")))?
        } else {
            return Err(Failure::new(
                USAGE,
                "no terminal to ask for the token on: pipe it in with --with-token (e.g. `toggl-clients login --with-token < token.txt`)",
            ));
        };
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(Failure::new(
                AUTH,
                "the token given is empty; nothing was sent",
            ));
        }
        Ok(token)
    }
}

/// Login is for a service that outlives the command.
fn refuse_other_ways_in(g: &Global) -> Result<(), Failure> {
    if g.local_service {
        return Err(Failure::new(
            USAGE,
            "login keeps an account's token: give the service with --base-url (a local service started for one command is gone when it ends)",
        ));
    }
    Ok(())
}

/// Who the token is, and what they can open.
struct Checked {
    me: toggl_track_api::types::Me,
    workspaces: toggl_track_api::types::WorkspaceList,
    requests: u64,
}

/// Asks the service who the token in `g` is (`GET /me`) and which
/// workspaces they have (`GET /me/workspaces`).
async fn check(g: &Global) -> Result<Checked, Failure> {
    let session = session::connect(g, Needs::default()).await?;
    let me = session
        .client
        .get_me()
        .send()
        .await
        .map_err(|e| refused(Failure::from(e)))?
        .into_inner();
    let workspaces = session
        .client
        .list_my_workspaces()
        .send()
        .await?
        .into_inner();
    Ok(Checked {
        me,
        workspaces,
        requests: session.client.requests_sent(),
    })
}

/// Keeps the token for the chosen profile, off the async threads (the
/// platform's store answers synchronously).
async fn keep(
    choice: Choice,
    chosen: &Chosen,
    token: String,
) -> Result<credential_store::Kept, Failure> {
    let dir = chosen.dir()?.to_owned();
    let account = credential_store::new_account(&chosen.name);
    tokio::task::spawn_blocking(move || credential_store::keep(choice, &account, &token, &dir))
        .await
        .map_err(|e| Failure::new(USAGE, format!("cannot keep the token: {e}")))?
        .map_err(|why| Failure::new(USAGE, format!("cannot keep the token: {why}")))
}

/// A refused token says so in login's words.
fn refused(f: Failure) -> Failure {
    if f.code == AUTH {
        return f.after("the token was not accepted: ");
    }
    f
}

/// The workspace the profile acts on: `--workspace`, else asked on a
/// terminal (the profile's or Toggl's default offered), else the profile's
/// or Toggl's default, or the only one.
fn default_workspace(
    g: &Global,
    profile: &crate::config::Profile,
    me: &toggl_track_api::types::Me,
    ids: &[u64],
) -> Result<Option<u64>, Failure> {
    if let Some(w) = g.workspace {
        return Ok(Some(w.get()));
    }
    let offered = profile
        .workspace
        .filter(|w| ids.contains(w))
        .or(me.default_workspace_id.map(|w| w.get()))
        .or_else(|| (ids.len() == 1).then(|| ids[0]));
    if ids.len() < 2 || !std::io::stdin().is_terminal() {
        return Ok(offered);
    }
    let shown = offered.map(|w| format!(" [{w}]")).unwrap_or_default();
    eprint!(
        "default workspace ({}){shown}: ",
        ids.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    match line.trim() {
        "" => Ok(offered),
        text => crate::args::id(text)
            .map(|w| Some(w.get()))
            .map_err(|why| Failure::new(USAGE, why)),
    }
}
