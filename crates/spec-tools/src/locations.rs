//! Where the spec describes each place of a JSON body, and what it expects
//! there in words: so that a body that no longer fits (Toggl changed a
//! field) is reported with the place in the body (`[37].creator_id`), the
//! place in the spec (`#/components/schemas/TrackClient/properties/creator_id`)
//! and the rule, the same way by the client at run time and by the
//! conformance check of a recording.
//!
//! Places in a body are written as serde_path_to_error writes them: `[37]`
//! for an item of an array, `name` for a field (`.name` after another
//! place), `.` for the whole body. A pattern is a place with its indices
//! left out: `[].creator_id`.

use serde_json::Value;

use crate::refs;

/// One place a schema describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The place with indices left out, e.g. `[].creator_id`; empty for the
    /// whole body.
    pub pattern: String,
    /// The schema describing it, as a URI fragment into the spec, e.g.
    /// `#/components/schemas/TrackClient/properties/creator_id`.
    pub pointer: String,
    /// What the spec expects there, in words.
    pub expected: String,
}

/// How deep [`locations`] follows nested schemas: far below any real body,
/// and a stop for schemas that nest themselves.
const MAX_DEPTH: usize = 12;

/// One step into a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step<'a> {
    Item,
    Field(&'a str),
}

/// `node` at `pointer`, followed through its references, with the pointer
/// of what it names.
fn followed<'a>(doc: &'a Value, pointer: &str, node: &'a Value) -> (String, &'a Value) {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => match refs::target(doc, reference) {
            Ok(target) => (reference.to_owned(), target),
            Err(_) => (pointer.to_owned(), node),
        },
        None => (pointer.to_owned(), node),
    }
}

/// The schema (and its pointer) one step below the schema at `pointer`: an
/// array's items, an object's property; through `anyOf`, `oneOf` and
/// `allOf`, the first branch that has the step.
fn child<'a>(
    doc: &'a Value,
    pointer: &str,
    node: &'a Value,
    step: Step<'_>,
) -> Option<(String, &'a Value)> {
    let (pointer, node) = followed(doc, pointer, node);
    let direct = match step {
        Step::Item => node.get("items").map(|n| (format!("{pointer}/items"), n)),
        Step::Field(name) => node
            .get("properties")
            .and_then(|p| p.get(name))
            .map(|n| (format!("{pointer}/properties/{}", refs::escape(name)), n)),
    };
    if let Some((at, n)) = direct {
        return Some(followed(doc, &at, n));
    }
    ["anyOf", "oneOf", "allOf"].iter().find_map(|keyword| {
        node.get(*keyword)?
            .as_array()?
            .iter()
            .enumerate()
            .find_map(|(i, branch)| child(doc, &format!("{pointer}/{keyword}/{i}"), branch, step))
    })
}

/// The steps below `node`, each with its schema.
fn steps<'a>(doc: &'a Value, pointer: &str, node: &'a Value) -> Vec<(String, String, &'a Value)> {
    let (resolved, target) = followed(doc, pointer, node);
    let mut names: Vec<(String, Step<'a>)> = Vec::new();
    let mut collect = |schema: &'a Value| {
        if schema.get("items").is_some() {
            names.push(("[]".to_owned(), Step::Item));
        }
        for name in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            names.push((name.clone(), Step::Field(name)));
        }
    };
    collect(target);
    for keyword in ["anyOf", "oneOf", "allOf"] {
        for branch in target
            .get(keyword)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(refs::resolve_lenient(doc, branch));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    names
        .into_iter()
        .filter(|(name, _)| seen.insert(name.clone()))
        .filter_map(|(name, step)| {
            let (at, schema) = child(doc, &resolved, target, step)?;
            Some((name, at, schema))
        })
        .collect()
}

/// Every place a body described by the schema at `pointer` (a URI fragment
/// such as `#/components/schemas/TrackClientList`) can have, with its
/// schema and what it expects, the whole body first.
pub fn locations(doc: &Value, pointer: &str) -> Vec<Location> {
    let Some(root) = node_at(doc, pointer) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(doc, pointer, root, String::new(), 0, &mut out);
    out
}

fn walk(
    doc: &Value,
    pointer: &str,
    node: &Value,
    pattern: String,
    depth: usize,
    out: &mut Vec<Location>,
) {
    let (resolved, target) = followed(doc, pointer, node);
    out.push(Location {
        pattern: pattern.clone(),
        pointer: resolved.clone(),
        expected: expected(doc, target),
    });
    if depth >= MAX_DEPTH {
        return;
    }
    for (name, at, schema) in steps(doc, &resolved, target) {
        let below = match (name.as_str(), pattern.is_empty()) {
            ("[]", _) => format!("{pattern}[]"),
            (field, true) => field.to_owned(),
            (field, false) => format!("{pattern}.{field}"),
        };
        walk(doc, &at, schema, below, depth + 1, out);
    }
}

/// The schema at a URI fragment (`#/...`).
fn node_at<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    doc.pointer(pointer.strip_prefix('#').unwrap_or(pointer))
}

/// The steps of a place written as serde_path_to_error writes it
/// (`[37].creator_id`, `.` for the whole body); `None` for a place with a
/// segment it cannot name (`?`).
fn parse(place: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in place.split('.').filter(|p| !p.is_empty()) {
        let (field, mut rest) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if field == "?" {
            return None;
        }
        if !field.is_empty() {
            out.push(Step::Field(field));
        }
        while let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            out.push(Step::Item);
            rest = &after[close + 1..];
        }
    }
    Some(out)
}

