//! The local service over plain HTTP: its rules, and its models against the
//! spec's schemas.

mod binary;
mod schemas;
mod semantics;
