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

/// Why a private file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unread {
    pub why: String,
    /// Group or others may read it: refused, whatever it holds.
    pub exposed: bool,
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl From<String> for Unread {
    fn from(why: String) -> Self {
        Self {
            why,
            exposed: false,
        }
    }
}

/// The text of a file only its owner may read; `None` when there is no
/// file. Refused when group or others may read it, as ssh refuses a key.
pub(crate) fn read_owner_only(path: &Path) -> Result<Option<String>, Unread> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it ({e})").into()),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| Unread::from(format!("cannot read it ({e})")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Unread {
                why: format!(
                    "permissions {:04o} let other users read it; run `chmod 600 {}` (as ssh asks of a private key)",
                    mode & 0o7777,
                    path.display()
                ),
                exposed: true,
            });
        }
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::BufReader::new(file), &mut text)
        .map_err(|e| format!("cannot read it ({e})"))?;
    Ok(Some(text))
}

/// Replaces `path` with `content` in one step: a new owner-only file
/// beside it, synced, then renamed over it. The folder is made private
/// first ([`dir`]).
pub(crate) fn replace(path: &Path, content: &str) -> Result<(), String> {
    use std::io::Write;
    let folder = path.parent().unwrap_or(Path::new("."));
    dir(folder).map_err(|why| format!("its folder {}: {why}", folder.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = folder.join(format!(".{name}.{}.new", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    let written = new_file(&temp).and_then(|mut f| {
        f.write_all(content.as_bytes())?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    renamed.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write it ({e})")
    })
}

/// Removes `path`; a file that is not there is already removed.
pub(crate) fn remove(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {} ({e})", path.display()))
        }
        _ => Ok(()),
    }
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
