//! The file `apply` reads: CSV with a header row or a JSON array, in the
//! shape `list --output csv|json` prints. Rows stream from the file, one at
//! a time, once to check them and once to plan, so a file is never held
//! whole (stdin, which cannot be read twice, is); every problem names its
//! line (CSV) or item (JSON). Both passes fingerprint the rows they read, so
//! a file edited between them is refused instead of planned unchecked.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::BufRead;
use std::num::NonZeroU64;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::{self, SeqAccess, Visitor};
use toggl_track_api::extras::name_key;

/// The CSV columns `apply` reads (`status`, active or archived, as
/// exports of 0.4 wrote it, in place of `archived`).
const READ_COLUMNS: [&str; 6] = [
    "id",
    "name",
    "archived",
    "status",
    "notes",
    "external_reference",
];

/// The columns `list --output csv` prints that `apply` reads past: what
/// the service sets, never changed by a file (`wid` when the list spans
/// workspaces; `changed`, as 0.4 named `at`).
const PRINTED_COLUMNS: [&str; 5] = ["at", "creator_id", "wid", "server_deleted_at", "changed"];

/// The JSON keys `apply` reads.
const READ_KEYS: [&str; 6] = [
    "id",
    "name",
    "archived",
    "status",
    "notes",
    "external_reference",
];

/// The keys `list --output json` prints that `apply` reads past.
const PRINTED_KEYS: [&str; 9] = [
    "at",
    "wid",
    "creator_id",
    "integration_ext_id",
    "integration_ext_type",
    "integration_provider",
    "permissions",
    "server_deleted_at",
    "total_count",
];

/// One wanted client. A field the file does not have (no such column or
/// key) is `None`: what it would set stays as it is; an empty cell or a
/// `null` means none, as `list` prints it.
#[derive(Debug, Clone, PartialEq, Hash)]
pub(crate) struct Row {
    /// Where it is in the file, for messages: `line 3` or `item 2`.
    pub at: String,
    pub id: Option<NonZeroU64>,
    pub name: String,
    pub archived: Option<bool>,
    pub notes: Option<String>,
    pub external_reference: Option<String>,
}

/// Where the rows come from.
pub(crate) enum Source {
    /// A file, opened again for each pass.
    Path(PathBuf),
    /// Text in hand (stdin's).
    Text(String),
}

/// Where each field is in a CSV record.
pub(crate) struct Columns {
    id: Option<usize>,
    name: usize,
    archived: Option<usize>,
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
    /// Every other key, each checked against what `list` prints: a key
    /// `apply` does not know is refused, never dropped.
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

/// A key that is there, even as `null` (`Some(None)`), apart from a key
/// that is not (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Source {
    /// Calls `each` with every row in file order, stopping at its first
    /// error; a problem with the file itself goes through `file_error`.
    pub(crate) fn for_each_row<E>(
        &self,
        file_error: impl Fn(String) -> E,
        mut each: impl FnMut(Row) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut reader: Box<dyn BufRead + '_> = match self {
            Self::Path(path) => Box::new(std::io::BufReader::with_capacity(
                64 * 1024,
                std::fs::File::open(path).map_err(|e| file_error(format!("cannot read: {e}")))?,
            )),
            Self::Text(text) => Box::new(text.as_bytes()),
        };
        let first =
            first_character(&mut reader).map_err(|e| file_error(format!("cannot read: {e}")))?;
        match first {
            Some(b'[') => json_rows(reader, &file_error, &mut each),
            Some(b'{') => Err(file_error(
                "a JSON object: apply takes an array of clients ([{...}, ...]), as `list --output json` prints".to_owned(),
            )),
            _ => csv_rows(reader, &file_error, &mut each),
        }
    }
}

/// The text's first byte that is not white space (`[` starts a JSON
/// array; anything else but `{` is read as CSV). Consumes nothing but a
/// buffer's worth of white space, so CSV line numbers stay true.
fn first_character(reader: &mut dyn BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        if let Some(&first) = buf.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(Some(first));
        }
        let whole = buf.len();
        reader.consume(whole);
    }
}

