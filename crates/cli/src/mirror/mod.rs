//! The mirror: a SQLite copy of the clients of a user's workspaces, and
//! the one way every command reads from it or writes to it.
//!
//! * **Whose.** A file belongs to one owner: a service (its address,
//!   normalised) and a Toggl user (their user id, learned once per
//!   credential with `GET /me` and kept as a hash of the credential, never
//!   the credential). Another user's or another service's credentials are
//!   refused with one line; a rotated token or `--email` of the same user
//!   goes on with the same file.
//! * **Reads** ([`Mirror::clients`], [`Mirror::client`]) take a
//!   [`Freshness`]: `Offline` answers as it is, with no request;
//!   `MaxAge(d)` answers from the mirror when its last sync of the
//!   workspace is younger than `d`, else syncs first (the cheapest
//!   request) and answers from it.
//! * **Writes through** ([`Mirror::write_through`]) keep it current with
//!   what the tool's own writes answered, in the service's times.
//! * **Sync** ([`Mirror::sync`], in `sync.rs`) brings it up to date.
//!
//! Every network call happens outside a transaction: a sync reads, then
//! writes what it read in a short transaction, workspace by workspace, so
//! a failure keeps what was paid for and another command waits for one
//! write, never for a request. WAL mode: reading never waits. A file that
//! is not a mirror, or is damaged, busy, read-only, full or newer is
//! refused in one line with an exit code of its own (`open.rs`).

mod open;
mod rows;
mod schema;
mod sync;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use toggl_track_api::Client;
use toggl_track_api::extras::ClientFilter;
use toggl_track_api::quota::KnownQuotas;
use toggl_track_api::types::TrackClient;

pub(crate) use open::MirrorError;
use open::{Result, on};
use rows::{sql_id, text, time};
pub(crate) use sync::{Report, SyncAsk};

use crate::failure::{AUTH, Failure, MIRROR_NOT_OURS, UNAVAILABLE, USAGE};

/// Overrides where the mirror lives by default (tests, or a user who wants
/// it elsewhere; `--db` names one file).
pub(crate) const DIR_VARIABLE: &str = "TOGGL_CLIENTS_DATA_DIR";

/// How long a command waits for another run's write (e.g. `2s`); default
/// [`DEFAULT_WAIT`].
pub(crate) const WAIT_VARIABLE: &str = "TOGGL_CLIENTS_DB_WAIT";

/// No transaction spans a request, so a write waits for another's write
/// only: seconds at most, even for 100,000 clients.
pub(crate) const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Who is asking: the service and a hash of their credential.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// The service's address, normalised ([`normalise`]).
    pub service: String,
    /// A hash of the service and the credential (a token, or an email
    /// address), never the credential.
    pub credential: String,
    /// The same, as schema 1 of the mirror named its user (the address as
    /// given), to adopt a mirror of the 0.4 releases.
    pub legacy: String,
    /// Toggl's user id, when `login` checked it: no `GET /me` is needed,
    /// and the default file is the user's, whatever their token.
    pub user: Option<u64>,
}

impl Identity {
    /// The identity of `credential` (a token or an email address) at the
    /// service `base_url`, of Toggl user `user` when that is known.
    pub(crate) fn new(base_url: &str, credential: &str, user: Option<u64>) -> Self {
        let service = normalise(base_url);
        Self {
            credential: crate::private::hash(&[&service, credential]),
            legacy: crate::private::hash(&[base_url, credential]),
            service,
            user,
        }
    }
}

/// A service's address as one text whatever its spelling: scheme and host
/// in lower case, no default port, no trailing `/`.
pub(crate) fn normalise(base_url: &str) -> String {
    let url = base_url.trim();
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let scheme = scheme.to_ascii_lowercase();
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut host = host.to_ascii_lowercase();
    for default in [(":443", "https"), (":80", "http")] {
        if scheme == default.1
            && let Some(bare) = host.strip_suffix(default.0)
        {
            host = bare.to_owned();
        }
    }
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}/{path}")
    }
}

/// The default file for an identity, or `None` without a data folder.
pub(crate) fn default_path(identity: &Identity) -> Option<PathBuf> {
    let dir = std::env::var_os(DIR_VARIABLE)
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("toggl-clients")))?;
    let name = match identity.user {
        Some(user) => crate::private::hash(&[&identity.service, "user", &user.to_string()]),
        None => identity.credential.clone(),
    };
    Some(dir.join(format!("mirror-{name}.sqlite")))
}

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// As the mirror is: no request at all.
    Offline,
    /// Synced within this long, else synced first.
    MaxAge(Duration),
}

