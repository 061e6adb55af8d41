//! Opening the mirror's file: refusing what is not a mirror of this tool's
//! (or is from a newer one) before anything is written to it, then WAL and
//! the migrations. Also what SQLite's errors mean to a user, with the exit
//! code each has.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::schema;
use crate::failure::{
    Failure, MIRROR_BUSY, MIRROR_FULL, MIRROR_NEWER, MIRROR_NOT_OURS, MIRROR_READ_ONLY, USAGE,
};

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Why the mirror cannot be used, in one line naming the file, with the
/// exit code that tells a script what to do about it.
#[derive(Debug, Clone)]
pub(crate) struct MirrorError {
    pub code: u8,
    pub message: String,
}

impl MirrorError {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for MirrorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<MirrorError> for Failure {
    fn from(e: MirrorError) -> Self {
        Failure::new(e.code, e.message)
    }
}

pub(crate) type Result<T> = std::result::Result<T, MirrorError>;

/// Says what went wrong with the file at `path`.
pub(crate) fn on(path: &Path) -> impl Fn(rusqlite::Error) -> MirrorError + '_ {
    move |e| {
        let (code, why) = describe(&e);
        MirrorError::new(code, format!("{}: {why}", path.display()))
    }
}

/// A database error in words, with its exit code.
fn describe(e: &rusqlite::Error) -> (u8, String) {
    use rusqlite::ErrorCode as C;
    let extended = match e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
        _ => 0,
    };
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => (
            MIRROR_BUSY,
            "the mirror is busy: another run held it past the wait; try again (or wait longer with TOGGL_CLIENTS_DB_WAIT)".to_owned(),
        ),
        Some(C::ReadOnly) => (
            MIRROR_READ_ONLY,
            "the mirror cannot be written (the file or its folder is read-only); make it writable, or give another --db".to_owned(),
        ),
        Some(C::DiskFull) => (MIRROR_FULL, FULL.to_owned()),
        // A write refused by the file-size limit (`ulimit -f`) or a full
        // disk that the system reported as an I/O error.
        Some(C::SystemIoFailure)
            if [
                rusqlite::ffi::SQLITE_IOERR_WRITE,
                rusqlite::ffi::SQLITE_IOERR_FSYNC,
                rusqlite::ffi::SQLITE_IOERR_TRUNCATE,
                rusqlite::ffi::SQLITE_IOERR_SHMSIZE,
            ]
            .contains(&extended) =>
        {
            (MIRROR_FULL, FULL.to_owned())
        }
        Some(C::DatabaseCorrupt) => (
            MIRROR_NOT_OURS,
            "the mirror is damaged (the database disk image is malformed); move it away and sync again".to_owned(),
        ),
        Some(C::NotADatabase) => (MIRROR_NOT_OURS, "not a SQLite database".to_owned()),
        _ => (USAGE, e.to_string()),
    }
}

const FULL: &str = "the mirror cannot grow: the disk is full, or the file-size limit is reached; nothing of this run was kept in it: free some space and run again";

/// Opens (or makes) the file at `path`, checked and brought up to this
/// tool's schema. Waits up to `busy` for another run that holds it.
pub(crate) fn open(path: &Path, private_folder: bool, busy: Duration) -> Result<Connection> {
    let shown = path.display();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if private_folder {
        crate::private::dir(dir).map_err(|why| {
            MirrorError::new(
                USAGE,
                format!("not using the folder {}: {why}", dir.display()),
            )
        })?;
    }
    let mut existed = check_file(path)?;
    if !existed {
        match crate::private::new_file(path) {
            Ok(_) => {}
            // Another run created it a moment ago: use it as it is.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                existed = check_file(path)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(MirrorError::new(
                    MIRROR_READ_ONLY,
                    format!(
                        "{shown}: cannot create the mirror, its folder is read-only ({e}); give another --db"
                    ),
                ));
            }
            Err(e) => {
                return Err(MirrorError::new(
                    USAGE,
                    format!("{shown}: cannot create the mirror: {e}"),
                ));
            }
        }
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(on(path))?;
    // SQLite opens a file it may not write read-only, without a word.
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        return Err(on(path)(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            None,
        )));
    }
    conn.busy_timeout(busy).map_err(on(path))?;
    let version = if existed {
        check_contents(&conn, path)?
    } else {
        0
    };
    use_wal(&conn, path, busy)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(on(path))?;
    if version < schema::VERSION {
        migrate(&mut conn, path)?;
    }
    Ok(conn)
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
            .map_err(|e| MirrorError::new(USAGE, format!("{}: {e}", path.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(MirrorError::new(
                MIRROR_READ_ONLY,
                format!(
                    "{}: cannot read the mirror ({e}); give another --db",
                    path.display()
                ),
            ));
        }
        Err(e) => return Err(MirrorError::new(USAGE, format!("{}: {e}", path.display()))),
    };
    if head.is_empty() {
        return Ok(true);
    }
    if head != SQLITE_MAGIC {
        return Err(MirrorError::new(
            MIRROR_NOT_OURS,
            format!(
                "{}: not a SQLite database, so not a mirror; it was left as it is (give another --db)",
                path.display()
            ),
        ));
    }
    Ok(true)
}

/// Refuses another program's database, a damaged one and one of a newer
/// schema, reading only; answers the file's schema version. The mark, the
/// tables and the version are read in one statement, so that a file
/// another run is setting up is seen before or after, never halfway.
fn check_contents(conn: &Connection, path: &Path) -> Result<usize> {
    let (id, tables, version): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id), \
                    (SELECT count(*) FROM sqlite_schema), \
                    (SELECT user_version FROM pragma_user_version)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(on(path))?;
    if id != schema::APPLICATION_ID && tables > 0 {
        return Err(MirrorError::new(
            MIRROR_NOT_OURS,
            format!(
                "{}: another program's SQLite database, not a mirror of toggl-clients; it was left as it is (give another --db)",
                path.display()
            ),
        ));
    }
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > schema::VERSION {
        return Err(MirrorError::new(
            MIRROR_NEWER,
            format!(
                "{}: made by a newer toggl-clients (schema {version}, this one reads up to {}); it was left as it is: use the newer toggl-clients, or give another --db",
                path.display(),
                schema::VERSION
            ),
        ));
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
        return Err(MirrorError::new(
            MIRROR_NOT_OURS,
            format!(
                "{}: the mirror is damaged ({first}); it was left as it is: move it away and sync again",
                path.display()
            ),
        ));
    }
    Ok(version)
}

/// Writes ahead (WAL), so that reading the mirror never waits for a write.
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

/// Brings the schema up to this tool's version.
///
/// Two runs may set up a new file at once. The migration's transaction is
/// immediate, so the second waits for the first; it then fails on the
/// tables the first made, and its second look finds them in place.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    let mut looks = 0;
    loop {
        looks += 1;
        match schema::MIGRATIONS.to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(rusqlite_migration::Error::RusqliteError { err, .. }) if looks >= 2 => {
                return Err(on(path)(err));
            }
            Err(_) if looks < 2 => continue,
            Err(e) => {
                return Err(MirrorError::new(
                    USAGE,
                    format!("{}: cannot set up the mirror: {e}", path.display()),
                ));
            }
        }
    }
}
