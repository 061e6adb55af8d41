//! In-memory state and the rules of the clients endpoints.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::config::Seed;
use crate::model::{
    ArchivedClients, ClientCreate, ClientRestore, ClientStatus, ClientUpdate, TrackClient,
};

/// A failed operation: status and the message the real service sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

#[derive(Debug, Clone)]
struct Project {
    wid: u64,
    client_id: Option<u64>,
    active: bool,
}

#[derive(Debug, Clone)]
struct Workspace {
    premium: bool,
}

/// Clients, projects and workspaces.
#[derive(Debug)]
pub struct Store {
    clients: HashMap<u64, TrackClient>,
    /// Per workspace, client ids by lower-cased name: unique names, and the
    /// order lists come in, without scanning or sorting.
    names: HashMap<u64, BTreeMap<String, u64>>,
    /// Each client's JSON, refreshed whenever it changes, so that a list is
    /// a join of bytes rather than a serialisation of every client.
    json: HashMap<u64, Vec<u8>>,
    /// Deleted clients with the time of deletion, for change queries.
    deleted: Vec<TrackClient>,
    projects: BTreeMap<u64, Project>,
    workspaces: BTreeMap<u64, Workspace>,
    next_client_id: u64,
    max_name_bytes: usize,
}

impl Store {
    pub fn new(seed: &Seed, max_name_bytes: usize) -> Self {
        let now = Utc::now();
        let clients: HashMap<u64, TrackClient> = seed
            .clients
            .iter()
            .map(|c| {
                let client = TrackClient {
                    id: c.id,
                    wid: c.wid,
                    name: c.name.clone(),
                    archived: c.archived,
                    at: now,
                    creator_id: c.creator_id,
                    notes: c.notes.clone(),
                    external_reference: c.external_reference.clone(),
                    integration_provider: None,
                    integration_ext_id: None,
                    integration_ext_type: None,
                    permissions: None,
                    server_deleted_at: None,
                    total_count: None,
                };
                (c.id, client)
            })
            .collect();
        let next_client_id = clients.keys().max().map_or(70_000_001, |m| m + 1);
        let mut names: HashMap<u64, BTreeMap<String, u64>> = HashMap::new();
        for c in clients.values() {
            names
                .entry(c.wid)
                .or_default()
                .insert(c.name.to_lowercase(), c.id);
        }
        let json = clients.iter().map(|(id, c)| (*id, to_json(c))).collect();
        Self {
            clients,
            names,
            json,
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
            workspaces: seed
                .workspaces
                .iter()
                .map(|w| (w.id, Workspace { premium: w.premium }))
                .collect(),
            next_client_id,
            max_name_bytes,
        }
    }

