//! The hand-maintained OpenAPI spec of Toggl Track's clients endpoints, as
//! data: reading it (YAML or JSON, OpenAPI 3.0 only), following its
//! references ([`refs`]), parsing its path templates ([`paths`]) and its own
//! extensions ([`vocabulary`]).
//!
//! With the `tools` feature, the checks a maintainer runs when Toggl changes
//! its API: [`drift`] against Toggl's documentation, the [`evidence`] ledger,
//! and the [`conformance`] of recorded exchanges.
//!
//! Nothing here depends on code generated from the spec, so the checks run
//! whatever the spec says, even when the client no longer compiles from it.
//! The generator (`toggl-track-codegen`) reads the spec through this crate.

pub mod locations;
pub mod messages;
pub mod paths;
pub mod refs;
pub mod vocabulary;

#[cfg(feature = "tools")]
pub mod conformance;
#[cfg(feature = "tools")]
pub mod drift;
#[cfg(feature = "tools")]
pub mod evidence;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The spec, relative to the workspace root (and to the client crate's
/// package root).
pub const SPEC_PATH: &str = "openapi/toggl-track-v9.yaml";

/// A parsed spec: openapiv3's typed view, and the document as JSON for
/// references and extensions.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The typed document.
    pub typed: openapiv3::OpenAPI,
    /// The same document as JSON.
    pub raw: Value,
}

/// One rule broken at one place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the document, e.g. `/paths/~1a~1{id}/get/responses/404`.
    pub pointer: String,
    /// What is wrong and what to change.
    pub message: String,
}

impl Problem {
    /// A problem at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Why a spec cannot be read, each naming the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The file could not be read.
    #[error("{}: cannot read the spec: {source}", path.display())]
    Read {
        /// The spec file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML or JSON, or not shaped like an OpenAPI 3.0 document.
    #[error("{}: not a valid OpenAPI 3.0 document: {message}", path.display())]
    Parse {
        /// The spec file.
        path: PathBuf,
        /// What did not parse, with its line.
        message: String,
    },
    /// The document parsed but breaks a rule every reader relies on (its
    /// version, references that resolve), or a tool's own rules.
    #[error("{}", ProblemList { path, problems })]
    Invalid {
        /// The spec file.
        path: PathBuf,
        /// Every problem found, one line each.
        problems: Vec<Problem>,
    },
}

/// Problems one to a line, each naming the file.
pub struct ProblemList<'a> {
    /// The spec file.
    pub path: &'a Path,
    /// The problems.
    pub problems: &'a [Problem],
}

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {problem}", self.path.display())?;
        }
        Ok(())
    }
}

/// Reads and parses the spec at `path` (YAML or JSON); see [`parse`].
pub fn load(path: &Path) -> Result<Spec, SpecError> {
    parse(path, &read(path)?)
}

/// The document at `path` as JSON, checked as [`parse_checked`] checks it:
/// what the tools that read the document untyped (drift, the evidence
/// ledger, conformance) start from.
pub fn load_document(path: &Path) -> Result<Value, SpecError> {
    parse_checked(path, &read(path)?)
}

fn read(path: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(path).map_err(|source| SpecError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parses spec text into its typed and untyped views; `path` is used only
/// in messages. The version is checked first, so that a 3.1 or 2.0 document
/// is told so in one line rather than by a shape error; then references, so
/// that a cycle is one line here instead of a hang further on.
pub fn parse(path: &Path, text: &str) -> Result<Spec, SpecError> {
    let raw = parse_checked(path, text)?;
    let typed = serde_json::from_value(raw.clone()).map_err(|e| SpecError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(Spec { typed, raw })
}

/// The document as JSON with its version and references checked.
pub fn parse_checked(path: &Path, text: &str) -> Result<Value, SpecError> {
    let raw = parse_document(path, text)?;
    for problems in [version_problems(&raw), refs::problems(&raw)] {
        if !problems.is_empty() {
            return Err(SpecError::Invalid {
                path: path.to_owned(),
                problems,
            });
        }
    }
    Ok(raw)
}

/// The document as untyped JSON, from YAML or JSON text, unchecked.
pub fn parse_document(path: &Path, text: &str) -> Result<Value, SpecError> {
    serde_yaml_ng::from_str(text).map_err(|e| SpecError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// What is wrong with the `openapi` version field: only 3.0.x is read.
pub fn version_problems(raw: &Value) -> Vec<Problem> {
    if raw.get("swagger").is_some() {
        return vec![Problem::new(
            "/swagger",
            "this is a Swagger 2.0 document; convert it to OpenAPI 3.0.x",
        )];
    }
    match raw.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Vec::new(),
        Some(v) => vec![Problem::new(
            "/openapi",
            format!("version {v} is not supported; the spec must be OpenAPI 3.0.x"),
        )],
        None => vec![Problem::new(
            "/openapi",
            "missing `openapi: 3.0.x` field; this does not look like an OpenAPI document",
        )],
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The workspace this crate sits in, for tests that read its files.
    pub(crate) fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn versions_other_than_3_0_are_one_problem_each() {
        let v31 = parse(Path::new("s.yaml"), "openapi: 3.1.0\npaths: {}\n").expect_err("3.1");
        assert_eq!(
            v31.to_string(),
            "s.yaml: /openapi: version 3.1.0 is not supported; the spec must be OpenAPI 3.0.x"
        );
        let v2 = parse(Path::new("s.yaml"), "swagger: '2.0'\n").expect_err("2.0");
        assert!(v2.to_string().contains("/swagger: this is a Swagger 2.0"));
        let none = parse(Path::new("s.yaml"), "{}").expect_err("nothing");
        assert!(none.to_string().contains("missing `openapi: 3.0.x`"));
    }

    #[test]
    fn the_project_spec_loads() {
        let spec = load(&workspace_root().join(SPEC_PATH)).expect("the spec loads");
        assert!(spec.typed.paths.paths.len() >= 7);
    }
}
