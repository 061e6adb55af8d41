//! The maintainer tasks as commands: exit codes, one-line errors, nothing
//! written on failure.

mod commands;
mod maintainer;
mod recordings;
mod semver;
mod structure;
