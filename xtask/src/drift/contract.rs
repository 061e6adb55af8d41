//! The reduced contract of an API description: facts only (operations,
//! parameters, fields and their types, status codes, messages), the common
//! ground on which the spec, the docs page and the Swagger file are compared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Operations keyed by `METHOD /path`, e.g. `GET /workspaces/{workspace_id}/clients`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Contract {
    /// Where the facts came from (a file name or URL).
    pub source: String,
    pub operations: BTreeMap<String, Operation>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Operation {
    /// Keyed by `LOCATION NAME`, e.g. `query status`.
    pub parameters: BTreeMap<String, Parameter>,
    /// Request body fields and their types.
    pub body: BTreeMap<String, String>,
    /// The success body.
    pub response: Response,
    /// Status codes with the error messages given for each.
    pub statuses: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Parameter {
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
}

/// The success body: its shape (`object`, `array of object`, `array of
/// integer`, `none`, ...) and the fields of the object (or of each item).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Response {
    pub shape: String,
    pub fields: BTreeMap<String, String>,
}

/// Normalises a type name from any source: `Array of integer` and
/// `array of integer` are the same.
pub(crate) fn normalise_type(text: &str) -> String {
    let t = text.trim().to_ascii_lowercase();
    match t.strip_prefix("array of ") {
        Some(inner) => format!("array of {}", normalise_type(inner)),
        None => t,
    }
}

/// Whether two messages say the same, reading `{placeholder}` in either as
/// any text: `No client with ID {client_id} was found` matches
/// `No client with ID 42 was found`.
pub(crate) fn messages_match(a: &str, b: &str) -> bool {
    fn pattern(template: &str, text: &str) -> bool {
        let mut parts = template.split('{');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = text.strip_prefix(first) else {
            return false;
        };
        let mut pieces = Vec::new();
        for part in parts {
            let Some((_, literal)) = part.split_once('}') else {
                return false;
            };
            pieces.push(literal);
        }
        if pieces.is_empty() {
            return rest.is_empty();
        }
        for (i, literal) in pieces.iter().enumerate() {
            let last = i == pieces.len() - 1;
            if literal.is_empty() && last {
                return !rest.is_empty() || text.is_empty();
            }
            let found = if last {
                rest.rfind(literal)
            } else {
                rest.find(literal)
            };
            match found {
                // A placeholder stands for at least one character.
                Some(at) if at > 0 => rest = &rest[at + literal.len()..],
                _ => return false,
            }
        }
        rest.is_empty()
    }
    let (a, b) = (a.trim(), b.trim());
    a == b || pattern(a, b) || pattern(b, a)
}
