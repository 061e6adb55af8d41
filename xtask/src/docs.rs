//! `cargo xtask docs`: a self-contained HTML reference of the spec (Redocly
//! `build-docs` with the scripts inlined, so it opens offline), and the
//! check that it renders every operation in a real browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run, tools};
use toggl_track_codegen::SPEC_PATH as SPEC;

/// Where the reference is written.
pub(crate) fn output() -> PathBuf {
    root()
        .join("target")
        .join("api-reference")
        .join("index.html")
}

/// Redoc's attribution badge loads its logo from Redocly's CDN, a broken
/// image offline; the same words, drawn inline, need no network.
const CDN_LOGOS: [&str; 2] = [
    "https://cdn.redoc.ly/redoc/logo-mini-full.svg",
    "https://cdn.redoc.ly/redoc/logo-mini.svg",
];
const INLINE_LOGO: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='56' height='14'%3E%3Ctext x='0' y='11' font-family='sans-serif' font-size='11' fill='%23767676'%3ERedocly%3C/text%3E%3C/svg%3E";

/// Builds the reference; returns its path.
pub(crate) fn build() -> crate::Outcome<PathBuf> {
    let node = tools::node_env()?;
    let out = output();
    run(
        "Redocly build-docs",
        Command::new(tools::node_bin(&node, "redocly"))
            .arg("build-docs")
            .arg(root().join(SPEC))
            .arg("--inlineBundle")
            .arg("--output")
            .arg(&out)
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
    )?;
    let page = std::fs::read_to_string(&out).map_err(crate::io(out.display()))?;
    let offline = CDN_LOGOS
        .iter()
        .fold(page, |page, url| page.replace(url, INLINE_LOGO));
    crate::files::write_atomically(&out, &offline)?;
    Ok(out)
}

/// Renders the reference in headless Chromium and checks that every
/// operation's summary is on the rendered page.
pub(crate) fn check_rendered(page: &Path) -> crate::Outcome {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .ok_or_else(|| crate::Failure::BadInput("Chromium is needed to check the HTML reference; install it (Debian: `apt-get install chromium`) and run again".into()))?;
    let profile = root().join("target").join("tools").join("chromium-profile");
    eprintln!("==> render the reference in headless Chromium");
    let rendered = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .map_err(crate::io("cannot run Chromium"))?;
    let dom = String::from_utf8_lossy(&rendered.stdout);
    let spec = crate::spec_document(None)?;
    let summaries: Vec<String> = spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| {
            op.get("summary")
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        })
        .collect();
    let missing: Vec<&String> = summaries
        .iter()
        .filter(|s| !dom.contains(s.as_str()))
        .collect();
    // Nothing the page shows comes from the network: every image is inline.
    let remote: Vec<&str> = dom
        .split("<img")
        .skip(1)
        .filter_map(|tag| tag.split("src=\"").nth(1)?.split('"').next())
        .filter(|src| !src.starts_with("data:"))
        .collect();
    if !remote.is_empty() {
        return Err(crate::Failure::Found(format!(
            "the rendered reference loads images from the network: {remote:?}"
        )));
    }
    let version = spec["info"]["version"].as_str().unwrap_or_default();
    if version.is_empty() || !dom.contains(&format!("({version})")) {
        return Err(crate::Failure::Found(format!(
            "the rendered reference does not show the document version {version:?}"
        )));
    }
    if summaries.is_empty() || !missing.is_empty() {
        return Err(crate::Failure::Found(format!(
            "the rendered reference lacks {} of {} operations: {missing:?}",
            missing.len(),
            summaries.len()
        )));
    }
    eprintln!(
        "all {} operations are on the rendered page",
        summaries.len()
    );
    Ok(())
}

/// `cargo xtask docs`.
#[derive(Debug, clap::Args)]
pub(crate) struct Docs {}

impl Docs {
    pub(crate) fn run(self) -> crate::Outcome {
        write_reference()
    }
}

fn write_reference() -> crate::Outcome {
    let page = build()?;
    println!(
        "wrote {}; open it in a browser (it needs no network)",
        page.display()
    );
    Ok(())
}
