//! OpenAPI 3.0 schemas as JSON Schema, so that a maintained validator
//! (the `jsonschema` crate) checks recorded bodies: `nullable` becomes a
//! `null` alternative, OpenAPI's own keywords and extensions are dropped,
//! and references keep pointing into the spec's components.

use serde_json::{Map, Value, json};

/// Schema keywords of OpenAPI 3.0 that JSON Schema does not have.
const OPENAPI_ONLY: &[&str] = &[
    "nullable",
    "example",
    "discriminator",
    "xml",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// One schema converted; `properties` and the other nested schemas are
/// converted as schemas, everything else is kept as it is.
pub fn convert(node: &Value) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        if key.starts_with("x-") || OPENAPI_ONLY.contains(&key.as_str()) {
            continue;
        }
        let converted = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, schema)| (name.clone(), convert(schema)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => convert(value),
            "oneOf" | "anyOf" | "allOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(convert)
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.get("nullable").and_then(Value::as_bool) == Some(true) {
        if let Some(list) = out.get_mut("enum").and_then(Value::as_array_mut) {
            list.push(Value::Null);
        }
        match out.get("type").and_then(Value::as_str).map(str::to_owned) {
            Some(t) => {
                out.insert("type".to_owned(), json!([t, "null"]));
            }
            None => return json!({"anyOf": [Value::Object(out), {"type": "null"}]}),
        }
    }
    Value::Object(out)
}

/// A validator for `schema` (a node of the spec), with the spec's
/// component schemas beside it for references.
pub struct Checker {
    validator: jsonschema::Validator,
}

impl Checker {
    pub fn new(doc: &Value, schema: &Value) -> Result<Self, String> {
        let components: Map<String, Value> = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, s)| (name.clone(), convert(s)))
            .collect();
        // The components sit under the same pointer as in the spec, so
        // `#/components/schemas/...` resolves unchanged.
        let root = json!({
            "allOf": [convert(schema)],
            "components": {"schemas": components},
        });
        let validator = jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("the spec's schema cannot be used: {e}"))?;
        Ok(Self { validator })
    }

    /// Every way `instance` breaks the schema: `(JSON pointer, message)`.
    pub fn errors(&self, instance: &Value) -> Vec<(String, String)> {
        self.validator
            .iter_errors(instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                (
                    if at.is_empty() { "/".to_owned() } else { at },
                    e.to_string(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_null_alternative_and_openapi_keywords_go() {
        let s = json!({"type": "string", "nullable": true, "example": "x", "x-note": 1,
            "properties": {"example": {"type": "integer"}}});
        let c = convert(&s);
        assert_eq!(c["type"], json!(["string", "null"]));
        assert!(c.get("example").is_none() && c.get("x-note").is_none());
        // A property named like a keyword is a property, kept.
        assert_eq!(c["properties"]["example"], json!({"type": "integer"}));
        let union = convert(&json!({"oneOf": [{"type": "string"}], "nullable": true}));
        assert_eq!(union["anyOf"][1], json!({"type": "null"}));
    }

    #[test]
    fn references_resolve_and_errors_carry_pointers() {
        let doc = json!({"components": {"schemas": {
            "Item": {"type": "object", "required": ["id"],
                     "properties": {"id": {"type": "integer", "minimum": 1},
                                    "at": {"type": "string", "format": "date-time"}}}}}});
        let list = json!({"type": "array", "items": {"$ref": "#/components/schemas/Item"}});
        let checker = Checker::new(&doc, &list).expect("valid schema");
        assert!(
            checker
                .errors(&json!([{"id": 1, "at": "2024-03-17T10:55:38+00:00"}]))
                .is_empty()
        );
        let errors = checker.errors(&json!([{"id": 1}, {"id": 0, "at": "yesterday"}]));
        let pointers: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
        assert!(pointers.contains(&"/1/id"), "{errors:?}");
        assert!(pointers.contains(&"/1/at"), "{errors:?}");
    }
}
