//! Instructions per request, counted by callgrind on the client's thread
//! alone. A count does not move with the machine's load: on a shared
//! machine the CPU time of the same 256 requests varies by a factor of two
//! between rounds, more than any difference the client bench looks for.
//!
//! The bench runs itself under valgrind as a child ([`CHILD`]) that sends
//! `n`, then `2n`, requests from one side; the difference between the two
//! counts, over `n`, is the cost of a request without the start-up (the
//! runtime, the first connection, the service).

use std::path::Path;
use std::process::Command;

/// The flag that makes the bench the counted child: `CHILD op side n`.
pub const CHILD: &str = "--instructions-child";

/// Instructions per request, each side.
pub struct Counted {
    pub raw: f64,
    pub generated: f64,
}

/// Counts `op` on each side; `None` when valgrind is not installed.
pub fn per_request(op: &str, n: usize) -> Result<Option<Counted>, String> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Ok(None);
    }
    let dir = std::env::temp_dir().join(format!("toggl-bench-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let counted = (|| {
        let per = |side: &str| -> Result<f64, String> {
            let once = count(&dir, op, side, n)?;
            let twice = count(&dir, op, side, 2 * n)?;
            Ok(twice.saturating_sub(once) as f64 / n as f64)
        };
        Ok(Counted {
            raw: per("raw")?,
            generated: per("generated")?,
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    counted.map(Some)
}

/// The instructions the main thread of one counted child ran.
fn count(dir: &Path, op: &str, side: &str, n: usize) -> Result<u64, String> {
    let out = dir.join(format!("{op}.{side}.{n}"));
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--separate-threads=yes")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(exe)
        .args([CHILD, op, side, &n.to_string()])
        .output()
        .map_err(|e| format!("valgrind: {e}"))?;
    if !run.status.success() {
        // valgrind's own lines say why (an instruction it does not know, a
        // child that panicked): the last of them go with the error.
        let said = String::from_utf8_lossy(&run.stderr);
        let tail: Vec<&str> = said.lines().rev().take(5).collect();
        return Err(format!(
            "valgrind {op} {side} {n}: {}; it said: {}",
            run.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    // With --separate-threads, thread 1 (the main thread, the client's)
    // gets the suffix -01.
    let main_thread = dir.join(format!("{op}.{side}.{n}-01"));
    let text = std::fs::read_to_string(&main_thread)
        .map_err(|e| format!("{}: {e}", main_thread.display()))?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{}: no instruction total", main_thread.display()))
}
