//! `logout`: removes the token `login` kept (from the credential store or
//! its file) and the profile's login; the profile's other settings and its
//! mirror stay.

use clap::Args;

use crate::credential_store;
use crate::failure::{Failure, USAGE};
use crate::profile::Chosen;

#[derive(Debug, Args)]
pub(crate) struct Logout {}

impl Logout {
    pub(crate) fn run(self, mut chosen: Chosen) -> Result<(), Failure> {
        chosen.must_exist()?;
        let mut profile = chosen.profile();
        let Some(login) = profile.login.take() else {
            eprintln!(
                "profile {} is not logged in: nothing to remove",
                chosen.name
            );
            return Ok(());
        };
        credential_store::forget(&login.token).map_err(|why| {
            Failure::new(
                USAGE,
                format!("the token could not be removed from {}: {why}", login.token),
            )
        })?;
        chosen.save(profile)?;
        println!(
            "logged out {} (Toggl user {}) of profile {}: the token is removed from {}",
            login.user, login.user_id, chosen.name, login.token
        );
        Ok(())
    }
}
