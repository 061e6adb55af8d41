//! Compares a source's contract with the spec's and classifies each
//! difference as accepted (with the spec's reason) or not.

use serde::Serialize;

use super::contract::{Contract, messages_match};
use super::spec_side::Acceptances;

/// One way in which the spec and a source differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// `docs` or `swagger`.
    pub source: String,
    /// `METHOD /path`.
    pub operation: String,
    /// What kind of difference (see [`Kind`]).
    pub kind: Kind,
    /// The element concerned, e.g. `response field permissions`.
    pub subject: String,
    /// What the spec says, where it says anything.
    pub spec: Option<String>,
    /// What the source says, where it says anything.
    pub documented: Option<String>,
    /// The spec's reason, when the difference is deliberate.
    pub accepted: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OperationMissingInSpec,
    OperationMissingInSource,
    ParameterMissingInSpec,
    ParameterMissingInSource,
    ParameterType,
    ParameterRequired,
    BodyFieldMissingInSpec,
    BodyFieldMissingInSource,
    BodyFieldType,
    ResponseShape,
    ResponseFieldMissingInSpec,
    ResponseFieldMissingInSource,
    ResponseFieldType,
    StatusMissingInSpec,
    StatusMissingInSource,
    MessageMissingInSpec,
    MessageMissingInSource,
}

/// Every difference between `source` (named `name`) and the spec.
pub fn compare(
    name: &str,
    source: &Contract,
    spec: &Contract,
    accepted: &Acceptances,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |operation: &str,
                    kind,
                    subject: String,
                    spec: Option<String>,
                    documented: Option<String>| {
        let reason = acceptance(accepted, operation, &subject);
        out.push(Difference {
            source: name.to_owned(),
            operation: operation.to_owned(),
            kind,
            subject,
            spec,
            documented,
            accepted: reason,
        });
    };
    for key in source
        .operations
        .keys()
        .filter(|k| !spec.operations.contains_key(*k))
    {
        push(
            key,
            Kind::OperationMissingInSpec,
            "operation".into(),
            None,
            Some(key.clone()),
        );
    }
    for key in spec
        .operations
        .keys()
        .filter(|k| !source.operations.contains_key(*k))
    {
        push(
            key,
            Kind::OperationMissingInSource,
            "operation".into(),
            Some(key.clone()),
            None,
        );
    }
    for (key, theirs) in &source.operations {
        let Some(ours) = spec.operations.get(key) else {
            continue;
        };
        pairs(&ours.parameters, &theirs.parameters, |name, a, b| {
            match (a, b) {
                (None, Some(b)) => push(
                    key,
                    Kind::ParameterMissingInSpec,
                    format!("parameter {name}"),
                    None,
                    Some(b.ty.clone()),
                ),
                (Some(a), None) => push(
                    key,
                    Kind::ParameterMissingInSource,
                    format!("parameter {name}"),
                    Some(a.ty.clone()),
                    None,
                ),
                (Some(a), Some(b)) => {
                    if a.ty != b.ty {
                        push(
                            key,
                            Kind::ParameterType,
                            format!("parameter {name}"),
                            Some(a.ty.clone()),
                            Some(b.ty.clone()),
                        );
                    }
                    if a.required != b.required {
                        push(
                            key,
                            Kind::ParameterRequired,
                            format!("parameter {name}"),
                            Some(required(a.required)),
                            Some(required(b.required)),
                        );
                    }
                }
                (None, None) => {}
            }
        });
        let body = [
            Kind::BodyFieldMissingInSpec,
            Kind::BodyFieldMissingInSource,
            Kind::BodyFieldType,
        ];
        fields(
            &ours.body,
            &theirs.body,
            "body field",
            body,
            |kind, subject, a, b| push(key, kind, subject, a, b),
        );
        if ours.response.shape != theirs.response.shape {
            push(
                key,
                Kind::ResponseShape,
                "response shape".into(),
                Some(ours.response.shape.clone()),
                Some(theirs.response.shape.clone()),
            );
        }
        let response = [
            Kind::ResponseFieldMissingInSpec,
            Kind::ResponseFieldMissingInSource,
            Kind::ResponseFieldType,
        ];
        fields(
            &ours.response.fields,
            &theirs.response.fields,
            "response field",
            response,
            |kind, subject, a, b| push(key, kind, subject, a, b),
        );
        pairs(&ours.statuses, &theirs.statuses, |code, a, b| {
            match (a, b) {
                (None, Some(_)) => push(
                    key,
                    Kind::StatusMissingInSpec,
                    format!("status {code}"),
                    None,
                    Some(code.to_owned()),
                ),
                (Some(_), None) => push(
                    key,
                    Kind::StatusMissingInSource,
                    format!("status {code}"),
                    Some(code.to_owned()),
                    None,
                ),
                (Some(a), Some(b)) => {
                    for m in b.iter().filter(|m| !a.iter().any(|x| messages_match(x, m))) {
                        push(
                            key,
                            Kind::MessageMissingInSpec,
                            format!("status {code} message {m}"),
                            None,
                            Some(m.clone()),
                        );
                    }
                    // A source that lists no message for a status says nothing
                    // to compare the spec's examples with.
                    if !b.is_empty() {
                        for m in a.iter().filter(|m| !b.iter().any(|x| messages_match(x, m))) {
                            push(
                                key,
                                Kind::MessageMissingInSource,
                                format!("status {code} message {m}"),
                                Some(m.clone()),
                                None,
                            );
                        }
                    }
                }
                (None, None) => {}
            }
        });
    }
    out
}

