//! The one home of everything that reads the hand-maintained OpenAPI spec:
//! loading and validating it, following its references ([`refs`]), parsing
//! its path templates ([`paths`]), shaping it for the generator, and turning
//! it into the Rust client's source with progenitor.
//!
//! `build.rs` of the client crate calls [`build`] on every build, and
//! `cargo xtask regen` calls [`generate`] for the committed, formatted copy,
//! so the two can never come from different settings.
//!
//! progenitor asserts on some inputs instead of returning an error, so the
//! spec is first checked by [`validate`] against the rules the generator
//! relies on; each problem comes back as one line naming the file, where in
//! the document it is, and what to change.

mod facts;
mod output;
pub mod paths;
pub mod refs;
mod settings;
mod transform;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use facts::QUOTA;
pub use settings::generation_settings;
pub use transform::{TRANSPORT_RESPONSE, for_generator, is_transport_response};
pub use validate::validate;

/// The spec, relative to the workspace root (and to the client crate's
/// package root).
pub const SPEC_PATH: &str = "openapi/toggl-track-v9.yaml";

/// A parsed spec: openapiv3's typed view for the generator and the rules,
/// and the document as JSON for references and extensions.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The typed document.
    pub typed: openapiv3::OpenAPI,
    /// The same document as JSON, in the file's order.
    pub raw: serde_json::Value,
}

/// One rule broken at one place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into the document, e.g. `/paths/~1a~1{id}/get/responses/404`.
    pub pointer: String,
    /// What is wrong and what to change.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Everything that can stop generation, each naming the spec file.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
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
    /// The document parsed but breaks rules the generator relies on.
    #[error("{}", ProblemList { path, problems })]
    Invalid {
        /// The spec file.
        path: PathBuf,
        /// Every problem found, one line each.
        problems: Vec<Problem>,
    },
    /// progenitor refused the document (or panicked on it).
    #[error("{}: the generator rejected the spec: {message}", path.display())]
    Generator {
        /// The spec file.
        path: PathBuf,
        /// What the generator said.
        message: String,
    },
    /// The generated source could not be written.
    #[error("{}: cannot write the generated client: {source}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
}

struct ProblemList<'a> {
    path: &'a Path,
    problems: &'a [Problem],
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

/// Reads and parses the spec at `path` (YAML or JSON), then validates it.
pub fn load(path: &Path) -> Result<Spec, CodegenError> {
    let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parses spec text and validates it; `path` is used only in messages.
pub fn parse(path: &Path, text: &str) -> Result<Spec, CodegenError> {
    let invalid = |problems: Vec<Problem>| CodegenError::Invalid {
        path: path.to_owned(),
        problems,
    };
    let raw = parse_document(path, text)?;
    // The version first, so that it speaks before openapiv3 reports a less
    // helpful shape error for a 3.1 or 2.0 document; then references, so
    // that a cycle is one line here instead of a hang in the generator.
    let problems = validate::version_problems(&raw);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let problems = refs::problems(&raw);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let typed: openapiv3::OpenAPI =
        serde_json::from_value(raw.clone()).map_err(|e| CodegenError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    let spec = Spec { typed, raw };
    let problems = validate(&spec);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    Ok(spec)
}

/// The document as untyped JSON, from YAML or JSON text.
pub fn parse_document(path: &Path, text: &str) -> Result<serde_json::Value, CodegenError> {
    serde_yaml_ng::from_str(text).map_err(|e| CodegenError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The generated client, ready to be written out.
pub struct Generated {
    file: syn::File,
}

impl fmt::Debug for Generated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Generated({} items)", self.file.items.len())
    }
}

impl Generated {
    /// The source as compact tokens: what `build.rs` writes.
    pub fn compact(&self) -> String {
        format!("{HEADER}{}\n", output::compact(&self.file))
    }

    /// The source formatted for reading: the committed copy.
    #[cfg(feature = "pretty")]
    pub fn pretty(&self) -> String {
        format!("{HEADER}{}", output::pretty(&self.file))
    }
}

/// Generates the client from a validated spec; `path` is used only in messages.
pub fn generate(path: &Path, spec: &Spec) -> Result<Generated, CodegenError> {
    let gen_err = |message: String| CodegenError::Generator {
        path: path.to_owned(),
        message,
    };
    let for_generator = for_generator(&spec.typed, &spec.raw);
    let mut tokens = quietly_catch_panic(|| {
        progenitor::Generator::new(&generation_settings()).generate_tokens(&for_generator)
    })
    .map_err(gen_err)?
    .map_err(|e| gen_err(e.to_string()))?;
    tokens.extend(facts::operation_facts(spec));
    let mut file = syn::parse2::<syn::File>(tokens).map_err(|e| gen_err(e.to_string()))?;
    output::restrict_constructors(&mut file);
    Ok(Generated { file })
}

/// What `build.rs` does: loads, validates and generates the spec at `spec`
/// and writes the compact source to `out`.
pub fn build(spec: &Path, out: &Path) -> Result<(), CodegenError> {
    let code = generate(spec, &load(spec)?)?.compact();
    std::fs::write(out, code).map_err(|source| CodegenError::Write {
        path: out.to_owned(),
        source,
    })
}

const HEADER: &str = "// @generated by toggl-track-codegen from openapi/toggl-track-v9.yaml.\n\
// Do not edit: change the spec or crates/codegen, then run `cargo xtask regen`.\n\n";

/// Runs `f`, turning a panic into an error message without printing the
/// default panic report (a backtrace from inside the generator helps nobody
/// who is editing the spec).
fn quietly_catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        format!("progenitor panicked: {text}")
    })
}
