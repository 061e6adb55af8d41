//! `apply`: makes the workspace's clients match a file in the shape `list`
//! prints (CSV or JSON), with the fewest requests the API allows. The file
//! is checked before anything is sent; the plan and its cost are printed
//! before any change; a plan the known quota cannot cover is not started;
//! and running the same file again finishes an interrupted job.

use std::collections::HashMap;
use std::io::Read;
use std::num::NonZeroU64;
use std::path::Path;

use serde_json::{Value, json};
use toggl_track_api::types::{
    ClientCreate, ClientRestore, ClientStatus, ClientUpdate, TrackClient,
};
use toggl_track_api::{Error, same_name};

use crate::args::Output;
use crate::failure::{Failure, LIMITED, USAGE};
use crate::output;
use crate::session::Session;

/// Toggl's limit on client names, in bytes of UTF-8.
const MAX_NAME_BYTES: usize = 255;

/// One wanted client, from one line (CSV) or item (JSON) of the file.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    /// Where it is in the file, for messages: `line 3` or `item 2`.
    at: String,
    id: Option<NonZeroU64>,
    name: String,
    archived: bool,
    notes: String,
    external_reference: String,
}

/// Reads and checks the whole file; every problem names its line.
fn read_rows(path: &Path) -> Result<Vec<Row>, Failure> {
    let bad = |m: String| Failure::new(USAGE, m);
    let shown = path.display();
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| bad(format!("cannot read stdin: {e}")))?;
    } else {
        text =
            std::fs::read_to_string(path).map_err(|e| bad(format!("{shown}: cannot read: {e}")))?;
    }
    let rows = if text.trim_start().starts_with('[') {
        json_rows(&text).map_err(|m| bad(format!("{shown}: {m}")))?
    } else {
        csv_rows(&text).map_err(|m| bad(format!("{shown}: {m}")))?
    };
    check(&rows).map_err(|m| bad(format!("{shown}: {m}")))?;
    Ok(rows)
}

fn archived_from(status: &str, at: &str) -> Result<bool, String> {
    match status.trim() {
        "" | "active" => Ok(false),
        "archived" => Ok(true),
        other => Err(format!("{at}: status {other:?} is not active or archived")),
    }
}

fn id_from(text: &str, at: &str) -> Result<Option<NonZeroU64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<NonZeroU64>()
        .map(Some)
        .map_err(|_| format!("{at}: id {text:?} is not an id (a whole number of 1 or more)"))
}

fn csv_rows(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("not CSV: {e}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let name_at =
        column("name").ok_or("no `name` column (write the header `list --output csv` prints)")?;
    let (id_at, status_at, notes_at, reference_at) = (
        column("id"),
        column("status"),
        column("notes"),
        column("external_reference"),
    );
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("not CSV: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("line {line}");
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default().to_owned();
        rows.push(Row {
            id: id_from(&cell(id_at), &at)?,
            name: cell(Some(name_at)),
            archived: archived_from(&cell(status_at), &at)?,
            notes: cell(notes_at),
            external_reference: cell(reference_at),
            at,
        });
    }
    Ok(rows)
}

fn json_rows(text: &str) -> Result<Vec<Row>, String> {
    let items: Vec<Value> = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("item {}", i + 1);
            let text = |key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let id = match item.get("id") {
                None | Some(Value::Null) => None,
                Some(v) => id_from(&v.to_string(), &at)?,
            };
            let archived = match (item.get("archived"), item.get("status")) {
                (Some(Value::Bool(b)), _) => *b,
                (_, Some(Value::String(s))) => archived_from(s, &at)?,
                _ => false,
            };
            Ok(Row {
                id,
                name: text("name"),
                archived,
                notes: text("notes"),
                external_reference: text("external_reference"),
                at,
            })
        })
        .collect()
}

/// What the service would refuse, found before any request.
fn check(rows: &[Row]) -> Result<(), String> {
    let mut names: HashMap<String, &str> = HashMap::new();
    let mut ids: HashMap<u64, &str> = HashMap::new();
    for row in rows {
        let name = row.name.trim();
        if name.is_empty() {
            return Err(format!("{}: the name is empty", row.at));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(format!(
                "{}: the name is {} bytes long; Toggl allows {MAX_NAME_BYTES}",
                row.at,
                name.len()
            ));
        }
        if let Some(first) = names.insert(name.to_lowercase(), &row.at) {
            return Err(format!(
                "{}: the name {name:?} is also on {first} (names are unique in a workspace, in any case)",
                row.at
            ));
        }
        if let Some(id) = row.id
            && let Some(first) = ids.insert(id.get(), &row.at)
        {
            return Err(format!("{}: id {id} is also on {first}", row.at));
        }
    }
    Ok(())
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    Create {
        row: Row,
    },
    Update {
        id: NonZeroU64,
        row: Row,
        body: ClientUpdate,
        what: Vec<&'static str>,
    },
    Restore {
        id: NonZeroU64,
        name: String,
    },
    Archive {
        id: Option<NonZeroU64>,
        name: String,
    },
    Delete {
        id: NonZeroU64,
        name: String,
    },
}

