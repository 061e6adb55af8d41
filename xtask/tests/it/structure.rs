//! The workspace's shape: no import cycle between the top-level modules of
//! any crate (a module that uses `crate::b` while `b` uses it back, directly
//! or around a loop; names the crate root re-exports count as their
//! modules, and the generated client as the module that includes it), so
//! every concern keeps one home; Toggl's sentences read in one place; and
//! every hand-written crate in functions a reader takes in at once.

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

/// `text` without its line comments, lines kept.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The items of a use group's inside (`a, b::{c, d}, e as f`), split at its
/// own commas only.
fn group_items(inside: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inside.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(&inside[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inside[start..]);
    items.into_iter().filter(|i| !i.trim().is_empty()).collect()
}

/// The inside of the group that `text` opens with `{`, up to its matching
/// `}` (or the end).
fn group(text: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => return &text[1..i],
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    text.get(1..).unwrap_or_default()
}

/// The identifier `text` starts with, after any spaces.
fn identifier(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The names after `crate::` in `text` (comments aside), including those
/// of `crate::{a, b::c}` groups over any number of lines; another crate's
/// `other_crate::` is not this crate.
fn mentions(text: &str) -> BTreeSet<String> {
    let code = code_of(text);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        let names = if rest.starts_with('{') {
            group_items(group(rest))
                .into_iter()
                .map(identifier)
                .collect()
        } else {
            vec![identifier(rest)]
        };
        found.extend(names.into_iter().filter(|n| !n.is_empty()));
    }
    found
}

/// The names a use tree (`a::{B, c::D as E, self}`) brings in: each
/// path's last segment or its alias; `self` and globs aside.
fn leaves(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        return group_items(group(&tree[open..]))
            .into_iter()
            .flat_map(leaves)
            .collect();
    }
    let named = tree.rsplit(" as ").next().unwrap_or_default();
    let last = named.rsplit("::").next().unwrap_or_default().trim();
    if last.is_empty() || last == "self" || last == "*" {
        Vec::new()
    } else {
        vec![last.to_owned()]
    }
}

