//! `cargo xtask bench`: every benchmark, with its table rewritten in
//! BENCHMARKS.md. `--quick` (part of `cargo xtask ci`) runs the same code
//! briefly, to prove that each benchmark still builds and runs, and checks
//! that an unchanged spec is not generated again.
//!
//! The client's request and decoding costs (`benches/client.rs`), bytes on
//! the wire (`benches/wire.rs`), the local service under load
//! (`crates/local-service/benches/load.rs`) and the tool on large workspaces
//! (`crates/cli/benches/large.rs`) are cargo benches that print a Markdown
//! table. The build cost is measured here:
//! clean builds of the client and of a hand-written floor
//! (`benches/build-floor`) in fresh target folders, and the time the spec
//! takes to generate.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use toggl_track_codegen::SPEC_PATH as SPEC;

use crate::{Outcome, cargo, root, run};

const BENCHMARKS: &str = "BENCHMARKS.md";
/// Clean builds of each kind; the median counts.
const BUILD_ROUNDS: usize = 3;

/// The kinds of benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Kind {
    /// The client against raw reqwest + serde_json.
    Client,
    /// The local service under load.
    Load,
    /// Clean builds against a hand-written floor.
    Build,
    /// Bytes on the wire, compressed answers against uncompressed ones.
    Wire,
    /// The CLI on large workspaces against `curl | jq`.
    Large,
    /// The mirror: first sync, delta sync and offline reads, each against
    /// a baseline from the same run.
    Mirror,
}

/// `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct Bench {
    /// Run each benchmark briefly to prove it runs (the numbers mean
    /// nothing), and check that an unchanged spec is not generated again.
    #[arg(long, conflicts_with = "kinds")]
    quick: bool,
    /// Which benchmarks to run (all when none is named).
    #[arg(value_enum)]
    kinds: Vec<Kind>,
}

impl Bench {
    pub(crate) fn run(self) -> Outcome {
        if self.quick {
            return quick();
        }
        let chosen = |kind| self.kinds.is_empty() || self.kinds.contains(&kind);
        full(chosen)
    }
}

/// Every benchmark, briefly; the numbers mean nothing, the runs must pass.
pub(crate) fn quick() -> crate::Outcome {
    run(
        "benchmarks, smoke pass",
        cargo().args([
            "test",
            "-p",
            "toggl-track-local-service",
            "-p",
            "toggl-track-api",
            "-p",
            "toggl-clients",
            "--benches",
        ]),
    )?;
    let took = generation_time(1)?;
    eprintln!("    the spec generated in {:.3} s", took.as_secs_f64());
    let rebuilds = no_regeneration()?;
    eprintln!(
        "    rebuild after a change to src/: {:.1} s, the spec not generated again",
        rebuilds.after_source_change.as_secs_f64()
    );
    // The floor builds against the workspace's compiled dependencies here.
    let floor = floor_sources()?;
    run(
        "the build-cost floor compiles",
        cargo()
            .arg("build")
            .arg("--manifest-path")
            .arg(floor.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", root().join("target")),
    )
}

fn full(chosen: impl Fn(Kind) -> bool) -> crate::Outcome {
    if chosen(Kind::Client) {
        let python = crate::tools::python_env()?;
        let python_client = crate::ecosystem::python_client(&python)?;
        let table = bench_table(
            "the client against raw reqwest + serde_json",
            cargo()
                .args(["bench", "--bench", "client", "--"])
                .arg("--python")
                .arg(crate::tools::bin(&python, "python"))
                .arg("--python-path")
                .arg(&python_client),
        )?;
        write_section("client", &table)?;
    }
    if chosen(Kind::Load) {
        let table = bench_table(
            "the local service under load",
            cargo().args([
                "bench",
                "-p",
                "toggl-track-local-service",
                "--bench",
                "load",
            ]),
        )?;
        write_section("local-service-load", &table)?;
    }
    if chosen(Kind::Wire) {
        let table = bench_table(
            "bytes on the wire, compressed and not",
            cargo().args(["bench", "--bench", "wire"]),
        )?;
        write_section("wire", &table)?;
    }
    if chosen(Kind::Large) {
        let table = bench_table(
            "the CLI on large workspaces",
            cargo().args(["bench", "-p", "toggl-clients", "--bench", "large"]),
        )?;
        write_section("large", &table)?;
    }
    if chosen(Kind::Mirror) {
        let table = bench_table(
            "the mirror on a large workspace",
            cargo().args(["bench", "-p", "toggl-clients", "--bench", "mirror"]),
        )?;
        write_section("mirror", &table)?;
    }
    if chosen(Kind::Build) {
        write_section("build", &build_cost()?)?;
    }
    println!("rewrote the measured tables in {BENCHMARKS}");
    Ok(())
}

/// Runs a bench and returns the Markdown table it printed.
fn bench_table(step: &str, cmd: &mut Command) -> crate::Outcome<String> {
    eprintln!("==> {step}");
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(crate::io(format!("{step}: cannot start cargo")))?;
    let said = String::from_utf8_lossy(&out.stdout);
    print!("{said}");
    if !out.status.success() {
        return Err(crate::Failure::Found(format!(
            "{step} failed ({})",
            out.status
        )));
    }
    let table: String = said
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| format!("{l}\n"))
        .collect();
    if table.is_empty() {
        return Err(crate::Failure::Found(format!("{step} printed no table")));
    }
    Ok(table)
}

