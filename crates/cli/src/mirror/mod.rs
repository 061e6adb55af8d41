//! The mirror: a SQLite copy of the workspaces' clients that `sync` keeps
//! current (a full read first, then one delta request for every workspace
//! at once), and that every read can answer from at no cost (`list
//! --offline`, `--max-age`, `apply --from-mirror`). It also keeps the
//! quotas the service last reported, for `quota`.
//!
//! One file per service and user by default, in the user's data folder
//! (`toggl-clients/`, or `TOGGL_CLIENTS_DATA_DIR`), named by a hash: the
//! folder is its owner's alone (0700, and one others may write to is not
//! used) and the file readable by its owner only. It never holds a
//! credential.
//!
//! Safe to interrupt and to share: WAL mode, each sync one transaction
//! (taken before its request, so a second sync waits for the first and then
//! asks for what is left), a busy timeout. A file that is not SQLite, or
//! another program's SQLite file, or a damaged one, is refused before
//! anything is written to it.

mod schema;

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use toggl_track_api::extras::ClientFilter;
use toggl_track_api::extras::sync::{Change, Held, Tally};
use toggl_track_api::quota::KnownQuotas;
use toggl_track_api::types::{TrackClient, TrackClientPermissions};

use crate::failure::{Failure, USAGE};
use crate::private;

/// Overrides where the mirror lives by default (tests, or a user who wants
/// it elsewhere; `--db` names one file).
pub(crate) const DIR_VARIABLE: &str = "TOGGL_CLIENTS_DATA_DIR";

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Why the mirror cannot be used, in one line naming the file: the
/// command's input is wrong, exit 2.
#[derive(Debug, Clone)]
pub(crate) struct MirrorError(String);

impl From<String> for MirrorError {
    fn from(why: String) -> Self {
        Self(why)
    }
}

impl std::fmt::Display for MirrorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<MirrorError> for Failure {
    fn from(e: MirrorError) -> Self {
        Failure::new(USAGE, e.0)
    }
}

type Result<T> = std::result::Result<T, MirrorError>;

/// The mirror's file, open.
pub(crate) struct Mirror {
    conn: Connection,
    path: PathBuf,
    service: String,
    user: String,
}

/// What the mirror holds of one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Holding {
    /// The service's time of its last full read.
    pub full_read_at: DateTime<Utc>,
    /// The service's time of the last sync that covered it.
    pub synced_at: DateTime<Utc>,
}

impl Holding {
    /// How long ago the last sync that covered it was.
    pub(crate) fn age(&self) -> Duration {
        (Utc::now() - self.synced_at).to_std().unwrap_or_default()
    }
}

/// Where the next sync starts, and what syncs have done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SyncState {
    /// Where the next delta starts (UNIX seconds, the service's clock).
    pub since: Option<i64>,
    /// The service's time of the last full read.
    pub last_full_read: Option<DateTime<Utc>>,
    /// The service's time of the last sync.
    pub last_sync: Option<DateTime<Utc>>,
    /// Requests spent by syncs, in all.
    pub requests: u64,
}

/// The default file for a service and a user (identified by their token
/// or email, only ever hashed), or `None` without a data folder.
pub(crate) fn default_path(service: &str, identity: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(DIR_VARIABLE)
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("toggl-clients")))?;
    Some(dir.join(format!(
        "mirror-{}.sqlite",
        private::hash(&[service, identity])
    )))
}

/// Says what went wrong with the file at `path`.
fn on(path: &Path) -> impl Fn(rusqlite::Error) -> MirrorError + '_ {
    move |e| MirrorError(format!("{}: {}", path.display(), describe(&e)))
}

