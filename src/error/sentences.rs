//! Toggl's sentences: the words its service refuses requests with, as the
//! spec records them (the examples it marks `x-toggl-sentence`), generated
//! on every build. The client's classifier tells refusals of one status
//! apart by them; tests and stand-ins can write them without copying
//! Toggl's words. Rewording one is an edit of the spec, never of Rust.
//!
//! ```
//! use toggl_track_api::error::sentences::NAME_TAKEN;
//!
//! assert_eq!(NAME_TAKEN.status(), 400);
//! assert!(NAME_TAKEN.is_in(&NAME_TAKEN.example().to_uppercase()));
//! ```

use std::fmt::Display;

use super::{ForbiddenReason, ValidationReason};

/// What the client makes of a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// A `400` for this reason.
    Validation(ValidationReason),
    /// A `403` for this reason.
    Forbidden(ForbiddenReason),
    /// A `402`: the hourly quota is used up.
    QuotaUsedUp,
    /// A `402`: the workspace's plan lacks the feature.
    PaidPlanOnly,
    /// Known words that decide nothing (a `404`'s, for one).
    Unnamed,
}

/// One of Toggl's sentences: fixed words, with `{name}` where a part varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    status: u16,
    meaning: Meaning,
    name: &'static str,
    template: &'static str,
    example: &'static str,
}

impl Sentence {
    /// The status of the answers that carry it.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The example's name in the spec (`NameTaken`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The sentence, with `{name}` in place of each part that varies.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The spec's example of it, word for word.
    pub fn example(&self) -> &'static str {
        self.example
    }

    /// The sentence with `values` in its varying parts, in order (a part
    /// without a value keeps its `{name}`).
    pub fn fill(&self, values: &[&dyn Display]) -> String {
        let mut out = String::with_capacity(self.template.len());
        let mut values = values.iter();
        let mut rest = self.template;
        while let Some((before, hole, after)) = next_hole(rest) {
            out.push_str(before);
            match values.next() {
                Some(v) => out.push_str(&v.to_string()),
                None => out.push_str(hole),
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// Whether `message` says this sentence: its fixed words, in order and
    /// in any case, with anything in between.
    pub fn is_in(&self, message: &str) -> bool {
        self.holes(message).is_some()
    }

    /// The text of the part `{name}` in `message`, when `message` says this
    /// sentence.
    pub fn part<'m>(&self, message: &'m str, name: &str) -> Option<&'m str> {
        let wanted = format!("{{{name}}}");
        let index = holes_of(self.template).position(|h| h == wanted)?;
        let (start, end) = self.holes(message)?.get(index).copied()?;
        Some(message[start..end].trim())
    }

    /// Where each varying part lies in `message`, if it says this sentence.
    fn holes(&self, message: &str) -> Option<Vec<(usize, usize)>> {
        let lower = message.to_ascii_lowercase();
        let mut spans = Vec::new();
        let mut at = 0;
        let mut rest = self.template;
        loop {
            let (fixed, after) = match next_hole(rest) {
                Some((before, _, after)) => (before, Some(after)),
                None => (rest, None),
            };
            // The sentence's own full stop may be missing or doubled.
            let fixed = fixed.trim_end_matches('.').to_ascii_lowercase();
            if fixed.is_empty() && after.is_none() {
                // It ends with a varying part: that part runs to the end.
                return Some(spans);
            }
            let found = at + lower[at..].find(&fixed)?;
            if let Some(open) = spans.last_mut() {
                open.1 = found;
            }
            at = found + fixed.len();
            match after {
                Some(after) => {
                    spans.push((at, lower.len()));
                    rest = after;
                }
                None => return Some(spans),
            }
        }
    }

    pub(crate) fn meaning(&self) -> Meaning {
        self.meaning
    }
}

/// The text before the first `{name}` of `template`, the hole itself, and
/// the text after it.
fn next_hole(template: &str) -> Option<(&str, &str, &str)> {
    let open = template.find('{')?;
    let close = open + template[open..].find('}')?;
    Some((
        &template[..open],
        &template[open..=close],
        &template[close + 1..],
    ))
}

/// Every `{name}` of `template`, in order.
fn holes_of(template: &str) -> impl Iterator<Item = &str> {
    let mut rest = template;
    std::iter::from_fn(move || {
        let (_, hole, after) = next_hole(rest)?;
        rest = after;
        Some(hole)
    })
}

/// The first sentence of `status` that `message` says and that decides
/// something.
pub(crate) fn meaning_of(status: u16, message: &str) -> Option<&'static Sentence> {
    ALL.iter()
        .filter(|s| s.status == status && s.meaning != Meaning::Unnamed)
        .find(|s| s.is_in(message))
}

include!(concat!(env!("OUT_DIR"), "/sentences.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_says_its_own_sentence_and_no_other_of_its_status() {
        for s in ALL {
            assert!(s.is_in(s.example()), "{}", s.name);
            assert_eq!(meaning_of(s.status, s.example).map(|m| m.name), {
                (s.meaning != Meaning::Unnamed).then_some(s.name)
            });
        }
    }

    #[test]
    fn parts_are_read_and_filled() {
        let s = Sentence {
            status: 402,
            meaning: Meaning::QuotaUsedUp,
            name: "T",
            template: "Used {used} of {limit}. Resets in {seconds} seconds.",
            example: "",
        };
        let said = s.fill(&[&3, &30, &1838]);
        assert_eq!(said, "Used 3 of 30. Resets in 1838 seconds.");
        assert_eq!(s.part(&said, "seconds"), Some("1838"));
        assert_eq!(s.part(&said.to_uppercase(), "limit"), Some("30"));
        assert_eq!(
            s.part("used 3 of 30. resets in 9 seconds", "seconds"),
            Some("9")
        );
        assert_eq!(s.part("Resets in 9 seconds.", "seconds"), None);
        assert_eq!(
            s.fill(&[&1]),
            "Used 1 of {limit}. Resets in {seconds} seconds."
        );
    }
}
