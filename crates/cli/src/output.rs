//! Prints results as an aligned table, one JSON document, or CSV; and, on a
//! terminal, the quota left after a command (on stderr, so pipes stay
//! clean).

use std::io::{IsTerminal, Write};

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use toggl_track_api::types::TrackClient;

use crate::args::Output;
use crate::failure::{Failure, REFUSED};

/// The fields of a client a table and CSV show, named as JSON names them:
/// `list` prints them, `apply` reads them.
pub(crate) const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "archived",
    "notes",
    "external_reference",
    "at",
    "creator_id",
];

/// Shown as well when a client of the list is deleted (`list --since`).
const DELETED: &str = "server_deleted_at";

/// At or below this many requests left, a terminal gets a warning.
const LOW_QUOTA: i64 = 5;

/// One client's cells, in [`COLUMNS`]' order (and its deletion time).
/// A client as JSON prints it: the API's shape without `total_count`,
/// which describes the answer a client came in, not the client.
fn as_printed(c: &TrackClient) -> std::borrow::Cow<'_, TrackClient> {
    if c.total_count.is_none() {
        return std::borrow::Cow::Borrowed(c);
    }
    let mut c = c.clone();
    c.total_count = None;
    std::borrow::Cow::Owned(c)
}

fn row(c: &TrackClient, deleted: bool) -> Vec<String> {
    let mut cells = vec![
        c.id.to_string(),
        c.name.clone(),
        c.archived.to_string(),
        c.notes.clone().unwrap_or_default(),
        c.external_reference.clone().unwrap_or_default(),
        time(&c.at),
        c.creator_id.map(|id| id.to_string()).unwrap_or_default(),
    ];
    if deleted {
        cells.push(c.server_deleted_at.as_ref().map(time).unwrap_or_default());
    }
    cells
}

/// A time as JSON prints it: RFC 3339 in UTC with `Z`, fractions of a
/// second only when there are some.
fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The columns for `clients`: [`COLUMNS`], and [`DELETED`] when one of
/// them is.
fn columns(clients: &[TrackClient]) -> (Vec<&'static str>, bool) {
    let deleted = clients.iter().any(|c| c.server_deleted_at.is_some());
    let mut columns = COLUMNS.to_vec();
    if deleted {
        columns.push(DELETED);
    }
    (columns, deleted)
}

/// What a failed write to stdout means: a closed pipe (`| head`) ends
/// quietly, anything else is an error.
fn written(result: std::io::Result<()>) -> Result<(), Failure> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            REFUSED,
            format!("cannot write the output: {e}"),
        )),
        _ => Ok(()),
    }
}

/// Writes to a buffered stdout through `write`, then flushes.
fn to_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    written(write(&mut out).and_then(|()| out.flush()))
}

/// Writes `text` to stdout.
pub(crate) fn emit(text: &str) -> Result<(), Failure> {
    to_stdout(|out| out.write_all(text.as_bytes()))
}

/// An aligned table of `rows` under `header` (underscores become spaces).
pub(crate) fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = Table::new();
    // Lines are drawn for a person; a pipe gets plain aligned columns,
    // which `grep`, `awk` and `cut` read.
    if std::io::stdout().is_terminal() {
        table.load_style(UTF8_FULL_CONDENSED);
    } else {
        table.load_style(comfy_table::presets::NOTHING);
    }
    table.set_header(header.iter().map(|c| c.replace('_', " ").to_uppercase()));
    for r in rows {
        table.add_row(r);
    }
    format!("{table}\n")
}

