//! The command-line tool, built, as a user runs it: every command against a
//! local service, once in a real terminal, and against the real service
//! when credentials are set.

mod accounts;
mod careful;
#[cfg(target_os = "linux")]
#[path = "../support/child.rs"]
mod child;
mod commands;
mod completions;
mod live;
mod manual;
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

/// What every run of the tool here gets in place of the user's home: a
/// folder of this test process for its home, config and data, so that
/// no test reads a developer's settings or writes into their folders.
pub(crate) fn isolated_home() -> [(&'static str, std::path::PathBuf); 3] {
    static HOME: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| {
        let home =
            std::env::temp_dir().join(format!("toggl-clients-it-home-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).expect("a home for the tests");
        home
    });
    // HOME itself stays empty: the tool's folders are named apart, and a
    // test checks that nothing lands in HOME.
    [
        ("HOME", home.join("home")),
        ("TOGGL_CLIENTS_CONFIG_DIR", home.join("config")),
        ("TOGGL_CLIENTS_DATA_DIR", home.join("data")),
    ]
}