impl Change {
    fn cells(&self) -> Vec<String> {
        let id = |i: &Option<NonZeroU64>| {
            i.map(|i| i.to_string())
                .unwrap_or_else(|| "(new)".to_owned())
        };
        match self {
            Self::Create { row } => vec![
                "create".into(),
                "(new)".into(),
                row.name.trim().to_owned(),
                String::new(),
            ],
            Self::Update {
                id: i, row, what, ..
            } => vec![
                "update".into(),
                i.to_string(),
                row.name.trim().to_owned(),
                what.join(", "),
            ],
            Self::Restore { id: i, name } => {
                vec!["restore".into(), i.to_string(), name.clone(), String::new()]
            }
            Self::Archive { id: i, name } => vec![
                "archive".into(),
                id(i),
                name.clone(),
                "one bulk request for all".into(),
            ],
            Self::Delete { id: i, name } => vec![
                "delete".into(),
                i.to_string(),
                name.clone(),
                "one bulk request for all".into(),
            ],
        }
    }
}

/// The changes that make `existing` match `rows`, in the order they run.
fn plan(rows: &[Row], existing: &[TrackClient], prune: bool) -> Result<Vec<Change>, Failure> {
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut restores = Vec::new();
    let mut archives = Vec::new();
    let mut matched = std::collections::HashSet::new();
    for row in rows {
        let found = match row.id {
            Some(id) => Some(existing.iter().find(|c| c.id == id).ok_or_else(|| {
                Failure::new(
                    USAGE,
                    format!(
                        "{}: no client with id {id} in the workspace; leave the id out to create it",
                        row.at
                    ),
                )
            })?),
            None => existing.iter().find(|c| same_name(&c.name, &row.name)),
        };
        let Some(client) = found else {
            creates.push(Change::Create { row: row.clone() });
            if row.archived {
                archives.push(Change::Archive {
                    id: None,
                    name: row.name.trim().to_owned(),
                });
            }
            continue;
        };
        matched.insert(client.id);
        let mut body = ClientUpdate::default();
        let mut what = Vec::new();
        if client.name != row.name.trim() {
            body.name = Some(row.name.trim().to_owned());
            what.push("name");
        }
        if client.notes.as_deref().unwrap_or_default() != row.notes {
            body.notes = Some(row.notes.clone());
            what.push("notes");
        }
        if client.external_reference.as_deref().unwrap_or_default() != row.external_reference {
            body.external_reference = Some(row.external_reference.clone());
            what.push("external reference");
        }
        if !what.is_empty() {
            updates.push(Change::Update {
                id: client.id,
                row: row.clone(),
                body,
                what,
            });
        }
        match (client.archived, row.archived) {
            (true, false) => restores.push(Change::Restore {
                id: client.id,
                name: client.name.clone(),
            }),
            (false, true) => archives.push(Change::Archive {
                id: Some(client.id),
                name: client.name.clone(),
            }),
            _ => {}
        }
    }
    let deletes = existing
        .iter()
        .filter(|c| prune && !matched.contains(&c.id))
        .map(|c| Change::Delete {
            id: c.id,
            name: c.name.clone(),
        });
    Ok(creates
        .into_iter()
        .chain(updates)
        .chain(restores)
        .chain(archives)
        .chain(deletes.collect::<Vec<_>>())
        .collect())
}

/// Requests the changes cost: one each, but one for all archives and one
/// for all deletes (the bulk endpoints).
fn cost(changes: &[Change]) -> u64 {
    let one_each = changes
        .iter()
        .filter(|c| {
            matches!(
                c,
                Change::Create { .. } | Change::Update { .. } | Change::Restore { .. }
            )
        })
        .count() as u64;
    let archives = changes.iter().any(|c| matches!(c, Change::Archive { .. }));
    let deletes = changes.iter().any(|c| matches!(c, Change::Delete { .. }));
    one_each + u64::from(archives) + u64::from(deletes)
}