/// Replaces the text between `<!-- {name}:start -->` and `<!-- {name}:end -->`
/// in BENCHMARKS.md, through a temporary file so a failure leaves the old
/// file whole.
fn write_section(name: &str, table: &str) -> crate::Outcome {
    let path = root().join(BENCHMARKS);
    let (start, end) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    let text = std::fs::read_to_string(&path).map_err(crate::io(BENCHMARKS))?;
    let (Some(a), Some(b)) = (text.find(&start), text.find(&end)) else {
        return Err(crate::Failure::Found(format!(
            "{BENCHMARKS}: markers {start} and {end} not found"
        )));
    };
    let updated = format!("{}{start}\n{table}{}", &text[..a], &text[b..]);
    crate::files::write_atomically(&path, &updated)
}

/// The median time the spec takes to parse, validate and generate, in this
/// (unoptimised) build: the same code at the same optimisation level as
/// build.rs.
fn generation_time(runs: usize) -> crate::Outcome<Duration> {
    let spec = root().join(SPEC);
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let parsed = toggl_track_codegen::load(&spec)
            .map_err(|e| crate::Failure::BadInput(e.to_string()))?;
        toggl_track_codegen::generate(&spec, &parsed)
            .map_err(|e| crate::Failure::BadInput(e.to_string()))?
            .compact();
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

struct Rebuilds {
    after_source_change: Duration,
}

/// Proves, in the workspace's own target folder, that cargo runs the build
/// script (which generates the client) again only when the spec changes:
/// not on a rebuild with nothing changed, not when `src/` changes;
/// and, as the control, that it does when the spec's timestamp moves.
fn no_regeneration() -> crate::Outcome<Rebuilds> {
    let build = || {
        let started = Instant::now();
        let out = cargo()
            .args(["build", "-p", "toggl-track-api", "--verbose"])
            .output()
            .map_err(crate::io("cannot start cargo"))?;
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            return Err(crate::Failure::Found(format!(
                "cargo build failed:\n{said}"
            )));
        }
        // cargo -v names the build script's run: `Running `.../build/
        // toggl-track-api-<hash>/build-script-build``.
        let generated = said.lines().any(|l| {
            l.trim_start().starts_with("Running")
                && l.contains("toggl-track-api-")
                && l.contains("build-script-build")
        });
        Ok::<_, crate::Failure>((generated, started.elapsed()))
    };
    eprintln!("==> the build script runs only when the spec changes");
    build()?;
    if build()?.0 {
        return Err(crate::Failure::Found(
            "a rebuild with nothing changed ran the build script".into(),
        ));
    }
    touch(&root().join("src").join("lib.rs"))?;
    let (generated, after_source_change) = build()?;
    if generated {
        return Err(crate::Failure::Found(
            "a change to src/lib.rs ran the build script".into(),
        ));
    }
    touch(&root().join(SPEC))?;
    if !build()?.0 {
        return Err(crate::Failure::Found(format!(
            "a change to {SPEC} did not run the build script: the check cannot see it"
        )));
    }
    Ok(Rebuilds {
        after_source_change,
    })
}

/// Moves a file's modification time to now, without changing its content.
fn touch(path: &Path) -> crate::Outcome {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(crate::io(format!("cannot touch {}", path.display())))
}

/// The floor crate copied into target/ with the workspace's lock file, so
/// that it builds the very dependency versions the client does.
fn floor_sources() -> crate::Outcome<PathBuf> {
    let from = root().join("benches").join("build-floor");
    let to = root().join("target").join("bench-build").join("floor-src");
    std::fs::create_dir_all(to.join("src")).map_err(crate::io(to.display()))?;
    for (src, dst) in [
        (from.join("Cargo.toml"), to.join("Cargo.toml")),
        (
            from.join("src").join("lib.rs"),
            to.join("src").join("lib.rs"),
        ),
        (root().join("Cargo.lock"), to.join("Cargo.lock")),
    ] {
        std::fs::copy(&src, &dst).map_err(crate::io(src.display()))?;
    }
    // The workspace's own profile: the smoke build then reuses the
    // workspace's compiled dependencies (the clean builds set a user's
    // profile themselves).
    let manifest = to.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(crate::io(manifest.display()))?;
    text.push('\n');
    text.push_str(&crate::workspace_profiles()?);
    std::fs::write(&manifest, text).map_err(crate::io(manifest.display()))?;
    Ok(to)
}

