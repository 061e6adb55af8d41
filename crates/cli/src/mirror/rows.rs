//! Clients as rows of the `clients` table, read and written by column
//! name, and what the mirror holds of them for telling a change.

use std::collections::HashMap;
use std::num::NonZeroU64;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use toggl_track_api::extras::sync::Held;
use toggl_track_api::types::{TrackClient, TrackClientPermissions};

/// Every column of a client row.
pub(crate) const COLUMNS: &str = "id, wid, name, archived, at, creator_id, notes, \
    external_reference, integration_provider, integration_ext_id, integration_ext_type, \
    permissions, server_deleted_at";

pub(crate) fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Ids fit SQLite's integers (the spec's int64).
pub(crate) fn sql_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// The columns' names, in the order [`Columns`] keeps them.
const NAMES: [&str; 13] = [
    "id",
    "wid",
    "name",
    "archived",
    "at",
    "creator_id",
    "notes",
    "external_reference",
    "integration_provider",
    "integration_ext_id",
    "integration_ext_type",
    "permissions",
    "server_deleted_at",
];

/// Where each column of a client is in a statement's rows: looked up by
/// name once per statement, not once per row and column.
pub(crate) struct Columns([usize; 13]);

impl Columns {
    /// The columns of `statement` (one that selects [`COLUMNS`]).
    pub(crate) fn of(statement: &rusqlite::Statement<'_>) -> rusqlite::Result<Self> {
        let mut at = [0; 13];
        for (slot, name) in at.iter_mut().zip(NAMES) {
            *slot = statement.column_index(name)?;
        }
        Ok(Self(at))
    }

    /// The index of the column `name` (one of [`NAMES`]).
    fn of_name(&self, name: &str) -> usize {
        NAMES
            .iter()
            .position(|n| *n == name)
            .map_or(usize::MAX, |i| self.0[i])
    }
}

/// A row of a statement whose columns are `cols`, as a client.
pub(crate) fn client(r: &rusqlite::Row<'_>, cols: &Columns) -> rusqlite::Result<TrackClient> {
    let col = |name: &str| cols.of_name(name);
    let id = |name: &str| -> rusqlite::Result<NonZeroU64> {
        let n: i64 = r.get(col(name))?;
        u64::try_from(n)
            .ok()
            .and_then(NonZeroU64::new)
            .ok_or_else(|| rusqlite::Error::InvalidColumnName(format!("{name} = {n}")))
    };
    let when = |name: &str| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<String>>(col(name))?
            .as_deref()
            .and_then(time))
    };
    let text = |name: &str| r.get::<_, Option<String>>(col(name));
    let permissions: Option<TrackClientPermissions> =
        text("permissions")?.and_then(|p| serde_json::from_str(&p).ok());
    let creator: Option<i64> = r.get(col("creator_id"))?;
    TrackClient::builder()
        .id(id("id")?)
        .wid(id("wid")?)
        .name(r.get::<_, String>(col("name"))?)
        .archived(r.get::<_, bool>(col("archived"))?)
        .at(when("at")?.unwrap_or_default())
        .creator_id(
            creator
                .and_then(|c| u64::try_from(c).ok())
                .and_then(NonZeroU64::new),
        )
        .notes(text("notes")?)
        .external_reference(text("external_reference")?)
        .integration_provider(text("integration_provider")?)
        .integration_ext_id(text("integration_ext_id")?)
        .integration_ext_type(text("integration_ext_type")?)
        .permissions(permissions)
        .server_deleted_at(when("server_deleted_at")?)
        .try_into()
        .map_err(|e: toggl_track_api::types::error::ConversionError| {
            rusqlite::Error::InvalidColumnName(e.to_string())
        })
}

