//! Turns the hand-maintained OpenAPI spec into the Rust client's source
//! with progenitor. Reading the spec (references, path templates, the
//! `x-toggl-*` vocabulary) is `toggl-track-spec-tools`'s; this crate adds the
//! rules the generator relies on, the generator's view of the spec, and the
//! operation facts the hand-written layer reads.
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
mod rewrite;
pub mod sentences;
mod settings;
mod transform;
mod validate;

use std::fmt;

use quote::ToTokens;
use std::path::{Path, PathBuf};

pub use settings::generation_settings;
pub use toggl_track_spec_tools::{Problem, SPEC_PATH, Spec, SpecError};
pub use transform::for_generator;
pub use validate::validate;

/// Everything that can stop generation, each naming the spec file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The spec cannot be read: unreadable, not OpenAPI 3.0, or with a
    /// reference that cannot be followed.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The document breaks rules the generator relies on.
    #[error("{}", toggl_track_spec_tools::ProblemList { path, problems })]
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

/// Reads the spec at `path` (YAML or JSON) and checks it against the
/// generator's rules.
pub fn load(path: &Path) -> Result<Spec, CodegenError> {
    checked(path, toggl_track_spec_tools::load(path)?)
}

/// Parses spec text and checks it against the generator's rules; `path`
/// is used only in messages.
pub fn parse(path: &Path, text: &str) -> Result<Spec, CodegenError> {
    checked(path, toggl_track_spec_tools::parse(path, text)?)
}

fn checked(path: &Path, spec: Spec) -> Result<Spec, CodegenError> {
    let mut problems = validate(&spec);
    problems.extend(sentences::sentences(&spec).err().into_iter().flatten());
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(CodegenError::Invalid {
            path: path.to_owned(),
            problems,
        })
    }
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
        // One line of tokens: skipping the pretty-printer keeps it out of
        // every user's build.
        format!("{HEADER}{}\n", self.file.to_token_stream())
    }

    /// The source formatted for reading: the committed copy.
    #[cfg(feature = "pretty")]
    pub fn pretty(&self) -> String {
        format!("{HEADER}{}", prettyplease::unparse(&self.file))
    }
}

/// Generates the client from a validated spec; `path` is used only in messages.
pub fn generate(path: &Path, spec: &Spec) -> Result<Generated, CodegenError> {
    let gen_err = |message: String| CodegenError::Generator {
        path: path.to_owned(),
        message,
    };
    let for_generator = for_generator(&spec.typed);
    let mut tokens = quietly_catch_panic(|| {
        progenitor::Generator::new(&generation_settings()).generate_tokens(&for_generator)
    })
    .map_err(gen_err)?
    .map_err(|e| gen_err(e.to_string()))?;
    tokens.extend(facts::operation_facts(spec));
    let mut file = syn::parse2::<syn::File>(tokens).map_err(|e| gen_err(e.to_string()))?;
    rewrite::shape(&mut file, &rewrite::secret_schemas(spec));
    Ok(Generated { file })
}

/// What `build.rs` does: loads, validates and generates the spec at `spec`
/// and writes the compact source to `out`, and Toggl's sentences
/// ([`sentences::rust`]) beside it as `sentences.rs`.
pub fn build(spec: &Path, out: &Path) -> Result<(), CodegenError> {
    let loaded = load(spec)?;
    let code = generate(spec, &loaded)?.compact();
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|source| CodegenError::Write {
            path: path.to_owned(),
            source,
        })
    };
    write(out, code)?;
    // `load` has checked them: the list is whole.
    let said = sentences::sentences(&loaded).unwrap_or_default();
    write(
        &out.with_file_name("sentences.rs"),
        format!("{HEADER}{}\n", sentences::rust(&said)),
    )
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
