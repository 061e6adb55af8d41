//! `cargo xtask regen` and `cargo xtask check`.

use crate::Failure;
use crate::derived::{render, write_atomically};
use crate::root;

/// Rewrites every derived file. All are rendered before any is written, so
/// an invalid spec leaves every old file as it was.
pub(crate) fn regen(args: &[String]) -> Result<(), Failure> {
    no_arguments("regen", args)?;
    let files = render().map_err(|e| Failure::BadInput(e.to_string()))?;
    for file in &files {
        let path = root().join(&file.path);
        let same = std::fs::read_to_string(&path).is_ok_and(|old| old == file.content);
        if same {
            println!("unchanged {}", file.path.display());
        } else {
            write_atomically(&path, &file.content).map_err(Failure::BadInput)?;
            println!("wrote     {}", file.path.display());
        }
    }
    Ok(())
}

/// Fails with a unified diff when a derived file is stale.
pub(crate) fn check(args: &[String]) -> Result<(), Failure> {
    no_arguments("check", args)?;
    let files = render().map_err(|e| Failure::BadInput(e.to_string()))?;
    let mut stale = Vec::new();
    for file in &files {
        let path = root().join(&file.path);
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != file.content {
            let shown = file.path.display().to_string();
            let diff = similar::TextDiff::from_lines(&old, &file.content);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{shown}"), &format!("b/{shown}"))
            );
            stale.push(shown);
        }
    }
    if stale.is_empty() {
        println!("the spec is valid and every derived file is fresh");
        Ok(())
    } else {
        Err(Failure::Found(format!(
            "stale: {}; run `cargo xtask regen` and commit the result",
            stale.join(", ")
        )))
    }
}

fn no_arguments(task: &str, args: &[String]) -> Result<(), Failure> {
    match args.first() {
        Some(extra) => Err(Failure::Usage(format!(
            "`{task}` takes no arguments, got `{extra}`"
        ))),
        None => Ok(()),
    }
}
