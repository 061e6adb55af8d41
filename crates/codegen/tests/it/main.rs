//! The spec and the generator: the real spec keeps the rules other tools
//! rely on, and each rule broken on purpose in a small fixture is reported
//! in one line.

mod spec;
mod validation;
