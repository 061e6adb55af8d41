//! `man`: the manual pages of every command, made from the same clap
//! definitions as `--help`. The pages kept in `crates/cli/man/man1` are
//! these, checked fresh by a test; `cargo xtask man` rewrites them.

use std::path::PathBuf;

use clap::Args;

use crate::failure::{Failure, USAGE};

#[derive(Debug, Args)]
pub(crate) struct Man {
    /// The folder to write the pages to, e.g. ~/.local/share/man/man1
    /// (made if missing); `man toggl-clients-sync` then shows one.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

impl Man {
    /// Writes the pages of `cli`, the whole command line.
    pub(crate) fn run(self, cli: clap::Command) -> Result<(), Failure> {
        std::fs::create_dir_all(&self.out).map_err(|e| {
            Failure::new(
                USAGE,
                format!("{}: cannot create it ({e})", self.out.display()),
            )
        })?;
        let pages = pages(cli);
        for (name, page) in &pages {
            let path = self.out.join(name);
            std::fs::write(&path, page).map_err(|e| {
                Failure::new(USAGE, format!("{}: cannot write it ({e})", path.display()))
            })?;
        }
        eprintln!(
            "wrote {} manual pages to {}",
            pages.len(),
            self.out.display()
        );
        Ok(())
    }
}

/// Every page of `cmd`: its own, then one per command and subcommand
/// (hidden ones aside), named as `man` looks them up
/// (`toggl-clients-sync.1`).
pub(crate) fn pages(cmd: clap::Command) -> Vec<(String, Vec<u8>)> {
    fn walk(cmd: clap::Command, out: &mut Vec<(String, Vec<u8>)>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut page = Vec::new();
        // Rendering into memory cannot fail.
        let _ = man.render(&mut page);
        out.push((man.get_filename(), page));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), out);
        }
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(cmd, &mut out);
    out
}

/// The kept pages that differ from `fresh` (or are missing, or are left
/// over from a command that is gone), by file name.
#[cfg(test)]
pub(crate) fn stale(fresh: &[(String, Vec<u8>)], kept: &std::path::Path) -> Vec<String> {
    let mut stale: Vec<String> = fresh
        .iter()
        .filter(|(name, page)| std::fs::read(kept.join(name)).ok().as_ref() != Some(page))
        .map(|(name, _)| name.clone())
        .collect();
    let known: std::collections::HashSet<&str> = fresh.iter().map(|(n, _)| n.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(kept) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !known.contains(name.as_str()) {
                stale.push(name);
            }
        }
    }
    stale.sort();
    stale
}
