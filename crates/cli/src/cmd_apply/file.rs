//! The file `apply` reads: CSV with a header row or a JSON array, in the
//! shape `list --output csv|json` prints. Rows are read one at a time, so a
//! large file is never held twice, and every problem names its line (CSV)
//! or item (JSON).

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU64;

use serde::Deserialize;
use toggl_track_api::extras::name_key;

/// Toggl's limit on client names, in bytes of UTF-8.
const MAX_NAME_BYTES: usize = 255;

/// One wanted client. A field the file does not have (no such column or
/// key) is `None`: what it would set stays as it is; an empty cell or a
/// `null` means none, as `list` prints it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Where it is in the file, for messages: `line 3` or `item 2`.
    pub at: String,
    pub id: Option<NonZeroU64>,
    pub name: String,
    pub archived: Option<bool>,
    pub notes: Option<String>,
    pub external_reference: Option<String>,
}

/// The file's text, parsed row by row.
pub(crate) enum Rows<'a> {
    Csv {
        records: csv::StringRecordsIntoIter<&'a [u8]>,
        columns: Columns,
    },
    Json(std::iter::Enumerate<std::vec::IntoIter<Item>>),
}

/// Where each field is in a CSV record.
pub(crate) struct Columns {
    id: Option<usize>,
    name: usize,
    status: Option<usize>,
    notes: Option<usize>,
    external_reference: Option<usize>,
}

/// A JSON item: only the keys `apply` reads, in the shape `list` prints.
#[derive(Debug, Deserialize)]
pub(crate) struct Item {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    archived: Option<bool>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    external_reference: Option<Option<String>>,
}

/// A key that is there, even as `null` (`Some(None)`), apart from a key
/// that is not (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Starts reading `text` (a JSON array when it starts with `[`, else CSV).
pub(crate) fn rows(text: &str) -> Result<Rows<'_>, String> {
    if text.trim_start().starts_with('[') {
        let items: Vec<Item> =
            serde_json::from_str(text).map_err(|e| format!("not a JSON array of clients: {e}"))?;
        return Ok(Rows::Json(items.into_iter().enumerate()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("not CSV: {e}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let columns = Columns {
        id: column("id"),
        name: column("name")
            .ok_or("no `name` column (write the header `list --output csv` prints)")?,
        status: column("status"),
        notes: column("notes"),
        external_reference: column("external_reference"),
    };
    Ok(Rows::Csv {
        records: reader.into_records(),
        columns,
    })
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Csv { records, columns } => {
                let record = records.next()?;
                Some(
                    record
                        .map_err(|e| format!("not CSV: {e}"))
                        .and_then(|r| columns.row(&r)),
                )
            }
            Self::Json(items) => {
                let (i, item) = items.next()?;
                Some(item.row(&format!("item {}", i + 1)))
            }
        }
    }
}

impl Columns {
    fn row(&self, record: &csv::StringRecord) -> Result<Row, String> {
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("line {line}");
        let cell = |i: Option<usize>| i.map(|i| record.get(i).unwrap_or_default().to_owned());
        Ok(Row {
            id: id_from(&cell(self.id).unwrap_or_default(), &at)?,
            name: cell(Some(self.name)).unwrap_or_default(),
            archived: archived_from(&cell(self.status).unwrap_or_default(), &at)?,
            notes: cell(self.notes),
            external_reference: cell(self.external_reference),
            at,
        })
    }
}

impl Item {
    fn row(self, at: &str) -> Result<Row, String> {
        let id = match &self.id {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => id_from(&v.to_string(), at)?,
        };
        let archived = match (self.archived, &self.status) {
            (Some(b), _) => Some(b),
            (None, Some(s)) => archived_from(s, at)?,
            (None, None) => None,
        };
        Ok(Row {
            at: at.to_owned(),
            id,
            name: self.name.unwrap_or_default(),
            archived,
            notes: self.notes.map(Option::unwrap_or_default),
            external_reference: self.external_reference.map(Option::unwrap_or_default),
        })
    }
}

