//! Asking before what cannot be undone: deleting several clients, by
//! `delete` or by `apply --prune`. On a terminal the tool shows what goes
//! and asks; `--yes` answers for the user; without a terminal (cron, a
//! pipe) nothing is deleted unless `--yes` says so.

use std::io::{BufRead, IsTerminal, Write};

use crate::failure::{Failure, USAGE};

/// Goes on when the user confirmed deleting `what` (e.g. "2 clients:
/// Acme, Globex"), or `yes` did; else fails with nothing changed.
pub(crate) fn deletion(what: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::new(
            USAGE,
            format!(
                "this would delete {what}; with no terminal to ask on, pass --yes to confirm (nothing was changed)"
            ),
        ));
    }
    eprint!("delete {what}? This cannot be undone. [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::new(USAGE, "not confirmed: nothing was changed"))
    }
}

/// "3 clients: A, B, C" (the first few names, then how many more).
pub(crate) fn described<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 5;
    let count = names.len();
    let listed: Vec<&str> = names.take(SHOWN).collect();
    let more = count.saturating_sub(listed.len());
    let noun = if count == 1 { "client" } else { "clients" };
    let mut text = format!("{count} {noun}: {}", listed.join(", "));
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}