fn csv_rows<E>(
    reader: Box<dyn BufRead + '_>,
    file_error: &dyn Fn(String) -> E,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(QuoteCount {
            inner: reader,
            quotes: 0,
        });
    let headers = reader
        .headers()
        .map_err(|e| file_error(format!("not CSV: {e}")))?
        .clone();
    let columns = Columns::of(&headers).map_err(file_error)?;
    let mut record = csv::StringRecord::new();
    // Where the last value that spans lines began: an unclosed quote runs
    // to the end of the file, taking the rows after it with it.
    let mut spanning = None;
    while reader
        .read_record(&mut record)
        .map_err(|e| file_error(not_csv(&e)))?
    {
        if record.iter().any(|v| v.contains('\n')) {
            spanning = record.position().map(|p| p.line());
        }
        each(columns.row(&record).map_err(file_error)?)?;
    }
    // A stray quote inside an unquoted value is read as it is; one that
    // opened a value and swallowed lines is not.
    if let Some(line) = spanning.filter(|_| reader.get_ref().quotes % 2 == 1) {
        let at = format!(" on line {line}");
        return Err(file_error(format!(
            "a quote{at} is never closed, so the rows after it would be read as part of one value; close it (a quote inside a value is written twice: \"\")"
        )));
    }
    Ok(())
}

/// A CSV error in the tool's words: the line, and what usually causes it.
fn not_csv(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {}: {len} values where the header has {expected_len} (a value with a comma needs quotes around it)",
            pos.as_ref().map_or(0, csv::Position::line)
        ),
        _ => format!("not CSV: {e}"),
    }
}

/// Counts the quotes a reader passes on: an odd count at the end means
/// one was never closed (the csv crate reads such a value to the end).
struct QuoteCount<R> {
    inner: R,
    quotes: usize,
}

impl<R: std::io::Read> std::io::Read for QuoteCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes += buf[..n].iter().filter(|b| **b == b'"').count();
        Ok(n)
    }
}

fn json_rows<E>(
    reader: Box<dyn BufRead + '_>,
    file_error: &dyn Fn(String) -> E,
    each: &mut dyn FnMut(Row) -> Result<(), E>,
) -> Result<(), E> {
    let mut stopped = None;
    let mut json = serde_json::Deserializer::from_reader(reader);
    let read = de::Deserializer::deserialize_seq(
        &mut json,
        EachItem {
            each,
            file_error,
            stopped: &mut stopped,
        },
    )
    .and_then(|()| json.end());
    match (stopped, read) {
        (Some(stop), _) => Err(stop),
        (None, Ok(())) => Ok(()),
        (None, Err(e)) => Err(file_error(format!("not a JSON array of clients: {e}"))),
    }
}

/// Hands each item of a JSON array to `each` as it is parsed; what stopped
/// the array, if anything did, is left in `stopped`.
struct EachItem<'a, 'f, E> {
    each: &'a mut dyn FnMut(Row) -> Result<(), E>,
    file_error: &'a dyn Fn(String) -> E,
    stopped: &'f mut Option<E>,
}

impl<'de, E> Visitor<'de> for EachItem<'_, '_, E> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of clients")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for i in 1.. {
            let at = format!("item {i}");
            let row = match seq.next_element::<Item>() {
                Ok(Some(item)) => item.row(&at).map_err(self.file_error),
                Ok(None) => return Ok(()),
                Err(e) => Err((self.file_error)(format!("{at}: not a client: {e}"))),
            };
            if let Err(stop) = row.and_then(&mut *self.each) {
                *self.stopped = Some(stop);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

impl Columns {
    /// Where each column is, by a header in any case (`Name`, `External
    /// Reference`); a header `apply` does not know is refused with the
    /// nearest it does, so no edit is dropped.
    fn of(headers: &csv::StringRecord) -> Result<Self, String> {
        let names: Vec<String> = headers.iter().map(header_name).collect();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(format!("line 1: the column {name:?} is there twice"));
            }
            if !READ_COLUMNS.contains(&name.as_str()) && !PRINTED_COLUMNS.contains(&name.as_str()) {
                return Err(format!(
                    "line 1: the column {:?} is not one apply reads{} (it reads {}; {} are read past)",
                    headers.get(i).unwrap_or_default().trim(),
                    did_you_mean(name, &READ_COLUMNS),
                    READ_COLUMNS.join(", "),
                    PRINTED_COLUMNS.join(", ")
                ));
            }
        }
        let column = |wanted: &str| names.iter().position(|n| n == wanted);
        if column("archived").is_some() && column("status").is_some() {
            return Err(
                "line 1: the columns archived and status say the same thing; keep one".to_owned(),
            );
        }
        Ok(Self {
            id: column("id"),
            name: column("name").ok_or_else(|| {
                "no `name` column (write the header `list --output csv` prints)".to_owned()
            })?,
            archived: column("archived"),
            status: column("status"),
            notes: column("notes"),
            external_reference: column("external_reference"),
        })
    }

    fn row(&self, record: &csv::StringRecord) -> Result<Row, String> {
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("line {line}");
        let cell = |i: Option<usize>| i.map(|i| record.get(i).unwrap_or_default().to_owned());
        Ok(Row {
            id: id_from(&cell(self.id).unwrap_or_default(), &at)?,
            name: cell(Some(self.name)).unwrap_or_default(),
            archived: match self.archived {
                Some(_) => flag_from(&cell(self.archived).unwrap_or_default(), &at)?,
                None => archived_from(&cell(self.status).unwrap_or_default(), &at)?,
            },
            notes: cell(self.notes),
            external_reference: cell(self.external_reference),
            at,
        })
    }
}

