//! Where `login` keeps a token: the platform's credential store (Secret
//! Service on Linux and the BSDs, Keychain on macOS, Credential Manager on
//! Windows) through the `keyring-core` crates, or, where none answers (a
//! machine with no desktop session, a container), a file in the config
//! folder that only its owner may read, with a warning that says so. The
//! config file names the place; the token is never in it.
//!
//! `TOGGL_CLIENTS_CREDENTIAL_STORE=file` (or `login --store file`) skips
//! the platform's store; `=keyring` makes its absence an error.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Chooses the store (`keyring` or `file`).
pub(crate) const STORE_VARIABLE: &str = "TOGGL_CLIENTS_CREDENTIAL_STORE";

/// The service name the platform's store files the tokens under.
const SERVICE: &str = "toggl-clients";

/// Where one token is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Place {
    /// In the platform's credential store, under this account name.
    Keyring(String),
    /// In this owner-only file.
    File(PathBuf),
}

/// Which store to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Choice {
    /// The platform's store, else a private file with a warning.
    Auto,
    /// The platform's store, or fail.
    Keyring,
    /// A private file in the config folder.
    File,
}

impl Choice {
    /// What `TOGGL_CLIENTS_CREDENTIAL_STORE` asks for, else `Auto`.
    pub(crate) fn from_env() -> Result<Self, String> {
        match std::env::var(STORE_VARIABLE).as_deref() {
            Err(_) | Ok("" | "auto") => Ok(Self::Auto),
            Ok("keyring") => Ok(Self::Keyring),
            Ok("file") => Ok(Self::File),
            Ok(other) => Err(format!(
                "{STORE_VARIABLE}={other:?}: write keyring, file or auto"
            )),
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Keyring(account) => write!(
                f,
                "the {} (service {SERVICE}, account {account})",
                platform_store_name()
            ),
            Self::File(path) => write!(f, "the file {} (readable by you only)", path.display()),
        }
    }
}

/// A token kept, and what to tell the user about where.
pub(crate) struct Kept {
    pub place: Place,
    /// Why the platform's store was not used, when it was not.
    pub fallback: Option<String>,
}

/// Keeps `token` for the entry named `account` (unique per login), in the
/// platform's store when `choice` allows and it works, else in a private
/// file in `config_dir`. Reads it back before saying it is kept.
pub(crate) fn keep(
    choice: Choice,
    account: &str,
    token: &str,
    config_dir: &Path,
) -> Result<Kept, String> {
    let fallback = match choice {
        Choice::File => None,
        Choice::Keyring | Choice::Auto => match keep_in_keyring(account, token) {
            Ok(()) => {
                return Ok(Kept {
                    place: Place::Keyring(account.to_owned()),
                    fallback: None,
                });
            }
            Err(why) if choice == Choice::Keyring => {
                return Err(format!(
                    "the {} cannot keep it: {why}",
                    platform_store_name()
                ));
            }
            Err(why) => Some(why),
        },
    };
    let path = config_dir.join("tokens").join(account);
    crate::private::replace(&path, &format!("{token}\n"))
        .map_err(|why| format!("{}: {why}", path.display()))?;
    let place = Place::File(path);
    match read(&place) {
        Ok(back) if back == token => Ok(Kept { place, fallback }),
        _ => Err(format!("{place} did not give the token back")),
    }
}

/// The token kept at `place`; a file others may read is `exposed`.
pub(crate) fn read(place: &Place) -> Result<String, crate::private::Unread> {
    match place {
        Place::Keyring(account) => entry(account)?.get_password().map_err(|e| {
            match e {
                keyring_core::Error::NoEntry => format!(
                    "the {} no longer holds it (account {account})",
                    platform_store_name()
                ),
                other => format!("the {}: {other}", platform_store_name()),
            }
            .into()
        }),
        Place::File(path) => {
            let shown = path.display();
            let text = crate::private::read_owner_only(path).map_err(|mut e| {
                e.why = format!("{shown}: {}", e.why);
                e
            })?;
            let Some(text) = text else {
                return Err(format!("{shown}: the token file is gone").into());
            };
            let token = text.lines().next().unwrap_or_default().trim().to_owned();
            if token.is_empty() {
                return Err(format!("{shown}: the token file is empty").into());
            }
            Ok(token)
        }
    }
}

/// Removes the token at `place`; one that is already gone is removed.
pub(crate) fn forget(place: &Place) -> Result<(), String> {
    match place {
        Place::Keyring(account) => match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(other) => Err(format!("the {}: {other}", platform_store_name())),
        },
        Place::File(path) => crate::private::remove(path),
    }
}

/// A new account name for a login of `profile`: unique, so that two
/// config folders (two people, or tests) never share an entry.
pub(crate) fn new_account(profile: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .to_string();
    let pid = std::process::id().to_string();
    let suffix = crate::private::hash(&[profile, &now, &pid]);
    format!("{profile}-{}", &suffix[..12])
}

fn keep_in_keyring(account: &str, token: &str) -> Result<(), String> {
    let entry = entry(account)?;
    entry.set_password(token).map_err(|e| e.to_string())?;
    let why = match entry.get_password() {
        Ok(back) if back == token => return Ok(()),
        Ok(_) => "it gave another token back".to_owned(),
        Err(e) => format!("it kept the token but did not give it back ({e})"),
    };
    // Nothing half-kept stays behind when the file is used instead.
    let _ = entry.delete_credential();
    Err(why)
}

fn entry(account: &str) -> Result<keyring_core::Entry, String> {
    use_platform_store()?;
    keyring_core::Entry::new(SERVICE, account).map_err(|e| e.to_string())
}

/// Makes the platform's store the default one, once per run.
fn use_platform_store() -> Result<(), String> {
    static READY: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
            let store = zbus_secret_service_keyring_store::Store::new();
            #[cfg(target_os = "macos")]
            let store = apple_native_keyring_store::keychain::Store::new();
            #[cfg(windows)]
            let store = windows_native_keyring_store::Store::new();
            #[cfg(not(any(
                target_os = "linux",
                target_os = "freebsd",
                target_os = "openbsd",
                target_os = "macos",
                windows
            )))]
            let store: Result<std::sync::Arc<keyring_core::mock::Store>, String> =
                Err("this platform has no credential store toggl-clients knows".to_owned());
            let store = store.map_err(|e| e.to_string())?;
            keyring_core::set_default_store(store);
            Ok(())
        })
        .clone()
}

/// The platform's store, in words.
fn platform_store_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service keyring"
    }
}