/// `apply FILE [--dry-run] [--prune]`.
pub(crate) async fn run(
    s: &mut Session,
    out: Output,
    file: &Path,
    dry_run: bool,
    prune: bool,
) -> Result<(), Failure> {
    let rows = read_rows(file)?;
    let existing = s
        .client
        .list_clients()
        .workspace_id(s.workspace)
        .status(ClientStatus::Both)
        .send()
        .await?
        .into_inner()
        .0;
    let changes = plan(&rows, &existing, prune)?;
    let writes = cost(&changes);
    let header = ["action", "id", "name", "detail"];
    let summary = format!(
        "{} change(s), {} request(s): 1 read (done) + {writes} to write",
        changes.len(),
        1 + writes
    );
    if out == Output::Table {
        if changes.is_empty() {
            output::emit("nothing to change; the workspace matches the file (1 request)\n")?;
            return Ok(());
        }
        output::emit(&output::table(&header, changes.iter().map(Change::cells)))?;
        output::emit(&format!("{summary}\n"))?;
    }
    if !dry_run
        && let Some(q) = s.client.quota().organization
        && q.remaining < writes
    {
        return Err(Failure::new(
            LIMITED,
            format!(
                "the plan needs {writes} request(s) and {} are left in this hour's quota (it resets in {} min); nothing was changed",
                q.remaining,
                q.resets_in().as_secs().div_ceil(60)
            ),
        ));
    }
    let (done, outcome) = if dry_run {
        (0, Ok(()))
    } else {
        execute(s, &changes).await
    };
    if !dry_run {
        crate::commands::forget(s, &[]);
        if let Some(cache) = &mut s.cache {
            cache.invalidate_all();
        }
    }
    let spent = 1 + if dry_run {
        0
    } else {
        requests_for(&changes[..done])
    };
    match out {
        Output::Json => output::emit(&output::json_document(&json!({
            "plan": changes.iter().map(|c| {
                let cells = c.cells();
                json!({"action": cells[0], "id": cells[1], "name": cells[2], "detail": cells[3]})
            }).collect::<Vec<_>>(),
            "requests": spent,
            "applied": done,
            "dry_run": dry_run,
        })))?,
        Output::Csv => output::emit(&output::csv(&header, changes.iter().map(Change::cells))?)?,
        Output::Table => {}
    }
    match outcome {
        Ok(()) if dry_run => {
            eprintln!("dry run: nothing sent beyond the read");
            Ok(())
        }
        Ok(()) => {
            eprintln!("applied {done} change(s) with {spent} request(s)");
            Ok(())
        }
        Err(e) => {
            let failure = Failure::from(e);
            Err(Failure::new(
                failure.code,
                format!(
                    "stopped after {done} of {} change(s) ({spent} request(s)); running the same apply again finishes the job: {}",
                    changes.len(),
                    failure.message
                ),
            ))
        }
    }
}

/// Requests spent by a prefix of the plan that was carried out.
fn requests_for(done: &[Change]) -> u64 {
    cost(done)
}

/// The ids of the changes at the start of `changes` that `pick` takes: one
/// bulk request's worth (the plan puts them next to each other).
fn batch(changes: &[Change], pick: impl Fn(&Change) -> Option<NonZeroU64>) -> Vec<NonZeroU64> {
    changes.iter().map_while(pick).collect()
}