impl Item {
    fn row(self, at: &str) -> Result<Row, String> {
        if let Some(key) = self
            .other
            .keys()
            .find(|k| !PRINTED_KEYS.contains(&k.as_str()))
        {
            return Err(format!(
                "{at}: the key {key:?} is not one apply reads{} (it reads {})",
                did_you_mean(key, &READ_KEYS),
                READ_KEYS.join(", ")
            ));
        }
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

/// A header as `apply` compares it: trimmed, in lower case, with spaces
/// and hyphens as underscores.
fn header_name(header: &str) -> String {
    header.trim().to_lowercase().replace([' ', '-'], "_")
}

/// "; did you mean X?" for the known name nearest to `given`, if one is
/// near (two edits at most).
fn did_you_mean(given: &str, known: &[&str]) -> String {
    let given = header_name(given);
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(k, &given), k))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, k)| format!("; did you mean {k:?}?"))
        .unwrap_or_default()
}

/// An `archived` cell: true or false, in any case; empty leaves it.
fn flag_from(cell: &str, at: &str) -> Result<Option<bool>, String> {
    either(cell, at, "archived", ["false", "true"], "true or false")
}

/// A `status` cell, as 0.4 exported it: active or archived.
fn archived_from(status: &str, at: &str) -> Result<Option<bool>, String> {
    either(
        status,
        at,
        "status",
        ["active", "archived"],
        "active or archived",
    )
}

/// `cell` as one of two words in any case (`words[1]` is true); empty
/// leaves the field as it is; anything else is not `expected`.
fn either(
    cell: &str,
    at: &str,
    column: &str,
    words: [&str; 2],
    expected: &str,
) -> Result<Option<bool>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    words
        .iter()
        .position(|w| w.eq_ignore_ascii_case(cell))
        .map(|i| Some(i == 1))
        .ok_or_else(|| format!("{at}: {column} {cell:?} is not {expected}"))
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
    /// The rows read, in order, for the next pass to compare.
    pub fingerprint: Fingerprint,
}

/// The rows of one pass folded into one number, in order: a later pass
/// that reads other rows (the file was edited meanwhile) ends with another.
#[derive(Debug, Default)]
pub(crate) struct Fingerprint(DefaultHasher);

impl Fingerprint {
    pub(crate) fn add(&mut self, row: &Row) {
        row.hash(&mut self.0);
    }

    pub(crate) fn matches(&self, other: &Self) -> bool {
        self.0.finish() == other.0.finish()
    }
}

