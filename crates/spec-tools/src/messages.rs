//! The one reading of a message template: `{name}` stands for a part that
//! varies, at least one character long. Drift compares Toggl's documented
//! messages with the spec's by it, and the generator checks each of the
//! spec's sentences against its template.

/// Whether `text` is `template` with something in each `{name}`: the fixed
/// parts in order, from the start to the end.
pub fn fits(template: &str, text: &str) -> bool {
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
            return !rest.is_empty();
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

#[cfg(test)]
mod tests {
    use super::fits;

    #[test]
    fn a_text_fits_its_template_and_each_hole_holds_something() {
        let t = "Unexpected \"{field}\" type {type}, offset={offset}";
        assert!(fits(
            t,
            "Unexpected \"workspace_id\" type string, offset=88"
        ));
        assert!(!fits(t, "Unexpected \"\" type string, offset=88"));
        assert!(!fits(t, "Unexpected \"a\" type string"));
        assert!(fits("Fixed", "Fixed"));
        assert!(!fits("Fixed", "Fixed."));
        assert!(fits("in {n} seconds.", "in 5 seconds."));
        assert!(fits("{all}", "x"));
        assert!(!fits("{all}", ""));
    }
}
