//! The command-line tool, built, as a user runs it: every command against a
//! local service, once in a real terminal, and against the real service
//! when credentials are set.

#[cfg(target_os = "linux")]
#[path = "../support/child.rs"]
mod child;
mod commands;
mod live;
mod mirror;
mod mirror_trust;
mod security;
mod terminal;
mod wire;

/// Runs `test` on a runtime of its own. The tests that read a child's peak
/// memory run it inside `rusty_fork_test!`, alone in a fresh copy of this
/// binary: Linux starts a child's peak at its parent's, and this binary,
/// running every test at once, holds large services.
#[cfg(target_os = "linux")]
fn alone<F: std::future::Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(test)
}