/// Writes a client as the service has it. An older version never replaces
/// a newer one (two runs may write at once); one with the same `at` does,
/// since two versions within Toggl's second can differ. `permissions`,
/// which only lists carry, is kept when it does not come.
pub(crate) fn upsert(conn: &Connection, c: &TrackClient) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO clients (id, wid, name, archived, at, creator_id, notes, external_reference,
            integration_provider, integration_ext_id, integration_ext_type, permissions, server_deleted_at)
         VALUES (:id, :wid, :name, :archived, :at, :creator_id, :notes, :external_reference,
            :integration_provider, :integration_ext_id, :integration_ext_type, :permissions,
            :server_deleted_at)
         ON CONFLICT (id) DO UPDATE SET
            wid = excluded.wid, name = excluded.name, archived = excluded.archived, at = excluded.at,
            creator_id = excluded.creator_id, notes = excluded.notes,
            external_reference = excluded.external_reference,
            integration_provider = excluded.integration_provider,
            integration_ext_id = excluded.integration_ext_id,
            integration_ext_type = excluded.integration_ext_type,
            permissions = coalesce(excluded.permissions, clients.permissions),
            server_deleted_at = excluded.server_deleted_at
         WHERE unixepoch(excluded.at, 'subsec') >= unixepoch(clients.at, 'subsec')",
    )?;
    statement.execute(rusqlite::named_params! {
        ":id": sql_id(c.id.get()),
        ":wid": sql_id(c.wid.get()),
        ":name": c.name,
        ":archived": c.archived,
        ":at": text(c.at),
        ":creator_id": c.creator_id.map(|id| sql_id(id.get())),
        ":notes": c.notes,
        ":external_reference": c.external_reference,
        ":integration_provider": c.integration_provider,
        ":integration_ext_id": c.integration_ext_id,
        ":integration_ext_type": c.integration_ext_type,
        ":permissions": c.permissions.as_ref().and_then(|p| serde_json::to_string(p).ok()),
        ":server_deleted_at": c.server_deleted_at.map(text),
    })?;
    Ok(())
}

/// What the mirror holds of each of `ids`, content included, by id.
pub(crate) fn held(
    conn: &Connection,
    ids: impl Iterator<Item = u64>,
) -> rusqlite::Result<HashMap<u64, Held>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM clients WHERE id = ?1"))?;
    let cols = Columns::of(&statement)?;
    let mut out = HashMap::new();
    for id in ids {
        let found = statement
            .query_row([sql_id(id)], |r| client(r, &cols))
            .optional()?;
        if let Some(c) = found {
            out.insert(id, Held::of(&c));
        }
    }
    Ok(out)
}

/// What the mirror holds of every client of workspace `wid`, by id.
pub(crate) fn held_in(conn: &Connection, wid: u64) -> rusqlite::Result<HashMap<u64, Held>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM clients WHERE wid = ?1"))?;
    let cols = Columns::of(&statement)?;
    let rows = statement.query_map([sql_id(wid)], |r| client(r, &cols))?;
    let mut out = HashMap::new();
    for c in rows {
        let c = c?;
        out.insert(c.id.get(), Held::of(&c));
    }
    Ok(out)
}

/// The clients of `wid` but the deleted ones, in id order.
pub(crate) fn live_in(conn: &Connection, wid: u64) -> rusqlite::Result<Vec<TrackClient>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM clients WHERE wid = ?1 AND server_deleted_at IS NULL ORDER BY id"
    ))?;
    let cols = Columns::of(&statement)?;
    let rows = statement.query_map([sql_id(wid)], |r| client(r, &cols))?;
    rows.collect()
}

/// One client of `wid`, unless deleted.
pub(crate) fn one(conn: &Connection, wid: u64, id: u64) -> rusqlite::Result<Option<TrackClient>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM clients WHERE wid = ?1 AND id = ?2 AND server_deleted_at IS NULL"
    ))?;
    let cols = Columns::of(&statement)?;
    statement
        .query_row(params![sql_id(wid), sql_id(id)], |r| client(r, &cols))
        .optional()
}
