//! One function per command; `main` dispatches to them.

use std::num::NonZeroU64;
use std::time::Duration;

use toggl_track_api::types::{
    ClientCreate, ClientRestore, ClientStatus, ClientUpdate, TrackClient,
};
use toggl_track_api::{Error, QuotaKind};

use crate::args::{ListArgs, Output, Status};
use crate::cache::QuotaRecord;
use crate::failure::{Failure, USAGE};
use crate::output;
use crate::session::Session;

fn status(s: Status) -> ClientStatus {
    match s {
        Status::Active => ClientStatus::Active,
        Status::Archived => ClientStatus::Archived,
        Status::Both => ClientStatus::Both,
    }
}

/// `list`: the workspace's clients, changed ones with `--since`, a page at
/// a time with `--page-size`, or from the cache with `--max-age`.
pub(crate) async fn list(s: &mut Session, out: Output, args: ListArgs) -> Result<(), Failure> {
    if let Some(since) = args.since {
        return changed_since(s, out, since, args.name.as_deref()).await;
    }
    let query = format!(
        "{:?} {}",
        args.status.unwrap_or(Status::Active),
        args.name.as_deref().unwrap_or_default()
    );
    if let (Some(max_age), Some(cache)) = (args.max_age, &s.cache)
        && let Some(clients) = cache.list(&query, max_age)
    {
        return output::clients(out, &clients, false);
    }
    let clients: Vec<TrackClient> = match args.page_size {
        Some(per_page) => {
            let mut request = s
                .client
                .list_all_clients()
                .workspace_id(s.workspace)
                .per_page(per_page);
            if let Some(st) = args.status {
                request = request.status(status(st));
            }
            if let Some(name) = &args.name {
                request = request.name(name.clone());
            }
            let all = request.send().await?;
            eprintln!("{} page(s), {} request(s)", all.requests, all.requests);
            all.clients
        }
        None => {
            let mut request = s.client.list_clients().workspace_id(s.workspace);
            if let Some(st) = args.status {
                request = request.status(status(st));
            }
            if let Some(name) = &args.name {
                request = request.name(name.clone());
            }
            request.send().await?.into_inner().0
        }
    };
    if let Some(cache) = &mut s.cache {
        cache.put_list(&query, &clients);
    }
    output::clients(out, &clients, false)
}

/// `list --since`: what changed in the user's workspaces, kept to this one.
async fn changed_since(
    s: &Session,
    out: Output,
    since: i64,
    name: Option<&str>,
) -> Result<(), Failure> {
    let changed = match s.client.list_changed_clients().since(since).send().await {
        Ok(changed) => changed.into_inner().0,
        Err(e) => {
            return Err(match Error::from(e) {
                // Toggl keeps about three months of changes.
                e @ Error::Validation { .. } if e.to_string().contains("since") => Failure::new(
                    crate::failure::REFUSED,
                    format!("{e}; for an older start, list everything with `list --status both`"),
                ),
                e => e.into(),
            });
        }
    };
    let needle = name.map(str::to_lowercase);
    let mine: Vec<TrackClient> = changed
        .into_iter()
        .filter(|c| c.wid.get() == s.workspace)
        .filter(|c| {
            needle
                .as_deref()
                .is_none_or(|n| c.name.to_lowercase().contains(n))
        })
        .collect();
    output::clients(out, &mine, false)
}

/// `get`: one client, from the cache when `--max-age` allows.
pub(crate) async fn get(
    s: &mut Session,
    out: Output,
    id: NonZeroU64,
    max_age: Option<Duration>,
) -> Result<(), Failure> {
    if let (Some(max_age), Some(cache)) = (max_age, &s.cache)
        && let Some(client) = cache.client(id.get(), max_age)
    {
        return output::clients(out, &[client], true);
    }
    let client = s
        .client
        .get_client()
        .workspace_id(s.workspace)
        .client_id(id)
        .send()
        .await?
        .into_inner();
    if let Some(cache) = &mut s.cache {
        cache.put_client(&client);
    }
    output::clients(out, &[client], true)
}

/// `create`, or with `--if-missing` the client of that name if it exists.
pub(crate) async fn create(
    s: &mut Session,
    out: Output,
    body: ClientCreate,
    if_missing: bool,
) -> Result<(), Failure> {
    let client = if if_missing {
        let ensured = s.client.create_client_if_missing(s.workspace, body).await?;
        eprintln!(
            "{} ({} request(s))",
            if ensured.created {
                "created"
            } else {
                "already there; nothing created"
            },
            ensured.requests
        );
        ensured.client
    } else {
        s.client
            .create_client()
            .workspace_id(s.workspace)
            .body(body)
            .send()
            .await?
            .into_inner()
    };
    forget(s, &[]);
    output::clients(out, &[client], true)
}

/// `update`: a client's name, notes or external reference.
pub(crate) async fn update(
    s: &mut Session,
    out: Output,
    id: NonZeroU64,
    body: ClientUpdate,
) -> Result<(), Failure> {
    if body.name.is_none() && body.notes.is_none() && body.external_reference.is_none() {
        return Err(Failure::new(
            USAGE,
            "nothing to change: give --name, --notes or --external-reference",
        ));
    }
    let client = s
        .client
        .update_client()
        .workspace_id(s.workspace)
        .client_id(id)
        .body(body)
        .send()
        .await?
        .into_inner();
    forget(s, &[id]);
    output::clients(out, &[client], true)
}

