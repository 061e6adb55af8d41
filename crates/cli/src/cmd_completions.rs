//! `completions`: the shell completion script for bash, zsh, fish,
//! PowerShell or elvish, from the same definitions as `--help`.

use clap::Args;
use clap_complete::Shell;

use crate::failure::{Failure, REFUSED};

/// The binary's name, as the scripts register it.
const BIN: &str = "toggl-clients";

#[derive(Debug, Args)]
pub(crate) struct Completions {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

impl Completions {
    /// Prints the script for `cli`, the whole command line.
    pub(crate) fn run(self, mut cli: clap::Command) -> Result<(), Failure> {
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut cli, BIN, &mut script);
        let mut script = String::from_utf8_lossy(&script).into_owned();
        if self.shell == Shell::Bash {
            script = bash_states_matched(&script);
        }
        std::io::Write::write_all(&mut std::io::stdout(), script.as_bytes())
            .map_err(|e| Failure::new(REFUSED, format!("cannot write the script: {e}")))
    }
}

/// clap_complete's bash script names a subcommand's state two ways for a
/// binary with a hyphen (upstream issue 6421): `toggl__clients__subcmd__list`
/// where it sets it, `toggl__subcmd__clients__subcmd__list` where it
/// matches it, so no subcommand's flags complete. The matching side is
/// spelled as the setting side.
fn bash_states_matched(script: &str) -> String {
    let matched = BIN.replace('-', "__subcmd__");
    let set = BIN.replace('-', "__");
    script.replace(&format!("{matched}__"), &format!("{set}__"))
}
