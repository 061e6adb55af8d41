//! The mirror's tables, as migrations: SQLite's `user_version` says which
//! have run (rusqlite_migration), so a newer tool upgrades an older file
//! and an older tool refuses a newer one. README.md documents the tables.

use rusqlite_migration::{M, Migrations};

/// Marks a file as this tool's mirror (`PRAGMA application_id`, "TGLC"),
/// so that another program's SQLite file is refused, never written.
pub(crate) const APPLICATION_ID: i64 = 0x5447_4C43;

/// Every migration, oldest first; never change one that has shipped.
const STEPS: &[M<'static>] = &[M::up(
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
)];

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
}