/// One clean build: its wall time, the CPU time of every process it ran
/// (steadier than wall time on a shared machine) and its slowest units.
struct CleanBuild {
    wall: f64,
    cpu: f64,
    slowest: Vec<(String, f64)>,
}

/// User and system CPU seconds of all children this process has waited for
/// (cargo accounts for its rustc and build-script children the same way).
#[cfg(unix)]
fn children_cpu() -> f64 {
    // SAFETY: getrusage fills in the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_CHILDREN is a valid `who`.
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

#[cfg(not(unix))]
fn children_cpu() -> f64 {
    0.0
}

/// Builds from nothing in `target/bench-build/<name>` (dev profile, all
/// dependencies already downloaded) and reads cargo's timing report.
fn clean_build(name: &str, args: &[&str]) -> crate::Outcome<CleanBuild> {
    let target = root().join("target").join("bench-build").join(name);
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(crate::io(target.display()))?;
    }
    eprintln!("==> clean build: {name}");
    let (started, cpu_before) = (Instant::now(), children_cpu());
    let status = cargo()
        .args(["build", "--offline", "--timings"])
        .args(args)
        .env("CARGO_TARGET_DIR", &target)
        // A user's first build: cargo's default dev profile (full debug
        // info), not this workspace's line tables, on both sides.
        .env("CARGO_PROFILE_DEV_DEBUG", "full")
        .status()
        .map_err(crate::io("cannot start cargo"))?;
    let (wall, cpu) = (started.elapsed().as_secs_f64(), children_cpu() - cpu_before);
    if !status.success() {
        return Err(crate::Failure::Found(format!(
            "clean build {name} failed ({status})"
        )));
    }
    let report = target.join("cargo-timings").join("cargo-timing.html");
    let slowest = std::fs::read_to_string(&report)
        .map(|html| slowest_units(&html, 3))
        .unwrap_or_default();
    Ok(CleanBuild { wall, cpu, slowest })
}

/// The round with the median wall time, with the median CPU time.
fn median_build(mut results: Vec<CleanBuild>) -> CleanBuild {
    let mut cpu: Vec<f64> = results.iter().map(|r| r.cpu).collect();
    cpu.sort_by(f64::total_cmp);
    results.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    let mut middle = results.swap_remove(results.len() / 2);
    middle.cpu = cpu[cpu.len() / 2];
    middle
}

/// The `n` slowest units of a cargo timing report (its `UNIT_DATA`
/// array); empty if the report's layout is not recognised.
fn slowest_units(html: &str, n: usize) -> Vec<(String, f64)> {
    let Some(data) = html
        .split_once("const UNIT_DATA = ")
        .and_then(|(_, rest)| rest.split_once(";\n"))
        .map(|(data, _)| data)
    else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Array(units)) = serde_json::from_str(data) else {
        return Vec::new();
    };
    let text = |u: &serde_json::Value, key: &str| {
        u.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut units: Vec<(String, f64)> = units
        .iter()
        .filter_map(|u| {
            let duration = u.get("duration")?.as_f64()?;
            Some((
                format!("{}{}", text(u, "name"), text(u, "target")),
                duration,
            ))
        })
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    units.truncate(n);
    units
}

/// Clean builds of the floor and the client with each TLS choice, the
/// generation time and the rebuild behaviour, as a Markdown table.
fn build_cost() -> crate::Outcome<String> {
    let floor = floor_sources()?;
    let floor_manifest = floor.join("Cargo.toml");
    let floor_manifest = floor_manifest
        .to_str()
        .ok_or_else(|| crate::Failure::BadInput("target path is not UTF-8".into()))?;
    run(
        "download every dependency first",
        cargo().args(["fetch", "--manifest-path", floor_manifest]),
    )?;
    run("download every dependency first", cargo().arg("fetch"))?;
    let builds = compared_builds(floor_manifest);
    let measured = measure(&builds)?;
    let generation = generation_time(5)?;
    let rebuilds = no_regeneration()?;
    Ok(cost_table(&builds, &measured, generation, &rebuilds))
}

/// A clean build to measure.
struct Build<'a> {
    /// Its row in the table.
    label: &'static str,
    /// Its target folder, under `target/bench-build/`.
    dir: &'static str,
    /// cargo's arguments.
    args: Vec<&'a str>,
    /// The index of the floor it is compared with, if any.
    floor: Option<usize>,
}