fn archived_from(status: &str, at: &str) -> Result<Option<bool>, String> {
    match status.trim() {
        "" => Ok(None),
        "active" => Ok(Some(false)),
        "archived" => Ok(Some(true)),
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

/// What a first pass over the file knows: every row is one the service
/// would take, and which ids rows claim.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// Rows in the file.
    pub rows: usize,
    /// The ids rows name: those clients are theirs, whatever their names.
    pub claimed: HashSet<u64>,
}

/// Checks every row for what the service would refuse (an empty or too
/// long name, two rows with one name or one id), before any request.
pub(crate) fn check(text: &str) -> Result<Checked, String> {
    // Each name's and id's first row, for the message about a second one.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut ids: HashMap<u64, String> = HashMap::new();
    let mut checked = Checked::default();
    for row in rows(text)? {
        let row = row?;
        checked.rows += 1;
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
        if let Some(first) = names.insert(name_key(name), row.at.clone()) {
            return Err(format!(
                "{}: the name {name:?} is also on {first} (names are unique in a workspace, in any case)",
                row.at
            ));
        }
        if let Some(id) = row.id {
            if let Some(first) = ids.insert(id.get(), row.at.clone()) {
                return Err(format!("{}: id {id} is also on {first}", row.at));
            }
            checked.claimed.insert(id.get());
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Row>, String> {
        rows(text)?.collect()
    }

    #[test]
    fn csv_in_the_shape_list_prints_is_read_and_checked() {
        let rows = all("id,name,status,notes,external_reference,changed,creator_id\n61234001,Acme,archived,Net 30,,2024-03-17T10:55:38+00:00,7\n,New One,,,CRM-1,,\n").expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].id.map(|i| i.get()), rows[0].archived),
            (Some(61234001), Some(true))
        );
        assert_eq!(
            (rows[1].at.as_str(), rows[1].external_reference.as_deref()),
            ("line 3", Some("CRM-1"))
        );
        assert_eq!(check("name\nAcme\nACME \n").map(|c| c.rows), Err("line 3: the name \"ACME\" is also on line 2 (names are unique in a workspace, in any case)".to_owned()));
        assert_eq!(
            check("name,status\n  ,active\n").map(|c| c.rows),
            Err("line 2: the name is empty".to_owned())
        );
        let long = format!("name\n{}\n", "é".repeat(128));
        assert!(check(&long).is_err_and(|e| e.contains("256 bytes long")));
        assert!(
            all("name,status\nAcme,gone\n").is_err_and(|e| e.contains("line 2: status \"gone\""))
        );
        assert!(super::rows("title\nAcme\n").is_err());
    }

    #[test]
    fn a_missing_column_leaves_the_field_as_it_is() {
        let rows = all("name\nAcme\n").expect("rows");
        assert_eq!((rows[0].notes.clone(), rows[0].archived), (None, None));
        let rows = all("name,notes\nAcme,\n").expect("rows");
        assert_eq!(rows[0].notes.as_deref(), Some(""));
    }

    #[test]
    fn json_in_the_shape_list_prints_is_read() {
        let rows = all(r#"[{"id": 5, "name": "A", "archived": true, "notes": "n"}, {"name": "B", "status": "active", "notes": null}]"#).expect("rows");
        assert_eq!(
            (
                rows[0].id.map(|i| i.get()),
                rows[0].archived,
                rows[0].notes.as_deref()
            ),
            (Some(5), Some(true), Some("n"))
        );
        assert_eq!(rows[1].at, "item 2");
        assert_eq!(rows[1].notes.as_deref(), Some(""));
        assert_eq!(rows[1].external_reference, None);
        assert!(all(r#"[{"id": 0, "name": "A"}]"#).is_err_and(|e| e.contains("item 1: id")));
    }
}
