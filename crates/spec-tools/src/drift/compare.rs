//! Compares a source's contract with the spec's and classifies each
//! difference as accepted (with the spec's reason) or not.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::contract::{Contract, Parameter, Response, messages_match};
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
    let mut found = Found {
        source: name,
        accepted,
        differences: Vec::new(),
    };
    found.operations(source, spec);
    for (key, theirs) in &source.operations {
        let Some(ours) = spec.operations.get(key) else {
            continue;
        };
        found.parameters(key, &ours.parameters, &theirs.parameters);
        let body = [
            Kind::BodyFieldMissingInSpec,
            Kind::BodyFieldMissingInSource,
            Kind::BodyFieldType,
        ];
        found.fields(key, &ours.body, &theirs.body, "body field", body);
        found.response(key, &ours.response, &theirs.response);
        found.statuses(key, &ours.statuses, &theirs.statuses);
    }
    found.differences
}

/// The differences found so far between one source and the spec, each with
/// the spec's reason where it accepts it.
struct Found<'a> {
    source: &'a str,
    accepted: &'a Acceptances,
    differences: Vec<Difference>,
}

impl Found<'_> {
    /// Records a difference of `operation` about `subject`.
    fn push(
        &mut self,
        operation: &str,
        kind: Kind,
        subject: String,
        spec: Option<String>,
        documented: Option<String>,
    ) {
        let accepted = acceptance(self.accepted, operation, &subject);
        self.differences.push(Difference {
            source: self.source.to_owned(),
            operation: operation.to_owned(),
            kind,
            subject,
            spec,
            documented,
            accepted,
        });
    }

    /// Operations only one side has: those of the source first.
    fn operations(&mut self, source: &Contract, spec: &Contract) {
        for key in source
            .operations
            .keys()
            .filter(|k| !spec.operations.contains_key(*k))
        {
            self.push(
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
            self.push(
                key,
                Kind::OperationMissingInSource,
                "operation".into(),
                Some(key.clone()),
                None,
            );
        }
    }

    /// Parameters one side lacks, or that the two type or require
    /// differently.
    fn parameters(
        &mut self,
        key: &str,
        ours: &BTreeMap<String, Parameter>,
        theirs: &BTreeMap<String, Parameter>,
    ) {
        pairs(ours, theirs, |name, a, b| {
            let subject = format!("parameter {name}");
            match (a, b) {
                (None, Some(b)) => self.push(
                    key,
                    Kind::ParameterMissingInSpec,
                    subject,
                    None,
                    Some(b.ty.clone()),
                ),
                (Some(a), None) => self.push(
                    key,
                    Kind::ParameterMissingInSource,
                    subject,
                    Some(a.ty.clone()),
                    None,
                ),
                (Some(a), Some(b)) => {
                    if a.ty != b.ty {
                        self.push(
                            key,
                            Kind::ParameterType,
                            subject.clone(),
                            Some(a.ty.clone()),
                            Some(b.ty.clone()),
                        );
                    }
                    if a.required != b.required {
                        self.push(
                            key,
                            Kind::ParameterRequired,
                            subject,
                            Some(required(a.required)),
                            Some(required(b.required)),
                        );
                    }
                }
                (None, None) => {}
            }
        });
    }

    /// The differences between two sets of fields and their types: `kinds`
    /// are the kinds for a field missing in the spec, missing in the source,
    /// and typed differently.
    fn fields(
        &mut self,
        key: &str,
        ours: &BTreeMap<String, String>,
        theirs: &BTreeMap<String, String>,
        what: &str,
        [missing_in_spec, missing_in_source, retyped]: [Kind; 3],
    ) {
        pairs(ours, theirs, |name, a, b| {
            let subject = format!("{what} {name}");
            match (a, b) {
                (None, Some(b)) => self.push(key, missing_in_spec, subject, None, Some(b.clone())),
                (Some(a), None) => {
                    self.push(key, missing_in_source, subject, Some(a.clone()), None)
                }
                (Some(a), Some(b)) if a != b => {
                    self.push(key, retyped, subject, Some(a.clone()), Some(b.clone()))
                }
                _ => {}
            }
        });
    }

    /// The success response: its shape, then its fields.
    fn response(&mut self, key: &str, ours: &Response, theirs: &Response) {
        if ours.shape != theirs.shape {
            self.push(
                key,
                Kind::ResponseShape,
                "response shape".into(),
                Some(ours.shape.clone()),
                Some(theirs.shape.clone()),
            );
        }
        let kinds = [
            Kind::ResponseFieldMissingInSpec,
            Kind::ResponseFieldMissingInSource,
            Kind::ResponseFieldType,
        ];
        self.fields(key, &ours.fields, &theirs.fields, "response field", kinds);
    }

    /// Statuses one side lacks, and the messages of those both list.
    fn statuses(
        &mut self,
        key: &str,
        ours: &BTreeMap<String, Vec<String>>,
        theirs: &BTreeMap<String, Vec<String>>,
    ) {
        pairs(ours, theirs, |code, a, b| match (a, b) {
            (None, Some(_)) => self.push(
                key,
                Kind::StatusMissingInSpec,
                format!("status {code}"),
                None,
                Some(code.to_owned()),
            ),
            (Some(_), None) => self.push(
                key,
                Kind::StatusMissingInSource,
                format!("status {code}"),
                Some(code.to_owned()),
                None,
            ),
            (Some(a), Some(b)) => self.messages(key, code, a, b),
            (None, None) => {}
        });
    }

    /// The messages of status `code` that only one side gives.
    fn messages(&mut self, key: &str, code: &str, ours: &[String], theirs: &[String]) {
        for m in theirs
            .iter()
            .filter(|m| !ours.iter().any(|x| messages_match(x, m)))
        {
            self.push(
                key,
                Kind::MessageMissingInSpec,
                format!("status {code} message {m}"),
                None,
                Some(m.clone()),
            );
        }
        // A source that lists no message for a status says nothing to
        // compare the spec's examples with.
        if theirs.is_empty() {
            return;
        }
        for m in ours
            .iter()
            .filter(|m| !theirs.iter().any(|x| messages_match(x, m)))
        {
            self.push(
                key,
                Kind::MessageMissingInSource,
                format!("status {code} message {m}"),
                Some(m.clone()),
                None,
            );
        }
    }
}

fn required(r: bool) -> String {
    if r { "required" } else { "optional" }.to_owned()
}

/// Calls `f` for every key of either map, with both values.
fn pairs<V>(
    ours: &BTreeMap<String, V>,
    theirs: &BTreeMap<String, V>,
    mut f: impl FnMut(&str, Option<&V>, Option<&V>),
) {
    let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
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
