//! The Rust API gate: cargo-semver-checks (pinned, installed by the xtask)
//! compares the public API of `toggl-track-api` with the last release's,
//! kept as rustdoc JSON in `openapi/baseline/`. The public Rust API is
//! generated from the spec, so a spec edit (a field made optional, a body
//! reshaped, a schema renamed) can break callers' builds; a break passes
//! only when the version says it is breaking.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Failure, Outcome, cargo, root, tools};

/// The last release's public API, as gzip-compressed rustdoc JSON.
pub(crate) const BASELINE: &str = "openapi/baseline/toggl_track_api.rustdoc.json.gz";

/// `cargo xtask semver`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct Semver {
    /// The API to compare with (rustdoc JSON, plain or .gz; default: the
    /// last release's, in openapi/baseline/).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// The API to check (rustdoc JSON, plain or .gz; default: built now).
    #[arg(long, value_name = "FILE")]
    current: Option<PathBuf>,
}

impl Semver {
    pub(crate) fn run(self) -> Outcome {
        check_api(&self)
    }
}

fn check_api(args: &Semver) -> Outcome {
    let tool = tools::semver_checks()?;
    let current = match &args.current {
        Some(path) => unpacked(path, "current")?,
        None => rustdoc_json()?,
    };
    let baseline = unpacked(
        &args
            .baseline
            .clone()
            .unwrap_or_else(|| root().join(BASELINE)),
        "baseline",
    )?;
    eprintln!("==> the public Rust API against the last release's (cargo-semver-checks)");
    let status = Command::new(&tool)
        .args(["semver-checks", "--baseline-rustdoc"])
        .arg(&baseline)
        .arg("--current-rustdoc")
        .arg(&current)
        .status()
        .map_err(crate::io(format!("cannot run {}", tool.display())))?;
    // cargo-semver-checks does not compare the types of fields; the
    // generated types change exactly there when the spec does.
    eprintln!("==> the types of public fields against the last release's");
    let retyped = retyped_fields(&read_json(&baseline)?, &read_json(&current)?);
    let breaking_release = breaking_release(&read_json(&baseline)?, &read_json(&current)?);
    eprintln!("==> room to grow: a small crate root, no exhaustive public type");
    let cramped = shape_problems(&read_json(&current)?);
    for problem in &cramped {
        println!("{problem}");
    }
    if !retyped.is_empty() && !breaking_release {
        for change in &retyped {
            println!("field type changed: {change}");
        }
    }
    if !status.success() || (!retyped.is_empty() && !breaking_release) {
        Err(Failure::Found(
            "the public Rust API changed in a way that breaks callers (the items are listed above): \
             add an entry to CHANGELOG.md saying what callers change, and bump the version in \
             Cargo.toml's [workspace.package] (for 0.x, the minor number); when the release is \
             made, `cargo xtask baseline` moves the baselines"
                .to_owned(),
        ))
    } else if !cramped.is_empty() {
        Err(Failure::Found(format!(
            "{} place(s) where the API cannot grow without a breaking release (listed above): \
             mark public enums, and structs with public fields, `#[non_exhaustive]` (with \
             constructors or builders), and keep the crate root to {ROOT_ITEMS} names",
            cramped.len()
        )))
    } else {
        Ok(())
    }
}

/// The most names the crate root may hold: the core, with everything else
/// in modules by domain.
const ROOT_ITEMS: usize = 15;

