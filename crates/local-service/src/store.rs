//! In-memory state and the rules of the clients endpoints.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::config::Seed;
use crate::faults::Faults;
use crate::model::{
    ArchivedClients, ClientCreate, ClientRestore, ClientStatus, ClientUpdate, TrackClient,
};
use crate::refusal::Refusal;
use crate::sentences;

/// What the web app's list answers carry as `permissions` (for a workspace
/// admin): observed in captured traffic.
const LIST_PERMISSIONS: &str = r#""permissions":["archive","update","remove"]"#;

#[derive(Debug, Clone)]
struct Project {
    wid: u64,
    client_id: Option<u64>,
    active: bool,
}

/// A stored client with its JSON, refreshed whenever it changes (so that a
/// list is a join of bytes rather than a serialisation of every client),
/// and when it was created by a request (seeded clients: never).
#[derive(Debug)]
struct Stored {
    client: TrackClient,
    json: Vec<u8>,
    born: Option<Instant>,
}

impl Stored {
    fn new(client: TrackClient, born: Option<Instant>) -> Self {
        let json = to_json(&client);
        Self { client, json, born }
    }

    fn refresh(&mut self) {
        self.json = to_json(&self.client);
    }
}

/// One page of a list: which page (from 1) and how many a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

/// Clients, projects and workspaces.
#[derive(Debug)]
pub struct Store {
    /// Every live client, in id order.
    clients: BTreeMap<u64, Stored>,
    /// Per workspace, its clients' ids in order.
    by_workspace: HashMap<u64, BTreeSet<u64>>,
    /// Per workspace, client ids by lower-cased name: names are unique.
    names: HashMap<u64, HashMap<String, u64>>,
    /// Deleted clients with the time of deletion, for change queries.
    deleted: Vec<TrackClient>,
    projects: BTreeMap<u64, Project>,
    premium: HashMap<u64, bool>,
    next_client_id: u64,
    max_name_bytes: usize,
    /// For the visibility lag of new clients.
    faults: Faults,
}

impl Store {
    pub fn new(seed: &Seed, max_name_bytes: usize, faults: Faults) -> Self {
        let now = Utc::now();
        let mut store = Self {
            clients: BTreeMap::new(),
            by_workspace: HashMap::new(),
            names: HashMap::new(),
            deleted: Vec::new(),
            projects: seed
                .projects
                .iter()
                .map(|p| {
                    let project = Project {
                        wid: p.wid,
                        client_id: Some(p.client_id),
                        active: p.active,
                    };
                    (p.id, project)
                })
                .collect(),
            premium: seed.workspaces.iter().map(|w| (w.id, w.premium)).collect(),
            next_client_id: 70_000_001,
            max_name_bytes,
            faults,
        };
        for c in &seed.clients {
            let mut client = TrackClient::new(
                c.id,
                c.wid,
                c.name.clone(),
                c.creator_id,
                c.notes.clone(),
                c.external_reference.clone(),
                c.at.unwrap_or(now),
            );
            client.archived = c.archived;
            store.insert(client, None);
        }
        store.next_client_id = store
            .clients
            .keys()
            .max()
            .map_or(70_000_001, |m| (m + 1).max(70_000_001));
        store
    }

    fn insert(&mut self, client: TrackClient, born: Option<Instant>) {
        let (id, wid) = (client.id, client.wid);
        self.names
            .entry(wid)
            .or_default()
            .insert(client.name.to_lowercase(), id);
        self.by_workspace.entry(wid).or_default().insert(id);
        self.clients.insert(id, Stored::new(client, born));
    }

    /// Whether a stored client can be seen yet (see `Faults::set_visibility_lag`).
    fn visible(&self, stored: &Stored) -> bool {
        let lag = self.faults.lag();
        lag.is_zero() || stored.born.is_none_or(|born| born.elapsed() >= lag)
    }

    /// The visible client `id` of workspace `wid`.
    fn find(&self, wid: u64, id: u64) -> Option<&Stored> {
        self.clients
            .get(&id)
            .filter(|s| s.client.wid == wid && self.visible(s))
    }

    fn find_mut(&mut self, wid: u64, id: u64) -> Option<&mut Stored> {
        self.find(wid, id)?;
        self.clients.get_mut(&id)
    }

    /// The visible clients of `wid` in id order.
    fn workspace(&self, wid: u64) -> impl Iterator<Item = &Stored> {
        self.by_workspace
            .get(&wid)
            .into_iter()
            .flatten()
            .filter_map(|id| self.clients.get(id))
            .filter(|s| self.visible(s))
    }