/// A database error in words.
fn describe(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            "the mirror is damaged (the database disk image is malformed); move it away and sync again".to_owned()
        }
        Some(rusqlite::ErrorCode::NotADatabase) => "not a SQLite database".to_owned(),
        Some(rusqlite::ErrorCode::DatabaseBusy) => {
            "the mirror is busy (another sync holds it); try again".to_owned()
        }
        _ => e.to_string(),
    }
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl Mirror {
    /// Opens (or makes) the mirror at `path` for `service` and `user` (a
    /// hash of the user's identity); `private_folder` checks that the
    /// folder is the user's alone (the default folder). Waits up to `busy`
    /// for a sync that holds the file.
    pub(crate) fn open(
        path: &Path,
        service: &str,
        user: &str,
        private_folder: bool,
        busy: Duration,
    ) -> Result<Self> {
        let shown = path.display();
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if private_folder {
            private::dir(dir).map_err(|why| {
                MirrorError(format!("not using the folder {}: {why}", dir.display()))
            })?;
        }
        let mut existed = check_file(path)?;
        if !existed {
            match private::new_file(path) {
                Ok(_) => {}
                // Another run created it a moment ago: use it as it is.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    existed = check_file(path)?;
                }
                Err(e) => {
                    return Err(MirrorError(format!(
                        "{shown}: cannot create the mirror: {e}"
                    )));
                }
            }
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(on(path))?;
        conn.busy_timeout(busy).map_err(on(path))?;
        if existed {
            check_contents(&conn, path)?;
        }
        use_wal(&conn, path, busy)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(on(path))?;
        migrate(&mut conn, path)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            service: service.to_owned(),
            user: user.to_owned(),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// What the mirror holds of workspace `wid`, if anything.
    pub(crate) fn holding(&self, wid: u64) -> Result<Option<Holding>> {
        holding(&self.conn, wid).map_err(on(&self.path))
    }

    /// The clients of `wid` that `filter` selects, in id order, as the
    /// service's list answers them: deleted ones left out, and each with
    /// `total_count`, the number that match.
    pub(crate) fn clients(&self, wid: u64, filter: &ClientFilter) -> Result<Vec<TrackClient>> {
        let mut clients = self.all_clients(wid)?;
        clients.retain(|c| filter.matches(c));
        let total = i64::try_from(clients.len()).unwrap_or(i64::MAX);
        for c in &mut clients {
            c.total_count = Some(total);
        }
        Ok(clients)
    }

    /// Every client of `wid` but the deleted ones, in id order.
    pub(crate) fn all_clients(&self, wid: u64) -> Result<Vec<TrackClient>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM clients WHERE wid = ?1 AND server_deleted_at IS NULL ORDER BY id"
            ))
            .map_err(on(&self.path))?;
        let rows = statement
            .query_map([wid_param(wid)], row)
            .map_err(on(&self.path))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(on(&self.path))
    }

    /// One client of `wid`, unless deleted.
    pub(crate) fn client(&self, wid: u64, id: u64) -> Result<Option<TrackClient>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM clients WHERE wid = ?1 AND id = ?2 AND server_deleted_at IS NULL"
                ),
                params![wid_param(wid), wid_param(id)],
                row,
            )
            .optional()
            .map_err(on(&self.path))
    }

    /// The quotas as last reported, by this run or an earlier one.
    pub(crate) fn quotas(&self) -> KnownQuotas {
        self.conn
            .query_row(
                "SELECT quotas FROM sync_state WHERE service = ?1 AND user = ?2",
                params![self.service, self.user],
                |r| r.get::<_, Option<String>>(0),
            )
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Keeps the quotas a run learned, each kind newer than what was held.
    pub(crate) fn record_quotas(&mut self, known: &KnownQuotas) -> Result<()> {
        let merged = self.quotas().merged(known);
        let text = serde_json::to_string(&merged).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO sync_state (service, user, quotas) VALUES (?1, ?2, ?3)
                 ON CONFLICT (service, user) DO UPDATE SET quotas = excluded.quotas",
                params![self.service, self.user, text],
            )
            .map(drop)
            .map_err(on(&self.path))
    }

    /// Applies what a write through the tool answered: the clients as they
    /// now are, and the ids deleted. The workspace's freshness is left as
    /// it is; the next sync brings the service's own version.
    pub(crate) fn apply_writes(
        &mut self,
        now: &[TrackClient],
        deleted: &[u64],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&path))?;
        for client in now {
            upsert(&tx, client).map_err(on(&path))?;
        }
        let at = text(at);
        for id in deleted {
            tx.execute(
                "UPDATE clients SET server_deleted_at = ?2 WHERE id = ?1 AND server_deleted_at IS NULL",
                params![wid_param(*id), at],
            )
            .map_err(on(&path))?;
        }
        tx.commit().map_err(on(&path))
    }

    /// Marks clients archived (a bulk archive answers ids only).
    pub(crate) fn mark_archived(&mut self, ids: &[u64]) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&path))?;
        for id in ids {
            tx.execute(
                "UPDATE clients SET archived = 1 WHERE id = ?1",
                [wid_param(*id)],
            )
            .map_err(on(&path))?;
        }
        tx.commit().map_err(on(&path))
    }

    /// Starts a sync: one transaction, taken now, so that a second sync
    /// waits for this one and nothing of a sync cut short is kept.
    pub(crate) fn begin_sync(&mut self) -> Result<Syncing<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&self.path))?;
        Ok(Syncing {
            tx,
            path: &self.path,
            service: &self.service,
            user: &self.user,
        })
    }
}

