//! Reads Toggl's reference page for the clients endpoints, as plain text
//! (the form kept in the shared reference folder) or as HTML, which is first
//! reduced to that text form.

use std::collections::BTreeMap;

use super::contract::{Contract, Operation, Parameter, Response, normalise_type};

const BASE: &str = "https://api.track.toggl.com/api/v9";
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/// Parses the text form of the page; `None` when no operation is recognised.
pub fn parse(source: &str, text: &str) -> Option<Contract> {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let starts: Vec<(usize, String)> = (0..lines.len().saturating_sub(1))
        .filter_map(|i| {
            let method = METHODS.iter().find(|m| {
                lines[i]
                    .strip_prefix(**m)
                    .is_some_and(|rest| rest.starts_with(' '))
            })?;
            let path = lines[i + 1].trim().strip_prefix(BASE)?;
            Some((i, format!("{method} {path}")))
        })
        .collect();
    if starts.is_empty() {
        return None;
    }
    let mut operations = BTreeMap::new();
    for (n, (start, key)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(lines.len(), |(next, _)| *next);
        operations.insert(key.clone(), operation(&lines[start + 2..end]));
    }
    Some(Contract {
        source: source.to_owned(),
        operations,
    })
}

fn is_row(line: &str) -> bool {
    let t = line.trim();
    t.contains(" | ") && t.ends_with('|') && !t.starts_with("---")
}

fn is_header(line: &str) -> bool {
    let t = line.trim().to_ascii_lowercase();
    t.starts_with("name | type |")
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_end_matches('|')
        .split(" | ")
        .map(|c| c.trim().to_owned())
        .collect()
}

/// The rows of the table whose header is at `lines[at]`, and the index after it.
fn table(lines: &[&str], at: usize) -> (Vec<Vec<String>>, usize) {
    let mut i = at + 1;
    if lines.get(i).is_some_and(|l| l.trim().starts_with("---")) {
        i += 1;
    }
    let mut rows = Vec::new();
    while let Some(line) = lines.get(i).filter(|l| is_row(l)) {
        rows.push(cells(line));
        i += 1;
    }
    (rows, i)
}

fn operation(lines: &[&str]) -> Operation {
    let mut op = Operation::default();
    let Some(params_at) = lines.iter().position(|l| l.trim() == "Parameters") else {
        return op;
    };
    let response_at = lines
        .iter()
        .position(|l| l.trim() == "Response")
        .unwrap_or(lines.len());
    // Parameter tables: `Path`, `Query` and `Body`, each followed by a table.
    let mut section = "";
    let mut i = params_at + 1;
    while i < response_at {
        let line = lines[i].trim();
        match line {
            "Path" | "Query" | "Body" => {
                section = line;
                i += 1;
            }
            _ if is_header(line) => {
                let (rows, next) = table(lines, i);
                for row in rows {
                    match section {
                        "Path" | "Query" => {
                            let ty = normalise_type(row.get(1).map_or("", String::as_str));
                            let required = row.get(2).is_some_and(|r| r == "true");
                            op.parameters.insert(
                                format!("{} {}", section.to_ascii_lowercase(), row[0]),
                                Parameter { ty, required },
                            );
                        }
                        "Body" => {
                            let ty = normalise_type(row.get(1).map_or("", String::as_str));
                            op.body.insert(row[0].clone(), ty);
                        }
                        _ => {}
                    }
                }
                i = next;
            }
            _ => i += 1,
        }
    }
    responses(&lines[response_at.min(lines.len())..], &mut op);
    op
}

fn is_status(line: &str) -> bool {
    let t = line.trim();
    t.len() == 3 && t.chars().all(|c| c.is_ascii_digit())
}

fn responses(lines: &[&str], op: &mut Operation) {
    op.response = Response {
        shape: "none".to_owned(),
        fields: BTreeMap::new(),
    };
    let mut i = 1;
    while i < lines.len() {
        if !is_status(lines[i]) {
            i += 1;
            continue;
        }
        let code = lines[i].trim().to_owned();
        let end = (i + 1..lines.len())
            .find(|j| is_status(lines[*j]))
            .unwrap_or(lines.len());
        let block = &lines[i + 1..end];
        if code.starts_with('2') {
            op.response = success_body(block);
            op.statuses.insert(code, Vec::new());
        } else {
            let messages = block
                .iter()
                .map(|l| l.trim())
                .filter(|l| !l.is_empty() && !l.ends_with(':'))
                .map(|l| l.strip_prefix("- ").unwrap_or(l).to_owned())
                .collect();
            op.statuses.insert(code, messages);
        }
        i = end;
    }
}

/// A success block: no table (no body), a table of fields (an object), or
/// the page's rendering of a bare array as one `items` row (followed, for
/// arrays of objects, by a second table of the items' fields).
fn success_body(block: &[&str]) -> Response {
    let Some(at) = block.iter().position(|l| is_header(l)) else {
        return Response {
            shape: "none".to_owned(),
            fields: BTreeMap::new(),
        };
    };
    let (rows, next) = table(block, at);
    let fields = |rows: Vec<Vec<String>>| {
        rows.into_iter()
            .map(|r| {
                (
                    r[0].clone(),
                    normalise_type(r.get(1).map_or("", String::as_str)),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    if rows.len() == 1 && rows[0][0] == "items" {
        let item_type = normalise_type(rows[0].get(1).map_or("", String::as_str));
        let nested = block[next..]
            .iter()
            .position(|l| is_header(l))
            .map(|p| next + p);
        let item_fields = nested
            .map(|n| fields(table(block, n).0))
            .unwrap_or_default();
        return Response {
            shape: format!("object {{items: {item_type}}}"),
            fields: item_fields,
        };
    }
    Response {
        shape: "object".to_owned(),
        fields: fields(rows),
    }
}

/// Reduces an HTML page to the text form: block elements end lines and
/// table cells are joined with ` | `, as in the saved text copy.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut skipping: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        if skipping.is_none() {
            out.push_str(&decode(&rest[..open]));
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        rest = &rest[open + close + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(until) = skipping {
            if tag.starts_with('/') && name == until {
                skipping = None;
            }
            continue;
        }
        match (tag.starts_with('/'), name.as_str()) {
            (false, "script") => skipping = Some("script"),
            (false, "style") => skipping = Some("style"),
            (true, "td" | "th") => out.push_str(" | "),
            (_, "br")
            | (
                true,
                "p" | "div" | "li" | "tr" | "pre" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                | "table" | "thead" | "tbody",
            ) => out.push('\n'),
            (false, "li") => out.push_str("- "),
            _ => {}
        }
    }
    if skipping.is_none() {
        out.push_str(&decode(rest));
    }
    out.lines()
        .map(|l| {
            l.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace("| |", "|")
        })
        .map(|l| l.strip_prefix(" | ").map(str::to_owned).unwrap_or(l))
        .map(|l| {
            if l.contains(" | ") && !l.ends_with('|') {
                format!("{l} |")
            } else {
                l
            }
        })
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}
