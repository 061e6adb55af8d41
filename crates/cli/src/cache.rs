//! A local cache of what the service answered, so that `--max-age` can
//! answer at zero requests and `quota` can tell the quota left without
//! asking. One file per service, user and workspace, in the user's cache
//! directory, named by a hash: two accounts never share a file, and no
//! credential is ever written. Files are private to their owner and written
//! atomically, so an interrupted run never leaves a broken cache.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toggl_track_api::types::TrackClient;
use toggl_track_api::{KnownQuotas, QuotaKind};

/// Overrides where the cache lives (tests, or a user who wants it elsewhere).
pub(crate) const DIR_VARIABLE: &str = "TOGGL_CLIENTS_CACHE_DIR";
const FORMAT: u32 = 1;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Something cached and when it was fetched (UNIX seconds).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stamped<T> {
    fetched_at: u64,
    value: T,
}

impl<T> Stamped<T> {
    fn new(value: T) -> Self {
        Self {
            fetched_at: now(),
            value,
        }
    }

    fn fresh(&self, max_age: Duration) -> bool {
        now().saturating_sub(self.fetched_at) <= max_age.as_secs()
    }
}

/// One quota as last reported: requests left and when the window resets
/// (UNIX seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct QuotaRecord {
    pub remaining: u64,
    pub resets_at: u64,
    pub seen_at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    format: u32,
    /// Lists by their query (`status name`).
    lists: BTreeMap<String, Stamped<Vec<TrackClient>>>,
    /// Single clients by id.
    clients: BTreeMap<u64, Stamped<TrackClient>>,
    quotas: BTreeMap<String, QuotaRecord>,
}

/// The cache of one service, user and workspace.
pub(crate) struct Cache {
    path: PathBuf,
    contents: Contents,
    changed: bool,
}

impl Cache {
    /// The cache for `service`, the user behind `identity` (a token or an
    /// email address, only ever hashed) and `workspace`; `None` when the
    /// machine has no cache directory.
    pub(crate) fn open(service: &str, identity: &str, workspace: u64) -> Option<Self> {
        let dir = std::env::var_os(DIR_VARIABLE)
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("toggl-clients")))?;
        let mut hash = Sha256::new();
        for part in [service, identity, &workspace.to_string()] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let name: String = hash
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        let path = dir.join(format!("{name}.json"));
        // A file that cannot be read as this format is started afresh.
        let contents = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Contents>(&bytes).ok())
            .filter(|c| c.format == FORMAT)
            .unwrap_or_default();
        Some(Self {
            path,
            contents,
            changed: false,
        })
    }

    pub(crate) fn list(&self, query: &str, max_age: Duration) -> Option<Vec<TrackClient>> {
        let entry = self.contents.lists.get(query)?;
        entry.fresh(max_age).then(|| entry.value.clone())
    }

    pub(crate) fn put_list(&mut self, query: &str, clients: &[TrackClient]) {
        self.contents
            .lists
            .insert(query.to_owned(), Stamped::new(clients.to_vec()));
        for c in clients {
            self.contents
                .clients
                .insert(c.id.get(), Stamped::new(c.clone()));
        }
        self.changed = true;
    }

    pub(crate) fn client(&self, id: u64, max_age: Duration) -> Option<TrackClient> {
        let entry = self.contents.clients.get(&id)?;
        entry.fresh(max_age).then(|| entry.value.clone())
    }

    pub(crate) fn put_client(&mut self, client: &TrackClient) {
        self.contents
            .clients
            .insert(client.id.get(), Stamped::new(client.clone()));
        self.changed = true;
    }

    /// Forgets every list (a client was added, changed or removed) and the
    /// clients given.
    pub(crate) fn invalidate(&mut self, ids: &[u64]) {
        self.contents.lists.clear();
        for id in ids {
            self.contents.clients.remove(id);
        }
        self.changed = true;
    }

    /// Forgets everything but the quotas.
    pub(crate) fn invalidate_all(&mut self) {
        self.contents.lists.clear();
        self.contents.clients.clear();
        self.changed = true;
    }

    pub(crate) fn record_quotas(&mut self, known: &KnownQuotas) {
        for (kind, snapshot) in [
            (QuotaKind::Organization, known.organization),
            (QuotaKind::User, known.user),
        ] {
            if let Some(s) = snapshot {
                let secs = |t: SystemTime| {
                    t.duration_since(SystemTime::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or_default()
                };
                self.contents.quotas.insert(
                    kind.to_string(),
                    QuotaRecord {
                        remaining: s.remaining,
                        resets_at: secs(s.resets_at),
                        seen_at: secs(s.seen_at),
                    },
                );
                self.changed = true;
            }
        }
    }

    pub(crate) fn quota(&self, kind: QuotaKind) -> Option<QuotaRecord> {
        self.contents.quotas.get(&kind.to_string()).copied()
    }

    /// Writes the cache if anything changed: to a temporary file readable
    /// by its owner only, then renamed over the old one.
    pub(crate) fn save(&mut self) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        self.contents.format = FORMAT;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let bytes = serde_json::to_vec(&self.contents).map_err(std::io::Error::other)?;
        let written = private_file(&tmp).and_then(|mut f| {
            f.write_all(&bytes)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &self.path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        self.changed = false;
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: u64) -> TrackClient {
        serde_json::from_value(serde_json::json!({
            "id": id, "wid": 1, "name": format!("c{id}"), "archived": false,
            "at": "2024-03-17T10:55:38+00:00"
        }))
        .expect("client")
    }

    #[test]
    fn entries_are_keyed_apart_private_and_never_hold_the_credential() {
        let dir = std::env::temp_dir().join(format!("toggl-cache-test-{}", std::process::id()));
        // SAFETY: this test alone sets the variable, before the caches open.
        unsafe { std::env::set_var(DIR_VARIABLE, &dir) };
        let token = "1971800d4d82861d8f2c1651fea4d212";
        let mut a = Cache::open("https://api", token, 7).expect("cache");
        let b = Cache::open("https://api", "another-token", 7).expect("cache");
        assert_ne!(a.path(), b.path(), "two accounts never share a file");
        a.put_list("active", &[client(1), client(2)]);
        a.save().expect("saved");
        let text = std::fs::read_to_string(a.path()).expect("written");
        assert!(!text.contains(token));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Cache::open("https://api", token, 7).expect("cache");
        assert_eq!(
            again
                .list("active", Duration::from_secs(60))
                .map(|l| l.len()),
            Some(2)
        );
        assert!(again.client(2, Duration::from_secs(60)).is_some());
        assert!(b.list("active", Duration::from_secs(60)).is_none());
        // A broken file is started afresh, not an error.
        std::fs::write(a.path(), "{not json").expect("write");
        assert!(
            Cache::open("https://api", token, 7)
                .expect("cache")
                .list("active", Duration::MAX)
                .is_none()
        );
    }
}