/// The differences between two sets of fields and their types: `kinds`
/// are the kinds for a field missing in the spec, missing in the source,
/// and typed differently.
fn fields(
    ours: &std::collections::BTreeMap<String, String>,
    theirs: &std::collections::BTreeMap<String, String>,
    what: &str,
    [missing_in_spec, missing_in_source, retyped]: [Kind; 3],
    mut push: impl FnMut(Kind, String, Option<String>, Option<String>),
) {
    pairs(ours, theirs, |name, a, b| {
        let subject = format!("{what} {name}");
        match (a, b) {
            (None, Some(b)) => push(missing_in_spec, subject, None, Some(b.clone())),
            (Some(a), None) => push(missing_in_source, subject, Some(a.clone()), None),
            (Some(a), Some(b)) if a != b => {
                push(retyped, subject, Some(a.clone()), Some(b.clone()))
            }
            _ => {}
        }
    });
}

fn required(r: bool) -> String {
    if r { "required" } else { "optional" }.to_owned()
}

/// Calls `f` for every key of either map, with both values.
fn pairs<V>(
    ours: &std::collections::BTreeMap<String, V>,
    theirs: &std::collections::BTreeMap<String, V>,
    mut f: impl FnMut(&str, Option<&V>, Option<&V>),
) {
    let keys: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    for k in keys {
        f(k, ours.get(k), theirs.get(k));
    }
}

/// The reason the spec gives for `subject` of `operation`: recorded on the
/// element itself, or listed on the operation or the document. A reason for
/// `status 402` also covers that status's messages.
fn acceptance(accepted: &Acceptances, operation: &str, subject: &str) -> Option<String> {
    let covers = |about: &str| subject == about || subject.starts_with(&format!("{about} "));
    let lookup = |scope: &str, about_operation: bool| {
        accepted.get(scope).and_then(|m| {
            m.iter().find_map(|(about, why)| {
                let hit = if about_operation {
                    about == &format!("operation {operation}")
                } else {
                    covers(about)
                };
                hit.then(|| why.clone())
            })
        })
    };
    lookup(operation, false).or_else(|| {
        (subject == "operation")
            .then(|| lookup("*", true))
            .flatten()
    })
}
