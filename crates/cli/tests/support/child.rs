//! A child process run to its end with what it cost: its wall time and its
//! peak resident memory (Linux's `ru_maxrss` from `wait4`, which covers the
//! children it waited for too, so a shell pipeline reports its largest
//! stage). Shared by the CLI's tests and its large-workspace benchmark.
//!
//! Linux starts a child's count at the spawning process's own peak (the
//! high-water mark of the memory the child was spawned from), so [`run`]
//! reports at least the caller's size: an upper bound, close when the
//! caller is small (the tests that read it run alone, in a fresh copy of
//! the test binary). [`run_isolated`] spawns through a small copy of the
//! calling program that does nothing else, for a figure that is the
//! child's alone; the program must call [`serve_isolation`] first thing.

// Each includer uses a part: the tests `run`, the benchmark the rest.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A finished child: what it printed and what it cost.
pub struct Measured {
    pub output: Output,
    pub wall: Duration,
    /// Peak resident memory in bytes.
    pub peak: u64,
}

/// The first argument that makes a program the go-between of
/// [`run_isolated`].
const GO_BETWEEN: &str = "--spawn-and-measure";

/// Runs `cmd` with its output captured, waiting with `wait4`.
pub fn run(cmd: &mut Command) -> Measured {
    let started = Instant::now();
    // Waited for below with wait4, which also reports the child's peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let pid = i32::try_from(child.id()).expect("pid");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut err = Vec::new();
        let _ = stderr.read_to_end(&mut err);
        err
    });
    let mut out = Vec::new();
    let _ = stdout.read_to_end(&mut out);
    let (status, peak) = wait(pid);
    let wall = started.elapsed();
    let err = errors.join().expect("read");
    Measured {
        output: Output {
            status,
            stdout: out,
            stderr: err,
        },
        wall,
        peak,
    }
}

/// Runs `cmd` (its program, arguments and the variables set on it; the
/// rest of the environment is inherited) through a go-between: this
/// program again, started small, which spawns `cmd` and reports its peak.
pub fn run_isolated(cmd: &Command, report: &Path) -> Measured {
    let mut outer = Command::new(std::env::current_exe().expect("this program"));
    outer
        .arg(GO_BETWEEN)
        .arg(report)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => outer.env(key, value),
            None => outer.env_remove(key),
        };
    }
    let mut measured = run(&mut outer);
    let said = std::fs::read_to_string(report).expect("the go-between reports");
    measured.peak = said.trim().parse().expect("a number of bytes");
    measured
}

/// When this program was started as [`run_isolated`]'s go-between: spawns
/// the command it was given with the same stdio, writes its peak resident
/// memory to the report file and exits with its status. Otherwise returns.
pub fn serve_isolation() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(std::ffi::OsStr::new(GO_BETWEEN)) {
        return;
    }
    let report: OsString = args.next().expect("a report file");
    let program = args.next().expect("a program");
    // Waited for below with wait4.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(program).args(args).spawn().expect("spawns");
    let (status, peak) = wait(i32::try_from(child.id()).expect("pid"));
    std::fs::write(&report, peak.to_string()).expect("report written");
    std::process::exit(status.code().unwrap_or(128));
}

/// Waits for `pid` with `wait4`: its exit status and peak memory in bytes.
fn wait(pid: i32) -> (std::process::ExitStatus, u64) {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "waited for the child");
    (
        std::os::unix::process::ExitStatusExt::from_raw(status),
        // Linux reports KiB.
        u64::try_from(usage.ru_maxrss).unwrap_or_default() * 1024,
    )
}
