//! A local cache of what the service answered, so that `--max-age` can
//! answer at zero requests and `quota` can tell the quota left without
//! asking. One file per service, user and workspace, in the user's cache
//! directory, named by a hash: two accounts never share a file, and no
//! credential is ever written.
//!
//! Lean by design: a list is stored only when the command asked for a
//! cached read (`--max-age`), each client once (lists name their clients by
//! id), compact, and a query's newer answer replaces its older one; so the
//! file stays about the size of the answers it holds.
//!
//! Private: the folder is created owner-only (0700) and files are written
//! owner-only (0600) and atomically, so an interrupted run never leaves a
//! broken cache. A folder another user owns, or that others may write to,
//! is not used (the command says so once, and runs without the cache).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toggl_track_api::extras::ClientFilter;
use toggl_track_api::quota::KnownQuotas;
use toggl_track_api::types::TrackClient;

/// Overrides where the cache lives (tests, or a user who wants it elsewhere).
pub(crate) const DIR_VARIABLE: &str = "TOGGL_CLIENTS_CACHE_DIR";
const FORMAT: u32 = 3;

/// Seconds since the UNIX epoch: the cache's clock.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn fresh(fetched_at: u64, max_age: Duration) -> bool {
    unix_now().saturating_sub(fetched_at) <= max_age.as_secs()
}

/// A list answer: its clients' ids, in the service's order.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Listed {
    #[serde(rename = "t")]
    fetched_at: u64,
    ids: Vec<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    format: u32,
    /// Lists by their query (`status=active name=acme`).
    lists: BTreeMap<String, Listed>,
    /// Every client held, once, by id.
    clients: BTreeMap<u64, TrackClient>,
    /// When clients fetched one by one (`get`) were fetched; a client from a
    /// list is as fresh as its newest list.
    fetched: BTreeMap<u64, u64>,
    /// The quotas as last reported.
    quotas: KnownQuotas,
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
    /// machine has no cache directory or the directory is not safe to use
    /// (then a warning says why).
    pub(crate) fn open(service: &str, identity: &str, workspace: u64) -> Option<Self> {
        let dir = std::env::var_os(DIR_VARIABLE)
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("toggl-clients")))?;
        if let Err(why) = private_dir(&dir) {
            eprintln!("warning: not using the cache in {}: {why}", dir.display());
            return None;
        }
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

    /// The list answered for `filter`, if younger than `max_age`.
    pub(crate) fn list(
        &self,
        filter: &ClientFilter,
        max_age: Duration,
    ) -> Option<Vec<TrackClient>> {
        let listed = self.contents.lists.get(&filter.to_string())?;
        if !fresh(listed.fetched_at, max_age) {
            return None;
        }
        listed
            .ids
            .iter()
            .map(|id| self.contents.clients.get(id).cloned())
            .collect()
    }

    /// Keeps a list answer, replacing the query's older one; the clients
    /// are moved in, not copied.
    pub(crate) fn put_list(&mut self, filter: &ClientFilter, clients: Vec<TrackClient>) {
        let fetched_at = unix_now();
        let ids = clients.iter().map(|c| c.id.get()).collect();
        self.contents
            .lists
            .insert(filter.to_string(), Listed { fetched_at, ids });
        for client in clients {
            self.contents.fetched.remove(&client.id.get());
            self.contents.clients.insert(client.id.get(), client);
        }
        self.changed = true;
    }

    pub(crate) fn client(&self, id: u64, max_age: Duration) -> Option<TrackClient> {
        let client = self.contents.clients.get(&id)?;
        let own = self.contents.fetched.get(&id).copied();
        let from_lists = self
            .contents
            .lists
            .values()
            .filter(|l| l.ids.contains(&id))
            .map(|l| l.fetched_at)
            .max();
        let fetched_at = own.max(from_lists)?;
        fresh(fetched_at, max_age).then(|| client.clone())
    }

    pub(crate) fn put_client(&mut self, client: TrackClient) {
        self.contents.fetched.insert(client.id.get(), unix_now());
        self.contents.clients.insert(client.id.get(), client);
        self.changed = true;
    }

    /// Forgets every list (a client was added, changed or removed) and the
    /// clients given.
    pub(crate) fn invalidate(&mut self, ids: &[u64]) {
        self.contents.lists.clear();
        for id in ids {
            self.contents.clients.remove(id);
            self.contents.fetched.remove(id);
        }
        self.changed = true;
    }

    /// Forgets everything but the quotas.
    pub(crate) fn invalidate_all(&mut self) {
        self.contents.lists.clear();
        self.contents.clients.clear();
        self.contents.fetched.clear();
        self.changed = true;
    }

    /// Keeps the quotas a run learned, each kind newer than what was held.
    pub(crate) fn record_quotas(&mut self, known: &KnownQuotas) {
        let merged = self.contents.quotas.merged(known);
        if merged != self.contents.quotas {
            self.contents.quotas = merged;
            self.changed = true;
        }
    }

    /// The quotas as last reported, by this run or an earlier one.
    pub(crate) fn quotas(&self) -> KnownQuotas {
        self.contents.quotas.clone()
    }

    /// Writes the cache if anything changed: to a temporary file readable
    /// by its owner only, then renamed over the old one.
    pub(crate) fn save(&mut self) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        self.contents.format = FORMAT;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let written = private_file(&tmp).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            serde_json::to_writer(&mut out, &self.contents).map_err(std::io::Error::other)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
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

/// Makes `dir` (owner-only when it is new) and checks that it is this
/// user's alone: owned by them, and not writable by group or others.
#[cfg(unix)]
fn private_dir(dir: &Path) -> Result<(), String> {
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
fn private_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create it ({e})"))
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
        let active = ClientFilter::default();
        a.put_list(&active, vec![client(1), client(2)]);
        // The same query again replaces, and clients are held once.
        a.put_list(&active, vec![client(1), client(2)]);
        a.save().expect("saved");
        let text = std::fs::read_to_string(a.path()).expect("written");
        assert!(!text.contains(token));
        assert_eq!(text.matches("\"c1\"").count(), 1, "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(a.path()), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
        let again = Cache::open("https://api", token, 7).expect("cache");
        assert_eq!(
            again
                .list(&active, Duration::from_secs(60))
                .map(|l| l.len()),
            Some(2)
        );
        assert!(again.client(2, Duration::from_secs(60)).is_some());
        assert!(b.list(&active, Duration::from_secs(60)).is_none());
        // A broken file is started afresh, not an error.
        std::fs::write(a.path(), "{not json").expect("write");
        assert!(
            Cache::open("https://api", token, 7)
                .expect("cache")
                .list(&active, Duration::MAX)
                .is_none()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_others_may_write_to_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("toggl-cache-open-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let why = private_dir(&dir).expect_err("refused");
        assert!(why.contains("group or others may write"), "{why}");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        assert_eq!(private_dir(&dir), Ok(()));
    }
}