/// Checks every row for what the service would refuse (an empty or too
/// long name, two rows with one name or one id), before any request.
pub(crate) fn check(source: &Source) -> Result<Checked, String> {
    // Each name's and id's first row, for the message about a second one.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut ids: HashMap<u64, String> = HashMap::new();
    let mut checked = Checked::default();
    let each = |row: Row| {
        checked.rows += 1;
        checked.fingerprint.add(&row);
        crate::args::client_name(&row.name).map_err(|why| format!("{}: {why}", row.at))?;
        let name = row.name.trim();
        if let Some(first) = names.insert(name_key(name), row.at.clone()) {
            return Err(format!(
                "{}: the name {name:?} is also on {first} \
                 (names are unique in a workspace, in any case)",
                row.at
            ));
        }
        if let Some(id) = row.id {
            if let Some(first) = ids.insert(id.get(), row.at.clone()) {
                return Err(format!("{}: id {id} is also on {first}", row.at));
            }
            checked.claimed.insert(id.get());
        }
        Ok(())
    };
    source.for_each_row(|m| m, each)?;
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Row>, String> {
        let mut rows = Vec::new();
        Source::Text(text.to_owned()).for_each_row(
            |m| m,
            |row| {
                rows.push(row);
                Ok(())
            },
        )?;
        Ok(rows)
    }

    fn checked(text: &str) -> Result<usize, String> {
        check(&Source::Text(text.to_owned())).map(|c| c.rows)
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
        assert_eq!(checked("name\nAcme\nACME \n"), Err("line 3: the name \"ACME\" is also on line 2 (names are unique in a workspace, in any case)".to_owned()));
        assert_eq!(
            checked("name,status\n  ,active\n"),
            Err("line 2: the name is empty".to_owned())
        );
        let long = format!("name\n{}\n", "é".repeat(128));
        assert!(checked(&long).is_err_and(|e| e.contains("256 bytes long")));
        assert!(
            all("name,status\nAcme,gone\n").is_err_and(|e| e.contains("line 2: status \"gone\""))
        );
        assert!(all("title\nAcme\n").is_err_and(|e| e.contains("the column \"title\" is not one")));
        assert!(all("id,notes\n1,x\n").is_err_and(|e| e.contains("no `name` column")));
    }

    #[test]
    fn the_columns_list_prints_now_and_as_0_4_printed_them_are_read() {
        let now = all("id,name,archived,notes,external_reference,at,creator_id\n5,A,TRUE,,,2026-01-01T00:00:00Z,7\n,B,false,,,,\n")
            .expect("rows");
        assert_eq!(
            (now[0].archived, now[1].archived),
            (Some(true), Some(false))
        );
        let before =
            all("id,name,status,notes,external_reference,changed,creator_id\n5,A,archived,,,x,7\n")
                .expect("rows");
        assert_eq!(before[0].archived, Some(true));
        assert!(
            all("name,archived,status\nA,true,active\n").is_err_and(|e| e.contains("keep one"))
        );
        assert!(all("name,archived\nA,yes\n").is_err_and(|e| e.contains("not true or false")));
    }

    #[test]
    fn quotes_and_commas_are_pointed_at() {
        let why = all("name,notes\nAcme,\"Net 30\nGlobex,x\n").expect_err("unclosed");
        assert!(why.contains("a quote on line 2 is never closed"), "{why}");
        let why = all("name,notes\nAcme,Net 30, 60 days\n").expect_err("a comma");
        assert!(
            why.starts_with("line 2: 3 values where the header has 2"),
            "{why}"
        );
        // A value that spans lines on purpose, quoted and closed, is read.
        let rows =
            all("name,notes\nAcme,\"two\nlines\"\nGlobex,\"say \"\"hi\"\"\"\n").expect("rows");
        // A stray quote inside a value without quotes is read as it is.
        assert_eq!(
            all("name,notes\nAcme,5\" screen\n").expect("rows")[0]
                .notes
                .as_deref(),
            Some("5\" screen")
        );
        assert_eq!(rows[0].notes.as_deref(), Some("two\nlines"));
        assert_eq!(rows[1].notes.as_deref(), Some("say \"hi\""));
    }

    #[test]
    fn nothing_typed_is_dropped() {
        let why = all("name,note\nAcme,Net 60\n").expect_err("unknown column");
        assert!(
            why.contains("\"note\"") && why.contains("did you mean \"notes\"?"),
            "{why}"
        );
        let why = all(r#"[{"nmae": "x"}]"#).expect_err("unknown key");
        assert!(
            why.starts_with("item 1: the key \"nmae\"") && why.contains("\"name\"?"),
            "{why}"
        );
        assert!(all("name,name\nA,B\n").is_err_and(|e| e.contains("twice")));
        // Spreadsheet spellings are read: headers and statuses in any case.
        let rows = all("Name,Status,External Reference\nAcme,Archived,CRM-1\n").expect("rows");
        assert_eq!(
            (rows[0].archived, rows[0].external_reference.as_deref()),
            (Some(true), Some("CRM-1"))
        );
        // What `list` prints and apply does not change is read past.
        let rows =
            all(r#"[{"name": "A", "wid": 1, "at": "2026-01-01T00:00:00Z", "total_count": 1}]"#)
                .expect("rows");
        assert_eq!(rows[0].name, "A");
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
        // Items are parsed one at a time; a bad one is named by its place.
        assert!(
            all(r#"[{"name": "A"}, {"name": 7}]"#)
                .is_err_and(|e| e.starts_with("item 2: not a client: invalid type"))
        );
        assert!(all(r#"[{"name": "A"}, 7]"#).is_err_and(|e| e.starts_with("item 2: not a client")));
        assert!(all(r#"[{"name": "A"},"#).is_err_and(|e| e.starts_with("item 2: not a client")));
        // An object is named as such; an array is what is read.
        assert!(all(r#"{"name": "A"}"#).is_err_and(|e| e.starts_with("a JSON object")));
        assert!(all(r#"[{"name": "A"}] x"#).is_err_and(|e| e.contains("trailing characters")));
    }
}
