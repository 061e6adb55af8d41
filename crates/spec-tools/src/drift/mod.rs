//! Drift: how the spec differs from Toggl's documentation (its reference
//! page and its Swagger 2.0 file), per operation. A deliberate difference is
//! recorded in the spec next to what it concerns
//! ([`DRIFT_ACCEPTED`](crate::vocabulary::DRIFT_ACCEPTED)), with its reason
//! and evidence; drift reports it as accepted, and anything else as drift.
//!
//! Everything here is pure: reading the sources (files, URLs) and deciding
//! exit codes is the caller's business (`cargo xtask drift`).

pub mod compare;
pub mod contract;
pub mod docs_text;
pub mod spec_side;
pub mod swagger;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::Value;

pub use compare::{Difference, Kind};
pub use contract::Contract;

/// The facts of Toggl's reference page, from its plain-text form or its
/// HTML; `Err` says why the page could not be read.
pub fn docs_contract(source: &str, text: &str) -> Result<Contract, String> {
    let looks_html = text.trim_start().starts_with('<') || text.contains("<html");
    let text = if looks_html {
        docs_text::html_to_text(text)
    } else {
        text.to_owned()
    };
    docs_text::parse(source, &text).ok_or_else(|| {
        format!(
            "{source}: no operation recognised; the page's layout is not the one this parser knows \
             (an operation is a line `METHOD Title` followed by its https://api.track.toggl.com/api/v9 URL)"
        )
    })
}

/// The facts of Toggl's Swagger 2.0 file (or its clients part), from JSON
/// or YAML text.
pub fn swagger_contract(source: &str, text: &str) -> Result<Contract, String> {
    let doc: Value = serde_json::from_str(text)
        .or_else(|_| serde_yaml_ng::from_str(text))
        .map_err(|e| format!("{source}: not JSON or YAML: {e}"))?;
    swagger::parse(source, &doc)
}

/// One source the spec was compared with.
#[derive(Debug, Clone)]
pub struct Compared {
    /// `docs` or `swagger`.
    pub name: String,
    /// Where its facts came from.
    pub contract: Contract,
}

/// What drift found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The sources, in the order compared.
    pub sources: Vec<Compared>,
    /// Every difference, accepted or not.
    pub differences: Vec<Difference>,
    /// Entries of the evidence ledger that lack their evidence, one line
    /// each naming the pointer: a finding of their own.
    pub unbacked: Vec<String>,
}

/// Compares the spec document `doc` (shown as `shown`) with each source.
pub fn check(shown: &str, doc: &Value, sources: Vec<Compared>) -> Report {
    let unbacked = crate::evidence::ledger_problems(doc);
    let (ours, accepted) = spec_side::parse(shown, doc);
    let differences = sources
        .iter()
        .flat_map(|s| compare::compare(&s.name, &s.contract, &ours, &accepted))
        .collect();
    Report {
        sources,
        differences,
        unbacked,
    }
}

impl Report {
    /// Differences the spec does not record as deliberate.
    pub fn unaccepted(&self) -> usize {
        self.differences
            .iter()
            .filter(|d| d.accepted.is_none())
            .count()
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "sources": self.sources.iter().map(|s| (s.name.clone(), s.contract.source.clone())).collect::<BTreeMap<_, _>>(),
            "unaccepted": self.unaccepted(),
            "accepted": self.differences.len() - self.unaccepted(),
            "differences": self.differences,
            "unbacked": self.unbacked,
        })
    }

    /// The last line: what was found, and where the details are.
    pub fn summary(&self, verbose: bool) -> String {
        let unaccepted = self.unaccepted();
        let accepted = self.differences.len() - unaccepted;
        let operations: std::collections::BTreeSet<&str> = self
            .differences
            .iter()
            .map(|d| d.operation.as_str())
            .collect();
        format!(
            "{unaccepted} unaccepted and {accepted} accepted difference(s) in {} operation(s){}",
            operations.len(),
            if verbose || accepted == 0 {
                ""
            } else {
                "; `--verbose` gives the reason of each accepted one"
            }
        )
    }

    /// The report for people, grouped by source and operation. Unaccepted
    /// differences come in full; accepted ones as a count per operation, or
    /// each with its reason when `verbose`. The summary line comes last.
    pub fn render(&self, verbose: bool, colour: bool) -> String {
        let paint = |code: &str, text: &str| {
            if colour {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_owned()
            }
        };
        let mut out = String::new();
        for source in &self.sources {
            let mine: Vec<&Difference> = self
                .differences
                .iter()
                .filter(|d| d.source == source.name)
                .collect();
            let open = mine.iter().filter(|d| d.accepted.is_none()).count();
            out.push_str(&format!(
                "{} {} ({}): {} unaccepted, {} accepted\n",
                paint("1", "drift against"),
                source.name,
                source.contract.source,
                open,
                mine.len() - open
            ));
            let mut operations: Vec<&str> = mine.iter().map(|d| d.operation.as_str()).collect();
            operations.dedup();
            for op in operations {
                let (open, done): (Vec<&Difference>, Vec<&Difference>) = mine
                    .iter()
                    .filter(|d| d.operation == op)
                    .partition(|d| d.accepted.is_none());
                let counts = match (open.len(), done.len()) {
                    (0, n) => format!("{n} accepted"),
                    (u, 0) => format!("{u} unaccepted"),
                    (u, n) => format!("{u} unaccepted, {n} accepted"),
                };
                out.push_str(&format!("  {}: {counts}\n", paint("1", op)));
                for d in open {
                    out.push_str(&format!(
                        "    {} {}{}\n",
                        paint("31", "DRIFT   "),
                        d.subject,
                        values(d)
                    ));
                }
                if verbose {
                    for d in done {
                        out.push_str(&format!(
                            "    {} {}{}\n             {}\n",
                            paint("32", "accepted"),
                            d.subject,
                            values(d),
                            paint("2", d.accepted.as_deref().unwrap_or_default())
                        ));
                    }
                }
            }
        }
        out.push_str(&self.summary(verbose));
        out.push('\n');
        out
    }
}

fn values(d: &Difference) -> String {
    match (&d.spec, &d.documented) {
        (Some(s), Some(t)) if d.subject != "operation" => format!(": spec {s}, documented {t}"),
        (Some(_), None) => ": only in the spec".to_owned(),
        (None, Some(_)) => ": only in the documentation".to_owned(),
        _ => String::new(),
    }
}
