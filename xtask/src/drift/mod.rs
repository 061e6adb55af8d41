//! `cargo xtask drift`: compares the spec with Toggl's documentation (its
//! reference page and its Swagger 2.0 file) and prints what differs, per
//! operation. Deliberate differences are recorded in the spec with
//! `x-toggl-drift-accepted` and a reason; drift reports them as accepted.
//! Anything else fails.

mod compare;
mod contract;
mod docs_text;
pub(crate) mod spec;
mod swagger;

#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use compare::Difference;
use contract::Contract;

use toggl_track_codegen::SPEC_PATH as SPEC;

use crate::Failure;
use crate::derived::write_atomically;
use crate::root;

/// `cargo xtask drift`.
#[derive(Debug, Default, clap::Args)]
#[command(
    after_help = "Without --docs and --swagger, the stored facts in openapi/drift/ are used."
)]
pub(crate) struct Args {
    /// The clients reference page: a URL, or a saved copy (HTML, or the
    /// plain-text form).
    #[arg(long, value_name = "SOURCE")]
    docs: Option<String>,
    /// Toggl's Swagger 2.0 file (or its clients part): a URL or a file.
    #[arg(long, value_name = "SOURCE")]
    swagger: Option<String>,
    /// Instead of comparing, store the facts read from the given sources in
    /// openapi/drift/ (what runs offline).
    #[arg(long)]
    update: bool,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The spec to compare (default: openapi/toggl-track-v9.yaml).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

/// A report for people or for machines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Grouped by source and operation, coloured on a terminal.
    #[default]
    Text,
    /// One JSON document.
    Json,
}

fn stored(name: &str) -> PathBuf {
    root()
        .join("openapi")
        .join("drift")
        .join(format!("{name}.json"))
}

/// Reads a file or fetches a URL.
fn read_source(source: &str) -> Result<String, Failure> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .and_then(|c| c.get(source).send())
            .map_err(|e| Failure::BadInput(format!("{source}: cannot fetch: {e}")))?;
        if !response.status().is_success() {
            return Err(Failure::BadInput(format!(
                "{source}: answered {}",
                response.status()
            )));
        }
        response
            .text()
            .map_err(|e| Failure::BadInput(format!("{source}: cannot read: {e}")))
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| Failure::BadInput(format!("{source}: cannot read: {e}")))
    }
}

fn docs_contract(source: &str) -> Result<Contract, Failure> {
    let text = read_source(source)?;
    let looks_html = text.trim_start().starts_with('<') || text.contains("<html");
    let text = if looks_html {
        docs_text::html_to_text(&text)
    } else {
        text
    };
    docs_text::parse(source, &text).ok_or_else(|| {
        Failure::BadInput(format!(
            "{source}: no operation recognised; the page's layout is not the one this parser knows \
             (an operation is a line `METHOD Title` followed by its https://api.track.toggl.com/api/v9 URL)"
        ))
    })
}

fn swagger_contract(source: &str) -> Result<Contract, Failure> {
    let text = read_source(source)?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_yaml_ng::from_str(&text))
        .map_err(|e| Failure::BadInput(format!("{source}: not JSON or YAML: {e}")))?;
    swagger::parse(source, &doc).map_err(Failure::BadInput)
}

fn load_stored(name: &str) -> Result<Option<Contract>, Failure> {
    let path = stored(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Failure::BadInput(format!("{}: not a stored contract: {e}", path.display())))
}

/// The spec as JSON: OpenAPI 3.0, with every reference resolvable (a cycle
/// or a dangling reference is unreadable input, named by its pointer).
pub(crate) fn spec_document(shown: &str, path: &Path) -> Result<serde_json::Value, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::BadInput(format!("{shown}: cannot read: {e}")))?;
    let doc = toggl_track_codegen::parse_document(Path::new(shown), &text)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    match doc.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0.") => {}
        other => {
            return Err(Failure::BadInput(format!(
                "{shown}: /openapi: expected OpenAPI 3.0.x, found {}",
                other.unwrap_or("nothing")
            )));
        }
    }
    if let Some(problem) = toggl_track_codegen::refs::problems(&doc).first() {
        return Err(Failure::BadInput(format!("{shown}: {problem}")));
    }
    Ok(doc)
}