/// Where the spec describes `place` of a body described by the schema at
/// `pointer`, and what it expects there; the nearest place above it when
/// the spec does not describe the place itself (a field it does not know).
pub fn locate(doc: &Value, pointer: &str, place: &str) -> Option<Location> {
    let mut at = pointer.to_owned();
    let mut node = node_at(doc, pointer)?;
    let mut pattern = String::new();
    for step in parse(place).unwrap_or_default() {
        let Some((below, schema)) = child(doc, &at, node, step) else {
            break;
        };
        pattern = match step {
            Step::Item => format!("{pattern}[]"),
            Step::Field(name) if pattern.is_empty() => name.to_owned(),
            Step::Field(name) => format!("{pattern}.{name}"),
        };
        (at, node) = (below, schema);
    }
    let (pointer, target) = followed(doc, &at, node);
    Some(Location {
        pattern,
        expected: expected(doc, target),
        pointer,
    })
}

/// A JSON pointer into a body (`/37/creator_id`, as JSON Schema validators
/// report places) as a place (`[37].creator_id`): numbers are indices.
pub fn place_of_pointer(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

/// What a schema expects, in words: `an integer of at least 1, or null`,
/// `an RFC 3339 time`, `an object with id, wid and name`.
pub fn expected(doc: &Value, schema: &Value) -> String {
    let schema = refs::resolve_lenient(doc, schema);
    let mut text = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => match schema.get("minimum").and_then(Value::as_i64) {
            Some(min) => format!("an integer of at least {min}"),
            None => "an integer".to_owned(),
        },
        Some("number") => "a number".to_owned(),
        Some("boolean") => "true or false".to_owned(),
        Some("string") => match (
            schema.get("format").and_then(Value::as_str),
            schema.get("enum"),
        ) {
            (_, Some(Value::Array(values))) => format!(
                "one of {}",
                values
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (Some("date-time"), _) => "an RFC 3339 time".to_owned(),
            _ => "a string".to_owned(),
        },
        Some("array") => match schema.get("items") {
            Some(items) => format!("an array of {}", plural(&expected(doc, items))),
            None => "an array".to_owned(),
        },
        Some("object") | None if schema.get("properties").is_some() => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match required.as_slice() {
                [] => "an object".to_owned(),
                [only] => format!("an object with {only}"),
                [first @ .., last] => format!("an object with {} and {last}", first.join(", ")),
            }
        }
        Some(other) => format!(
            "a{} {other}",
            if other.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "n"
            } else {
                ""
            }
        ),
        None => {
            let branches: Vec<String> = ["anyOf", "oneOf"]
                .iter()
                .filter_map(|k| schema.get(*k)?.as_array())
                .flatten()
                .map(|b| expected(doc, b))
                .collect();
            if branches.is_empty() {
                "anything".to_owned()
            } else {
                branches.join(" or ")
            }
        }
    };
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) && !text.ends_with("or null") {
        text.push_str(", or null");
    }
    text
}

/// `an integer of at least 1` as items: `integers of at least 1`.
fn plural(one: &str) -> String {
    let bare = one
        .strip_prefix("an ")
        .or_else(|| one.strip_prefix("a "))
        .unwrap_or(one);
    match bare.split_once(' ') {
        Some((noun, rest)) => format!("{noun}s {rest}"),
        None => format!("{bare}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "List": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
            "Item": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer", "minimum": 1},
                "name": {"type": "string"},
                "creator_id": {"type": "integer", "minimum": 1, "nullable": true},
                "at": {"type": "string", "format": "date-time"},
                "tags": {"anyOf": [{"type": "array", "items": {"type": "string"}},
                                   {"type": "string", "nullable": true}]}
            }}
        }}})
    }

    #[test]
    fn every_place_of_a_body_has_its_schema_and_words() {
        let found = locations(&doc(), "#/components/schemas/List");
        let by_pattern = |p: &str| found.iter().find(|l| l.pattern == p).cloned();
        let root = by_pattern("").expect("the whole body");
        assert_eq!(root.pointer, "#/components/schemas/List");
        assert_eq!(root.expected, "an array of objects with id and name");
        let item = by_pattern("[]").expect("an item");
        assert_eq!(item.pointer, "#/components/schemas/Item");
        let creator = by_pattern("[].creator_id").expect("a field");
        assert_eq!(
            creator.pointer,
            "#/components/schemas/Item/properties/creator_id"
        );
        assert_eq!(creator.expected, "an integer of at least 1, or null");
        let tag = by_pattern("[].tags[]").expect("through anyOf");
        assert_eq!(
            tag.pointer,
            "#/components/schemas/Item/properties/tags/anyOf/0/items"
        );
        assert_eq!(
            by_pattern("[].at").expect("a time").expected,
            "an RFC 3339 time"
        );
    }

    #[test]
    fn a_place_is_located_as_the_table_has_it() {
        let doc = doc();
        let list = "#/components/schemas/List";
        for place in ["[37].creator_id", "[0].tags[3]", "[2]", "."] {
            let walked = locate(&doc, list, place).expect("located");
            let listed = locations(&doc, list);
            assert!(listed.contains(&walked), "{place}: {walked:?}");
        }
        // A field the spec does not know is placed at its object.
        let unknown = locate(&doc, list, "[1].tax_id").expect("located");
        assert_eq!(unknown.pattern, "[]");
        assert_eq!(place_of_pointer("/37/creator_id"), "[37].creator_id");
        assert_eq!(place_of_pointer(""), ".");
    }
}