/// Refuses a file that is there but is not a SQLite database, before
/// SQLite may write to it; says whether there is a file with content.
fn check_file(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = Vec::new();
    match std::fs::File::open(path) {
        Ok(file) => file
            .take(SQLITE_MAGIC.len() as u64)
            .read_to_end(&mut head)
            .map_err(|e| MirrorError(format!("{}: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(MirrorError(format!("{}: {e}", path.display()))),
    };
    if head.is_empty() {
        return Ok(true);
    }
    if head != SQLITE_MAGIC {
        return Err(MirrorError::from(format!(
            "{}: not a SQLite database, so not a mirror; it was left as it is (give another --db)",
            path.display()
        )));
    }
    Ok(true)
}

/// Refuses another program's database, and a damaged one. The mark and
/// the tables are read in one statement, so that a file another run is
/// setting up is seen before or after, never halfway.
fn check_contents(conn: &Connection, path: &Path) -> Result<()> {
    let (id, tables): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id), \
                    (SELECT count(*) FROM sqlite_schema)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(on(path))?;
    if id != schema::APPLICATION_ID && tables > 0 {
        return Err(MirrorError::from(format!(
            "{}: another program's SQLite database, not a mirror of toggl-clients; it was left as it is (give another --db)",
            path.display()
        )));
    }
    let check: String = conn
        .pragma_query_value(None, "quick_check", |r| r.get(0))
        .map_err(on(path))?;
    if check != "ok" {
        // SQLite lists every damaged page; the first says enough.
        let first = check
            .lines()
            .find(|l| !l.starts_with("***"))
            .unwrap_or_default();
        return Err(MirrorError::from(format!(
            "{}: the mirror is damaged ({first}); it was left as it is: move it away and sync again",
            path.display()
        )));
    }
    Ok(())
}

/// Writes ahead (WAL), so that reading the mirror never waits for a sync.
/// The switch needs the file to itself, and SQLite says "busy" at once
/// rather than waiting when another run holds it, so it is tried again
/// until `busy` has passed.
fn use_wal(conn: &Connection, path: &Path, busy: Duration) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < busy =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(on(path)(e)),
        }
    }
}