/// The names a crate root's `text` brings in with its own `use` items
/// (`pub use a::{B, C as D};`, over any number of lines), which the
/// crate's modules reach as `crate::B`: each with the module it comes from.
fn root_imports(text: &str) -> BTreeMap<String, String> {
    let code = code_of(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut found = BTreeMap::new();
    // Items of the root start their line; a `use` indented inside a
    // function or a module brings nothing into the root.
    for (i, line) in lines.iter().enumerate() {
        let Some(tree) = ["pub use ", "pub(crate) use ", "use "]
            .iter()
            .find_map(|head| line.strip_prefix(head))
        else {
            continue;
        };
        let mut item = tree.to_owned();
        for more in &lines[i + 1..] {
            if item.contains(';') {
                break;
            }
            item.push_str(more);
        }
        let tree = item.split(';').next().unwrap_or_default().trim();
        let tree = tree.strip_prefix("self::").unwrap_or(tree);
        let module = identifier(tree);
        for name in leaves(tree) {
            found.insert(name, module.clone());
        }
    }
    found
}

/// The names the crate root under `src` brings in, with their modules.
fn reexports(src: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for root in ["lib.rs", "main.rs"] {
        if let Ok(text) = std::fs::read_to_string(src.join(root)) {
            found.extend(root_imports(&text));
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
        if text.contains("include!(concat!(env!(\"OUT_DIR\"), \"/toggl_track_v9.rs\"))") {
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

/// The `src/` folder of every hand-written crate: the client, xtask and
/// every crate under `crates/`. (The generated client is not among them:
/// the build writes it, and its reviewable copy lives in `openapi/`.)
fn hand_written_crates() -> Vec<PathBuf> {
    let mut members: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates")
        .flatten()
        .map(|entry| entry.path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    members.sort();
    let mut crates = vec![root().join("src"), root().join("xtask/src")];
    crates.extend(members);
    crates
}

#[test]
fn no_crate_has_an_import_cycle() {
    let mut found = Vec::new();
    for src in hand_written_crates() {
        let graph = graph(&src);
        assert!(graph.len() > 1, "{}: modules found", src.display());
        if let Some(cycle) = cycle(&graph) {
            let shown = src.strip_prefix(root()).unwrap_or(&src).display();
            found.push(format!("{shown}: {}", cycle.join(" -> ")));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
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
    // Groups over lines and inside groups, as rustfmt writes long ones;
    // another crate's path is not this crate's.
    assert_eq!(
        mentions("use crate::{\n    a::{b, c},\n    d,\n};\nuse other_crate::e;"),
        ["a", "d"].into_iter().map(str::to_owned).collect()
    );
}

#[test]
fn re_exports_over_lines_are_seen() {
    let lib = "pub use model::{\n    A, B as C,\n    d::{E, self},\n};\nuse other::F;\nmod model;\nfn f() {\n    use inner::G;\n}\n";
    let found: Vec<(String, String)> = root_imports(lib).into_iter().collect();
    let expected = [
        ("A", "model"),
        ("C", "model"),
        ("E", "model"),
        ("F", "other"),
    ];
    assert_eq!(
        found,
        expected.map(|(n, m)| (n.to_owned(), m.to_owned())).to_vec()
    );
    // A crate whose root re-exports over several lines.
    let har = reexports(&root().join("crates/har/src"));
    assert_eq!(har.get("Har").map(String::as_str), Some("model"), "{har:?}");
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

/// The words of each of Toggl's sentences, from the spec (its longest
/// fixed part, in lower case): what no hand-written Rust file may hold.
fn toggl_sentences() -> Vec<(String, String)> {
    let spec = toggl_track_codegen::load(&root().join(toggl_track_codegen::SPEC_PATH))
        .expect("the project's spec loads");
    let said = toggl_track_codegen::sentences::sentences(&spec).expect("its sentences read");
    said.into_iter()
        .map(|s| {
            let words = s
                .template
                .split(['{', '}'])
                .step_by(2)
                .map(|part| part.trim().trim_end_matches('.').to_lowercase())
                .max_by_key(String::len)
                .unwrap_or_default();
            (s.name, words)
        })
        .collect()
}

/// Every `.rs` file of the repository that people write: sources, tests,
/// benches and examples (the build's output and generated files aside).
fn every_hand_written_rust_file() -> Vec<PathBuf> {
    fn walk(dir: &Path, into: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("listable").flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && !["target", ".git", "generated"].contains(&&*name.to_string_lossy())
            {
                walk(&path, into);
            } else if path.extension().is_some_and(|e| e == "rs") {
                into.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root(), &mut files);
    files.retain(|file| {
        let text = std::fs::read_to_string(file).expect("readable");
        !text.starts_with("// @generated")
    });
    files
}

/// Whether a line of code reads the text of an error or a message: what
/// branching on the service's words looks like.
fn reads_text(code: &str) -> bool {
    let readers = [
        "contains(",
        "starts_with(",
        "ends_with(",
        "strip_prefix(",
        "find(",
    ];
    let subjects = [
        "message.",
        "e.to_string().",
        "err.to_string().",
        "error.to_string().",
    ];
    subjects.iter().any(|subject| {
        code.match_indices(subject).any(|(at, _)| {
            // A whole name: `code.to_string()` is not `e.to_string()`.
            let whole = !code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            let rest = &code[at + subject.len()..];
            whole && readers.iter().any(|reader| rest.starts_with(reader))
        })
    })
}

#[test]
fn no_hand_written_file_holds_toggls_sentences() {
    let sentences = toggl_sentences();
    assert!(
        sentences.len() >= 10,
        "the spec's sentences are read: {sentences:?}"
    );
    let mut found = Vec::new();
    for file in every_hand_written_rust_file() {
        let shown = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file)
            .expect("readable")
            .to_lowercase();
        for (n, line) in text.lines().enumerate() {
            if let Some((name, _)) = sentences.iter().find(|(_, words)| line.contains(words)) {
                found.push(format!("{shown}:{}: {name}", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Toggl's sentences belong in the spec only; take them from \
         `toggl_track_api::error::sentences` (or the local service's `sentences`):\n{}",
        found.join("\n")
    );
}

/// The one file that tells refusals apart by their words.
const CLASSIFIER: &str = "src/pipeline/answer.rs";

#[test]
fn only_the_classifier_reads_the_services_sentences() {
    let mut found = Vec::new();
    for file in hand_written_sources() {
        let shown = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        if shown.ends_with(CLASSIFIER) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        // Up to the unit tests, which may read their own errors.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if reads_text(code) {
                found.push(format!("{shown}:{}: reads an error's text", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "an error's text read outside {CLASSIFIER}; branch on the typed reasons instead:\n{}",
        found.join("\n")
    );
    // The checks see what they look for.
    assert!(reads_text("if e.message.strip_prefix(\"x\")"));
    assert!(reads_text("err.to_string().contains(\"x\")"));
    assert!(!reads_text("path.strip_prefix(root())"));
    assert!(!reads_text("code.to_string().starts_with('2')"));
}

/// The longest a hand-written function may be.
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

/// Every hand-written source file of every crate (unit tests included,
/// `tests/` folders and generated files aside).
fn hand_written_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for src in hand_written_crates() {
        let before = files.len();
        sources(&src, &mut files);
        assert!(files.len() > before, "{}: sources found", src.display());
    }
    files.retain(|file| {
        let text = std::fs::read_to_string(file).expect("readable");
        !text.starts_with("// @generated")
    });
    files
}

#[test]
fn no_hand_written_function_is_longer_than_a_screen() {
    let files = hand_written_sources();
    // Every crate is read, xtask and the crates under `crates/` included.
    for crate_src in ["src/lib.rs", "xtask/src/main.rs", "crates/cli/src/main.rs"] {
        assert!(files.contains(&root().join(crate_src)), "{crate_src}");
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (name, line, len) in long_functions(&text, LONGEST_FUNCTION) {
            let shown = file.strip_prefix(root()).unwrap_or(&file).display();
            found.push(format!("{shown}:{line}: {name}, {len} lines"));
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

/// The front door stays a front door, and every crate that is published
/// has a crates.io page: a manifest that names a README that exists.
#[test]
fn the_readme_is_short_and_every_packaged_crate_has_one() {
    let lines = std::fs::read_to_string(root().join("README.md"))
        .expect("README.md")
        .lines()
        .count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines; the guides hold the rest"
    );
    let mut manifests = vec![root().join("Cargo.toml")];
    for entry in std::fs::read_dir(root().join("crates")).expect("crates/") {
        manifests.push(entry.expect("entry").path().join("Cargo.toml"));
    }
    let mut checked = 0;
    for manifest in manifests {
        let text = std::fs::read_to_string(&manifest).expect("a manifest");
        // The `[package]` table's own lines (before the next table).
        let package: Vec<&str> = text
            .lines()
            .skip_while(|l| l.trim() != "[package]")
            .skip(1)
            .take_while(|l| !l.starts_with('['))
            .collect();
        let value = |key: &str| {
            package.iter().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        if value("publish").as_deref() == Some("false") {
            continue;
        }
        let readme = value("readme").unwrap_or_else(|| panic!("{}: no readme", manifest.display()));
        let dir = manifest.parent().expect("its folder");
        assert!(
            dir.join(&readme).is_file(),
            "{}: {readme} is missing",
            manifest.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 6, "the root crate and five under crates/");
}