/// `delete`: one client, or several in one bulk request.
pub(crate) async fn delete(
    s: &mut Session,
    out: Output,
    ids: Vec<NonZeroU64>,
) -> Result<(), Failure> {
    if let [id] = ids[..] {
        s.client
            .delete_client()
            .workspace_id(s.workspace)
            .client_id(id)
            .send()
            .await?;
    } else {
        s.client
            .delete_clients()
            .workspace_id(s.workspace)
            .body(ids.clone())
            .send()
            .await?;
    }
    forget(s, &ids);
    output::deleted(out, &ids.iter().map(|i| i.get()).collect::<Vec<_>>())
}

/// `archive`: one client, or several in one bulk request.
pub(crate) async fn archive(
    s: &mut Session,
    out: Output,
    ids: Vec<NonZeroU64>,
) -> Result<(), Failure> {
    let archived: Vec<(u64, Vec<u64>)> = if let [id] = ids[..] {
        let projects = s
            .client
            .archive_client()
            .workspace_id(s.workspace)
            .client_id(id)
            .send()
            .await?;
        vec![(id.get(), projects.iter().map(|p| p.get()).collect())]
    } else {
        let answer = s
            .client
            .archive_clients()
            .workspace_id(s.workspace)
            .body(ids.clone())
            .send()
            .await?;
        answer
            .iter()
            .flat_map(|entry| {
                let projects: Vec<u64> = entry.project_ids.iter().map(|p| p.get()).collect();
                entry
                    .client_ids
                    .iter()
                    .map(move |c| (c.get(), projects.clone()))
            })
            .collect()
    };
    forget(s, &ids);
    output::archived(out, &archived)
}

/// `restore`: a client with all, some or none of its projects.
pub(crate) async fn restore(
    s: &mut Session,
    out: Output,
    id: NonZeroU64,
    projects: Vec<NonZeroU64>,
    all_projects: bool,
) -> Result<(), Failure> {
    let mut body = ClientRestore::builder();
    if all_projects {
        body = body.restore_all_projects(Some(true));
    }
    if !projects.is_empty() {
        body = body.projects(projects);
    }
    let client = s
        .client
        .restore_client()
        .workspace_id(s.workspace)
        .client_id(id)
        .body(body)
        .send()
        .await?
        .into_inner();
    forget(s, &[id]);
    output::clients(out, &[client], true)
}

/// `quota`: what the service last reported, or (with `--refresh`) what it
/// says now, for the price of the cheapest request there is.
pub(crate) async fn quota(s: &mut Session, out: Output, refresh: bool) -> Result<(), Failure> {
    if refresh {
        // One client of one page: the smallest answer a request can get.
        s.client
            .list_clients()
            .workspace_id(s.workspace)
            .page(1u64)
            .per_page(1u64)
            .send()
            .await?;
    }
    let known = s.client.quota();
    if let Some(cache) = &mut s.cache {
        cache.record_quotas(&known);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    // Each quota from this run, else from the cache.
    let quotas: Vec<(QuotaKind, Option<QuotaRecord>)> = [QuotaKind::Organization, QuotaKind::User]
        .into_iter()
        .map(|kind| {
            let record = known
                .get(kind)
                .map(|q| QuotaRecord {
                    remaining: q.remaining,
                    resets_at: now + q.resets_in().as_secs(),
                    seen_at: now,
                })
                .or_else(|| s.cache.as_ref()?.quota(kind));
            (kind, record)
        })
        .collect();
    let header = ["quota", "remaining", "resets_in", "seen"];
    let rows = quotas.iter().map(|(kind, record)| match record {
        // A window that has ended has been refilled; by how much is unknown.
        Some(r) if r.resets_at <= now => {
            vec![
                kind.to_string(),
                "full again (window reset)".to_owned(),
                String::new(),
                String::new(),
            ]
        }
        Some(r) => vec![
            kind.to_string(),
            r.remaining.to_string(),
            format!("{} min", (r.resets_at - now).div_ceil(60)),
            format!("{} s ago", now.saturating_sub(r.seen_at)),
        ],
        None => vec![
            kind.to_string(),
            "unknown".to_owned(),
            String::new(),
            String::new(),
        ],
    });
    match out {
        Output::Table => output::emit(&output::table(&header, rows)),
        Output::Csv => output::emit(&output::csv(&header, rows)?),
        Output::Json => {
            let doc: serde_json::Map<String, serde_json::Value> = quotas
                .iter()
                .map(|(kind, record)| {
                    let value = match record {
                        Some(r) if r.resets_at > now => serde_json::json!({
                            "remaining": r.remaining,
                            "resets_in_s": r.resets_at - now,
                            "seen_s_ago": now.saturating_sub(r.seen_at),
                        }),
                        Some(_) => serde_json::json!({"remaining": null, "reset": true}),
                        None => serde_json::Value::Null,
                    };
                    (kind.to_string(), value)
                })
                .collect();
            output::emit(&output::json_document(&doc.into()))
        }
    }
}

/// Forgets what a write changed from the cache: every list, and these clients.
pub(crate) fn forget(s: &mut Session, ids: &[NonZeroU64]) {
    if let Some(cache) = &mut s.cache {
        cache.invalidate(&ids.iter().map(|i| i.get()).collect::<Vec<_>>());
    }
}
