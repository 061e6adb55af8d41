//! Everything derived from the spec, in one list: `regen` writes it and
//! `check` compares it, so the two can never disagree on what is derived.

use std::path::{Path, PathBuf};

use toggl_track_codegen::{CodegenError, SPEC_PATH};

use crate::root;

/// A derived file: where it lives and what it should hold.
pub(crate) struct Derived {
    pub path: PathBuf,
    pub content: String,
}

/// Validates the spec and renders every derived file in memory.
pub(crate) fn render() -> Result<Vec<Derived>, CodegenError> {
    let spec_path = Path::new(SPEC_PATH);
    let text =
        std::fs::read_to_string(root().join(SPEC_PATH)).map_err(|source| CodegenError::Read {
            path: spec_path.to_owned(),
            source,
        })?;
    let spec = toggl_track_codegen::parse(spec_path, &text)?;
    // The same generation build.rs runs, formatted for review: a change to
    // the spec shows its effect on the Rust API in this file's diff. It is
    // never compiled.
    let code = toggl_track_codegen::generate(spec_path, &spec)?.pretty();
    // A JSON rendering for tools that prefer JSON, in the YAML's order.
    let json = serde_json::to_string_pretty(&spec.raw).unwrap_or_default() + "\n";
    Ok(vec![
        Derived {
            path: PathBuf::from("openapi/generated/toggl_track_v9.rs"),
            content: code,
        },
        Derived {
            path: PathBuf::from("openapi/toggl-track-v9.json"),
            content: json,
        },
    ])
}

/// Writes `content` to `path` through a temporary file in the same folder
/// and a rename, so a failure leaves the old file whole.
pub(crate) fn write_atomically(path: &Path, content: &str) -> crate::Outcome {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, content).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        crate::Failure::from(format!("{}: {e}", path.display()))
    })
}
