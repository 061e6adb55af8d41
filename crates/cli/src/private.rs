//! Files that are the user's alone: a folder owned by them that others may
//! not write to (0700 when it is made here), files readable by their owner
//! only, and names made from a hash, so that what identifies a user (a
//! token, an email address) is never written.

use std::path::Path;

use sha2::{Digest, Sha256};

/// A name from `parts`: the first 16 bytes of their SHA-256, in hex.
pub(crate) fn hash(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Makes `dir` (owner-only when it is new) and checks that it is this
/// user's alone: owned by them, and not writable by group or others.
#[cfg(unix)]
pub(crate) fn dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create it ({e})"))?;
    let meta = std::fs::metadata(dir).map_err(|e| format!("cannot read it ({e})"))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!(
            "it belongs to another user (uid {}), who could read or change what it holds",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "group or others may write to it (mode {:o}); `chmod 700` it to use it",
            meta.mode() & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create it ({e})"))
}

/// Makes a new file readable and writable by its owner only.
pub(crate) fn new_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_folder_others_may_write_to_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("toggl-private-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("dir");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let why = dir(&path).expect_err("refused");
        assert!(why.contains("group or others may write"), "{why}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        assert_eq!(dir(&path), Ok(()));
        let file = path.join("f");
        new_file(&file).expect("made");
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(new_file(&file).is_err(), "never over an existing file");
        std::fs::remove_dir_all(&path).expect("clean up");
        assert_ne!(hash(&["a", "b"]), hash(&["ab", ""]));
    }
}
