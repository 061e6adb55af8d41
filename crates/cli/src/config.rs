//! The config file: named profiles, each with its service, default
//! workspace, mirror and output settings, and, once `login` has run, whose
//! account it is and where its token is kept (never the token itself).
//!
//! TOML, in the platform's config folder (`~/.config/toggl-clients` on
//! Linux), or the folder `TOGGL_CLIENTS_CONFIG_DIR` names. The folder is the
//! user's alone and the file readable by its owner only: one that others
//! may read is refused, as `--token-file` is. Every write goes to a new
//! file that then replaces the old one, so a crash leaves either.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failure::{Failure, USAGE};

/// Names the config folder (tests, or a user who keeps it elsewhere).
pub(crate) const DIR_VARIABLE: &str = "TOGGL_CLIENTS_CONFIG_DIR";

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// The whole file.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, Profile>,
}

/// One account's settings. Every field is optional: what is not set
/// falls back to the tool's defaults.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    /// The service's base URL (Toggl's unless set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The workspace commands act on when none is named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<u64>,
    /// The mirror's file (one per service and user by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<PathBuf>,
    /// `table`, `json` or `csv`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The most one operation may wait, e.g. `30s`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Keep to one request a second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pace: Option<bool>,
    /// Requests of each hourly quota left for other tools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota_reserve: Option<u64>,
    /// Written by `login`, removed by `logout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<Login>,
}

/// Whose account a profile is, as `login` checked it with `GET /me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    /// Toggl's user id: the mirror's owner.
    pub user_id: u64,
    /// Their email address or name, to show.
    pub user: String,
    /// Where the token is kept (never in this file).
    pub token: crate::credential_store::Place,
}

/// The settings `config get|set` know, in the order `config list` shows.
pub(crate) const KEYS: [&str; 7] = [
    "base_url",
    "workspace",
    "db",
    "output",
    "timeout",
    "pace",
    "quota_reserve",
];

/// Where the config file is, or `None` without a config folder.
pub(crate) fn dir() -> Option<PathBuf> {
    std::env::var_os(DIR_VARIABLE)
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("toggl-clients")))
}

/// The config file in `dir`.
pub(crate) fn file_in(dir: &Path) -> PathBuf {
    dir.join("config.toml")
}

/// Reads the config file at `path`: empty when there is none; refused when
/// others may read it or it does not parse.
pub(crate) fn load(path: &Path) -> Result<ConfigFile, Failure> {
    let shown = path.display();
    let text = match crate::private::read_owner_only(path) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(ConfigFile::default()),
        Err(why) => return Err(Failure::new(USAGE, format!("{shown}: {why}"))),
    };
    toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start].matches('\n').count() + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default();
        Failure::new(
            USAGE,
            format!(
                "{shown}{at}: {}",
                e.message().lines().next().unwrap_or("not a config file")
            ),
        )
    })
}

/// Writes `config` to `path`, readable by its owner only, replacing the
/// old file in one step.
pub(crate) fn save(path: &Path, config: &ConfigFile) -> Result<(), Failure> {
    let text = toml::to_string_pretty(config)
        .map_err(|e| Failure::new(USAGE, format!("cannot write the config: {e}")))?;
    let header = "# toggl-clients' settings; `toggl-clients config` edits them.\n# No token is kept here: `toggl-clients auth status` says where each is.\n\n";
    crate::private::replace(path, &format!("{header}{text}"))
        .map_err(|why| Failure::new(USAGE, format!("{}: {why}", path.display())))
}

impl ConfigFile {
    /// The profile `name`, if the file has it.
    pub(crate) fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }
}

impl Profile {
    /// The value of setting `key`, as text.
    pub(crate) fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(match key {
            "base_url" => self.base_url.clone(),
            "workspace" => self.workspace.map(|w| w.to_string()),
            "db" => self.db.as_ref().map(|p| p.display().to_string()),
            "output" => self.output.clone(),
            "timeout" => self.timeout.clone(),
            "pace" => self.pace.map(|p| p.to_string()),
            "quota_reserve" => self.quota_reserve.map(|n| n.to_string()),
            other => return Err(unknown_key(other)),
        })
    }

    /// Sets `key` to `value`, checked as the flag of the same name is.
    pub(crate) fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "base_url" => self.base_url = Some(crate::args::base_url(value)?),
            "workspace" => self.workspace = Some(crate::args::id(value)?.get()),
            "db" => self.db = Some(PathBuf::from(value)),
            "output" => {
                crate::args::output(value)?;
                self.output = Some(value.to_owned());
            }
            "timeout" => {
                crate::args::duration(value)?;
                self.timeout = Some(value.to_owned());
            }
            "pace" => {
                self.pace = Some(
                    value
                        .parse()
                        .map_err(|_| format!("{value:?}: write true or false"))?,
                );
            }
            "quota_reserve" => {
                self.quota_reserve = Some(
                    value
                        .parse()
                        .map_err(|_| format!("{value:?}: write a whole number of requests"))?,
                );
            }
            other => return Err(unknown_key(other)),
        }
        Ok(())
    }

    /// Removes setting `key`.
    pub(crate) fn unset(&mut self, key: &str) -> Result<(), String> {
        match key {
            "base_url" => self.base_url = None,
            "workspace" => self.workspace = None,
            "db" => self.db = None,
            "output" => self.output = None,
            "timeout" => self.timeout = None,
            "pace" => self.pace = None,
            "quota_reserve" => self.quota_reserve = None,
            other => return Err(unknown_key(other)),
        }
        Ok(())
    }
}

fn unknown_key(key: &str) -> String {
    let near = KEYS
        .iter()
        .min_by_key(|k| strsim::damerau_levenshtein(k, &key.replace('-', "_")))
        .filter(|k| strsim::damerau_levenshtein(k, &key.replace('-', "_")) <= 2)
        .map(|k| format!("; did you mean {k}?"))
        .unwrap_or_default();
    format!(
        "{key:?} is not a setting{near} (settings: {})",
        KEYS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_as_their_flags_are_and_typos_get_a_hint() {
        let mut p = Profile::default();
        p.set("workspace", "42").expect("an id");
        assert_eq!(p.get("workspace"), Ok(Some("42".into())));
        assert!(p.set("workspace", "0").is_err());
        assert!(p.set("output", "yaml").is_err());
        assert!(p.set("timeout", "soon").is_err());
        let why = p.set("worksapce", "1").expect_err("unknown");
        assert!(why.contains("did you mean workspace"), "{why}");
        let why = p.get("base-url").expect_err("unknown");
        assert!(why.contains("did you mean base_url"), "{why}");
        p.unset("workspace").expect("known");
        assert_eq!(p.get("workspace"), Ok(None));
    }

    #[test]
    fn a_file_that_does_not_parse_says_where() {
        let dir = std::env::temp_dir().join(format!("toggl-config-{}", std::process::id()));
        crate::private::dir(&dir).expect("dir");
        let path = file_in(&dir);
        crate::private::replace(
            &path,
            "[profiles.default]\nworkspace = 1\ncolour = \"red\"\n",
        )
        .expect("written");
        let why = load(&path).expect_err("unknown field").message;
        assert!(why.contains("(line 3)") && why.contains("colour"), "{why}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