impl Freshness {
    /// What `--offline` and `--max-age` ask for, if anything (the same on
    /// every command that reads).
    pub(crate) fn asked(offline: bool, max_age: Option<Duration>) -> Option<Self> {
        match (offline, max_age) {
            (true, _) => Some(Self::Offline),
            (false, Some(age)) => Some(Self::MaxAge(age)),
            (false, None) => None,
        }
    }
}

/// Clients read from the mirror, how old they are and what reading cost.
#[derive(Debug)]
pub(crate) struct Reading<T> {
    pub value: T,
    /// Since the last sync that covered the workspace.
    pub age: Duration,
    /// Requests sent to make it fresh (a sync), retries included.
    pub requests: u64,
}

/// What a write through the tool answered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Written<'a> {
    /// Clients as the service now has them (a create, update, restore or
    /// get answered them, with the service's `at`).
    Clients(&'a [TrackClient]),
    /// Clients deleted, with the answer's `Date` (the service's time) when
    /// it had one; without it they leave the mirror, and the next sync
    /// brings their tombstones.
    Deleted(&'a [u64], Option<SystemTime>),
    /// Clients archived (a bulk archive answers ids only; the next sync
    /// brings their new `at`).
    Archived(&'a [u64]),
}

/// The mirror's file, open.
pub(crate) struct Mirror {
    conn: Connection,
    path: PathBuf,
    identity: Identity,
}

/// The owner's row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    service: String,
    user_id: u64,
    all: bool,
    access_checked: Option<DateTime<Utc>>,
}

impl Mirror {
    /// Opens (or makes) the mirror at `path` for `identity`;
    /// `private_folder` checks that the folder is the user's alone (the
    /// default folder). Waits up to `busy` for another run's write.
    pub(crate) fn open(
        path: &Path,
        identity: Identity,
        private_folder: bool,
        busy: Duration,
    ) -> Result<Self> {
        Ok(Self {
            conn: open::open(path, private_folder, busy)?,
            path: path.to_owned(),
            identity,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn owner(&self) -> Result<Option<Owner>> {
        self.conn
            .query_row(
                "SELECT service, user_id, scope, access_checked FROM owner",
                [],
                |r| {
                    Ok(Owner {
                        service: r.get("service")?,
                        user_id: u64::try_from(r.get::<_, i64>("user_id")?).unwrap_or(0),
                        all: r.get::<_, String>("scope")? == "all",
                        access_checked: r
                            .get::<_, Option<String>>("access_checked")?
                            .as_deref()
                            .and_then(time),
                    })
                },
            )
            .optional()
            .map_err(on(&self.path))
    }

    /// The user this identity's credential is known to be, if known.
    fn known_user(&self) -> Result<Option<u64>> {
        if let Some(user) = self.identity.user {
            return Ok(Some(user));
        }
        self.conn
            .query_row(
                "SELECT user_id FROM credentials WHERE hash = ?1",
                [&self.identity.credential],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|u| u.and_then(|u| u64::try_from(u).ok()))
            .map_err(on(&self.path))
    }

    /// A file of the 0.4 releases, with data but no owner: whose it was,
    /// as far as it can tell (its users' hashes).
    fn legacy_users(&self) -> Result<Vec<String>> {
        let mut statement = self
            .conn
            .prepare("SELECT user FROM sync_state WHERE last_sync IS NOT NULL")
            .map_err(on(&self.path))?;
        let users = statement
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(on(&self.path))?;
        users
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(on(&self.path))
    }

    fn other_owner(&self, held: &Owner, why: &str) -> MirrorError {
        MirrorError::new(
            MIRROR_NOT_OURS,
            format!(
                "{}: this mirror is Toggl user {}'s at {}, and {why}; nothing was read from it or written to it: give another --db (or leave --db out for a file of your own)",
                self.path.display(),
                held.user_id,
                held.service
            ),
        )
    }

    /// Checks, with no request, that the file may serve this identity.
    fn may_serve_offline(&self) -> Result<()> {
        let Some(owner) = self.owner()? else {
            let legacy = self.legacy_users()?;
            if legacy.is_empty() || legacy.contains(&self.identity.legacy) {
                return Ok(());
            }
            return Err(MirrorError::new(
                MIRROR_NOT_OURS,
                format!(
                    "{}: a mirror of other credentials (made by an older toggl-clients); nothing was read from it: give another --db",
                    self.path.display()
                ),
            ));
        };
        self.check_service(&owner)?;
        match self.known_user()? {
            Some(user) if user == owner.user_id => Ok(()),
            Some(user) => {
                Err(self.other_owner(&owner, &format!("these credentials are user {user}'s")))
            }
            None => Err(MirrorError::new(
                USAGE,
                format!(
                    "{}: these credentials are not yet known to be Toggl user {}'s, whose mirror this is; run `toggl-clients sync` once to check them (one request to /me)",
                    self.path.display(),
                    owner.user_id
                ),
            )),
        }
    }

    fn check_service(&self, owner: &Owner) -> Result<()> {
        if owner.service == self.identity.service {
            return Ok(());
        }
        Err(self.other_owner(
            owner,
            &format!("these credentials are for {}", self.identity.service),
        ))
    }

    /// The owner's user id, learning this identity's with one `GET /me`
    /// when the file does not know it; refuses another user or service.
    /// A new file becomes this user's.
    async fn claim(&mut self, client: &Client) -> std::result::Result<u64, Failure> {
        let owner = self.owner()?;
        if let Some(owner) = &owner {
            self.check_service(owner)?;
        }
        let known = self.known_user()?;
        let user = match known {
            Some(user) => user,
            None => client.get_me().send().await?.into_inner().id.get(),
        };
        match owner {
            Some(owner) if owner.user_id != user => Err(self
                .other_owner(&owner, &format!("these credentials are user {user}'s"))
                .into()),
            // Known already: nothing to write.
            Some(_) if known.is_some() => Ok(user),
            Some(_) => Ok(self.remember(user)?),
            None => {
                let legacy = self.legacy_users()?;
                if !legacy.is_empty() && !legacy.contains(&self.identity.legacy) {
                    return Err(MirrorError::new(
                        MIRROR_NOT_OURS,
                        format!(
                            "{}: a mirror of other credentials (made by an older toggl-clients); nothing was written to it: give another --db",
                            self.path.display()
                        ),
                    )
                    .into());
                }
                self.conn
                    .execute(
                        "INSERT INTO owner (one, service, user_id, scope) VALUES (1, ?1, ?2, 'chosen')
                         ON CONFLICT (one) DO NOTHING",
                        params![self.identity.service, sql_id(user)],
                    )
                    .map_err(on(&self.path))?;
                // Another run may have claimed it a moment ago.
                Ok(self.claim_known(user)?)
            }
        }
    }

    fn claim_known(&mut self, user: u64) -> Result<u64> {
        match self.owner()? {
            Some(owner) if owner.user_id != user || owner.service != self.identity.service => {
                Err(self.other_owner(&owner, &format!("these credentials are user {user}'s")))
            }
            _ => self.remember(user),
        }
    }

    /// Keeps that this identity's credential is `user`'s.
    fn remember(&mut self, user: u64) -> Result<u64> {
        self.conn
            .execute(
                "INSERT INTO credentials (hash, user_id) VALUES (?1, ?2)
                 ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id",
                params![self.identity.credential, sql_id(user)],
            )
            .map_err(on(&self.path))?;
        Ok(user)
    }

    /// Whether the file is known, with no request, to be this identity's.
    fn ours(&self) -> bool {
        matches!(
            (self.owner(), self.known_user()),
            (Ok(Some(o)), Ok(Some(u))) if o.user_id == u && o.service == self.identity.service
        )
    }

    /// When the last sync that covered `wid` was, if the mirror holds it.
    fn synced_at(&self, wid: u64) -> Result<Option<DateTime<Utc>>> {
        self.conn
            .query_row(
                "SELECT synced_at FROM workspaces WHERE id = ?1",
                [sql_id(wid)],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|t| t.as_deref().and_then(time))
            .map_err(on(&self.path))
    }

    /// Makes sure the mirror may serve `wid` at `freshness`: syncing when
    /// it is too old (or does not hold it yet); answers the age and the
    /// requests that took.
    async fn fresh(
        &mut self,
        client: &Client,
        wid: u64,
        freshness: Freshness,
    ) -> std::result::Result<(Duration, u64), Failure> {
        let age = |at: DateTime<Utc>| (Utc::now() - at).to_std().unwrap_or_default();
        if freshness == Freshness::Offline {
            self.may_serve_offline()?;
        }
        let held = self.synced_at(wid)?;
        match (freshness, held) {
            (Freshness::Offline, Some(at)) => Ok((age(at), 0)),
            (Freshness::Offline, None) => Err(Failure::new(
                USAGE,
                format!(
                    "{}: the mirror does not hold workspace {wid}; run `toggl-clients sync` first",
                    self.path.display()
                ),
            )),
            (Freshness::MaxAge(max), Some(at)) if age(at) <= max && self.ours() => Ok((age(at), 0)),
            (Freshness::MaxAge(_), _) => {
                let outcome = self.sync(client, SyncAsk::workspace(wid)).await;
                if let Some(e) = outcome.error {
                    return Err(e);
                }
                let lost = outcome.report.lost.contains(&wid);
                let at = self.synced_at(wid)?.ok_or_else(|| {
                    if lost {
                        return Failure::new(
                            AUTH,
                            format!("this user may not read workspace {wid}"),
                        );
                    }
                    Failure::new(
                        UNAVAILABLE,
                        format!(
                            "{}: the sync did not reach workspace {wid}",
                            self.path.display()
                        ),
                    )
                })?;
                Ok((age(at), outcome.report.requests))
            }
        }
    }

    /// The clients of `wid` that `filter` selects, in id order, as the
    /// service's list answers them: deleted ones left out, and each with
    /// `total_count`, the number that match.
    pub(crate) async fn clients(
        &mut self,
        client: &Client,
        wid: u64,
        filter: &ClientFilter,
        freshness: Freshness,
    ) -> std::result::Result<Reading<Vec<TrackClient>>, Failure> {
        let (age, requests) = self.fresh(client, wid, freshness).await?;
        let mut clients = rows::live_in(&self.conn, wid).map_err(on(&self.path))?;
        // No `total_count`: it describes a list answer, and nothing prints it.
        clients.retain(|c| filter.matches(c));
        Ok(Reading {
            value: clients,
            age,
            requests,
        })
    }

    /// One client of `wid`, unless deleted; `None` when a mirror this
    /// fresh does not have it.
    pub(crate) async fn client(
        &mut self,
        client: &Client,
        wid: u64,
        id: u64,
        freshness: Freshness,
    ) -> std::result::Result<Reading<Option<TrackClient>>, Failure> {
        let (age, requests) = self.fresh(client, wid, freshness).await?;
        Ok(Reading {
            value: rows::one(&self.conn, wid, id).map_err(on(&self.path))?,
            age,
            requests,
        })
    }

    /// The workspaces the mirror holds.
    pub(crate) fn workspaces(&self) -> Result<Vec<u64>> {
        self.ids("SELECT id FROM workspaces ORDER BY id")
    }

    /// The ids a query of one column selects.
    fn ids(&self, query: &str) -> Result<Vec<u64>> {
        let mut statement = self.conn.prepare_cached(query).map_err(on(&self.path))?;
        let ids = statement
            .query_map([], |r| r.get::<_, i64>(0))
            .map_err(on(&self.path))?;
        ids.map(|id| id.map(|n| u64::try_from(n).unwrap_or(0)))
            .collect::<rusqlite::Result<_>>()
            .map_err(on(&self.path))
    }

    /// Applies what a write through the tool answered, to the workspaces
    /// the mirror holds, when the file is known to be this identity's (no
    /// request is spent to find out: the next sync brings it otherwise).
    pub(crate) fn write_through(&mut self, written: Written<'_>) -> Result<()> {
        if !self.ours() {
            return Ok(());
        }
        let held: HashSet<u64> = self.workspaces()?.into_iter().collect();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(on(&path))?;
        match written {
            Written::Clients(clients) => {
                for c in clients.iter().filter(|c| held.contains(&c.wid.get())) {
                    rows::upsert(&tx, c).map_err(on(&path))?;
                }
            }
            Written::Deleted(ids, Some(date)) => {
                let at = text(DateTime::<Utc>::from(date));
                for id in ids {
                    tx.execute(
                        "UPDATE clients SET server_deleted_at = ?2 WHERE id = ?1 AND server_deleted_at IS NULL",
                        params![sql_id(*id), at],
                    )
                    .map_err(on(&path))?;
                }
            }
            Written::Deleted(ids, None) => {
                for id in ids {
                    tx.execute("DELETE FROM clients WHERE id = ?1", [sql_id(*id)])
                        .map_err(on(&path))?;
                }
            }
            Written::Archived(ids) => {
                for id in ids {
                    tx.execute(
                        "UPDATE clients SET archived = 1 WHERE id = ?1",
                        [sql_id(*id)],
                    )
                    .map_err(on(&path))?;
                }
            }
        }
        tx.commit().map_err(on(&path))
    }

    /// The quotas as last reported to this identity.
    pub(crate) fn quotas(&self) -> KnownQuotas {
        self.conn
            .query_row(
                "SELECT quotas FROM sync_state WHERE service = ?1 AND user = ?2",
                params![self.identity.service, self.identity.credential],
                |r| r.get::<_, Option<String>>(0),
            )
            .ok()
            .flatten()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Keeps the quotas a run learned, each kind newer than what was held;
    /// never in another owner's file.
    pub(crate) fn record_quotas(&mut self, known: &KnownQuotas) -> Result<()> {
        if self.owner()?.is_some() && !self.ours() {
            return Ok(());
        }
        let merged = self.quotas().merged(known);
        let text = serde_json::to_string(&merged).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO sync_state (service, user, quotas) VALUES (?1, ?2, ?3)
                 ON CONFLICT (service, user) DO UPDATE SET quotas = excluded.quotas",
                params![self.identity.service, self.identity.credential, text],
            )
            .map(drop)
            .map_err(on(&self.path))
    }
}
