//! The mirror's tables, as migrations: SQLite's `user_version` says which
//! have run (rusqlite_migration), so a newer tool upgrades an older file
//! and an older tool refuses a newer one. crates/cli/README.md documents the tables.

use rusqlite_migration::{M, Migrations};

/// The schema this tool writes (SQLite's `user_version`).
pub(crate) const VERSION: usize = STEPS.len();

/// Marks a file as this tool's mirror (`PRAGMA application_id`, "TGLC"),
/// so that another program's SQLite file is refused, never written.
pub(crate) const APPLICATION_ID: i64 = 0x5447_4C43;

/// Every migration, oldest first; never change one that has shipped.
const STEPS: &[M<'static>] = &[
    M::up(
        "
    -- The mark, in the same transaction as the tables, so that no run
    -- ever sees this tool's tables without it (APPLICATION_ID).
    PRAGMA application_id = 1413958723;

    -- Every client of the mirrored workspaces, with every field of the
    -- client object but `total_count` (a property of a list answer, not
    -- of a client). Deleted clients stay as tombstones: `server_deleted_at`
    -- set. Times are RFC 3339 text in UTC.
    CREATE TABLE clients (
        id INTEGER PRIMARY KEY,
        wid INTEGER NOT NULL,
        name TEXT NOT NULL,
        archived INTEGER NOT NULL CHECK (archived IN (0, 1)),
        at TEXT NOT NULL,
        creator_id INTEGER,
        notes TEXT,
        external_reference TEXT,
        integration_provider TEXT,
        integration_ext_id TEXT,
        integration_ext_type TEXT,
        permissions TEXT,
        server_deleted_at TEXT
    ) STRICT;
    CREATE INDEX clients_of_workspace ON clients (wid, id);

    -- The workspaces the mirror holds: when each was last read in full,
    -- and when a sync last covered it (the service's time of the answer).
    CREATE TABLE workspaces (
        id INTEGER PRIMARY KEY,
        full_read_at TEXT NOT NULL,
        synced_at TEXT NOT NULL
    ) STRICT;

    -- Per service and user (a hash of the credential's identity, never the
    -- credential): where the next delta starts (UNIX seconds, the service's
    -- clock), the last full read and sync, the requests syncs have spent,
    -- and the quotas as last reported (JSON).
    CREATE TABLE sync_state (
        service TEXT NOT NULL,
        user TEXT NOT NULL,
        since INTEGER,
        last_full_read TEXT,
        last_sync TEXT,
        requests INTEGER NOT NULL DEFAULT 0,
        quotas TEXT,
        PRIMARY KEY (service, user)
    ) STRICT;
    ",
    ),
    M::up(
        "
    -- Whose mirror this is: one service (its address, normalised) and one
    -- Toggl user (their user id), set by the first sync that knows them.
    -- `scope` is 'all' when the mirror follows every workspace the user has
    -- (the first sync named none), else 'chosen'; `access_checked` is this
    -- machine's time of the last look at the user's workspaces.
    CREATE TABLE owner (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        service TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('all', 'chosen')),
        access_checked TEXT,
        quotas TEXT
    ) STRICT;

    -- The credentials known to be the owner's, each as a hash of the
    -- service and the token (or email address), never the credential:
    -- a known one reads offline and costs no `/me`.
    CREATE TABLE credentials (
        hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL
    ) STRICT;

    -- Where each workspace's next delta starts (UNIX seconds). A file of
    -- schema 1 kept one for all: an hour earlier than it, to be safe.
    ALTER TABLE workspaces ADD COLUMN since INTEGER;

    -- The workspaces the mirror is to hold, read in full or not yet (a
    -- sync cut short leaves some to read: the next one reads them).
    CREATE TABLE wanted (id INTEGER PRIMARY KEY) STRICT;
    INSERT INTO wanted SELECT id FROM workspaces;
    UPDATE workspaces SET since = (SELECT min(since) - 3600 FROM sync_state);
    ",
    ),
];

/// The migrations as rusqlite_migration runs them.
pub(crate) const MIGRATIONS: Migrations<'static> = Migrations::from_slice(STEPS);

#[cfg(test)]
mod tests {
    #[test]
    fn the_migrations_are_valid_and_mark_the_file() {
        assert!(super::MIGRATIONS.validate().is_ok());
        let mut conn = rusqlite::Connection::open_in_memory().expect("opens");
        super::MIGRATIONS.to_latest(&mut conn).expect("migrates");
        let id: i64 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .expect("reads");
        assert_eq!(id, super::APPLICATION_ID);
    }

    #[test]
    fn a_file_of_schema_1_keeps_its_clients_and_starts_its_deltas_an_hour_earlier() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("opens");
        super::MIGRATIONS
            .to_version(&mut conn, 1)
            .expect("schema 1");
        conn.execute_batch(
            "INSERT INTO workspaces VALUES (1234567, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');
             INSERT INTO clients (id, wid, name, archived, at) VALUES (1, 1234567, 'Acme', 0, '2026-11-01T00:00:00Z');
             INSERT INTO sync_state (service, user, since, last_sync) VALUES ('s', 'u', 1761955200, '2026-11-01T00:00:00Z');",
        )
        .expect("a 0.4 mirror");
        super::MIGRATIONS.to_latest(&mut conn).expect("migrates");
        let (since, wanted, clients): (i64, i64, i64) = conn
            .query_row(
                "SELECT (SELECT since FROM workspaces), (SELECT count(*) FROM wanted), (SELECT count(*) FROM clients)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("reads");
        assert_eq!((since, wanted, clients), (1761955200 - 3600, 1, 1));
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("reads");
        assert_eq!(usize::try_from(version), Ok(super::VERSION));
    }
}