pub(crate) fn run_task(args: &Args) -> Result<(), Failure> {
    if args.update && args.docs.is_none() && args.swagger.is_none() {
        return Err(Failure::BadInput(
            "--update needs --docs or --swagger (or both)".into(),
        ));
    }
    let mut sources: Vec<(&str, Contract)> = Vec::new();
    if let Some(s) = &args.docs {
        sources.push(("docs", docs_contract(s)?));
    }
    if let Some(s) = &args.swagger {
        sources.push(("swagger", swagger_contract(s)?));
    }
    if args.update {
        for (name, contract) in &sources {
            let path = stored(name);
            let json = serde_json::to_string_pretty(contract).unwrap_or_default() + "\n";
            write_atomically(&path, &json)
                .map_err(|e| Failure::BadInput(e.message().to_owned()))?;
            println!(
                "stored the facts of {} in {}",
                contract.source,
                relative(&path)
            );
        }
        return Ok(());
    }
    if sources.is_empty() {
        for name in ["docs", "swagger"] {
            if let Some(contract) = load_stored(name)? {
                sources.push((name, contract));
            }
        }
        if sources.is_empty() {
            return Err(Failure::BadInput(
                "no stored facts in openapi/drift/; give --docs or --swagger, or store them with --update".into(),
            ));
        }
    }
    let (shown, path) = match &args.spec {
        Some(p) => (p.display().to_string(), p.clone()),
        None => (SPEC.to_owned(), root().join(SPEC)),
    };
    let doc = spec_document(&shown, &path)?;
    // A deliberate difference without its evidence is a finding of its own.
    let unbacked = crate::evidence::ledger_problems(&doc);
    let (ours, accepted) = spec::parse(&shown, &doc);
    let differences: Vec<Difference> = sources
        .iter()
        .flat_map(|(name, theirs)| compare::compare(name, theirs, &ours, &accepted))
        .collect();
    let unaccepted = differences.iter().filter(|d| d.accepted.is_none()).count();
    if args.format == Format::Json {
        let report = serde_json::json!({
            "sources": sources.iter().map(|(n, c)| (n.to_string(), c.source.clone())).collect::<std::collections::BTreeMap<_, _>>(),
            "unaccepted": unaccepted,
            "differences": differences,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!(
            "{}",
            render_text(&sources, &differences, std::io::stdout().is_terminal())
        );
    }
    for problem in &unbacked {
        eprintln!("{shown}: {problem}");
    }
    if unaccepted > 0 {
        Err(Failure::Found(format!(
            "{unaccepted} unaccepted difference(s) between the spec and Toggl's documentation; \
             change the spec, or record a deliberate difference with `x-toggl-drift-accepted`, \
             a reason, its sources and a confidence"
        )))
    } else if !unbacked.is_empty() {
        Err(Failure::Found(format!(
            "{} claim(s) in the spec without their evidence (listed above); give each \
             `sources` from `x-toggl-sources` and a `confidence` (confirmed, likely or guess)",
            unbacked.len()
        )))
    } else {
        Ok(())
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The report for people: grouped by source and operation, unaccepted first.
fn render_text(sources: &[(&str, Contract)], differences: &[Difference], colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::new();
    for (name, contract) in sources {
        let mine: Vec<&Difference> = differences.iter().filter(|d| d.source == *name).collect();
        let open = mine.iter().filter(|d| d.accepted.is_none()).count();
        out.push_str(&format!(
            "{} {} ({}): {} unaccepted, {} accepted\n",
            paint("1", "drift against"),
            name,
            contract.source,
            open,
            mine.len() - open
        ));
        let mut operations: Vec<&str> = mine.iter().map(|d| d.operation.as_str()).collect();
        operations.dedup();
        for op in operations {
            out.push_str(&format!("  {}\n", paint("1", op)));
            let in_op = mine.iter().filter(|d| d.operation == op);
            let (open, done): (Vec<&&Difference>, Vec<&&Difference>) =
                in_op.partition(|d| d.accepted.is_none());
            for d in open {
                out.push_str(&format!(
                    "    {} {}{}\n",
                    paint("31", "DRIFT   "),
                    d.subject,
                    values(d)
                ));
            }
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
    out
}

fn values(d: &Difference) -> String {
    match (&d.spec, &d.documented) {
        (Some(s), Some(t)) if d.subject != "operation" => format!(": spec {s}, documented {t}"),
        (Some(_), None) => ": only in the spec".to_owned(),
        (None, Some(_)) => ": only in the documentation".to_owned(),
        _ => String::new(),
    }
}
