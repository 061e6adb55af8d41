//! Writing files so that a failure never leaves half a file behind.

use std::path::Path;

use crate::{Outcome, io};

/// Writes `content` to `path` through a temporary file in the same folder
/// and a rename, so a failure leaves the old file whole.
pub(crate) fn write_atomically(path: &Path, content: &str) -> Outcome {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, content).map_err(io(tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path.display())(e)
    })
}