/// Where the API cannot grow without breaking callers: a crate root of
/// more than [`ROOT_ITEMS`] names, a public enum, or a struct with public
/// fields, that is not `#[non_exhaustive]` (adding a variant or field to
/// one breaks every match or struct literal). The generated types are
/// held to it too: a field Toggl adds to the spec must be a minor release.
pub(crate) fn shape_problems(doc: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut problems = Vec::new();
    let item = |id: &Value| doc.pointer(&format!("/index/{}", id.as_u64().unwrap_or_default()));
    let root_items = doc
        .get("root")
        .and_then(item)
        .and_then(|root| root.pointer("/inner/module/items"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if root_items > ROOT_ITEMS {
        problems.push(format!(
            "the crate root names {root_items} items, more than {ROOT_ITEMS}"
        ));
    }
    let paths = doc.get("paths").and_then(Value::as_object);
    for (id, summary) in paths.into_iter().flatten() {
        if summary.get("crate_id").and_then(Value::as_u64) != Some(0) {
            continue;
        }
        let path: Vec<&str> = summary
            .get("path")
            .and_then(Value::as_array)
            .map(|p| p.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(found) = doc.pointer(&format!("/index/{id}")) else {
            continue;
        };
        let open = found
            .get("attrs")
            .and_then(Value::as_array)
            .is_some_and(|attrs| {
                attrs
                    .iter()
                    .any(|a| a.to_string().contains("non_exhaustive"))
            });
        let public_fields = found
            .pointer("/inner/struct/kind/plain/fields")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
            || found
                .pointer("/inner/struct/kind/tuple")
                .and_then(Value::as_array)
                .is_some_and(|f| f.iter().any(|x| !x.is_null()));
        let kind = match summary.get("kind").and_then(Value::as_str) {
            Some("enum") => "enum",
            Some("struct") if public_fields => "struct with public fields",
            _ => continue,
        };
        if !open {
            problems.push(format!(
                "{} is a public {kind} without #[non_exhaustive]",
                path.join("::")
            ));
        }
    }
    problems.sort();
    problems
}

fn read_json(path: &Path) -> Outcome<serde_json::Value> {
    let text =
        std::fs::read(path).map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&text)
        .map_err(|e| Failure::BadInput(format!("{}: not rustdoc JSON: {e}", path.display())))
}

/// Whether the current version says it breaks the baseline's callers: a
/// new major number, or for 0.x a new minor one.
fn breaking_release(baseline: &serde_json::Value, current: &serde_json::Value) -> bool {
    let version = |doc: &serde_json::Value| -> Option<(u64, u64)> {
        let text = doc.get("crate_version")?.as_str()?;
        let mut parts = text.split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (version(baseline), version(current)) {
        (Some((0, a)), Some((0, b))) => b > a,
        (Some((a, _)), Some((b, _))) => b > a,
        _ => false,
    }
}

/// Public fields (of structs and of enum variants) whose type differs
/// between the two APIs, as `types::TrackClient.creator_id: NonZeroU64 ->
/// Option<NonZeroU64>`.
pub(crate) fn retyped_fields(
    baseline: &serde_json::Value,
    current: &serde_json::Value,
) -> Vec<String> {
    let (before, after) = (field_types(baseline), field_types(current));
    before
        .iter()
        .filter_map(|(field, old)| {
            let new = after.get(field)?;
            (new != old).then(|| format!("{field}: {old} -> {new}"))
        })
        .collect()
}

/// Every public field of the crate's own structs and enum variants, by
/// `path.field`, with its type written out.
fn field_types(doc: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    use serde_json::Value;
    let index = &doc["index"];
    let item = |id: &Value| index.get(id.to_string().trim_matches('"'));
    let mut out = std::collections::BTreeMap::new();
    for (id, summary) in doc["paths"].as_object().into_iter().flatten() {
        if summary["crate_id"] != 0
            || !["struct", "enum"].contains(&summary["kind"].as_str().unwrap_or_default())
        {
            continue;
        }
        // The generated code is included from a private module that the
        // public paths skip.
        let path: Vec<&str> = summary["path"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .skip(1)
            .filter(|segment| *segment != "generated")
            .collect();
        let Some(owner) = index.get(id) else { continue };
        let mut fields: Vec<(String, &Value)> = Vec::new();
        if let Some(ids) = owner
            .pointer("/inner/struct/kind/plain/fields")
            .and_then(Value::as_array)
        {
            fields.extend(ids.iter().filter_map(item).map(|f| (path.join("::"), f)));
        }
        for variant in owner
            .pointer("/inner/enum/variants")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(item)
        {
            let name = format!(
                "{}::{}",
                path.join("::"),
                variant["name"].as_str().unwrap_or_default()
            );
            for f in variant
                .pointer("/inner/variant/kind/struct/fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(item)
            {
                fields.push((name.clone(), f));
            }
        }
        for (owner, field) in fields {
            if let (Some(name), Some(ty)) =
                (field["name"].as_str(), field.pointer("/inner/struct_field"))
            {
                out.insert(format!("{owner}.{name}"), type_text(ty));
            }
        }
    }
    out
}

/// A rustdoc JSON type as short text: `Option<NonZeroU64>`, `Vec<String>`,
/// `(u32, bool)`; anything unusual as its JSON without ids, which is still
/// equal exactly when the types are.
fn type_text(ty: &serde_json::Value) -> String {
    use serde_json::Value;
    if let Some(path) = ty.get("resolved_path") {
        let name = path["path"]
            .as_str()
            .unwrap_or_default()
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_owned();
        let args: Vec<String> = path
            .pointer("/args/angle_bracketed/args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|a| a.get("type").map_or_else(|| a.to_string(), type_text))
            .collect();
        return if args.is_empty() {
            name
        } else {
            format!("{name}<{}>", args.join(", "))
        };
    }
    if let Some(p) = ty
        .get("primitive")
        .or_else(|| ty.get("generic"))
        .and_then(Value::as_str)
    {
        return p.to_owned();
    }
    if let Some(items) = ty.get("tuple").and_then(Value::as_array) {
        return format!(
            "({})",
            items.iter().map(type_text).collect::<Vec<_>>().join(", ")
        );
    }
    fn without_ids(v: &Value) -> Value {
        match v {
            Value::Object(m) => m
                .iter()
                .filter(|(k, _)| *k != "id")
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
            Value::Array(l) => l.iter().map(without_ids).collect(),
            other => other.clone(),
        }
    }
    without_ids(ty).to_string()
}

/// Builds the rustdoc JSON of the client's public API, as cargo-semver-checks
/// does (rustdoc's JSON output is unstable, hence `RUSTC_BOOTSTRAP`).
pub(crate) fn rustdoc_json() -> Outcome<PathBuf> {
    crate::run(
        "rustdoc JSON of toggl-track-api",
        cargo()
            .args([
                "rustdoc",
                "-p",
                "toggl-track-api",
                "--lib",
                "--all-features",
                "--quiet",
                "--",
                "-Z",
                "unstable-options",
                "--output-format",
                "json",
            ])
            .env("RUSTC_BOOTSTRAP", "1"),
    )?;
    Ok(crate::target_dir().join("doc").join("toggl_track_api.json"))
}

/// `path` itself, or its gzip content unpacked into target/semver/.
fn unpacked(path: &Path, name: &str) -> Outcome<PathBuf> {
    if path.extension().is_none_or(|e| e != "gz") {
        return Ok(path.to_owned());
    }
    let bad = |e: std::io::Error| Failure::BadInput(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(bad)?;
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut text)
        .map_err(bad)?;
    let out = crate::target_dir()
        .join("semver")
        .join(format!("{name}.json"));
    std::fs::create_dir_all(out.parent().unwrap_or(Path::new(".")))
        .map_err(crate::io(out.display()))?;
    std::fs::write(&out, text).map_err(crate::io(out.display()))?;
    Ok(out)
}

/// Writes the current API as the new baseline (at a release).
pub(crate) fn move_baseline() -> Outcome {
    use std::io::Write;
    let current = rustdoc_json()?;
    let text = std::fs::read(&current).map_err(crate::io(current.display()))?;
    let mut packed = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    packed
        .write_all(&text)
        .map_err(crate::io("cannot compress the rustdoc JSON"))?;
    let packed = packed
        .finish()
        .map_err(crate::io("cannot compress the rustdoc JSON"))?;
    let out = root().join(BASELINE);
    let tmp = out.with_extension("gz.tmp");
    std::fs::write(&tmp, packed).map_err(crate::io(tmp.display()))?;
    std::fs::rename(&tmp, &out).map_err(crate::io(out.display()))?;
    println!("{BASELINE} now holds the public Rust API of this version");
    Ok(())
}
