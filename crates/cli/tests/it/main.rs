//! The command-line tool, built, as a user runs it: every command against a
//! local service, once in a real terminal, and against the real service
//! when credentials are set.

mod commands;
mod live;
mod security;
mod terminal;
mod wire;