    /// The matching clients of `wid` in id order, as the JSON answer; each
    /// carries `permissions` and `total_count` (the matches on all pages),
    /// as the web app's answers do. Without paging, all of them.
    pub fn list_json(
        &self,
        wid: u64,
        status: ClientStatus,
        name: Option<&str>,
        paging: Option<Paging>,
    ) -> Vec<u8> {
        let needle = name.map(str::to_lowercase);
        let matching: Vec<&Stored> = self
            .workspace(wid)
            .filter(|s| status.admits(s.client.archived))
            .filter(|s| {
                needle
                    .as_deref()
                    .is_none_or(|n| s.client.name.to_lowercase().contains(n))
            })
            .collect();
        let total = matching.len();
        let page: &[&Stored] = match paging {
            None => &matching,
            Some(Paging { page, per_page }) => {
                let start = usize::try_from(page.saturating_sub(1).saturating_mul(per_page))
                    .unwrap_or(usize::MAX)
                    .min(total);
                let end = start
                    .saturating_add(usize::try_from(per_page).unwrap_or(usize::MAX))
                    .min(total);
                &matching[start..end]
            }
        };
        let extra = format!(",{LIST_PERMISSIONS},\"total_count\":{total}}}");
        let mut out = Vec::with_capacity(
            2 + page
                .iter()
                .map(|s| s.json.len() + extra.len() + 1)
                .sum::<usize>(),
        );
        out.push(b'[');
        for (i, stored) in page.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // The cached object without its closing brace, then the fields
            // lists add.
            out.extend_from_slice(stored.json.strip_suffix(b"}").unwrap_or(&stored.json));
            out.extend_from_slice(extra.as_bytes());
        }
        out.push(b']');
        out
    }

    pub fn get(&self, wid: u64, id: u64) -> Result<TrackClient, Refusal> {
        self.find(wid, id)
            .map(|s| s.client.clone())
            .ok_or_else(|| Refusal::no_client(id))
    }

    pub fn create(
        &mut self,
        wid: u64,
        creator_id: u64,
        body: ClientCreate,
        now: DateTime<Utc>,
    ) -> Result<TrackClient, Refusal> {
        let name = self.check_name(wid, &body.name, None)?;
        let id = self.next_client_id;
        self.next_client_id += 1;
        let client = TrackClient::new(
            id,
            wid,
            name,
            creator_id,
            body.notes,
            body.external_reference,
            now,
        );
        self.insert(client.clone(), Some(Instant::now()));
        Ok(client)
    }

    pub fn update(
        &mut self,
        wid: u64,
        id: u64,
        body: ClientUpdate,
        now: DateTime<Utc>,
    ) -> Result<TrackClient, Refusal> {
        if self.find(wid, id).is_none() {
            return Err(Refusal::no_client_to_update());
        }
        let name = match &body.name {
            Some(name) => Some(self.check_name(wid, name, Some(id))?),
            None => None,
        };
        let old_name = self.get(wid, id)?.name.to_lowercase();
        if let Some(name) = &name {
            let index = self.names.entry(wid).or_default();
            index.remove(&old_name);
            index.insert(name.to_lowercase(), id);
        }
        let stored = self
            .find_mut(wid, id)
            .ok_or_else(Refusal::no_client_to_update)?;
        let client = &mut stored.client;
        if let Some(name) = name {
            client.name = name;
        }
        if let Some(notes) = body.notes {
            client.notes = Some(notes).filter(|n| !n.is_empty());
        }
        if let Some(reference) = body.external_reference {
            client.external_reference = Some(reference).filter(|r| !r.is_empty());
        }
        client.at = now;
        stored.refresh();
        Ok(stored.client.clone())
    }

    pub fn delete(&mut self, wid: u64, id: u64, now: DateTime<Utc>) -> Result<(), Refusal> {
        self.find(wid, id).ok_or_else(|| Refusal::no_client(id))?;
        let Some(stored) = self.clients.remove(&id) else {
            return Err(Refusal::no_client(id));
        };
        let mut client = stored.client;
        if let Some(index) = self.names.get_mut(&wid) {
            index.remove(&client.name.to_lowercase());
        }
        if let Some(ids) = self.by_workspace.get_mut(&wid) {
            ids.remove(&id);
        }
        // Projects stay, without a client, as in Toggl.
        for project in self.projects.values_mut() {
            if project.client_id == Some(id) {
                project.client_id = None;
            }
        }
        client.server_deleted_at = Some(now);
        client.at = now;
        self.deleted.push(client);
        Ok(())
    }

    /// Every id once, in the order first given, each a visible client of
    /// `wid`: what a bulk operation may act on, checked before it changes
    /// anything (all or nothing).
    fn check_all(&self, wid: u64, ids: &[u64]) -> Result<Vec<u64>, Refusal> {
        let mut seen = HashSet::new();
        let unique: Vec<u64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        if let Some(missing) = unique.iter().find(|id| self.find(wid, **id).is_none()) {
            return Err(Refusal::no_client(missing));
        }
        Ok(unique)
    }

    fn check_premium(&self, wid: u64) -> Result<(), Refusal> {
        if self.premium.get(&wid).copied().unwrap_or(false) {
            Ok(())
        } else {
            Err(Refusal::paid_plan_only())
        }
    }

    /// Archives the client and its active projects; answers the projects'
    /// ids. Premium workspaces only.
    pub fn archive(&mut self, wid: u64, id: u64, now: DateTime<Utc>) -> Result<Vec<u64>, Refusal> {
        self.get(wid, id)?;
        self.check_premium(wid)?;
        Ok(self.archive_checked(wid, id, now))
    }

    /// Archives a client already checked to exist in a premium workspace.
    fn archive_checked(&mut self, wid: u64, id: u64, now: DateTime<Utc>) -> Vec<u64> {
        let mut archived = Vec::new();
        for (pid, project) in &mut self.projects {
            if project.client_id == Some(id) && project.wid == wid && project.active {
                project.active = false;
                archived.push(*pid);
            }
        }
        if let Some(stored) = self.clients.get_mut(&id) {
            stored.client.archived = true;
            stored.client.at = now;
            stored.refresh();
        }
        archived
    }

    /// Archives several clients, all or none; one answer entry per client,
    /// an id given twice counted once.
    pub fn archive_many(
        &mut self,
        wid: u64,
        ids: &[u64],
        now: DateTime<Utc>,
    ) -> Result<Vec<ArchivedClients>, Refusal> {
        let ids = self.check_all(wid, ids)?;
        self.check_premium(wid)?;
        Ok(ids
            .into_iter()
            .map(|id| ArchivedClients {
                client_ids: Some(vec![id]),
                project_ids: Some(self.archive_checked(wid, id, now)),
            })
            .collect())
    }

    /// Deletes several clients, all or none; an id given twice counted once.
    pub fn delete_many(
        &mut self,
        wid: u64,
        ids: &[u64],
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        for id in self.check_all(wid, ids)? {
            self.delete(wid, id, now)?;
        }
        Ok(())
    }

    /// The clients of `wid` among `ids`, in id order, as the web app saw
    /// them: without `creator_id`, with `total_count` 0.
    pub fn by_ids(&self, wid: u64, ids: &[u64]) -> Vec<TrackClient> {
        let wanted: BTreeSet<u64> = ids.iter().copied().collect();
        wanted
            .into_iter()
            .filter_map(|id| self.find(wid, id))
            .map(|s| TrackClient {
                creator_id: None,
                total_count: Some(0),
                ..s.client.clone()
            })
            .collect()
    }

    /// Clients of the workspaces `wids` changed or deleted at or after
    /// `since` (inclusive, as Toggl's own tests expect; all current ones
    /// without it), in id order.
    pub fn changed_since(&self, wids: &[u64], since: Option<DateTime<Utc>>) -> Vec<TrackClient> {
        let after = |c: &&TrackClient| wids.contains(&c.wid) && since.is_none_or(|s| c.at >= s);
        let mut found: Vec<TrackClient> = self
            .clients
            .values()
            .filter(|s| self.visible(s))
            .map(|s| &s.client)
            .filter(after)
            .cloned()
            .collect();
        if since.is_some() {
            found.extend(self.deleted.iter().filter(after).cloned());
        }
        found.sort_by_key(|c| c.id);
        found
    }

    /// Restores the client and all or some of its projects. Ids that are
    /// not this client's projects are passed over.
    pub fn restore(
        &mut self,
        wid: u64,
        id: u64,
        body: ClientRestore,
        now: DateTime<Utc>,
    ) -> Result<TrackClient, Refusal> {
        self.get(wid, id)?;
        let all = body.restore_all_projects.unwrap_or(false);
        let chosen = body.projects.unwrap_or_default();
        for (pid, project) in &mut self.projects {
            if project.client_id == Some(id) && (all || chosen.contains(pid)) {
                project.active = true;
            }
        }
        let stored = self
            .find_mut(wid, id)
            .ok_or_else(|| Refusal::no_client(id))?;
        stored.client.archived = false;
        stored.client.at = now;
        stored.refresh();
        Ok(stored.client.clone())
    }

    /// Renames a client and leaves its `at` as it was (see
    /// `LocalService::rename_keeping_at`); whether it found the client.
    pub fn rename_keeping_at(&mut self, wid: u64, id: u64, name: &str) -> bool {
        let Some(old) = self.find(wid, id).map(|s| s.client.name.to_lowercase()) else {
            return false;
        };
        let index = self.names.entry(wid).or_default();
        index.remove(&old);
        index.insert(name.to_lowercase(), id);
        if let Some(stored) = self.clients.get_mut(&id) {
            stored.client.name = name.to_owned();
            stored.refresh();
        }
        true
    }

    /// Whether `project` is active (for tests of archive and restore).
    pub fn project_active(&self, project: u64) -> Option<bool> {
        self.projects.get(&project).map(|p| p.active)
    }

    /// The name, trimmed, if the service would accept it for `wid`.
    fn check_name(&self, wid: u64, name: &str, except: Option<u64>) -> Result<String, Refusal> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Refusal::said(sentences::NAME_EMPTY, &[]));
        }
        if name.len() > self.max_name_bytes {
            return Err(Refusal::said(
                sentences::NAME_TOO_LONG,
                &[&self.max_name_bytes],
            ));
        }
        let taken = self
            .names
            .get(&wid)
            .and_then(|index| index.get(&name.to_lowercase()))
            .is_some_and(|holder| Some(*holder) != except);
        if taken {
            return Err(Refusal::said(sentences::NAME_TAKEN, &[]));
        }
        Ok(name.to_owned())
    }
}

fn to_json(client: &TrackClient) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_vec(client).unwrap_or_default()
}
