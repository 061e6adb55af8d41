//! Toggl's sentences, read from the spec: every named example under
//! `components/examples` that carries `x-toggl-sentence`. Its `value` is
//! the sentence as the service writes it; the extension says which reason
//! the Rust client gives it (`reason`) and, where the sentence has parts
//! that vary, its shape with `{name}` for each (`template`).
//!
//! The status comes from where the spec uses the example: the responses
//! that carry it. The client's classifier ([`rust`], compiled by
//! `build.rs`) and the local service ([`json`], written by `cargo xtask
//! regen`) both take their words from here, so rewording a sentence is one
//! edit of the spec.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToShoutySnakeCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use toggl_track_spec_tools::vocabulary::SENTENCE;
use toggl_track_spec_tools::{Problem, Spec, messages, refs};

/// One of Toggl's sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// The example's name under `components/examples`.
    pub name: String,
    /// The status of the answers that carry it.
    pub status: u16,
    /// The reason the client gives it, if any (`NameTaken`, ...).
    pub reason: Option<String>,
    /// The sentence with `{name}` for each part that varies (the value
    /// itself when nothing varies).
    pub template: String,
    /// The example's value: one instance of the template.
    pub example: String,
    /// The example's summary.
    pub summary: String,
}

/// The reasons the client knows, by status, each with the Rust path the
/// classifier returns.
const REASONS: &[(u16, &str, &str)] = &[
    (
        400,
        "NameTaken",
        "Meaning::Validation(ValidationReason::NameTaken)",
    ),
    (
        400,
        "NameEmpty",
        "Meaning::Validation(ValidationReason::NameEmpty)",
    ),
    (
        400,
        "NameTooLong",
        "Meaning::Validation(ValidationReason::NameTooLong)",
    ),
    (
        400,
        "SinceTooOld",
        "Meaning::Validation(ValidationReason::SinceTooOld)",
    ),
    (
        400,
        "InvalidParameter",
        "Meaning::Validation(ValidationReason::InvalidParameter)",
    ),
    (
        400,
        "MalformedBody",
        "Meaning::Validation(ValidationReason::MalformedBody)",
    ),
    (402, "QuotaUsedUp", "Meaning::QuotaUsedUp"),
    (402, "PaidPlanOnly", "Meaning::PaidPlanOnly"),
    (
        403,
        "BadCredentials",
        "Meaning::Forbidden(ForbiddenReason::BadCredentials)",
    ),
    (
        403,
        "NoAccess",
        "Meaning::Forbidden(ForbiddenReason::NoAccess)",
    ),
];