/// Brings the schema up to this tool's version; refuses a newer one.
///
/// Two runs may set up a new file at once. The migration's transaction is
/// immediate, so the second waits for the first; it then fails on the
/// tables the first made, and its second look finds them in place.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let mut looks = 0;
    loop {
        looks += 1;
        let version = schema::MIGRATIONS
            .current_version(conn)
            .map_err(|e| MirrorError(format!("{}: {e}", path.display())))?;
        if matches!(version, rusqlite_migration::SchemaVersion::Outside(_)) {
            return Err(MirrorError(format!(
                "{}: made by a newer toggl-clients (schema {version}); use that one, or give another --db",
                path.display()
            )));
        }
        match schema::MIGRATIONS.to_latest(conn) {
            Ok(()) => break,
            Err(_) if looks < 2 => continue,
            Err(e) => {
                return Err(MirrorError(format!(
                    "{}: cannot set up the mirror: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// What a row of `archived, at, server_deleted_at` says of its client.
fn held_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Held> {
    Ok(Held::new(
        r.get::<_, bool>(0)?,
        r.get::<_, Option<String>>(2)?.is_some(),
        time(&r.get::<_, String>(1)?).unwrap_or_default(),
    ))
}

/// Ids fit SQLite's integers (the spec's int64).
fn wid_param(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

const COLUMNS: &str = "id, wid, name, archived, at, creator_id, notes, external_reference, \
    integration_provider, integration_ext_id, integration_ext_type, permissions, server_deleted_at";

/// A row as a client.
fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrackClient> {
    let id = |i| -> rusqlite::Result<NonZeroU64> {
        let n: i64 = r.get(i)?;
        u64::try_from(n)
            .ok()
            .and_then(NonZeroU64::new)
            .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(i, n))
    };
    let when = |i| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<String>>(i)?.as_deref().and_then(time))
    };
    let permissions: Option<TrackClientPermissions> = r
        .get::<_, Option<String>>(11)?
        .and_then(|p| serde_json::from_str(&p).ok());
    let creator: Option<i64> = r.get(5)?;
    TrackClient::builder()
        .id(id(0)?)
        .wid(id(1)?)
        .name(r.get::<_, String>(2)?)
        .archived(r.get::<_, bool>(3)?)
        .at(when(4)?.unwrap_or_default())
        .creator_id(
            creator
                .and_then(|c| u64::try_from(c).ok())
                .and_then(NonZeroU64::new),
        )
        .notes(r.get::<_, Option<String>>(6)?)
        .external_reference(r.get::<_, Option<String>>(7)?)
        .integration_provider(r.get::<_, Option<String>>(8)?)
        .integration_ext_id(r.get::<_, Option<String>>(9)?)
        .integration_ext_type(r.get::<_, Option<String>>(10)?)
        .permissions(permissions)
        .server_deleted_at(when(12)?)
        .try_into()
        .map_err(|e: toggl_track_api::types::error::ConversionError| {
            rusqlite::Error::InvalidColumnName(e.to_string())
        })
}

/// Writes a client as the service now has it: a newer version wins, and
/// `permissions` (which only lists carry) is kept when it does not come.
fn upsert(tx: &Transaction<'_>, c: &TrackClient) -> rusqlite::Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO clients (id, wid, name, archived, at, creator_id, notes, external_reference,
            integration_provider, integration_ext_id, integration_ext_type, permissions, server_deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET
            wid = excluded.wid, name = excluded.name, archived = excluded.archived, at = excluded.at,
            creator_id = excluded.creator_id, notes = excluded.notes,
            external_reference = excluded.external_reference,
            integration_provider = excluded.integration_provider,
            integration_ext_id = excluded.integration_ext_id,
            integration_ext_type = excluded.integration_ext_type,
            permissions = coalesce(excluded.permissions, clients.permissions),
            server_deleted_at = excluded.server_deleted_at
         WHERE excluded.at >= clients.at",
    )?;
    statement.execute(params![
        wid_param(c.id.get()),
        wid_param(c.wid.get()),
        c.name,
        c.archived,
        text(c.at),
        c.creator_id.map(|id| wid_param(id.get())),
        c.notes,
        c.external_reference,
        c.integration_provider,
        c.integration_ext_id,
        c.integration_ext_type,
        c.permissions
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok()),
        c.server_deleted_at.map(text),
    ])?;
    Ok(())
}

fn holding(conn: &Connection, wid: u64) -> rusqlite::Result<Option<Holding>> {
    conn.query_row(
        "SELECT full_read_at, synced_at FROM workspaces WHERE id = ?1",
        [wid_param(wid)],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )
    .optional()
    .map(|found| {
        found.and_then(|(full, synced)| {
            Some(Holding {
                full_read_at: time(&full)?,
                synced_at: time(&synced)?,
            })
        })
    })
}

fn workspaces(conn: &Connection) -> rusqlite::Result<Vec<u64>> {
    let mut statement = conn.prepare_cached("SELECT id FROM workspaces ORDER BY id")?;
    let ids = statement.query_map([], |r| r.get::<_, i64>(0))?;
    Ok(ids
        .filter_map(|id| id.ok().and_then(|n| u64::try_from(n).ok()))
        .collect())
}

/// A sync under way: everything it writes is one transaction, kept only
/// when [`finish`](Self::finish) commits it.
pub(crate) struct Syncing<'m> {
    tx: Transaction<'m>,
    path: &'m Path,
    service: &'m str,
    user: &'m str,
}

impl Syncing<'_> {
    /// Where the last sync left off, for this service and user.
    pub(crate) fn state(&self) -> Result<SyncState> {
        self.tx
            .query_row(
                "SELECT since, last_full_read, last_sync, requests FROM sync_state
                 WHERE service = ?1 AND user = ?2",
                params![self.service, self.user],
                |r| {
                    Ok(SyncState {
                        since: r.get(0)?,
                        last_full_read: r.get::<_, Option<String>>(1)?.as_deref().and_then(time),
                        last_sync: r.get::<_, Option<String>>(2)?.as_deref().and_then(time),
                        requests: r.get::<_, i64>(3).map(|n| u64::try_from(n).unwrap_or(0))?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(on(self.path))
    }

    /// Every workspace the mirror holds.
    pub(crate) fn workspaces(&self) -> Result<Vec<u64>> {
        workspaces(&self.tx).map_err(on(self.path))
    }

    /// What the mirror holds of each of `ids`, by id.
    fn held(&self, ids: impl Iterator<Item = u64>) -> Result<HashMap<u64, Held>> {
        let mut statement = self
            .tx
            .prepare_cached("SELECT archived, at, server_deleted_at FROM clients WHERE id = ?1")
            .map_err(on(self.path))?;
        let mut out = HashMap::new();
        for id in ids {
            let found = statement
                .query_row([wid_param(id)], held_row)
                .optional()
                .map_err(on(self.path))?;
            if let Some(held) = found {
                out.insert(id, held);
            }
        }
        Ok(out)
    }

    /// What the mirror holds of every client of workspace `wid`, by id, in
    /// one pass.
    fn held_in(&self, wid: u64) -> Result<HashMap<u64, Held>> {
        let mut statement = self
            .tx
            .prepare_cached(
                "SELECT archived, at, server_deleted_at, id FROM clients WHERE wid = ?1",
            )
            .map_err(on(self.path))?;
        let rows = statement
            .query_map([wid_param(wid)], |r| {
                Ok((r.get::<_, i64>(3)?, held_row(r)?))
            })
            .map_err(on(self.path))?;
        let mut out = HashMap::new();
        for found in rows {
            let (id, held) = found.map_err(on(self.path))?;
            out.insert(u64::try_from(id).unwrap_or_default(), held);
        }
        Ok(out)
    }

    /// A full read of workspace `wid`: its clients as the service listed
    /// them at `at` (its time), every other client of the workspace the
    /// mirror held now a tombstone deleted at `at`.
    pub(crate) fn replace_workspace(
        &mut self,
        wid: u64,
        clients: Vec<TrackClient>,
        at: DateTime<Utc>,
    ) -> Result<Tally> {
        let listed: HashSet<u64> = clients.iter().map(|c| c.id.get()).collect();
        let mut held = self.held_in(wid)?;
        held.extend(self.held(listed.iter().copied().filter(|id| !held.contains_key(id)))?);
        let before: Vec<u64> = held
            .iter()
            .filter(|(_, h)| !h.deleted)
            .map(|(id, _)| *id)
            .collect();
        let mut tally = Tally::default();
        for client in clients {
            let change = Change::of(held.get(&client.id.get()).copied(), client);
            tally.count(&change);
            if !matches!(change, Change::Unchanged(_)) {
                upsert(&self.tx, change.client()).map_err(on(self.path))?;
            }
        }
        for gone in before.iter().filter(|id| !listed.contains(id)) {
            self.tx
                .execute(
                    "UPDATE clients SET server_deleted_at = ?2 WHERE id = ?1",
                    params![wid_param(*gone), text(at)],
                )
                .map_err(on(self.path))?;
            tally.deleted += 1;
        }
        self.tx
            .execute(
                "INSERT INTO workspaces (id, full_read_at, synced_at) VALUES (?1, ?2, ?2)
                 ON CONFLICT (id) DO UPDATE SET full_read_at = excluded.full_read_at,
                    synced_at = excluded.synced_at",
                params![wid_param(wid), text(at)],
            )
            .map_err(on(self.path))?;
        Ok(tally)
    }

    /// A delta: the changes of the workspaces the mirror holds, as the
    /// service answered them at `at`; every held workspace is then current
    /// as of `at`.
    pub(crate) fn apply_delta(
        &mut self,
        delta: toggl_track_api::extras::sync::Delta,
        at: DateTime<Utc>,
    ) -> Result<(Tally, u64)> {
        let mirrored: HashSet<u64> = self.workspaces()?.into_iter().collect();
        let elsewhere = delta
            .clients()
            .iter()
            .filter(|c| !mirrored.contains(&c.wid.get()))
            .count() as u64;
        let held = self.held(delta.clients().iter().map(|c| c.id.get()))?;
        let changes = delta.changes(
            |id| held.get(&id).copied(),
            |c| mirrored.contains(&c.wid.get()),
        );
        let mut tally = Tally::default();
        for change in changes {
            tally.count(&change);
            if !matches!(change, Change::Unchanged(_)) {
                upsert(&self.tx, change.client()).map_err(on(self.path))?;
            }
        }
        self.tx
            .execute("UPDATE workspaces SET synced_at = ?1", [text(at)])
            .map_err(on(self.path))?;
        Ok((tally, elsewhere))
    }

    /// Keeps the sync: where the next starts, when it read in full (if it
    /// did), and the requests it spent.
    pub(crate) fn finish(
        self,
        since: Option<i64>,
        full_read: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
        requests: u64,
    ) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO sync_state (service, user, since, last_full_read, last_sync, requests)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (service, user) DO UPDATE SET
                    since = excluded.since,
                    last_full_read = coalesce(excluded.last_full_read, sync_state.last_full_read),
                    last_sync = excluded.last_sync,
                    requests = sync_state.requests + excluded.requests",
                params![
                    self.service,
                    self.user,
                    since,
                    full_read.map(text),
                    text(at),
                    i64::try_from(requests).unwrap_or(i64::MAX),
                ],
            )
            .map_err(on(self.path))?;
        self.tx.commit().map_err(on(self.path))
    }
}
