//! `cargo xtask drift`: reads Toggl's documentation (a URL, a saved copy,
//! or the facts stored in `openapi/drift/`), compares it with the spec
//! through `toggl_track_spec_tools::drift`, and prints the report.

use std::io::IsTerminal;
use std::path::PathBuf;

use toggl_track_spec_tools::drift::{self, Compared, Contract};

use crate::files::write_atomically;
use crate::{Failure, Outcome, io, root};

/// `cargo xtask drift`.
#[derive(Debug, Default, clap::Args)]
#[command(
    after_help = "Without --docs and --swagger, the stored facts in openapi/drift/ are used."
)]
pub(crate) struct Drift {
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
    /// Every accepted difference with its reason, not just a count per
    /// operation.
    #[arg(long, short)]
    verbose: bool,
    /// The spec to compare (default: openapi/toggl-track-v9.yaml).
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
}

/// A report for people or for machines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Grouped by source and operation, coloured on a terminal.
    #[default]
    Text,
    /// One JSON document, every difference with its reason.
    Json,
}

fn stored(name: &str) -> PathBuf {
    root()
        .join("openapi")
        .join("drift")
        .join(format!("{name}.json"))
}

/// Reads a file or fetches a URL.
fn read_source(source: &str) -> Outcome<String> {
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
        std::fs::read_to_string(source).map_err(io(format!("{source}: cannot read")))
    }
}

fn load_stored(name: &str) -> Outcome<Option<Contract>> {
    let path = stored(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(io(path.display()))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Failure::BadInput(format!("{}: not a stored contract: {e}", path.display())))
}

impl Drift {
    pub(crate) fn run(self) -> Outcome {
        if self.update && self.docs.is_none() && self.swagger.is_none() {
            return Err(Failure::BadInput(
                "--update needs --docs or --swagger (or both)".into(),
            ));
        }
        let mut sources = self.given_sources()?;
        if self.update {
            return store(&sources);
        }
        if sources.is_empty() {
            sources = stored_sources()?;
        }
        let (shown, _) = crate::spec_path(self.spec.as_deref());
        let doc = crate::spec_document(self.spec.as_deref())?;
        let sources = sources
            .into_iter()
            .map(|(name, contract)| Compared {
                name: name.to_owned(),
                contract,
            })
            .collect();
        let report = drift::check(&shown, &doc, sources);
        match self.format {
            Format::Json => println!(
                "{}",
                serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
            ),
            Format::Text => print!(
                "{}",
                report.render(self.verbose, std::io::stdout().is_terminal())
            ),
        }
        for problem in &report.unbacked {
            eprintln!("{shown}: {problem}");
        }
        verdict(&report)
    }

    /// The facts of the sources given on the command line, each named.
    fn given_sources(&self) -> Outcome<Vec<(&'static str, Contract)>> {
        let mut sources = Vec::new();
        if let Some(s) = &self.docs {
            let contract = drift::docs_contract(s, &read_source(s)?).map_err(Failure::BadInput)?;
            sources.push(("docs", contract));
        }
        if let Some(s) = &self.swagger {
            let contract =
                drift::swagger_contract(s, &read_source(s)?).map_err(Failure::BadInput)?;
            sources.push(("swagger", contract));
        }
        Ok(sources)
    }
}

/// Stores the facts of each source in openapi/drift/ (`--update`).
fn store(sources: &[(&str, Contract)]) -> Outcome {
    for (name, contract) in sources {
        let path = stored(name);
        let json = serde_json::to_string_pretty(contract).unwrap_or_default() + "\n";
        write_atomically(&path, &json)?;
        println!(
            "stored the facts of {} in {}",
            contract.source,
            path.strip_prefix(root()).unwrap_or(&path).display()
        );
    }
    Ok(())
}

/// The facts stored in openapi/drift/, of at least one source.
fn stored_sources() -> Outcome<Vec<(&'static str, Contract)>> {
    let mut sources = Vec::new();
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
    Ok(sources)
}

/// Fails when the report shows a difference the spec does not accept, or
/// a claim without its evidence.
fn verdict(report: &drift::Report) -> Outcome {
    let unaccepted = report.unaccepted();
    if unaccepted > 0 {
        Err(Failure::Found(format!(
            "{unaccepted} unaccepted difference(s) between the spec and Toggl's documentation; \
             change the spec, or record a deliberate difference with `x-toggl-drift-accepted`, \
             a reason, its sources and a confidence"
        )))
    } else if !report.unbacked.is_empty() {
        Err(Failure::Found(format!(
            "{} claim(s) in the spec without their evidence (listed above); give each \
             `sources` from `x-toggl-sources` and a `confidence` (confirmed, likely or guess)",
            report.unbacked.len()
        )))
    } else {
        Ok(())
    }
}