/// Every sentence of the spec, in the order of `components/examples`, or
/// every problem found with them.
pub fn sentences(spec: &Spec) -> Result<Vec<Sentence>, Vec<Problem>> {
    let doc = &spec.raw;
    let statuses = statuses_of_examples(doc);
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let examples = doc
        .pointer("/components/examples")
        .and_then(Value::as_object);
    for (name, example) in examples.into_iter().flatten() {
        let Some(mark) = example.get(SENTENCE) else {
            continue;
        };
        let at = format!("/components/examples/{}", refs::escape(name));
        match sentence(name, example, mark, statuses.get(name.as_str())) {
            Ok(s) => found.push(s),
            Err(message) => problems.push(Problem::new(at, message)),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// One marked example as a sentence, or what is wrong with it.
fn sentence(
    name: &str,
    example: &Value,
    mark: &Value,
    statuses: Option<&BTreeSet<u16>>,
) -> Result<Sentence, String> {
    let example_text = example
        .get("value")
        .and_then(Value::as_str)
        .ok_or("a sentence's `value` must be a string: the sentence itself")?;
    let mark = mark.as_object().ok_or(format!(
        "`{SENTENCE}` must be an object with `reason` and/or `template`"
    ))?;
    if let Some(key) = mark
        .keys()
        .find(|k| !["reason", "template"].contains(&k.as_str()))
    {
        return Err(format!(
            "`{SENTENCE}` knows `reason` and `template`, not `{key}`"
        ));
    }
    let template = match mark.get("template") {
        None => example_text.to_owned(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err("`template` must be a string".to_owned()),
    };
    if !messages::fits(&template, example_text) {
        return Err(format!(
            "the value {example_text:?} does not fit the template {template:?}; make them agree"
        ));
    }
    let status = match statuses.map(|s| s.iter().copied().collect::<Vec<_>>()) {
        Some(s) if s.len() == 1 => s[0],
        Some(s) if s.len() > 1 => {
            return Err(format!(
                "used by answers of several statuses ({s:?}); use it under one"
            ));
        }
        _ => {
            return Err("no error answer uses this sentence; reference it or drop the mark".into());
        }
    };
    let reason = match mark.get("reason") {
        None => None,
        Some(Value::String(r)) => Some(known_reason(status, r)?),
        Some(_) => return Err("`reason` must be a string".to_owned()),
    };
    Ok(Sentence {
        name: name.to_owned(),
        status,
        reason,
        template,
        example: example_text.to_owned(),
        summary: example
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    })
}

/// `reason`, when the client knows it for `status`.
fn known_reason(status: u16, reason: &str) -> Result<String, String> {
    if REASONS.iter().any(|(s, r, _)| *s == status && *r == reason) {
        return Ok(reason.to_owned());
    }
    let known: Vec<&str> = REASONS
        .iter()
        .filter(|(s, _, _)| *s == status)
        .map(|(_, r, _)| *r)
        .collect();
    Err(format!(
        "`{reason}` is not a reason of a {status} answer (known: {}); add it to the client first",
        if known.is_empty() {
            "none".to_owned()
        } else {
            known.join(", ")
        }
    ))
}

/// For each example under `components/examples`, the statuses of the
/// non-2xx answers that reference it (through `components/responses` or
/// directly on an operation).
fn statuses_of_examples(doc: &Value) -> BTreeMap<&str, BTreeSet<u16>> {
    let mut found: BTreeMap<&str, BTreeSet<u16>> = BTreeMap::new();
    let paths = doc.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flat_map(|p| p.values()) {
        let operations = item.as_object().into_iter().flat_map(|o| o.values());
        for op in operations {
            let responses = op.get("responses").and_then(Value::as_object);
            for (code, response) in responses.into_iter().flatten() {
                let Ok(status) = code.parse::<u16>() else {
                    continue;
                };
                if (200..300).contains(&status) {
                    continue;
                }
                let response = refs::resolve_lenient(doc, response);
                for name in examples_of(response) {
                    found.entry(name).or_default().insert(status);
                }
            }
        }
    }
    found
}

/// The names of the `components/examples` a response's content refers to.
fn examples_of(response: &Value) -> Vec<&str> {
    let content = response.get("content").and_then(Value::as_object);
    let media = content.into_iter().flat_map(|c| c.values());
    media
        .filter_map(|m| m.get("examples").and_then(Value::as_object))
        .flat_map(|e| e.values())
        .filter_map(|e| e.get("$ref").and_then(Value::as_str))
        .filter_map(|r| r.strip_prefix("#/components/examples/"))
        .collect()
}

/// The Rust constants `src/error/sentences.rs` includes: one per sentence, and
/// `ALL` in the spec's order.
pub fn rust(sentences: &[Sentence]) -> TokenStream {
    let mut names = Vec::new();
    let consts = sentences.iter().map(|s| {
        let ident = Ident::new(&s.name.to_shouty_snake_case(), Span::call_site());
        names.push(ident.clone());
        let meaning: TokenStream = s
            .reason
            .as_deref()
            .and_then(|r| {
                REASONS
                    .iter()
                    .find(|(st, rr, _)| *st == s.status && *rr == r)
            })
            .map_or("Meaning::Unnamed", |(_, _, path)| path)
            .parse()
            .expect("the reasons table holds Rust paths");
        let (status, name, template, example) = (s.status, &s.name, &s.template, &s.example);
        let doc = format!(" `{status}`: {:?}.\n\n {}", s.template, s.summary);
        quote! {
            #[doc = #doc]
            pub const #ident: Sentence = Sentence {
                status: #status,
                meaning: #meaning,
                name: #name,
                template: #template,
                example: #example,
            };
        }
    });
    let consts: Vec<TokenStream> = consts.collect();
    quote! {
        #(#consts)*
        /// Every sentence, in the spec's order.
        pub const ALL: &[Sentence] = &[#(#names),*];
    }
}

/// The sentences as JSON, by example name, for the local service.
pub fn json(sentences: &[Sentence]) -> String {
    let map: serde_json::Map<String, Value> = sentences
        .iter()
        .map(|s| {
            let entry = serde_json::json!({"status": s.status, "template": s.template});
            (s.name.clone(), entry)
        })
        .collect();
    serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default() + "\n"
}
