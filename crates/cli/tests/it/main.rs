//! The command-line tool, built, as a user runs it: every command against a
//! local service, once in a real terminal, and against the real service
//! when credentials are set.

#[cfg(target_os = "linux")]
#[path = "../support/child.rs"]
mod child;
mod commands;
mod live;
mod security;
mod terminal;
mod wire;