/// CSV of `rows` under `header`, as text.
pub(crate) fn csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    write_csv(&mut bytes, header, rows)
        .map_err(|e| Failure::new(REFUSED, format!("cannot write CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// CSV of `rows` under `header`, written row by row.
fn write_csv(
    out: &mut dyn Write,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header)?;
    for r in rows {
        writer.write_record(r)?;
    }
    writer.flush()
}

/// One JSON document, pretty.
pub(crate) fn json_document(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Prints a list of clients: a table for people; for programs, one JSON
/// document (an array, as the service answers it) or CSV, each written as
/// it is serialised, straight from the typed clients, so that a list of
/// any size costs no second copy of it.
pub(crate) fn clients(output: Output, clients: &[TrackClient]) -> Result<(), Failure> {
    let (header, deleted) = columns(clients);
    let rows = clients.iter().map(|c| row(c, deleted));
    match output {
        Output::Table => emit(&(table(&header, rows) + &format!("{} client(s)\n", clients.len()))),
        Output::Json => to_stdout(|out| {
            use serde::ser::{SerializeSeq, Serializer};
            let mut json = serde_json::Serializer::pretty(&mut *out);
            let mut items = json
                .serialize_seq(Some(clients.len()))
                .map_err(std::io::Error::from)?;
            for c in clients {
                items
                    .serialize_element(&as_printed(c))
                    .map_err(std::io::Error::from)?;
            }
            SerializeSeq::end(items).map_err(std::io::Error::from)?;
            out.write_all(b"\n")
        }),
        Output::Csv => to_stdout(|out| write_csv(out, &header, rows)),
    }
}

/// Prints clients of several workspaces: their workspace (`wid`, as JSON
/// names it) first in a table and in CSV.
pub(crate) fn clients_with_workspace(
    output: Output,
    clients: &[TrackClient],
) -> Result<(), Failure> {
    let (columns, deleted) = columns(clients);
    let mut header = vec!["wid"];
    header.extend(columns);
    let rows = clients.iter().map(|c| {
        let mut cells = vec![c.wid.to_string()];
        cells.extend(row(c, deleted));
        cells
    });
    match output {
        Output::Table => emit(&(table(&header, rows) + &format!("{} client(s)\n", clients.len()))),
        Output::Json => self::clients(output, clients),
        Output::Csv => to_stdout(|out| write_csv(out, &header, rows)),
    }
}

/// Prints one client: as one object, without a count.
pub(crate) fn client(output: Output, client: &TrackClient) -> Result<(), Failure> {
    let (header, deleted) = columns(std::slice::from_ref(client));
    match output {
        Output::Table => emit(&table(&header, [row(client, deleted)])),
        Output::Json => to_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &as_printed(client))
                .map_err(std::io::Error::from)?;
            out.write_all(b"\n")
        }),
        Output::Csv => to_stdout(|out| write_csv(out, &header, [row(client, deleted)])),
    }
}

/// Prints the outcome of an operation without a client body: a sentence, a
/// JSON document, or CSV rows.
fn done(
    output: Output,
    sentence: &str,
    document: serde_json::Value,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<(), Failure> {
    match output {
        Output::Table => emit(&format!("{sentence}\n")),
        Output::Json => emit(&json_document(&document)),
        Output::Csv => emit(&csv(header, rows)?),
    }
}

/// The deleted clients, in each format.
pub(crate) fn deleted(output: Output, ids: &[std::num::NonZeroU64]) -> Result<(), Failure> {
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    done(
        output,
        &format!("deleted client(s) {}", list.join(", ")),
        json!({"deleted": ids}),
        &["deleted"],
        list.into_iter().map(|id| vec![id]).collect(),
    )
}

/// The projects archived with each client, in each format.
pub(crate) fn archived(output: Output, archived: &[(u64, Vec<u64>)]) -> Result<(), Failure> {
    let joined = |ids: &[u64]| {
        ids.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sentence = archived
        .iter()
        .map(|(id, projects)| match projects.len() {
            0 => format!("archived client {id}; it had no active projects"),
            n => format!(
                "archived client {id} with {n} project(s): {}",
                joined(projects)
            ),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let document = archived
        .iter()
        .map(|(id, projects)| json!({"client_id": id, "archived_project_ids": projects}))
        .collect::<Vec<_>>();
    let rows = archived
        .iter()
        .flat_map(|(id, projects)| {
            if projects.is_empty() {
                vec![vec![id.to_string(), String::new()]]
            } else {
                projects
                    .iter()
                    .map(|p| vec![id.to_string(), p.to_string()])
                    .collect()
            }
        })
        .collect();
    done(
        output,
        &sentence,
        serde_json::Value::Array(document),
        &["client_id", "archived_project_id"],
        rows,
    )
}

/// On a terminal, the organization quota left after a command, and a
/// warning when it runs low (stderr, so pipes stay clean).
pub(crate) fn quota_line(client: &toggl_track_api::Client) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let Some(q) = client.quota().organization else {
        return;
    };
    let resets = q.resets_in().as_secs().div_ceil(60);
    eprintln!(
        "{} requests left this hour, resets in {resets} min",
        q.remaining
    );
    if q.remaining <= LOW_QUOTA {
        eprintln!(
            "warning: only {} requests left this hour; `--max-age` answers from the cache at no cost",
            q.remaining
        );
    }
}
