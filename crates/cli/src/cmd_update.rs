//! `update`: a client's name, notes or external reference.

use std::num::NonZeroU64;

use clap::Args;
use toggl_track_api::types::ClientUpdate;

use crate::args::{Output, client_name, id};
use crate::failure::{Failure, USAGE};
use crate::mirror::Written;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Update {
    /// The client's id (`list` shows it).
    #[arg(value_parser = id)]
    id: NonZeroU64,
    /// A new name: unique in the workspace (in any case), at most 255
    /// bytes.
    #[arg(long, value_parser = client_name)]
    name: Option<String>,
    /// New notes.
    #[arg(long)]
    notes: Option<String>,
    /// A new external reference.
    #[arg(long)]
    external_reference: Option<String>,
}

impl Update {
    pub(crate) async fn run(self, s: &mut Session, out: Output) -> Result<(), Failure> {
        if self.name.is_none() && self.notes.is_none() && self.external_reference.is_none() {
            return Err(Failure::new(
                USAGE,
                "nothing to change: give --name, --notes or --external-reference",
            ));
        }
        let name = self.name.clone();
        let body = ClientUpdate::builder()
            .name(self.name)
            .notes(self.notes)
            .external_reference(self.external_reference);
        let client = s
            .client
            .update_client()
            .workspace_id(s.workspace()?)
            .client_id(self.id)
            .body(body)
            .send()
            .await
            .map_err(|e| refused(&e, name.as_deref()))?
            .into_inner();
        s.write_through(Written::Clients(std::slice::from_ref(&client)));
        output::client(out, &client)
    }
}

/// A taken name on update is another client's: `list` finds which.
fn refused(err: &toggl_track_api::Error, name: Option<&str>) -> Failure {
    use toggl_track_api::error::ValidationReason;
    match (err, name) {
        (
            toggl_track_api::Error::Validation {
                reason: ValidationReason::NameTaken,
                ..
            },
            Some(name),
        ) => Failure::advised(
            err,
            &format!(
                "another client of the workspace has this name: `toggl-clients list --status both --name {name:?}` shows which"
            ),
        ),
        _ => Failure::from_error(err),
    }
}
