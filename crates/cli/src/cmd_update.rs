//! `update`: a client's name, notes or external reference.

use std::num::NonZeroU64;

use clap::Args;
use toggl_track_api::types::ClientUpdate;

use crate::args::{Output, id};
use crate::failure::{Failure, USAGE};
use crate::mirror::Written;
use crate::output;
use crate::session::Session;

#[derive(Debug, Args)]
pub(crate) struct Update {
    #[arg(value_parser = id)]
    id: NonZeroU64,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    notes: Option<String>,
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
            .await?
            .into_inner();
        s.write_through(Written::Clients(std::slice::from_ref(&client)));
        output::client(out, &client)
    }
}
