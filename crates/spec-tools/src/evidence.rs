//! The spec's evidence ledger: every claim beyond Toggl's reference page and
//! Swagger file says where it comes from (sources declared once, in
//! `x-toggl-sources`) and how sure it is (`confirmed`, `likely`, `guess`).
//! Claims are the deliberate differences (`x-toggl-drift-accepted`) and the
//! statements drift cannot see (`x-toggl-evidence`). `cargo xtask evidence`
//! lists those not confirmed, most consequential first; drift fails when
//! one lacks its evidence.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use crate::refs::escape;
use crate::vocabulary::{CONFIDENCES, DRIFT_ACCEPTED as ACCEPTED, EVIDENCE, SOURCES};

/// How sure a claim is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Strong indirect evidence, or seen once.
    Likely,
    /// Reasoned, not observed.
    Guess,
    /// Seen in real traffic or in Toggl's own files.
    Confirmed,
}

impl Confidence {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "confirmed" => Some(Self::Confirmed),
            "likely" => Some(Self::Likely),
            "guess" => Some(Self::Guess),
            _ => None,
        }
    }
}

/// What a wrong claim would break, most consequential first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// What clients send: a wrong claim makes requests the service refuses
    /// or misreads.
    Requests,
    /// What clients decode: a wrong claim breaks decoding of answers.
    Responses,
    /// How failures are told apart (statuses, messages).
    Errors,
    /// Limits, order, timing.
    Behaviour,
}

impl Impact {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "requests" => Some(Self::Requests),
            "responses" => Some(Self::Responses),
            "errors" => Some(Self::Errors),
            "behaviour" => Some(Self::Behaviour),
            _ => None,
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Self::Requests => "what clients send",
            Self::Responses => "what clients decode",
            Self::Errors => "how failures are told apart",
            Self::Behaviour => "limits and behaviour",
        }
    }
}

/// One claim with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// JSON pointer of the entry in the spec.
    pub pointer: String,
    pub claim: String,
    pub sources: Vec<String>,
    pub confidence: Confidence,
    pub impact: Impact,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every claim of the document, and every entry that lacks its evidence
/// (one line each, naming the pointer).
pub fn read(doc: &Value) -> (Vec<Claim>, Vec<String>) {
    let declared: BTreeSet<String> = doc
        .get(SOURCES)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let requests = request_schemas(doc);
    let mut claims = Vec::new();
    let mut problems = Vec::new();
    crate::refs::for_each_object(doc, &mut |at, object| {
        for key in [ACCEPTED, EVIDENCE] {
            let Some(value) = object.get(key) else {
                continue;
            };
            let entries: Vec<(String, &Value)> = match value {
                Value::Array(list) => list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{at}/{}/{i}", escape(key)), v))
                    .collect(),
                other => vec![(format!("{at}/{}", escape(key)), other)],
            };
            for (pointer, entry) in entries {
                match claim(&pointer, key, entry, &declared, &requests) {
                    Ok(c) => claims.push(c),
                    Err(message) => problems.push(format!("{pointer}: {message}")),
                }
            }
        }
    });
    problems.extend(
        crate::vocabulary::unknown_extensions(doc)
            .into_iter()
            .map(|p| p.to_string()),
    );
    (claims, problems)
}

/// The lines [`read`] finds wanting: what drift reports as a failure.
pub fn ledger_problems(doc: &Value) -> Vec<String> {
    read(doc).1
}

