//! Prints results as an aligned table, one JSON document, or CSV; and the
//! remaining quota on stderr when it is a terminal.

use std::io::{IsTerminal, Write};

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use toggl_track_api::types::TrackClient;
use toggl_track_api::{ResponseMetaExt, ResponseValue};

use crate::args::Output;
use crate::failure::{Failure, REFUSED};

const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "status",
    "notes",
    "external_reference",
    "changed",
    "creator_id",
];

/// One client's cells; tables get a readable time, CSV RFC 3339.
fn row(c: &TrackClient, readable: bool) -> [String; 7] {
    [
        c.id.to_string(),
        c.name.clone(),
        if c.server_deleted_at.is_some() {
            "deleted"
        } else if c.archived {
            "archived"
        } else {
            "active"
        }
        .to_owned(),
        c.notes.clone().unwrap_or_default(),
        c.external_reference.clone().unwrap_or_default(),
        if readable {
            c.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        } else {
            c.at.to_rfc3339()
        },
        c.creator_id.to_string(),
    ]
}

/// Writes `text` to stdout; a closed pipe (`| head`) ends quietly.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            REFUSED,
            format!("cannot write the output: {e}"),
        )),
        _ => Ok(()),
    }
}

/// Prints clients: as a list for `list`, as one object otherwise.
pub(crate) fn clients(
    output: Output,
    clients: &[TrackClient],
    single: bool,
) -> Result<(), Failure> {
    match output {
        Output::Table => {
            let mut table = Table::new();
            table.load_style(UTF8_FULL_CONDENSED);
            table.set_header(COLUMNS.map(|c| c.replace('_', " ").to_uppercase()));
            for c in clients {
                table.add_row(row(c, true));
            }
            let count = if single {
                String::new()
            } else {
                format!("{} client(s)\n", clients.len())
            };
            emit(&format!("{table}\n{count}"))
        }
        Output::Json => {
            let doc = if single {
                serde_json::to_value(clients.first()).unwrap_or_default()
            } else {
                serde_json::to_value(clients).unwrap_or_default()
            };
            emit(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))
        }
        Output::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let written = writer.write_record(COLUMNS).and_then(|()| {
                clients
                    .iter()
                    .try_for_each(|c| writer.write_record(row(c, false)))
            });
            let bytes = written
                .map_err(|e| e.to_string())
                .and_then(|()| writer.into_inner().map_err(|e| e.to_string()))
                .map_err(|e| Failure::new(REFUSED, format!("cannot write CSV: {e}")))?;
            emit(&String::from_utf8_lossy(&bytes))
        }
    }
}

/// Prints the outcome of an operation without a client body.
pub(crate) fn done(
    output: Output,
    sentence: &str,
    document: serde_json::Value,
    csv_header: &str,
    csv_rows: &[String],
) -> Result<(), Failure> {
    match output {
        Output::Table => emit(&format!("{sentence}\n")),
        Output::Json => emit(&(serde_json::to_string_pretty(&document).unwrap_or_default() + "\n")),
        Output::Csv => emit(&format!(
            "{csv_header}\n{}",
            csv_rows
                .iter()
                .map(|r| format!("{r}\n"))
                .collect::<String>()
        )),
    }
}

/// The deleted clients, in each format.
pub(crate) fn deleted(output: Output, ids: &[u64]) -> Result<(), Failure> {
    let list = ids.iter().map(u64::to_string).collect::<Vec<_>>();
    done(
        output,
        &format!("deleted client(s) {}", list.join(", ")),
        json!({"deleted": ids}),
        "deleted",
        &list,
    )
}

/// The projects archived with each client, in each format.
pub(crate) fn archived(output: Output, archived: &[(u64, Vec<u64>)]) -> Result<(), Failure> {
    let sentence = archived
        .iter()
        .map(|(id, projects)| match projects.len() {
            0 => format!("archived client {id}; it had no active projects"),
            n => format!(
                "archived client {id} with {n} project(s): {}",
                projects
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
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
                vec![format!("{id},")]
            } else {
                projects.iter().map(|p| format!("{id},{p}")).collect()
            }
        })
        .collect::<Vec<_>>();
    done(
        output,
        &sentence,
        serde_json::Value::Array(document),
        "client_id,archived_project_id",
        &rows,
    )
}

/// On a terminal, the quota left after a call (stderr, so pipes stay clean).
pub(crate) fn quota<T>(response: &ResponseValue<T>) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let quota = response.meta().quota;
    if let Some(left) = quota.remaining {
        let resets = quota
            .resets_in
            .map(|d| format!(", resets in {} min", d.as_secs().div_ceil(60)))
            .unwrap_or_default();
        eprintln!("{left} requests left this hour{resets}");
    }
}