    /// The matching clients of `wid` in name order, as the JSON answer.
    pub fn list_json(&self, wid: u64, status: ClientStatus, name: Option<&str>) -> Vec<u8> {
        let needle = name.map(str::to_lowercase);
        let mut out = Vec::with_capacity(4096);
        out.push(b'[');
        let found = self
            .names
            .get(&wid)
            .into_iter()
            .flatten()
            .filter(|(lower, _)| needle.as_deref().is_none_or(|n| lower.contains(n)))
            .filter(|(_, id)| {
                self.clients
                    .get(*id)
                    .is_some_and(|c| status.admits(c.archived))
            })
            .filter_map(|(_, id)| self.json.get(id));
        for (i, json) in found.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(json);
        }
        out.push(b']');
        out
    }

    pub fn get(&self, wid: u64, id: u64) -> Result<TrackClient, Refusal> {
        self.clients
            .get(&id)
            .filter(|c| c.wid == wid)
            .cloned()
            .ok_or_else(|| not_found(id))
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
        let client = TrackClient {
            id,
            wid,
            name,
            archived: false,
            at: now,
            creator_id,
            notes: body.notes.filter(|n| !n.is_empty()),
            external_reference: body.external_reference.filter(|r| !r.is_empty()),
            integration_provider: None,
            integration_ext_id: None,
            integration_ext_type: None,
            permissions: None,
            server_deleted_at: None,
            total_count: None,
        };
        self.names
            .entry(wid)
            .or_default()
            .insert(client.name.to_lowercase(), id);
        self.json.insert(id, to_json(&client));
        self.clients.insert(id, client.clone());
        Ok(client)
    }

    pub fn update(
        &mut self,
        wid: u64,
        id: u64,
        body: ClientUpdate,
        now: DateTime<Utc>,
    ) -> Result<TrackClient, Refusal> {
        if self.clients.get(&id).is_none_or(|c| c.wid != wid) {
            return Err(refuse(404, "Client doesn't exist in the workspace."));
        }
        let name = match &body.name {
            Some(name) => Some(self.check_name(wid, name, Some(id))?),
            None => None,
        };
        let client = self
            .clients
            .get_mut(&id)
            .ok_or_else(|| refuse(404, "Client doesn't exist in the workspace."))?;
        if let Some(name) = name {
            let index = self.names.entry(wid).or_default();
            index.remove(&client.name.to_lowercase());
            index.insert(name.to_lowercase(), id);
            client.name = name;
        }
        if let Some(notes) = body.notes {
            client.notes = Some(notes).filter(|n| !n.is_empty());
        }
        if let Some(reference) = body.external_reference {
            client.external_reference = Some(reference).filter(|r| !r.is_empty());
        }
        client.at = now;
        let client = client.clone();
        self.json.insert(id, to_json(&client));
        Ok(client)
    }

    pub fn delete(&mut self, wid: u64, id: u64, now: DateTime<Utc>) -> Result<(), Refusal> {
        let mut client = self.get(wid, id)?;
        self.clients.remove(&id);
        client.server_deleted_at = Some(now);
        client.at = now;
        self.deleted.push(client.clone());
        self.json.remove(&id);
        if let Some(index) = self.names.get_mut(&wid) {
            index.remove(&client.name.to_lowercase());
        }
        // Projects stay, without a client, as in Toggl.
        for project in self.projects.values_mut() {
            if project.client_id == Some(id) {
                project.client_id = None;
            }
        }
        Ok(())
    }

    /// Archives several clients, all or none; one answer entry per client.
    pub fn archive_many(
        &mut self,
        wid: u64,
        ids: &[u64],
        now: DateTime<Utc>,
    ) -> Result<Vec<ArchivedClients>, Refusal> {
        for id in ids {
            self.get(wid, *id)?;
        }
        ids.iter()
            .map(|id| {
                self.archive(wid, *id, now).map(|projects| ArchivedClients {
                    client_ids: Some(vec![*id]),
                    project_ids: Some(projects),
                })
            })
            .collect()
    }

    /// Deletes several clients, all or none.
    pub fn delete_many(
        &mut self,
        wid: u64,
        ids: &[u64],
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        for id in ids {
            self.get(wid, *id)?;
        }
        ids.iter().try_for_each(|id| self.delete(wid, *id, now))
    }

    /// The clients of `wid` among `ids`, in name order, as the JSON answer.
    pub fn by_ids_json(&self, wid: u64, ids: &[u64]) -> Vec<u8> {
        let wanted: std::collections::HashSet<u64> = ids.iter().copied().collect();
        let found: Vec<&[u8]> = self
            .names
            .get(&wid)
            .into_iter()
            .flatten()
            .filter(|(_, id)| wanted.contains(id))
            .filter_map(|(_, id)| self.json.get(id).map(Vec::as_slice))
            .collect();
        join(&found)
    }

    /// Clients of the workspaces `wids` changed or deleted after `since`
    /// (all current ones without it), oldest change first.
    pub fn changed_since(&self, wids: &[u64], since: Option<DateTime<Utc>>) -> Vec<TrackClient> {
        let after = |c: &&TrackClient| wids.contains(&c.wid) && since.is_none_or(|s| c.at > s);
        let mut found: Vec<TrackClient> = self.clients.values().filter(after).cloned().collect();
        if since.is_some() {
            found.extend(self.deleted.iter().filter(after).cloned());
        }
        found.sort_by_key(|c| (c.at, c.id));
        found
    }

    /// Archives the client and its active projects; answers the projects'
    /// ids. Premium workspaces only.
    pub fn archive(&mut self, wid: u64, id: u64, now: DateTime<Utc>) -> Result<Vec<u64>, Refusal> {
        self.get(wid, id)?;
        if !self.workspaces.get(&wid).is_some_and(|w| w.premium) {
            return Err(refuse(
                402,
                "Archiving clients is available on paid plans only",
            ));
        }
        let mut archived = Vec::new();
        for (pid, project) in &mut self.projects {
            if project.client_id == Some(id) && project.wid == wid && project.active {
                project.active = false;
                archived.push(*pid);
            }
        }
        if let Some(client) = self.clients.get_mut(&id) {
            client.archived = true;
            client.at = now;
            let json = to_json(client);
            self.json.insert(id, json);
        }
        Ok(archived)
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
        let client = self.clients.get_mut(&id).ok_or_else(|| not_found(id))?;
        client.archived = false;
        client.at = now;
        let client = client.clone();
        self.json.insert(id, to_json(&client));
        Ok(client)
    }

    /// Whether `project` is active (for tests of archive and restore).
    pub fn project_active(&self, project: u64) -> Option<bool> {
        self.projects.get(&project).map(|p| p.active)
    }

    /// The name, trimmed, if the service would accept it for `wid`.
    fn check_name(&self, wid: u64, name: &str, except: Option<u64>) -> Result<String, Refusal> {
        let name = name.trim();
        if name.is_empty() {
            return Err(refuse(400, "Client name cannot be empty"));
        }
        if name.len() > self.max_name_bytes {
            return Err(refuse(
                400,
                format!("Client name maximum length is {}", self.max_name_bytes),
            ));
        }
        let taken = self
            .names
            .get(&wid)
            .and_then(|index| index.get(&name.to_lowercase()))
            .is_some_and(|holder| Some(*holder) != except);
        if taken {
            return Err(refuse(400, "Name has already been taken"));
        }
        Ok(name.to_owned())
    }
}

/// A JSON array of already serialised elements.
fn join(elements: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + elements.iter().map(|e| e.len() + 1).sum::<usize>());
    out.push(b'[');
    for (i, json) in elements.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(json);
    }
    out.push(b']');
    out
}

fn to_json(client: &TrackClient) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_vec(client).unwrap_or_default()
}

fn not_found(id: u64) -> Refusal {
    refuse(404, format!("No client with ID {id} was found"))
}
