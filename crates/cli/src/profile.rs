//! The profile a command runs as, and the one order in which a setting is
//! found: a flag, then its environment variable (clap reads both), then the
//! profile in the config file, then the tool's default.

use std::path::PathBuf;

use crate::args::Global;
use crate::config::{self, ConfigFile, DEFAULT_PROFILE, Profile};
use crate::failure::{Failure, USAGE};

/// The profile chosen for this run, as the config file holds it.
#[derive(Debug, Clone)]
pub(crate) struct Chosen {
    pub name: String,
    /// Named with `--profile` or `TOGGL_CLIENTS_PROFILE` (not the default).
    pub named: bool,
    /// The config folder, when the platform has one.
    pub dir: Option<PathBuf>,
    pub file: ConfigFile,
}

impl Chosen {
    /// Reads the config file and picks the profile `g` names. A named
    /// profile must exist; the default one may be empty.
    pub(crate) fn load(g: &Global) -> Result<Self, Failure> {
        let dir = config::dir();
        let file = match &dir {
            Some(dir) => config::load(&config::file_in(dir))?,
            None => ConfigFile::default(),
        };
        let named = g.profile.is_some();
        let name = g
            .profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        Ok(Self {
            name,
            named,
            dir,
            file,
        })
    }

    /// The chosen profile's settings (empty when the file has none).
    pub(crate) fn profile(&self) -> Profile {
        self.file.profile(&self.name).cloned().unwrap_or_default()
    }

    /// Refuses a named profile the file does not have.
    pub(crate) fn must_exist(&self) -> Result<(), Failure> {
        if !self.named || self.file.profiles.contains_key(&self.name) {
            return Ok(());
        }
        let known: Vec<&str> = self.file.profiles.keys().map(String::as_str).collect();
        Err(Failure::new(
            USAGE,
            format!(
                "no profile {:?} in the config file ({}); `toggl-clients login --profile {}` makes it",
                self.name,
                if known.is_empty() {
                    "it has none".to_owned()
                } else {
                    format!("it has {}", known.join(", "))
                },
                self.name
            ),
        ))
    }

    /// The config folder, or why there is none.
    pub(crate) fn dir(&self) -> Result<&std::path::Path, Failure> {
        self.dir.as_deref().ok_or_else(|| {
            Failure::new(
                USAGE,
                format!(
                    "no config folder on this platform: set {}",
                    config::DIR_VARIABLE
                ),
            )
        })
    }

    /// Writes the file back with `profile` as the chosen profile.
    pub(crate) fn save(&mut self, profile: Profile) -> Result<(), Failure> {
        let path = config::file_in(self.dir()?);
        self.file.profiles.insert(self.name.clone(), profile);
        config::save(&path, &self.file)
    }
}

/// Fills what neither a flag nor the environment set from the profile:
/// service, workspace, mirror, output, timeout, pacing, and the login.
pub(crate) fn fill(g: &mut Global, p: &Profile) -> Result<(), Failure> {
    let bad = |key: &str, why: String| {
        Failure::new(
            USAGE,
            format!("the profile's {key}: {why}; fix it with `toggl-clients config set {key} ...`"),
        )
    };
    if g.base_url.is_none() && !g.local_service {
        g.base_url.clone_from(&p.base_url);
    }
    g.profile_workspace = p.workspace;
    // A local service started for the command has a mirror of its own.
    if g.db.is_none() && !g.local_service {
        g.db.clone_from(&p.db);
    }
    if g.output.is_none()
        && let Some(text) = &p.output
    {
        g.output = Some(crate::args::output(text).map_err(|why| bad("output", why))?);
    }
    if g.timeout.is_none()
        && let Some(text) = &p.timeout
    {
        g.timeout = Some(crate::args::duration(text).map_err(|why| bad("timeout", why))?);
    }
    g.pace |= p.pace.unwrap_or(false);
    if g.quota_reserve.is_none() {
        g.quota_reserve = p.quota_reserve;
    }
    g.login_token = p.login.as_ref().map(|l| l.token.clone());
    g.login_user = p.login.as_ref().map(|l| l.user_id);
    g.login_service.clone_from(&p.base_url);
    Ok(())
}