/// Every clean build of the table, each after the floor it is compared
/// with; `floor_manifest` is the floor crate's copy.
fn compared_builds(floor_manifest: &str) -> [Build<'_>; 7] {
    let native = ["--no-default-features", "--features", "native-tls"];
    let floor_args = ["--manifest-path", floor_manifest];
    let client_args = ["-p", "toggl-track-api"];
    let ring = ["--no-default-features", "--features", "rustls-ring"];
    [
        Build {
            label: "floor: hand-written reqwest client, rustls (aws-lc-rs)",
            dir: "floor-rustls",
            args: floor_args.to_vec(),
            floor: Some(0),
        },
        Build {
            label: "toggl-track-api, rustls (aws-lc-rs, the default): build.rs generates the client",
            dir: "client-rustls",
            args: client_args.to_vec(),
            floor: Some(0),
        },
        Build {
            label: "floor: hand-written reqwest client, rustls (ring)",
            dir: "floor-rustls-ring",
            args: [&floor_args[..], &ring[..]].concat(),
            floor: Some(2),
        },
        Build {
            label: "toggl-track-api, rustls (ring): build.rs generates the client",
            dir: "client-rustls-ring",
            args: [&client_args[..], &ring[..]].concat(),
            floor: Some(2),
        },
        Build {
            label: "floor: hand-written reqwest client, native-tls",
            dir: "floor-native-tls",
            args: [&floor_args[..], &native[..]].concat(),
            floor: Some(4),
        },
        Build {
            label: "toggl-track-api, native-tls: build.rs generates the client",
            dir: "client-native-tls",
            args: [&client_args[..], &native[..]].concat(),
            floor: Some(4),
        },
        Build {
            label: "floor with rusqlite, SQLite bundled (a C build): what toggl-clients' mirror adds",
            dir: "floor-rustls-rusqlite",
            args: [&floor_args[..], &["--features", "mirror"][..]].concat(),
            floor: Some(0),
        },
    ]
}

/// Each build's median of [`BUILD_ROUNDS`] clean builds. Rounds go through
/// every build in turn, so that a slow spell of the machine hits all of them.
fn measure(builds: &[Build<'_>]) -> crate::Outcome<Vec<CleanBuild>> {
    let mut rounds: Vec<Vec<CleanBuild>> = builds.iter().map(|_| Vec::new()).collect();
    for _ in 0..BUILD_ROUNDS {
        for (build, results) in builds.iter().zip(&mut rounds) {
            results.push(clean_build(build.dir, &build.args)?);
        }
    }
    Ok(rounds.into_iter().map(median_build).collect())
}

/// The build-cost table: each build against its floor, then the generation
/// time and the rebuild after a source change.
fn cost_table(
    builds: &[Build<'_>],
    measured: &[CleanBuild],
    generation: Duration,
    rebuilds: &Rebuilds,
) -> String {
    let mut table = String::from(
        "| build | wall s | wall ratio to its floor | CPU s | CPU ratio | slowest units, last round (s) |\n|---|---:|---:|---:|---:|---|\n",
    );
    for (build, Build { label, floor, .. }) in measured.iter().zip(builds) {
        let slowest: Vec<String> = build
            .slowest
            .iter()
            .map(|(unit, s)| format!("{unit} {s:.1}"))
            .collect();
        let ratio = |of: fn(&CleanBuild) -> f64| {
            floor.map_or_else(String::new, |f| {
                format!("{:.2}", of(build) / of(&measured[f]))
            })
        };
        table.push_str(&format!(
            "| {label} | {:.1} | {} | {:.1} | {} | {} |\n",
            build.wall,
            ratio(|b| b.wall),
            build.cpu,
            ratio(|b| b.cpu),
            slowest.join(", ")
        ));
    }
    table.push_str(&format!(
        "| generating the client from the spec (as build.rs does, unoptimised; median of 5) | {:.3} | | | | |\n",
        generation.as_secs_f64()
    ));
    table.push_str(&format!(
        "| rebuild after a change to `src/lib.rs`: the build script does not run (checked) | {:.1} | | | | |\n",
        rebuilds.after_source_change.as_secs_f64()
    ));
    table
}

#[cfg(test)]
mod tests {
    use super::slowest_units;

    #[test]
    fn the_timing_report_is_read_and_a_strange_one_is_not() {
        let html = "<script>\nconst UNIT_DATA = [\
            {\"name\": \"a\", \"target\": \"\", \"duration\": 1.5},\
            {\"name\": \"b\", \"target\": \" build script (run)\", \"duration\": 9.0}];\n</script>";
        assert_eq!(
            slowest_units(html, 1),
            vec![("b build script (run)".to_owned(), 9.0)]
        );
        assert!(slowest_units("<html></html>", 3).is_empty());
        assert!(slowest_units("const UNIT_DATA = [{\"x\": 1}];\n", 3).is_empty());
    }
}