/// Carries out the plan in order; returns how many changes are done, and
/// the error that stopped it, if any.
async fn execute(s: &Session, changes: &[Change]) -> (usize, Result<(), Error>) {
    let mut created: HashMap<String, NonZeroU64> = HashMap::new();
    let mut done = 0;
    let mut i = 0;
    while i < changes.len() {
        let step = match &changes[i] {
            Change::Create { row } => {
                let body = ClientCreate {
                    name: row.name.trim().to_owned(),
                    notes: (!row.notes.is_empty()).then(|| row.notes.clone()),
                    external_reference: (!row.external_reference.is_empty())
                        .then(|| row.external_reference.clone()),
                };
                s.client
                    .create_client()
                    .workspace_id(s.workspace)
                    .body(body)
                    .send()
                    .await
                    .map(|c| {
                        created.insert(c.name.to_lowercase(), c.id);
                        1
                    })
                    .map_err(Error::from)
            }
            Change::Update { id, body, .. } => s
                .client
                .update_client()
                .workspace_id(s.workspace)
                .client_id(*id)
                .body(body.clone())
                .send()
                .await
                .map(|_| 1)
                .map_err(Error::from),
            Change::Restore { id, .. } => s
                .client
                .restore_client()
                .workspace_id(s.workspace)
                .client_id(*id)
                .body(ClientRestore::builder())
                .send()
                .await
                .map(|_| 1)
                .map_err(Error::from),
            Change::Archive { .. } => {
                // Every archive of the plan in one bulk request.
                let ids = batch(&changes[i..], |c| match c {
                    Change::Archive { id, name } => {
                        id.or_else(|| created.get(&name.to_lowercase()).copied())
                    }
                    _ => None,
                });
                let n = ids.len();
                s.client
                    .archive_clients()
                    .workspace_id(s.workspace)
                    .body(ids)
                    .send()
                    .await
                    .map(|_| n)
                    .map_err(Error::from)
            }
            Change::Delete { .. } => {
                let ids = batch(&changes[i..], |c| match c {
                    Change::Delete { id, .. } => Some(*id),
                    _ => None,
                });
                let n = ids.len();
                s.client
                    .delete_clients()
                    .workspace_id(s.workspace)
                    .body(ids)
                    .send()
                    .await
                    .map(|_| n)
                    .map_err(Error::from)
            }
        };
        match step {
            Ok(n) => {
                for c in &changes[i..i + n] {
                    let cells = c.cells();
                    eprintln!("  done: {} {} {}", cells[0], cells[1], cells[2]);
                }
                done += n;
                i += n;
            }
            Err(e) => return (done, Err(e)),
        }
    }
    (done, Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: u64, name: &str, archived: bool, notes: Option<&str>) -> TrackClient {
        serde_json::from_value(json!({
            "id": id, "wid": 1, "name": name, "archived": archived,
            "at": "2024-03-17T10:55:38+00:00", "notes": notes
        }))
        .expect("client")
    }

    #[test]
    fn csv_in_the_shape_list_prints_is_read_and_checked() {
        let rows = csv_rows("id,name,status,notes,external_reference,changed,creator_id\n61234001,Acme,archived,Net 30,,2024-03-17T10:55:38+00:00,7\n,New One,,,CRM-1,,\n").expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].id.map(|i| i.get()), rows[0].archived),
            (Some(61234001), true)
        );
        assert_eq!(
            (rows[1].at.as_str(), rows[1].external_reference.as_str()),
            ("line 3", "CRM-1")
        );
        let dup = csv_rows("name\nAcme\nACME \n").expect("rows");
        assert_eq!(check(&dup), Err("line 3: the name \"ACME\" is also on line 2 (names are unique in a workspace, in any case)".to_owned()));
        let empty = csv_rows("name,status\n  ,active\n").expect("rows");
        assert_eq!(check(&empty), Err("line 2: the name is empty".to_owned()));
        let long = csv_rows(&format!("name\n{}\n", "é".repeat(128))).expect("rows");
        assert!(check(&long).is_err_and(|e| e.contains("256 bytes long")));
        assert!(
            csv_rows("name,status\nAcme,gone\n")
                .is_err_and(|e| e.contains("line 2: status \"gone\""))
        );
        assert!(csv_rows("title\nAcme\n").is_err_and(|e| e.contains("no `name` column")));
    }

    #[test]
    fn json_in_the_shape_list_prints_is_read() {
        let rows = json_rows(r#"[{"id": 5, "name": "A", "archived": true, "notes": "n"}, {"name": "B", "status": "active"}]"#).expect("rows");
        assert_eq!(
            (
                rows[0].id.map(|i| i.get()),
                rows[0].archived,
                rows[0].notes.as_str()
            ),
            (Some(5), true, "n")
        );
        assert_eq!(rows[1].at, "item 2");
        assert!(json_rows(r#"[{"id": 0, "name": "A"}]"#).is_err_and(|e| e.contains("item 1: id")));
    }

    #[test]
    fn the_plan_uses_the_fewest_requests() {
        let existing = [
            client(1, "Acme", false, Some("old")),
            client(2, "Globex", false, None),
            client(3, "Initech", true, None),
            client(4, "Umbrella", false, None),
        ];
        let rows = csv_rows("id,name,status,notes\n1,Acme,active,new\n,globex,archived,\n3,Initech,active,\n,Hooli,archived,\n,Pied Piper,,\n").expect("rows");
        let changes = plan(&rows, &existing, false).expect("plan");
        let actions: Vec<String> = changes.iter().map(|c| c.cells()[0].clone()).collect();
        // Globex matches by name; its name's case differs, so it is renamed.
        assert_eq!(
            actions,
            [
                "create", "create", "update", "update", "restore", "archive", "archive"
            ]
        );
        // 2 creates + 2 updates + 1 restore + 1 bulk archive.
        assert_eq!(cost(&changes), 6);
        let pruned = plan(&rows, &existing, true).expect("plan");
        assert!(
            pruned
                .iter()
                .any(|c| matches!(c, Change::Delete { name, .. } if name == "Umbrella"))
        );
        assert_eq!(cost(&pruned), 7);
        // A file that matches costs nothing to write.
        let same = csv_rows("id,name,status,notes\n1,Acme,active,old\n2,Globex,active,\n3,Initech,archived,\n4,Umbrella,active,\n").expect("rows");
        assert!(plan(&same, &existing, true).expect("plan").is_empty());
        // An id that is not in the workspace is refused before anything is sent.
        let unknown = csv_rows("id,name\n99,Nobody\n").expect("rows");
        assert!(
            plan(&unknown, &existing, false)
                .is_err_and(|f| f.message.contains("line 2: no client with id 99"))
        );
    }
}
