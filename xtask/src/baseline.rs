//! `cargo xtask baseline`: at a release, the current spec and the current
//! Rust API become the baselines the two breaking-change gates measure
//! against (`cargo xtask ecosystem`'s Optic step and `cargo xtask semver`).

use crate::{ecosystem, semver};

/// `cargo xtask baseline`.
#[derive(Debug, clap::Args)]
pub(crate) struct Baseline {}

impl Baseline {
    pub(crate) fn run(self) -> crate::Outcome {
        ecosystem::move_baseline()?;
        // The Rust API moves with the HTTP contract: both are the release's.
        semver::move_baseline()
    }
}
