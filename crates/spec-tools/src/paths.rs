//! The one path-template parser: `/workspaces/{workspace_id}/clients` into
//! literal and parameter segments, for validation, for the facts the hooks
//! need, and for matching recorded URLs to operations.

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text that must appear as it is.
    Literal(String),
    /// `{name}`: any non-empty segment.
    Parameter(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    segments: Vec<Segment>,
}

impl Template {
    /// Parses a template such as `/workspaces/{workspace_id}/clients`.
    pub fn parse(text: &str) -> Self {
        let segments = text
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                    Some(name) if !name.contains(['{', '}']) => Segment::Parameter(name.to_owned()),
                    _ => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        Self {
            text: text.to_owned(),
            segments,
        }
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The segments, first first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The names of every `{name}` in the template, including any written
    /// inside a longer segment (which [`Template::matches`] does not match).
    pub fn parameters(&self) -> Vec<String> {
        self.text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    /// The position of `{name}` counted from the end (0 for the last
    /// segment): where to find it in a URL whose base path is unknown.
    pub fn position_from_end(&self, name: &str) -> Option<usize> {
        let at = self
            .segments
            .iter()
            .position(|s| matches!(s, Segment::Parameter(n) if n == name))?;
        Some(self.segments.len() - 1 - at)
    }

    /// The parameter values if `path` (without the base path) fits.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut values = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(text) if text == part => {}
                Segment::Parameter(name) if !part.is_empty() => {
                    values.push((name.clone(), part.to_owned()));
                }
                _ => return None,
            }
        }
        Some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_positions() {
        let t = Template::parse("/workspaces/{workspace_id}/clients/{client_id}/archive");
        assert_eq!(t.parameters(), ["workspace_id", "client_id"]);
        assert_eq!(t.position_from_end("client_id"), Some(1));
        assert_eq!(t.position_from_end("workspace_id"), Some(3));
        assert_eq!(t.position_from_end("nope"), None);
    }

    #[test]
    fn matching_takes_values_and_refuses_other_shapes() {
        let t = Template::parse("/workspaces/{workspace_id}/clients/{client_id}");
        assert_eq!(
            t.matches("/workspaces/7/clients/9"),
            Some(vec![
                ("workspace_id".into(), "7".into()),
                ("client_id".into(), "9".into())
            ])
        );
        assert_eq!(t.matches("/workspaces/7/clients/archive/x"), None);
        assert_eq!(t.matches("/workspaces/7/projects/9"), None);
        // A literal beats nothing: `/clients/archive` fits the template
        // with `{client_id}` = "archive"; callers try literal paths first.
        assert!(t.matches("/workspaces/7/clients/archive").is_some());
    }

    #[test]
    fn a_parameter_inside_a_segment_is_named_but_not_matched() {
        let t = Template::parse("/files/{name}.json");
        assert_eq!(t.parameters(), ["name"]);
        assert_eq!(t.matches("/files/a.json"), None);
    }
}