fn claim(
    pointer: &str,
    key: &str,
    entry: &Value,
    declared: &BTreeSet<String>,
    requests: &BTreeSet<String>,
) -> Result<Claim, String> {
    let text = |name: &str| {
        entry
            .get(name)
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let what = if key == ACCEPTED {
        text("reason").ok_or("a deliberate difference needs a `reason`")?
    } else {
        text("claim").ok_or("evidence needs the `claim` it supports")?
    };
    let sources: Vec<String> = entry
        .get("sources")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if sources.is_empty() {
        return Err(format!(
            "no `sources` for {what:?}; name where it comes from (one of: {})",
            declared.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(unknown) = sources.iter().find(|s| !declared.contains(*s)) {
        return Err(format!(
            "source `{unknown}` is not declared in `{SOURCES}`; declare it or name a declared one"
        ));
    }
    let confidence = text("confidence")
        .as_deref()
        .and_then(Confidence::parse)
        .ok_or_else(|| format!("`confidence` must be one of {}", CONFIDENCES.join(", ")))?;
    let impact = match text("impact") {
        Some(given) => Impact::parse(&given)
            .ok_or("`impact` must be requests, responses, errors or behaviour")?,
        None => impact_of(pointer, text("about").as_deref(), requests),
    };
    Ok(Claim {
        pointer: pointer.to_owned(),
        claim: match text("about") {
            Some(about) => format!("{about}: {what}"),
            None => what,
        },
        sources,
        confidence,
        impact,
        note: text("note"),
    })
}

/// Component schemas that request bodies use, directly or through others.
fn request_schemas(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut todo: Vec<&Value> = Vec::new();
    for (_, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (_, op) in item.as_object().into_iter().flatten() {
            if let Some(body) = op.get("requestBody") {
                todo.push(body);
            }
        }
    }
    while let Some(node) = todo.pop() {
        match node {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.rsplit('/').next())
                    && found.insert(name.to_owned())
                    && let Ok(target) = crate::refs::resolve(doc, node)
                {
                    todo.push(target);
                }
                todo.extend(map.values());
            }
            Value::Array(list) => todo.extend(list),
            _ => {}
        }
    }
    found
}

/// What a claim at `pointer` (about `about`, for listed entries) concerns.
fn impact_of(pointer: &str, about: Option<&str>, requests: &BTreeSet<String>) -> Impact {
    if let Some(about) = about {
        let first = about.split_whitespace().next().unwrap_or_default();
        return match first {
            "parameter" | "body" => Impact::Requests,
            "response" => Impact::Responses,
            "status" => Impact::Errors,
            _ => Impact::Behaviour,
        };
    }
    let parts: Vec<&str> = pointer.split('/').collect();
    if pointer.contains("/requestBody")
        || pointer.starts_with("/components/requestBodies/")
        || pointer.contains("/parameters/")
    {
        return Impact::Requests;
    }
    if let Some(at) = parts.iter().position(|p| *p == "responses") {
        let code = parts.get(at + 1).copied().unwrap_or_default();
        return if code.starts_with('2') || code == "OneClient" {
            Impact::Responses
        } else {
            Impact::Errors
        };
    }
    match parts.get(1..3) {
        Some(["components", "schemas"]) => {
            let name = parts.get(3).copied().unwrap_or_default();
            if requests.contains(name) {
                Impact::Requests
            } else {
                Impact::Responses
            }
        }
        Some(["components", "examples"]) => Impact::Errors,
        _ => Impact::Behaviour,
    }
}

/// The claims to show: all, or only those not confirmed, most
/// consequential first (what they concern, then how sure they are).
pub fn ranked(mut claims: Vec<Claim>, all: bool) -> Vec<Claim> {
    if !all {
        claims.retain(|c| c.confidence != Confidence::Confirmed);
    }
    claims.sort_by(|a, b| {
        (a.impact, a.confidence, &a.pointer).cmp(&(b.impact, b.confidence, &b.pointer))
    });
    claims
}

/// Where a pointer is, in the words of the spec: `GET /me/clients`, `field
/// total_count of TrackClient`, `parameter Page`.
fn place(pointer: &str) -> String {
    let parts: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let part = |i: usize| parts.get(i).map(String::as_str).unwrap_or_default();
    match (part(0), part(1)) {
        ("paths", path) => {
            let method = part(2).to_ascii_uppercase();
            match parts
                .iter()
                .position(|p| p == "requestBody" || p == "responses")
            {
                Some(at) if parts[at] == "responses" => {
                    format!("{method} {path}, status {}", part(at + 1))
                }
                Some(_) => format!("{method} {path}, request body"),
                None => format!("{method} {path}"),
            }
        }
        ("components", "schemas") => match parts.iter().position(|p| p == "properties") {
            Some(at) => format!("field {} of {}", part(at + 1), part(2)),
            None => format!("schema {}", part(2)),
        },
        ("components", kind) => format!("{} {}", kind.trim_end_matches('s'), part(2)),
        _ => "the document".to_owned(),
    }
}

/// The claims for people, grouped by what they concern.
pub fn render(claims: &[Claim], colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let guesses = claims
        .iter()
        .filter(|c| c.confidence == Confidence::Guess)
        .count();
    let likely = claims
        .iter()
        .filter(|c| c.confidence == Confidence::Likely)
        .count();
    let mut out = format!(
        "{} claims to check against the real service, most consequential first ({guesses} guesses, {likely} likely):\n",
        claims.len()
    );
    let mut heading = None;
    for c in claims {
        if heading != Some(c.impact) {
            heading = Some(c.impact);
            out.push_str(&format!("\n{}\n", paint("1", c.impact.heading())));
        }
        let label = match c.confidence {
            Confidence::Guess => paint("31", "guess    "),
            Confidence::Likely => paint("33", "likely   "),
            Confidence::Confirmed => paint("32", "confirmed"),
        };
        out.push_str(&format!("  {label} {}: {}\n", place(&c.pointer), c.claim));
        if let Some(note) = &c.note {
            out.push_str(&format!("            {note}\n"));
        }
        out.push_str(&format!(
            "            {}\n",
            paint(
                "2",
                &format!("sources: {} · at {}", c.sources.join(", "), c.pointer)
            )
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(entry: Value) -> Value {
        json!({
            "x-toggl-sources": {"capture": {"title": "c"}, "inference": {"title": "i"}},
            "paths": {"/things": {"get": {
                "parameters": [{"name": "page", "in": "query", "x-toggl-drift-accepted": entry}],
                "x-toggl-evidence": {"claim": "Order is by id.", "sources": ["inference"], "confidence": "guess"}
            }}},
            "components": {"schemas": {"Thing": {"type": "object",
                "x-toggl-drift-accepted": {"reason": "r", "sources": ["capture"], "confidence": "confirmed"}}}}
        })
    }

    #[test]
    fn claims_are_read_with_their_impact() {
        let (claims, problems) = read(&doc(
            json!({"reason": "The web app sends it.", "sources": ["capture"], "confidence": "likely"}),
        ));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(claims.len(), 3);
        let page = claims
            .iter()
            .find(|c| c.pointer.contains("parameters"))
            .expect("page");
        assert_eq!(
            (page.impact, page.confidence),
            (Impact::Requests, Confidence::Likely)
        );
        let order = claims
            .iter()
            .find(|c| c.claim.starts_with("Order"))
            .expect("order");
        assert_eq!(order.impact, Impact::Behaviour);
        assert_eq!(order.pointer, "/paths/~1things/get/x-toggl-evidence");
    }

    #[test]
    fn a_deviation_without_evidence_is_a_problem_naming_its_pointer() {
        let (_, problems) = read(&doc(json!({"reason": "The web app sends it."})));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "/paths/~1things/get/parameters/0/x-toggl-drift-accepted: no `sources`"
            ),
            "{problems:?}"
        );
        let (_, problems) = read(&doc(
            json!({"reason": "r", "sources": ["hearsay"], "confidence": "likely"}),
        ));
        assert!(
            problems[0].contains("`hearsay` is not declared"),
            "{problems:?}"
        );
        let (_, problems) = read(&doc(
            json!({"reason": "r", "sources": ["capture"], "confidence": "sure"}),
        ));
        assert!(problems[0].contains("`confidence` must be"), "{problems:?}");
    }

    #[test]
    fn the_spec_ledger_is_complete() {
        let path = crate::tests::workspace_root().join(crate::SPEC_PATH);
        let doc = crate::load_document(&path).expect("spec readable");
        let (claims, problems) = read(&doc);
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(claims.iter().any(|c| c.confidence == Confidence::Guess));
    }
}
