//! The workspace's shape: no import cycle between the top-level modules of
//! any crate (a module that uses `crate::b` while `b` uses it back, directly
//! or around a loop; names the crate root re-exports count as their
//! modules, and the generated client as the module that includes it), so
//! every concern keeps one home; Toggl's sentences read in one place; and
//! the hand-written layer in functions a reader takes in at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::commands::root;

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("listable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The names after `crate::` in `text` (comments aside), including those
/// of `crate::{a, b::c}` groups.
fn mentions(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let group = rest.strip_prefix('{');
            let names: Vec<&str> = match group {
                Some(g) => g.split('}').next().unwrap_or_default().split(',').collect(),
                None => vec![rest],
            };
            for name in names {
                let name: String = name
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// The names the crate root re-exports (`pub use a::{B, C as D};`), each
/// with the module it comes from.
fn reexports(src: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for root in ["lib.rs", "main.rs"] {
        let Ok(text) = std::fs::read_to_string(src.join(root)) else {
            continue;
        };
        for line in text.lines() {
            let Some(rest) = line.trim().strip_prefix("pub use ") else {
                continue;
            };
            let rest = rest.trim_end_matches(';');
            let Some((module, names)) = rest.split_once("::") else {
                continue;
            };
            let names = names.trim_start_matches('{').trim_end_matches('}');
            for name in names.split(',') {
                let exported = name.split(" as ").last().unwrap_or_default().trim();
                let exported = exported.rsplit("::").next().unwrap_or_default();
                if !exported.is_empty() {
                    found.insert(exported.to_owned(), module.trim().to_owned());
                }
            }
        }
    }
    found
}

/// The crate's top-level modules and which others each uses. The generated
/// client, which `src/generated.rs` includes from the build, is read from
/// its committed copy (`cargo xtask check` keeps the two equal).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut texts: Vec<(String, String)> = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let first = relative
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        if first == "bin" {
            continue;
        }
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        if text.contains("include!(concat!(env!(\"OUT_DIR\")") {
            let committed = src.join("..").join("openapi/generated/toggl_track_v9.rs");
            let generated = std::fs::read_to_string(&committed).expect("the committed client");
            texts.push((module.clone(), generated));
        }
        texts.push((module, text));
    }
    let aliases = reexports(src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in texts {
        let uses = mentions(&text)
            .into_iter()
            .map(|name| aliases.get(&name).cloned().unwrap_or(name));
        graph.entry(module).or_default().extend(uses);
    }
    let names: BTreeSet<String> = graph.keys().cloned().collect();
    for (module, uses) in &mut graph {
        uses.retain(|u| names.contains(u) && u != module);
    }
    graph
}

/// A loop of modules, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == at) {
            let mut loop_ = path[start..].to_vec();
            loop_.push(at.to_owned());
            return Some(loop_);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_owned());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(at.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_cycle() {
    let mut crates = vec![root().join("src"), root().join("xtask/src")];
    for entry in std::fs::read_dir(root().join("crates"))
        .expect("crates")
        .flatten()
    {
        crates.push(entry.path().join("src"));
    }
    for src in crates {
        let graph = graph(&src);
        assert!(graph.len() > 1, "{}: modules found", src.display());
        if let Some(found) = cycle(&graph) {
            panic!("{}: import cycle {}", src.display(), found.join(" -> "));
        }
    }
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("limits", vec!["refusal"]),
        ("refusal", vec!["limits"]),
        ("service", vec!["limits"]),
    ]
    .into_iter()
    .map(|(m, uses)| (m.to_owned(), uses.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        cycle(&graph),
        Some(vec!["limits".into(), "refusal".into(), "limits".into()])
    );
    assert_eq!(
        mentions("use crate::{a, b::c};\nlet x = crate::d::e(); // crate::f"),
        ["a", "b", "d"].into_iter().map(str::to_owned).collect()
    );
}

#[test]
fn re_exports_and_the_generated_client_are_seen() {
    let graph = graph(&root().join("src"));
    // `use crate::{Client, Error}` is a use of the modules behind the names.
    assert!(graph["extras"].contains("generated"), "{graph:?}");
    assert!(graph["extras"].contains("error"), "{graph:?}");
    // The generated client calls the pipeline, and the pipeline does not
    // call it back.
    assert!(graph["generated"].contains("pipeline"), "{graph:?}");
    assert!(!graph["pipeline"].contains("generated"), "{graph:?}");
}

/// Fragments of the sentences Toggl's service answers with: read by the
/// library's classifier only.
const TOGGL_SENTENCES: &[&str] = &[
    "already been taken",
    "already exists",
    "hourly limit",
    "quota will reset",
    "incorrect username",
    "does not have access",
    "cannot add or edit",
    "name cannot be empty",
    "maximum length is",
    "json is not valid",
    "expecting an integer",
    "missing or invalid",
    "premium workspaces",
];

/// The one file that reads them.
const CLASSIFIER: &str = "src/pipeline/answer.rs";

#[test]
fn only_the_classifier_reads_the_services_sentences() {
    let mut files = Vec::new();
    for dir in ["src", "crates/cli/src"] {
        sources(&root().join(dir), &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        if shown.ends_with(CLASSIFIER) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        // Up to the unit tests, which may quote the service.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default().to_lowercase();
            let matched = TOGGL_SENTENCES.iter().find(|s| code.contains(*s));
            // Reading an error's text is reading the service's words.
            let reads_text =
                code.contains("to_string().contains(") || code.contains("message.contains(");
            if let Some(sentence) = matched {
                found.push(format!("{shown}:{}: {sentence:?}", n + 1));
            } else if reads_text {
                found.push(format!("{shown}:{}: reads an error's text", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Toggl's sentences read outside {CLASSIFIER}; branch on the typed reasons instead:\n{}",
        found.join("\n")
    );
    // The check sees what it looks for.
    let classifier = std::fs::read_to_string(root().join(CLASSIFIER))
        .expect("readable")
        .to_lowercase();
    assert!(
        TOGGL_SENTENCES
            .iter()
            .filter(|s| classifier.contains(*s))
            .count()
            >= 8
    );
}

/// The longest a function of the hand-written layer (`src/`) may be.
const LONGEST_FUNCTION: usize = 80;

/// The functions in rustfmt-formatted `text` longer than `limit` lines, as
/// `(name, first line, lines)`: each runs from its `fn` line to the `}`
/// at the same indentation.
fn long_functions(text: &str, limit: usize) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        let indent = &line[..line.len() - code.len()];
        let Some(at) = code.find("fn ") else { continue };
        let head = &code[..at];
        let is_fn = head
            .split_whitespace()
            .all(|w| ["pub", "async", "const", "unsafe"].contains(&w) || w.starts_with("pub("));
        if !is_fn || code.starts_with("//") {
            continue;
        }
        let end = format!("{indent}}}");
        if let Some(len) = lines[i + 1..].iter().position(|l| *l == end) {
            let name: String = code[at + 3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if len + 2 > limit {
                found.push((name, i + 1, len + 2));
            }
        }
    }
    found
}

#[test]
fn no_hand_written_function_is_longer_than_a_screen() {
    let mut files = Vec::new();
    sources(&root().join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (name, line, len) in long_functions(&text, LONGEST_FUNCTION) {
            found.push(format!("{}:{line}: {name}, {len} lines", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "functions longer than {LONGEST_FUNCTION} lines; split them:\n{}",
        found.join("\n")
    );
    // The check sees what it looks for.
    let long = format!("pub(crate) fn f() {{\n{}}}\n", "    x();\n".repeat(80));
    assert_eq!(
        long_functions(&long, LONGEST_FUNCTION),
        vec![("f".to_owned(), 1, 82)]
    );
    assert!(long_functions(&long, 82).is_empty());
}
