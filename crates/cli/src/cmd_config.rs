//! `config get|set|unset|list`: the settings of a profile in the config
//! file (the one `--profile` names, else `default`). A setting applies
//! when neither its flag nor its environment variable is given.

use clap::{Args, Subcommand};
use serde_json::{Map, Value};

use crate::args::Output;
use crate::config::{self, KEYS};
use crate::failure::{Failure, USAGE};
use crate::output;
use crate::profile::Chosen;

#[derive(Debug, Args)]
pub(crate) struct Config {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print one setting of the profile (nothing when it is not set).
    Get {
        /// base_url, workspace, db, output, timeout, pace or quota_reserve.
        key: String,
    },
    /// Change one setting of the profile (made if new), checked as its
    /// flag is.
    Set {
        /// base_url, workspace, db, output, timeout, pace or quota_reserve.
        key: String,
        /// The new value, as the flag of the same name takes it.
        value: String,
    },
    /// Remove one setting of the profile: its default applies again.
    Unset {
        /// base_url, workspace, db, output, timeout, pace or quota_reserve.
        key: String,
    },
    /// Every setting of the profile, and where the config file is.
    List,
}

impl Config {
    pub(crate) fn run(self, mut chosen: Chosen, out: Output) -> Result<(), Failure> {
        let usage = |why: String| Failure::new(USAGE, why);
        let mut profile = chosen.profile();
        match self.command {
            ConfigCommand::Get { key } => {
                chosen.must_exist()?;
                if let Some(value) = profile.get(&key).map_err(usage)? {
                    println!("{value}");
                }
                Ok(())
            }
            ConfigCommand::Set { key, value } => {
                profile.set(&key, &value).map_err(usage)?;
                chosen.save(profile)
            }
            ConfigCommand::Unset { key } => {
                chosen.must_exist()?;
                profile.unset(&key).map_err(usage)?;
                chosen.save(profile)
            }
            ConfigCommand::List => {
                chosen.must_exist()?;
                let path = config::file_in(chosen.dir()?);
                eprintln!("{} (profile {})", path.display(), chosen.name);
                let mut doc = Map::new();
                for key in KEYS {
                    let value = profile.get(key).map_err(usage)?;
                    doc.insert(key.to_owned(), value.map_or(Value::Null, Value::String));
                }
                match out {
                    Output::Json => output::emit(&output::json_document(&Value::Object(doc))),
                    Output::Table | Output::Csv => {
                        let text: String = doc
                            .iter()
                            .map(|(k, v)| format!("{k} = {}\n", v.as_str().unwrap_or("")))
                            .collect();
                        output::emit(&text)
                    }
                }
            }
        }
    }
}
